/**
 * Reads what is deployed, read-only, and never throws for what it finds: each read ends as a value,
 * as "missing" (the resource or policy does not exist), or as a problem ("could not read", with the
 * IAM action the caller lacks). Only credentials that do not work at all stop the run.
 */
import { STATUS_CODES } from "http";
import { GetPipelineCommand, ListActionExecutionsCommand, ListPipelineExecutionsCommand } from "@aws-sdk/client-codepipeline";
import { GetRepositoryPolicyCommand } from "@aws-sdk/client-ecr";
import { DescribeEventBusCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyPolicyCommand, ListAliasesCommand } from "@aws-sdk/client-kms";
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { PolicyDocument } from "../access/world";
import { type AccountClients, failedCall } from "./clients";
import { actionFor } from "./permissions";
import { parsePolicyText, PolicyShapeError } from "./policy-text";

export interface ReadProblem {
  /** How reports name the account ("A", "B", a config key). */
  readonly account: string;
  /** What was read, e.g. "inline policy source-access of role demo-web-source-access". */
  readonly what: string;
  readonly state: "unreadable" | "invalid" | "failed";
  /** For "unreadable": the IAM action the caller lacks, and on what. */
  readonly needs?: string;
  readonly message: string;
}

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly missing: boolean; readonly problem?: ReadProblem };

/** Credentials that do not work at all: the run cannot go on (exit 1). */
export class CredentialsError extends Error {
  override name = "CredentialsError";
}

interface AwsError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Error names AWS APIs use for "you are not allowed": IAM/STS/S3 "AccessDenied", JSON services
 * "AccessDeniedException" (ECR, KMS, CodePipeline, EventBridge), and S3's bare 403.
 */
function isAccessDenied(e: AwsError): boolean {
  return /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError|Forbidden)$/.test(e.name ?? "") || e.$metadata?.httpStatusCode === 403;
}

/** Credentials AWS does not accept: expired, unknown, or none found by the SDK. */
export function isCredentialsFailure(e: AwsError): boolean {
  return /^(ExpiredToken|ExpiredTokenException|InvalidClientTokenId|UnrecognizedClientException|InvalidAccessKeyId|SignatureDoesNotMatch|CredentialsProviderError|TokenProviderError|RequestExpired)$/.test(
    e.name ?? "",
  );
}

/** What an HTTP status says about the server that sent it, when the body is not an AWS error. */
function statusMeaning(status: number, service: string): string {
  const setting = `AWS_ENDPOINT_URL_${service || "<SERVICE>"} or AWS_ENDPOINT_URL`;
  if (status === 404) return `nothing at that URL serves this API: check ${setting}`;
  if (status === 401 || status === 403 || status === 407) return `something in between (a proxy, a firewall) refused the request before AWS saw it; check ${setting} and the proxy settings`;
  if (status >= 500) return `the server there failed or could not pass the request on; if it is not AWS, check ${setting}`;
  return `the server there does not speak this AWS API; check ${setting}`;
}

/**
 * An AWS SDK error as one line. An HTTP answer that holds no AWS error (the SDK makes "NotFound:
 * Unknown" of a bare 404, or fails to parse an HTML page) is a wrong endpoint or something in
 * between, not AWS's verdict: it names the call, the URL and what the status means.
 */
export function awsErrorText(e: unknown): string {
  const err = e as AwsError;
  const status = err.$metadata?.httpStatusCode;
  const message = err.message ?? String(e);
  if (status !== undefined && (/^Unknown(Error)?$/.test(message) || /Deserialization error/.test(message))) {
    const call = failedCall(e);
    const what = call ? `${call.service} ${call.operation} to ${call.url}` : "the request";
    return `${what} got HTTP ${status} ${STATUS_CODES[status] ?? ""}`.trimEnd() + ` with no AWS error in it: ${statusMeaning(status, call?.service ?? "")}`;
  }
  return `${err.name ?? "Error"}: ${message}`;
}

/** A small gate: at most `n` reads in flight per account, so throttling stays rare. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>) => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export interface Target {
  readonly arn: string;
  readonly roleArn?: string;
}

export interface SourceAction {
  readonly stage: string;
  readonly action: string;
  readonly roleArn?: string;
  readonly repositoryName?: string;
  readonly imageTag?: string;
}

export interface LivePipeline {
  readonly name: string;
  readonly accountId: string;
  readonly roleArn?: string;
  readonly bucket?: string;
  /** The artifact store's key, as the pipeline names it (key ARN, key id or alias). */
  readonly keyId?: string;
  /** Its ECR source actions. */
  readonly sources: readonly SourceAction[];
}

