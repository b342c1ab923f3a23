/**
 * Push to deploy across accounts. ECR emits push events only in the account that owns the
 * repository, so a rule in the pipeline account never sees them (AWS CDK puts its rule there, and
 * its pipelines never start on push). Here the source account forwards matching events to a bus of
 * this project's own in the pipeline account, where a second rule starts the pipeline. The
 * pipeline account's default bus, its policy and its rules are never touched.
 */
import { CloudwatchEventBus, CloudwatchEventBusPolicy, CloudwatchEventRule, CloudwatchEventTarget, IamRole, IamRolePolicy } from "../lib/aws";
import { Construct } from "../lib/cdktf";
import { ecrPushPattern, packedPushPatterns, type WatchedPush } from "../lib/events";
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

/** The pushes one pipeline account waits for, and its bus. */
export interface ForwardingTarget {
  /** Construct id: the pipeline account's stack, so that the rules keep their address whatever else the config lists. */
  readonly id: string;
  /** The rule's name; a second rule (only for very long repository names) gets "-2", and so on. */
  readonly ruleName: string;
  readonly accountId: string;
  /** The project's bus in that account. */
  readonly busArn: string;
  /** Every repository and tag that a pipeline of that account waits for. */
  readonly pushes: readonly WatchedPush[];
}

export interface PushForwardingProps {
  readonly roleName: string;
  readonly sourceAccountId: string;
  /** One per pipeline account with a pipeline started by a push: a push reaches only the accounts whose pipelines match it. */
  readonly targets: readonly ForwardingTarget[];
}

/**
 * Source account: per pipeline account, a rule on the default bus forwarding the pushes its
 * pipelines wait for to its bus. One rule per account, not per pipeline: the default bus holds
 * at most 300 rules (other teams' included), and the account's own bus filters per pipeline.
 */
export class PushForwarding extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: PushForwardingProps) {
    super(scope, id);
    this.role = eventBridgeRole(
      this,
      props.roleName,
      props.sourceAccountId,
      "PutEventsOnPipelineAccountBus",
      EVENTS_PUT,
      props.targets.map((t) => t.busArn),
    );
    for (const t of props.targets) {
      packedPushPatterns(t.pushes).forEach((pattern, i) => {
        const suffix = i === 0 ? "" : `-${i + 1}`;
        const rule = new CloudwatchEventRule(this, `${t.id}-rule${suffix}`, {
          name: `${t.ruleName}${suffix}`,
          description: `Forwards pushes its pipelines wait for to account ${t.accountId}`,
          eventPattern: pattern,
        });
        new CloudwatchEventTarget(this, `${t.id}-target${suffix}`, {
          rule: rule.name,
          targetId: "pipeline-account-bus",
          arn: t.busArn,
          roleArn: this.role.arn,
        });
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
