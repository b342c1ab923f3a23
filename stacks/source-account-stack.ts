import { type Config, specificTag } from "../config/schema";
import { PushForwarding } from "../constructs/push-events";
import { SourceAccessRole } from "../constructs/source-access-role";
import { SourceRepository } from "../constructs/source-repository";
import { Construct, TerraformOutput, TerraformStack } from "../lib/cdktf";
import * as naming from "../lib/naming";
import { configureBackend, type StackPaths } from "./backend";
import { sourceOutputs } from "./outputs";
import { awsProvider } from "./provider";

export interface SourceAccountStackProps {
  readonly config: Config;
  readonly paths: StackPaths;
}

/**
 * Account A, deployed first: per pipeline, the ECR repository (or an adopted one) with its policy,
 * and the role the pipeline's source action assumes; for pipelines started by a push, the rules
 * that forward push events to the pipeline account. Depends on nothing but the config.
 */
export class SourceAccountStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: SourceAccountStackProps) {
    super(scope, id);
    const { config } = props;
    const { region, project } = config;
    const source = config.sourceAccount.accountId;
    const target = config.pipelineAccount.accountId;

    awsProvider(this, config, config.sourceAccount);
    configureBackend(this, id, config.backend, props.paths);

    const bucketArn = naming.bucketArn(naming.artifactBucketName(project, target, region));

    for (const p of config.pipelines) {
      // Construct ids derive from the pipeline's name, never its position in the list, so adding or
      // removing one pipeline leaves every other pipeline's resources alone.
      const scope = new Construct(this, p.name);
      const ref = { project, name: p.name };

      const repository = new SourceRepository(scope, "repository", {
        name: p.repository.name,
        create: p.repository.create,
        region,
        sourceAccountId: source,
        pipelineAccountId: target,
      });

      const access = new SourceAccessRole(scope, "source-access", {
        roleName: naming.sourceAccessRoleName(ref),
        pipelineAccountId: target,
        pipelineServiceRoleArn: naming.roleArn(target, naming.pipelineServiceRoleName(ref)),
        repositoryArn: repository.repositoryArn,
        artifactBucketArn: bucketArn,
        artifactPrefix: naming.artifactPrefix(ref),
        artifactKeyArnPattern: naming.kmsKeysArnPattern(region, target),
        artifactKeyAlias: naming.artifactKeyAliasName(project),
      });

      const output = (name: string, value: string, description: string) =>
        new TerraformOutput(this, name, { value, description }).overrideLogicalId(name);
      output(sourceOutputs.sourceAccessRoleArn(p.name), access.role.arn, `Role the ${p.name} pipeline's source action assumes`);
      output(sourceOutputs.repositoryName(p.name), repository.repositoryName, `Repository of the ${p.name} pipeline`);
      output(sourceOutputs.repositoryArn(p.name), repository.repositoryArn, `ARN of the ${p.name} pipeline's repository`);
      output(sourceOutputs.repositoryUrl(p.name), repository.repositoryUrl, `URL to push the ${p.name} pipeline's images to`);
    }

    const pushed = config.pipelines.filter((p) => p.trigger === "push");
    if (pushed.length > 0) {
      new PushForwarding(this, "push-forwarding", {
        roleName: naming.pushForwarderRoleName(project),
        sourceAccountId: source,
        targetBusArn: naming.defaultEventBusArn(region, target),
        rules: pushed.map((p) => ({
          id: p.name,
          ruleName: naming.pushRuleName({ project, name: p.name }),
          repositoryName: p.repository.name,
          imageTag: specificTag(p),
        })),
      });
    }
  }
}
