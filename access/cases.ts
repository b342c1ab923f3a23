/**
 * Who may do what, and who may not: the permission chain of DESIGN.md as requests, each with the
 * outcome AWS must give. Principals and resources are named from the config; the policies that
 * decide come from the rendered stacks (see world.ts), never from here.
 */
import type { Config, PipelineConfig } from "../config/schema";
import * as naming from "../lib/naming";
import { ECR_PULL } from "../lib/perms";
import type { PolicyDocument, World } from "./world";

export type Expectation = "allowed" | "denied";

export interface AccessCase {
  /** The permission-chain row it proves (README, "The permission chain"), "+" for another hop, "never" for what must stay false. */
  readonly row: string;
  readonly who: string;
  readonly principal: string;
  readonly action: string;
  readonly on: string;
  readonly resource: string;
  readonly expect: Expectation;
  /** Request context beyond the principal keys and TLS, which every request gets. */
  readonly context?: Record<string, string | string[]>;
  /**
   * The caller's own IAM policy, for principals the stacks do not create (or, for grants, a
   * permission the case grants on purpose so that only the key policy decides).
   */
  readonly identity?: PolicyDocument;
  /** Owner of a resource the stacks do not create (S3 ARNs carry no account). */
  readonly resourceAccount?: string;
}

const THIRD_ACCOUNT = "333333333333";

function allow(actions: readonly string[], resource: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...actions], Resource: resource }] };
}

/** An administrator: its own policy allows everything, so only the resource side can stop it. */
const EVERYTHING = allow(["*"], "*");

