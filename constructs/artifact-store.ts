import {
  KmsAlias,
  KmsKey,
  S3Bucket,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketServerSideEncryptionConfiguration,
  S3BucketVersioning,
} from "../lib/aws";
import { Construct, Fn, Op } from "../lib/cdktf";
import { ARTIFACT_OBJECTS_READ_WRITE, KMS_ADMIN, KMS_GRANTS, KMS_USE } from "../lib/perms";
import { accountPrincipal, ANYONE, policyDocument, principalArnIs } from "../lib/policy";

export interface ArtifactStoreProps {
  readonly bucketName: string;
  /** Alias of the key, e.g. `alias/demo-artifacts`; the source account's roles name the key by it. */
  readonly keyAlias: string;
  readonly pipelineAccountId: string;
  readonly sourceAccountId: string;
  /** Roles in the source account that write and read artifacts: the source-access roles. */
  readonly sourceAccountRoleArns: readonly string[];
  /** Roles in the pipeline account that use the key: the pipeline service roles. */
  readonly pipelineAccountRoleArns: readonly string[];
  /** Protect the key and the bucket with `lifecycle.prevent_destroy`. */
  readonly preventDestroy: boolean;
}

/** KMS's limit on a key policy, and S3's on a bucket policy, in bytes. */
export const KEY_POLICY_LIMIT = 32768;
export const BUCKET_POLICY_LIMIT = 20480;

/**
 * A plan-time check that a rendered policy fits its service's limit: both policies name every
 * pipeline's roles, so they grow with the config, and AWS would otherwise refuse them mid-apply.
 */
function fitsLimit(document: string, limit: number, what: string) {
  const size = Fn.lengthOf(document);
  return {
    condition: Op.lte(size, limit),
    errorMessage: `The ${what} is ${size} bytes; AWS allows ${limit}. Split the pipelines into two projects.`,
  };
}

/**
 * The pipeline account's artifact store, shared by all pipelines: a customer-managed KMS key (the
 * AWS-managed S3 key cannot be shared with another account) and an S3 bucket encrypted with it.
 * Each pipeline's roles are limited to their own key prefix by their identity policies.
 */
export class ArtifactStore extends Construct {
  readonly key: KmsKey;
  readonly bucket: S3Bucket;
  readonly bucketPolicy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: ArtifactStoreProps) {
    super(scope, id);
    const allRoleArns = [...props.sourceAccountRoleArns, ...props.pipelineAccountRoleArns];

    // In a key policy, "Resource": "*" means this key.
    const keyPolicy = policyDocument(this, "key-policy", [
      {
        sid: "PipelineAccountAdministersKey",
        actions: KMS_ADMIN,
        resources: ["*"],
        principals: [accountPrincipal(props.pipelineAccountId)],
      },
      {
        sid: "SourceAccessRolesUseKey",
        actions: KMS_USE,
        resources: ["*"],
        principals: [accountPrincipal(props.sourceAccountId)],
        conditions: [principalArnIs(props.sourceAccountRoleArns)],
      },
      {
        sid: "PipelineRolesUseKey",
        actions: KMS_USE,
        resources: ["*"],
        principals: [accountPrincipal(props.pipelineAccountId)],
        conditions: [principalArnIs(props.pipelineAccountRoleArns)],
      },
      {
        // Grants let AWS services use the key on a role's behalf; only for AWS resources, so a
        // role cannot hand the key to an arbitrary principal.
        sid: "GrantsOnlyForAWSResources",
        actions: KMS_GRANTS,
        resources: ["*"],
        principals: [accountPrincipal(props.sourceAccountId, props.pipelineAccountId)],
        conditions: [
          principalArnIs(allRoleArns),
          { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] },
        ],
      },
    ]);
    this.key = new KmsKey(this, "key", {
      description: `CodePipeline artifacts in ${props.bucketName}, shared with account ${props.sourceAccountId}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // Minified: whitespace would count against the size limit.
      policy: keyPolicy.minifiedJson,
      lifecycle: {
        preventDestroy: props.preventDestroy,
        precondition: [fitsLimit(keyPolicy.minifiedJson, KEY_POLICY_LIMIT, "artifact key's policy")],
      },
    });
    new KmsAlias(this, "alias", { name: props.keyAlias, targetKeyId: this.key.keyId });

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: false,
      lifecycle: { preventDestroy: props.preventDestroy },
    });
    const bucket = this.bucket.id;
    new S3BucketOwnershipControls(this, "ownership", {
      bucket,
      // ACLs off: objects the source account writes belong to this account.
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioning(this, "versioning", {
      bucket,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfiguration(this, "encryption", {
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn },
          // One data key per bucket instead of one KMS call per object.
          bucketKeyEnabled: true,
        },
      ],
    });

    const objects = `${this.bucket.arn}/*`;
    const bucketPolicy = policyDocument(this, "bucket-policy-document", [
      {
        // Cross-account writes need this grant as well as the role's own policy. Each role's
        // policy limits it to its pipeline's prefix; this statement admits only those roles.
        sid: "SourceAccessRolesReadWriteArtifacts",
        actions: ARTIFACT_OBJECTS_READ_WRITE,
        resources: [objects],
        principals: [accountPrincipal(props.sourceAccountId)],
        conditions: [principalArnIs(props.sourceAccountRoleArns)],
      },
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        // Every S3 action, on the bucket and its objects: no request without TLS.
        actions: ["s3:*"],
        resources: [this.bucket.arn, objects],
        principals: [ANYONE],
        conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
      {
        sid: "DenyUploadsNotEncryptedWithKms",
        effect: "Deny",
        actions: ["s3:PutObject"],
        resources: [objects],
        principals: [ANYONE],
        conditions: [{ test: "StringNotEquals", variable: "s3:x-amz-server-side-encryption", values: ["aws:kms"] }],
      },
    ]);
    this.bucketPolicy = new S3BucketPolicy(this, "bucket-policy", {
      bucket,
      policy: bucketPolicy.minifiedJson,
      lifecycle: { precondition: [fitsLimit(bucketPolicy.minifiedJson, BUCKET_POLICY_LIMIT, "artifact bucket's policy")] },
    });
  }
}
