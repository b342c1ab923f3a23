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
import { runTestRoot, writeTestRoot, type StackRun } from "./test-root";
import { offlineStackDir, type StackDir } from "./workspace";

export interface RenderedResource {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly values: Record<string, unknown>;
}

export interface RenderedStack {
  readonly stack: string;
  readonly resources: readonly RenderedResource[];
  readonly outputs: Record<string, unknown>;
}

const RENDER_TEST = "render.tftest.hcl";

/** The body of a stack's run block: every managed resource overridden, and source-account's outputs given. */
function renderRun(dir: StackDir, remoteOutputs?: Record<string, string>): string {
  const remote = remoteOutputs ? overrideRemoteState(SOURCE_STATE, remoteOutputs) : "";
  return `${overrideResources(dir.json, dir.context)}\n${remote}`;
}

/**
 * What each run block of `runs` rendered: the state `terraform test -json -verbose` reports after
 * it. (Each such line also carries the provider's whole schema, over 10 MB: each is parsed once.)
 */
export function renderedStacks(runs: readonly StackRun[], output: string): RenderedStack[] {
  const states = new Map<string, { root_module: { resources: RenderedResource[] }; outputs?: Record<string, { value: unknown }> }>();
  for (const line of output.split("\n")) {
    if (!line.includes('"type":"test_state"')) continue;
    const event = JSON.parse(line);
    if (event.type === "test_state") states.set(event["@testrun"], event.test_state);
  }
  return runs.map((run) => {
    const state = states.get(run.name);
    if (!state) throw new Error(`terraform test reported no state for ${run.stack.stack}:\n${output.slice(0, 4000)}`);
    return {
      stack: run.stack.stack,
      resources: state.root_module.resources,
      outputs: Object.fromEntries(Object.entries(state.outputs ?? {}).map(([k, v]) => [k, v.value])),
    };
  });
}

/**
 * Synthesizes `config` into `<synthDir>/cdktf.out` and prepares every stack for rendering: its
 * scratch copy in `<stacksDir>/<stack>` and its run block, named `<prefix><stack>`.
 */
export function renderRuns(config: Config, synthDir: string, projectRoot: string, stacksDir: string, prefix = ""): StackRun[] {
  const outdir = path.join(synthDir, "cdktf.out");
  buildApp(config, { outdir, projectRoot }).app.synth();
  const dirs = stackNames(config).map((stack) => offlineStackDir(config, outdir, stack, stacksDir, { allowDestroy: true }));
  const sourceOutputs = resolveOutputs(dirs[0].json, dirs[0].context);
  return dirs.map((dir) => ({
    name: `${prefix}${dir.stack}`,
    stack: dir,
    body: renderRun(dir, dir.stack === SOURCE_STACK ? undefined : sourceOutputs),
  }));
}

/**
 * Synthesizes `config` into `workDir`, then renders every stack: one `terraform test` with a run
 * block per stack (test-root.ts); `signal` stops Terraform.
 */
export async function renderStacks(config: Config, workDir: string, projectRoot: string, signal?: AbortSignal): Promise<RenderedStack[]> {
  const root = path.join(workDir, "render");
  const runs = renderRuns(config, workDir, projectRoot, path.join(root, "stacks"));
  writeTestRoot(root, RENDER_TEST, "", runs);
  const result = await runTestRoot(root, ["-json", "-verbose"], terraformEnv(workDir), path.join(workDir, "provider"), signal);
  if (result.status !== 0) throw new Error(`terraform test failed rendering ${stackNames(config).join(", ")}:\n${result.output}`);
  return renderedStacks(runs, result.output);
}
