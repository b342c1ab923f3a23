/**
 * Push to deploy across accounts. ECR emits push events only in the account that owns the
 * repository, so a rule in the pipeline account never sees them (AWS CDK puts its rule there, and
 * its pipelines never start on push). Here the source account forwards matching events to the
 * pipeline account's default bus, where a second rule starts the pipeline.
 */
import { CloudwatchEventBusPolicy, CloudwatchEventRule, CloudwatchEventTarget, IamRole, IamRolePolicy } from "../lib/aws";
import { Construct } from "../lib/cdktf";
import { ecrPushPattern } from "../lib/events";
import { EVENTS_PUT, START_PIPELINE, STS_ASSUME_ROLE } from "../lib/perms";
import { accountPrincipal, policyDocument, servicePrincipal, sourceAccountIs } from "../lib/policy";

/** A role EventBridge assumes in `accountId`, allowed `actions` on `resource` only. */
function eventBridgeRole(scope: Construct, name: string, accountId: string, sid: string, actions: readonly string[], resource: string): IamRole {
  const trust = policyDocument(scope, "trust-policy", [
    {
      // aws:SourceAccount: only rules of this account may use the role.
      sid: "EventBridgeAssumes",
      actions: STS_ASSUME_ROLE,
      principals: [servicePrincipal("events.amazonaws.com")],
      conditions: [sourceAccountIs(accountId)],
    },
  ]);
  const role = new IamRole(scope, "role", { name, assumeRolePolicy: trust.json });
  const permissions = policyDocument(scope, "permissions-policy", [{ sid, actions, resources: [resource] }]);
  new IamRolePolicy(scope, "permissions", { name: "events", role: role.name, policy: permissions.json });
  return role;
}

export interface PushForwardingProps {
  readonly roleName: string;
  readonly sourceAccountId: string;
  /** The pipeline account's default event bus. */
  readonly targetBusArn: string;
  readonly rules: readonly { readonly id: string; readonly ruleName: string; readonly repositoryName: string; readonly imageTag?: string }[];
}

/** Source account: one rule per repository, forwarding its pushes to the pipeline account's bus. */
export class PushForwarding extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: PushForwardingProps) {
    super(scope, id);
    this.role = eventBridgeRole(this, props.roleName, props.sourceAccountId, "PutEventsOnPipelineAccountBus", EVENTS_PUT, props.targetBusArn);
    for (const r of props.rules) {
      const rule = new CloudwatchEventRule(this, `${r.id}-rule`, {
        name: r.ruleName,
        description: `Forwards pushes to ${r.repositoryName} to the pipeline account`,
        eventPattern: JSON.stringify(ecrPushPattern({ repositoryName: r.repositoryName, imageTag: r.imageTag })),
      });
      new CloudwatchEventTarget(this, `${r.id}-target`, {
        rule: rule.name,
        targetId: "pipeline-account-bus",
        arn: props.targetBusArn,
        roleArn: this.role.arn,
      });
    }
  }
}

export interface EventBusAccessProps {
  readonly busArn: string;
  readonly sourceAccountId: string;
}

/**
 * Pipeline account: the default bus's policy, letting the source account put events on it. There
 * is one policy per bus: this replaces any policy the default bus had.
 */
export class EventBusAccess extends Construct {
  constructor(scope: Construct, id: string, props: EventBusAccessProps) {
    super(scope, id);
    const policy = policyDocument(this, "policy-document", [
      {
        sid: "SourceAccountPutsEvents",
        actions: EVENTS_PUT,
        resources: [props.busArn],
        principals: [accountPrincipal(props.sourceAccountId)],
      },
    ]);
    new CloudwatchEventBusPolicy(this, "policy", { eventBusName: "default", policy: policy.json });
  }
}

export interface PipelinePushTriggerProps {
  readonly ruleName: string;
  readonly roleName: string;
  readonly pipelineAccountId: string;
  readonly sourceAccountId: string;
  readonly repositoryName: string;
  readonly imageTag?: string;
  readonly pipelineArn: string;
}

/** Pipeline account: a rule for the forwarded pushes (from the source account only) that starts the pipeline. */
export class PipelinePushTrigger extends Construct {
  constructor(scope: Construct, id: string, props: PipelinePushTriggerProps) {
    super(scope, id);
    const role = eventBridgeRole(this, props.roleName, props.pipelineAccountId, "StartThisPipeline", START_PIPELINE, props.pipelineArn);
    const rule = new CloudwatchEventRule(this, "rule", {
      name: props.ruleName,
      description: `Starts the pipeline on pushes to ${props.repositoryName} in account ${props.sourceAccountId}`,
      eventPattern: JSON.stringify(
        ecrPushPattern({ repositoryName: props.repositoryName, imageTag: props.imageTag, fromAccount: props.sourceAccountId }),
      ),
    });
    new CloudwatchEventTarget(this, "target", { rule: rule.name, targetId: "pipeline", arn: props.pipelineArn, roleArn: role.arn });
  }
}
