/**
 * Every IAM action list the app grants, in one place, so a review of "who may do what" starts here.
 * Lists are sorted; wildcards appear only where AWS documents the family (ReEncrypt*, GenerateDataKey*).
 */

/** The only call CodePipeline's ECR source action makes with the action role: it resolves the tag to a digest. */
export const ECR_SOURCE_ACTION = ["ecr:DescribeImages"] as const;

/** What pulling an image needs on the repository (granted to the pipeline account by the repository policy). */
export const ECR_PULL = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
] as const;

/**
 * What the ECR source action does with the artifact store: it writes imageDetail.json and reads
 * nothing back (the later stages read it, as the pipeline's own roles). No AWS page says it
 * uploads in one part, so an upload in parts must work too: its requests (CreateMultipartUpload,
 * UploadPart, CompleteMultipartUpload) are authorized as s3:PutObject, and giving one up takes
 * s3:AbortMultipartUpload (Amazon S3 User Guide, "Multipart upload API and permissions", which
 * also lets the initiator abort by default; granted anyway, on the prefix only, as AWS CDK's
 * grantWrite, which its ECR source action gives its role, grants s3:Abort*). Still no
 * s3:GetObject.
 */
export const ARTIFACT_OBJECT_WRITE = ["s3:AbortMultipartUpload", "s3:PutObject"] as const;

/**
 * What S3 asks of KMS, on the uploader's behalf, to store an object encrypted with a KMS key: a
 * data key (kms:GenerateDataKey) for a single upload or the start of one in parts, and
 * kms:Decrypt for each part of an upload in parts, "because Amazon S3 must decrypt and read data
 * from the encrypted file parts before the multipart upload is completed" (AWS Knowledge Center,
 * "s3-large-file-encryption-kms-key"; AWS CDK grants kms:Decrypt with every bucket write,
 * "required for multipart uploads", aws-s3/lib/perms.ts). Granted only through S3
 * (kms:ViaService), Decrypt cannot read an object back: S3 decrypts only objects the caller may
 * get, and the artifact bucket's policy lets the source account get none.
 */
export const KMS_FOR_S3_UPLOADS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;

/** Reading and writing pipeline artifacts (objects only: nothing lists, deletes or reconfigures the bucket). */
export const ARTIFACT_OBJECTS_READ_WRITE = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"] as const;

/** Bucket-level reads CodePipeline makes on its artifact store. */
export const ARTIFACT_BUCKET_READ = ["s3:GetBucketLocation", "s3:GetBucketVersioning"] as const;

/** Using the artifact key: what SSE-KMS needs to write and read objects, and what CodePipeline checks. */
export const KMS_USE = [
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
] as const;

/** Grants, allowed only when they are for an AWS resource (kms:GrantIsForAWSResource). */
export const KMS_GRANTS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"] as const;

/**
 * Managing the key, for the pipeline account's root (that is, its administrators' IAM policies).
 * Spelt out instead of `kms:*`: it keeps PutKeyPolicy, so the key never becomes unmanageable
 * (KMS refuses a policy that would lock its caller out: "The new key policy will not allow you to
 * update the key policy in the future"), yet grants no cryptographic use and no CreateGrant, so
 * no IAM policy in the account can give itself the key without the key policy saying so.
 */
export const KMS_ADMIN = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
] as const;

export const STS_ASSUME_ROLE = ["sts:AssumeRole"] as const;

/** Forwarding events to another account's bus. */
export const EVENTS_PUT = ["events:PutEvents"] as const;

export const START_PIPELINE = ["codepipeline:StartPipelineExecution"] as const;

/** Running the imagedefinitions CodeBuild project from the pipeline. */
export const CODEBUILD_RUN = ["codebuild:BatchGetBuilds", "codebuild:StartBuild"] as const;

/** CodeBuild writing its own logs into the log group the app creates. */
export const LOGS_WRITE = ["logs:CreateLogStream", "logs:PutLogEvents"] as const;

/** Bucket-level reads CodeBuild makes on a CodePipeline artifact store. */
export const CODEBUILD_BUCKET_READ = ["s3:GetBucketAcl", "s3:GetBucketLocation"] as const;

/** The ECS standard deploy action, on the one service it deploys. */
export const ECS_SERVICE_DEPLOY = ["ecs:DescribeServices", "ecs:UpdateService"] as const;

/** It registers a new revision of the service's task definition. */
export const ECS_TASK_DEFINITION_WRITE = ["ecs:RegisterTaskDefinition"] as const;

/** ... and tags the revision it registers (only then: see the ecs:CreateAction condition where it is granted). */
export const ECS_TAG_ON_CREATE = ["ecs:TagResource"] as const;

/** It reads the current task definition: an action without resource-level permissions. */
export const ECS_TASK_DEFINITION_READ = ["ecs:DescribeTaskDefinition"] as const;

/** It watches the deployment's tasks. */
export const ECS_TASKS_READ = ["ecs:DescribeTasks", "ecs:ListTasks"] as const;

export const PASS_ROLE = ["iam:PassRole"] as const;

/** What a task execution role needs to pull an image: the token call has no resource-level permission. */
export const ECR_AUTH_TOKEN = ["ecr:GetAuthorizationToken"] as const;
