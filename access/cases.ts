/**
 * Who may do what, and who may not: the permission chain of DESIGN.md as requests, each with the
 * outcome AWS must give. Principals and resources are named from the config; the policies that
 * decide come from the rendered stacks (see world.ts), never from here.
 *
 * Every pipeline of every account gets its whole chain and everything that must stay false for
 * it: the same code makes every pipeline's policies, but each pipeline has its own statements (a
 * bucket policy statement, a key policy's list of roles, a trust policy), and a statement that
 * names the wrong pipeline shows only in that pipeline's requests. Pipelines are kept apart each
 * against the next one of its account, and accounts each against the next account.
 */
import { type PipelineAccount, pipelineAccounts } from "../config/accounts";
import type { Config, PipelineConfig } from "../config/schema";
import * as naming from "../lib/naming";
import { ECR_PULL } from "../lib/perms";
import type { PolicyDocument, World } from "./world";

export type Expectation = "allowed" | "denied";

export interface AccessCase {
  /** The permission-chain row it proves (docs/security-model.md, "The permission chain"), "+" for another hop, "never" for what must stay false. */
  readonly row: string;
  /** The part of the setup it proves, for reports that group requests: a pipeline, an account, two kept apart. */
  readonly group?: string;
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

type Case = Omit<AccessCase, "group">;

// An account no example config uses (333333333333 is the two-account example's prod).
const THIRD_ACCOUNT = "999999999999";

function allow(actions: readonly string[], resource: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...actions], Resource: resource }] };
}

/** An administrator: its own policy allows everything, so only the resource side can stop it. */
const EVERYTHING = allow(["*"], "*");

function inGroup(group: string, cases: readonly Case[]): AccessCase[] {
  return cases.map((c) => ({ ...c, group }));
}

/** How reports title the requests of one pipeline. */
export function pipelineGroup(pipeline: string, accountLabel: string): string {
  return `Pipeline ${pipeline}, in account ${accountLabel}`;
}

/** Names, ARNs and request contexts of one pipeline account's side of the chain. */
function accountTerms(config: Config, world: World, account: PipelineAccount) {
  const { project, region } = config;
  const A = config.sourceAccount.accountId;
  const B = account.accountId;
  const ref = (p: PipelineConfig) => ({ project, name: p.name });
  const bucket = naming.artifactBucketName(project, B, region);
  const key = world.artifactKeys.get(B);
  if (!key) throw new Error(`no artifact key for ${account.stack}`);
  const L = account.label;
  return {
    A,
    B,
    L,
    key,
    bucket,
    artifact: (p: PipelineConfig) => artifactObjectArn(bucket, naming.pipelineName(ref(p))),
    repository: (p: PipelineConfig) => naming.repositoryArn(region, A, p.repository.name),
    sourceRole: (p: PipelineConfig) => naming.roleArn(A, naming.sourceAccessRoleName(ref(p))),
    serviceRole: (p: PipelineConfig) => naming.roleArn(B, naming.pipelineServiceRoleName(ref(p))),
    starter: (p: PipelineConfig) => naming.roleArn(B, naming.startPipelineRoleName(ref(p))),
    codebuild: (p: PipelineConfig) => naming.roleArn(B, naming.imageDefinitionsRoleName(ref(p))),
    pipelineArn: (p: PipelineConfig) => naming.pipelineArn(region, B, ref(p)),
    bus: naming.eventBusArn(region, B, naming.pushEventBusName(project)),
    // An upload as S3 makes it for the ECR action: TLS, SSE-KMS with the artifact key.
    upload: uploadContext(key),
    viaS3: viaS3(region, aliasesOf(world, key, project)),
    grant: (forAwsResource: boolean) => ({ "kms:GrantIsForAWSResource": String(forAwsResource), "kms:CallerAccount": B }),
  };
}

type Terms = ReturnType<typeof accountTerms>;

/** An object the pipeline's Source action writes, in CodePipeline's layout: <first 20 characters of the pipeline name>/<artifact>/<object>. */
export function artifactObjectArn(bucket: string, pipelineName: string): string {
  return `${naming.bucketArn(bucket)}/${pipelineName.slice(0, naming.ARTIFACT_PREFIX_LENGTH)}/image/Xy12AbC`;
}

