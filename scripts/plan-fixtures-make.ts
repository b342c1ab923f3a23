/**
 * How `npm run fixtures:plans` makes each scenario's plans (scripts/plan-fixtures.ts has the
 * scenarios and the command): the before config rendered and applied as a state file, the after
 * config planned against it. See that file's comment for why each step is there.
 */
import * as fs from "fs";
import * as path from "path";
import { stackNames } from "../config/accounts";
import { parseConfig } from "../config/load";
import type { ConfigInput } from "../config/schema";
import { buildApp } from "../stacks/app";
import { SOURCE_STACK } from "../stacks/outputs";
import { terraformAsync, terraformEnv, type TerraformResult } from "../terraform/cli";
import { resolveOutputs, stubState, type StackJson } from "../terraform/fixtures";
import { renderStacks, type RenderedStack } from "../terraform/render";
import { offlineStackDir, stackContext } from "../terraform/workspace";

// Terraform's JSON, read loosely: this script only moves it around.
export type Json = Record<string, any>;

export interface Scenario {
  readonly name: string;
  /** What is deployed; none: nothing yet (a first deployment, planned on empty state). */
  readonly before?: ConfigInput;
  readonly after: ConfigInput;
  /** Edits the after copy of a stack's synthesized JSON: a change made by hand, outside the config. */
  readonly edit?: (stack: string, json: Json) => void;
}

function check(step: string, where: string, result: TerraformResult): TerraformResult {
  if (result.status !== 0) throw new Error(`terraform ${step} failed in ${where}:\n${result.output}`);
  return result;
}

/** A v4 state file holding a rendered stack's managed resources and outputs. */
function stateFile(rendered: RenderedStack): string {
  const groups = new Map<string, Json>();
  for (const r of rendered.resources as unknown as Json[]) {
    if (r.mode !== "managed") continue;
    const key = `${r.type}.${r.name}`;
    if (!groups.has(key)) {
      groups.set(key, { mode: "managed", type: r.type, name: r.name, provider: `provider["${r.provider_name}"]`, instances: [] });
    }
    groups.get(key)!.instances.push({
      ...(r.index !== undefined && { index_key: r.index }),
      schema_version: r.schema_version ?? 0,
      attributes: r.values,
      sensitive_attributes: [],
    });
  }
  const outputs = Object.fromEntries(
    Object.entries(rendered.outputs).map(([k, value]) => [k, { value, type: typeof value === "string" ? "string" : "dynamic" }]),
  );
  const state = { version: 4, terraform_version: "1.11.4", serial: 1, lineage: "plan-fixtures", outputs, resources: [...groups.values()] };
  return `${JSON.stringify(state, null, 2)}\n`;
}

async function plan(scenario: Scenario, before: readonly RenderedStack[], work: string, root: string, signal?: AbortSignal): Promise<Record<string, Json>> {
  const config = parseConfig(scenario.after, `${scenario.name} (after)`);
  const outdir = path.join(work, "cdktf.out");
  buildApp(config, { outdir, projectRoot: root }).app.synth();
  const stub = path.join(work, "source-outputs.tfstate");
  const env = terraformEnv(work);
  const dirs = stackNames(config).map((stack) => {
    const dir = offlineStackDir(config, outdir, stack, path.join(work, "stacks"), { remoteStatePath: stub });
    if (scenario.edit) {
      scenario.edit(stack, dir.json as Json);
      fs.writeFileSync(path.join(dir.dir, "cdk.tf.json"), JSON.stringify(dir.json, null, 2));
    }
    const prior = before.find((s) => s.stack === stack);
    if (prior) fs.writeFileSync(path.join(dir.dir, "terraform.tfstate"), stateFile(prior));
    return dir;
  });
  const source = dirs.find((d) => d.stack === SOURCE_STACK)!;
  fs.writeFileSync(stub, stubState(resolveOutputs(source.json as StackJson, stackContext(config, SOURCE_STACK))));
  const plans = await Promise.all(
    dirs.map(async (dir) => {
      check("init", dir.dir, await terraformAsync(["init", "-input=false"], dir.dir, env, signal));
      check("plan", dir.dir, await terraformAsync(["plan", "-input=false", "-refresh=false", "-out=plan.tfplan"], dir.dir, env, signal));
      const shown = check("show", dir.dir, await terraformAsync(["show", "-json", "plan.tfplan"], dir.dir, env, signal));
      return [dir.stack, JSON.parse(shown.stdout) as Json] as const;
    }),
  );
  return Object.fromEntries(plans);
}

