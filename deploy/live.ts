/**
 * Preflight's reads of one account, each ending as a value or as a failed call that says which
 * call, which account and what AWS answered (never a thrown error, but for an interrupt). Every
 * call is a read; deploy/calls.ts lists them with the IAM action each needs.
 */
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { BatchGetProjectsCommand } from "@aws-sdk/client-codebuild";
import { GetPipelineCommand } from "@aws-sdk/client-codepipeline";
import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { DescribeEventBusCommand, DescribeRuleCommand, ListRulesCommand } from "@aws-sdk/client-eventbridge";
import { type EvaluationResult, GetAccountSummaryCommand, GetRoleCommand, GetRolePolicyCommand, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { ListAliasesCommand } from "@aws-sdk/client-kms";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetServiceQuotaCommand } from "@aws-sdk/client-service-quotas";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { PreflightClients } from "../doctor/clients";
import { isCredentialsFailure, limiter } from "../doctor/read";
import { actionOf } from "./calls";

export type FailureKind = "denied" | "credentials" | "throttled" | "unreachable" | "failed";

export interface CallFailure {
  readonly command: string;
  readonly action: string;
  readonly kind: FailureKind;
  /** What AWS (or the network) answered: "<error name>: <message>". */
  readonly answer: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: CallFailure };

interface AwsError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/;

export function failureKind(e: AwsError): FailureKind {
  if (isCredentialsFailure(e)) return "credentials";
  if (/^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError|Forbidden)$/.test(e.name ?? "") || e.$metadata?.httpStatusCode === 403) return "denied";
  if (/Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/.test(e.name ?? "") || e.$metadata?.httpStatusCode === 429) return "throttled";
  if (NETWORK_CODES.test(e.code ?? "") || /^(TimeoutError|RequestTimeout|NetworkingError)$/.test(e.name ?? "")) return "unreachable";
  return "failed";
}

const KIND_TEXT: Readonly<Record<FailureKind, string>> = {
  denied: "was denied",
  credentials: "could not use the credentials",
  throttled: "was throttled (after the SDK's retries)",
  unreachable: "could not reach the service",
  failed: "failed",
};

/** "iam:GetRole (GetRole) was denied: AccessDenied: ..." */
export function describeFailure(f: CallFailure): string {
  return `${f.action || f.command} ${f.action ? `(${f.command}) ` : ""}${KIND_TEXT[f.kind]}: ${f.answer}`;
}

export interface Identity {
  readonly account: string;
  readonly arn: string;
}

/** A bucket as HeadBucket sees it: 200 ours (or readable), 403 someone else's (or not readable), 301 in another region. */
export type BucketState = "absent" | "readable" | "forbidden" | "elsewhere";

const NOT_FOUND = ["NoSuchEntity", "NoSuchEntityException"];

export class LiveAccount {
  private readonly gate = limiter(4);
  private aliases?: Promise<Result<Set<string>>>;

  constructor(
    readonly accountId: string,
    readonly clients: PreflightClients,
    private readonly signal?: AbortSignal,
  ) {}

  /** Runs one call; `missing` names the errors that mean "does not exist" (the value is then `undefined`). */
  private async call<T>(command: string, send: (options: { abortSignal?: AbortSignal }) => Promise<T>, missing: readonly string[] = []): Promise<Result<T | undefined>> {
    this.signal?.throwIfAborted();
    try {
      return { ok: true, value: await this.gate(() => send(this.signal ? { abortSignal: this.signal } : {})) };
    } catch (e) {
      this.signal?.throwIfAborted();
      const err = e as AwsError;
      if (missing.includes(err.name ?? "")) return { ok: true, value: undefined };
      const name = err.name && err.name !== "Error" ? err.name : (err.code ?? err.name ?? "Error");
      const answer = `${name}: ${err.message ?? String(e)}`.replace(/\s+/g, " ").trim();
      return { ok: false, failure: { command, action: actionOf(command), kind: failureKind(err), answer } };
    }
  }

  identity(): Promise<Result<Identity | undefined>> {
    return this.call("GetCallerIdentity", async (o) => {
      const out = await this.clients.sts.send(new GetCallerIdentityCommand({}), o);
      return { account: out.Account ?? "", arn: out.Arn ?? "" };
    });
  }

  /** The role's ARN (with its path); undefined when there is no such role. */
  roleArn(name: string): Promise<Result<string | undefined>> {
    return this.call("GetRole", async (o) => (await this.clients.iam.send(new GetRoleCommand({ RoleName: name }), o)).Role?.Arn ?? "", NOT_FOUND);
  }

