/**
 * What the runtime and framework commands share: starting npm, running a step as a child process
 * that an interrupt stops, and copying a checkout into a scratch directory.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { UserError } from "../commands/cli";

/**
 * npm, as `[command, ...args]`: the npm that runs this script (npm sets npm_execpath), started by
 * `node` (default: this process's Node), else `npm` from PATH.
 */
export function npmCommand(node: string = process.execPath, env: NodeJS.ProcessEnv = process.env): [string, ...string[]] {
  const cli = env.npm_execpath;
  return cli && /npm-cli\.js$/.test(cli) ? [node, cli] : ["npm"];
}

export interface StepResult {
  /** The exit code; null when a signal ended it. */
  readonly code: number | null;
  /** What it wrote, when captured. */
  readonly output: string;
}

/**
 * Runs `command` to its end, its output passed through (or captured, with `capture`). On `signal`'s
 * abort it is sent SIGTERM and the promise settles once it has exited.
 */
export function runStep(
  [command, ...args]: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal; capture?: boolean },
): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.capture ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const stop = () => child.kill("SIGTERM");
    options.signal?.addEventListener("abort", stop, { once: true });
    child.on("error", (e) => {
      options.signal?.removeEventListener("abort", stop);
      reject(new UserError(`cannot run ${command}: ${e.message}`));
    });
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", stop);
      resolve({ code, output });
    });
  });
}

/**
 * Copies what git would commit in `root` (tracked files as they are in the working tree, and new
 * files it does not ignore) into `dir`: a fresh clone of the working tree, without node_modules or
 * anything a run wrote. Returns the relative paths copied.
 */
export function copyCheckout(root: string, dir: string): string[] {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  if (listed.status !== 0) {
    const why = listed.error?.message ?? listed.stderr.trim().split("\n")[0];
    throw new UserError(`${root} is not a git checkout (git ls-files: ${why}); the copy takes the files git would commit`);
  }
  const files = [...new Set(listed.stdout.split("\0").filter(Boolean))].filter((file) => fs.existsSync(path.join(root, file)));
  for (const file of files) {
    const from = path.join(root, file);
    const to = path.join(dir, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (fs.lstatSync(from).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else fs.copyFileSync(from, to);
  }
  return files;
}
