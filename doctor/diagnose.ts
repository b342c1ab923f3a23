/**
 * Every hop simulated on the live World with the access model's own evaluate(), and for each hop
 * that does not answer as it must: which policy, in which account, lacks or blocks it, and the fix.
 */
import type { AccessCase } from "../access/cases";
import { evaluate, type Outcome, type SideAnalysis, type StatementRef } from "../access/simulate";
import { resourceAccount, type World } from "../access/world";
import * as naming from "../lib/naming";
import type { Finding, ResourceInfo } from "./live";
import { statementsBySid } from "./policy-text";

export type HopState = "ok" | "denied" | "allowed, must be denied" | "could not read" | "error";

export interface Hop {
  readonly row: string;
  readonly who: string;
  readonly action: string;
  readonly on: string;
  readonly expect: "allowed" | "denied";
  readonly state: HopState;
  /** The pipeline whose Source chain this hop is, when it is one. */
  readonly pipeline?: string;
  readonly because: readonly string[];
  readonly fix: readonly string[];
}

/** A case and, for the hops of one pipeline's live chain, that pipeline. */
export interface TaggedCase {
  readonly case: AccessCase;
  readonly pipeline?: string;
}

/** The same request asked twice (a live chain that matches the config's) is simulated once, keeping the first. */
export function dedupe(cases: readonly TaggedCase[]): TaggedCase[] {
  const seen = new Set<string>();
  return cases.filter(({ case: c }) => {
    const key = JSON.stringify([c.principal, c.action, c.resource, c.context ?? {}, c.identity ?? null, c.expect]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The ARN whose policy decides on the resource side (an object's is its bucket's). */
function resourceKey(resource: string): string {
  const s3 = /^arn:aws:s3:::([^/]+)/.exec(resource);
  return s3 ? naming.bucketArn(s3[1]) : resource;
}

function describeResourcePolicy(info: ResourceInfo | undefined, arn: string): string {
  if (!info) return `the policy of ${arn}`;
  const where = `(${info.account})`;
  switch (info.kind) {
    case "role":
      return `the trust policy of role ${info.name} ${where}`;
    case "repository":
      return `the policy of repository ${info.name} ${where}`;
    case "key":
      return `the key policy of key ${info.name} ${where}`;
    case "bucket":
      return `the policy of bucket ${info.name} ${where}`;
    case "event bus":
      return `the policy of event bus ${info.name} ${where}`;
  }
}

function describeResource(info: ResourceInfo | undefined, arn: string): string {
  return info ? `${info.kind} ${info.name} (${info.account})` : arn;
}

export interface DiagnoseInput {
  readonly world: World;
  readonly resources: ReadonlyMap<string, ResourceInfo>;
  /** Whether the app manages these resources (config mode): fixes then name the stack to redeploy. */
  readonly managed: boolean;
}

export async function diagnose(input: DiagnoseInput, cases: readonly TaggedCase[]): Promise<Hop[]> {
  return Promise.all(
    dedupe(cases).map(async ({ case: c, pipeline }) => {
      let outcome: Outcome;
      try {
        outcome = await evaluate(input.world, c);
      } catch (e) {
        return hop(c, pipeline, "error", [`could not simulate: ${(e as Error).message}`], []);
      }
      if (outcome.ok) return hop(c, pipeline, "ok", [], []);
      return explain(input, outcome, pipeline);
    }),
  );
}

function hop(c: AccessCase, pipeline: string | undefined, state: HopState, because: string[], fix: string[]): Hop {
  return { row: c.row, who: c.who, action: c.action, on: c.on, expect: c.expect, state, ...(pipeline && { pipeline }), because, fix };
}

/** The statement's condition, as the live policy has it, when it has one. */
function conditionOf(input: DiagnoseInput, ref: StatementRef, side: "identity" | "resource", c: AccessCase): string {
  const policy =
    side === "resource"
      ? input.world.resourcePolicies.get(resourceKey(c.resource))
      : input.world.roles.get(c.principal)?.identityPolicies.find((p) => p.name === ref.policy)?.policy;
  const statement = ref.sid ? (statementsBySid(policy).get(ref.sid) as { Condition?: unknown } | undefined) : undefined;
  return statement?.Condition ? `its condition ${JSON.stringify(statement.Condition)} does not hold for this request` : "its condition does not hold";
}

function statementName(ref: StatementRef): string {
  return ref.sid ? `statement ${ref.sid}` : "a statement";
}

function explain(input: DiagnoseInput, o: Outcome, pipeline: string | undefined): Hop {
  const c = o.case;
  if (o.result.startsWith("error")) return hop(c, pipeline, "error", [`the simulator could not evaluate the live policies: ${o.result.slice(0, 300)}`], []);
  const isService = !c.principal.startsWith("arn:");
  const principalInfo = isService || c.identity ? undefined : input.resources.get(c.principal);
  const rKey = resourceKey(c.resource);
  const resourceInfo = input.resources.get(rKey);
  const principalAccount = isService ? undefined : c.principal.split(":")[4];
  const ownerAccount = c.resourceAccount ?? resourceAccount(input.world, c.resource);
  const who = principalInfo ? `role ${principalInfo.name} (${principalInfo.account})` : c.who;
  const redeploy = (info: ResourceInfo | undefined) =>
    input.managed && info?.stack ? [`redeploy ${info.stack}: npm run deploy -- --stack ${info.stack}`] : [];

  // What could not be read decides nothing: say so, and what doctor needs.
  const unreadable = [principalInfo, resourceInfo].filter((i): i is ResourceInfo => i?.state === "unreadable" || Boolean(i?.partial));
  if (unreadable.length > 0) {
    return hop(
      c,
      pipeline,
      "could not read",
      unreadable.map((i) => `could not read ${i.kind} ${i.name} (${i.account})${i.needs || i.partial ? ` (needs ${i.partial ?? i.needs})` : ""}`),
      ["give doctor's credentials the read-only policy of docs/doctor.md (npm run doctor -- --print-policy source, or pipeline, prints it)"],
    );
  }

  if (c.expect === "denied") {
    const allowedBy = [
      ...(o.identity?.allowedBy ?? []).map((r) => `${statementName(r)} of the policies of ${who} allows it`),
      ...(o.resource?.allowedBy ?? []).map((r) => `${statementName(r)} of ${describeResourcePolicy(resourceInfo, rKey)} admits it`),
    ];
    return hop(c, pipeline, "allowed, must be denied", allowedBy.length > 0 ? allowedBy : ["AWS would allow it"], [
      ...redeploy(resourceInfo ?? principalInfo),
      "remove or narrow the statements named above",
    ]);
  }

  const because: string[] = [];
  const fix: string[] = [];
  const missing = [principalInfo, resourceInfo].filter((i): i is ResourceInfo => i?.state === "missing");
  for (const i of missing) {
    because.push(`${i.kind} ${i.name} does not exist in ${i.account}`);
    fix.push(...(input.managed && i.stack ? [`deploy ${i.stack}: npm run deploy -- --stack ${i.stack}`] : [`create ${i.kind} ${i.name} in ${i.account}`]));
  }
  if (missing.length > 0) return hop(c, pipeline, "denied", because, [...new Set(fix)]);

  const sides: { side: "identity" | "resource"; analysis: SideAnalysis | undefined; describe: string; info: ResourceInfo | undefined }[] = [
    { side: "identity", analysis: o.identity, describe: `the policies of ${who}`, info: principalInfo },
    { side: "resource", analysis: o.resource, describe: describeResourcePolicy(resourceInfo, rKey), info: resourceInfo },
  ];
  // Explicit denies first: they win whatever else allows.
  for (const s of sides) {
    for (const r of s.analysis?.deniedBy ?? []) {
      because.push(`${statementName(r)} of ${s.describe} denies it`);
      fix.push(...redeploy(s.info), `remove or narrow ${statementName(r)} of ${s.describe}`);
    }
  }
  if (because.length === 0) {
    const crossAccount = isService || principalAccount !== ownerAccount;
    const identityAllows = o.identity?.result === "Allowed";
    const resourceAllows = o.resource?.result === "Allowed" || o.resource?.result === "AllowedForAccount";
    // Across accounts both sides must allow; within one, a key policy or a trust policy must allow
    // whatever the identity policy says, and otherwise either side suffices.
    const blameIdentity = !isService && !c.identity && !identityAllows && (crossAccount || !resourceAllows);
    const blameResource = !resourceAllows && (crossAccount || isService || identityAllows || !blameIdentity);
    const statement = (s: "identity" | "resource") =>
      s === "identity"
        ? `Allow ${c.action} on ${c.resource}`
        : `Allow ${c.action} on ${c.resource} to ${isService ? `service ${c.principal}` : `principal ${c.principal}`}`;
    for (const s of sides) {
      if ((s.side === "identity" && !blameIdentity) || (s.side === "resource" && !blameResource)) continue;
      const unmet = s.analysis?.conditionNotMet ?? [];
      if (unmet.length > 0) {
        for (const r of unmet) because.push(`${statementName(r)} of ${s.describe} would allow it, but ${conditionOf(input, r, s.side, c)}`);
      } else if (s.side === "resource" && s.info?.state === "ok" && !input.world.resourcePolicies.has(rKey)) {
        because.push(`${describeResource(s.info, rKey)} has no policy, so nothing admits ${c.principal}`);
      } else {
        because.push(
          s.side === "identity"
            ? `${s.describe} allow no ${c.action} on ${describeResource(resourceInfo, rKey)}`
            : `${s.describe} does not admit ${isService ? c.principal : who} for ${c.action}`,
        );
      }
      fix.push(...redeploy(s.info), `${s.describe} needs a statement: ${statement(s.side)}`);
    }
    if (because.length === 0) because.push(`AWS would deny it (${o.result}; identity side ${o.identity?.result ?? "-"}, resource side ${o.resource?.result ?? "-"})`);
  }
  return hop(c, pipeline, "denied", because, [...new Set(fix)]);
}

/** Findings about the wiring count like denied hops; the exit code weighs both. */
export function exitCode(hops: readonly Hop[], findings: readonly Finding[]): 0 | 1 | 4 {
  if (findings.length > 0 || hops.some((h) => h.state === "denied" || h.state === "allowed, must be denied" || h.state === "error")) return 4;
  if (hops.some((h) => h.state === "could not read")) return 1;
  return 0;
}
