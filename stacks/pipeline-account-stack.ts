import { type Config, type EcsDeployConfig, type PipelineConfig, specificTag } from "../config/schema";
import { ArtifactStore } from "../constructs/artifact-store";
import { EcsDeployment } from "../constructs/ecs-deploy";
import { APPROVAL_STAGES, Pipeline } from "../constructs/pipeline";
import { PipelineServiceRole } from "../constructs/pipeline-service-role";
import { EventBusAccess, PipelinePushTrigger } from "../constructs/push-events";
import { Construct, TerraformOutput, TerraformStack } from "../lib/cdktf";
import * as naming from "../lib/naming";
import { configureBackend, remoteState, type StackPaths } from "./backend";
import { SOURCE_STACK, SOURCE_STATE, sourceOutputNames, sourceOutputs } from "./outputs";
import { awsProvider } from "./provider";

export interface PipelineAccountStackProps {
  readonly config: Config;
  readonly paths: StackPaths;
}

/**
 * Account B, deployed second: the artifact store (key and bucket) and, per pipeline, its service
 * role, the pipeline, its deployment and its push trigger. Reads the source-access role ARNs and
 * repository names from the source-account stack's state.
 */
export class PipelineAccountStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: PipelineAccountStackProps) {
    super(scope, id);
    const { config } = props;
    const { region, project } = config;
    const source = config.sourceAccount.accountId;
    const target = config.pipelineAccount.accountId;
    const ref = (p: PipelineConfig) => ({ project, name: p.name });

    awsProvider(this, config, config.pipelineAccount);
    configureBackend(this, id, config.backend, props.paths);

    const sourceState = remoteState(this, SOURCE_STATE, SOURCE_STACK, config.backend, props.paths);
    const expected = sourceOutputNames(config.pipelines);
    // Without this, a missing source-account state surfaces as "Unsupported attribute" deep in a
    // resource; with it, Terraform names the cause and the fix.
    sourceState.addOverride("lifecycle", {
      postcondition: [
        {
          condition: `\${length(setsubtract(${JSON.stringify(expected)}, keys(self.outputs))) == 0}`,
          error_message: `The ${SOURCE_STACK} state lacks outputs this stack needs (missing: \${join(", ", setsubtract(${JSON.stringify(expected)}, keys(self.outputs)))}). Deploy it first: cdktf deploy ${SOURCE_STACK}`,
        },
      ],
    });
    const fromSource = (name: string) => sourceState.getString(name);

    // Every role of this account that uses the key; named, not referenced, so the key policy does
    // not wait for (or break with) the roles.
    const keyUsers = config.pipelines.flatMap((p) => [
      naming.roleArn(target, naming.pipelineServiceRoleName(ref(p))),
      ...(p.deploy.type === "ecs" ? [naming.roleArn(target, naming.imageDefinitionsRoleName(ref(p)))] : []),
    ]);
    const store = new ArtifactStore(this, "artifact-store", {
      bucketName: naming.artifactBucketName(project, target, region),
      keyAlias: naming.artifactKeyAliasName(project),
      pipelineAccountId: target,
      sourceAccountId: source,
      sourceAccountRoleArns: config.pipelines.map((p) => fromSource(sourceOutputs.sourceAccessRoleArn(p.name))),
      pipelineAccountRoleArns: keyUsers,
      preventDestroy: config.preventDestroy,
    });

    const busArn = naming.defaultEventBusArn(region, target);
    if (config.pipelines.some((p) => p.trigger === "push")) {
      new EventBusAccess(this, "event-bus-access", { busArn, sourceAccountId: source });
    }

    for (const p of config.pipelines) {
      // Ids from the pipeline's name, never its position (see the source-account stack).
      const scope = new Construct(this, p.name);
      const sourceAccessRoleArn = fromSource(sourceOutputs.sourceAccessRoleArn(p.name));
      const deployment = p.deploy.type === "ecs" ? ecsDeployment(scope, config, p, p.deploy, store) : undefined;

      const serviceRole = new PipelineServiceRole(scope, "service-role", {
        roleName: naming.pipelineServiceRoleName(ref(p)),
        pipelineAccountId: target,
        sourceAccessRoleArn,
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

      if (p.trigger === "push") {
        new PipelinePushTrigger(scope, "push-trigger", {
          ruleName: naming.pushRuleName(ref(p)),
          roleName: naming.startPipelineRoleName(ref(p)),
          pipelineAccountId: target,
          sourceAccountId: source,
          repositoryName: p.repository.name,
          imageTag: specificTag(p),
          pipelineArn: pipeline.pipeline.arn,
        });
      }

      const outputName = `${p.name.replace(/-/g, "_")}_pipeline_arn`;
      new TerraformOutput(this, outputName, {
        value: pipeline.pipeline.arn,
        description: `ARN of the ${p.name} pipeline`,
      }).overrideLogicalId(outputName);
    }
  }
}

function ecsDeployment(scope: Construct, config: Config, p: PipelineConfig, deploy: EcsDeployConfig, store: ArtifactStore): EcsDeployment {
  const { region, project } = config;
  const target = config.pipelineAccount.accountId;
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
    passRoleArns: passRoles.map((name) => naming.roleArn(target, name)),
    artifactBucketArn: store.bucket.arn,
    artifactPrefix: naming.artifactPrefix(ref),
    artifactKeyArn: store.key.arn,
    ...(deploy.grantExecutionRolePull && {
      executionRolePull: {
        roleName: deploy.executionRoleName,
        policyName: `${naming.pipelineName(ref)}-pull-from-source-account`,
        repositoryArn: naming.repositoryArn(region, config.sourceAccount.accountId, p.repository.name),
      },
    }),
  });
}
