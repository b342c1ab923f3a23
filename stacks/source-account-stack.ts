import { pipelineAccountOf, pipelineAccounts } from "../config/accounts";
import { type Config, DEFAULT_UNTAGGED_IMAGE_DAYS, type PipelineConfig, specificTag } from "../config/schema";
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
 * Account A, deployed first: per repository, the ECR repository (or an adopted one) with its
 * policy; per pipeline, the role its source action assumes; for pipelines started by a push, the
 * rules that forward push events to their pipeline account's bus. Depends on nothing but the config.
 */
export class SourceAccountStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: SourceAccountStackProps) {
    super(scope, id);
    const { config } = props;
    const { region, project } = config;
    const source = config.sourceAccount.accountId;

    awsProvider(this, config, config.sourceAccount);
    configureBackend(this, id, config.backend, props.paths);

    // Construct ids derive from the pipeline's name, never its position in the list, so adding or
    // removing one pipeline leaves every other pipeline's resources alone.
    const scopes = new Map(config.pipelines.map((p) => [p.name, new Construct(this, p.name)]));

    // A repository has one policy: it is managed once, in the scope of the first pipeline that uses
    // it, and admits exactly the accounts whose pipelines use it.
    const repositories = new Map<string, SourceRepository>();
    for (const p of config.pipelines) {
      if (repositories.has(p.repository.name)) continue;
      const users = config.pipelines.filter((q) => q.repository.name === p.repository.name);
      repositories.set(
        p.repository.name,
        new SourceRepository(scopes.get(p.name)!, "repository", {
          name: p.repository.name,
          create: p.repository.create,
          expireUntaggedImagesAfterDays: p.repository.expireUntaggedImagesAfterDays ?? DEFAULT_UNTAGGED_IMAGE_DAYS,
          ownerStatements: p.repository.ownerStatements,
          region,
          sourceAccountId: source,
          pipelineAccountIds: [...new Set(users.map((q) => pipelineAccountOf(config, q).accountId))],
        }),
      );
    }

    for (const p of config.pipelines) {
      const ref = { project, name: p.name };
      const target = pipelineAccountOf(config, p).accountId;
      const repository = repositories.get(p.repository.name)!;

      const access = new SourceAccessRole(scopes.get(p.name)!, "source-access", {
        roleName: naming.sourceAccessRoleName(ref),
        pipelineAccountId: target,
        pipelineServiceRoleArn: naming.roleArn(target, naming.pipelineServiceRoleName(ref)),
        repositoryArn: repository.repositoryArn,
        artifactBucketArn: naming.bucketArn(naming.artifactBucketName(project, target, region)),
        artifactPrefix: naming.artifactPrefix(ref),
        artifactKeyArnPattern: naming.kmsKeysArnPattern(region, target),
        region,
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
      const busOf = (p: PipelineConfig) => naming.eventBusArn(region, pipelineAccountOf(config, p).accountId, naming.pushEventBusName(project));
      new PushForwarding(this, "push-forwarding", {
        roleName: naming.pushForwarderRoleName(project),
        sourceAccountId: source,
        // Only the buses of accounts that have a pipeline started by a push.
        targetBusArns: pipelineAccounts(config)
          .filter((a) => a.pipelines.some((p) => p.trigger === "push"))
          .map((a) => naming.eventBusArn(region, a.accountId, naming.pushEventBusName(project))),
        rules: pushed.map((p) => ({
          id: p.name,
          ruleName: naming.pushRuleName({ project, name: p.name }),
          repositoryName: p.repository.name,
          imageTag: specificTag(p),
          targetBusArn: busOf(p),
        })),
      });
    }
  }
}
