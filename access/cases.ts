/**
 * Who may do what, and who may not: the permission chain of DESIGN.md as requests, each with the
 * outcome AWS must give. Principals and resources are named from the config; the policies that
 * decide come from the rendered stacks (see world.ts), never from here.
 */
import { type PipelineAccount, pipelineAccounts } from "../config/accounts";
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

/** Names, ARNs and request contexts of one pipeline account's side of the chain. */
function accountTerms(config: Config, world: World, account: PipelineAccount) {
  const { project, region } = config;
  const A = config.sourceAccount.accountId;
  const B = account.accountId;
  const ref = (p: PipelineConfig) => ({ project, name: p.name });
  const bucket = naming.artifactBucketName(project, B, region);
  const key = world.artifactKeys.get(B);
  if (!key) throw new Error(`no artifact key for ${account.stack}`);
  // CodePipeline's key layout: <first 20 characters of the pipeline name>/<artifact>/<object>.
  const artifact = (p: PipelineConfig) => `${naming.bucketArn(bucket)}/${naming.artifactPrefix(ref(p))}/image/Xy12AbC`;
  const L = account.label;
  return {
    A,
    B,
    L,
    key,
    bucket,
    artifact,
    sourceRole: (p: PipelineConfig) => naming.roleArn(A, naming.sourceAccessRoleName(ref(p))),
    serviceRole: (p: PipelineConfig) => naming.roleArn(B, naming.pipelineServiceRoleName(ref(p))),
    starter: (p: PipelineConfig) => naming.roleArn(B, naming.startPipelineRoleName(ref(p))),
    codebuild: (p: PipelineConfig) => naming.roleArn(B, naming.imageDefinitionsRoleName(ref(p))),
    pipelineArn: (p: PipelineConfig) => naming.pipelineArn(region, B, ref(p)),
    bus: naming.eventBusArn(region, B, naming.pushEventBusName(project)),
    // An upload as S3 makes it for the ECR action: TLS, SSE-KMS with the artifact key.
    upload: { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key },
    // What KMS sees when S3 calls it for an upload or download on the caller's behalf.
    viaS3: (caller: string) => ({
      "kms:ViaService": `s3.${region}.amazonaws.com`,
      "kms:ResourceAliases": [naming.artifactKeyAliasName(project)],
      "kms:CallerAccount": caller,
    }),
    grant: (forAwsResource: boolean) => ({ "kms:GrantIsForAWSResource": String(forAwsResource), "kms:CallerAccount": B }),
  };
}

export function accessCases(config: Config, world: World): AccessCase[] {
  const accounts = pipelineAccounts(config);
  const cases = accounts.flatMap((account) => accountCases(config, world, account));
  // Pipeline accounts stay apart: each against the next one (the last against the first).
  if (accounts.length > 1) {
    accounts.forEach((x, i) => cases.push(...isolationCases(config, world, x, accounts[(i + 1) % accounts.length])));
  }
  return cases;
}