export function accessCases(config: Config, world: World): AccessCase[] {
  const { project, region } = config;
  const A = config.sourceAccount.accountId;
  const B = config.pipelineAccount.accountId;
  const ref = (p: PipelineConfig) => ({ project, name: p.name });
  const sourceRole = (p: PipelineConfig) => naming.roleArn(A, naming.sourceAccessRoleName(ref(p)));
  const serviceRole = (p: PipelineConfig) => naming.roleArn(B, naming.pipelineServiceRoleName(ref(p)));
  const repository = (p: PipelineConfig) => naming.repositoryArn(region, A, p.repository.name);
  const bucket = naming.artifactBucketName(project, B, region);
  // CodePipeline's key layout: <first 20 characters of the pipeline name>/<artifact>/<object>.
  const artifact = (p: PipelineConfig) => `${naming.bucketArn(bucket)}/${naming.artifactPrefix(ref(p))}/image/Xy12AbC`;
  const key = world.artifactKeyArn;
  const alias = naming.artifactKeyAliasName(project);

  const upload = { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key };
  const keyContext = (caller: string) => ({ "kms:ResourceAliases": [alias], "kms:CallerAccount": caller });
  const grant = (forAwsResource: boolean) => ({ "kms:GrantIsForAWSResource": String(forAwsResource), "kms:CallerAccount": B });

  const [p, other] = config.pipelines;
  const cases: AccessCase[] = [
    { row: "1", who: "CodePipeline, for account B", principal: "codepipeline.amazonaws.com", action: "sts:AssumeRole", on: `${p.name} service role (B)`, resource: serviceRole(p), expect: "allowed", context: { "aws:SourceAccount": B } },
    { row: "2", who: `${p.name} service role (B)`, principal: serviceRole(p), action: "sts:AssumeRole", on: `${p.name} source-access role (A)`, resource: sourceRole(p), expect: "allowed" },
    { row: "3", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "ecr:DescribeImages", on: `${p.name} repository (A)`, resource: repository(p), expect: "allowed" },
    { row: "4", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (B), TLS + SSE-KMS`, resource: artifact(p), expect: "allowed", context: upload },
    { row: "4", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "s3:GetObject", on: `${p.name} artifacts (B)`, resource: artifact(p), expect: "allowed" },
    { row: "5", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "kms:GenerateDataKey", on: "artifact key (B)", resource: key, expect: "allowed", context: keyContext(A) },
    { row: "5", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "kms:Decrypt", on: "artifact key (B)", resource: key, expect: "allowed", context: keyContext(A) },
    { row: "6", who: "a role in B with pull rights (e.g. ECS task execution)", principal: naming.roleArn(B, "ecs-task-execution"), action: "ecr:BatchGetImage", on: `${p.name} repository (A)`, resource: repository(p), expect: "allowed", identity: allow(ECR_PULL, repository(p)) },
    { row: "6", who: "a role in B with pull rights (e.g. ECS task execution)", principal: naming.roleArn(B, "ecs-task-execution"), action: "ecr:GetDownloadUrlForLayer", on: `${p.name} repository (A)`, resource: repository(p), expect: "allowed", identity: allow(ECR_PULL, repository(p)) },
    { row: "7", who: `${p.name} service role (B), if its policy allowed grants`, principal: serviceRole(p), action: "kms:CreateGrant", on: "artifact key (B), for an AWS resource", resource: key, expect: "allowed", context: grant(true), identity: allow(["kms:CreateGrant"], key) },
    { row: "+", who: `${p.name} service role (B)`, principal: serviceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (B), TLS + SSE-KMS`, resource: artifact(p), expect: "allowed", context: upload },
    { row: "+", who: `${p.name} service role (B)`, principal: serviceRole(p), action: "kms:Decrypt", on: "artifact key (B)", resource: key, expect: "allowed", context: keyContext(B) },

    { row: "never", who: "an administrator of a third account", principal: naming.roleArn(THIRD_ACCOUNT, "admin"), action: "sts:AssumeRole", on: `${p.name} source-access role (A)`, resource: sourceRole(p), expect: "denied", identity: EVERYTHING },
    { row: "never", who: "another role in B (an administrator)", principal: naming.roleArn(B, "admin"), action: "sts:AssumeRole", on: `${p.name} source-access role (A)`, resource: sourceRole(p), expect: "denied", identity: EVERYTHING },
    { row: "never", who: "CodePipeline, for a third account", principal: "codepipeline.amazonaws.com", action: "sts:AssumeRole", on: `${p.name} service role (B)`, resource: serviceRole(p), expect: "denied", context: { "aws:SourceAccount": THIRD_ACCOUNT } },
    { row: "never", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "ecr:PutImage", on: `${p.name} repository (A)`, resource: repository(p), expect: "denied" },
    { row: "never", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "ecr:DescribeImages", on: "another repository (A)", resource: naming.repositoryArn(region, A, "unrelated"), expect: "denied" },
    { row: "never", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "kms:GenerateDataKey", on: "another key (B)", resource: `arn:aws:kms:${region}:${B}:key/00000000-0000-0000-0000-000000000000`, expect: "denied", context: { "kms:ResourceAliases": ["alias/other"], "kms:CallerAccount": A } },
    { row: "never", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "s3:PutObject", on: "another bucket (B)", resource: `arn:aws:s3:::unrelated-${B}/${naming.artifactPrefix(ref(p))}/image/Xy12AbC`, expect: "denied", context: upload, resourceAccount: B },
    { row: "never", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (B), over plain HTTP`, resource: artifact(p), expect: "denied", context: { ...upload, "aws:SecureTransport": "false" } },
    { row: "never", who: `${p.name} source-access role (A)`, principal: sourceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (B), SSE-S3 instead of SSE-KMS`, resource: artifact(p), expect: "denied", context: { "s3:x-amz-server-side-encryption": "AES256" } },
    { row: "never", who: `${p.name} service role (B)`, principal: serviceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (B), no encryption header`, resource: artifact(p), expect: "denied" },
    { row: "never", who: `${p.name} service role (B), if its policy allowed grants`, principal: serviceRole(p), action: "kms:CreateGrant", on: "artifact key (B), not for an AWS resource", resource: key, expect: "denied", context: grant(false), identity: allow(["kms:CreateGrant"], key) },
    { row: "never", who: "another role in B (an administrator)", principal: naming.roleArn(B, "admin"), action: "kms:Decrypt", on: "artifact key (B)", resource: key, expect: "denied", identity: EVERYTHING, context: keyContext(B) },
    { row: "never", who: "another role in B (an administrator)", principal: naming.roleArn(B, "admin"), action: "ecr:BatchDeleteImage", on: `${p.name} repository (A)`, resource: repository(p), expect: "denied", identity: EVERYTHING },
  ];
  // Pipelines stay apart: each against the next one in the list (the last against the first).
  config.pipelines.forEach((x, i) => {
    const y = config.pipelines[(i + 1) % config.pipelines.length];
    if (y === x) return;
    cases.push(
      { row: "never", who: `${y.name} service role (B)`, principal: serviceRole(y), action: "sts:AssumeRole", on: `${x.name} source-access role (A)`, resource: sourceRole(x), expect: "denied" },
      { row: "never", who: `${x.name} source-access role (A)`, principal: sourceRole(x), action: "ecr:DescribeImages", on: `${y.name} repository (A)`, resource: repository(y), expect: "denied" },
      { row: "never", who: `${x.name} source-access role (A)`, principal: sourceRole(x), action: "s3:GetObject", on: `${y.name} artifacts (B)`, resource: artifact(y), expect: "denied" },
      { row: "never", who: `${x.name} service role (B)`, principal: serviceRole(x), action: "s3:GetObject", on: `${y.name} artifacts (B)`, resource: artifact(y), expect: "denied" },
    );
  });

  const pushed = config.pipelines.find((x) => x.trigger === "push");
  if (pushed) {
    const bus = naming.defaultEventBusArn(region, B);
    const forwarder = naming.roleArn(A, naming.pushForwarderRoleName(project));
    const starter = naming.roleArn(B, naming.startPipelineRoleName(ref(pushed)));
    const pipelineArn = (x: PipelineConfig) => naming.pipelineArn(region, B, ref(x));
    const notPushed = config.pipelines.find((x) => x !== pushed);
    cases.push(
      { row: "8", who: "EventBridge, for account A", principal: "events.amazonaws.com", action: "sts:AssumeRole", on: "push forwarder role (A)", resource: forwarder, expect: "allowed", context: { "aws:SourceAccount": A } },
      { row: "8", who: "push forwarder role (A)", principal: forwarder, action: "events:PutEvents", on: "default event bus (B)", resource: bus, expect: "allowed" },
      { row: "8", who: "EventBridge, for account B", principal: "events.amazonaws.com", action: "sts:AssumeRole", on: `${pushed.name} start role (B)`, resource: starter, expect: "allowed", context: { "aws:SourceAccount": B } },
      { row: "8", who: `${pushed.name} start role (B)`, principal: starter, action: "codepipeline:StartPipelineExecution", on: `${pushed.name} pipeline (B)`, resource: pipelineArn(pushed), expect: "allowed" },
      { row: "never", who: "EventBridge, for a third account", principal: "events.amazonaws.com", action: "sts:AssumeRole", on: "push forwarder role (A)", resource: forwarder, expect: "denied", context: { "aws:SourceAccount": THIRD_ACCOUNT } },
      { row: "never", who: "an administrator of a third account", principal: naming.roleArn(THIRD_ACCOUNT, "admin"), action: "events:PutEvents", on: "default event bus (B)", resource: bus, expect: "denied", identity: EVERYTHING },
      { row: "never", who: "push forwarder role (A)", principal: forwarder, action: "events:PutEvents", on: "a third account's bus", resource: naming.defaultEventBusArn(region, THIRD_ACCOUNT), expect: "denied" },
      ...(notPushed
        ? [{ row: "never", who: `${pushed.name} start role (B)`, principal: starter, action: "codepipeline:StartPipelineExecution", on: `${notPushed.name} pipeline (B)`, resource: pipelineArn(notPushed), expect: "denied" as const }]
        : []),
    );
  }

  const ecs = config.pipelines.find((x) => x.deploy.type === "ecs");
  if (ecs && ecs.deploy.type === "ecs") {
    const { cluster, service, executionRoleName, grantExecutionRolePull } = ecs.deploy;
    const executionRole = naming.roleArn(B, executionRoleName);
    const codebuild = naming.roleArn(B, naming.imageDefinitionsRoleName(ref(ecs)));
    const passTo = (passedTo: string) => ({ "iam:PassedToService": passedTo });
    cases.push(
      { row: "+", who: `${ecs.name} service role (B)`, principal: serviceRole(ecs), action: "codebuild:StartBuild", on: `${ecs.name} imagedefinitions project (B)`, resource: naming.codebuildProjectArn(region, B, naming.imageDefinitionsProjectName(ref(ecs))), expect: "allowed" },
      { row: "+", who: `${ecs.name} service role (B)`, principal: serviceRole(ecs), action: "ecs:UpdateService", on: `ECS service ${cluster}/${service} (B)`, resource: naming.ecsServiceArn(region, B, cluster, service), expect: "allowed" },
      { row: "+", who: `${ecs.name} service role (B)`, principal: serviceRole(ecs), action: "iam:PassRole", on: "the task execution role, to ECS tasks", resource: executionRole, expect: "allowed", context: passTo("ecs-tasks.amazonaws.com") },
      { row: "+", who: `${ecs.name} CodeBuild role (B)`, principal: codebuild, action: "s3:PutObject", on: `${ecs.name} artifacts (B), TLS + SSE-KMS`, resource: artifact(ecs), expect: "allowed", context: upload },
      { row: "+", who: `${ecs.name} CodeBuild role (B)`, principal: codebuild, action: "kms:GenerateDataKey", on: "artifact key (B)", resource: key, expect: "allowed", context: keyContext(B) },
      { row: "never", who: `${ecs.name} service role (B)`, principal: serviceRole(ecs), action: "iam:PassRole", on: "the task execution role, to EC2", resource: executionRole, expect: "denied", context: passTo("ec2.amazonaws.com") },
      { row: "never", who: `${ecs.name} service role (B)`, principal: serviceRole(ecs), action: "iam:PassRole", on: "another role (B), to ECS tasks", resource: naming.roleArn(B, "admin"), expect: "denied", context: passTo("ecs-tasks.amazonaws.com") },
      { row: "never", who: `${ecs.name} service role (B)`, principal: serviceRole(ecs), action: "ecs:UpdateService", on: `another ECS service (B)`, resource: naming.ecsServiceArn(region, B, cluster, `${service}-other`), expect: "denied" },
      { row: "never", who: `${ecs.name} CodeBuild role (B)`, principal: codebuild, action: "s3:GetObject", on: other ? `${other.name} artifacts (B)` : "another prefix (B)", resource: other ? artifact(other) : `${naming.bucketArn(bucket)}/other/x`, expect: "denied" },
    );
    if (grantExecutionRolePull) {
      cases.push({ row: "6", who: `${ecs.name} task execution role (B)`, principal: executionRole, action: "ecr:BatchGetImage", on: `${ecs.name} repository (A)`, resource: repository(ecs), expect: "allowed" });
    }
  }
  return cases;
}
