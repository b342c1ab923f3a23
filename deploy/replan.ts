/**
 * A pipeline-account stack reviewed in a plan made against source-account's outputs as planned is
 * planned again once source-account is applied, and applied only when the new plan is the reviewed
 * one: the same resource changes (each resource's actions and planned values) and the same access
 * answers. This says how they differ, in lines a reviewer can act on.
 */
import type { Config } from "../config/schema";
import { buildWorld } from "../access/world";
import { answer, planResources, reviewCases, showAnswer, type StackPlan } from "../terraform/plan-access";
import { changeKind, type PlanJson, type ResourceChange } from "../terraform/plan-summary";

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function changes(plan: PlanJson): Map<string, ResourceChange> {
  return new Map(
    (plan.resource_changes ?? [])
      .filter((c) => (c.mode ?? "managed") === "managed" && changeKind(c.change.actions) !== undefined)
      .map((c) => [c.address, c]),
  );
}

const MAX_VALUE = 120;

function parsedJson(value: unknown): unknown {
  if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function excerpt(value: unknown): string {
  const text = value === undefined ? "(none)" : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

/**
 * Where two values first differ, as a path under `at` (into JSON documents held in strings too,
 * such as policies), and the two values there.
 */
function firstDifference(a: unknown, b: unknown, at: string): string {
  const [ja, jb] = [parsedJson(a), parsedJson(b)];
  if (ja !== undefined && jb !== undefined) return firstDifference(ja, jb, at);
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const [va, vb] = [(a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]];
      if (JSON.stringify(va) !== JSON.stringify(vb)) return firstDifference(va, vb, Array.isArray(a) ? `${at}[${key}]` : `${at}.${key}`);
    }
  }
  return `\`${at}\` was ${excerpt(a)}; now ${excerpt(b)}`;
}

/** How the resource changes of `now` differ from those of `reviewed`; empty when they are the same. */
export function resourceDifferences(reviewed: PlanJson, now: PlanJson): string[] {
  const before = changes(reviewed);
  const after = changes(now);
  const lines: string[] = [];
  for (const [address, c] of before) {
    const n = after.get(address);
    if (!n) {
      lines.push(`${address}: reviewed ${c.change.actions.join(", ")}; not in the new plan`);
      continue;
    }
    if (c.change.actions.join(",") !== n.change.actions.join(",")) {
      lines.push(`${address}: reviewed ${c.change.actions.join(", ")}; now ${n.change.actions.join(", ")}`);
      continue;
    }
    const [a, b] = [isObject(c.change.after) ? c.change.after : {}, isObject(n.change.after) ? n.change.after : {}];
    const [ua, ub] = [isObject(c.change.after_unknown) ? c.change.after_unknown : {}, isObject(n.change.after_unknown) ? n.change.after_unknown : {}];
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b), ...Object.keys(ua), ...Object.keys(ub)])].sort()) {
      const [unknownBefore, unknownNow] = [JSON.stringify(ua[key] ?? false), JSON.stringify(ub[key] ?? false)];
      if (unknownBefore !== unknownNow) {
        lines.push(`${address}: \`${key}\` was ${ua[key] === true ? "known after apply" : "known"}; now ${ub[key] === true ? "known after apply" : "known"}`);
      } else if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) {
        lines.push(`${address}: ${firstDifference(a[key], b[key], key)}`);
      }
    }
  }
  for (const [address, n] of after) {
    if (!before.has(address)) lines.push(`${address}: ${n.change.actions.join(", ")}; not in the reviewed plan`);
  }
  return lines;
}

async function answers(config: Config, plans: readonly StackPlan[]): Promise<Map<string, { label: string; answer: string }>> {
  const world = buildWorld(config, plans.map((p) => ({ stack: p.stack, resources: planResources(p.plan, "after") })), { partial: true });
  const cases = reviewCases(config, world);
  const result = new Map<string, { label: string; answer: string }>();
  await Promise.all(
    cases.map(async (c) => {
      const label = `row ${c.row}: ${c.who} ${c.action} on ${c.on}`;
      result.set(label, { label, answer: showAnswer(await answer(world, c)) });
    }),
  );
  return result;
}

/**
 * The requests of the access model (plan-access.ts) whose answer on the planned policies differs
 * once `stack`'s reviewed plan is replaced by `now`. The other stacks' plans are the reviewed ones.
 */
export async function accessDifferences(config: Config, reviewed: readonly StackPlan[], stack: string, now: PlanJson): Promise<string[]> {
  const replaced = reviewed.map((p) => (p.stack === stack ? { stack, plan: now } : p));
  const [before, after] = await Promise.all([answers(config, reviewed), answers(config, replaced)]);
  const lines: string[] = [];
  for (const [label, { answer: a }] of before) {
    const b = after.get(label)?.answer ?? "not asked";
    if (a !== b) lines.push(`${label}: reviewed ${a}; now ${b}`);
  }
  for (const [label, { answer: b }] of after) if (!before.has(label)) lines.push(`${label}: not asked in the review; now ${b}`);
  return lines.sort();
}
