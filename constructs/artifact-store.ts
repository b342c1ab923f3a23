import {
  KmsAlias,
  KmsKey,
  S3Bucket,
  S3BucketLifecycleConfiguration,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketServerSideEncryptionConfiguration,
  S3BucketVersioning,
} from "../lib/aws";
import { Construct, Fn, Op } from "../lib/cdktf";
import { ARTIFACT_OBJECT_WRITE, KMS_ADMIN, KMS_FOR_S3_UPLOADS, KMS_GRANTS, KMS_USE } from "../lib/perms";
import { sourceAccessWriteSid } from "../lib/naming";
import { accountPrincipal, ANYONE, throughS3, policyDocument, principalArnIs } from "../lib/policy";

/** A source-access role of the source account, and the one prefix of the bucket it writes to. */
export interface SourceAccessWriter {
  /** The pipeline's config name: it names the bucket policy statement. */
  readonly pipeline: string;
  readonly roleArn: string;
  readonly prefix: string;
}

export interface ArtifactStoreProps {
  readonly bucketName: string;
  /**
   * The bucket's ARN, derived from its name: the bucket policy is built from it rather than from
   * the bucket's `arn` attribute, so its size is known at plan on a first deployment too.
   */
  readonly bucketArn: string;
  /** Alias of the key, e.g. `alias/demo-artifacts`; the source account's roles name the key by it. */
  readonly keyAlias: string;
  readonly pipelineAccountId: string;
  readonly sourceAccountId: string;
  readonly region: string;
  /** Roles in the source account that write artifacts, each to its own prefix: the source-access roles. */
  readonly sourceAccessWriters: readonly SourceAccessWriter[];
  /** Roles in the pipeline account that use the key: the pipeline service roles. */
  readonly pipelineAccountRoleArns: readonly string[];
  /** Artifacts, and versions replaced by newer ones, expire after this many days. */
  readonly retentionDays: number;
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
 * Each pipeline's roles are limited to their own key prefix by their identity policies, and the
 * source account's roles also by this account's bucket policy, which the source account cannot change.
 */
export class ArtifactStore extends Construct {
  readonly key: KmsKey;
  readonly bucket: S3Bucket;
  readonly bucketPolicy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: ArtifactStoreProps) {
    super(scope, id);
    const sourceRoleArns = props.sourceAccessWriters.map((w) => w.roleArn);
    const allRoleArns = [...sourceRoleArns, ...props.pipelineAccountRoleArns];

    // In a key policy, "Resource": "*" means this key.
    const keyPolicy = policyDocument(this, "key-policy", [
      {
        sid: "PipelineAccountAdministersKey",
        actions: KMS_ADMIN,
        resources: ["*"],
        principals: [accountPrincipal(props.pipelineAccountId)],
      },
      {
        // The source account's roles only write artifacts: a data key, and Decrypt for an upload
        // in parts, both asked for by S3. Which objects they may write is the bucket policy's
        // business, and it lets them read none.
        sid: "SourceAccessRolesEncryptArtifacts",
        actions: KMS_FOR_S3_UPLOADS,
        resources: ["*"],
        principals: [accountPrincipal(props.sourceAccountId)],
        conditions: [principalArnIs(sourceRoleArns), throughS3(props.region)],
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
    // Cost stays flat: every execution writes new artifacts, and versioning keeps what they replace.
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket,
      rule: [
        {
          id: "expire-old-artifacts",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.retentionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
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

    const objects = `${props.bucketArn}/*`;
    const bucketPolicy = policyDocument(this, "bucket-policy-document", [
      // Cross-account writes (and giving up an upload in parts) need this grant as well as the
      // role's own policy. One statement per pipeline: its role, its prefix, so this account keeps
      // each pipeline in its prefix even if the source account widens a role's own policy.
      ...props.sourceAccessWriters.map((w) => ({
        sid: sourceAccessWriteSid(w.pipeline),
        actions: ARTIFACT_OBJECT_WRITE,
        resources: [`${props.bucketArn}/${w.prefix}/*`],
        principals: [accountPrincipal(props.sourceAccountId)],
        conditions: [principalArnIs([w.roleArn])],
      })),
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        // Every S3 action, on the bucket and its objects: no request without TLS.
        actions: ["s3:*"],
        resources: [props.bucketArn, objects],
        principals: [ANYONE],
        conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
      {
        // An upload that asks for another encryption (SSE-S3) is denied. One that asks for none is
        // encrypted with the bucket's default, SSE-KMS with this key ("Setting default server-side
        // encryption behavior for Amazon S3 buckets", S3 User Guide). Each part of a multipart
        // upload is an s3:PutObject request without an encryption header (Amazon S3 API Reference,
        // UploadPart: it takes only the SSE-C headers); StringNotEquals alone, or its IfExists
        // form, is true when the key is missing and would deny every part, so the Null condition
        // limits the Deny to requests that carry the header (IAM User Guide, "IAM JSON policy
        // elements: Condition operators").
        sid: "DenyUploadsNotEncryptedWithKms",
        effect: "Deny",
        actions: ["s3:PutObject"],
        resources: [objects],
        principals: [ANYONE],
        conditions: [
          { test: "Null", variable: "s3:x-amz-server-side-encryption", values: ["false"] },
          { test: "StringNotEquals", variable: "s3:x-amz-server-side-encryption", values: ["aws:kms"] },
        ],
      },
    ]);
    this.bucketPolicy = new S3BucketPolicy(this, "bucket-policy", {
      bucket,
      policy: bucketPolicy.minifiedJson,
      lifecycle: { precondition: [fitsLimit(bucketPolicy.minifiedJson, BUCKET_POLICY_LIMIT, "artifact bucket's policy")] },
    });
  }
}