function uploadContext(key: string) {
  return { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key };
}

/** A KMS key's aliases (`alias/...`), as `kms:ResourceAliases` carries them. */
function aliasesOf(world: World, key: string, project: string): readonly string[] {
  // The rendered world does not resolve aliases: there the key carries the alias the stack gives it.
  return world.keyAliases?.get(key) ?? [naming.artifactKeyAliasName(project)];
}

/** What KMS sees when S3 calls it for an upload or download on the caller's behalf. */
function viaS3(region: string, aliases: readonly string[]) {
  return (caller: string) => ({
    "kms:ViaService": `s3.${region}.amazonaws.com`,
    "kms:ResourceAliases": [...aliases],
    "kms:CallerAccount": caller,
  });
}

/**
 * One pipeline's source chain by the ARNs it actually uses: from the config's names (verify:access,
 * doctor), or from a live pipeline's definition (doctor, for pipelines this app did not create).
 */
export interface PipelineChain {
  /** The pipeline's name as reports show it. */
  readonly pipeline: string;
  /** How reports name the pipeline account ("B", or the config's key). */
  readonly L: string;
  readonly A: string;
  readonly B: string;
  readonly serviceRole: string;
  /** The role the ECR source action runs as. */
  readonly sourceRole: string;
  /** How reports name that role; default "<pipeline> source-access role (A)". */
  readonly sourceRoleLabel?: string;
  readonly repository: string;
  /** An object ARN under the pipeline's artifact prefix. */
  readonly artifact: string;
  readonly key: string;
  /** `kms:ResourceAliases` of the key: every alias it has. */
  readonly keyAliases: readonly string[];
  readonly region: string;
}

/** Rows 1 to 6 of the permission chain for one pipeline: what its Source stage needs, and what its deployment pulls. */
export function chainCases(c: PipelineChain): AccessCase[] {
  const { pipeline: name, L, A, B, key, repository } = c;
  const source = c.sourceRoleLabel ?? `${name} source-access role (A)`;
  const upload = uploadContext(key);
  const throughS3 = viaS3(c.region, c.keyAliases)(A);
  const puller = naming.roleArn(B, "ecs-task-execution");
  return inGroup(pipelineGroup(name, L), [
    // No aws:SourceAccount: no AWS page says CodePipeline sends it when it assumes its service role.
    { row: "1", who: `CodePipeline, for account ${L}`, principal: "codepipeline.amazonaws.com", action: "sts:AssumeRole", on: `${name} service role (${L})`, resource: c.serviceRole, expect: "allowed" },
    { row: "2", who: `${name} service role (${L})`, principal: c.serviceRole, action: "sts:AssumeRole", on: source, resource: c.sourceRole, expect: "allowed" },
    { row: "3", who: source, principal: c.sourceRole, action: "ecr:DescribeImages", on: `${name} repository (A)`, resource: repository, expect: "allowed" },
    { row: "4", who: source, principal: c.sourceRole, action: "s3:PutObject", on: `${name} artifacts (${L}), TLS + SSE-KMS`, resource: c.artifact, expect: "allowed", context: upload },
    { row: "4", who: source, principal: c.sourceRole, action: "s3:AbortMultipartUpload", on: `${name} artifacts (${L}), an upload in parts it gives up`, resource: c.artifact, expect: "allowed" },
    // A part of a multipart upload carries no encryption header (UploadPart takes none): not
    // denied; the object gets the bucket's default encryption, SSE-KMS with the artifact key.
    { row: "4", who: source, principal: c.sourceRole, action: "s3:PutObject", on: `${name} artifacts (${L}), a part of an upload (no encryption header)`, resource: c.artifact, expect: "allowed" },
    { row: "5", who: source, principal: c.sourceRole, action: "kms:GenerateDataKey", on: `artifact key (${L}), through S3 for its artifacts`, resource: key, expect: "allowed", context: throughS3 },
    { row: "5", who: source, principal: c.sourceRole, action: "kms:Decrypt", on: `artifact key (${L}), through S3 for an upload in parts`, resource: key, expect: "allowed", context: throughS3 },
    { row: "6", who: `a role in ${L} with pull rights (e.g. ECS task execution)`, principal: puller, action: "ecr:BatchGetImage", on: `${name} repository (A)`, resource: repository, expect: "allowed", identity: allow(ECR_PULL, repository) },
    { row: "6", who: `a role in ${L} with pull rights (e.g. ECS task execution)`, principal: puller, action: "ecr:GetDownloadUrlForLayer", on: `${name} repository (A)`, resource: repository, expect: "allowed", identity: allow(ECR_PULL, repository) },
  ]);
}

