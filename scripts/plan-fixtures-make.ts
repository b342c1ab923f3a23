/**
 * How `npm run fixtures:plans` makes each scenario's plans (scripts/plan-fixtures.ts has the
 * scenarios and the command): the before config rendered and applied as a state file, the after
 * config planned against it. See that file's comment for why each step is there.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { stackNames } from "../config/accounts";
import { parseConfig } from "../config/load";
import type { ConfigInput } from "../config/schema";
import { buildApp } from "../stacks/app";
import { SOURCE_STACK } from "../stacks/outputs";
import { terraformAsync, terraformEnv, type TerraformResult } from "../terraform/cli";
import { computedAttributes, resolveOutputs, stubState, type StackJson } from "../terraform/fixtures";
import { renderedStacks, renderModules, type RenderedResource, type RenderedStack } from "../terraform/render";
import { runTestRoot, writeTestRoot } from "../terraform/test-root";
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

/** What to put where a plan knows no value (known only after apply); undefined keeps the rendered one. */
type Unknown = (value: unknown, path: readonly (string | number)[]) => unknown;

/**
 * `known` laid over `base`: objects key by key, lists of the same length item by item; a key
 * `known` lacks (a plan's planned values omit what is known only after apply) keeps `base`'s value,
 * or takes `unknown`'s.
 */
function overlay(base: unknown, known: unknown, unknown?: Unknown, at: readonly (string | number)[] = []): unknown {
  if (known === undefined) return unknown ? unknown(base, at) : base;
  if (Array.isArray(known)) {
    return Array.isArray(base) && base.length === known.length ? known.map((k, i) => overlay(base[i], k, unknown, [...at, i])) : known;
  }
  if (known !== null && typeof known === "object") {
    const b = base !== null && typeof base === "object" && !Array.isArray(base) ? (base as Json) : {};
    const keys = new Set([...Object.keys(b), ...Object.keys(known)]);
    return Object.fromEntries([...keys].map((k) => [k, overlay(b[k], (known as Json)[k], unknown, [...at, k])]));
  }
  return known;
}

/**
 * `stacks` with the planned values of `plans` laid over their resources' values. A resource the
 * plan lists without values has none known before apply; one it does not list (a data source read
 * only at apply) keeps its values.
 */
function apply(stacks: readonly RenderedStack[], plans: Record<string, Json>, unknown?: (stack: string, resource: RenderedResource) => Unknown): RenderedStack[] {
  return stacks.map((stack) => {
    const values = new Map(
      (plans[stack.stack].planned_values.root_module.resources as Json[]).map((r) => [r.address as string, (r.values ?? {}) as Json]),
    );
    return {
      ...stack,
      resources: stack.resources.map((r) => ({ ...r, values: overlay(r.values, values.get(r.address), unknown?.(stack.stack, r)) as Json })),
    };
  });
}

/** Eight letters and digits derived from `seed`: the shape of the strings terraform test makes up. */
function standIn(seed: string): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, 8);
}

/** Every string in `value` replaced by a stand-in derived from where it is. */
function derived(value: unknown, seed: string): unknown {
  if (typeof value === "string") return standIn(seed);
  if (Array.isArray(value)) return value.map((v, i) => derived(v, `${seed}.${i}`));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, derived(v, `${seed}.${k}`)]));
  return value;
}

/** What `given` (a resource's arguments) sets at `at`. A block the configuration writes as one object stands for a list of one. */
function givenAt(given: unknown, at: readonly (string | number)[]): unknown {
  let node = given;
  for (const step of at) {
    if (typeof step === "number") node = Array.isArray(node) ? node[step] : step === 0 ? node : undefined;
    else node = node !== null && typeof node === "object" && !Array.isArray(node) ? (node as Json)[step] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/**
 * `value` with what `given` does not set replaced by stand-ins: into a block the configuration
 * writes, attribute by attribute; a value it sets whole (a literal, a reference) as rendered.
 */
function stable(value: unknown, given: unknown, seed: string): unknown {
  if (given === undefined) return derived(value, seed);
  if (Array.isArray(value)) return value.map((v, i) => stable(v, givenAt(given, [i]), `${seed}.${i}`));
  if (value !== null && typeof value === "object" && given !== null && typeof given === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stable(v, givenAt(given, [0, k]), `${seed}.${k}`)]));
  }
  return value;
}

/**
 * The rendered stacks with the planned values of a plan on an empty state (`emptyPlans`) laid
 * over, and every attribute of a managed resource known only after apply that neither the
 * configuration nor the render's override sets (`given`: per stack, per resource address, the
 * arguments and override values) replaced by a stand-in derived from the stack, the address and
 * the attribute's path. The render overrides every managed resource, so the provider computes none
 * of its attributes: terraform test makes up the rest ("generate fake data for all computed
 * attributes", a random string for each string,
 * https://developer.hashicorp.com/terraform/language/tests/mocking). Kept, every run would write
 * fixtures with new ids and dates.
 */
export function asApplied(rendered: readonly RenderedStack[], emptyPlans: Record<string, Json>, given: ReadonlyMap<string, ReadonlyMap<string, Json>>): RenderedStack[] {
  return apply(rendered, emptyPlans, (stack, resource) => (value, at) => {
    if (resource.mode !== "managed" || at.length === 0) return value;
    return stable(value, givenAt(given.get(stack)?.get(resource.address), at), `${stack}/${resource.address}/${at.join(".")}`);
  });
}

/** Per stack of `modules`, per managed resource address, its arguments and the values its override in the render sets. */
function givenOf(modules: ReturnType<typeof renderModules>): Map<string, Map<string, Json>> {
  return new Map(
    modules.map(({ stack }) => [
      stack.stack,
      new Map(
        Object.entries(stack.json.resource ?? {}).flatMap(([type, resources]) =>
          Object.entries(resources).map(([name, args]) => [`${type}.${name}`, { ...args, ...computedAttributes(type, `${type}.${name}`, args, stack.context) }] as const),
        ),
      ),
    ]),
  );
}

/**
 * What the before config's stacks look like once applied: the planned values of a plan on an
 * empty state (the arguments, with the provider's defaults), and for what is known only after
 * apply (ARNs, ids) the values the render gives them (render.ts: as AWS would format them, or
 * stand-ins: asApplied). Then the provider's own normalization, as a second apply would write it
 * (an optional string left null becomes ""): the before config planned against that state
 * changes nothing.
 */
async function appliedState(name: string, input: ConfigInput, work: string, root: string, signal?: AbortSignal): Promise<RenderedStack[]> {
  const dir = (sub: string) => fs.mkdirSync(path.join(work, sub), { recursive: true })!;
  const scenario = { name, before: input, after: input };
  const config = parseConfig(input, `${name} (before)`);
  // renderStacks' steps, keeping the modules: their configurations and overrides say which values are made up.
  const renderDir = dir("render");
  const testRoot = path.join(renderDir, "render");
  const modules = renderModules(config, renderDir, root, path.join(testRoot, "stacks"));
  writeTestRoot(testRoot, modules);
  const result = await runTestRoot(testRoot, terraformEnv(renderDir), path.join(renderDir, "provider"), signal);
  if (result.status !== 0) throw new Error(`terraform test failed rendering ${stackNames(config).join(", ")}:\n${result.output}`);
  const rendered = renderedStacks(modules, result.output);
  const first = asApplied(rendered, await plan(scenario, [], dir("plan"), root, signal), givenOf(modules));
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
