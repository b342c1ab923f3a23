/**
 * summary.md's "Access changes": who gains or loses access if the plans are applied. The access
 * cases (access/cases.ts: every hop of each pipeline's chain, and what must stay false) are
 * evaluated twice with the access model verify:access and doctor use: on the policies before
 * (the plans' prior state) and after (their planned values). A request whose answer changes is
 * listed; it is dangerous when it opens what must stay closed, or closes a hop a pipeline needs.
 * A policy Terraform knows only after apply is listed as such, with the requests it decides.
 * When nothing exists before the plans (a first deployment), every answer would be a change: the
 * answers on the planned policies are checked against the design instead, and only those that
 * differ from it are listed.
 */
import type { Config } from "../config/schema";
import { stackNames } from "../config/accounts";
import { accessCases, type AccessCase } from "../access/cases";
import { evaluate } from "../access/simulate";
import { absentKeyArn, buildWorld, POLICY_ATTRIBUTES, resourceAccount, type UnknownPolicy, type World, type WorldResource } from "../access/world";
import { cell, code, collapsible, table } from "./markdown";
import { changeKind, type PlanJson, type PlanResource } from "./plan-summary";

export interface StackPlan {
  readonly stack: string;
  readonly plan: PlanJson;
}

/** How a request fares on one side of the plan. */
export type Answer =
  | { readonly kind: "allowed" | "denied"; readonly result: string }
  /** The principal or the resource does not exist on this side (the plan creates or destroys it). */
  | { readonly kind: "absent"; readonly what: string }
  /** A policy that decides it is known only after apply. */
  | { readonly kind: "unknown"; readonly policies: readonly UnknownPolicy[] }
  /** The simulator could not evaluate it. */
  | { readonly kind: "error"; readonly result: string };

export interface AccessChange {
  readonly case: AccessCase;
  readonly before: Answer;
  readonly after: Answer;
  /** "allowed": denied before, allowed after; "denied": the reverse. */
  readonly now: "allowed" | "denied";
  readonly dangerous: boolean;
}

export interface PolicyChange {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  /** What the policy is, in words ("trust policy of role demo-web-source-access"). */
  readonly what: string;
  readonly how: "added" | "removed" | "changed" | "known after apply";
}

export interface AccessDiff {
  /** How many requests were evaluated on each side. */
  readonly evaluated: number;
  readonly policies: readonly PolicyChange[];
  readonly changes: readonly AccessChange[];
  /** Each policy known only after apply, with the requests it decides (and their answer before). */
  readonly unknown: readonly { readonly policy: UnknownPolicy; readonly requests: readonly { readonly case: AccessCase; readonly before: Answer }[] }[];
  /** A first deployment's answers against the design; absent when something exists before the plans. */
  readonly design?: DesignCheck;
}

/** The answers on the planned policies, against what the design expects of each request. */
export interface DesignCheck {
  /** Requests that must be allowed, and are. */
  readonly allowed: number;
  /** Requests that must stay denied, and are (or whose principal or resource does not exist). */
  readonly denied: number;
  /** Requests decided by a policy known only after apply. */
  readonly unknown: number;
  /** The others: answered otherwise than designed, or not evaluated (the simulator's error). */
  readonly misses: readonly DesignMiss[];
}

export interface DesignMiss {
  readonly case: AccessCase;
  readonly after: Answer;
  /** Dangerous as an access change is (isDangerous): what must stay denied is newly allowed. */
  readonly dangerous: boolean;
}

/** Why there is no diff: a stack of the config has no plan, so one side of some request is missing. */
export interface NoAccessDiff {
  readonly missing: readonly string[];
}

/** Attributes AWS sets to the value of a configured one: a reference to them is known at plan. */
const SAME_AS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  aws_s3_bucket: { id: "bucket", bucket: "bucket" },
  aws_iam_role: { id: "name", name: "name" },
  aws_ecr_repository: { id: "name", name: "name" },
  aws_cloudwatch_event_bus: { id: "name", name: "name" },
};