export interface LastFailure {
  readonly executionId: string;
  readonly when?: string;
  readonly stage?: string;
  readonly action?: string;
  readonly message: string;
}

export interface LiveRole {
  readonly arn: string;
  readonly trustPolicy: PolicyDocument;
  readonly identityPolicies: { name: string; policy: PolicyDocument }[];
}

export interface LiveKey {
  readonly arn: string;
  readonly policy: Read<PolicyDocument>;
  readonly aliases: Read<string[]>;
}

export interface BucketEncryption {
  readonly algorithm?: string;
  readonly keyId?: string;
}

/** One account, with the clients of its credentials. */
export class AccountReader {
  readonly problems: ReadProblem[] = [];
  private readonly gate = limiter(4);

  constructor(
    readonly label: string,
    readonly accountId: string,
    readonly clients: AccountClients,
  ) {}

  /**
   * Runs one read. `missing` names the errors that mean "does not exist"; anything AWS refuses
   * becomes "could not read (needs <action> on <resource>)".
   */
  async read<T>(
    what: string,
    command: string,
    on: string,
    send: () => Promise<T>,
    missing: readonly string[] = [],
    empty: readonly string[] = [],
  ): Promise<Read<T | undefined>> {
    try {
      return { ok: true, value: await this.gate(send) };
    } catch (e) {
      const err = e as AwsError;
      if (missing.includes(err.name ?? "")) return { ok: false, missing: true };
      if (empty.includes(err.name ?? "")) return { ok: true, value: undefined };
      if (isCredentialsFailure(err)) throw new CredentialsError(`account ${this.label} (${this.accountId}): ${err.name}: ${err.message}`);
      const problem: ReadProblem = isAccessDenied(err)
        ? { account: this.label, what, state: "unreadable", needs: `${actionFor(command)} on ${on}`, message: err.message ?? String(e) }
        : { account: this.label, what, state: "failed", message: awsErrorText(e) };
      this.problems.push(problem);
      return { ok: false, missing: false, problem };
    }
  }

  /** A policy text, parsed; a document that is not a policy is a problem, not a crash. */
  policy(what: string, text: string | undefined): Read<PolicyDocument> {
    try {
      return { ok: true, value: parsePolicyText(text) };
    } catch (e) {
      if (!(e instanceof PolicyShapeError)) throw e;
      const problem: ReadProblem = { account: this.label, what, state: "invalid", message: e.message };
      this.problems.push(problem);
      return { ok: false, missing: false, problem };
    }
  }

  /** The account the credentials belong to. */
  async callerAccount(): Promise<string> {
    const identity = await this.clients.sts.send(new GetCallerIdentityCommand({}));
    return identity.Account ?? "";
  }

