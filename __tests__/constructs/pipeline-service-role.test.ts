import { PipelineServiceRole, type PipelineServiceRoleProps } from "../../constructs/pipeline-service-role";
import { synthConstruct } from "../../test-support/synth";

const props: PipelineServiceRoleProps = {
  roleName: "demo-web-pipeline",
  sourceAccessRoleArn: "arn:aws:iam::111111111111:role/demo-web-source-access",
  artifactBucketArn: "arn:aws:s3:::demo-artifacts-222222222222-eu-west-1",
  artifactPrefix: "demo-web",
  artifactKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/1234",
};

const out = synthConstruct((scope) => new PipelineServiceRole(scope, "service", props));
const PERMISSIONS = "service/permissions";

describe("PipelineServiceRole", () => {
  it("is assumed by CodePipeline with no condition key AWS does not document it sending (so CreatePipeline cannot fail on it)", () => {
    expect(out.resource("aws_iam_role", "service/role").name).toBe("demo-web-pipeline");
    expect(out.policyOf("aws_iam_role", "service/role", "assume_role_policy")).toEqual([
      {
        sid: "CodePipelineAssumes",
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["codepipeline.amazonaws.com"] }],
      },
    ]);
  });

  it("may assume its own source-access role and no other", () => {
    expect(out.statement("aws_iam_role_policy", PERMISSIONS, "AssumeOwnSourceAccessRole")).toEqual({
      sid: "AssumeOwnSourceAccessRole",
      effect: "Allow",
      actions: ["sts:AssumeRole"],
      resources: ["arn:aws:iam::111111111111:role/demo-web-source-access"],
    });
  });

  it("may read and write its own artifacts, and read the bucket's location and versioning", () => {
    expect(out.statement("aws_iam_role_policy", PERMISSIONS, "ReadWriteOwnArtifacts").resources).toEqual([
      "arn:aws:s3:::demo-artifacts-222222222222-eu-west-1/demo-web/*",
    ]);
    expect(out.statement("aws_iam_role_policy", PERMISSIONS, "ReadArtifactBucket")).toEqual({
      sid: "ReadArtifactBucket",
      effect: "Allow",
      actions: ["s3:GetBucketLocation", "s3:GetBucketVersioning"],
      resources: ["arn:aws:s3:::demo-artifacts-222222222222-eu-west-1"],
    });
  });

  it("may use the artifact key, by its ARN", () => {
    expect(out.statement("aws_iam_role_policy", PERMISSIONS, "UseArtifactKey")).toEqual({
      sid: "UseArtifactKey",
      effect: "Allow",
      actions: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
      resources: ["arn:aws:kms:eu-west-1:222222222222:key/1234"],
    });
  });

  it("appends what later stages need", () => {
    const withStage = synthConstruct(
      (scope) =>
        new PipelineServiceRole(scope, "service", {
          ...props,
          stageStatements: [{ sid: "Extra", actions: ["ecs:DescribeServices"], resources: ["*"] }],
        }),
    );
    expect(withStage.policyOf("aws_iam_role_policy", PERMISSIONS).map((s) => s.sid)).toEqual([
      "AssumeOwnSourceAccessRole",
      "ReadWriteOwnArtifacts",
      "ReadArtifactBucket",
      "UseArtifactKey",
      "Extra",
    ]);
  });
});
