/**
 * Every name and ARN that one account must know about the other, derived from the config alone.
 *
 * Both stacks use this module. The source-account stack is deployed first, so its policies cannot
 * wait for the pipeline account's state: the pipeline service role ARN that the source-access
 * role trusts, the artifact bucket it writes to and the alias of the key it uses are all built here.
 */

/** ARNs here are for the commercial partition; config/regions.ts only admits its regions. */
const PARTITION = "aws";

/**
 * CodePipeline stores an action's artifacts under `<first 20 characters of the pipeline name>/`
 * in the artifact bucket. Each pipeline's roles are limited to that prefix.
 */
export const ARTIFACT_PREFIX_LENGTH = 20;

/** Identifies a pipeline within the app: its config name and the project it belongs to. */
export interface PipelineRef {
  readonly project: string;
  readonly name: string;
}

export function accountRootArn(accountId: string): string {
  return `arn:${PARTITION}:iam::${accountId}:root`;
}

export function roleArn(accountId: string, roleName: string): string {
  return `arn:${PARTITION}:iam::${accountId}:role/${roleName}`;
}

/**
 * A role the config names that this app does not create: by name, or by ARN when it has a path
 * (`arn:aws:iam::<account>:role/service-role/<name>`); the ARN then is the role's real ARN.
 */
export function namedRoleArn(accountId: string, nameOrArn: string): string {
  return nameOrArn.startsWith("arn:") ? nameOrArn : roleArn(accountId, nameOrArn);
}

/** The role's name, which IAM APIs (and `aws_iam_role_policy.role`) take: unique in its account, path or not. */
export function roleNameOf(nameOrArn: string): string {
  return nameOrArn.slice(nameOrArn.lastIndexOf("/") + 1);
}

/** The CodePipeline pipeline's name in the pipeline account. */
export function pipelineName(p: PipelineRef): string {
  return `${p.project}-${p.name}`;
}

/** The S3 key prefix (without the trailing slash) under which CodePipeline keeps this pipeline's artifacts. */
export function artifactPrefix(p: PipelineRef): string {
  return pipelineName(p).slice(0, ARTIFACT_PREFIX_LENGTH);
}

export function pipelineArn(region: string, accountId: string, p: PipelineRef): string {
  return `arn:${PARTITION}:codepipeline:${region}:${accountId}:${pipelineName(p)}`;
}

/** The role CodePipeline assumes in the pipeline account (one per pipeline). */
export function pipelineServiceRoleName(p: PipelineRef): string {
  return `${p.project}-${p.name}-pipeline`;
}

/** The role in the source account that the ECR source action assumes (one per pipeline). */
export function sourceAccessRoleName(p: PipelineRef): string {
  return `${p.project}-${p.name}-source-access`;
}

/** Account id and region make the name unique across AWS, so no random suffix is needed. */
export function artifactBucketName(project: string, pipelineAccountId: string, region: string): string {
  return `${project}-artifacts-${pipelineAccountId}-${region}`;
}

export function bucketArn(bucketName: string): string {
  return `arn:${PARTITION}:s3:::${bucketName}`;
}

/** The alias is known before the key exists; the source account names the key by it. */
export function artifactKeyAliasName(project: string): string {
  return `alias/${project}-artifacts`;
}

/** Pattern for any KMS key in an account and region; narrowed by `kms:ResourceAliases` where used. */
export function kmsKeysArnPattern(region: string, accountId: string): string {
  return `arn:${PARTITION}:kms:${region}:${accountId}:key/*`;
}

export function repositoryArn(region: string, accountId: string, repositoryName: string): string {
  return `arn:${PARTITION}:ecr:${region}:${accountId}:repository/${repositoryName}`;
}