  /** A role's trust policy, its inline policies and its attached managed policies. */
  async role(arn: string): Promise<Read<LiveRole>> {
    const name = arn.split("/").pop() ?? arn;
    const { iam } = this.clients;
    const got = await this.read(`role ${name}`, "GetRole", arn, () => iam.send(new GetRoleCommand({ RoleName: name })), ["NoSuchEntity", "NoSuchEntityException"]);
    if (!got.ok) return got;
    const trust = this.policy(`trust policy of role ${name}`, got.value?.Role?.AssumeRolePolicyDocument);
    if (!trust.ok) return trust;
    const identityPolicies: { name: string; policy: PolicyDocument }[] = [];
    const inline = await this.read(`inline policies of role ${name}`, "ListRolePolicies", arn, () => iam.send(new ListRolePoliciesCommand({ RoleName: name })));
    for (const policyName of inline.ok ? (inline.value?.PolicyNames ?? []) : []) {
      const p = await this.read(`inline policy ${policyName} of role ${name}`, "GetRolePolicy", arn, () =>
        iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName })),
      ["NoSuchEntity", "NoSuchEntityException"]);
      const doc = p.ok ? this.policy(`inline policy ${policyName} of role ${name}`, p.value?.PolicyDocument) : undefined;
      if (doc?.ok) identityPolicies.push({ name: `${name}/${policyName}`, policy: doc.value });
    }
    const attached = await this.read(`managed policies attached to role ${name}`, "ListAttachedRolePolicies", arn, () =>
      iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name })),
    );
    for (const { PolicyArn } of attached.ok ? (attached.value?.AttachedPolicies ?? []) : []) {
      if (!PolicyArn) continue;
      const meta = await this.read(`managed policy ${PolicyArn}`, "GetPolicy", PolicyArn, () => iam.send(new GetPolicyCommand({ PolicyArn })), ["NoSuchEntity", "NoSuchEntityException"]);
      const version = meta.ok ? meta.value?.Policy?.DefaultVersionId : undefined;
      if (!version) continue;
      const v = await this.read(`managed policy ${PolicyArn}`, "GetPolicyVersion", PolicyArn, () =>
        iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: version })),
      );
      const doc = v.ok ? this.policy(`managed policy ${PolicyArn}`, v.value?.PolicyVersion?.Document) : undefined;
      if (doc?.ok) identityPolicies.push({ name: `${name}/${PolicyArn.split("/").pop()}`, policy: doc.value });
    }
    return { ok: true, value: { arn, trustPolicy: trust.value, identityPolicies } };
  }

  /** A repository's policy; `undefined` when the repository has none. */
  async repositoryPolicy(repositoryArn: string, repositoryName: string): Promise<Read<PolicyDocument | undefined>> {
    // RepositoryPolicyNotFoundException: the repository exists and has no policy; RepositoryNotFoundException: no repository
    // (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetRepositoryPolicy.html).
    const what = `policy of repository ${repositoryName}`;
    const got = await this.read(what, "GetRepositoryPolicy", repositoryArn, () =>
      this.clients.ecr.send(new GetRepositoryPolicyCommand({ repositoryName, registryId: this.accountId })),
      ["RepositoryNotFoundException"],
      ["RepositoryPolicyNotFoundException"],
    );
    if (!got.ok) return got;
    return got.value ? this.policy(what, got.value?.policyText) : { ok: true, value: undefined };
  }

  /** A key by ARN, id or alias: its ARN, its policy and every alias it has. */
  async key(keyId: string, on: string): Promise<Read<LiveKey>> {
    const { kms } = this.clients;
    // DescribeKey accepts a key id, key ARN, alias name or alias ARN and returns the key's ARN
    // (https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html).
    const described = await this.read(`key ${keyId}`, "DescribeKey", on, () => kms.send(new DescribeKeyCommand({ KeyId: keyId })), ["NotFoundException"]);
    if (!described.ok) return described;
    const arn = described.value?.KeyMetadata?.Arn;
    if (!arn) return { ok: false, missing: true };
    // "default" is the only key policy name (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html).
    const text = await this.read(`policy of key ${arn}`, "GetKeyPolicy", arn, () => kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: "default" })));
    const policy: Read<PolicyDocument> = text.ok ? this.policy(`policy of key ${arn}`, text.value?.Policy) : text;
    // ListAliases with KeyId lists only that key's aliases (https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html).
    const listed = await this.read(`aliases of key ${arn}`, "ListAliases", arn, () => kms.send(new ListAliasesCommand({ KeyId: arn })));
    const aliases: Read<string[]> = listed.ok ? { ok: true, value: (listed.value?.Aliases ?? []).flatMap((a) => (a.AliasName ? [a.AliasName] : [])) } : listed;
    return { ok: true, value: { arn, policy, aliases } };
  }

  /** A bucket's policy; `undefined` when it has none; missing when there is no such bucket. */
  async bucketPolicy(bucket: string): Promise<Read<PolicyDocument | undefined>> {
    // NoSuchBucketPolicy: the bucket has no policy (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html).
    const what = `policy of bucket ${bucket}`;
    const got = await this.read(what, "GetBucketPolicy", `arn:aws:s3:::${bucket}`, () =>
      this.clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: this.accountId })),
      ["NoSuchBucket"],
      ["NoSuchBucketPolicy"],
    );
    if (!got.ok) return got;
    return got.value ? this.policy(what, got.value?.Policy) : { ok: true, value: undefined };
  }

  async bucketEncryption(bucket: string): Promise<Read<BucketEncryption | undefined>> {
    const got = await this.read(`default encryption of bucket ${bucket}`, "GetBucketEncryption", `arn:aws:s3:::${bucket}`, () =>
      this.clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: this.accountId })),
      ["NoSuchBucket", "ServerSideEncryptionConfigurationNotFoundError"],
    );
    if (!got.ok) return got;
    const rule = got.value?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    return { ok: true, value: rule ? { algorithm: rule.SSEAlgorithm, keyId: rule.KMSMasterKeyID } : undefined };
  }

  async publicAccessBlocked(bucket: string): Promise<Read<boolean>> {
    const got = await this.read(`public access block of bucket ${bucket}`, "GetPublicAccessBlock", `arn:aws:s3:::${bucket}`, () =>
      this.clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket, ExpectedBucketOwner: this.accountId })),
      ["NoSuchBucket", "NoSuchPublicAccessBlockConfiguration"],
    );
    if (!got.ok) return got.missing ? { ok: true, value: false } : got;
    const c = got.value?.PublicAccessBlockConfiguration;
    return { ok: true, value: Boolean(c?.BlockPublicAcls && c.BlockPublicPolicy && c.IgnorePublicAcls && c.RestrictPublicBuckets) };
  }

  /** An event bus's policy; `undefined` when it has none. */
  async busPolicy(busName: string, busArn: string): Promise<Read<PolicyDocument | undefined>> {
    // DescribeEventBus returns the bus's resource-based policy as JSON text in `Policy`
    // (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeEventBus.html).
    const what = `policy of event bus ${busName}`;
    const got = await this.read(what, "DescribeEventBus", busArn, () => this.clients.events.send(new DescribeEventBusCommand({ Name: busName })), [
      "ResourceNotFoundException",
    ]);
    if (!got.ok) return got;
    return got.value?.Policy ? this.policy(what, got.value?.Policy) : { ok: true, value: undefined };
  }

  async ruleTargets(ruleName: string, ruleArn: string, busName?: string): Promise<Read<Target[]>> {
    const got = await this.read(`targets of rule ${ruleName}`, "ListTargetsByRule", ruleArn, () =>
      this.clients.events.send(new ListTargetsByRuleCommand({ Rule: ruleName, ...(busName && { EventBusName: busName }) })),
      ["ResourceNotFoundException"],
    );
    if (!got.ok) return got;
    return { ok: true, value: (got.value?.Targets ?? []).flatMap((t) => (t.Arn ? [{ arn: t.Arn, ...(t.RoleArn && { roleArn: t.RoleArn }) }] : [])) };
  }

  async pipeline(name: string, arn: string): Promise<Read<LivePipeline>> {
    const got = await this.read(`pipeline ${name}`, "GetPipeline", arn, () => this.clients.codepipeline.send(new GetPipelineCommand({ name })), [
      "PipelineNotFoundException",
    ]);
    if (!got.ok) return got;
    const p = got.value?.pipeline;
    const store = p?.artifactStore ?? Object.values(p?.artifactStores ?? {})[0];
    const sources: SourceAction[] = (p?.stages ?? []).flatMap((stage) =>
      (stage.actions ?? [])
        .filter((a) => a.actionTypeId?.category === "Source" && a.actionTypeId?.provider === "ECR")
        .map((a) => ({
          stage: stage.name ?? "",
          action: a.name ?? "",
          ...(a.roleArn && { roleArn: a.roleArn }),
          ...(a.configuration?.RepositoryName && { repositoryName: a.configuration.RepositoryName }),
          ...(a.configuration?.ImageTag && { imageTag: a.configuration.ImageTag }),
        })),
    );
    return {
      ok: true,
      value: {
        name,
        accountId: this.accountId,
        ...(p?.roleArn && { roleArn: p.roleArn }),
        ...(store?.location && { bucket: store.location }),
        ...(store?.encryptionKey?.id && { keyId: store.encryptionKey.id }),
        sources,
      },
    };
  }

  /** The latest failed execution among the last 20, with its failed action and that action's error. */
  async lastFailure(name: string, arn: string): Promise<Read<LastFailure | undefined>> {
    const { codepipeline } = this.clients;
    const executions = await this.read(`executions of pipeline ${name}`, "ListPipelineExecutions", arn, () =>
      codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: name, maxResults: 20 })),
      ["PipelineNotFoundException"],
    );
    if (!executions.ok) return executions;
    // Newest first (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListPipelineExecutions.html).
    const failed = (executions.value?.pipelineExecutionSummaries ?? []).find((e) => e.status === "Failed");
    if (!failed?.pipelineExecutionId) return { ok: true, value: undefined };
    const executionId = failed.pipelineExecutionId;
    const actions = await this.read(`actions of execution ${executionId} of pipeline ${name}`, "ListActionExecutions", arn, () =>
      codepipeline.send(new ListActionExecutionsCommand({ pipelineName: name, filter: { pipelineExecutionId: executionId } })),
    );
    const when = failed.lastUpdateTime instanceof Date ? failed.lastUpdateTime.toISOString() : undefined;
    const base = { executionId, ...(when && { when }) };
    if (!actions.ok) return { ok: true, value: { ...base, message: failed.statusSummary ?? "(the failed action could not be read)" } };
    const action = (actions.value?.actionExecutionDetails ?? []).find((a) => a.status === "Failed");
    const result = action?.output?.executionResult;
    return {
      ok: true,
      value: {
        ...base,
        ...(action?.stageName && { stage: action.stageName }),
        ...(action?.actionName && { action: action.actionName }),
        message: result?.errorDetails?.message ?? result?.externalExecutionSummary ?? failed.statusSummary ?? "(no message)",
      },
    };
  }
}
