/**
 * Several stacks under one `terraform test`: a root module whose test file has one run block per
 * stack, each running that stack's directory as its module (`run { module { source } }`), with
 * the overrides and assertions for it inside the run block. One process, one `init` and one
 * provider for all of them, instead of one of each per stack: Terraform loads the AWS provider's
 * schema once per process, seconds each time. Run blocks run in sequence, so one shared provider
 * (provider-server.ts) serves them all.
 */
import * as fs from "fs";
import * as path from "path";
import { terraformAsync, type TerraformResult } from "./cli";
import { withSharedProvider } from "./provider-server";
import type { StackDir } from "./workspace";

export interface StackRun {
  /** The run block's name: letters, digits, `-` and `_`. */
  readonly name: string;
  readonly stack: StackDir;
  /** What goes inside the run block besides its `module`: override blocks, assertions. */
  readonly body: string;
}

/** The run blocks, as HCL, each running its stack's directory relative to `root`. */
function runBlocks(root: string, runs: readonly StackRun[]): string {
  return runs
    .map((run) => {
      if (!/^[A-Za-z][\w-]*$/.test(run.name)) throw new Error(`not a run block name: ${JSON.stringify(run.name)}`);
      const source = `./${path.relative(root, run.stack.dir).split(path.sep).join("/")}`;
      return `run "${run.name}" {\n  module {\n    source = ${JSON.stringify(source)}\n  }\n\n${run.body}}\n`;
    })
    .join("\n");
}

/**
 * Writes the root module at `root` (which must contain every stack's directory) and its test
 * file `tests/<file>`: `header` (mock providers, say), then the run blocks.
 */
export function writeTestRoot(root: string, file: string, header: string, runs: readonly StackRun[]): void {
  for (const run of runs) {
    const relative = path.relative(root, run.stack.dir);
    if (relative.startsWith("..") || path.isAbsolute(relative)) throw new Error(`${run.stack.dir} is not under ${root}`);
  }
  // The provider the stacks require, so that init installs it here too (and the shared provider is found).
  const requiredProviders = (runs[0]?.stack.json as { terraform?: { required_providers?: unknown } } | undefined)?.terraform
    ?.required_providers;
  fs.mkdirSync(path.join(root, "tests"), { recursive: true });
  fs.writeFileSync(path.join(root, "main.tf.json"), `${JSON.stringify({ terraform: { required_providers: requiredProviders ?? {} } }, null, 2)}\n`);
  fs.writeFileSync(path.join(root, "tests", file), `${header}\n${runBlocks(root, runs)}`);
}

/**
 * `terraform init` at `root`, then `terraform test <args>` with one shared provider; the init's
 * result instead when it fails. `socketDir` holds the provider's socket (scratch space).
 */
export async function runTestRoot(
  root: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  socketDir: string,
  signal?: AbortSignal,
): Promise<TerraformResult> {
  const init = await terraformAsync(["init", "-input=false", "-backend=false"], root, env, signal);
  if (init.status !== 0) return init;
  return withSharedProvider(root, socketDir, env, (shared) => terraformAsync(["test", ...args], root, shared, signal));
}