export function repositoryUrl(region: string, accountId: string, repositoryName: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com/${repositoryName}`;
}

/** The rule on the pipeline account's push bus that starts this pipeline on a push to its repository. */
export function pushRuleName(p: PipelineRef): string {
  return `${p.project}-${p.name}-image-push`;
}

/**
 * The rule on the source account's default bus that forwards pushes to one pipeline account
 * (one per pipeline account, not per pipeline): keyed by the account's id, which no other
 * pipeline account of the project has.
 */
export function pushForwardRuleName(project: string, pipelineAccountId: string): string {
  return `${project}-image-pushes-to-${pipelineAccountId}`;
}

/** The role in the source account that forwards push events to the pipeline account's bus (one per project). */
export function pushForwarderRoleName(project: string): string {
  return `${project}-forward-image-pushes`;
}

/** The role in the pipeline account that lets EventBridge start this pipeline. */
export function startPipelineRoleName(p: PipelineRef): string {
  return `${p.project}-${p.name}-start-pipeline`;
}

/**
 * The event bus of this project's own in each pipeline account that receives the forwarded
 * pushes: the account's default bus, its policy and its rules are left to their owners.
 */
export function pushEventBusName(project: string): string {
  return `${project}-image-pushes`;
}

export function eventBusArn(region: string, accountId: string, busName: string): string {
  return `arn:${PARTITION}:events:${region}:${accountId}:event-bus/${busName}`;
}

/** The CodeBuild project that turns the source artifact into imagedefinitions.json, and its role. */
export function imageDefinitionsProjectName(p: PipelineRef): string {
  return `${p.project}-${p.name}-imagedefinitions`;
}

export function imageDefinitionsRoleName(p: PipelineRef): string {
  return `${p.project}-${p.name}-codebuild`;
}

/** CodeBuild writes a project's logs to this group (CodeBuild User Guide, "View build details": /aws/codebuild/<project>). */
export function buildLogGroupName(projectName: string): string {
  return `/aws/codebuild/${projectName}`;
}

/**
 * The inline policy this project puts on a task execution role of the pipeline account (one per
 * role, listing every repository its services pull from), next to the role's other policies.
 */
export function executionRolePullPolicyName(project: string): string {
  return `${project}-pull-from-source-account`;
}

export function codebuildProjectArn(region: string, accountId: string, projectName: string): string {
  return `arn:${PARTITION}:codebuild:${region}:${accountId}:project/${projectName}`;
}

export function ecsClusterArn(region: string, accountId: string, cluster: string): string {
  return `arn:${PARTITION}:ecs:${region}:${accountId}:cluster/${cluster}`;
}

export function ecsServiceArn(region: string, accountId: string, cluster: string, service: string): string {
  return `arn:${PARTITION}:ecs:${region}:${accountId}:service/${cluster}/${service}`;
}

/** Tasks of one cluster, and task definitions of any family (the service's family is not in the config). */
export function ecsTasksArnPattern(region: string, accountId: string, cluster: string): string {
  return `arn:${PARTITION}:ecs:${region}:${accountId}:task/${cluster}/*`;
}

export function ecsTaskDefinitionsArnPattern(region: string, accountId: string): string {
  return `arn:${PARTITION}:ecs:${region}:${accountId}:task-definition/*`;
}

/**
 * A statement id from a pipeline name: `prefix` + the name in PascalCase. Statement ids take
 * letters and digits only, and the mapping must not make two pipelines one: `svc-1` and `svc1`,
 * or `a--b` and `a-b`. A hyphen before a letter other than "z" is that letter in upper case
 * (`web-start` is `WebStart`, as it always was); any other hyphen is "Z", and a hyphen before "z"
 * is "Zz". Upper case letters appear only for hyphens and the first letter, so the name can be
 * read back: `svc-1` is `Svc` + `Z1`, `svc-z` is `SvcZz`, `svc-zz` is `SvcZzz`.
 */
export function statementIdOf(prefix: string, pipeline: string): string {
  let out = "";
  for (let i = 0; i < pipeline.length; i++) {
    const c = pipeline[i];
    if (i === 0) out += c.toUpperCase();
    else if (c !== "-") out += c;
    else {
      const next = pipeline[i + 1];
      if (next !== undefined && /[a-y]/.test(next)) {
        out += next.toUpperCase();
        i++;
      } else {
        out += "Z";
      }
    }
  }
  return `${prefix}${out}`;
}

/** The bucket policy statement of one pipeline's source-access role: `SourceAccessWrites` + the pipeline's name. */
export function sourceAccessWriteSid(pipeline: string): string {
  return statementIdOf("SourceAccessWrites", pipeline);
}

/** The stack of the source account, deployed first. */
export const SOURCE_STACK = "source-account";

/**
 * The stack of a pipeline account: `pipeline-account` for a config with one `pipelineAccount`
 * (key ""), `pipeline-account-<key>` for each of `pipelineAccounts`. Its state file is named
 * after it.
 */
export function pipelineStackName(accountKey: string): string {
  return accountKey === "" ? "pipeline-account" : `pipeline-account-${accountKey}`;
}
