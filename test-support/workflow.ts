/** A GitHub Actions workflow of .github/workflows, read as its tests read it: the fields they check. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "./config";

export const WORKFLOWS = path.join(ROOT, ".github", "workflows");

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

export interface Job {
  "runs-on"?: string;
  needs?: string | string[];
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown>; "max-parallel"?: number; "fail-fast"?: boolean };
  steps: Step[];
}

export interface Workflow {
  readonly text: string;
  readonly workflow: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly jobs: Record<string, Job>;
}

/** `.github/workflows/<file>`: its text, as parsed, and its jobs. */
export function readWorkflow(file: string): Workflow {
  const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
  const workflow = parse(text);
  return { text, workflow, jobs: workflow.jobs as Record<string, Job> };
}

/** A step that uses `action` (any version), or runs a command matching `pattern`. */
export const uses = (action: string) => (s: Step) => (s.uses ?? "").startsWith(`${action}@`);
export const runs = (pattern: RegExp) => (s: Step) => pattern.test(s.run ?? "");
