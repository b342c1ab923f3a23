import { ArtifactStore, type ArtifactStoreProps } from "../../constructs/artifact-store";
import { synthConstruct } from "../../test-support/synth";

const SOURCE_ROLES = [
  "arn:aws:iam::111111111111:role/demo-web-source-access",
  "arn:aws:iam::111111111111:role/demo-api-source-access",
];
const PIPELINE_ROLES = ["arn:aws:iam::222222222222:role/demo-web-pipeline"];

const props: ArtifactStoreProps = {
  bucketName: "demo-artifacts-222222222222-eu-west-1",
  bucketArn: "arn:aws:s3:::demo-artifacts-222222222222-eu-west-1",
  keyAlias: "alias/demo-artifacts",
  pipelineAccountId: "222222222222",
  sourceAccountId: "111111111111",
  region: "eu-west-1",
  sourceAccessWriters: [
    { pipeline: "web", roleArn: SOURCE_ROLES[0], prefix: "demo-web" },
    { pipeline: "api-v2", roleArn: SOURCE_ROLES[1], prefix: "demo-api-v2" },
  ],
  pipelineAccountRoleArns: PIPELINE_ROLES,
  retentionDays: 45,
  preventDestroy: true,
};

const out = synthConstruct((scope) => new ArtifactStore(scope, "store", props));
const KEY = "store/key";
const BUCKET_POLICY = "store/bucket-policy";
const ref = (type: string, path: string, attribute: string) => `\${${out.address(type, path)}.${attribute}}`;
const keyArn = ref("aws_kms_key", KEY, "arn");
// The bucket policy names the bucket by its derived ARN, known at plan even on a first deployment.
const bucketArn = props.bucketArn;

