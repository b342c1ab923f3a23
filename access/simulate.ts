/**
 * Evaluates access cases with @cloud-copilot/iam-simulate (AGPL: a devDependency, used only by
 * this verification): identity policy, resource policy and trust policy combined as AWS combines
 * them, same-account and cross-account.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { AccessCase } from "./cases";
import { resourceAccount, resourcePolicyFor, type World } from "./world";

export interface Outcome {
  readonly case: AccessCase;
  /** "Allowed", "ExplicitlyDenied", "ImplicitlyDenied", or the simulator's error. */
  readonly result: string;
  readonly ok: boolean;
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
  const response = await runSimulation(
    {
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicyFor(world, c.resource),
      request: { action: c.action, principal: c.principal, resource: { accountId, resource: c.resource }, contextVariables: context },
    },
    {},
  );
  if (response.resultType === "error") {
    return { case: c, result: `error: ${JSON.stringify(response.errors)}`, ok: false };
  }
  const result = response.overallResult;
  return { case: c, result, ok: (result === "Allowed") === (c.expect === "allowed") };
}

const COLUMNS = ["#", "who", "action", "on what", "expected", "result"] as const;

function rows(outcomes: readonly Outcome[]): string[][] {
  return outcomes.map((o) => [o.case.row, o.case.who, o.case.action, o.case.on, o.case.expect, `${o.ok ? "ok" : "MISMATCH"}: ${o.result}`]);
}

/** A plain-text table for the terminal. */
export function textTable(outcomes: readonly Outcome[]): string {
  const all = [[...COLUMNS], ...rows(outcomes)];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

/** The README's "who can do what" table (without the result column: it shows what is verified). */
export function markdownTable(outcomes: readonly Outcome[]): string {
  const header = "| # | who | action | on what | AWS answers |\n|---|---|---|---|---|";
  const body = outcomes.map((o) => `| ${o.case.row} | ${o.case.who} | \`${o.case.action}\` | ${o.case.on} | ${o.case.expect} |`);
  return [header, ...body].join("\n");
}
