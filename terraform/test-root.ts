/**
 * Several stacks applied offline by one `terraform test`: a root module that calls each stack's
 * directory as a module and passes its outputs on, and a test file with one run block that applies
 * them all, with the overrides of every stack.
 *
 * One process, one `init`, one provider, one plan and one apply for all of them, instead of one of
 * each per stack: Terraform loads the AWS provider's schema once per process (seconds), and
 * `-verbose` reports each run block's state with the whole schema beside it (over 10 MB, about
 * half a second each). Side by side renders what one by one would: the stacks do not refer to each
 * other (a pipeline stack's read of source-account's state is overridden with its outputs).
 */
import * as fs from "fs";
import * as path from "path";
import { terraformAsync, type JsonEvent, type TerraformResult } from "./cli";
import { withSharedProvider } from "./provider-server";
import type { StackDir } from "./workspace";

export interface StackModule {
  /** The module's name: letters, digits, `-` and `_`. */
  readonly name: string;
  readonly stack: StackDir;
  /** Override blocks for the run block, their targets under `moduleAddress(name)`. */
  readonly overrides: string;
}

const TEST_FILE = "apply.tftest.hcl";
/** The name of the test file's one run block. */
export const RUN = "apply";

/** Where the stack called `name` lives in the root's state: prefix of its resources' addresses. */
export function moduleAddress(name: string): string {
  return `module.${name}`;
}

/**
 * Writes the root module at `root` (which must contain every stack's directory): a `module` block
 * per stack and an output of the same name with that module's outputs; and its test file.
 */
export function writeTestRoot(root: string, modules: readonly StackModule[]): void {
  const calls: Record<string, { source: string }> = {};
  const outputs: Record<string, { value: string }> = {};
  for (const { name, stack } of modules) {
    if (!/^[A-Za-z][\w-]*$/.test(name)) throw new Error(`not a module name: ${JSON.stringify(name)}`);
    if (name in calls) throw new Error(`two stacks named ${name}`);
    const relative = path.relative(root, stack.dir);
    if (relative.startsWith("..") || path.isAbsolute(relative)) throw new Error(`${stack.dir} is not under ${root}`);
    calls[name] = { source: `./${relative.split(path.sep).join("/")}` };
    outputs[name] = { value: `\${${moduleAddress(name)}}` };
  }
  // The provider the stacks require, so that init installs it here too (and the shared provider is found).
  const requiredProviders = (modules[0]?.stack.json as { terraform?: { required_providers?: unknown } } | undefined)?.terraform
    ?.required_providers;
  const main = { terraform: { required_providers: requiredProviders ?? {} }, module: calls, output: outputs };
  fs.mkdirSync(path.join(root, "tests"), { recursive: true });
  fs.writeFileSync(path.join(root, "main.tf.json"), `${JSON.stringify(main, null, 2)}\n`);
  const run = `run "${RUN}" {\n${modules.map((m) => m.overrides).join("\n")}}\n`;
  fs.writeFileSync(path.join(root, "tests", TEST_FILE), run);
}

/**
 * `terraform init` at `root`, then `terraform test -json -verbose` with one shared provider; the
 * init's result instead when it fails. `socketDir` holds the provider's socket (scratch space).
 *
 * Terraform is stopped when it starts tearing down: the run block has reported its state by then,
 * and the teardown (a destroy plan and apply, nearly as long again as the run) destroys what
 * exists only in Terraform's memory, since every root written here is applied offline with its
 * managed resources overridden. The status is then the one Terraform's would have been: 0 when the
 * run passed, 1 when it failed or an error was reported.
 */
export async function runTestRoot(root: string, env: NodeJS.ProcessEnv, socketDir: string, signal?: AbortSignal): Promise<TerraformResult> {
  const init = await terraformAsync(["init", "-input=false", "-backend=false"], root, env, signal);
  if (init.status !== 0) return init;
  let failed = false;
  const tearingDown = (event: JsonEvent): boolean => {
    const run = event.test_run as { progress?: string; status?: string } | undefined;
    if (event["@level"] === "error" || (run?.progress === "complete" && run.status !== "pass")) failed = true;
    return event.type === "test_file" && (event.test_file as { progress?: string }).progress === "teardown";
  };
  const result = await withSharedProvider(root, socketDir, env, (shared) =>
    terraformAsync(["test", "-json", "-verbose"], root, shared, signal, tearingDown),
  );
  return result.stopped ? { ...result, status: failed ? 1 : 0 } : result;
}