/**
 * `known` laid over `base`: objects key by key, lists of the same length item by item; a key
 * `known` lacks (a plan's planned values omit what is known only after apply) keeps `base`'s value.
 */
function overlay(base: unknown, known: unknown): unknown {
  if (known === undefined) return base;
  if (Array.isArray(known)) {
    return Array.isArray(base) && base.length === known.length ? known.map((k, i) => overlay(base[i], k)) : known;
  }
  if (known !== null && typeof known === "object") {
    const b = base !== null && typeof base === "object" && !Array.isArray(base) ? (base as Json) : {};
    const keys = new Set([...Object.keys(b), ...Object.keys(known)]);
    return Object.fromEntries([...keys].map((k) => [k, overlay(b[k], (known as Json)[k])]));
  }
  return known;
}

/** `stacks` with the planned values of `plans` laid over their resources' values. */
function apply(stacks: readonly RenderedStack[], plans: Record<string, Json>): RenderedStack[] {
  return stacks.map((stack) => {
    const values = new Map(
      (plans[stack.stack].planned_values.root_module.resources as Json[]).map((r) => [r.address as string, r.values as Json | undefined]),
    );
    return { ...stack, resources: stack.resources.map((r) => ({ ...r, values: overlay(r.values, values.get(r.address)) as Json })) };
  });
}

/**
 * What the before config's stacks look like once applied: the planned values of a plan on an
 * empty state (the arguments, with the provider's defaults), and for what is known only after
 * apply (ARNs, ids) the values `terraform test` gives them (render.ts: as AWS would format them).
 * Then the provider's own normalization, as a second apply would write it (an optional string
 * left null becomes ""): the before config planned against that state changes nothing.
 */
async function appliedState(name: string, input: ConfigInput, work: string, root: string, signal?: AbortSignal): Promise<RenderedStack[]> {
  const dir = (sub: string) => fs.mkdirSync(path.join(work, sub), { recursive: true })!;
  const scenario = { name, before: input, after: input };
  const rendered = await renderStacks(parseConfig(input, `${name} (before)`), dir("render"), root, signal);
  const first = apply(rendered, await plan(scenario, [], dir("plan"), root, signal));
  return apply(first, await plan(scenario, first, dir("converge"), root, signal));
}

/**
 * Each scenario's before state (one per distinct before config) and after plans, in `work`; calls
 * `write` with each scenario's plans as they are made.
 */
export async function makeScenarios(
  scenarios: readonly Scenario[],
  work: string,
  root: string,
  write: (scenario: Scenario, plans: Record<string, Json>) => void,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  // One before state per distinct before config; one scenario at a time (each runs Terraform per stack).
  const applied = new Map<string, RenderedStack[]>();
  for (const [i, scenario] of scenarios.entries()) {
    const key = JSON.stringify(scenario.before ?? null);
    if (!applied.has(key)) {
      log(`${scenario.name}: the before config, as applied`);
      applied.set(key, scenario.before ? await appliedState(scenario.name, scenario.before, path.join(work, `before-${i}`), root, signal) : []);
    }
    log(`${scenario.name}: planning the after config against it`);
    write(scenario, await plan(scenario, applied.get(key)!, fs.mkdirSync(path.join(work, `after-${i}`), { recursive: true })!, root, signal));
  }
}