export function accessCases(config: Config, world: World): AccessCase[] {
  const accounts = pipelineAccounts(config);
  const terms = new Map(accounts.map((a) => [a, accountTerms(config, world, a)]));
  const cases: AccessCase[] = [
    ...accounts.flatMap((account) => account.pipelines.flatMap((p) => pipelineCases(config, world, terms.get(account)!, p))),
    ...accounts.flatMap((account) => accountCases(config, terms.get(account)!, account)),
    ...forwarderCases(config),
    ...accounts.flatMap((account) => pipelinesApart(terms.get(account)!, account)),
  ];
  // Pipeline accounts stay apart: each against the next one (the last against the first).
  if (accounts.length > 1) {
    accounts.forEach((x, i) => {
      const y = accounts[(i + 1) % accounts.length];
      cases.push(...accountsApart(config, terms.get(x)!, x, terms.get(y)!, y));
    });
  }
  return cases;
}

/** One pipeline's chain, its deployment and push start, and what must stay false for it. */
function pipelineCases(config: Config, world: World, t: Terms, p: PipelineConfig): AccessCase[] {
  const { region } = config;
  const { A, B, L, key } = t;
  const source = `${p.name} source-access role (A)`;
  const service = `${p.name} service role (${L})`;
  const cases: Case[] = [
    { row: "7", who: `${service}, if its policy allowed grants`, principal: t.serviceRole(p), action: "kms:CreateGrant", on: `artifact key (${L}), for an AWS resource`, resource: key, expect: "allowed", context: t.grant(true), identity: allow(["kms:CreateGrant"], key) },
    { row: "+", who: service, principal: t.serviceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), TLS + SSE-KMS`, resource: t.artifact(p), expect: "allowed", context: t.upload },
    { row: "+", who: service, principal: t.serviceRole(p), action: "kms:Decrypt", on: `artifact key (${L})`, resource: key, expect: "allowed", context: t.viaS3(B) },

    { row: "never", who: "an administrator of a third account", principal: naming.roleArn(THIRD_ACCOUNT, "admin"), action: "sts:AssumeRole", on: source, resource: t.sourceRole(p), expect: "denied", identity: EVERYTHING },
    { row: "never", who: `another role in ${L} (an administrator)`, principal: naming.roleArn(B, "admin"), action: "sts:AssumeRole", on: source, resource: t.sourceRole(p), expect: "denied", identity: EVERYTHING },
    { row: "never", who: source, principal: t.sourceRole(p), action: "s3:GetObject", on: `${p.name} artifacts (${L}): the action only writes`, resource: t.artifact(p), expect: "denied" },
    // Decrypt through S3 serves an upload in parts; it reads nothing back, as B's bucket policy grants A no reads.
    { row: "never", who: `${source}, had A widened its policy to s3:*`, principal: t.sourceRole(p), action: "s3:GetObject", on: `${p.name} artifacts (${L}): ${L}'s bucket policy grants no reads`, resource: t.artifact(p), expect: "denied", identity: EVERYTHING },
    { row: "never", who: source, principal: t.sourceRole(p), action: "kms:Decrypt", on: `artifact key (${L}), called directly, not through S3`, resource: key, expect: "denied", context: { "kms:CallerAccount": A } },
    { row: "never", who: source, principal: t.sourceRole(p), action: "ecr:PutImage", on: `${p.name} repository (A)`, resource: t.repository(p), expect: "denied" },
    { row: "never", who: source, principal: t.sourceRole(p), action: "ecr:DescribeImages", on: "another repository (A)", resource: naming.repositoryArn(region, A, "unrelated"), expect: "denied" },
    { row: "never", who: source, principal: t.sourceRole(p), action: "kms:GenerateDataKey", on: `another key (${L})`, resource: `arn:aws:kms:${region}:${B}:key/00000000-0000-0000-0000-000000000000`, expect: "denied", context: { ...t.viaS3(A), "kms:ResourceAliases": ["alias/other"] } },
    { row: "never", who: source, principal: t.sourceRole(p), action: "kms:GenerateDataKey", on: `artifact key (${L}), called directly, not through S3`, resource: key, expect: "denied", context: { "kms:CallerAccount": A } },
    { row: "never", who: source, principal: t.sourceRole(p), action: "s3:PutObject", on: `another bucket (${L})`, resource: `arn:aws:s3:::unrelated-${B}/${naming.artifactPrefix({ project: config.project, name: p.name })}/image/Xy12AbC`, expect: "denied", context: t.upload, resourceAccount: B },
    { row: "never", who: source, principal: t.sourceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), over plain HTTP`, resource: t.artifact(p), expect: "denied", context: { ...t.upload, "aws:SecureTransport": "false" } },
    { row: "never", who: source, principal: t.sourceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), SSE-S3 instead of SSE-KMS`, resource: t.artifact(p), expect: "denied", context: { "s3:x-amz-server-side-encryption": "AES256" } },
    { row: "never", who: `${source}, had A widened its policy to s3:*`, principal: t.sourceRole(p), action: "s3:PutObject", on: `outside its prefix in the artifact bucket (${L})`, resource: `${naming.bucketArn(t.bucket)}/elsewhere/Xy12AbC`, expect: "denied", context: t.upload, identity: EVERYTHING },
    { row: "never", who: service, principal: t.serviceRole(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), SSE-S3 instead of SSE-KMS`, resource: t.artifact(p), expect: "denied", context: { "s3:x-amz-server-side-encryption": "AES256" } },
    { row: "never", who: `${service}, if its policy allowed grants`, principal: t.serviceRole(p), action: "kms:CreateGrant", on: `artifact key (${L}), not for an AWS resource`, resource: key, expect: "denied", context: t.grant(false), identity: allow(["kms:CreateGrant"], key) },
    { row: "never", who: `another role in ${L} (an administrator)`, principal: naming.roleArn(B, "admin"), action: "ecr:BatchDeleteImage", on: `${p.name} repository (A)`, resource: t.repository(p), expect: "denied", identity: EVERYTHING },
  ];

  if (p.trigger === "push") {
    cases.push(
      { row: "8", who: `EventBridge, for account ${L}`, principal: "events.amazonaws.com", action: "sts:AssumeRole", on: `${p.name} start role (${L})`, resource: t.starter(p), expect: "allowed", context: { "aws:SourceAccount": B } },
      { row: "8", who: `${p.name} start role (${L})`, principal: t.starter(p), action: "codepipeline:StartPipelineExecution", on: `${p.name} pipeline (${L})`, resource: t.pipelineArn(p), expect: "allowed" },
    );
  }

  if (p.deploy.type === "ecs") {
    const { cluster, service: ecsService, executionRoleName, taskRoleName, grantExecutionRolePull } = p.deploy;
    const executionRole = naming.namedRoleArn(B, executionRoleName);
    const passTo = (passedTo: string) => ({ "iam:PassedToService": passedTo });
    const taskDefinition = `arn:aws:ecs:${region}:${B}:task-definition/${ecsService}:7`;
    const codebuild = `${p.name} CodeBuild role (${L})`;
    cases.push(
      { row: "+", who: service, principal: t.serviceRole(p), action: "codebuild:StartBuild", on: `${p.name} imagedefinitions project (${L})`, resource: naming.codebuildProjectArn(region, B, naming.imageDefinitionsProjectName({ project: config.project, name: p.name })), expect: "allowed" },
      { row: "+", who: service, principal: t.serviceRole(p), action: "ecs:UpdateService", on: `ECS service ${cluster}/${ecsService} (${L})`, resource: naming.ecsServiceArn(region, B, cluster, ecsService), expect: "allowed" },
      { row: "+", who: service, principal: t.serviceRole(p), action: "iam:PassRole", on: `the task execution role ${naming.roleNameOf(executionRoleName)}, to ECS tasks`, resource: executionRole, expect: "allowed", context: passTo("ecs-tasks.amazonaws.com") },
      ...(taskRoleName
        ? [{ row: "+", who: service, principal: t.serviceRole(p), action: "iam:PassRole", on: `the task role ${naming.roleNameOf(taskRoleName)}, to ECS tasks`, resource: naming.namedRoleArn(B, taskRoleName), expect: "allowed" as const, context: passTo("ecs-tasks.amazonaws.com") }]
        : []),
      { row: "+", who: codebuild, principal: t.codebuild(p), action: "s3:PutObject", on: `${p.name} artifacts (${L}), TLS + SSE-KMS`, resource: t.artifact(p), expect: "allowed", context: t.upload },
      { row: "+", who: codebuild, principal: t.codebuild(p), action: "kms:GenerateDataKey", on: `artifact key (${L})`, resource: key, expect: "allowed", context: t.viaS3(B) },
      { row: "+", who: service, principal: t.serviceRole(p), action: "ecs:TagResource", on: "the task definition it registers", resource: taskDefinition, expect: "allowed", context: { "ecs:CreateAction": "RegisterTaskDefinition" } },
      { row: "never", who: service, principal: t.serviceRole(p), action: "ecs:TagResource", on: "an existing task definition", resource: taskDefinition, expect: "denied" },
      { row: "never", who: service, principal: t.serviceRole(p), action: "iam:PassRole", on: `the task execution role ${naming.roleNameOf(executionRoleName)}, to EC2`, resource: executionRole, expect: "denied", context: passTo("ec2.amazonaws.com") },
      { row: "never", who: service, principal: t.serviceRole(p), action: "iam:PassRole", on: `another role (${L}), to ECS tasks`, resource: naming.roleArn(B, "admin"), expect: "denied", context: passTo("ecs-tasks.amazonaws.com") },
      { row: "never", who: service, principal: t.serviceRole(p), action: "ecs:UpdateService", on: `another ECS service (${L})`, resource: naming.ecsServiceArn(region, B, cluster, `${ecsService}-other`), expect: "denied" },
      { row: "never", who: codebuild, principal: t.codebuild(p), action: "s3:GetObject", on: `outside its prefix in the artifact bucket (${L})`, resource: `${naming.bucketArn(t.bucket)}/elsewhere/Xy12AbC`, expect: "denied" },
    );
    if (grantExecutionRolePull) {
      cases.push({ row: "6", who: `${p.name} task execution role ${naming.roleNameOf(executionRoleName)} (${L})`, principal: executionRole, action: "ecr:BatchGetImage", on: `${p.name} repository (A)`, resource: t.repository(p), expect: "allowed" });
    }
  }
  // What the pipeline needs first, then what must stay false for it (a stable sort keeps each in order).
  return [
    ...chainCases({
      pipeline: p.name,
      L,
      A,
      B,
      serviceRole: t.serviceRole(p),
      sourceRole: t.sourceRole(p),
      repository: t.repository(p),
      artifact: t.artifact(p),
      key,
      keyAliases: aliasesOf(world, key, config.project),
      region,
    }),
    ...inGroup(pipelineGroup(p.name, L), cases),
  ].sort((a, b) => Number(a.expect === "denied") - Number(b.expect === "denied"));
}

/** What the pipelines of one account share (the key, the bucket, the push bus), and who else may not use it. */
function accountCases(config: Config, t: Terms, account: PipelineAccount): AccessCase[] {
  const { A, B, L, key } = t;
  const cases: Case[] = [
    { row: "never", who: `another role in ${L} (an administrator)`, principal: naming.roleArn(B, "admin"), action: "kms:Decrypt", on: `artifact key (${L})`, resource: key, expect: "denied", identity: EVERYTHING, context: t.viaS3(B) },
  ];
  if (account.pipelines.some((p) => p.trigger === "push")) {
    const forwarder = naming.roleArn(A, naming.pushForwarderRoleName(config.project));
    cases.push(
      { row: "8", who: "push forwarder role (A)", principal: forwarder, action: "events:PutEvents", on: `the project's push bus (${L})`, resource: t.bus, expect: "allowed" },
      { row: "never", who: "an administrator of a third account", principal: naming.roleArn(THIRD_ACCOUNT, "admin"), action: "events:PutEvents", on: `the project's push bus (${L})`, resource: t.bus, expect: "denied", identity: EVERYTHING },
      { row: "never", who: "another role in A (an administrator)", principal: naming.roleArn(A, "admin"), action: "events:PutEvents", on: `the project's push bus (${L})`, resource: t.bus, expect: "denied", identity: EVERYTHING },
      { row: "never", who: "push forwarder role (A)", principal: forwarder, action: "events:PutEvents", on: `the default bus (${L})`, resource: naming.eventBusArn(config.region, B, "default"), expect: "denied" },
    );
  }
  return inGroup(`Account ${L}: the key, bucket and push bus its pipelines share`, cases);
}

