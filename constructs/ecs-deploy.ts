import { CloudwatchLogGroup, CodebuildProject, type CodepipelineStage, IamRole, IamRolePolicy } from "../lib/aws";
import { Construct } from "../lib/cdktf";
import {
  ARTIFACT_OBJECTS_READ_WRITE,
  CODEBUILD_BUCKET_READ,
  CODEBUILD_RUN,
  ECR_AUTH_TOKEN,
  ECR_PULL,
  ECS_SERVICE_DEPLOY,
  ECS_TASK_DEFINITION_READ,
  ECS_TAG_ON_CREATE,
  ECS_TASK_DEFINITION_WRITE,
  ECS_TASKS_READ,
  KMS_USE,
  LOGS_WRITE,
  PASS_ROLE,
  STS_ASSUME_ROLE,
} from "../lib/perms";
import { policyDocument, servicePrincipal, sourceAccountIs, type Statement } from "../lib/policy";
import { SOURCE_ARTIFACT } from "./pipeline";

/** The Build stage's output, and the file the ECS deploy action reads. */
export const IMAGE_DEFINITIONS_ARTIFACT = "imagedefs";
export const IMAGE_DEFINITIONS_FILE = "imagedefinitions.json";

/** How long CodeBuild's logs are kept. */
export const BUILD_LOG_RETENTION_DAYS = 30;

/**
 * Turns the ECR source action's imageDetail.json into the imagedefinitions.json the ECS deploy
 * action reads. The image URI carries the digest, so the service runs exactly the pushed image.
 * Plain Python: no Docker, no privileged mode.
 */
export const IMAGE_DEFINITIONS_BUILDSPEC = `version: 0.2
phases:
  build:
    commands:
      - >-
        python3 -c 'import json, os;
        detail = json.load(open("imageDetail.json"));
        json.dump([{"name": os.environ["CONTAINER_NAME"], "imageUri": detail["ImageURI"]}], open("${IMAGE_DEFINITIONS_FILE}", "w"))'
      - cat ${IMAGE_DEFINITIONS_FILE}
artifacts:
  files:
    - ${IMAGE_DEFINITIONS_FILE}
`;

export interface EcsDeploymentProps {
  readonly pipelineAccountId: string;
  readonly projectName: string;
  readonly roleName: string;
  readonly projectArn: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly serviceName: string;
  readonly serviceArn: string;
  readonly containerName: string;
  readonly taskDefinitionsArnPattern: string;
  /** Roles the new task definition revision passes to ECS: the execution role, and the task role if any. */
  readonly passRoleArns: readonly string[];
  readonly artifactBucketArn: string;
  readonly artifactPrefix: string;
  readonly artifactKeyArn: string;
}

/**
 * Deploying the pushed image to an ECS service in the pipeline account: a CodeBuild project that
 * writes imagedefinitions.json, then the standard ECS deploy action. Exposes the pipeline stages
 * and what the pipeline's service role needs for them.
 */
export class EcsDeployment extends Construct {
  readonly stages: CodepipelineStage[];
  readonly serviceRoleStatements: Statement[];
  readonly project: CodebuildProject;

