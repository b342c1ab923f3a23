/**
 * Preflight: read-only checks of the live accounts against each stack's saved plan, before the
 * first apply, with the credentials doctor uses for each account (doctor/clients.ts). A "stop"
 * finding must stop the deploy before anything is applied; a "note" says what was not checked
 * and why.
 *
 *  * Names: everything the plan creates under a name (role, bucket, repository, pipeline, rule,
 *    bus, CodeBuild project, log group, key alias, a role's inline policy) must not exist: the
 *    plan creates only what its state does not own, so an existing one is someone else's or a
 *    leftover, and the apply would fail on it halfway (or, for an inline policy, overwrite it).
 *    What the plan changes without creating must exist (the role the config names for an ECS
 *    deploy, an adopted repository).
 *  * Permissions: the deploying identity's policies, simulated with iam:SimulatePrincipalPolicy
 *    on the actions each change needs (stacks/deploy-permissions.ts, narrowed per change by
 *    deploy/plan-needs.ts) on the ARNs they act on.
 *  * Limits that depend on what an account holds: roles per account, rules per event bus.
 */
import { pipelineAccounts } from "../config/accounts";
import type { AccountConfig, Config } from "../config/schema";
import { type AccountAccess, destroyClients, type PreflightClients, preflightClients } from "../doctor/clients";
import { SOURCE_STACK } from "../lib/naming";
import { DEPLOY_ACTIONS } from "../stacks/deploy-permissions";
import type { PlanJson } from "../terraform/plan-summary";
import { type CallFailure, describeFailure, type Identity, LiveAccount, type Result } from "./live";
import { countsOfPlan, type Counts, namesOfPlan, needsOfPlan, PlanIndex } from "./plan-needs";
import { simulationFindings } from "./permissions";

export { renderFindings } from "./render";

export interface PreflightStack {
  readonly stack: string;
  readonly accountId: string;
  readonly plan: PlanJson;
}

export interface PreflightFinding {
  readonly stack: string;
  readonly severity: "stop" | "note";
  readonly message: string;
}

export interface PreflightOptions {
  /** What doctor/clients.ts reads to build the clients (a custom S3 endpoint); the SDK itself reads process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Aborts the checks: preflight then rejects with its reason, and sends nothing more. */
  readonly signal?: AbortSignal;
}

export type PreflightClientFactory = (account: AccountAccess, region: string, env: NodeJS.ProcessEnv) => PreflightClients;

export interface RunOptions extends PreflightOptions {
  /** Default: doctor/clients.ts's preflightClients (tests mock them). */
  readonly clients?: PreflightClientFactory;
  /** Seconds the credential check of each stack's account may take (default 20). */
  readonly identityTimeoutSeconds?: number;
}

/**
 * Read-only checks against the live accounts; "stop" findings must stop the deploy before any
 * apply. Rejects only when `signal` aborts (with its reason); every AWS failure is a finding.
 */
export function preflight(config: Config, stacks: readonly PreflightStack[], options: PreflightOptions = {}): Promise<PreflightFinding[]> {
  return runPreflight(config, stacks, options);
}

/** Where a stack deploys, as the config says: its account entry. */
function accountOfStack(config: Config, stack: string): AccountConfig | undefined {
  if (stack === SOURCE_STACK) return config.sourceAccount;
  return pipelineAccounts(config).find((a) => a.stack === stack)?.account;
}

function describeAccess(a: AccountAccess): string {
  return a.profile ? `profile "${a.profile}"` : a.assumeRoleArn ? `role ${a.assumeRoleArn}` : "the default credential chain";
}

function within<T>(promise: Promise<T>, seconds: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), seconds * 1000);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One stack under check: its plan read, its account's clients, what it found. */
interface Checked {
  readonly stack: PreflightStack;
  readonly index: PlanIndex;
  readonly live?: LiveAccount;
  /** Set once the credentials are known to work, for this stack's account. */
  identity?: Identity;
  readonly findings: PreflightFinding[];
}

