import type { PipelineAccount } from "../config/accounts";
import { type Config, type EcsDeployConfig, type PipelineConfig, specificTag } from "../config/schema";
import { ArtifactStore } from "../constructs/artifact-store";
import { EcsDeployment, ExecutionRolePull } from "../constructs/ecs-deploy";
import { APPROVAL_STAGES, Pipeline } from "../constructs/pipeline";
import { PipelineServiceRole } from "../constructs/pipeline-service-role";
import { PipelinePushTrigger, PushEventBus } from "../constructs/push-events";
import { Construct, TerraformOutput, TerraformStack } from "../lib/cdktf";
import * as naming from "../lib/naming";
import { configureBackend, remoteState, type StackPaths } from "./backend";
import { SOURCE_STACK, SOURCE_STATE, sourceOutputNames, sourceOutputs } from "./outputs";
import { awsProvider } from "./provider";

export interface PipelineAccountStackProps {
  readonly config: Config;
  /** The pipeline account this stack deploys, and its pipelines. */
  readonly account: PipelineAccount;
  readonly paths: StackPaths;
}

/**
 * A pipeline account (B), deployed after the source account: the artifact store (key and bucket),
 * the bus that receives forwarded pushes and, per pipeline of this account, its service role, the
 * pipeline, its deployment and its push trigger. Reads the source-access role ARNs and repository
 * names from the source-account stack's state. Knows nothing of other pipeline accounts.
 */
export class PipelineAccountStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: PipelineAccountStackProps) {
    super(scope, id);
    const { config, account } = props;
    const { region, project } = config;
    const { pipelines } = account;
    const source = config.sourceAccount.accountId;
    const target = account.accountId;
    const ref = (p: PipelineConfig) => ({ project, name: p.name });

    awsProvider(this, config, account.account);
    configureBackend(this, id, config.backend, props.paths);

    const sourceState = remoteState(this, SOURCE_STATE, SOURCE_STACK, config.backend, props.paths);
    const expected = sourceOutputNames(pipelines);
    // Without this, a missing source-account state surfaces as "Unsupported attribute" deep in a
    // resource; with it, Terraform names the cause and the fix.
    sourceState.addOverride("lifecycle", {
      postcondition: [
        {
          condition: `\${length(setsubtract(${JSON.stringify(expected)}, keys(self.outputs))) == 0}`,
          error_message: `The ${SOURCE_STACK} state lacks outputs this stack needs (missing: \${join(", ", setsubtract(${JSON.stringify(expected)}, keys(self.outputs)))}). Deploy it first: npm run deploy -- --stack ${SOURCE_STACK}`,
        },
      ],
    });
    const fromSource = (name: string) => sourceState.getString(name);

    // Every role of this account that uses the key; named, not referenced, so the key policy does
    // not wait for (or break with) the roles.
    const keyUsers = pipelines.flatMap((p) => [
      naming.roleArn(target, naming.pipelineServiceRoleName(ref(p))),
      ...(p.deploy.type === "ecs" ? [naming.roleArn(target, naming.imageDefinitionsRoleName(ref(p)))] : []),
    ]);
    const bucketName = naming.artifactBucketName(project, target, region);
    const store = new ArtifactStore(this, "artifact-store", {
      bucketName,
      bucketArn: naming.bucketArn(bucketName),
      keyAlias: naming.artifactKeyAliasName(project),
      pipelineAccountId: target,
      sourceAccountId: source,
      region,
      // Named, not read from source-account's state: the bucket and key policies are then known at
      // plan, sizes included, before source-account is applied.
      sourceAccessWriters: pipelines.map((p) => ({
        pipeline: p.name,
        roleArn: naming.roleArn(source, naming.sourceAccessRoleName(ref(p))),
        prefix: naming.artifactPrefix(ref(p)),
      })),
      pipelineAccountRoleArns: keyUsers,
      retentionDays: config.artifactRetentionDays,
      preventDestroy: config.preventDestroy,
    });

    // Construct id "event-bus-access" from when this was the default bus's policy: the policy keeps
    // its address and moves to the project's own bus.
    const busName = naming.pushEventBusName(project);
    const pushBus = pipelines.some((p) => p.trigger === "push")
      ? new PushEventBus(this, "event-bus-access", {
          busName,
          busArn: naming.eventBusArn(region, target, busName),
          sourceAccountId: source,
          forwarderRoleArn: naming.roleArn(source, naming.pushForwarderRoleName(project)),
        })
      : undefined;

