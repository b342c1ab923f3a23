/**
 * One doctor run: check each account's credentials, read, simulate, explain. Returns a report;
 * printing and exit codes are the command's (commands/doctor.ts).
 */
import { accessCases, artifactObjectArn, chainCases } from "../access/cases";
import { buildWorld, type World } from "../access/world";
import { pipelineAccounts } from "../config/accounts";
import type { Config } from "../config/schema";
import * as naming from "../lib/naming";
import type { RenderedStack } from "../terraform/render";
import { type AccountAccess, type AccountClients, accountClients, destroyClients } from "./clients";
import { diagnose, exitCode, type Hop, type TaggedCase } from "./diagnose";
import { drift, driftSubjects, type PolicyDrift } from "./drift";
import { gatherConfig, gatherPipeline, type Gathered } from "./gather";
import type { Finding, LiveAccount, ResourceInfo } from "./live";
import { AccountReader, awsErrorText, CredentialsError, isCredentialsFailure, type LastFailure, type ReadProblem } from "./read";

/** Credentials, an account or the whole run that does not work: exit 1, one message a problem. */
export class DoctorError extends Error {
  override name = "DoctorError";
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
  }
}

export type ClientFactory = (account: AccountAccess, region: string) => AccountClients;

export interface FailureReport {
  readonly pipeline: string;
  readonly account: string;
  readonly failure?: LastFailure;
  /** Why it could not be read, if it could not. */
  readonly unreadable?: string;
  /** The hops and findings of that pipeline that explain it. */
  readonly explainedBy: readonly string[];
}

export interface Report {
  readonly mode: "config" | "pipeline";
  readonly region: string;
  readonly accounts: readonly { label: string; accountId: string }[];
  readonly hops: readonly Hop[];
  readonly findings: readonly Finding[];
  readonly lastFailures: readonly FailureReport[];
  /** null when drift was not checked (--skip-drift, or pipeline mode). */
  readonly drift: readonly PolicyDrift[] | null;
  readonly unreadable: readonly ReadProblem[];
  readonly exitCode: 0 | 1 | 4;
}