export async function runPreflight(config: Config, stacks: readonly PreflightStack[], options: RunOptions = {}): Promise<PreflightFinding[]> {
  const factory = options.clients ?? preflightClients;
  const env = options.env ?? process.env;
  const seconds = options.identityTimeoutSeconds ?? 20;
  options.signal?.throwIfAborted();
  const checked: Checked[] = [];
  try {
    for (const stack of stacks) {
      const findings: PreflightFinding[] = [];
      const index = new PlanIndex(stack.plan, { region: config.region, accountId: stack.accountId });
      const access = accountOfStack(config, stack.stack);
      if (!access) {
        findings.push({ stack: stack.stack, severity: "stop", message: `${stack.stack} is not a stack of this config: nothing is checked for it` });
        checked.push({ stack, index, findings });
        continue;
      }
      if (access.accountId !== stack.accountId) {
        findings.push({ stack: stack.stack, severity: "stop", message: `the plan is for account ${stack.accountId}, but the config deploys ${stack.stack} to ${access.accountId}` });
        checked.push({ stack, index, findings });
        continue;
      }
      checked.push({ stack, index, live: new LiveAccount(stack.accountId, factory(access, config.region, env), options.signal), findings });
    }
    await Promise.all(
      checked.map(async (c) => {
        if (!c.live) return;
        c.identity = await checkIdentity(c, accountOfStack(config, c.stack.stack)!, seconds);
        if (!c.identity) return;
        const [names, permissions] = await Promise.all([checkNames(c), checkPermissions(c, c.identity)]);
        c.findings.push(...names, ...permissions);
      }),
    );
    const limits = await checkLimits(config, checked);
    return checked.flatMap((c) => [...c.findings, ...limits.filter((f) => f.stack === c.stack.stack)]);
  } finally {
    for (const c of checked) if (c.live) destroyClients(c.live.clients);
  }
}

// ---------------------------------------------------------------------------------------------
// Credentials

async function checkIdentity(c: Checked, access: AccountAccess, seconds: number): Promise<Identity | undefined> {
  const where = `account ${c.stack.accountId} (${describeAccess(access)})`;
  const stop = (message: string): void => void c.findings.push({ stack: c.stack.stack, severity: "stop", message });
  const got = await within(c.live!.identity(), seconds);
  if (got === "timeout") {
    stop(`cannot check the credentials for ${where}: no answer from STS within ${seconds} s (endpoint unreachable?); nothing else was checked`);
    return undefined;
  }
  if (!got.ok) {
    stop(`cannot check the credentials for ${where}: ${describeFailure(got.failure)}; nothing else was checked`);
    return undefined;
  }
  if (got.value?.account !== c.stack.accountId) {
    stop(`the credentials for ${where} are for account ${got.value?.account || "(unknown)"}, not ${c.stack.accountId}; nothing else was checked`);
    return undefined;
  }
  return got.value;
}

// ---------------------------------------------------------------------------------------------
// Names

/** How the user gets past a name that is taken, in the words of the stack it is planned in. */
function takenAdvice(stack: string, address: string, importId: string): string {
  return (
    `if it is this project's, import it into the state (terraform -chdir=cdktf.out/stacks/${stack} import '${address}' '${importId}'); ` +
    `if not, delete or rename it, or change the config so that the name is free`
  );
}

function couldNotCheck(what: string, accountId: string, f: CallFailure): string {
  const alsoDeploy = f.kind === "denied" && Object.values(DEPLOY_ACTIONS).some((actions) => actions.includes(f.action));
  return `could not check whether ${what} exists in account ${accountId}: ${describeFailure(f)}${alsoDeploy ? ` (deploying needs ${f.action} too)` : ""}`;
}

