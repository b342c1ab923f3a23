/**
 * The review of a set of plans that summary.md adds to the counts: who gains or loses access
 * (plan-access.ts) and what each stack changes (plan-changes.ts). Also the plans of a directory,
 * read back for `npm run plan -- --summarize <dir>`, which rebuilds summary.md without Terraform.
 */
import * as fs from "fs";
import * as path from "path";
import { stackNames } from "../config/accounts";
import type { Config } from "../config/schema";
import { accessDiff, dangerousCount, renderAccess, type AccessDiff, type NoAccessDiff, type StackPlan } from "./plan-access";
import { renderChangedResources } from "./plan-changes";
import {
  exitCode,
  renderSummary,
  summarizePlan,
  terraformErrors,
  type PlanJson,
  type Review,
  type StackResult,
  type SummaryContext,
} from "./plan-summary";

export interface PlanReview extends Review {
  readonly access: AccessDiff | NoAccessDiff;
}

export async function reviewPlans(config: Config, plans: readonly StackPlan[]): Promise<PlanReview> {
  const order = stackNames(config);
  const ordered = [...plans].sort((a, b) => order.indexOf(a.stack) - order.indexOf(b.stack));
  const access = await accessDiff(config, ordered);
  return { sections: [renderAccess(access), renderChangedResources(ordered)], dangerousAccess: dangerousCount(access), access };
}

/** The plans of the planned stacks among `results`, from `<stack>.json` in `dir`. */
export function readPlans(dir: string, results: readonly StackResult[]): StackPlan[] {
  return results
    .filter((r) => r.status === "planned")
    .map((r) => ({ stack: r.stack, plan: JSON.parse(fs.readFileSync(path.join(dir, `${r.stack}.json`), "utf8")) as PlanJson }));
}

function isPlan(json: unknown): json is PlanJson {
  return json !== null && typeof json === "object" && typeof (json as PlanJson).format_version === "string" && "planned_values" in json;
}

/**
 * Each stack of the config as the files in `dir` show it: planned (`<stack>.json`, as `terraform
 * show -json` wrote it), failed (only `<stack>.txt`: Terraform's errors) or not there at all.
 */
export function readPlanDir(config: Config, dir: string): { results: StackResult[]; plans: StackPlan[] } {
  const results: StackResult[] = [];
  const plans: StackPlan[] = [];
  for (const stack of stackNames(config)) {
    const json = path.join(dir, `${stack}.json`);
    const txt = path.join(dir, `${stack}.txt`);
    if (fs.existsSync(json)) {
      let plan: unknown;
      try {
        plan = JSON.parse(fs.readFileSync(json, "utf8"));
      } catch (e) {
        results.push({ stack, status: "failed", message: `${stack}.json is not JSON: ${(e as Error).message}` });
        continue;
      }
      if (!isPlan(plan)) {
        results.push({ stack, status: "failed", message: `${stack}.json is not \`terraform show -json\` of a plan (no format_version or planned_values).` });
        continue;
      }
      results.push(summarizePlan(stack, plan));
      plans.push({ stack, plan });
    } else if (fs.existsSync(txt)) {
      const details = terraformErrors(fs.readFileSync(txt, "utf8"));
      results.push({ stack, status: "failed", message: `No ${stack}.json: its plan failed; Terraform's output (${stack}.txt) follows.`, details });
    } else {
      results.push({ stack, status: "skipped", message: `No ${stack}.json or ${stack}.txt in the directory.` });
    }
  }
  return { results, plans };
}

/** summary.md for the plan files in `dir`, and its exit code. The summary names `dir` as `context.rebuiltFrom`, if given. */
export async function summarizeDir(
  config: Config,
  dir: string,
  context: SummaryContext,
): Promise<{ summary: string; code: number; review: PlanReview }> {
  const { results, plans } = readPlanDir(config, dir);
  const review = await reviewPlans(config, plans);
  return { summary: renderSummary(results, { rebuiltFrom: dir, ...context }, review), code: exitCode(results, review), review };
}
