import { APPROVAL_STAGES, Pipeline } from "../../constructs/pipeline";
import { IamRole } from "../../lib/aws";
import { synthConstruct } from "../../test-support/synth";

const out = synthConstruct((scope) => {
  const policyHolder = new IamRole(scope, "dependency", { assumeRolePolicy: "{}" });
  new Pipeline(scope, "pipeline", {
    name: "demo-web",
    serviceRoleArn: "arn:aws:iam::222222222222:role/demo-web-pipeline",
    artifactBucketName: "demo-artifacts-222222222222-eu-west-1",
    artifactKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/1234",
    sourceAccessRoleArn: "arn:aws:iam::111111111111:role/demo-web-source-access",
    repositoryName: "web",
    imageTag: "release",
    laterStages: APPROVAL_STAGES,
    dependsOn: [policyHolder],
  });
});
const pipeline = out.resource("aws_codepipeline", "pipeline/pipeline");
const stages = pipeline.stage as { name: string; action: Record<string, unknown>[] }[];

describe("Pipeline", () => {
  it("runs as its service role", () => {
    expect(pipeline).toMatchObject({
      name: "demo-web",
      role_arn: "arn:aws:iam::222222222222:role/demo-web-pipeline",
    });
  });

  it("stores artifacts in the bucket, encrypted with the customer-managed key", () => {
    expect(pipeline.artifact_store).toEqual([
      {
        type: "S3",
        location: "demo-artifacts-222222222222-eu-west-1",
        encryption_key: { id: "arn:aws:kms:eu-west-1:222222222222:key/1234", type: "KMS" },
      },
    ]);
  });

  it("reads the repository through an ECR source action that runs as the source-access role", () => {
    expect(stages[0]).toEqual({
      name: "Source",
      action: [
        {
          name: "Image",
          category: "Source",
          owner: "AWS",
          provider: "ECR",
          version: "1",
          role_arn: "arn:aws:iam::111111111111:role/demo-web-source-access",
          configuration: { RepositoryName: "web", ImageTag: "release" },
          output_artifacts: ["image"],
        },
      ],
    });
  });

  it("then waits for a manual approval", () => {
    expect(stages.map((s) => s.name)).toEqual(["Source", "Approve"]);
    expect(stages[1].action).toEqual([
      { name: "Approve", category: "Approval", owner: "AWS", provider: "Manual", version: "1" },
    ]);
  });

  it("is created after what it depends on", () => {
    expect(pipeline.depends_on).toEqual([out.address("aws_iam_role", "dependency")]);
  });
});
