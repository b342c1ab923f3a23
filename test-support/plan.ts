/** `npm run plan` as a process: the script, its arguments and its environment. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./config";
import { commandEnv } from "./process";

export const PLAN_SCRIPT = "commands/plan.ts";

/** Runs the plan script as `npm run plan -- <args>` does, with the example config unless `env` says otherwise. */
export function runPlan(args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["-r", "./scripts/register.js", PLAN_SCRIPT, ...args], {
    cwd: ROOT,
    env: commandEnv(env),
    encoding: "utf8",
  });
}

/** The files in a plans directory, sorted (none if it does not exist). */
export function planFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** Writes files as an earlier run (or the user) left them. */
export function seed(dir: string, names: readonly string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of names) fs.writeFileSync(path.join(dir, name), `left by an earlier run: ${name}\n`);
}