/** The chain of one pipeline account, what must stay false in it, and its pipelines kept apart. */
function accountCases(config: Config, world: World, account: PipelineAccount): AccessCase[] {
  const { region } = config;
  const t = accountTerms(config, world, account);
  const { A, B, L, key } = t;
  const repository = (p: PipelineConfig) => naming.repositoryArn(region, A, p.repository.name);
  const pipelines = account.pipelines;
  const [p, other] = pipelines;
  const cases: AccessCase[] = [
    // No aws:SourceAccount: no AWS page says CodePipeline sends it when it assumes its service role.
    { row: "1", who: `CodePipeline, for account ${L}`, principal: "codepipeline.amazonaws.com", action: "sts:AssumeRole", on: `${p.name} service role (${L})`, resource: t.serviceRole(p), expect: "allowed" },
    { row: "2", who: `${p.name} service role (${L})`, principal: t.serviceRole(p), action: "sts:AssumeRole", on: `${p.name} source-access role (A)`, resource: t.sourceRole(p), expect: "allowed" },
    { row: "3", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "ecr:DescribeImages", on: `${p.name} repository (A)`, resource: repository(p), expect: "allowed" },
    { row: "4", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), TLS + SSE-KMS`, resource: t.artifact(p), expect: "allowed", context: t.upload },
    { row: "5", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "kms:GenerateDataKey", on: `artifact key (${L}), through S3 for its artifacts`, resource: key, expect: "allowed", context: t.viaS3(A) },
    { row: "6", who: `a role in ${L} with pull rights (e.g. ECS task execution)`, principal: naming.roleArn(B, "ecs-task-execution"), action: "ecr:BatchGetImage", on: `${p.name} repository (A)`, resource: repository(p), expect: "allowed", identity: allow(ECR_PULL, repository(p)) },
    { row: "6", who: `a role in ${L} with pull rights (e.g. ECS task execution)`, principal: naming.roleArn(B, "ecs-task-execution"), action: "ecr:GetDownloadUrlForLayer", on: `${p.name} repository (A)`, resource: repository(p), expect: "allowed", identity: allow(ECR_PULL, repository(p)) },
    { row: "7", who: `${p.name} service role (${L}), if its policy allowed grants`, principal: t.serviceRole(p), action: "kms:CreateGrant", on: `artifact key (${L}), for an AWS resource`, resource: key, expect: "allowed", context: t.grant(true), identity: allow(["kms:CreateGrant"], key) },
    { row: "+", who: `${p.name} service role (${L})`, principal: t.serviceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), TLS + SSE-KMS`, resource: t.artifact(p), expect: "allowed", context: t.upload },
    { row: "+", who: `${p.name} service role (${L})`, principal: t.serviceRole(p), action: "kms:Decrypt", on: `artifact key (${L})`, resource: key, expect: "allowed", context: t.viaS3(B) },

    { row: "never", who: "an administrator of a third account", principal: naming.roleArn(THIRD_ACCOUNT, "admin"), action: "sts:AssumeRole", on: `${p.name} source-access role (A)`, resource: t.sourceRole(p), expect: "denied", identity: EVERYTHING },
    { row: "never", who: `another role in ${L} (an administrator)`, principal: naming.roleArn(B, "admin"), action: "sts:AssumeRole", on: `${p.name} source-access role (A)`, resource: t.sourceRole(p), expect: "denied", identity: EVERYTHING },
    { row: "never", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "s3:GetObject", on: `${p.name} artifacts (${L}): the action only writes`, resource: t.artifact(p), expect: "denied" },
    { row: "never", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "kms:Decrypt", on: `artifact key (${L}): the action only writes`, resource: key, expect: "denied", context: t.viaS3(A) },
    { row: "never", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "ecr:PutImage", on: `${p.name} repository (A)`, resource: repository(p), expect: "denied" },
    { row: "never", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "ecr:DescribeImages", on: "another repository (A)", resource: naming.repositoryArn(region, A, "unrelated"), expect: "denied" },
    { row: "never", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "kms:GenerateDataKey", on: `another key (${L})`, resource: `arn:aws:kms:${region}:${B}:key/00000000-0000-0000-0000-000000000000`, expect: "denied", context: { ...t.viaS3(A), "kms:ResourceAliases": ["alias/other"] } },
    { row: "never", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "kms:GenerateDataKey", on: `artifact key (${L}), called directly, not through S3`, resource: key, expect: "denied", context: { "kms:CallerAccount": A } },
    { row: "never", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "s3:PutObject", on: `another bucket (${L})`, resource: `arn:aws:s3:::unrelated-${B}/${naming.artifactPrefix({ project: config.project, name: p.name })}/image/Xy12AbC`, expect: "denied", context: t.upload, resourceAccount: B },
    { row: "never", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), over plain HTTP`, resource: t.artifact(p), expect: "denied", context: { ...t.upload, "aws:SecureTransport": "false" } },
    { row: "never", who: `${p.name} source-access role (A)`, principal: t.sourceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), SSE-S3 instead of SSE-KMS`, resource: t.artifact(p), expect: "denied", context: { "s3:x-amz-server-side-encryption": "AES256" } },
    { row: "never", who: `${p.name} source-access role (A), had A widened its policy to s3:*`, principal: t.sourceRole(p), action: "s3:PutObject", on: `outside its prefix in the artifact bucket (${L})`, resource: `${naming.bucketArn(t.bucket)}/elsewhere/Xy12AbC`, expect: "denied", context: t.upload, identity: EVERYTHING },
    { row: "never", who: `${p.name} service role (${L})`, principal: t.serviceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), no encryption header`, resource: t.artifact(p), expect: "denied" },
    { row: "never", who: `${p.name} service role (${L}), if its policy allowed grants`, principal: t.serviceRole(p), action: "kms:CreateGrant", on: `artifact key (${L}), not for an AWS resource`, resource: key, expect: "denied", context: t.grant(false), identity: allow(["kms:CreateGrant"], key) },
    { row: "never", who: `another role in ${L} (an administrator)`, principal: naming.roleArn(B, "admin"), action: "kms:Decrypt", on: `artifact key (${L})`, resource: key, expect: "denied", identity: EVERYTHING, context: t.viaS3(B) },
    { row: "never", who: `another role in ${L} (an administrator)`, principal: naming.roleArn(B, "admin"), action: "ecr:BatchDeleteImage", on: `${p.name} repository (A)`, resource: repository(p), expect: "denied", identity: EVERYTHING },
  ];
  // Pipelines stay apart: each against the next one of the account (the last against the first).
  pipelines.forEach((x, i) => {
    const y = pipelines[(i + 1) % pipelines.length];
    if (y === x) return;
    cases.push(
      { row: "never", who: `${y.name} service role (${L})`, principal: t.serviceRole(y), action: "sts:AssumeRole", on: `${x.name} source-access role (A)`, resource: t.sourceRole(x), expect: "denied" },
      { row: "never", who: `${x.name} source-access role (A)`, principal: t.sourceRole(x), action: "ecr:DescribeImages", on: `${y.name} repository (A)`, resource: repository(y), expect: "denied" },
      { row: "never", who: `${x.name} source-access role (A), had A widened its policy to s3:*`, principal: t.sourceRole(x), action: "s3:PutObject", on: `${y.name} artifacts (${L})`, resource: t.artifact(y), expect: "denied", context: t.upload, identity: EVERYTHING },
      { row: "never", who: `${x.name} service role (${L})`, principal: t.serviceRole(x), action: "s3:GetObject", on: `${y.name} artifacts (${L})`, resource: t.artifact(y), expect: "denied" },
    );
  });

  const pushed = pipelines.find((x) => x.trigger === "push");
  if (pushed) {
    const forwarder = naming.roleArn(A, naming.pushForwarderRoleName(config.project));
    const notPushed = pipelines.find((x) => x !== pushed);
    cases.push(
      { row: "8", who: "EventBridge, for account A", principal: "events.amazonaws.com", action: "sts:AssumeRole", on: "push forwarder role (A)", resource: forwarder, expect: "allowed", context: { "aws:SourceAccount": A } },
      { row: "8", who: "push forwarder role (A)", principal: forwarder, action: "events:PutEvents", on: `the project's push bus (${L})`, resource: t.bus, expect: "allowed" },
      { row: "8", who: `EventBridge, for account ${L}`, principal: "events.amazonaws.com", action: "sts:AssumeRole", on: `${pushed.name} start role (${L})`, resource: t.starter(pushed), expect: "allowed", context: { "aws:SourceAccount": B } },
      { row: "8", who: `${pushed.name} start role (${L})`, principal: t.starter(pushed), action: "codepipeline:StartPipelineExecution", on: `${pushed.name} pipeline (${L})`, resource: t.pipelineArn(pushed), expect: "allowed" },
      { row: "never", who: "EventBridge, for a third account", principal: "events.amazonaws.com", action: "sts:AssumeRole", on: "push forwarder role (A)", resource: forwarder, expect: "denied", context: { "aws:SourceAccount": THIRD_ACCOUNT } },
      { row: "never", who: "an administrator of a third account", principal: naming.roleArn(THIRD_ACCOUNT, "admin"), action: "events:PutEvents", on: `the project's push bus (${L})`, resource: t.bus, expect: "denied", identity: EVERYTHING },
      { row: "never", who: "another role in A (an administrator)", principal: naming.roleArn(A, "admin"), action: "events:PutEvents", on: `the project's push bus (${L})`, resource: t.bus, expect: "denied", identity: EVERYTHING },
      { row: "never", who: "push forwarder role (A)", principal: forwarder, action: "events:PutEvents", on: "a third account's bus", resource: naming.eventBusArn(region, THIRD_ACCOUNT, "default"), expect: "denied" },
      { row: "never", who: "push forwarder role (A)", principal: forwarder, action: "events:PutEvents", on: `the default bus (${L})`, resource: naming.eventBusArn(region, B, "default"), expect: "denied" },
      ...(notPushed
        ? [{ row: "never", who: `${pushed.name} start role (${L})`, principal: t.starter(pushed), action: "codepipeline:StartPipelineExecution", on: `${notPushed.name} pipeline (${L})`, resource: t.pipelineArn(notPushed), expect: "denied" as const }]
        : []),
    );
  }

  const ecs = pipelines.find((x) => x.deploy.type === "ecs");
  if (ecs && ecs.deploy.type === "ecs") {
    const { cluster, service, executionRoleName, grantExecutionRolePull } = ecs.deploy;
    const executionRole = naming.namedRoleArn(B, executionRoleName);
    const passTo = (passedTo: string) => ({ "iam:PassedToService": passedTo });
    const taskDefinition = `arn:aws:ecs:${region}:${B}:task-definition/${service}:7`;
    cases.push(
      { row: "+", who: `${ecs.name} service role (${L})`, principal: t.serviceRole(ecs), action: "codebuild:StartBuild", on: `${ecs.name} imagedefinitions project (${L})`, resource: naming.codebuildProjectArn(region, B, naming.imageDefinitionsProjectName({ project: config.project, name: ecs.name })), expect: "allowed" },
      { row: "+", who: `${ecs.name} service role (${L})`, principal: t.serviceRole(ecs), action: "ecs:UpdateService", on: `ECS service ${cluster}/${service} (${L})`, resource: naming.ecsServiceArn(region, B, cluster, service), expect: "allowed" },
      { row: "+", who: `${ecs.name} service role (${L})`, principal: t.serviceRole(ecs), action: "iam:PassRole", on: "the task execution role, to ECS tasks", resource: executionRole, expect: "allowed", context: passTo("ecs-tasks.amazonaws.com") },
      { row: "+", who: `${ecs.name} CodeBuild role (${L})`, principal: t.codebuild(ecs), action: "s3:PutObject", on: `${ecs.name} artifacts (${L}), TLS + SSE-KMS`, resource: t.artifact(ecs), expect: "allowed", context: t.upload },
      { row: "+", who: `${ecs.name} CodeBuild role (${L})`, principal: t.codebuild(ecs), action: "kms:GenerateDataKey", on: `artifact key (${L})`, resource: key, expect: "allowed", context: t.viaS3(B) },
      { row: "+", who: `${ecs.name} service role (${L})`, principal: t.serviceRole(ecs), action: "ecs:TagResource", on: "the task definition it registers", resource: taskDefinition, expect: "allowed", context: { "ecs:CreateAction": "RegisterTaskDefinition" } },
      { row: "never", who: `${ecs.name} service role (${L})`, principal: t.serviceRole(ecs), action: "ecs:TagResource", on: "an existing task definition", resource: taskDefinition, expect: "denied" },
      { row: "never", who: `${ecs.name} service role (${L})`, principal: t.serviceRole(ecs), action: "iam:PassRole", on: "the task execution role, to EC2", resource: executionRole, expect: "denied", context: passTo("ec2.amazonaws.com") },
      { row: "never", who: `${ecs.name} service role (${L})`, principal: t.serviceRole(ecs), action: "iam:PassRole", on: `another role (${L}), to ECS tasks`, resource: naming.roleArn(B, "admin"), expect: "denied", context: passTo("ecs-tasks.amazonaws.com") },
      { row: "never", who: `${ecs.name} service role (${L})`, principal: t.serviceRole(ecs), action: "ecs:UpdateService", on: `another ECS service (${L})`, resource: naming.ecsServiceArn(region, B, cluster, `${service}-other`), expect: "denied" },
      { row: "never", who: `${ecs.name} CodeBuild role (${L})`, principal: t.codebuild(ecs), action: "s3:GetObject", on: other ? `${other.name} artifacts (${L})` : `another prefix (${L})`, resource: other ? t.artifact(other) : `${naming.bucketArn(t.bucket)}/other/x`, expect: "denied" },
    );
    if (grantExecutionRolePull) {
      cases.push({ row: "6", who: `${ecs.name} task execution role (${L})`, principal: executionRole, action: "ecr:BatchGetImage", on: `${ecs.name} repository (A)`, resource: repository(ecs), expect: "allowed" });
    }
  }
  return cases;
}

