/**
 * Evaluates access cases with @cloud-copilot/iam-simulate (AGPL: a devDependency, used only by
 * this verification): identity policy, resource policy and trust policy combined as AWS combines
 * them, same-account and cross-account.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { AccessCase } from "./cases";
import { resourceAccount, resourcePolicyFor, type World } from "./world";

/** A statement the simulator looked at: the policy it is in and its Sid, if it has one. */
export interface StatementRef {
  readonly policy: string;
  readonly sid?: string;
}

/**
 * What one side of a request (the caller's identity policies, or the resource's policy) said, from
 * the simulator's own analysis: which statements allowed, which denied, and which matched the
 * action, resource and principal but not their conditions (the usual sign of a changed ARN).
 */
export interface SideAnalysis {
  /** "Allowed", "ExplicitlyDenied", "ImplicitlyDenied"; for a resource policy also "NotApplicable", "AllowedForAccount", "DeniedForAccount". */
  readonly result: string;
  readonly allowedBy: readonly StatementRef[];
  readonly deniedBy: readonly StatementRef[];
  readonly conditionNotMet: readonly StatementRef[];
}

export interface Outcome {
  readonly case: AccessCase;
  /** "Allowed", "ExplicitlyDenied", "ImplicitlyDenied", or the simulator's error. */
  readonly result: string;
  readonly ok: boolean;
  /** Absent when the simulator could not run (then `result` holds its error). */
  readonly identity?: SideAnalysis;
  readonly resource?: SideAnalysis;
}

interface AnalyzedStatement {
  policyId: string;
  statement: { sid?: () => string | undefined; effect?: () => string };
  actionMatch: boolean;
  resourceMatch: boolean;
  principalMatch?: string;
  conditionMatch: string;
}

interface AnalyzedSide {
  result: string;
  allowStatements: AnalyzedStatement[];
  denyStatements: AnalyzedStatement[];
  unmatchedStatements: AnalyzedStatement[];
}

function ref(s: AnalyzedStatement): StatementRef {
  const sid = typeof s.statement.sid === "function" ? s.statement.sid() : undefined;
  return sid ? { policy: s.policyId, sid } : { policy: s.policyId };
}

function side(analysis: AnalyzedSide | undefined): SideAnalysis | undefined {
  if (!analysis) return undefined;
  return {
    result: analysis.result,
    allowedBy: analysis.allowStatements.map(ref),
    deniedBy: analysis.denyStatements.map(ref),
    conditionNotMet: analysis.unmatchedStatements
      .filter((s) => s.statement.effect?.() === "Allow")
      .filter((s) => s.actionMatch && s.resourceMatch && s.principalMatch !== "NoMatch" && s.conditionMatch === "NoMatch")
      .map(ref),
  };
}

/** What the simulator answered, without the case it was asked for. */
type Answer = Omit<Outcome, "case" | "ok">;

/**
 * Answers by request and policies: the same request on the same documents is simulated once per
 * process. Plan review asks every request of the access model twice (before and after a change
 * that touches few policies); doctor's diagnosis, once per hop and again to explain a denied one.
 */
const answers = new Map<string, Promise<Answer>>();
const MAX_ANSWERS = 5000;

async function simulate(input: Parameters<typeof runSimulation>[0]): Promise<Answer> {
  const response = await runSimulation(input, {});
  if (response.resultType === "error") return { result: `error: ${JSON.stringify(response.errors)}` };
  const analysis = response.resultType === "single" ? response.result.analysis : undefined;
  return {
    result: response.overallResult,
    identity: side(analysis?.identityAnalysis as AnalyzedSide | undefined),
    resource: side(analysis?.resourceAnalysis as AnalyzedSide | undefined),
  };
}

export async function evaluate(world: World, c: AccessCase): Promise<Outcome> {
  const isService = !c.principal.startsWith("arn:");
  // A role with a path (`role/service-role/x`) is the world's role of that name: names are unique in an account.
  const role = world.roles.get(c.principal) ?? world.roles.get(c.principal.replace(/:role\/(?:[^/]+\/)+/, ":role/"));
  const identityPolicies = c.identity ? [{ name: "own-policy", policy: c.identity }] : (role?.identityPolicies ?? []);
  const accountId = c.resourceAccount ?? resourceAccount(world, c.resource);
  if (!accountId) throw new Error(`case "${c.who} ${c.action} ${c.on}": unknown owner of ${c.resource}`);
  // The keys a real request carries: a missing key would silently switch off a Deny on it.
  const context: Record<string, string | string[]> = {
    ...(!isService && { "aws:PrincipalArn": c.principal, "aws:PrincipalAccount": c.principal.split(":")[4] }),
    "aws:SecureTransport": "true",
    ...c.context,
  };
  const input = {
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicyFor(world, c.resource),
    request: { action: c.action, principal: c.principal, resource: { accountId, resource: c.resource }, contextVariables: context },
  };
  const key = JSON.stringify(input);
  let answer = answers.get(key);
  if (!answer) {
    if (answers.size >= MAX_ANSWERS) answers.clear();
    answer = simulate(input);
    answers.set(key, answer);
  }
  const { result, ...analysis } = await answer;
  // A request the simulator could not answer is never as expected.
  const ok = !result.startsWith("error: ") && (result === "Allowed") === (c.expect === "allowed");
  return { case: c, result, ok, ...analysis };
}

const COLUMNS = ["#", "who", "action", "on what", "expected", "result"] as const;

function rows(outcomes: readonly Outcome[]): string[][] {
  return outcomes.map((o) => [o.case.row, o.case.who, o.case.action, o.case.on, o.case.expect, `${o.ok ? "ok" : "MISMATCH"}: ${o.result}`]);
}

/** Outcomes by the group of their case, groups in the order they first appear. */
function byGroup(outcomes: readonly Outcome[]): [string, Outcome[]][] {
  const groups = new Map<string, Outcome[]>();
  for (const o of outcomes) {
    const group = o.case.group ?? "";
    groups.set(group, [...(groups.get(group) ?? []), o]);
  }
  return [...groups];
}

/** A plain-text table for the terminal, a title line before each group's rows. */
export function textTable(outcomes: readonly Outcome[]): string {
  const all = [[...COLUMNS], ...rows(outcomes)];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  const body = byGroup(outcomes).flatMap(([group, grouped]) => [...(group ? ["", group] : []), ...rows(grouped).map(line)]);
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...body].join("\n");
}

/**
 * The "who can do what" tables of docs/security-model.md (without the result column: they show what is verified),
 * one per group, each under a heading that names it.
 */
export function markdownTable(outcomes: readonly Outcome[]): string {
  const header = "| # | who | action | on what | AWS answers |\n|---|---|---|---|---|";
  return byGroup(outcomes)
    .map(([group, grouped]) => {
      const body = grouped.map((o) => `| ${o.case.row} | ${o.case.who} | \`${o.case.action}\` | ${o.case.on} | ${o.case.expect} |`);
      return [...(group ? [`#### ${group}`, ""] : []), header, ...body].join("\n");
    })
    .join("\n\n");
}
