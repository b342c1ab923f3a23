/**
 * What the identity that deploys a stack needs: for each resource type the stacks create, the
 * calls the AWS provider makes to create, read (refresh), update, tag and delete it.
 * docs/deploying.md lists them per account, generated from the resource types a synthesized stack
 * really has; a test fails when a stack gains a type this table does not know.
 */

/** Tagging and listing tags: the provider applies `default_tags` to every resource that takes tags. */
const tags = (service: string) => [`${service}:ListTagsForResource`, `${service}:TagResource`, `${service}:UntagResource`];

export const DEPLOY_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  aws_cloudwatch_event_bus: ["events:CreateEventBus", "events:DeleteEventBus", "events:DescribeEventBus", "events:UpdateEventBus", ...tags("events")],
  aws_cloudwatch_event_bus_policy: ["events:DescribeEventBus", "events:PutPermission", "events:RemovePermission"],
  aws_cloudwatch_event_rule: [
    "events:DeleteRule",
    "events:DescribeRule",
    "events:DisableRule",
    "events:EnableRule",
    "events:PutRule",
    ...tags("events"),
  ],
  // A target with a role passes it to EventBridge.
  aws_cloudwatch_event_target: ["events:ListTargetsByRule", "events:PutTargets", "events:RemoveTargets", "iam:PassRole"],
  aws_cloudwatch_log_group: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy", ...tags("logs")],
  // The project's service role is passed to CodeBuild.
  aws_codebuild_project: ["codebuild:BatchGetProjects", "codebuild:CreateProject", "codebuild:DeleteProject", "codebuild:UpdateProject", "iam:PassRole"],
  // The pipeline's service role is passed to CodePipeline.
  aws_codepipeline: [
    "codepipeline:CreatePipeline",
    "codepipeline:DeletePipeline",
    "codepipeline:GetPipeline",
    "codepipeline:UpdatePipeline",
    "iam:PassRole",
    ...tags("codepipeline"),
  ],
  aws_ecr_lifecycle_policy: ["ecr:DeleteLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:PutLifecyclePolicy"],
  aws_ecr_repository: [
    "ecr:CreateRepository",
    "ecr:DeleteRepository",
    "ecr:DescribeRepositories",
    "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability",
    ...tags("ecr"),
  ],
  aws_ecr_repository_policy: ["ecr:DeleteRepositoryPolicy", "ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy"],
  aws_iam_role: [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRolePolicies",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
  ],
  aws_iam_role_policy: ["iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy"],
  aws_kms_alias: ["kms:CreateAlias", "kms:DeleteAlias", "kms:ListAliases", "kms:UpdateAlias"],
  aws_kms_key: [
    "kms:CreateKey",
    "kms:DescribeKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
  ],
  // The provider reads every bucket sub-configuration on refresh, whether the stack sets it or not.
  aws_s3_bucket: [
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketPolicy",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "s3:PutBucketTagging",
  ],
  aws_s3_bucket_lifecycle_configuration: ["s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"],
  // DeleteBucketOwnershipControls, on destroy, is authorized by s3:PutBucketOwnershipControls: "To use
  // this operation, you must have the s3:PutBucketOwnershipControls permission" (Amazon S3 API
  // Reference, DeleteBucketOwnershipControls). There is no s3:DeleteBucketOwnershipControls action.
  aws_s3_bucket_ownership_controls: ["s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls"],
  aws_s3_bucket_policy: ["s3:DeleteBucketPolicy", "s3:GetBucketPolicy", "s3:PutBucketPolicy"],
  aws_s3_bucket_public_access_block: ["s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
  aws_s3_bucket_server_side_encryption_configuration: ["s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration"],
  aws_s3_bucket_versioning: ["s3:GetBucketVersioning", "s3:PutBucketVersioning"],
};

/** The sorted, distinct actions that deploying resources of these types needs; throws on a type the table lacks. */
export function deployActions(resourceTypes: Iterable<string>): string[] {
  const actions = new Set<string>();
  for (const type of resourceTypes) {
    const known = DEPLOY_ACTIONS[type];
    if (!known) throw new Error(`stacks/deploy-permissions.ts does not know what deploying ${type} needs`);
    known.forEach((a) => actions.add(a));
  }
  return [...actions].sort();
}