    for (const p of pipelines) {
      // Ids from the pipeline's name, never its position (see the source-account stack).
      const scope = new Construct(this, p.name);
      const sourceAccessRoleArn = fromSource(sourceOutputs.sourceAccessRoleArn(p.name));
      const deployment = p.deploy.type === "ecs" ? ecsDeployment(scope, config, target, p, p.deploy, store) : undefined;

      const serviceRole = new PipelineServiceRole(scope, "service-role", {
        roleName: naming.pipelineServiceRoleName(ref(p)),
        // Named (the same ARN the state holds), so the policy's size is known before source-account is applied.
        sourceAccessRoleArn: naming.roleArn(source, naming.sourceAccessRoleName(ref(p))),
        artifactBucketArn: store.bucket.arn,
        artifactPrefix: naming.artifactPrefix(ref(p)),
        artifactKeyArn: store.key.arn,
        stageStatements: deployment?.serviceRoleStatements,
      });

      const pipeline = new Pipeline(scope, "pipeline", {
        name: naming.pipelineName(ref(p)),
        serviceRoleArn: serviceRole.role.arn,
        artifactBucketName: store.bucket.bucket,
        artifactKeyArn: store.key.arn,
        sourceAccessRoleArn,
        repositoryName: fromSource(sourceOutputs.repositoryName(p.name)),
        imageTag: specificTag(p),
        laterStages: deployment?.stages ?? APPROVAL_STAGES,
        dependsOn: [serviceRole.policy, store.bucketPolicy, ...(deployment ? [deployment.project] : [])],
      });

      if (pushBus && p.trigger === "push") {
        new PipelinePushTrigger(scope, "push-trigger", {
          eventBusName: pushBus.bus.name,
          ruleName: naming.pushRuleName(ref(p)),
          roleName: naming.startPipelineRoleName(ref(p)),
          pipelineAccountId: target,
          sourceAccountId: source,
          repositoryName: p.repository.name,
          imageTag: specificTag(p),
          pipelineArn: pipeline.pipeline.arn,
        });
      }

      const outputName = pipelineArnOutput(p.name);
      new TerraformOutput(this, outputName, {
        value: pipeline.pipeline.arn,
        description: `ARN of the ${p.name} pipeline`,
      }).overrideLogicalId(outputName);
    }

    // One policy per task execution role (roles are shared by services), keyed by the role's name.
    for (const [roleName, repositories] of executionRolePulls(pipelines)) {
      new ExecutionRolePull(this, `execution-role-pull_${roleName}`, {
        roleName,
        policyName: naming.executionRolePullPolicyName(project),
        repositoryArns: repositories.map((r) => naming.repositoryArn(region, source, r)),
      });
    }
  }
}

/** The output with a pipeline's ARN: its name with underscores (pipeline names have no underscore, so no two collide). */
function pipelineArnOutput(pipeline: string): string {
  return `${pipeline.replace(/-/g, "_")}_pipeline_arn`;
}

/** Per task execution role (by name) that the app gives pull rights, the repositories its services pull from, by name. */
function executionRolePulls(pipelines: readonly PipelineConfig[]): [string, string[]][] {
  const byRole = new Map<string, Set<string>>();
  for (const p of pipelines) {
    if (p.deploy.type !== "ecs" || !p.deploy.grantExecutionRolePull) continue;
    const role = naming.roleNameOf(p.deploy.executionRoleName);
    byRole.set(role, (byRole.get(role) ?? new Set()).add(p.repository.name));
  }
  return [...byRole].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([role, repositories]) => [role, [...repositories].sort()]);
}

function ecsDeployment(
  scope: Construct,
  config: Config,
  target: string,
  p: PipelineConfig,
  deploy: EcsDeployConfig,
  store: ArtifactStore,
): EcsDeployment {
  const { region, project } = config;
  const ref = { project, name: p.name };
  const projectName = naming.imageDefinitionsProjectName(ref);
  const passRoles = [deploy.executionRoleName, ...(deploy.taskRoleName ? [deploy.taskRoleName] : [])];
  return new EcsDeployment(scope, "ecs-deployment", {
    pipelineAccountId: target,
    projectName,
    roleName: naming.imageDefinitionsRoleName(ref),
    projectArn: naming.codebuildProjectArn(region, target, projectName),
    clusterName: deploy.cluster,
    clusterArn: naming.ecsClusterArn(region, target, deploy.cluster),
    serviceName: deploy.service,
    serviceArn: naming.ecsServiceArn(region, target, deploy.cluster, deploy.service),
    containerName: deploy.containerName,
    taskDefinitionsArnPattern: naming.ecsTaskDefinitionsArnPattern(region, target),
    passRoleArns: passRoles.map((role) => naming.namedRoleArn(target, role)),
    artifactBucketArn: store.bucket.arn,
    artifactPrefix: naming.artifactPrefix(ref),
    artifactKeyArn: store.key.arn,
  });
}