/** The attributes that say which role, bucket, repository or bus a policy belongs to. */
const OWNER_ATTRIBUTES = ["role", "bucket", "repository", "event_bus_name"];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The resources of one side of a plan, as the access world reads them: the prior state's, or the
 * planned values with what is known only after apply (after_unknown). A policy's owner known
 * only after apply (a bucket policy's `bucket = aws_s3_bucket.x.id` when the bucket is new) is
 * taken from the resource it refers to, whose name is configured.
 */
export function planResources(plan: PlanJson, side: "before" | "after"): WorldResource[] {
  const module = side === "before" ? plan.prior_state?.values?.root_module : plan.planned_values?.root_module;
  const resources = (module?.resources ?? []).filter((r) => r.mode === "managed");
  if (side === "before") return resources.map((r) => ({ address: r.address, mode: r.mode, type: r.type, values: r.values ?? {} }));

  const unknown = new Map((plan.resource_changes ?? []).map((c) => [c.address, c.change.after_unknown]));
  const byAddress = new Map<string, PlanResource>(resources.map((r) => [r.address, r]));
  const references = new Map((plan.configuration?.root_module?.resources ?? []).map((r) => [r.address, r.expressions ?? {}]));
  return resources.map((r) => {
    const after = unknown.get(r.address);
    const values = { ...(r.values ?? {}) };
    const marks = isObject(after) ? after : {};
    for (const attribute of OWNER_ATTRIBUTES) {
      if (marks[attribute] !== true || values[attribute] !== undefined) continue;
      for (const ref of references.get(r.address)?.[attribute]?.references ?? []) {
        const m = /^(\w+)\.([\w-]+)\.(\w+)$/.exec(ref);
        const same = m && SAME_AS[m[1]]?.[m[3]];
        const value = same ? byAddress.get(`${m[1]}.${m[2]}`)?.values?.[same] : undefined;
        if (typeof value === "string") {
          values[attribute] = value;
          break;
        }
      }
    }
    return { address: r.address, mode: r.mode, type: r.type, values, unknown: marks };
  });
}

/** Where a request's resource policy is kept: an object's is its bucket's. */
function policyKey(resourceArn: string): string {
  const s3 = /^arn:aws:s3:::([^/]+)/.exec(resourceArn);
  return s3 ? `arn:aws:s3:::${s3[1]}` : resourceArn;
}

const isRoleArn = (arn: string) => /^arn:aws:iam::\d{12}:role\//.test(arn);

/** What a request needs that does not exist in this world, if anything. */
function absent(world: World, c: AccessCase): string | undefined {
  // A caller given its own policy stands for any such principal; one of ours must exist.
  if (!c.identity && isRoleArn(c.principal) && !world.roles.has(c.principal)) return "the caller";
  if (isRoleArn(c.resource) && !world.roles.has(c.resource)) return "the role";
  if ([...world.artifactKeys.entries()].some(([account, key]) => key === c.resource && key === absentKeyArn(c.resource.split(":")[3], account))) {
    return "the key";
  }
  if (!c.resourceAccount && resourceAccount(world, c.resource) === undefined) return "the bucket";
  return undefined;
}

/** The policies known only after apply that decide this request. */
function deciding(world: World, c: AccessCase): UnknownPolicy[] {
  const key = policyKey(c.resource);
  return (world.unknownPolicies ?? []).filter((p) => (p.role !== undefined && !c.identity && p.role === c.principal) || p.resource === key);
}

export async function answer(world: World, c: AccessCase): Promise<Answer> {
  const missing = absent(world, c);
  if (missing) return { kind: "absent", what: missing };
  const policies = deciding(world, c);
  if (policies.length > 0) return { kind: "unknown", policies };
  const outcome = await evaluate(world, c);
  if (outcome.result.startsWith("error")) return { kind: "error", result: outcome.result };
  return { kind: outcome.result === "Allowed" ? "allowed" : "denied", result: outcome.result };
}

const allows = (a: Answer) => a.kind === "allowed";
const known = (a: Answer) => a.kind === "allowed" || a.kind === "denied" || a.kind === "absent";

/** Newly allowed, what must never be; newly denied, a hop a pipeline needs. */
export function isDangerous(c: AccessCase, now: "allowed" | "denied"): boolean {
  return now === "allowed" ? c.expect === "denied" : c.expect === "allowed";
}

function canonical(policy: unknown): string {
  if (typeof policy !== "string") return JSON.stringify(policy ?? null);
  try {
    return JSON.stringify(JSON.parse(policy));
  } catch {
    return policy;
  }
}

function describe(type: string, values: Record<string, unknown>): string {
  const v = (k: string) => String(values[k] ?? "?");
  switch (type) {
    case "aws_iam_role":
      return `trust policy of role ${v("name")}`;
    case "aws_iam_role_policy":
      return `policy ${v("name")} of role ${v("role")}`;
    case "aws_kms_key":
      return "key policy of the artifact key";
    case "aws_s3_bucket_policy":
      return `bucket policy of ${values.bucket === undefined ? "the artifact bucket" : v("bucket")}`;
    case "aws_ecr_repository_policy":
      return `repository policy of ${v("repository")}`;
    case "aws_cloudwatch_event_bus_policy":
      return `policy of event bus ${v("event_bus_name")}`;
    default:
      return type;
  }
}

/** The policies a stack's plan adds, removes or changes, and those it knows only after apply. */
export function policyChanges(stack: string, plan: PlanJson): PolicyChange[] {
  const before = new Map(planResources(plan, "before").map((r) => [r.address, r]));
  const after = new Map(planResources(plan, "after").map((r) => [r.address, r]));
  const changes: PolicyChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const attribute = POLICY_ATTRIBUTES[rc.type];
    if (!attribute || (rc.mode ?? "managed") !== "managed" || changeKind(rc.change.actions) === undefined) continue;
    const b = before.get(rc.address);
    const a = after.get(rc.address);
    const what = describe(rc.type, { ...b?.values, ...a?.values });
    const base = { stack, address: rc.address, type: rc.type, what };
    if (a && a.unknown?.[attribute] === true && a.values[attribute] === undefined) changes.push({ ...base, how: "known after apply" });
    else if (a && !b) changes.push({ ...base, how: "added" });
    else if (b && !a) changes.push({ ...base, how: "removed" });
    else if (a && b && canonical(a.values[attribute]) !== canonical(b.values[attribute])) changes.push({ ...base, how: "changed" });
  }
  return changes;
}

