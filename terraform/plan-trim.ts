/**
 * `terraform show -json` of a plan, cut down to what the plan review reads (the PlanJson
 * interface): the plan fixtures under __tests__/terraform/plan-fixtures are real plans passed through this.
 * Kept: every managed resource change (for an update, the before/after values of the attributes
 * it changes, which the summary lists; for a move, its previous address), the prior and planned
 * values of the resources the access model reads (access/world.ts), the configuration's
 * references, outputs. Dropped: data sources, sensitive-value maps, values nothing reads. Nothing
 * kept is altered.
 */
import { POLICY_ATTRIBUTES } from "../access/world";
import { changedAttributeNames } from "./plan-changes";
import type { ConfigurationResource, PlanJson, PlanModule, PlanResource, ResourceChange } from "./plan-summary";

function resources(module: PlanModule | undefined): PlanResource[] {
  return (module?.resources ?? [])
    .filter((r) => r.mode === "managed")
    .map((r) => ({ address: r.address, mode: r.mode, type: r.type, ...(r.values && r.type in POLICY_ATTRIBUTES && { values: r.values }) }));
}

function pick(value: unknown, keys: readonly string[]): unknown {
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => k in object).map((k) => [k, object[k]]));
}

function change(c: ResourceChange): ResourceChange {
  const { actions, replace_paths, before, after, after_unknown } = c.change;
  const update = actions.join(",") === "update";
  const creates = actions.includes("create") || update;
  return {
    address: c.address,
    ...(c.previous_address && { previous_address: c.previous_address }),
    mode: c.mode,
    type: c.type,
    ...(c.action_reason && { action_reason: c.action_reason }),
    change: {
      actions,
      ...(replace_paths && { replace_paths }),
      ...(update && { before: pick(before, changedAttributeNames(c.change)), after: pick(after, changedAttributeNames(c.change)) }),
      ...(creates && after_unknown !== undefined && { after_unknown }),
    },
  };
}

function configuration(r: ConfigurationResource): ConfigurationResource {
  const expressions = Object.entries(r.expressions ?? {}).filter(([, e]) => (e.references ?? []).length > 0);
  return { address: r.address, expressions: Object.fromEntries(expressions.map(([k, e]) => [k, { references: e.references }])) };
}

export function trimPlan(plan: PlanJson): PlanJson {
  const outputChanges = Object.entries(plan.output_changes ?? {}).map(([k, o]) => [k, { actions: o.actions }]);
  return {
    format_version: plan.format_version,
    terraform_version: plan.terraform_version,
    resource_changes: (plan.resource_changes ?? []).filter((c) => c.mode !== "data").map(change),
    output_changes: Object.fromEntries(outputChanges),
    ...(plan.prior_state && { prior_state: { values: { root_module: { resources: resources(plan.prior_state.values?.root_module) } } } }),
    planned_values: {
      outputs: plan.planned_values?.outputs ?? {},
      root_module: { resources: resources(plan.planned_values?.root_module) },
    },
    configuration: {
      root_module: {
        resources: (plan.configuration?.root_module?.resources ?? []).filter((r) => !r.address.startsWith("data.")).map(configuration),
      },
    },
  };
}
