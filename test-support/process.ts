/** Our commands as processes, run as `npm run <name>` runs them: node with the TypeScript loader, in the repository root. */
import { spawn, type ChildProcessWithoutNullStreams } from "child_process";
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

/** Starts `script` (a path from the repository root) with `args`; `env` adds to ours (PIPELINE_CONFIG cleared). */
export function start(script: string, args: readonly string[] = [], env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, ["-r", "./scripts/register.js", script, ...args], {
    cwd: ROOT,
    env: { ...process.env, PIPELINE_CONFIG: "", ...env },
  });
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
export function run(script: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<Finished> {
  return start(script, args, env).finished;
}