/**
 * The requests to evaluate: those of access/cases.ts, which walks every pipeline's chain and what
 * must stay false for it, each request once.
 */
export function reviewCases(config: Config, world: World): AccessCase[] {
  const seen = new Set<string>();
  return accessCases(config, world).filter((c) => {
    const key = JSON.stringify([c.principal, c.action, c.resource, c.context ?? null, c.identity ?? null, c.resourceAccount ?? null]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The access diff of a set of plans, one per stack of the config; or what is missing for it. */
export async function accessDiff(config: Config, plans: readonly StackPlan[]): Promise<AccessDiff | NoAccessDiff> {
  const missing = stackNames(config).filter((s) => !plans.some((p) => p.stack === s));
  if (missing.length > 0) return { missing };
  const world = (side: "before" | "after") =>
    buildWorld(config, plans.map((p) => ({ stack: p.stack, resources: planResources(p.plan, side) })), { partial: true });
  const worlds = { before: world("before"), after: world("after") };
  // The same config gives the same requests in the same order; only a key's ARN may differ.
  const cases = { before: reviewCases(config, worlds.before), after: reviewCases(config, worlds.after) };
  const same = (a: AccessCase, b: AccessCase) => a.who === b.who && a.action === b.action && a.on === b.on;
  if (cases.before.length !== cases.after.length || cases.before.some((c, i) => !same(c, cases.after[i]))) {
    throw new Error("the requests evaluated before and after the plans differ");
  }
  const policies = plans.flatMap((p) => policyChanges(p.stack, p.plan));
  // No policy added, removed, changed or known only after apply, and the same principals and
  // resources: every request meets the same policies on both sides, so no answer can change.
  if (policies.length === 0 && sameMembers(worlds.before, worlds.after)) return { evaluated: cases.after.length, policies, changes: [], unknown: [] };
  const answers = {
    before: await Promise.all(cases.before.map((c) => answer(worlds.before, c))),
    after: await Promise.all(cases.after.map((c) => answer(worlds.after, c))),
  };
  const changes: AccessChange[] = [];
  const unknownRequests = new Map<UnknownPolicy, { case: AccessCase; before: Answer }[]>();
  cases.after.forEach((c, i) => {
    const [before, after] = [answers.before[i], answers.after[i]];
    if (after.kind === "unknown") {
      for (const p of after.policies) unknownRequests.set(p, [...(unknownRequests.get(p) ?? []), { case: c, before }]);
      return;
    }
    if (!known(before) || !known(after) || allows(before) === allows(after)) return;
    const now = allows(after) ? "allowed" : "denied";
    changes.push({ case: c, before, after, now, dangerous: isDangerous(c, now) });
  });
  const unknown = (worlds.after.unknownPolicies ?? []).map((policy) => ({ policy, requests: unknownRequests.get(policy) ?? [] }));
  const firstDeployment = plans.every((p) => planResources(p.plan, "before").length === 0);
  const design = firstDeployment ? designCheck(cases.after, answers.after, changes) : undefined;
  return { evaluated: cases.after.length, policies, changes, unknown, ...(design && { design }) };
}

function designCheck(cases: readonly AccessCase[], answers: readonly Answer[], changes: readonly AccessChange[]): DesignCheck {
  const dangerous = new Set(changes.filter((c) => c.dangerous).map((c) => c.case));
  const check = { allowed: 0, denied: 0, unknown: 0, misses: [] as DesignMiss[] };
  cases.forEach((c, i) => {
    const after = answers[i];
    if (after.kind === "unknown") check.unknown += 1;
    else if (after.kind !== "error" && allows(after) === (c.expect === "allowed")) check[c.expect] += 1;
    else check.misses.push({ case: c, after, dangerous: dangerous.has(c) });
  });
  return check;
}

function sameMembers(a: World, b: World): boolean {
  const keys = (m: ReadonlyMap<string, unknown>) => JSON.stringify([...m.keys()].sort());
  const entries = (m: ReadonlyMap<string, string>) => JSON.stringify([...m.entries()].sort());
  return keys(a.roles) === keys(b.roles) && entries(a.bucketOwners) === entries(b.bucketOwners) && entries(a.artifactKeys) === entries(b.artifactKeys);
}

export function dangerousCount(diff: AccessDiff | NoAccessDiff): number {
  return "changes" in diff ? diff.changes.filter((c) => c.dangerous).length : 0;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** An answer in words, as the summary and deploy's comparison of plans show it. */
export function showAnswer(a: Answer): string {
  switch (a.kind) {
    case "absent":
      return `denied (${a.what} does not exist)`;
    case "unknown":
      return "known after apply";
    case "error":
      return `error: ${a.result}`;
    default:
      return a.kind;
  }
}

function why(change: AccessChange): string {
  const { row } = change.case;
  if (change.now === "allowed") {
    return change.dangerous ? "must never be allowed" : `a hop of the chain (row ${row}) now in place`;
  }
  return change.dangerous ? `a hop of the chain (row ${row}): its pipeline breaks` : "must never be allowed: now denied";
}

function changeRows(changes: readonly AccessChange[]): string[] {
  return table(
    ["now", "#", "who", "action", "on what", "before → after", "why it matters"],
    changes.map((c) => [
      c.dangerous ? `**newly ${c.now}**` : `newly ${c.now}`,
      c.case.row,
      c.case.who,
      code(c.case.action),
      c.case.on,
      `${showAnswer(c.before)} → **${showAnswer(c.after)}**`,
      why(c),
    ]),
  );
}

/** The dangerous access changes, loudly: a hop newly denied, or what must stay denied newly allowed. */
function dangerBlock(dangerous: readonly AccessChange[]): string[] {
  if (dangerous.length === 0) return [];
  return [
    "",
    `### ⚠️ DANGER: ${dangerous.length} dangerous access ${dangerous.length === 1 ? "change" : "changes"}`,
    "",
    "> [!CAUTION]",
    "> Newly allowed: a request that must never be allowed (a third account, another role, another pipeline or " +
      "pipeline account, no TLS or KMS). Newly denied: a hop a pipeline needs, which fails once this is applied.",
    "",
    ...changeRows(dangerous),
  ];
}

/** The policies known only after apply, each with how many requests it decides. */
function unknownPolicies(diff: AccessDiff): string[] {
  return diff.unknown.map(({ policy, requests }) => {
    const hops = requests.filter((r) => r.case.expect === "allowed").length;
    const decides =
      requests.length === 0
        ? "decides none of the requests evaluated"
        : `decides ${plural(requests.length, "request")} (${plural(hops, "hop")} of the chain)`;
    return `* ${policy.stack}: ${code(policy.address)} (${code(policy.attribute)}) ${decides}`;
  });
}

const MODEL =
  "the access model behind `npm run verify:access` (each hop of every pipeline's chain, and what must stay denied)";

/** A first deployment's access section: the answers on the planned policies against the design. */
function renderDesign(diff: AccessDiff, design: DesignCheck): string[] {
  const misses = design.misses.filter((m) => !m.dangerous);
  const lines = [
    "## Access on the planned policies",
    "",
    `**The access model on the planned policies: ${plural(design.allowed, "request")} allowed as designed, ` +
      `${design.denied} denied as designed, ${design.unknown} known only after apply` +
      `${design.misses.length > 0 ? `, ${design.misses.length} not as designed` : ""}.** ` +
      `Nothing of these stacks exists yet, so the ${diff.evaluated} requests of ${MODEL} are checked against the design, ` +
      "not against what was there before; only those answered otherwise are listed.",
    ...dangerBlock(diff.changes.filter((c) => c.dangerous)),
  ];
  if (misses.length > 0) {
    lines.push(
      "",
      `### Not as designed: ${plural(misses.length, "request")}`,
      "",
      "A hop denied here fails its pipeline once this is applied; an error is a request the access model could not evaluate.",
      "",
      ...table(
        ["#", "who", "action", "on what", "planned", "designed"],
        misses.map((m) => [m.case.row, m.case.who, code(m.case.action), m.case.on, `**${showAnswer(m.after)}**`, m.case.expect]),
      ),
    );
  }
  if (diff.unknown.length > 0) {
    lines.push(
      "",
      `Known only after apply: ${plural(diff.unknown.length, "policy", "policies")} Terraform computes during apply ` +
        "(they name something the plans create, such as a new key's ARN), so the requests they decide are not evaluated " +
        "here: read them in `<stack>.txt`.",
      "",
      ...collapsible(`${diff.unknown.length} policies`, unknownPolicies(diff), 8),
    );
  }
  return lines;
}

/** The "Access changes" section, or for a first deployment "Access on the planned policies". */
export function renderAccess(diff: AccessDiff | NoAccessDiff): string[] {
  if ("design" in diff && diff.design) return renderDesign(diff, diff.design);
  const lines = ["## Access changes", ""];
  if (!("changes" in diff)) {
    lines.push(`Not evaluated: ${diff.missing.map(code).join(", ")} ${diff.missing.length === 1 ? "has" : "have"} no plan, so the policies on one side of the requests are missing.`);
    return lines;
  }
  if (diff.policies.length === 0 && diff.changes.length === 0) {
    lines.push(`No policy changes: the ${diff.evaluated} requests of the permission chain and what must stay false are answered as before.`);
    return lines;
  }
  const dangerous = diff.changes.filter((c) => c.dangerous);
  const other = diff.changes.filter((c) => !c.dangerous);
  const unknownRequests = new Set(diff.unknown.flatMap((u) => u.requests.map((r) => r.case))).size;
  const answers = `${plural(diff.changes.length, "answer")} ${diff.changes.length === 1 ? "changes" : "change"} (${dangerous.length} dangerous)`;
  lines.push(
    `**${plural(diff.policies.length, "policy", "policies")} ${diff.policies.length === 1 ? "changes" : "change"}, ${answers}` +
      `${unknownRequests > 0 ? `, ${plural(unknownRequests, "request")} cannot be evaluated until apply` : ""}.** ` +
      `Evaluated: ${diff.evaluated} requests of ${MODEL}, on the policies before the plans (their prior state) and after (their planned values).`,
    ...dangerBlock(dangerous),
  );
  if (other.length > 0) {
    lines.push("", `### Other access changes: ${other.length}`, "", ...collapsible(`${other.length} requests`, changeRows(other), 12));
  }
  if (diff.unknown.length > 0) {
    lines.push(
      "",
      `### Known only after apply: ${diff.unknown.length} ${diff.unknown.length === 1 ? "policy" : "policies"}`,
      "",
      "Terraform computes these policies during apply (they name something created or changed by the plan, such as a new " +
        "key's ARN), so the requests they decide are not evaluated here: read them in `<stack>.txt`.",
      "",
    );
    const bullets = unknownPolicies(diff);
    lines.push(...collapsible(`${bullets.length} policies`, bullets, 8));
    const requests = [...new Map(diff.unknown.flatMap((u) => u.requests.map((r) => [r.case, r] as const))).values()];
    if (requests.length > 0) {
      const rows = table(
        ["#", "who", "action", "on what", "before"],
        requests.map((r) => [r.case.row, r.case.who, code(r.case.action), r.case.on, showAnswer(r.before)]),
      );
      lines.push("", `<details><summary>The ${requests.length} requests they decide</summary>`, "", ...rows, "", "</details>");
    }
  }
  const changed = diff.policies.filter((p) => p.how !== "known after apply");
  if (changed.length > 0) {
    const bullets = changed.map((p) => `* ${p.stack}: ${code(p.address)}, ${cell(p.what)}: ${p.how}`);
    lines.push("", `Policies that change: ${changed.length}`, "", ...collapsible(`${changed.length} policies`, bullets, 8));
  }
  return lines;
}
