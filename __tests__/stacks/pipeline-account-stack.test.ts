import { ConfigError } from "../../config/load";
import { config } from "../../test-support/config";
import { synthApp } from "../../test-support/synth";

const { source, pipeline } = synthApp(config());
const STATE = "data.terraform_remote_state.source-account-state.outputs";
const remote = (output: string) => `\${${STATE}.${output}}`;

describe("pipeline-account stack", () => {
  it("uses a provider for the pipeline account only, through the configured role", () => {
    expect(pipeline.json.provider?.aws).toEqual([
      expect.objectContaining({
        region: "ap-northeast-1",
        allowed_account_ids: ["222222222222"],
        assume_role: [{ role_arn: "arn:aws:iam::222222222222:role/deployer" }],
      }),
    ]);
  });

  it("reads the source-account state from where that stack writes it", () => {
    const state = (pipeline.json.data as any).terraform_remote_state["source-account-state"];
    expect(state.backend).toBe("local");
    expect(state.config.path).toBe((source.json.terraform?.backend as any).local.path);
  });

  it("stops with the fix in its message when the source-account state lacks an output", () => {
    const state = (pipeline.json.data as any).terraform_remote_state["source-account-state"];
    const [postcondition] = state.lifecycle.postcondition;
    const names = Object.keys(source.json.output ?? {}).sort();
    const listed = JSON.parse(/setsubtract\((\[[^\]]*\])/.exec(postcondition.condition)![1]).sort();
    expect(listed).toEqual(names);
    expect(postcondition.error_message).toMatch(/Deploy it first: npm run deploy -- --stack source-account$/);
  });

  it("reads only outputs the source-account stack defines", () => {
    const used = [...pipeline.text.matchAll(/terraform_remote_state\.source-account-state\.outputs\.([A-Za-z0-9_-]+)/g)].map(
      (m) => m[1],
    );
    expect(used.length).toBeGreaterThan(0);
    expect(new Set(used)).toEqual(new Set(used.filter((name) => name in (source.json.output ?? {}))));
  });

  it("names the artifact bucket and key account that the source-account roles were granted", () => {
    const bucket = "demo-artifacts-222222222222-ap-northeast-1";
    expect(Object.values(pipeline.resources("aws_s3_bucket"))[0].bucket).toBe(bucket);
    expect(Object.values(pipeline.resources("aws_kms_alias"))[0].name).toBe("alias/demo-artifacts");
    const granted = source.statement("aws_iam_role_policy", "web/source-access/permissions", "EncryptOwnArtifacts");
    expect(granted.resources).toEqual(["arn:aws:kms:ap-northeast-1:222222222222:key/*"]);
    expect(source.statement("aws_iam_role_policy", "web/source-access/permissions", "WriteOwnArtifacts").resources).toEqual([
      `arn:aws:s3:::${bucket}/demo-web/*`,
    ]);
  });

  it("wires each pipeline's ECR action to its own source-access role and repository", () => {
    for (const name of ["web", "api"]) {
      const [source] = (pipeline.resource("aws_codepipeline", `${name}/pipeline/pipeline`).stage as any[])[0].action;
      expect(source.role_arn).toBe(remote(`${name}_source_access_role_arn`));
      expect(source.configuration.RepositoryName).toBe(remote(`${name}_repository_name`));
    }
  });

  it("lets each service role assume only its own pipeline's source-access role", () => {
    expect(pipeline.statement("aws_iam_role_policy", "api/service-role/permissions", "AssumeOwnSourceAccessRole").resources).toEqual([
      `arn:aws:iam::111111111111:role/${source.resource("aws_iam_role", "api/source-access/role").name}`,
    ]);
  });

  it("names in the key and bucket policies exactly the roles the stacks create", () => {
    // Named from the config, not read from source-account's state: the policies are known at plan.
    const sourceRoles = ["api", "web"].map((name) => `arn:aws:iam::111111111111:role/${source.resource("aws_iam_role", `${name}/source-access/role`).name}`);
    const created = (path: string) => `arn:aws:iam::222222222222:role/${pipeline.resource("aws_iam_role", path).name}`;
    // The service roles, and the CodeBuild role of the pipeline that deploys to ECS, by pipeline name.
    const keyUsers = [created("api/service-role/role"), created("web/service-role/role"), created("web/ecs-deployment/role")];
    const key = "artifact-store/key";
    expect(pipeline.statement("aws_kms_key", key, "SourceAccessRolesEncryptArtifacts").condition?.[0].values).toEqual(sourceRoles);
    expect(pipeline.statement("aws_kms_key", key, "PipelineRolesUseKey").condition?.[0].values).toEqual(keyUsers);
    const bucketPolicy = "artifact-store/bucket-policy";
    expect(pipeline.statement("aws_s3_bucket_policy", bucketPolicy, "SourceAccessWritesApi").condition?.[0].values).toEqual([sourceRoles[0]]);
    expect(pipeline.statement("aws_s3_bucket_policy", bucketPolicy, "SourceAccessWritesWeb").condition?.[0].values).toEqual([sourceRoles[1]]);
  });

  it("matches the service role names the source-account trust policies expect", () => {
    const trusted = ["web", "api"].map(
      (name) => source.policyOf("aws_iam_role", `${name}/source-access/role`, "assume_role_policy")[0].condition![0].values[0],
    );
    const created = ["web", "api"].map(
      (name) => `arn:aws:iam::222222222222:role/${pipeline.resource("aws_iam_role", `${name}/service-role/role`).name}`,
    );
    expect(created).toEqual(trusted);
  });

  it("stores each pipeline's artifacts in the shared, KMS-encrypted store", () => {
    const key = pipeline.address("aws_kms_key", "artifact-store/key");
    const bucket = pipeline.address("aws_s3_bucket", "artifact-store/bucket");
    expect(pipeline.resource("aws_codepipeline", "web/pipeline/pipeline").artifact_store).toEqual([
      { type: "S3", location: `\${${bucket}.bucket}`, encryption_key: { id: `\${${key}.arn}`, type: "KMS" } },
    ]);
  });

  it("creates each pipeline after its role's policy, the bucket policy and its CodeBuild project", () => {
    expect(pipeline.resource("aws_codepipeline", "web/pipeline/pipeline").depends_on).toEqual([
      pipeline.address("aws_iam_role_policy", "web/service-role/permissions"),
      pipeline.address("aws_s3_bucket_policy", "artifact-store/bucket-policy"),
      pipeline.address("aws_codebuild_project", "web/ecs-deployment/project"),
    ]);
    expect(pipeline.resource("aws_codepipeline", "api/pipeline/pipeline").depends_on).toHaveLength(2);
  });

  it("deploys web to its ECS service, and asks for approval on api", () => {
    const stageNames = (name: string) =>
      (pipeline.resource("aws_codepipeline", `${name}/pipeline/pipeline`).stage as { name: string }[]).map((s) => s.name);
    expect(stageNames("web")).toEqual(["Source", "Build", "Deploy"]);
    expect(stageNames("api")).toEqual(["Source", "Approve"]);
    const web = pipeline.statement("aws_iam_role_policy", "web/service-role/permissions", "DeployOwnService");
    expect(web.resources).toEqual(["arn:aws:ecs:ap-northeast-1:222222222222:service/demo/web"]);
    expect(pipeline.policyOf("aws_iam_role_policy", "api/service-role/permissions").map((s) => s.sid)).not.toContain("DeployOwnService");
  });

  it("gives the execution role the pull permission on the source repository", () => {
    const pull = "execution-role-pull_demo-web-task-execution/policy";
    expect(pipeline.resource("aws_iam_role_policy", pull)).toMatchObject({ role: "demo-web-task-execution", name: "demo-pull-from-source-account" });
    expect(pipeline.statement("aws_iam_role_policy", pull, "PullFromSourceRepository").resources).toEqual([
      "arn:aws:ecr:ap-northeast-1:111111111111:repository/web",
    ]);
  });

  it("gives an execution role that several services share one policy listing every repository they pull from", () => {
    // GIVEN api also deploys to ECS with web's execution role
    const { pipeline: p } = synthApp(
      config((c) => {
        c.pipelines[1].deploy = { ...(c.pipelines[0].deploy as object), service: "api", containerName: "api" } as typeof c.pipelines[1]["deploy"];
      }),
    );
    // THEN one inline policy on the role, naming both repositories
    expect(Object.values(p.resources("aws_iam_role_policy")).filter((r) => r.role === "demo-web-task-execution")).toHaveLength(1);
    expect(p.statement("aws_iam_role_policy", "execution-role-pull_demo-web-task-execution/policy", "PullFromSourceRepository").resources).toEqual([
      "arn:aws:ecr:ap-northeast-1:111111111111:repository/platform/api",
      "arn:aws:ecr:ap-northeast-1:111111111111:repository/web",
    ]);
  });

  it("starts a pushed pipeline from forwarded events of the source account, and not a manual one", () => {
    const pipelineArn = `\${${pipeline.address("aws_codepipeline", "web/pipeline/pipeline")}.arn}`;
    expect(JSON.parse(String(pipeline.resource("aws_cloudwatch_event_rule", "web/push-trigger/rule").event_pattern))).toEqual({
      account: ["111111111111"],
      source: ["aws.ecr"],
      "detail-type": ["ECR Image Action"],
      detail: { "action-type": ["PUSH"], result: ["SUCCESS"], "repository-name": ["web"], "image-tag": ["latest"] },
    });
    const bus = pipeline.address("aws_cloudwatch_event_bus", "event-bus-access/bus");
    expect(pipeline.resource("aws_cloudwatch_event_bus", "event-bus-access/bus").name).toBe("demo-image-pushes");
    // The rule and its target live on the project's own bus, never on the default bus.
    expect(pipeline.resource("aws_cloudwatch_event_rule", "web/push-trigger/rule").event_bus_name).toBe(`\${${bus}.name}`);
    expect(pipeline.resource("aws_cloudwatch_event_target", "web/push-trigger/target")).toMatchObject({
      arn: pipelineArn,
      event_bus_name: `\${${bus}.name}`,
    });
    expect(pipeline.statement("aws_iam_role_policy", "web/push-trigger/permissions", "StartThisPipeline").resources).toEqual([
      pipelineArn,
    ]);
    expect(pipeline.policyOf("aws_iam_role", "web/push-trigger/role", "assume_role_policy")[0]).toMatchObject({
      principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
      condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["222222222222"] }],
    });
    expect(Object.keys(pipeline.resources("aws_cloudwatch_event_rule"))).toHaveLength(1);
    expect(pipeline.resource("aws_cloudwatch_event_bus_policy", "event-bus-access/policy").event_bus_name).toBe(`\${${bus}.name}`);
    // Only the source account's forwarder role, only PutEvents, only on this bus.
    expect(pipeline.policyOf("aws_cloudwatch_event_bus_policy", "event-bus-access/policy")).toEqual([
      {
        sid: "SourceAccountForwarderPutsEvents",
        effect: "Allow",
        actions: ["events:PutEvents"],
        resources: ["arn:aws:events:ap-northeast-1:222222222222:event-bus/demo-image-pushes"],
        principals: [{ type: "AWS", identifiers: ["arn:aws:iam::111111111111:root"] }],
        condition: [{ test: "ArnEquals", variable: "aws:PrincipalArn", values: ["arn:aws:iam::111111111111:role/demo-forward-image-pushes"] }],
      },
    ]);
    expect(pipeline.text).not.toContain("event-bus/default");
    expect(pipeline.text).not.toMatch(/"event_bus_name": "default"/);
  });

  it("has no bus policy when no pipeline is started by a push", () => {
    const { source: s, pipeline: p } = synthApp(config((c) => c.pipelines.forEach((x) => (x.trigger = "manual"))));
    expect(p.resources("aws_cloudwatch_event_bus_policy")).toEqual({});
    expect(p.resources("aws_cloudwatch_event_bus")).toEqual({});
    expect(p.resources("aws_cloudwatch_event_rule")).toEqual({});
    expect(s.resources("aws_cloudwatch_event_rule")).toEqual({});
  });

  it('matches any tag, and lets the action read ECR\'s default tag, when imageTag is "*"', () => {
    const { source: s, pipeline: p } = synthApp(config((c) => (c.pipelines[0].imageTag = "*")));
    const forwarded = JSON.parse(String(s.resource("aws_cloudwatch_event_rule", "push-forwarding/to-pipeline-account-rule").event_pattern));
    expect(forwarded.detail).not.toHaveProperty("image-tag");
    const started = JSON.parse(String(p.resource("aws_cloudwatch_event_rule", "web/push-trigger/rule").event_pattern));
    expect(started.detail).not.toHaveProperty("image-tag");
    const [action] = (p.resource("aws_codepipeline", "web/pipeline/pipeline").stage as any[])[0].action;
    expect(action.configuration).toEqual({ RepositoryName: remote("web_repository_name") });
  });

  it("never looks up the caller's identity: account ids come from the config", () => {
    expect(pipeline.text).not.toContain("aws_caller_identity");
    expect(source.text).not.toContain("aws_caller_identity");
  });

  it("reads the source-account state from S3 when the state is kept there", () => {
    const { pipeline: s3 } = synthApp(
      config((c) => {
        c.backend = { type: "s3", bucket: "demo-tf-state", region: "eu-west-1", keyPrefix: "pipelines/demo", profile: "state" };
      }),
    );
    const state = (s3.json.data as any).terraform_remote_state["source-account-state"];
    expect(state.backend).toBe("s3");
    expect(state.config).toEqual({
      bucket: "demo-tf-state",
      key: "pipelines/demo/source-account.tfstate",
      region: "eu-west-1",
      encrypt: true,
      profile: "state",
    });
    expect((s3.json.terraform?.backend as any).s3.key).toBe("pipelines/demo/pipeline-account.tfstate");
  });
});