  /** Whether the role has an inline policy of that name (undefined when neither exists). */
  async rolePolicy(role: string, policy: string): Promise<Result<boolean | undefined>> {
    return this.call("GetRolePolicy", async (o) => Boolean(await this.clients.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: policy }), o)), NOT_FOUND);
  }

  /** The account's roles and its quota of roles. */
  roleCounts(): Promise<Result<{ roles: number; quota: number } | undefined>> {
    return this.call("GetAccountSummary", async (o) => {
      const map = (await this.clients.iam.send(new GetAccountSummaryCommand({}), o)).SummaryMap ?? {};
      return { roles: map.Roles ?? 0, quota: map.RolesQuota ?? 0 };
    });
  }

  /** Every evaluation of the identity's policies for these actions on this resource (all pages). */
  simulate(principal: string, actions: readonly string[], resource: string): Promise<Result<EvaluationResult[] | undefined>> {
    return this.call("SimulatePrincipalPolicy", async (o) => {
      const results: EvaluationResult[] = [];
      let marker: string | undefined;
      do {
        const out = await this.clients.iam.send(
          new SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: [...actions], ResourceArns: [resource], ...(marker && { Marker: marker }) }),
          o,
        );
        results.push(...(out.EvaluationResults ?? []));
        marker = out.IsTruncated ? out.Marker : undefined;
      } while (marker);
      return results;
    });
  }

  /**
   * HeadBucket answers with a status code and no body: 404 when no bucket has the name, 403 when
   * one exists that this identity may not read or that another account owns (ExpectedBucketOwner;
   * its name is then taken all the same, as bucket names are global), 301 when it is in another
   * region (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html).
   */
  async bucket(name: string): Promise<Result<BucketState>> {
    this.signal?.throwIfAborted();
    try {
      await this.gate(() => this.clients.s3.send(new HeadBucketCommand({ Bucket: name, ExpectedBucketOwner: this.accountId }), this.signal ? { abortSignal: this.signal } : {}));
      return { ok: true, value: "readable" };
    } catch (e) {
      this.signal?.throwIfAborted();
      const err = e as AwsError;
      const status = err.$metadata?.httpStatusCode;
      if (status === 404 || err.name === "NotFound" || err.name === "NoSuchBucket") return { ok: true, value: "absent" };
      if (status === 403 && !isCredentialsFailure(err)) return { ok: true, value: "forbidden" };
      if (status === 301) return { ok: true, value: "elsewhere" };
      const answer = `${err.name ?? err.code ?? "Error"}: ${err.message ?? String(e)}`;
      return { ok: false, failure: { command: "HeadBucket", action: actionOf("HeadBucket"), kind: failureKind(err), answer } };
    }
  }

  async repositoryExists(name: string): Promise<Result<boolean>> {
    const got = await this.call(
      "DescribeRepositories",
      async (o) => (await this.clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name], registryId: this.accountId }), o)).repositories?.length ?? 0,
      ["RepositoryNotFoundException"],
    );
    return got.ok ? { ok: true, value: Boolean(got.value) } : got;
  }

  async pipelineExists(name: string): Promise<Result<boolean>> {
    const got = await this.call("GetPipeline", async (o) => Boolean(await this.clients.codepipeline.send(new GetPipelineCommand({ name }), o)), ["PipelineNotFoundException"]);
    return got.ok ? { ok: true, value: Boolean(got.value) } : got;
  }

  async busExists(name: string): Promise<Result<boolean>> {
    const got = await this.call("DescribeEventBus", async (o) => Boolean(await this.clients.events.send(new DescribeEventBusCommand({ Name: name }), o)), ["ResourceNotFoundException"]);
    return got.ok ? { ok: true, value: Boolean(got.value) } : got;
  }

  async ruleExists(name: string, bus: string): Promise<Result<boolean>> {
    const got = await this.call(
      "DescribeRule",
      async (o) => Boolean(await this.clients.events.send(new DescribeRuleCommand({ Name: name, ...(bus !== "default" && { EventBusName: bus }) }), o)),
      ["ResourceNotFoundException"],
    );
    return got.ok ? { ok: true, value: Boolean(got.value) } : got;
  }

  /** The rules on a bus (all pages). */
  async ruleCount(bus: string): Promise<Result<number>> {
    const got = await this.call("ListRules", async (o) => {
      let count = 0;
      let token: string | undefined;
      do {
        const out = await this.clients.events.send(new ListRulesCommand({ EventBusName: bus, Limit: 100, ...(token && { NextToken: token }) }), o);
        count += out.Rules?.length ?? 0;
        token = out.NextToken;
      } while (token);
      return count;
    });
    return got.ok ? { ok: true, value: got.value ?? 0 } : got;
  }

  /** Which of these CodeBuild projects exist (BatchGetProjects takes up to 100 names a call). */
  async projectsExisting(names: readonly string[]): Promise<Result<Set<string>>> {
    const found = new Set<string>();
    for (let i = 0; i < names.length; i += 100) {
      const got = await this.call("BatchGetProjects", async (o) => (await this.clients.codebuild.send(new BatchGetProjectsCommand({ names: names.slice(i, i + 100) }), o)).projects ?? []);
      if (!got.ok) return got;
      for (const p of got.value ?? []) if (p.name) found.add(p.name);
    }
    return { ok: true, value: found };
  }

  /** DescribeLogGroups filters by prefix: the group exists when one of those has exactly its name. */
  async logGroupExists(name: string): Promise<Result<boolean>> {
    const got = await this.call("DescribeLogGroups", async (o) => {
      let token: string | undefined;
      do {
        const out = await this.clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, ...(token && { nextToken: token }) }), o);
        if ((out.logGroups ?? []).some((g) => g.logGroupName === name)) return true;
        token = out.nextToken;
      } while (token);
      return false;
    });
    return got.ok ? { ok: true, value: Boolean(got.value) } : got;
  }

  /** Every alias name in the account and region (all pages; read once). */
  aliasNames(): Promise<Result<Set<string>>> {
    this.aliases ??= this.call("ListAliases", async (o) => {
      const names = new Set<string>();
      let marker: string | undefined;
      do {
        const out = await this.clients.kms.send(new ListAliasesCommand({ Limit: 100, ...(marker && { Marker: marker }) }), o);
        for (const a of out.Aliases ?? []) if (a.AliasName) names.add(a.AliasName);
        marker = out.Truncated ? out.NextMarker : undefined;
      } while (marker);
      return names;
    }).then((r) => (r.ok ? { ok: true, value: r.value ?? new Set<string>() } : r));
    return this.aliases;
  }

  /** The applied value of a quota; undefined when only its default applies (NoSuchResourceException). */
  quota(serviceCode: string, quotaCode: string): Promise<Result<number | undefined>> {
    return this.call(
      "GetServiceQuota",
      async (o) => (await this.clients.quotas.send(new GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode }), o)).Quota?.Value,
      ["NoSuchResourceException"],
    );
  }
}