async function checkNames(c: Checked): Promise<PreflightFinding[]> {
  const live = c.live!;
  const { stack, accountId } = c.stack;
  const findings: PreflightFinding[] = [];
  const stop = (message: string): void => void findings.push({ stack, severity: "stop", message });
  const { creations, unnamed, prerequisites } = namesOfPlan(c.index);
  for (const u of unnamed) findings.push({ stack, severity: "note", message: `${u.address}: ${u.why}, so whether it is free in account ${accountId} was not checked` });

  const projects = creations.filter((x) => x.type === "aws_codebuild_project");
  const existingProjects = projects.length > 0 ? await live.projectsExisting(projects.map((p) => p.name)) : undefined;

  await Promise.all(
    creations.map(async (x) => {
      const what = x.type === "aws_cloudwatch_event_rule" ? `rule ${x.name} on event bus ${x.parent}` : x.type === "aws_iam_role_policy" ? `inline policy ${x.name} of role ${x.parent}` : `${x.kind} ${x.name}`;
      const taken = `${what} already exists in account ${accountId} and is not in ${stack}'s state`;
      let exists: Result<boolean>;
      switch (x.type) {
        case "aws_s3_bucket": {
          const got = await live.bucket(x.name);
          if (!got.ok) return stop(couldNotCheck(what, accountId, got.failure));
          if (got.value === "forbidden") {
            return stop(
              `${what} already exists, and this identity may not read it (HeadBucket: 403): bucket names are global, so it is another account's, or this identity lacks s3:ListBucket on it; ` +
                `if it is another account's, change the config's project so that the name is free`,
            );
          }
          if (got.value === "elsewhere") return stop(`${what} already exists in another region (HeadBucket: 301): bucket names are global; delete it, or change the config's project or region so that the name is free`);
          exists = { ok: true, value: got.value === "readable" };
          break;
        }
        case "aws_iam_role": {
          const got = await live.roleArn(x.name);
          exists = got.ok ? { ok: true, value: got.value !== undefined } : got;
          break;
        }
        case "aws_iam_role_policy": {
          const got = await live.rolePolicy(x.parent!, x.name);
          if (got.ok && got.value) return stop(`${taken}: applying would overwrite it; ${takenAdvice(stack, x.address, x.importId)}`);
          // Missing here, or its role is: the prerequisite check says which.
          exists = got.ok ? { ok: true, value: false } : got;
          break;
        }
        case "aws_ecr_repository":
          exists = await live.repositoryExists(x.name);
          break;
        case "aws_codepipeline":
          exists = await live.pipelineExists(x.name);
          break;
        case "aws_cloudwatch_event_bus":
          exists = await live.busExists(x.name);
          break;
        case "aws_cloudwatch_event_rule":
          exists = await live.ruleExists(x.name, x.parent ?? "default");
          break;
        case "aws_codebuild_project":
          exists = existingProjects!.ok ? { ok: true, value: existingProjects!.value.has(x.name) } : existingProjects!;
          break;
        case "aws_cloudwatch_log_group":
          exists = await live.logGroupExists(x.name);
          break;
        case "aws_kms_alias": {
          const got = await live.aliasNames();
          exists = got.ok ? { ok: true, value: got.value.has(x.name) } : got;
          break;
        }
        default:
          return;
      }
      if (!exists.ok) return stop(couldNotCheck(what, accountId, exists.failure));
      if (exists.value) stop(`${taken}: ${takenAdvice(stack, x.address, x.importId)}`);
    }),
  );

  await Promise.all(
    prerequisites.map(async (p) => {
      if (p.kind === "role") {
        const got = await live.roleArn(p.name);
        if (!got.ok) return stop(couldNotCheck(`role ${p.name}`, accountId, got.failure));
        if (got.value === undefined) stop(`role ${p.name} does not exist in account ${accountId}, and ${p.address} puts an inline policy on it: create the role, or correct the role the config names`);
      } else {
        const got = await live.repositoryExists(p.name);
        if (!got.ok) return stop(couldNotCheck(`repository ${p.name}`, accountId, got.failure));
        if (!got.value) {
          stop(`repository ${p.name} does not exist in account ${accountId}, and ${p.address} sets its policy (the config adopts it: "create": false): create the repository, or let the app create it ("create": true)`);
        }
      }
    }),
  );
  return sortedByMessage(findings);
}

