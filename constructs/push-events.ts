/**
 * Push to deploy across accounts. ECR emits push events only in the account that owns the
 * repository, so a rule in the pipeline account never sees them (AWS CDK puts its rule there, and
 * its pipelines never start on push). Here the source account forwards matching events to a bus of
 * this project's own in the pipeline account, where a second rule starts the pipeline. The
 * pipeline account's default bus, its policy and its rules are never touched.
 */
import { CloudwatchEventBus, CloudwatchEventBusPolicy, CloudwatchEventRule, CloudwatchEventTarget, IamRole, IamRolePolicy } from "../lib/aws";
import { Construct } from "../lib/cdktf";
import { ecrPushPattern } from "../lib/events";
import { EVENTS_PUT, START_PIPELINE, STS_ASSUME_ROLE } from "../lib/perms";
import { accountPrincipal, policyDocument, principalArnIs, servicePrincipal, sourceAccountIs } from "../lib/policy";

/** A role EventBridge assumes in `accountId`, allowed `actions` on `resources` only. */
function eventBridgeRole(
  scope: Construct,
  name: string,
  accountId: string,
  sid: string,
  actions: readonly string[],
  resources: readonly string[],
): IamRole {
  const trust = policyDocument(scope, "trust-policy", [
    {
      // aws:SourceAccount: only rules of this account may use the role. EventBridge documents that
      // it sends the key when it assumes a target's role ("Cross-service confused deputy
      // prevention in Amazon EventBridge", EventBridge User Guide).
      sid: "EventBridgeAssumes",
      actions: STS_ASSUME_ROLE,
      principals: [servicePrincipal("events.amazonaws.com")],
      conditions: [sourceAccountIs(accountId)],
    },
  ]);
  const role = new IamRole(scope, "role", { name, assumeRolePolicy: trust.json });
  const permissions = policyDocument(scope, "permissions-policy", [{ sid, actions, resources }]);
  new IamRolePolicy(scope, "permissions", { name: "events", role: role.name, policy: permissions.json });
  return role;
}

export interface ForwardingRule {
  /** Construct id prefix: the pipeline's name. */
  readonly id: string;
  readonly ruleName: string;
  readonly repositoryName: string;
  readonly imageTag?: string;
  /** The bus of the account whose pipeline waits for this push. */
  readonly targetBusArn: string;
}

export interface PushForwardingProps {
  readonly roleName: string;
  readonly sourceAccountId: string;
  /** Every bus the rules target: the forwarder role may put events on these and no other. */
  readonly targetBusArns: readonly string[];
  /** One per pipeline started by a push, so a push reaches only the accounts whose pipelines match it. */
  readonly rules: readonly ForwardingRule[];
}

/** Source account: one rule per pushed pipeline, forwarding its pushes to its pipeline account's bus. */
export class PushForwarding extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: PushForwardingProps) {
    super(scope, id);
    this.role = eventBridgeRole(this, props.roleName, props.sourceAccountId, "PutEventsOnPipelineAccountBus", EVENTS_PUT, props.targetBusArns);
    for (const r of props.rules) {
      const rule = new CloudwatchEventRule(this, `${r.id}-rule`, {
        name: r.ruleName,
        description: `Forwards pushes to ${r.repositoryName} to the pipeline account`,
        eventPattern: JSON.stringify(ecrPushPattern({ repositoryName: r.repositoryName, imageTag: r.imageTag })),
      });
      new CloudwatchEventTarget(this, `${r.id}-target`, {
        rule: rule.name,
        targetId: "pipeline-account-bus",
        arn: r.targetBusArn,
        roleArn: this.role.arn,
      });
    }
  }
}

export interface PushEventBusProps {
  readonly busName: string;
  readonly busArn: string;
  readonly sourceAccountId: string;
  /** The source account's forwarder role: the only principal that may put events on the bus. */
  readonly forwarderRoleArn: string;
}

/**
 * Pipeline account: the project's own bus for forwarded pushes, and its policy. The policy admits
 * one principal, the source account's forwarder role (by `aws:PrincipalArn`, so the role need not
 * exist yet and a re-created role keeps working), for `events:PutEvents` only.
 */
export class PushEventBus extends Construct {
  readonly bus: CloudwatchEventBus;

  constructor(scope: Construct, id: string, props: PushEventBusProps) {
    super(scope, id);
    this.bus = new CloudwatchEventBus(this, "bus", {
      name: props.busName,
      description: `ECR image pushes forwarded from account ${props.sourceAccountId}`,
    });
    const policy = policyDocument(this, "policy-document", [
      {
        sid: "SourceAccountForwarderPutsEvents",
        actions: EVENTS_PUT,
        resources: [props.busArn],
        principals: [accountPrincipal(props.sourceAccountId)],
        conditions: [principalArnIs([props.forwarderRoleArn])],
      },
    ]);
    new CloudwatchEventBusPolicy(this, "policy", { eventBusName: this.bus.name, policy: policy.json });
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
  /** The project's bus that receives the forwarded pushes. */
  readonly eventBusName: string;
}

/** Pipeline account: a rule for the forwarded pushes (from the source account only) that starts the pipeline. */
export class PipelinePushTrigger extends Construct {
  constructor(scope: Construct, id: string, props: PipelinePushTriggerProps) {
    super(scope, id);
    const role = eventBridgeRole(this, props.roleName, props.pipelineAccountId, "StartThisPipeline", START_PIPELINE, [props.pipelineArn]);
    const rule = new CloudwatchEventRule(this, "rule", {
      name: props.ruleName,
      eventBusName: props.eventBusName,
      description: `Starts the pipeline on pushes to ${props.repositoryName} in account ${props.sourceAccountId}`,
      eventPattern: JSON.stringify(
        ecrPushPattern({ repositoryName: props.repositoryName, imageTag: props.imageTag, fromAccount: props.sourceAccountId }),
      ),
    });
    new CloudwatchEventTarget(this, "target", {
      rule: rule.name,
      eventBusName: props.eventBusName,
      targetId: "pipeline",
      arn: props.pipelineArn,
      roleArn: role.arn,
    });
  }
}
