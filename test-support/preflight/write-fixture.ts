/**
 * Regenerates first-deploy.json: the example config's first deployment as `npm run plan --
 * --offline` plans it (every resource created), cut down to what preflight reads of a plan (each
 * change's actions and the attributes that name things, known or not, and what the configuration
 * says unknown ones refer to). Run after changing a name or a resource type of a stack:
 *   node -r ./scripts/register.js test-support/preflight/write-fixture.ts
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackAccount, stackNames } from "../../config/accounts";
import { loadConfig } from "../../config/load";
import type { PlanJson } from "../../terraform/plan-summary";
import { ROOT } from "../config";
import { commandEnv } from "../process";
import { FIRST_DEPLOY } from "./plans";

/** The attributes preflight reads (deploy/plan-needs.ts). */
const ATTRIBUTES = ["name", "bucket", "event_bus_name", "role", "repository", "path", "role_arn", "service_role", "rule", "target_key_arn", "arn"];

function pick(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(ATTRIBUTES.filter((k) => k in object).map((k) => [k, object[k]]));
}

export function cutDown(plan: PlanJson): PlanJson {
  return {
    resource_changes: (plan.resource_changes ?? [])
      .filter((c) => c.mode !== "data")
      .map((c) => ({ address: c.address, mode: c.mode, type: c.type, change: { actions: c.change.actions, after: pick(c.change.after), after_unknown: pick(c.change.after_unknown) } })),
    configuration: {
      root_module: {
        resources: (plan.configuration?.root_module?.resources ?? [])
          .filter((r) => !r.address.startsWith("data."))
          .map((r) => ({
            address: r.address,
            expressions: Object.fromEntries(Object.entries(r.expressions ?? {}).filter(([k, e]) => ATTRIBUTES.includes(k) && (e.references ?? []).length > 0)),
          })),
      },
    },
  };
}

if (require.main === module) {
  const config = loadConfig(path.join(ROOT, "config", "example.json"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-fixture-"));
  try {
    const run = spawnSync(process.execPath, ["-r", "./scripts/register.js", "commands/plan.ts", "--offline", "--plans-dir", dir], { cwd: ROOT, encoding: "utf8", env: commandEnv() });
    if (run.status !== 2) throw new Error(`npm run plan --offline exited ${run.status}:\n${run.stdout}${run.stderr}`);
    const stacks = stackNames(config).map((stack) => ({
      stack,
      accountId: stackAccount(config, stack),
      plan: cutDown(JSON.parse(fs.readFileSync(path.join(dir, `${stack}.json`), "utf8")) as PlanJson),
    }));
    fs.writeFileSync(FIRST_DEPLOY, `${JSON.stringify(stacks, null, 1)}\n`);
    process.stdout.write(`wrote ${path.relative(ROOT, FIRST_DEPLOY)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
