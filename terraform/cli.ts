/**
 * Running the real Terraform CLI from our scripts and tests, offline when a provider mirror is
 * available: `TF_PROVIDER_MIRROR=<dir>` names a filesystem mirror; without it, `/opt/tf-plugins`
 * is used when that directory exists; otherwise Terraform's normal registry.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";

const DEFAULT_MIRROR = "/opt/tf-plugins";

/** The oldest Terraform the stacks work with: the S3 backend's `use_lockfile` came in 1.10. */
export const MIN_TERRAFORM = "1.10.0";
/** The version the test suite runs with here. */
export const TESTED_TERRAFORM = "1.11";

function olderThan(version: string, minimum: string): boolean {
  const a = version.split(".").map(Number);
  const b = minimum.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

/**
 * Why Terraform cannot be used from `env`'s PATH (not there, or older than MIN_TERRAFORM), as one
 * line that names the commands needing it; undefined when it can.
 */
const NEEDS = `npm test, npm run plan, npm run deploy and npm run verify:access run Terraform >= ${MIN_TERRAFORM.replace(/\.0$/, "")} (tested with ${TESTED_TERRAFORM})`;
const NOT_ON_PATH = `Terraform is not on PATH: ${NEEDS}. Install it (https://developer.hashicorp.com/terraform/install) and try again.`;

export function terraformProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const needs = NEEDS;
  const result = spawnSync("terraform", ["version", "-json"], { env, encoding: "utf8", timeout: 30_000 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
    return missing ? NOT_ON_PATH : `Terraform could not be run (${result.error.message}): ${needs}.`;
  }
  let version: unknown;
  try {
    version = JSON.parse(result.stdout).terraform_version;
  } catch {
    version = /Terraform v(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1];
  }
  if (typeof version !== "string") return `Terraform did not say its version (terraform version -json): ${needs}.`;
  if (olderThan(version, MIN_TERRAFORM)) return `Terraform ${version} is too old: ${needs}. Upgrade it and try again.`;
  return undefined;
}

export function providerMirror(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TF_PROVIDER_MIRROR) return env.TF_PROVIDER_MIRROR;
  return fs.existsSync(DEFAULT_MIRROR) ? DEFAULT_MIRROR : undefined;
}

/**
 * The environment for Terraform processes. With a mirror, a CLI config in `workDir` makes
 * `terraform init` install the AWS provider from it (as symlinks: nothing is copied or downloaded).
 */
export function terraformEnv(workDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const mirror = providerMirror(env);
  const result: NodeJS.ProcessEnv = { ...env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  if (mirror) {
    const file = path.join(workDir, "terraform.rc");
    fs.mkdirSync(workDir, { recursive: true });
    fs.writeFileSync(
      file,
      `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
`,
    );
    result.TF_CLI_CONFIG_FILE = file;
  }
  return result;
}

export interface TerraformResult {
  readonly status: number;
  /** stdout and stderr, interleaved as written. */
  readonly output: string;
  /** stdout alone: machine-readable output (`show -json`) without warnings on stderr. */
  readonly stdout: string;
  /** True when `stopAfter` stopped Terraform: `status` is then not Terraform's (it had none). */
  readonly stopped?: boolean;
  /** True when it was interrupted (RunOptions.settleOnAbort): `status` is Terraform's, after its graceful stop. */
  readonly interrupted?: boolean;
}

/** One line of Terraform's `-json` output (its machine-readable UI). */
export type JsonEvent = Record<string, unknown> & { type?: string };

/**
 * Lines longer than this are not parsed for `stopAfter`: `terraform test -verbose` reports each
 * state with the provider's whole schema (over 10 MB), and the events that end a phase are short.
 */
const MAX_EVENT_LINE = 64 << 10;

export class TerraformError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    readonly result: TerraformResult,
  ) {
    super(`terraform ${args.join(" ")} (in ${cwd}) exited ${result.status}:\n${result.output}`);
    this.name = "TerraformError";
  }
}

/** There is no `terraform` to run: what the user can fix, said in one line (terraformProblem's). */
export class TerraformNotFound extends Error {
  override name = "TerraformNotFound";
  constructor() {
    super(NOT_ON_PATH);
  }
}

function spawnError(e: NodeJS.ErrnoException): Error {
  return e.code === "ENOENT" ? new TerraformNotFound() : e;
}