/** The source account's forwarder of pushes, if any pipeline starts on a push. */
function forwarderCases(config: Config): AccessCase[] {
  if (!config.pipelines.some((p) => p.trigger === "push")) return [];
  const A = config.sourceAccount.accountId;
  const forwarder = naming.roleArn(A, naming.pushForwarderRoleName(config.project));
  return inGroup("Source account A: forwarding pushes", [
    { row: "8", who: "EventBridge, for account A", principal: "events.amazonaws.com", action: "sts:AssumeRole", on: "push forwarder role (A)", resource: forwarder, expect: "allowed", context: { "aws:SourceAccount": A } },
    { row: "never", who: "EventBridge, for a third account", principal: "events.amazonaws.com", action: "sts:AssumeRole", on: "push forwarder role (A)", resource: forwarder, expect: "denied", context: { "aws:SourceAccount": THIRD_ACCOUNT } },
    { row: "never", who: "push forwarder role (A)", principal: forwarder, action: "events:PutEvents", on: "a third account's bus", resource: naming.eventBusArn(config.region, THIRD_ACCOUNT, "default"), expect: "denied" },
  ]);
}

/** Pipelines of one account stay apart: each against the next one of the account (the last against the first). */
function pipelinesApart(t: Terms, account: PipelineAccount): AccessCase[] {
  const { L } = t;
  const pipelines = account.pipelines;
  if (pipelines.length < 2) return [];
  const cases = pipelines.flatMap((x, i): Case[] => {
    const y = pipelines[(i + 1) % pipelines.length];
    const widened = `${x.name} source-access role (A), had A widened its policy to s3:*`;
    return [
      { row: "never", who: `${y.name} service role (${L})`, principal: t.serviceRole(y), action: "sts:AssumeRole", on: `${x.name} source-access role (A)`, resource: t.sourceRole(x), expect: "denied" },
      { row: "never", who: `${x.name} source-access role (A)`, principal: t.sourceRole(x), action: "ecr:DescribeImages", on: `${y.name} repository (A)`, resource: t.repository(y), expect: "denied" },
      { row: "never", who: widened, principal: t.sourceRole(x), action: "s3:PutObject", on: `${y.name} artifacts (${L})`, resource: t.artifact(y), expect: "denied", context: t.upload, identity: EVERYTHING },
      { row: "never", who: widened, principal: t.sourceRole(x), action: "s3:AbortMultipartUpload", on: `${y.name} artifacts (${L})`, resource: t.artifact(y), expect: "denied", identity: EVERYTHING },
      { row: "never", who: `${x.name} service role (${L})`, principal: t.serviceRole(x), action: "s3:GetObject", on: `${y.name} artifacts (${L})`, resource: t.artifact(y), expect: "denied" },
      ...(x.trigger === "push"
        ? [{ row: "never", who: `${x.name} start role (${L})`, principal: t.starter(x), action: "codepipeline:StartPipelineExecution", on: `${y.name} pipeline (${L})`, resource: t.pipelineArn(y), expect: "denied" as const }]
        : []),
      ...(x.deploy.type === "ecs"
        ? [{ row: "never", who: `${x.name} CodeBuild role (${L})`, principal: t.codebuild(x), action: "s3:GetObject", on: `${y.name} artifacts (${L})`, resource: t.artifact(y), expect: "denied" as const }]
        : []),
    ];
  });
  return inGroup(`Pipelines of account ${L} kept apart (each against the next)`, cases);
}

