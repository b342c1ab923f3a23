/** Our commands as processes, run as `npm run <name>` runs them: node with the TypeScript loader, in the repository root. */
import { spawn, type ChildProcessWithoutNullStreams } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./config";

export interface Finished {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written so far. */
  readonly output: () => Finished;
  /** Resolves when `pattern` appears on stdout or stderr. */
  readonly waitFor: (pattern: string) => Promise<void>;
  readonly finished: Promise<Finished>;
}

/**
 * The environment a command under test gets: ours without PIPELINE_CONFIG (so the example config)
 * and without npm's settings (the npm that runs the tests exports its own, which a command would
 * take for its flags typed before --), then `env`.
 */
export function commandEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => name !== "PIPELINE_CONFIG" && !name.startsWith("npm_config_"));
  return { ...Object.fromEntries(inherited), ...env };
}

/**
 * Starts `script` (a path from the repository root) with `args`; `env` adds to ours (see
 * commandEnv). `root` is the checkout to run it in (default: this one).
 */
export function start(script: string, args: readonly string[] = [], env: Record<string, string> = {}, root = ROOT): Started {
  const child = spawn(process.execPath, ["-r", "./scripts/register.js", script, ...args], { cwd: root, env: commandEnv(env) });
  let stdout = "";
  let stderr = "";
  const waiting: { pattern: string; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiting]) {
      if (stdout.includes(w.pattern) || stderr.includes(w.pattern)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on("data", (c: Buffer) => ((stdout += c.toString()), check()));
  child.stderr.on("data", (c: Buffer) => ((stderr += c.toString()), check()));
  const output = () => ({ status: child.exitCode, stdout, stderr });
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
  const waitFor = (pattern: string) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ pattern, resolve });
      check();
      void finished.then(() => reject(new Error(`exited before printing ${JSON.stringify(pattern)}:\n${stdout}${stderr}`)));
    });
  return { child, output, waitFor, finished };
}

/** Runs `script` to the end. */
export function run(script: string, args: readonly string[] = [], env: Record<string, string> = {}, root = ROOT): Promise<Finished> {
  return start(script, args, env, root).finished;
}

/** Pids of the processes running now whose working directory or command line `matches` (Linux's /proc). */
export function runningProcesses(matches: (p: { cwd: string; cmdline: string }) => boolean): string[] {
  return fs.readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return matches({ cwd: fs.readlinkSync(`/proc/${pid}/cwd`), cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") });
    } catch {
      return false;
    }
  });
}

/** What a checkout of the app needs to run, and nothing a run writes (or the tests). */
const NOT_COPIED = new Set(["node_modules", ".git", "cdktf.out", "plans", "terraform-state", "bench", "coverage", "__tests__"]);

/**
 * A copy of this checkout in `dir`, sharing node_modules, for runs that write where the app writes
 * (cdktf.out/, terraform-state/) without touching this checkout, which other tests read.
 */
export function sandboxCheckout(dir: string): string {
  fs.cpSync(ROOT, dir, { recursive: true, filter: (source) => !NOT_COPIED.has(path.basename(source)) || source === ROOT });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}