/** Nothing of pipeline account `y` reaches pipeline account `x`'s key, bucket, pipelines or source-access roles. */
function isolationCases(config: Config, world: World, x: PipelineAccount, y: PipelineAccount): AccessCase[] {
  const tx = accountTerms(config, world, x);
  const ty = accountTerms(config, world, y);
  const [px] = x.pipelines;
  const [py] = y.pipelines;
  const admin = naming.roleArn(ty.B, "admin");
  const cases: AccessCase[] = [
    { row: "never", who: `${py.name} service role (${ty.L})`, principal: ty.serviceRole(py), action: "sts:AssumeRole", on: `${px.name} source-access role (A)`, resource: tx.sourceRole(px), expect: "denied" },
    { row: "never", who: `${py.name} service role (${ty.L})`, principal: ty.serviceRole(py), action: "s3:GetObject", on: `${px.name} artifacts (${tx.L})`, resource: tx.artifact(px), expect: "denied" },
    { row: "never", who: `${py.name} service role (${ty.L})`, principal: ty.serviceRole(py), action: "kms:Decrypt", on: `artifact key (${tx.L})`, resource: tx.key, expect: "denied", context: tx.viaS3(ty.B) },
    { row: "never", who: `${py.name} source-access role (A)`, principal: ty.sourceRole(py), action: "s3:PutObject", on: `its own prefix in ${tx.L}'s artifact bucket`, resource: `${naming.bucketArn(tx.bucket)}/${naming.artifactPrefix({ project: config.project, name: py.name })}/image/Xy12AbC`, expect: "denied", context: tx.upload },
    { row: "never", who: `${py.name} source-access role (A)`, principal: ty.sourceRole(py), action: "kms:GenerateDataKey", on: `artifact key (${tx.L})`, resource: tx.key, expect: "denied", context: tx.viaS3(config.sourceAccount.accountId) },
    { row: "never", who: `an administrator of ${ty.L}`, principal: admin, action: "sts:AssumeRole", on: `${px.name} source-access role (A)`, resource: tx.sourceRole(px), expect: "denied", identity: EVERYTHING },
    { row: "never", who: `an administrator of ${ty.L}`, principal: admin, action: "kms:Decrypt", on: `artifact key (${tx.L})`, resource: tx.key, expect: "denied", identity: EVERYTHING, context: tx.viaS3(ty.B) },
    { row: "never", who: `an administrator of ${ty.L}`, principal: admin, action: "s3:GetObject", on: `${px.name} artifacts (${tx.L})`, resource: tx.artifact(px), expect: "denied", identity: EVERYTHING },
    { row: "never", who: `an administrator of ${ty.L}`, principal: admin, action: "codepipeline:StartPipelineExecution", on: `${px.name} pipeline (${tx.L})`, resource: tx.pipelineArn(px), expect: "denied", identity: EVERYTHING },
  ];
  const pushedY = y.pipelines.find((p) => p.trigger === "push");
  const pushedX = x.pipelines.find((p) => p.trigger === "push");
  if (pushedY && pushedX) {
    cases.push(
      { row: "never", who: `${pushedY.name} start role (${ty.L})`, principal: ty.starter(pushedY), action: "codepipeline:StartPipelineExecution", on: `${pushedX.name} pipeline (${tx.L})`, resource: tx.pipelineArn(pushedX), expect: "denied" },
      { row: "never", who: `an administrator of ${ty.L}`, principal: admin, action: "events:PutEvents", on: `the project's push bus (${tx.L})`, resource: tx.bus, expect: "denied", identity: EVERYTHING },
    );
  }
  return cases;
}
