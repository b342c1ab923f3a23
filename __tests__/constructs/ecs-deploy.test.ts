import { EcsDeployment, type EcsDeploymentProps, ExecutionRolePull, IMAGE_DEFINITIONS_BUILDSPEC } from "../../constructs/ecs-deploy";
import { synthConstruct } from "../../test-support/synth";

const props: EcsDeploymentProps = {
  pipelineAccountId: "222222222222",
  projectName: "demo-web-imagedefinitions",
  roleName: "demo-web-codebuild",
  projectArn: "arn:aws:codebuild:eu-west-1:222222222222:project/demo-web-imagedefinitions",
  clusterName: "demo",
  clusterArn: "arn:aws:ecs:eu-west-1:222222222222:cluster/demo",
  serviceName: "web",
  serviceArn: "arn:aws:ecs:eu-west-1:222222222222:service/demo/web",
  containerName: "web",
  taskDefinitionsArnPattern: "arn:aws:ecs:eu-west-1:222222222222:task-definition/*",
  passRoleArns: ["arn:aws:iam::222222222222:role/web-exec", "arn:aws:iam::222222222222:role/web-task"],
  artifactBucketArn: "arn:aws:s3:::demo-artifacts",
  artifactPrefix: "demo-web",
  artifactKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/1234",
};

let deployment!: EcsDeployment;
const out = synthConstruct((scope) => (deployment = new EcsDeployment(scope, "ecs", props)));
const statement = (sid: string) => deployment.serviceRoleStatements.find((s) => s.sid === sid);

describe("EcsDeployment: the CodeBuild project", () => {
  const project = out.resource("aws_codebuild_project", "ecs/project");

  it("encrypts its artifacts with the artifact key and needs no Docker", () => {
    expect(project).toMatchObject({
      name: "demo-web-imagedefinitions",
      encryption_key: "arn:aws:kms:eu-west-1:222222222222:key/1234",
      source: { type: "CODEPIPELINE", buildspec: IMAGE_DEFINITIONS_BUILDSPEC },
      artifacts: { type: "CODEPIPELINE" },
      environment: {
        type: "LINUX_CONTAINER",
        compute_type: "BUILD_GENERAL1_SMALL",
        environment_variable: [{ name: "CONTAINER_NAME", value: "web" }],
      },
    });
    expect(project.environment).not.toHaveProperty("privileged_mode");
  });

  it("writes imagedefinitions.json from the image URI (with its digest) in imageDetail.json", () => {
    expect(IMAGE_DEFINITIONS_BUILDSPEC).toContain('detail["ImageURI"]');
    expect(IMAGE_DEFINITIONS_BUILDSPEC).toContain('open("imagedefinitions.json", "w")');
    expect(IMAGE_DEFINITIONS_BUILDSPEC).toMatch(/artifacts:\n {2}files:\n {4}- imagedefinitions.json\n$/);
  });

  it("logs to a log group kept for 30 days", () => {
    const logs = out.address("aws_cloudwatch_log_group", "ecs/logs");
    expect(out.resource("aws_cloudwatch_log_group", "ecs/logs")).toEqual({
      name: "/aws/codebuild/demo-web-imagedefinitions",
      retention_in_days: 30,
    });
    expect(project.logs_config).toEqual({ cloudwatch_logs: { group_name: `\${${logs}.name}`, status: "ENABLED" } });
  });

  it("runs as its own role: logs, its pipeline's artifacts and the key, nothing else", () => {
    const logs = out.address("aws_cloudwatch_log_group", "ecs/logs");
    expect(out.policyOf("aws_iam_role_policy", "ecs/permissions")).toEqual([
      { sid: "WriteOwnLogs", effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`\${${logs}.arn}:log-stream:*`] },
      { sid: "ReadWriteOwnArtifacts", effect: "Allow", actions: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], resources: ["arn:aws:s3:::demo-artifacts/demo-web/*"] },
      { sid: "ReadArtifactBucket", effect: "Allow", actions: ["s3:GetBucketAcl", "s3:GetBucketLocation"], resources: ["arn:aws:s3:::demo-artifacts"] },
      { sid: "UseArtifactKey", effect: "Allow", actions: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"], resources: ["arn:aws:kms:eu-west-1:222222222222:key/1234"] },
    ]);
    expect(out.policyOf("aws_iam_role", "ecs/role", "assume_role_policy")[0]).toMatchObject({
      principals: [{ type: "Service", identifiers: ["codebuild.amazonaws.com"] }],
      condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["222222222222"] }],
    });
  });
});

