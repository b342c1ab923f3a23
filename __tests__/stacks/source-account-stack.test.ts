import { config } from "../../test-support/config";
import { synthApp } from "../../test-support/synth";

const { source } = synthApp(config());

describe("source-account stack", () => {
  it("uses a provider that refuses any account but the source account", () => {
    expect(source.json.provider?.aws).toEqual([
      expect.objectContaining({
        region: "ap-northeast-1",
        allowed_account_ids: ["111111111111"],
        profile: "source",
        default_tags: [{ tags: { project: "demo", "managed-by": "cross-account-ecr-pipeline" } }],
      }),
    ]);
    expect(source.json.provider?.aws[0]).not.toHaveProperty("assume_role");
  });

  it("keeps its state in the configured local directory, by a path relative to where Terraform runs", () => {
    expect(source.json.terraform?.backend).toEqual({
      local: { path: "../../../terraform-state/source-account.tfstate" },
    });
  });

  it("creates the repository of a pipeline that asks for it, and adopts the other", () => {
    expect(Object.values(source.resources("aws_ecr_repository")).map((r) => r.name)).toEqual(["web"]);
    expect(source.resource("aws_ecr_repository_policy", "repository_platform--api/policy").repository).toBe("platform/api");
  });

  it("has one source-access role per pipeline, each trusting its own pipeline's service role", () => {
    for (const name of ["web", "api"]) {
      expect(source.resource("aws_iam_role", `${name}/source-access/role`).name).toBe(`demo-${name}-source-access`);
      expect(source.policyOf("aws_iam_role", `${name}/source-access/role`, "assume_role_policy")[0].condition).toEqual([
        { test: "ArnEquals", variable: "aws:PrincipalArn", values: [`arn:aws:iam::222222222222:role/demo-${name}-pipeline`] },
      ]);
    }
  });

  it("limits each source-access role to its own repository and its own artifact prefix", () => {
    const api = "api/source-access/permissions";
    expect(source.statement("aws_iam_role_policy", api, "DescribeOwnRepository").resources).toEqual([
      "arn:aws:ecr:ap-northeast-1:111111111111:repository/platform/api",
    ]);
    expect(source.statement("aws_iam_role_policy", api, "WriteOwnArtifacts").resources).toEqual([
      "arn:aws:s3:::demo-artifacts-222222222222-ap-northeast-1/demo-api/*",
    ]);
    const webRepository = source.address("aws_ecr_repository", "repository_web/repository");
    expect(source.statement("aws_iam_role_policy", "web/source-access/permissions", "DescribeOwnRepository").resources).toEqual([
      `\${${webRepository}.arn}`,
    ]);
  });

  it("outputs, per pipeline, the role ARN and the repository's name, ARN and URL", () => {
    const role = source.address("aws_iam_role", "web/source-access/role");
    const repository = source.address("aws_ecr_repository", "repository_web/repository");
    expect(source.json.output).toMatchObject({
      web_source_access_role_arn: { value: `\${${role}.arn}` },
      web_repository_name: { value: `\${${repository}.name}` },
      web_repository_arn: { value: `\${${repository}.arn}` },
      web_repository_url: { value: `\${${repository}.repository_url}` },
      api_repository_name: { value: "platform/api" },
      api_repository_arn: { value: "arn:aws:ecr:ap-northeast-1:111111111111:repository/platform/api" },
      api_repository_url: { value: "111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/platform/api" },
    });
    expect(Object.keys(source.json.output ?? {})).toHaveLength(8);
  });

  it("forwards pushes to a pushed pipeline's repository to the project's own bus in the pipeline account", () => {
    const role = source.address("aws_iam_role", "push-forwarding/role");
    expect(source.resource("aws_cloudwatch_event_target", "push-forwarding/to-pipeline-account-target")).toEqual({
      rule: `\${${source.address("aws_cloudwatch_event_rule", "push-forwarding/to-pipeline-account-rule")}.name}`,
      target_id: "pipeline-account-bus",
      arn: "arn:aws:events:ap-northeast-1:222222222222:event-bus/demo-image-pushes",
      role_arn: `\${${role}.arn}`,
    });
    expect(JSON.parse(String(source.resource("aws_cloudwatch_event_rule", "push-forwarding/to-pipeline-account-rule").event_pattern))).toEqual({
      source: ["aws.ecr"],
      "detail-type": ["ECR Image Action"],
      detail: { "action-type": ["PUSH"], result: ["SUCCESS"], "repository-name": ["web"], "image-tag": ["latest"] },
    });
    expect(source.resource("aws_cloudwatch_event_rule", "push-forwarding/to-pipeline-account-rule").name).toBe("demo-image-pushes-to-222222222222");
    // api is started by hand: no rule for it.
    expect(Object.keys(source.resources("aws_cloudwatch_event_rule"))).toHaveLength(1);
  });

  it("forwards through a role only this account's EventBridge may use, to the pipeline account's bus only", () => {
    expect(source.policyOf("aws_iam_role", "push-forwarding/role", "assume_role_policy")).toEqual([
      {
        sid: "EventBridgeAssumes",
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["111111111111"] }],
      },
    ]);
    expect(source.policyOf("aws_iam_role_policy", "push-forwarding/permissions")).toEqual([
      {
        sid: "PutEventsOnPipelineAccountBus",
        effect: "Allow",
        actions: ["events:PutEvents"],
        resources: ["arn:aws:events:ap-northeast-1:222222222222:event-bus/demo-image-pushes"],
      },
    ]);
  });

  it("moves each repository's resources from where the first pipeline using it kept them", () => {
    // GIVEN the addresses the example's repositories had before they were keyed by their own name
    // (__tests__/stacks/addresses/example.json), WHEN synthesized now, THEN each is moved to its new one.
    expect(source.json.moved).toEqual([
      { from: "aws_ecr_repository_policy.api_repository_policy_88424B93", to: source.address("aws_ecr_repository_policy", "repository_platform--api/policy") },
      { from: "aws_ecr_repository.web_repository_9336F4A2", to: source.address("aws_ecr_repository", "repository_web/repository") },
      { from: "aws_ecr_lifecycle_policy.web_repository_lifecycle_06942535", to: source.address("aws_ecr_lifecycle_policy", "repository_web/lifecycle") },
      { from: "aws_ecr_repository_policy.web_repository_policy_FB72E6AD", to: source.address("aws_ecr_repository_policy", "repository_web/policy") },
    ]);
  });

  it("stores state in S3 with S3-native locking when the config says so", () => {
    const { source: s3 } = synthApp(
      config((c) => {
        c.backend = { type: "s3", bucket: "demo-tf-state", region: "eu-west-1", keyPrefix: "pipelines/demo", assumeRoleArn: "arn:aws:iam::333333333333:role/state" };
      }),
    );
    expect(s3.json.terraform?.backend).toEqual({
      s3: {
        bucket: "demo-tf-state",
        key: "pipelines/demo/source-account.tfstate",
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
        assume_role: { role_arn: "arn:aws:iam::333333333333:role/state" },
      },
    });
  });
});
