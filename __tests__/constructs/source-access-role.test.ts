import { SourceAccessRole, type SourceAccessRoleProps } from "../../constructs/source-access-role";
import { synthConstruct } from "../../test-support/synth";

const props: SourceAccessRoleProps = {
  roleName: "demo-web-source-access",
  pipelineAccountId: "222222222222",
  pipelineServiceRoleArn: "arn:aws:iam::222222222222:role/demo-web-pipeline",
  repositoryArn: "arn:aws:ecr:eu-west-1:111111111111:repository/web",
  artifactBucketArn: "arn:aws:s3:::demo-artifacts-222222222222-eu-west-1",
  artifactPrefix: "demo-web",
  artifactKeyArnPattern: "arn:aws:kms:eu-west-1:222222222222:key/*",
  region: "eu-west-1",
};

const out = synthConstruct((scope) => new SourceAccessRole(scope, "access", props));
const ROLE = "access/role";
const PERMISSIONS = "access/permissions";

describe("SourceAccessRole", () => {
  it("is named from the config", () => {
    expect(out.resource("aws_iam_role", ROLE).name).toBe("demo-web-source-access");
  });

  it("trusts only its pipeline's service role: account B as principal, pinned by aws:PrincipalArn", () => {
    expect(out.policyOf("aws_iam_role", ROLE, "assume_role_policy")).toEqual([
      {
        sid: "PipelineServiceRoleAssumes",
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "AWS", identifiers: ["arn:aws:iam::222222222222:root"] }],
        condition: [
          {
            test: "ArnEquals",
            variable: "aws:PrincipalArn",
            values: ["arn:aws:iam::222222222222:role/demo-web-pipeline"],
          },
        ],
      },
    ]);
  });

  it("may describe images of its own repository only (the ECR source action does not pull)", () => {
    expect(out.statement("aws_iam_role_policy", PERMISSIONS, "DescribeOwnRepository")).toEqual({
      sid: "DescribeOwnRepository",
      effect: "Allow",
      actions: ["ecr:DescribeImages"],
      resources: ["arn:aws:ecr:eu-west-1:111111111111:repository/web"],
    });
  });

  it("may only write objects, and give up an upload in parts, under its pipeline's prefix in the artifact bucket (the action reads nothing back)", () => {
    expect(out.statement("aws_iam_role_policy", PERMISSIONS, "WriteOwnArtifacts")).toEqual({
      sid: "WriteOwnArtifacts",
      effect: "Allow",
      actions: ["s3:AbortMultipartUpload", "s3:PutObject"],
      resources: ["arn:aws:s3:::demo-artifacts-222222222222-eu-west-1/demo-web/*"],
    });
  });

  it("may have S3 use the pipeline account's keys for an upload, in one part or several, and nothing else, without relying on the key's alias", () => {
    // Decrypt is what S3 asks for each part of an upload in parts; only through S3 (kms:ViaService).
    expect(out.statement("aws_iam_role_policy", PERMISSIONS, "EncryptOwnArtifacts")).toEqual({
      sid: "EncryptOwnArtifacts",
      effect: "Allow",
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: ["arn:aws:kms:eu-west-1:222222222222:key/*"],
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: ["s3.eu-west-1.amazonaws.com"] }],
    });
    expect(out.text).not.toContain("kms:ResourceAliases");
  });

  it('grants nothing on Resource "*" and nothing beyond those three statements', () => {
    const statements = out.policyOf("aws_iam_role_policy", PERMISSIONS);
    expect(statements.map((s) => s.sid)).toEqual(["DescribeOwnRepository", "WriteOwnArtifacts", "EncryptOwnArtifacts"]);
    expect(statements.flatMap((s) => s.resources)).not.toContain("*");
    expect(statements.flatMap((s) => s.actions).filter((a) => /^s3:Get|^s3:List|^s3:\*|^kms:\*/.test(a))).toEqual([]);
  });

  it("attaches the permissions to this role", () => {
    const role = out.address("aws_iam_role", ROLE);
    expect(out.resource("aws_iam_role_policy", PERMISSIONS).role).toBe(`\${${role}.name}`);
  });
});