describe("EcsDeployment: what the pipeline's service role gets", () => {
  it("may pass only the task roles, and only to ECS tasks", () => {
    expect(statement("PassTaskRolesToEcs")).toEqual({
      sid: "PassTaskRolesToEcs",
      actions: ["iam:PassRole"],
      resources: props.passRoleArns,
      conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ecs-tasks.amazonaws.com"] }],
    });
  });

  it("may register task definition revisions, and tag one only while registering it (ecs:CreateAction)", () => {
    expect(statement("RegisterTaskDefinitions")).toEqual({
      sid: "RegisterTaskDefinitions",
      actions: ["ecs:RegisterTaskDefinition"],
      resources: ["arn:aws:ecs:eu-west-1:222222222222:task-definition/*"],
    });
    expect(statement("TagTaskDefinitionsOnRegister")).toEqual({
      sid: "TagTaskDefinitionsOnRegister",
      actions: ["ecs:TagResource"],
      resources: ["arn:aws:ecs:eu-west-1:222222222222:task-definition/*"],
      conditions: [{ test: "StringEquals", variable: "ecs:CreateAction", values: ["RegisterTaskDefinition"] }],
    });
    const tagging = deployment.serviceRoleStatements.filter((s) => s.actions.includes("ecs:TagResource"));
    expect(tagging.map((s) => s.sid)).toEqual(["TagTaskDefinitionsOnRegister"]);
  });

  it("may update its one service and run its one build project", () => {
    expect(statement("DeployOwnService")?.resources).toEqual(["arn:aws:ecs:eu-west-1:222222222222:service/demo/web"]);
    expect(statement("RunImageDefinitionsBuild")?.resources).toEqual([props.projectArn]);
  });

  it('uses "*" only where ECS has no resource-level permission, or narrowed by the cluster', () => {
    const starred = deployment.serviceRoleStatements.filter((s) => s.resources?.includes("*"));
    expect(starred.map((s) => s.sid)).toEqual(["ReadTaskDefinitions", "WatchDeployment"]);
    expect(statement("ReadTaskDefinitions")?.actions).toEqual(["ecs:DescribeTaskDefinition"]);
    expect(statement("WatchDeployment")?.conditions).toEqual([{ test: "ArnEquals", variable: "ecs:cluster", values: [props.clusterArn] }]);
  });
});

describe("EcsDeployment: stages", () => {
  it("builds imagedefinitions.json from the source image, then deploys it to the service", () => {
    expect(deployment.stages.map((s) => s.name)).toEqual(["Build", "Deploy"]);
    const [build, deploy] = deployment.stages.map((s) => (s.action as object[])[0]);
    expect(build).toMatchObject({ provider: "CodeBuild", inputArtifacts: ["image"], outputArtifacts: ["imagedefs"] });
    expect(deploy).toMatchObject({
      provider: "ECS",
      inputArtifacts: ["imagedefs"],
      configuration: { ClusterName: "demo", ServiceName: "web", FileName: "imagedefinitions.json" },
    });
  });
});

describe("ExecutionRolePull", () => {
  const repositories = ["arn:aws:ecr:eu-west-1:111111111111:repository/api", "arn:aws:ecr:eu-west-1:111111111111:repository/web"];
  const pull = synthConstruct((scope) => new ExecutionRolePull(scope, "pull", { roleName: "web-exec", policyName: "demo-pull-from-source-account", repositoryArns: repositories }));

  it("lets the execution role get a registry token and pull from every repository its services use, in one inline policy", () => {
    expect(Object.values(pull.resources("aws_iam_role_policy"))).toHaveLength(1);
    expect(pull.resource("aws_iam_role_policy", "pull/policy")).toMatchObject({ role: "web-exec", name: "demo-pull-from-source-account" });
    expect(pull.policyOf("aws_iam_role_policy", "pull/policy")).toEqual([
      { sid: "GetRegistryToken", effect: "Allow", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
      {
        sid: "PullFromSourceRepository",
        effect: "Allow",
        actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        resources: repositories,
      },
    ]);
  });

  it("is not part of the deployment: the deployment leaves the execution role alone", () => {
    expect(Object.values(out.resources("aws_iam_role_policy")).map((r) => r.role)).toEqual([`\${${out.address("aws_iam_role", "ecs/role")}.name}`]);
  });
});
