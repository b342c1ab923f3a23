/**
 * `npm run preflight [-- --plans <dir>]`: preflight's checks of the saved plans in a plans
 * directory against the live accounts, printed; what `npm run deploy` checks before its first
 * apply, without applying anything.
 */
import * as fs from "fs";
import * as path from "path";
import { stackAccount, stackNames } from "../config/accounts";
import { loadConfig } from "../config/load";
import type { Config } from "../config/schema";
import type { PlanJson } from "../terraform/plan-summary";
import { configPathFromEnv, parseCommandLine, ROOT, runCommand, UserError, userPath } from "../commands/cli";
import type { PreflightStack } from "./preflight";
import { renderFindings } from "./render";

const USAGE = `Usage: npm run preflight [-- [--plans <dir>] [--json]]

Checks the plans that npm run plan wrote (<dir>/<stack>.json) against the live accounts, read-only,
with the credentials the config names for each account (profile, assumeRoleArn, else the default
chain), and says what would make their apply fail:
  names        every name a plan creates (role, bucket, repository, pipeline, rule, bus, CodeBuild
               project, log group, key alias, a role's inline policy) is free in its account, and
               what a plan changes without creating (a role it puts a policy on, an adopted
               repository) exists
  permissions  the deploying identity may do what each plan needs (iam:SimulatePrincipalPolicy;
               a note when the identity may not call it)
  limits       roles per account and rules per event bus, counted with what the accounts hold
Config: PIPELINE_CONFIG, default config/example.json. Endpoints: the SDK's AWS_ENDPOINT_URL and
AWS_ENDPOINT_URL_<SERVICE> settings apply.

Options:
  --plans <dir>  Where the plans are (default: plans/, relative to the directory you run npm in)
  --json         The findings as JSON ([{ stack, severity, message }]) instead of text
  -h, --help     This text.

Exit codes:
  0  nothing stops the deploy (notes may say what was not checked)
  1  could not run: flags, config, or no plan for the config's stacks in <dir>
  4  a finding stops the deploy
`;

const SPEC = {
  name: "npm run preflight",
  usage: USAGE,
  options: {
    plans: { type: "string" },
    json: { type: "boolean" },
  },
} as const;

/** The plans in `dir` for the config's stacks, in deploy order; a stack without one is left out. */
export function readPlans(config: Config, dir: string): PreflightStack[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`--plans ${dir}: not a directory; expected the plans directory npm run plan wrote`);
  const stacks: PreflightStack[] = [];
  for (const stack of stackNames(config)) {
    const file = path.join(dir, `${stack}.json`);
    if (!fs.existsSync(file)) continue;
    let plan: PlanJson;
    try {
      plan = JSON.parse(fs.readFileSync(file, "utf8")) as PlanJson;
    } catch (e) {
      throw new UserError(`${file}: not a plan (${(e as Error).message}); expected terraform show -json of ${stack}'s plan, as npm run plan writes it`);
    }
    if (plan === null || typeof plan !== "object" || !Array.isArray(plan.resource_changes ?? [])) {
      throw new UserError(`${file}: not a plan (no resource_changes list); expected terraform show -json of ${stack}'s plan, as npm run plan writes it`);
    }
    stacks.push({ stack, accountId: stackAccount(config, stack), plan });
  }
  if (stacks.length === 0) {
    throw new UserError(`${dir} holds no plan of this config's stacks (expected ${stackNames(config).map((s) => `${s}.json`).join(", ")}): run npm run plan first`);
  }
  return stacks;
}

async function main(argv: readonly string[], signal: AbortSignal): Promise<number> {
  const args = parseCommandLine(SPEC, argv);
  if (!args) return 0;
  const config = loadConfig(configPathFromEnv());
  const dir = args.plans !== undefined ? userPath(args.plans) : path.join(ROOT, "plans");
  const stacks = readPlans(config, dir);
  // The SDK clients load only once there is something to check.
  const { preflight } = await import("./preflight");
  const findings = await preflight(config, stacks, { signal });
  process.stdout.write(args.json ? `${JSON.stringify(findings, null, 2)}\n` : renderFindings(stacks, findings));
  return findings.some((f) => f.severity === "stop") ? 4 : 0;
}

if (require.main === module) runCommand(SPEC, ({ signal }) => main(process.argv.slice(2), signal));