/** Runs terraform and returns its exit status and combined output, without color. */
export function terraform(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): TerraformResult {
  const result = spawnSync("terraform", [...args, "-no-color"], { cwd, env, encoding: "utf8", maxBuffer: 256 << 20 });
  if (result.error) throw spawnError(result.error);
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

/** Like `terraform`, but throws with Terraform's output when it fails. */
export function mustTerraform(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): TerraformResult {
  const result = terraform(args, cwd, env);
  if (result.status !== 0) throw new TerraformError(args, cwd, result);
  return result;
}

/** Terraform processes started with a signal that are still running: stopped hard if we exit first. */
const running = new Set<ChildProcess>();

export interface RunOptions {
  /** Aborting it interrupts Terraform once (see terraformAsync). */
  readonly signal?: AbortSignal;
  /** See terraformAsync. */
  readonly stopAfter?: (event: JsonEvent) => boolean;
  /** Each chunk Terraform writes (stdout or stderr), as it comes: for showing an apply's progress. */
  readonly onOutput?: (chunk: Buffer) => void;
  /**
   * When `signal` aborts, resolve with what Terraform did once it has exited (`interrupted` set)
   * instead of rejecting: an interrupted apply's caller needs to know whether it finished.
   */
  readonly settleOnAbort?: boolean;
}

/**
 * `terraform`, without blocking: the two stacks' steps run side by side.
 *
 * With `signal`, Terraform runs in its own process group, so that a Ctrl-C reaches it only through
 * us, and once: when `signal` aborts, it gets one SIGINT (Terraform stops gracefully and releases
 * its state lock; a second would make it exit at once), and the promise rejects with the abort's
 * reason once it has exited. Should we exit before it does, it is killed.
 *
 * With `stopAfter` (for a `-json` command), each event Terraform prints is passed to it, and once
 * it returns true Terraform is killed at once, with its process group (its provider plugins): for
 * a command whose remaining work is of no use to the caller and touches nothing real. The result
 * then says `stopped`.
 */
export function terraformAsync(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
  stopAfter?: (event: JsonEvent) => boolean,
): Promise<TerraformResult> {
  return terraformRun(args, cwd, env, { ...(signal && { signal }), ...(stopAfter && { stopAfter }) });
}

/** terraformAsync with all its options (RunOptions). */
export function terraformRun(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, options: RunOptions = {}): Promise<TerraformResult> {
  const { signal, stopAfter, onOutput, settleOnAbort } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn("terraform", [...args, "-no-color"], { cwd, env, detached: signal !== undefined || stopAfter !== undefined });
    const chunks: Buffer[] = [];
    const stdout: Buffer[] = [];
    let stopped = false;
    // To the group, as a Ctrl-C in a terminal would: Terraform and its provider plugins.
    const interrupt = () => signalGroup(child, "SIGINT");
    if (signal || stopAfter) {
      if (running.size === 0) process.once("exit", killRunning);
      running.add(child);
    }
    signal?.addEventListener("abort", interrupt, { once: true });
    const lines = stopAfter && eventLines((event) => {
      if (stopped || !stopAfter(event)) return;
      stopped = true;
      signalGroup(child, "SIGKILL");
    });
    child.stdout.on("data", (c: Buffer) => (chunks.push(c), stdout.push(c), lines?.(c), onOutput?.(c)));
    child.stderr.on("data", (c: Buffer) => (chunks.push(c), onOutput?.(c)));
    child.on("error", (e) => reject(spawnError(e)));
    child.on("close", (status) => {
      running.delete(child);
      if (running.size === 0) process.off("exit", killRunning);
      signal?.removeEventListener("abort", interrupt);
      if (signal?.aborted && !settleOnAbort) reject(signal.reason);
      else
        resolve({
          status: status ?? 1,
          output: Buffer.concat(chunks).toString("utf8"),
          stdout: Buffer.concat(stdout).toString("utf8"),
          ...(stopped && { stopped }),
          ...(signal?.aborted && { interrupted: true }),
        });
    });
  });
}

/**
 * Splits a stream of `-json` output into lines and passes each short one, parsed, to `onEvent`
 * (see MAX_EVENT_LINE); returns the function to feed each chunk to.
 */
export function eventLines(onEvent: (event: JsonEvent) => void): (chunk: Buffer) => void {
  let partial: Buffer[] = [];
  let partialLength = 0;
  return (chunk) => {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; start = end + 1, end = chunk.indexOf(10, start)) {
      const length = partialLength + end - start;
      if (length <= MAX_EVENT_LINE) {
        const line = Buffer.concat([...partial, chunk.subarray(start, end)]).toString("utf8");
        let event: unknown;
        try {
          event = JSON.parse(line);
        } catch {
          event = undefined; // Not an event: a line of text around them.
        }
        if (event && typeof event === "object" && !Array.isArray(event)) onEvent(event as JsonEvent);
      }
      partial = [];
      partialLength = 0;
    }
    if (start < chunk.length) {
      // Only kept while the line might still be short enough to parse.
      partialLength += chunk.length - start;
      if (partialLength <= MAX_EVENT_LINE) partial.push(chunk.subarray(start));
      else partial = [];
    }
  };
}

function killRunning(): void {
  for (const child of running) signalGroup(child, "SIGKILL");
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