describe("ArtifactStore: the customer-managed key", () => {
  it("rotates, waits 30 days before deletion, and is protected from destroy", () => {
    expect(out.resource("aws_kms_key", KEY)).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("can be destroyed when the config opts out", () => {
    const unprotected = synthConstruct((scope) => new ArtifactStore(scope, "store", { ...props, preventDestroy: false }));
    expect(unprotected.resource("aws_kms_key", KEY).lifecycle).toMatchObject({ prevent_destroy: false });
    expect(unprotected.resource("aws_s3_bucket", "store/bucket").lifecycle).toEqual({ prevent_destroy: false });
  });

  it("gets its policy minified, and refuses at plan time a policy over KMS's 32 KB", () => {
    const policy = out.resource("aws_kms_key", KEY).policy as string;
    expect(policy).toMatch(/^\$\{data\.aws_iam_policy_document\.[^.]+\.minified_json\}$/);
    const document = policy.slice(2, -1);
    expect((out.resource("aws_kms_key", KEY).lifecycle as any).precondition).toEqual([
      {
        condition: `\${(length(${document}) <= 32768)}`,
        error_message: `The artifact key's policy is \${length(${document})} bytes; AWS allows 32768. Split the pipelines into two projects.`,
      },
    ]);
  });

  it("has the alias the source account names it by", () => {
    expect(out.resource("aws_kms_alias", "store/alias")).toEqual({
      name: "alias/demo-artifacts",
      target_key_id: ref("aws_kms_key", KEY, "key_id"),
    });
  });

  it("lets the pipeline account administer it with an explicit list: no kms:*, no use, no grants", () => {
    const admin = out.statement("aws_kms_key", KEY, "PipelineAccountAdministersKey");
    expect(admin.principals).toEqual([{ type: "AWS", identifiers: ["arn:aws:iam::222222222222:root"] }]);
    expect(admin.resources).toEqual(["*"]);
    expect(admin.condition).toBeUndefined();
    // PutKeyPolicy keeps the key manageable (KMS's lockout check); the rest must stay out.
    expect(admin.actions).toContain("kms:PutKeyPolicy");
    expect(admin.actions).toContain("kms:ScheduleKeyDeletion");
    for (const forbidden of ["kms:*", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:CreateGrant"]) {
      expect(admin.actions).not.toContain(forbidden);
    }
    expect(admin.actions.every((a) => !a.includes("*"))).toBe(true);
  });

  it("lets exactly the source-access roles of account A have S3 encrypt their artifacts with it, in one part or several, and nothing else", () => {
    // Decrypt serves an upload in parts, through S3 only; no GetObject lets it read an artifact back.
    expect(out.statement("aws_kms_key", KEY, "SourceAccessRolesEncryptArtifacts")).toEqual({
      sid: "SourceAccessRolesEncryptArtifacts",
      effect: "Allow",
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: ["*"],
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::111111111111:root"] }],
      condition: [
        { test: "ArnEquals", variable: "aws:PrincipalArn", values: SOURCE_ROLES },
        { test: "StringEquals", variable: "kms:ViaService", values: ["s3.eu-west-1.amazonaws.com"] },
      ],
    });
  });

  it("lets exactly the pipeline roles of account B use it, pinned by aws:PrincipalArn", () => {
    expect(out.statement("aws_kms_key", KEY, "PipelineRolesUseKey")).toEqual({
      sid: "PipelineRolesUseKey",
      effect: "Allow",
      actions: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
      resources: ["*"],
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::222222222222:root"] }],
      condition: [{ test: "ArnEquals", variable: "aws:PrincipalArn", values: PIPELINE_ROLES }],
    });
  });

  it("allows grants only for AWS resources (kms:GrantIsForAWSResource)", () => {
    expect(out.statement("aws_kms_key", KEY, "GrantsOnlyForAWSResources")).toEqual({
      sid: "GrantsOnlyForAWSResources",
      effect: "Allow",
      actions: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      resources: ["*"],
      principals: [
        { type: "AWS", identifiers: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] },
      ],
      condition: [
        { test: "ArnEquals", variable: "aws:PrincipalArn", values: [...SOURCE_ROLES, ...PIPELINE_ROLES] },
        { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] },
      ],
    });
  });

  it("has no other key policy statement", () => {
    expect(out.policyOf("aws_kms_key", KEY).map((s) => s.sid)).toEqual([
      "PipelineAccountAdministersKey",
      "SourceAccessRolesEncryptArtifacts",
      "PipelineRolesUseKey",
      "GrantsOnlyForAWSResources",
    ]);
  });
});

describe("ArtifactStore: the bucket", () => {
  it("is named from the config, never force-destroyed, protected from destroy", () => {
    expect(out.resource("aws_s3_bucket", "store/bucket")).toMatchObject({
      bucket: "demo-artifacts-222222222222-eu-west-1",
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("encrypts with the key by default, with an S3 bucket key", () => {
    expect(out.resource("aws_s3_bucket_server_side_encryption_configuration", "store/encryption").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: keyArn }, bucket_key_enabled: true },
    ]);
  });

  it("is versioned, blocks public access and enforces bucket ownership", () => {
    expect(out.resource("aws_s3_bucket_versioning", "store/versioning").versioning_configuration).toEqual({
      status: "Enabled",
    });
    expect(out.resource("aws_s3_bucket_public_access_block", "store/public-access-block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(out.resource("aws_s3_bucket_ownership_controls", "store/ownership").rule).toEqual({
      object_ownership: "BucketOwnerEnforced",
    });
  });

  it("lets each source-access role of account A write objects, and give up an upload in parts, under its own pipeline's prefix only (the grant the blog omits)", () => {
    expect(out.statement("aws_s3_bucket_policy", BUCKET_POLICY, "SourceAccessWritesWeb")).toEqual({
      sid: "SourceAccessWritesWeb",
      effect: "Allow",
      actions: ["s3:AbortMultipartUpload", "s3:PutObject"],
      resources: [`${bucketArn}/demo-web/*`],
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::111111111111:root"] }],
      condition: [{ test: "ArnEquals", variable: "aws:PrincipalArn", values: [SOURCE_ROLES[0]] }],
    });
    expect(out.statement("aws_s3_bucket_policy", BUCKET_POLICY, "SourceAccessWritesApiV2")).toEqual({
      sid: "SourceAccessWritesApiV2",
      effect: "Allow",
      actions: ["s3:AbortMultipartUpload", "s3:PutObject"],
      resources: [`${bucketArn}/demo-api-v2/*`],
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::111111111111:root"] }],
      condition: [{ test: "ArnEquals", variable: "aws:PrincipalArn", values: [SOURCE_ROLES[1]] }],
    });
  });

  it("expires artifacts and the versions they replace after the configured days, and abandoned uploads after 7", () => {
    expect(out.resource("aws_s3_bucket_lifecycle_configuration", "store/lifecycle")).toEqual({
      bucket: ref("aws_s3_bucket", "store/bucket", "id"),
      rule: [
        {
          id: "expire-old-artifacts",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: 45 }],
          noncurrent_version_expiration: [{ noncurrent_days: 45 }],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
      ],
    });
  });

  it("denies every request without TLS", () => {
    expect(out.statement("aws_s3_bucket_policy", BUCKET_POLICY, "DenyInsecureTransport")).toEqual({
      sid: "DenyInsecureTransport",
      effect: "Deny",
      actions: ["s3:*"],
      resources: [bucketArn, `${bucketArn}/*`],
      principals: [{ type: "*", identifiers: ["*"] }],
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
  });

  it("denies uploads that ask for another encryption than aws:kms, and not the parts of an upload, which carry no header", () => {
    expect(out.statement("aws_s3_bucket_policy", BUCKET_POLICY, "DenyUploadsNotEncryptedWithKms")).toEqual({
      sid: "DenyUploadsNotEncryptedWithKms",
      effect: "Deny",
      actions: ["s3:PutObject"],
      resources: [`${bucketArn}/*`],
      principals: [{ type: "*", identifiers: ["*"] }],
      condition: [
        { test: "Null", variable: "s3:x-amz-server-side-encryption", values: ["false"] },
        { test: "StringNotEquals", variable: "s3:x-amz-server-side-encryption", values: ["aws:kms"] },
      ],
    });
  });

  it("refuses at plan time a bucket policy over S3's 20 KB", () => {
    const lifecycle = out.resource("aws_s3_bucket_policy", BUCKET_POLICY).lifecycle as any;
    expect(lifecycle.precondition[0].condition).toMatch(/^\$\{\(length\(data\.aws_iam_policy_document\.[^.]+\.minified_json\) <= 20480\)\}$/);
  });

  it("has the policy attached to this bucket, and no other statement", () => {
    expect(out.resource("aws_s3_bucket_policy", BUCKET_POLICY).bucket).toBe(ref("aws_s3_bucket", "store/bucket", "id"));
    expect(out.policyOf("aws_s3_bucket_policy", BUCKET_POLICY).map((s) => s.sid)).toEqual([
      "SourceAccessWritesWeb",
      "SourceAccessWritesApiV2",
      "DenyInsecureTransport",
      "DenyUploadsNotEncryptedWithKms",
    ]);
  });
});
