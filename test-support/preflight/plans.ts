/** The example config's first deployment as Terraform plans it (write-fixture.ts regenerates it): one stack each, fresh for each caller to change. */
import * as fs from "fs";
import * as path from "path";
import type { PlanJson } from "../../terraform/plan-summary";

export const FIRST_DEPLOY = path.join(__dirname, "first-deploy.json");

export function FIRST_DEPLOY_STACKS(): { stack: string; accountId: string; plan: PlanJson }[] {
  return JSON.parse(fs.readFileSync(FIRST_DEPLOY, "utf8"));
}
