import type { Config } from "../config/schema";
import { ArtifactStore } from "../constructs/artifact-store";
import { Pipeline } from "../constructs/pipeline";
import { PipelineServiceRole } from "../constructs/pipeline-service-role";
import { Construct, TerraformOutput, TerraformStack } from "../lib/cdktf";
import * as naming from "../lib/naming";
import { remoteState, configureBackend, type StackPaths } from "./backend";
import { SOURCE_STACK, SOURCE_STATE, sourceOutputNames, sourceOutputs } from "./outputs";
import { awsProvider } from "./provider";

export interface PipelineAccountStackProps {
  readonly config: Config;
  readonly paths: StackPaths;
}

/**
 * Account B, deployed second: the artifact store (key and bucket) and, per pipeline, its service
 * role and the pipeline. Reads the source-access role ARNs and repository names from the
 * source-account stack's state.
 */
export class PipelineAccountStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: PipelineAccountStackProps) {
    super(scope, id);
    const { config } = props;
    const { region, project } = config;
    const source = config.sourceAccount.accountId;
    const target = config.pipelineAccount.accountId;

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

    const refs = config.pipelines.map((p) => ({ project, name: p.name }));
    const store = new ArtifactStore(this, "artifact-store", {
      bucketName: naming.artifactBucketName(project, target, region),
      keyAlias: naming.artifactKeyAliasName(project),
      pipelineAccountId: target,
      sourceAccountId: source,
      sourceAccountRoleArns: config.pipelines.map((p) => fromSource(sourceOutputs.sourceAccessRoleArn(p.name))),
      pipelineAccountRoleArns: refs.map((ref) => naming.roleArn(target, naming.pipelineServiceRoleName(ref))),
      preventDestroy: config.preventDestroy,
    });

    for (const p of config.pipelines) {
      // Ids from the pipeline's name, never its position (see the source-account stack).
      const scope = new Construct(this, p.name);
      const ref = { project, name: p.name };
      const sourceAccessRoleArn = fromSource(sourceOutputs.sourceAccessRoleArn(p.name));

      const serviceRole = new PipelineServiceRole(scope, "service-role", {
        roleName: naming.pipelineServiceRoleName(ref),
        pipelineAccountId: target,
        sourceAccessRoleArn,
        artifactBucketArn: store.bucket.arn,
        artifactPrefix: naming.artifactPrefix(ref),
        artifactKeyArn: store.key.arn,
      });

      const pipeline = new Pipeline(scope, "pipeline", {
        name: naming.pipelineName(ref),
        serviceRoleArn: serviceRole.role.arn,
        artifactBucketName: store.bucket.bucket,
        artifactKeyArn: store.key.arn,
        sourceAccessRoleArn,
        repositoryName: fromSource(sourceOutputs.repositoryName(p.name)),
        imageTag: p.imageTag,
        dependsOn: [serviceRole.policy, store.bucketPolicy],
      });

      const outputName = `${p.name.replace(/-/g, "_")}_pipeline_arn`;
      new TerraformOutput(this, outputName, {
        value: pipeline.pipeline.arn,
        description: `ARN of the ${p.name} pipeline`,
      }).overrideLogicalId(outputName);
    }
  }
}
