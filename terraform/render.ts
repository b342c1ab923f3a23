/**
 * Every stack applied offline by the real AWS provider, to read what it renders: `terraform test`
 * without a mock provider, with every managed resource overridden (realistic ARNs, no AWS call)
 * and the remote state given the outputs source-account will have. The provider's own
 * `aws_iam_policy_document` renders every policy, exactly as a real apply would. (Applied, not
 * only planned: a policy document that names a resource being created is read only at apply.)
 */
import * as path from "path";
import type { Config } from "../config/schema";
import { buildApp } from "../stacks/app";
import { stackNames } from "../config/accounts";
import { SOURCE_STACK, SOURCE_STATE } from "../stacks/outputs";
import { terraformEnv } from "./cli";
import { overrideRemoteState, overrideResources, resolveOutputs } from "./fixtures";
import { moduleAddress, RUN, runTestRoot, writeTestRoot, type StackModule } from "./test-root";
import { offlineStackDir, type StackDir } from "./workspace";

/** A resource as the state reports it (Terraform's JSON output format), the address as in its own stack. */
export interface RenderedResource {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly values: Record<string, unknown>;
  /** As Terraform reports them; what a state file of the rendered stack needs (scripts/plan-fixtures.ts). */
  readonly name?: string;
  readonly index?: string | number;
  readonly provider_name?: string;
  readonly schema_version?: number;
}

export interface RenderedStack {
  readonly stack: string;
  readonly resources: readonly RenderedResource[];
  readonly outputs: Record<string, unknown>;
}

/** The override blocks of a stack called as module `name`: every managed resource, and source-account's outputs given. */
function renderOverrides(name: string, dir: StackDir, remoteOutputs?: Record<string, string>): string {
  const module = moduleAddress(name);
  const remote = remoteOutputs ? overrideRemoteState(SOURCE_STATE, remoteOutputs, module) : "";
  return `${overrideResources(dir.json, dir.context, module)}\n${remote}`;
}

type TestState = {
  root_module: { child_modules?: { address: string; resources?: (RenderedResource & { depends_on?: string[] })[] }[] };
  outputs?: Record<string, { value: unknown }>;
};

/**
 * What each stack of `modules` rendered, as if applied on its own (addresses without the module's
 * prefix): read from the state `terraform test -json -verbose` reports after the run. (That line
 * also carries the provider's whole schema, over 10 MB: it is parsed once.)
 */
export function renderedStacks(modules: readonly StackModule[], output: string): RenderedStack[] {
  let state: TestState | undefined;
  for (const line of output.split("\n")) {
    if (!line.includes('"type":"test_state"')) continue;
    const event = JSON.parse(line);
    if (event.type === "test_state" && event["@testrun"] === RUN) state = event.test_state;
  }
  if (!state) throw new Error(`terraform test reported no state:\n${output.slice(0, 4000)}`);
  const children = new Map((state.root_module.child_modules ?? []).map((m) => [m.address, m.resources ?? []]));
  return modules.map(({ name, stack }) => {
    const prefix = `${moduleAddress(name)}.`;
    const resources = children.get(moduleAddress(name));
    if (!resources) throw new Error(`terraform test reported no resources for ${stack.stack} (${moduleAddress(name)})`);
    const outputs = state.outputs?.[name]?.value;
    return {
      stack: stack.stack,
      // Not depends_on: its addresses would name the module.
      resources: resources.map(({ depends_on: _, ...resource }) => ({
        ...resource,
        address: resource.address.startsWith(prefix) ? resource.address.slice(prefix.length) : resource.address,
      })),
      outputs: outputs && typeof outputs === "object" ? (outputs as Record<string, unknown>) : {},
    };
  });
}

/**
 * Synthesizes `config` into `<synthDir>/cdktf.out` and prepares every stack for rendering: its
 * scratch copy in `<stacksDir>/<stack>` and its overrides, called as module `<prefix><stack>`.
 */
export function renderModules(config: Config, synthDir: string, projectRoot: string, stacksDir: string, prefix = ""): StackModule[] {
  const outdir = path.join(synthDir, "cdktf.out");
  buildApp(config, { outdir, projectRoot }).app.synth();
  const dirs = stackNames(config).map((stack) => offlineStackDir(config, outdir, stack, stacksDir, { allowDestroy: true }));
  const sourceOutputs = resolveOutputs(dirs[0].json, dirs[0].context);
  return dirs.map((dir) => {
    const name = `${prefix}${dir.stack}`;
    return { name, stack: dir, overrides: renderOverrides(name, dir, dir.stack === SOURCE_STACK ? undefined : sourceOutputs) };
  });
}

/**
 * Synthesizes `config` into `workDir`, then renders every stack: one `terraform test` with a run
 * block per stack (test-root.ts); `signal` stops Terraform.
 */
export async function renderStacks(config: Config, workDir: string, projectRoot: string, signal?: AbortSignal): Promise<RenderedStack[]> {
  const root = path.join(workDir, "render");
  const modules = renderModules(config, workDir, projectRoot, path.join(root, "stacks"));
  writeTestRoot(root, modules);
  const result = await runTestRoot(root, terraformEnv(workDir), path.join(workDir, "provider"), signal);
  if (result.status !== 0) throw new Error(`terraform test failed rendering ${stackNames(config).join(", ")}:\n${result.output}`);
  return renderedStacks(modules, result.output);
}