export interface RunOptions {
  readonly clients?: ClientFactory;
  /** Seconds the credential check of each account may take. */
  readonly identityTimeoutSeconds?: number;
  /** The stacks as the app renders them now, for drift; undefined skips drift. */
  readonly generated?: () => Promise<readonly RenderedStack[]>;
  /** Where AWS_PROFILE is read, for messages (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

function within<T>(promise: Promise<T>, seconds: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DoctorError([message])), seconds * 1000);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * How the credentials of an account are found, for messages. With AWS_PROFILE set, the default
 * chain (also what an assumed role is assumed with) uses that profile
 * (https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html#file-format-profile; the
 * JavaScript SDK then skips the environment's keys: "AWS_PROFILE is set, skipping fromEnv
 * provider"): named, so that a misspelt or missing profile is seen.
 */
function describeAccess(a: AccountAccess, env: NodeJS.ProcessEnv): string {
  const chain = env.AWS_PROFILE ? `profile "${env.AWS_PROFILE}" (AWS_PROFILE)` : "the default credential chain";
  return a.profile ? `profile "${a.profile}"` : a.assumeRoleArn ? `role ${a.assumeRoleArn}${env.AWS_PROFILE ? `, assumed with ${chain}` : ""}` : chain;
}

/** Each account's credentials must work and be for that account, before anything else is read. */
async function checkIdentity(account: LiveAccount, access: AccountAccess, seconds: number, env: NodeJS.ProcessEnv): Promise<void> {
  const where = `account ${account.label} (${account.accountId}, with ${describeAccess(access, env)})`;
  let actual: string;
  try {
    actual = await within(account.reader.callerAccount(), seconds, `${where}: no answer from STS within ${seconds} s (endpoint unreachable?)`);
  } catch (e) {
    if (e instanceof DoctorError) throw e;
    const err = e as { name?: string; message?: string };
    if (isCredentialsFailure(err)) {
      const kind = /Expired/.test(err.name ?? "") ? "expired credentials" : /CredentialsProviderError|TokenProviderError/.test(err.name ?? "") ? "no credentials" : "credentials AWS does not accept";
      throw new DoctorError([`${where}: ${kind}: ${err.message}`]);
    }
    throw new DoctorError([`${where}: cannot check the credentials: ${awsErrorText(e)}`]);
  }
  if (actual !== account.accountId) {
    throw new DoctorError([`${where}: the credentials are for account ${actual || "(unknown)"}, not ${account.accountId}`]);
  }
}

function liveAccount(label: string, access: AccountAccess, region: string, factory: ClientFactory, stack?: string): LiveAccount {
  return { label, accountId: access.accountId, ...(stack && { stack }), reader: new AccountReader(label, access.accountId, factory(access, region)) };
}

/** Checks every account's credentials (all of them: each that fails is reported), then runs `body`. */
async function withAccounts<T>(
  accounts: readonly { account: LiveAccount; access: AccountAccess }[],
  seconds: number,
  env: NodeJS.ProcessEnv,
  body: () => Promise<T>,
): Promise<T> {
  try {
    const checked = await Promise.allSettled(accounts.map(({ account, access }) => checkIdentity(account, access, seconds, env)));
    const failed = checked.flatMap((c) => (c.status === "rejected" ? [c.reason as unknown] : []));
    const bug = failed.find((e) => !(e instanceof DoctorError));
    if (bug) throw bug;
    if (failed.length > 0) throw new DoctorError(failed.flatMap((e) => (e as DoctorError).problems));
    return await body();
  } catch (e) {
    if (e instanceof CredentialsError) throw new DoctorError([e.message]);
    throw e;
  } finally {
    for (const { account } of accounts) destroyClients(account.reader.clients);
  }
}

function explainFailures(gathered: Gathered, hops: readonly Hop[], findings: readonly Finding[]): FailureReport[] {
  return gathered.pipelines.map((p) => {
    const explainedBy = [
      ...findings.filter((f) => f.pipeline === p.label).map((f) => `row ${f.row}: ${f.problem}`),
      ...hops.filter((h) => h.pipeline === p.label && h.state !== "ok").map((h) => `row ${h.row}: ${h.who} ${h.action} on ${h.on}: ${h.state}`),
    ];
    const base = { pipeline: p.label, account: p.account.label, explainedBy };
    if (!p.lastFailure.ok) return { ...base, ...(!p.lastFailure.missing && { unreadable: p.lastFailure.problem?.needs ?? p.lastFailure.problem?.message ?? "" }) };
    return { ...base, ...(p.lastFailure.value && { failure: p.lastFailure.value }) };
  });
}

/** The live chain of each pipeline whose definition could be read, by the ARNs it names. */
function liveChains(
  gathered: Gathered,
  world: World,
  region: string,
  sourceAccountId: string | undefined,
  labelOf: (id: string) => string,
  expectedSourceRole: (pipeline: string) => string | undefined = () => undefined,
): TaggedCase[] {
  return gathered.pipelines.flatMap((p) => {
    if (!p.definition.ok || !p.definition.value) return [];
    const def = p.definition.value;
    const B = p.account.accountId;
    return def.sources.flatMap((s) => {
      const A = s.roleArn?.split(":")[4] ?? sourceAccountId;
      if (!A || !s.roleArn || !s.repositoryName || !def.bucket || !def.roleArn) return [];
      const key = world.artifactKeys.get(B)!;
      return chainCases({
        pipeline: p.label,
        L: p.account.label,
        A,
        B,
        serviceRole: def.roleArn,
        sourceRole: s.roleArn,
        ...(s.roleArn !== expectedSourceRole(p.label) && { sourceRoleLabel: `role ${s.roleArn.split("/").pop()} (${labelOf(A)}), which ${p.label}'s ECR action names` }),
        repository: naming.repositoryArn(region, A, s.repositoryName),
        artifact: artifactObjectArn(def.bucket, def.name),
        key,
        keyAliases: world.keyAliases?.get(key) ?? [],
        region,
      })
        .filter((c) => c.row !== "6")
        .map((c) => ({ case: c, pipeline: p.label }));
    });
  });
}

function finish(
  mode: Report["mode"],
  region: string,
  accounts: readonly LiveAccount[],
  gathered: Gathered,
  hops: Hop[],
  driftResult: PolicyDrift[] | null,
): Report {
  const findings = gathered.builder.findings;
  // A finding on the same pipeline and row names the cause better than the policies do (a pipeline
  // that uses another role fails on that role's policies, but the fix is the pipeline's).
  hops = hops.map((h) => {
    const own = findings.filter((f) => h.state !== "ok" && h.pipeline && f.pipeline === h.pipeline && f.row === h.row);
    return own.length === 0 ? h : { ...h, because: [...own.map((f) => f.problem), ...h.because], fix: [...own.map((f) => f.fix)] };
  });
  return {
    mode,
    region,
    accounts: accounts.map((a) => ({ label: a.label, accountId: a.accountId })),
    hops,
    findings,
    lastFailures: explainFailures(gathered, hops, findings),
    drift: driftResult,
    unreadable: accounts.flatMap((a) => a.reader.problems),
    exitCode: exitCode(hops, findings),
  };
}

/** Config mode: every pipeline of the config, every hop and must-deny of the access model. */
export async function runConfig(config: Config, options: RunOptions = {}): Promise<Report> {
  const factory = options.clients ?? accountClients;
  const seconds = options.identityTimeoutSeconds ?? 20;
  const source = liveAccount("A", config.sourceAccount, config.region, factory, naming.SOURCE_STACK);
  const targets = new Map(pipelineAccounts(config).map((a) => [a.key, liveAccount(a.label, a.account, config.region, factory, a.stack)]));
  const all = [{ account: source, access: config.sourceAccount }, ...pipelineAccounts(config).map((a) => ({ account: targets.get(a.key)!, access: a.account }))];
  const labels = new Map(all.map(({ account }) => [account.accountId, account.label]));
  const labelOf = (id: string) => labels.get(id) ?? id;
  return withAccounts(all, seconds, options.env ?? process.env, async () => {
    const gathered = await gatherConfig(config, source, targets);
    const world = gathered.builder.world();
    const cases: TaggedCase[] = [
      ...liveChains(gathered, world, config.region, config.sourceAccount.accountId, labelOf, (name) =>
        naming.roleArn(config.sourceAccount.accountId, naming.sourceAccessRoleName({ project: config.project, name })),
      ),
      ...accessCases(config, world).map((c) => ({ case: c })),
    ];
    const resources = gathered.builder.resources;
    const hops = await diagnose({ world, resources, managed: true }, cases);
    const driftResult = options.generated ? computeDrift(config, await options.generated(), world, resources) : null;
    return finish("config", config.region, all.map((a) => a.account), gathered, hops, driftResult);
  });
}

function computeDrift(config: Config, rendered: readonly RenderedStack[], live: World, resources: ReadonlyMap<string, ResourceInfo>): PolicyDrift[] {
  const generated = buildWorld(config, rendered);
  const accountLabels = new Map<string, { label: string; stack: string }>([
    [config.sourceAccount.accountId, { label: "A", stack: naming.SOURCE_STACK }],
    ...pipelineAccounts(config).map((a) => [a.accountId, { label: a.label, stack: a.stack }] as const),
  ]);
  return drift(
    driftSubjects(generated, live, (arn) => {
      const info = resources.get(arn);
      const owner = accountLabels.get(info?.accountId ?? (arn.startsWith("arn:aws:s3:::") ? "" : arn.split(":")[4]));
      const where = info?.account ?? owner?.label ?? "?";
      const kind = info?.kind ?? (arn.includes(":role/") ? "role" : arn.includes(":s3:::") ? "bucket" : "resource");
      const name = info?.name ?? arn.split(/[/:]/).pop() ?? arn;
      const policy = kind === "role" ? `trust policy of role ${name} (${where})` : kind === "key" ? `key policy of ${name} (${where})` : `policy of ${kind} ${name} (${where})`;
      const stack = info?.stack ?? owner?.stack;
      return { policy, ...(stack && { stack }), unreadable: info?.state === "unreadable" };
    }),
  );
}

export interface PipelineTarget {
  readonly region: string;
  readonly pipeline: string;
  readonly pipelineAccount: AccountAccess;
  readonly sourceAccount?: AccountAccess;
}

/** Pipeline mode: one existing pipeline, from its definition alone. */
export async function runPipeline(target: PipelineTarget, options: RunOptions = {}): Promise<Report> {
  const factory = options.clients ?? accountClients;
  const seconds = options.identityTimeoutSeconds ?? 20;
  const B = liveAccount("B", target.pipelineAccount, target.region, factory);
  const A = target.sourceAccount ? liveAccount("A", target.sourceAccount, target.region, factory) : undefined;
  const accounts = [{ account: B, access: target.pipelineAccount }, ...(A && target.sourceAccount ? [{ account: A, access: target.sourceAccount }] : [])];
  const labels = new Map(accounts.map(({ account }) => [account.accountId, account.label]));
  return withAccounts(accounts, seconds, options.env ?? process.env, async () => {
    const gathered = await gatherPipeline(target.region, target.pipeline, B, A);
    const def = gathered.pipelines[0].definition;
    if (!def.ok) {
      if (def.missing) throw new DoctorError([`pipeline ${target.pipeline} does not exist in account ${target.pipelineAccount.accountId} (region ${target.region})`]);
      throw new DoctorError([`could not read pipeline ${target.pipeline}: ${def.problem?.needs ? `needs ${def.problem.needs}` : def.problem?.message}`]);
    }
    const sourceId = gathered.sourceAccountId;
    if (sourceId && !labels.has(sourceId)) labels.set(sourceId, "A");
    const world = gathered.builder.world();
    const cases = liveChains(gathered, world, target.region, sourceId, (id) => labels.get(id) ?? id);
    const hops = await diagnose({ world, resources: gathered.builder.resources, managed: false }, cases);
    return finish("pipeline", target.region, accounts.map((a) => a.account), gathered, hops, null);
  });
}