/**
 * Nothing of pipeline account `y` reaches pipeline account `x`'s key, bucket, pipelines or
 * source-access roles: every pipeline of each side, against a pipeline of the other.
 */
function accountsApart(config: Config, tx: Terms, x: PipelineAccount, ty: Terms, y: PipelineAccount): AccessCase[] {
  const admin = naming.roleArn(ty.B, "admin");
  const adminOfY = `an administrator of ${ty.L}`;
  const counterpart = (pipelines: readonly PipelineConfig[], i: number) => pipelines[i % pipelines.length];
  const cases: Case[] = [
    { row: "never", who: adminOfY, principal: admin, action: "kms:Decrypt", on: `artifact key (${tx.L})`, resource: tx.key, expect: "denied", identity: EVERYTHING, context: tx.viaS3(ty.B) },
  ];
  if (x.pipelines.some((p) => p.trigger === "push")) {
    cases.push({ row: "never", who: adminOfY, principal: admin, action: "events:PutEvents", on: `the project's push bus (${tx.L})`, resource: tx.bus, expect: "denied", identity: EVERYTHING });
  }
  y.pipelines.forEach((py, i) => {
    const px = counterpart(x.pipelines, i);
    cases.push(
      { row: "never", who: `${py.name} service role (${ty.L})`, principal: ty.serviceRole(py), action: "sts:AssumeRole", on: `${px.name} source-access role (A)`, resource: tx.sourceRole(px), expect: "denied" },
      { row: "never", who: `${py.name} service role (${ty.L})`, principal: ty.serviceRole(py), action: "s3:GetObject", on: `${px.name} artifacts (${tx.L})`, resource: tx.artifact(px), expect: "denied" },
      { row: "never", who: `${py.name} service role (${ty.L})`, principal: ty.serviceRole(py), action: "kms:Decrypt", on: `artifact key (${tx.L})`, resource: tx.key, expect: "denied", context: tx.viaS3(ty.B) },
      { row: "never", who: `${py.name} source-access role (A)`, principal: ty.sourceRole(py), action: "s3:PutObject", on: `its own prefix in ${tx.L}'s artifact bucket`, resource: `${naming.bucketArn(tx.bucket)}/${naming.artifactPrefix({ project: config.project, name: py.name })}/image/Xy12AbC`, expect: "denied", context: tx.upload },
      { row: "never", who: `${py.name} source-access role (A)`, principal: ty.sourceRole(py), action: "kms:GenerateDataKey", on: `artifact key (${tx.L})`, resource: tx.key, expect: "denied", context: tx.viaS3(ty.A) },
      { row: "never", who: `${py.name} source-access role (A)`, principal: ty.sourceRole(py), action: "kms:Decrypt", on: `artifact key (${tx.L})`, resource: tx.key, expect: "denied", context: tx.viaS3(ty.A) },
    );
    if (py.trigger === "push") {
      cases.push({ row: "never", who: `${py.name} start role (${ty.L})`, principal: ty.starter(py), action: "codepipeline:StartPipelineExecution", on: `${px.name} pipeline (${tx.L})`, resource: tx.pipelineArn(px), expect: "denied" });
    }
  });
  x.pipelines.forEach((px) => {
    cases.push(
      { row: "never", who: adminOfY, principal: admin, action: "sts:AssumeRole", on: `${px.name} source-access role (A)`, resource: tx.sourceRole(px), expect: "denied", identity: EVERYTHING },
      { row: "never", who: adminOfY, principal: admin, action: "s3:GetObject", on: `${px.name} artifacts (${tx.L})`, resource: tx.artifact(px), expect: "denied", identity: EVERYTHING },
      { row: "never", who: adminOfY, principal: admin, action: "codepipeline:StartPipelineExecution", on: `${px.name} pipeline (${tx.L})`, resource: tx.pipelineArn(px), expect: "denied", identity: EVERYTHING },
    );
  });
  return inGroup(`Account ${tx.L} kept from account ${ty.L}`, cases);
}
