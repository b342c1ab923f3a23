import { pipelineAccountOf, pipelineAccounts } from "../config/accounts";
import { type Config, DEFAULT_UNTAGGED_IMAGE_DAYS, type PipelineConfig, specificTag } from "../config/schema";
import { PushForwarding } from "../constructs/push-events";
import { SourceAccessRole } from "../constructs/source-access-role";
import { SourceRepository } from "../constructs/source-repository";
import { logicalId, type Move, moveChain } from "../lib/addresses";
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

    // Construct ids derive from what a thing is, never from its position in a list: a pipeline's
    // resources from its name, a repository's from the repository's name, the forwarding to a
    // pipeline account from that account's stack. Adding, removing or reordering pipelines leaves
    // every other thing's resources alone.
    const scopes = new Map(config.pipelines.map((p) => [p.name, new Construct(this, p.name)]));

    // A repository has one policy, admitting exactly the accounts whose pipelines use it.
    const repositories = new Map<string, SourceRepository>();
    const moves: Move[] = [];
    for (const [name, users] of repositoryUsers(config.pipelines)) {
      const { repository } = users[0];
      const managed = new SourceRepository(this, repositoryScopeId(name), {
        name,
        create: repository.create,
        expireUntaggedImagesAfterDays: repository.expireUntaggedImagesAfterDays ?? DEFAULT_UNTAGGED_IMAGE_DAYS,
        ownerStatements: repository.ownerStatements,
        region,
        sourceAccountId: source,
        pipelineAccountIds: [...new Set(users.map((q) => pipelineAccountOf(config, q).accountId))].sort(),
      });
      repositories.set(name, managed);
      // Until this release a repository lived in the scope of the first pipeline (in config order)
      // that used it. Any of its users may have been first: a chain of moves from each of their
      // scopes ends at its own address, whichever the state holds.
      for (const resource of [managed.repository, managed.lifecycle, managed.policy]) {
        if (!resource) continue;
        const previous = users.map((u) => `${resource.terraformResourceType}.${logicalId([u.name, "repository", resource.node.id])}`);
        moves.push(...moveChain(previous, `${resource.terraformResourceType}.${this.getLogicalId(resource)}`));
      }
    }
    if (moves.length > 0) this.addOverride("moved", moves);

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

    const targets = pipelineAccounts(config)
      .map((a) => ({ account: a, pushes: a.pipelines.filter((p) => p.trigger === "push") }))
      .filter(({ pushes }) => pushes.length > 0);
    if (targets.length > 0) {
      new PushForwarding(this, "push-forwarding", {
        roleName: naming.pushForwarderRoleName(project),
        sourceAccountId: source,
        targets: targets.map(({ account, pushes }) => ({
          id: `to-${account.stack}`,
          ruleName: naming.pushForwardRuleName(project, account.accountId),
          accountId: account.accountId,
          busArn: naming.eventBusArn(region, account.accountId, naming.pushEventBusName(project)),
          pushes: pushes.map((p) => ({ repositoryName: p.repository.name, imageTag: specificTag(p) })),
        })),
      });
    }
  }
}

/** Each repository's name, and the pipelines that use it (in the order given, by name in a built app). */
function repositoryUsers(pipelines: readonly PipelineConfig[]): Map<string, PipelineConfig[]> {
  const users = new Map<string, PipelineConfig[]>();
  for (const p of pipelines) users.set(p.repository.name, [...(users.get(p.repository.name) ?? []), p]);
  return users;
}

/**
 * The construct id of a repository's resources: "repository_" and its name ("/" becomes "--",
 * which a repository name cannot contain). No pipeline's id has an underscore, so none collides.
 */
function repositoryScopeId(repositoryName: string): string {
  return `repository_${repositoryName}`;
}