/** Checks run in parallel; their findings are reported in a stable order. */
function sortedByMessage(findings: PreflightFinding[]): PreflightFinding[] {
  return [...findings].sort((a, b) => (a.severity === b.severity ? a.message.localeCompare(b.message) : a.severity === "stop" ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------
// Permissions

/**
 * The ARN to simulate for the caller: an assumed-role session is simulated as its role (the
 * session ARN is no IAM entity), with the role's path from GetRole when the identity may read
 * it; a user as itself. The root user and federated users cannot be simulated.
 */
async function principalOf(live: LiveAccount, identity: Identity): Promise<{ arn: string; pathUnknown?: CallFailure } | { skip: string }> {
  const arn = identity.arn;
  const assumed = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (assumed) {
    const [, partition, account, role] = assumed;
    const got = await live.roleArn(role);
    if (got.ok && got.value) return { arn: got.value };
    return { arn: `arn:${partition}:iam::${account}:role/${role}`, ...(!got.ok && { pathUnknown: got.failure }) };
  }
  if (/^arn:aws[\w-]*:iam::\d{12}:root$/.test(arn)) return { skip: "the credentials are the account's root user, whom no IAM policy limits (service control policies do)" };
  if (/:federated-user\//.test(arn)) return { skip: `the credentials are a federated user's session (${arn}), which iam:SimulatePrincipalPolicy cannot simulate` };
  return { arn };
}

async function checkPermissions(c: Checked, identity: Identity): Promise<PreflightFinding[]> {
  const { stack } = c.stack;
  const note = (message: string): PreflightFinding => ({ stack, severity: "note", message });
  const { needs, unknownTypes, unresolved } = needsOfPlan(c.index);
  const findings: PreflightFinding[] = [];
  if (unknownTypes.length > 0) findings.push(note(`stacks/deploy-permissions.ts does not list what deploying ${unknownTypes.join(", ")} needs: those permissions were not checked`));
  if (unresolved.length > 0) findings.push(note(`the plan does not give the ARN of ${unresolved.join(", ")}: their permissions were not checked`));
  if (needs.length === 0) return findings;
  const principal = await principalOf(c.live!, identity);
  if ("skip" in principal) return [...findings, note(`permissions not checked: ${principal.skip}`)];
  return [...findings, ...(await simulationFindings(c.live!, stack, principal.arn, needs, principal.pathUnknown))];
}

// ---------------------------------------------------------------------------------------------
// Limits

/**
 * EventBridge's quota of rules per event bus: 100 in af-south-1 and eu-south-1, 300 elsewhere,
 * adjustable; Service Quotas code L-244521F2 ("Amazon EventBridge quotas",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
 */
export const RULES_QUOTA_CODE = "L-244521F2";
export function defaultRulesPerBus(region: string): number {
  return region === "af-south-1" || region === "eu-south-1" ? 100 : 300;
}

/** "source-account creates 3 and deletes 0", "pipeline-account-a and pipeline-account-b create 4 and delete 1" */
function createDelete(stacks: readonly string[], created: number, deleted: number): string {
  const one = stacks.length === 1;
  const who = one ? stacks[0] : `${stacks.slice(0, -1).join(", ")} and ${stacks[stacks.length - 1]}`;
  return `${who} ${one ? "creates" : "create"} ${created} and ${one ? "deletes" : "delete"} ${deleted}`;
}

/**
 * Counted per account over every stack deployed to it, against what the account holds: roles
 * with GetAccountSummary (its Roles and RolesQuota, https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html;
 * IAM's quota of roles per account: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html),
 * rules with ListRules. A count that cannot be read is a note: the deploy may well fit.
 */
async function checkLimits(config: Config, checked: readonly Checked[]): Promise<PreflightFinding[]> {
  const findings: PreflightFinding[] = [];
  const byAccount = new Map<string, { live: LiveAccount; stacks: { stack: string; counts: Counts }[] }>();
  for (const c of checked) {
    if (!c.live || !c.identity) continue;
    const entry = byAccount.get(c.stack.accountId) ?? { live: c.live, stacks: [] };
    entry.stacks.push({ stack: c.stack.stack, counts: countsOfPlan(c.index) });
    byAccount.set(c.stack.accountId, entry);
  }
  await Promise.all(
    [...byAccount].map(async ([accountId, { live, stacks }]) => {
      const rolesCreated = stacks.reduce((n, s) => n + s.counts.roles.created, 0);
      const rolesDeleted = stacks.reduce((n, s) => n + s.counts.roles.deleted, 0);
      const adding = stacks.filter((s) => s.counts.roles.created > 0).map((s) => s.stack);
      if (rolesCreated > rolesDeleted) {
        const first = adding[0];
        const got = await live.roleCounts();
        if (!got.ok) {
          findings.push({ stack: first, severity: "note", message: `roles per account not counted in account ${accountId}: ${describeFailure(got.failure)}` });
        } else if (got.value && got.value.roles + rolesCreated - rolesDeleted > got.value.quota) {
          const { roles, quota } = got.value;
          findings.push({
            stack: first,
            severity: "stop",
            message:
              `account ${accountId} would have ${roles + rolesCreated - rolesDeleted} roles, over its quota of ${quota}: it has ${roles}, and ${createDelete(adding, rolesCreated, rolesDeleted)}; ` +
              `delete roles it no longer uses, or ask for a higher "Roles per account" quota (IAM, in Service Quotas)`,
          });
        }
      }
      const buses = new Map<string, { created: number; deleted: number; busCreated: boolean; stacks: string[] }>();
      for (const s of stacks) {
        for (const [bus, n] of s.counts.rules) {
          const b = buses.get(bus) ?? { created: 0, deleted: 0, busCreated: false, stacks: [] };
          b.created += n.created;
          b.deleted += n.deleted;
          b.busCreated ||= n.busCreated;
          if (n.created > 0) b.stacks.push(s.stack);
          buses.set(bus, b);
        }
      }
      await Promise.all(
        [...buses].map(async ([bus, b]) => {
          if (b.created <= b.deleted) return;
          const stack = b.stacks[0];
          const where = bus === "default" ? `the default event bus of account ${accountId}` : `event bus ${bus} in account ${accountId}`;
          const existing = b.busCreated ? { ok: true as const, value: 0 } : await live.ruleCount(bus);
          if (!existing.ok) {
            findings.push({ stack, severity: "note", message: `rules on ${where} not counted: ${describeFailure(existing.failure)}` });
            return;
          }
          const total = existing.value + b.created - b.deleted;
          const standard = defaultRulesPerBus(config.region);
          // The account's own value when Service Quotas has one (raised, or set lower for the
          // account), else the documented default.
          const applied = await live.quota("events", RULES_QUOTA_CODE);
          const counted = `it has ${existing.value}, and ${createDelete(b.stacks, b.created, b.deleted)}`;
          if (!applied.ok) {
            if (total <= standard) return;
            findings.push({
              stack,
              severity: "note",
              message: `${where} would have ${total} rules, over EventBridge's default quota of ${standard} (${counted}); whether the account's quota is higher could not be read: ${describeFailure(applied.failure)}`,
            });
            return;
          }
          const quota = applied.value ?? standard;
          if (total > quota) {
            findings.push({
              stack,
              severity: "stop",
              message: `${where} would have ${total} rules, over its quota of ${quota}: ${counted}; remove rules it no longer uses, or ask for a higher quota (EventBridge "Number of rules", ${RULES_QUOTA_CODE}, in Service Quotas)`,
            });
          }
        }),
      );
    }),
  );
  return findings;
}
