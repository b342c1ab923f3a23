/**
 * summary.md's "Changed resources": per stack, every managed resource the plan changes, with its
 * action and what drives it (the attributes that force a replacement, the attributes an update
 * changes, why a delete happens, the address a moved resource had). A stack that creates
 * everything (a first deployment) gets one line instead. Pure functions of `terraform show -json`.
 */
import { code, collapsible, table } from "./markdown";
import { changeKind, isMove, REASONS, type PlanJson, type ResourceChange } from "./plan-summary";

/** "move": only the address changes (`moved` block), the object stays as it is. */
export type Action = "create" | "update" | "delete" | "replace" | "move";

export interface ChangedResource {
  readonly address: string;
  readonly type: string;
  /** create / update / delete / replace / move, or Terraform's own actions for anything else (`forget`). */
  readonly action: Action | string;
  /** The address the object had (a `moved` block): the same object, never a destroy and a create. */
  readonly movedFrom?: string;
  /** What drives it, in words (Markdown); "" when the action says it all (a create). */
  readonly detail: string;
}

const ACTION: Readonly<Record<string, Action>> = { add: "create", change: "update", destroy: "delete", replace: "replace" };
const ORDER: readonly string[] = ["replace", "delete", "update", "move", "create"];

/** A table folds under `<details>` above this many rows. */
export const COLLAPSE_ABOVE = 10;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const isManaged = (change: ResourceChange) => (change.mode ?? "managed") === "managed";

/** The top-level attributes whose value differs, or is known only after apply (all or in part). */
export function changedAttributeNames(change: ResourceChange["change"]): string[] {
  const before = isObject(change.before) ? change.before : {};
  const after = isObject(change.after) ? change.after : {};
  const unknown = isObject(change.after_unknown) ? change.after_unknown : {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])].sort();
  return keys.filter((k) => JSON.stringify(unknown[k] ?? false).includes("true") || JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null));
}

function changedAttributes(change: ResourceChange["change"]): string[] {
  const unknown = isObject(change.after_unknown) ? change.after_unknown : {};
  return changedAttributeNames(change).map((k) => (unknown[k] === true ? `${code(k)} (known after apply)` : code(k)));
}

function detail(change: ResourceChange, action: string): string {
  const reason = change.action_reason ? (REASONS[change.action_reason] ?? change.action_reason) : "";
  if (action === "replace") {
    const paths = (change.change.replace_paths ?? []).map((p) => code(p.join(".")));
    const order = change.change.actions[0] === "create" ? "created before the old one is destroyed" : "";
    return [paths.length > 0 ? `forced by ${paths.join(", ")}` : reason, order].filter(Boolean).join("; ");
  }
  if (action === "update") return changedAttributes(change.change).join(", ");
  return reason;
}

export function changedResources(plan: PlanJson): ChangedResource[] {
  const rows: ChangedResource[] = [];
  for (const change of plan.resource_changes ?? []) {
    if (!isManaged(change)) continue;
    const kind = changeKind(change.change.actions);
    const movedFrom = isMove(change) ? change.previous_address : undefined;
    if (kind === undefined && movedFrom === undefined) continue;
    const actions = change.change.actions.join(",");
    const action = kind === undefined ? "move" : ACTION[kind] === "update" && actions !== "update" ? change.change.actions.join(", ") : ACTION[kind];
    const text = [movedFrom ? `from ${code(movedFrom)}` : "", detail(change, action)].filter(Boolean).join("; ");
    rows.push({ address: change.address, type: change.type, action, ...(movedFrom && { movedFrom }), detail: text });
  }
  const rank = (a: string) => (ORDER.includes(a) ? ORDER.indexOf(a) : ORDER.length);
  return rows.sort((a, b) => rank(a.action) - rank(b.action) || a.address.localeCompare(b.address));
}

/** The action as the table shows it: destroys in bold, a move that also changes the object as both. */
function label(row: ChangedResource, bold: boolean): string {
  if (row.action === "move") return "moved";
  const action = bold && (row.action === "replace" || row.action === "delete") ? `**${row.action}**` : row.action;
  return row.movedFrom ? `moved + ${action}` : action;
}

function tally(rows: readonly ChangedResource[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(label(r, false), (counts.get(label(r, false)) ?? 0) + 1);
  return [...counts].map(([action, n]) => `${n} ${action}`).join(", ");
}

/**
 * Whether the plan creates every resource of its stack and changes nothing else: a stack being
 * deployed for the first time (every resource of its configuration is in the plan, and nothing
 * exists yet to be kept, updated or destroyed).
 */
export function createsEverything(plan: PlanJson): boolean {
  const managed = (plan.resource_changes ?? []).filter(isManaged);
  return managed.length > 0 && managed.every((c) => c.change.actions.join(",") === "create");
}

/** "11 resources (3 `aws_iam_role`, 3 `aws_iam_role_policy`, …)": how many of each type. */
function countsByType(rows: readonly ChangedResource[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const types = [...counts].sort(([a, m], [b, n]) => n - m || a.localeCompare(b));
  return `${rows.length} ${rows.length === 1 ? "resource" : "resources"} (${types.map(([type, n]) => `${n} ${code(type)}`).join(", ")})`;
}

/**
 * The "Changed resources" section: one table per stack that changes anything, or one line for a
 * stack that creates everything.
 */
export function renderChangedResources(stacks: readonly { readonly stack: string; readonly plan: PlanJson }[]): string[] {
  const lines = ["## Changed resources"];
  let any = false;
  let list = false;
  for (const { stack, plan } of stacks) {
    const rows = changedResources(plan);
    if (rows.length === 0) continue;
    any = true;
    if (createsEverything(plan)) {
      // Consecutive stacks' lines make one list.
      lines.push(...(list ? [] : [""]), `* **${stack}** creates everything: ${countsByType(rows)}`);
      list = true;
      continue;
    }
    list = false;
    const heading = `${stack}: ${rows.length} ${rows.length === 1 ? "resource" : "resources"} (${tally(rows)})`;
    const body = table(
      ["action", "resource", "what drives it"],
      rows.map((r) => [label(r, true), code(r.address), r.detail]),
    );
    lines.push("", `### ${heading}`, "", ...collapsible(`${rows.length} rows`, body, COLLAPSE_ABOVE + 2));
  }
  if (!any) lines.push("", "No resource changes.");
  return lines;
}