const EXECUTION = "arn:aws:iam::222222222222:role/service-role/ecsTaskExecutionRole";

describe("ECS roles named by ARN, with a path", () => {
  const { pipeline } = synthApp(
    config((c) => {
      const deploy = c.pipelines[0].deploy as Record<string, unknown>;
      deploy.executionRoleName = EXECUTION;
      deploy.taskRoleName = "demo-web-task";
    }),
  );

  it("passes the role under its real ARN, path included", () => {
    const passRole = pipeline.statement("aws_iam_role_policy", "web/service-role/permissions", "PassTaskRolesToEcs");
    expect(passRole.resources).toEqual([EXECUTION, "arn:aws:iam::222222222222:role/demo-web-task"]);
  });

  it("attaches the pull policy to the role by its name, which IAM takes without the path", () => {
    expect(pipeline.resource("aws_iam_role_policy", "execution-role-pull_ecsTaskExecutionRole/policy").role).toBe("ecsTaskExecutionRole");
  });

  it("refuses a role ARN of another account than the pipeline's", () => {
    expect(() =>
      config((c) => ((c.pipelines[0].deploy as Record<string, unknown>).executionRoleName = "arn:aws:iam::999999999999:role/x")),
    ).toThrow(
      new ConfigError("test config", [
        'pipelines[0].deploy.executionRoleName: got "arn:aws:iam::999999999999:role/x"; expected a role in account 222222222222, the pipeline account this pipeline runs in (ECS passes only roles of its own account)',
      ]),
    );
  });
});