  constructor(scope: Construct, id: string, props: EcsDeploymentProps) {
    super(scope, id);

    const logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/codebuild/${props.projectName}`,
      retentionInDays: BUILD_LOG_RETENTION_DAYS,
    });

    const trust = policyDocument(this, "trust-policy", [
      {
        // aws:SourceAccount: CodeBuild documents that it sends the key when it assumes a project's
        // service role ("Cross-service confused deputy prevention", CodeBuild User Guide).
        sid: "CodeBuildAssumes",
        actions: STS_ASSUME_ROLE,
        principals: [servicePrincipal("codebuild.amazonaws.com")],
        conditions: [sourceAccountIs(props.pipelineAccountId)],
      },
    ]);
    const role = new IamRole(this, "role", {
      name: props.roleName,
      description: "Role of the CodeBuild project that writes imagedefinitions.json",
      assumeRolePolicy: trust.json,
    });
    const permissions = policyDocument(this, "permissions-policy", [
      { sid: "WriteOwnLogs", actions: LOGS_WRITE, resources: [`${logGroup.arn}:log-stream:*`] },
      {
        sid: "ReadWriteOwnArtifacts",
        actions: ARTIFACT_OBJECTS_READ_WRITE,
        resources: [`${props.artifactBucketArn}/${props.artifactPrefix}/*`],
      },
      { sid: "ReadArtifactBucket", actions: CODEBUILD_BUCKET_READ, resources: [props.artifactBucketArn] },
      { sid: "UseArtifactKey", actions: KMS_USE, resources: [props.artifactKeyArn] },
    ]);
    const rolePolicy = new IamRolePolicy(this, "permissions", { name: "codebuild", role: role.name, policy: permissions.json });

    this.project = new CodebuildProject(this, "project", {
      name: props.projectName,
      description: "Writes imagedefinitions.json for the ECS deploy action",
      serviceRole: role.arn,
      // Output artifacts are encrypted with the artifact key, not the account's default S3 key.
      encryptionKey: props.artifactKeyArn,
      buildTimeout: 10,
      source: { type: "CODEPIPELINE", buildspec: IMAGE_DEFINITIONS_BUILDSPEC },
      artifacts: { type: "CODEPIPELINE" },
      environment: {
        type: "LINUX_CONTAINER",
        computeType: "BUILD_GENERAL1_SMALL",
        image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
        environmentVariable: [{ name: "CONTAINER_NAME", value: props.containerName }],
      },
      logsConfig: { cloudwatchLogs: { groupName: logGroup.name, status: "ENABLED" } },
      dependsOn: [rolePolicy],
    });

    this.serviceRoleStatements = [
      { sid: "RunImageDefinitionsBuild", actions: CODEBUILD_RUN, resources: [props.projectArn] },
      { sid: "DeployOwnService", actions: ECS_SERVICE_DEPLOY, resources: [props.serviceArn] },
      // The service's task definition family is not in the config; any family of this account.
      { sid: "RegisterTaskDefinitions", actions: ECS_TASK_DEFINITION_WRITE, resources: [props.taskDefinitionsArnPattern] },
      {
        // Tagging only as part of registering a revision: ECS sends ecs:CreateAction with the
        // name of the creating call ("Grant permission to tag resources on creation", Amazon ECS
        // Developer Guide), so this grants no tagging of existing task definitions.
        sid: "TagTaskDefinitionsOnRegister",
        actions: ECS_TAG_ON_CREATE,
        resources: [props.taskDefinitionsArnPattern],
        conditions: [{ test: "StringEquals", variable: "ecs:CreateAction", values: ["RegisterTaskDefinition"] }],
      },
      // DescribeTaskDefinition has no resource-level permission.
      { sid: "ReadTaskDefinitions", actions: ECS_TASK_DEFINITION_READ, resources: ["*"] },
      {
        // Tasks and container instances of the one cluster, by the ecs:cluster condition.
        sid: "WatchDeployment",
        actions: ECS_TASKS_READ,
        resources: ["*"],
        conditions: [{ test: "ArnEquals", variable: "ecs:cluster", values: [props.clusterArn] }],
      },
      {
        sid: "PassTaskRolesToEcs",
        actions: PASS_ROLE,
        resources: props.passRoleArns,
        conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ecs-tasks.amazonaws.com"] }],
      },
    ];

    this.stages = [
      {
        name: "Build",
        action: [
          {
            name: "ImageDefinitions",
            category: "Build",
            owner: "AWS",
            provider: "CodeBuild",
            version: "1",
            inputArtifacts: [SOURCE_ARTIFACT],
            outputArtifacts: [IMAGE_DEFINITIONS_ARTIFACT],
            configuration: { ProjectName: this.project.name },
          },
        ],
      },
      {
        name: "Deploy",
        action: [
          {
            name: "Service",
            category: "Deploy",
            owner: "AWS",
            provider: "ECS",
            version: "1",
            inputArtifacts: [IMAGE_DEFINITIONS_ARTIFACT],
            configuration: { ClusterName: props.clusterName, ServiceName: props.serviceName, FileName: IMAGE_DEFINITIONS_FILE },
          },
        ],
      },
    ];
  }
}

export interface ExecutionRolePullProps {
  /** The task execution role, by name (the app does not create it). */
  readonly roleName: string;
  readonly policyName: string;
  /** Every source repository that services running with this role pull from. */
  readonly repositoryArns: readonly string[];
}

/**
 * What a task execution role of the pipeline account needs to pull from the source account's
 * repositories: one inline policy per role, listing every repository its services pull from, so
 * that ECS services sharing a role add a repository ARN each, not a policy each (a role's inline
 * policies share 10,240 characters).
 */
export class ExecutionRolePull extends Construct {
  constructor(scope: Construct, id: string, props: ExecutionRolePullProps) {
    super(scope, id);
    const pull = policyDocument(this, "policy-document", [
      // GetAuthorizationToken has no resource-level permission: "*" is the only resource it takes.
      { sid: "GetRegistryToken", actions: ECR_AUTH_TOKEN, resources: ["*"] },
      { sid: "PullFromSourceRepository", actions: ECR_PULL, resources: props.repositoryArns },
    ]);
    new IamRolePolicy(this, "policy", { name: props.policyName, role: props.roleName, policy: pull.json });
  }
}
