/**
 * `npm run fixtures:plans`: regenerates the plan fixtures under __tests__/terraform/plan-fixtures/ from
 * real offline plans, so the plan-review tests read what Terraform and the AWS provider really
 * write (`terraform show -json`), not hand-made JSON.
 *
 * Each scenario has a config "before" and one "after". The before state is what the provider
 * renders for the before config (`terraform test` with every resource overridden, as
 * `verify:access` renders it), written out as a v4 state file. The after config is synthesized
 * (and its JSON edited, for a breakage no config can express), then planned against that state
 * with `-refresh=false` and mock credentials: its prior state is the before config's, its planned
 * values the after config's. pipeline-account stacks read source-account's outputs as they will
 * be once the after config is applied (as `npm run plan -- --offline` does).
 *
 * Each scenario directory holds `config.json` (the after config) and `<stack>.json`, trimmed to
 * what the plan review reads (terraform/plan-trim.ts). Takes a few minutes; `npm run fixtures:plans
 * -- <scenario>...` remakes some, and KEEP_WORK=1 keeps the scratch directory to look into. Values
 * Terraform makes up (terraform test's random ids) are replaced by values derived from where they
 * are, so a second run without a change writes the same files (scripts/plan-fixtures-make.ts).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseWithPositionals, ROOT, runCommand, UsageError, type CommandContext } from "../commands/cli";
import type { ConfigInput } from "../config/schema";
import { SOURCE_STACK } from "../stacks/outputs";
import type { Json, Scenario } from "./plan-fixtures-make";

const OUT = path.join(ROOT, "__tests__", "terraform", "plan-fixtures");

function readConfig(file: string): ConfigInput {
  const input = JSON.parse(fs.readFileSync(path.join(ROOT, "config", file), "utf8"));
  delete input.$schema;
  return input;
}

/** The block of `kind` ("resource" or "data") and `type` whose construct path ends with `suffix`. */
function block(json: Json, kind: "resource" | "data", type: string, suffix: string): Json {
  const blocks = Object.values(json[kind]?.[type] ?? {}) as Json[];
  const found = blocks.filter((d) => String(d["//"]?.metadata?.path ?? "").endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected one ${type} ending ${suffix}, found ${found.length}`);
  return found[0];
}

function policyDocument(json: Json, suffix: string): Json {
  return block(json, "data", "aws_iam_policy_document", suffix);
}

/**
 * Gives the resource of `type` whose construct path ends with `suffix` the name `to`, references
 * included, with a `moved` block from its old address: what a rename of a construct id that
 * ships with its `moved` block looks like. Returns the block, for further edits.
 */
function move(json: Json, type: string, suffix: string, to: string): Json {
  const from = Object.entries(json.resource[type] as Json).find(([, b]) => String(b["//"]?.metadata?.path ?? "").endsWith(suffix))?.[0];
  if (!from) throw new Error(`no ${type} ending ${suffix}`);
  const renamed = JSON.parse(JSON.stringify(json).replaceAll(`${type}.${from}`, `${type}.${to}`)) as Json;
  renamed.resource[type][to] = renamed.resource[type][from];
  delete renamed.resource[type][from];
  for (const key of Object.keys(json)) delete json[key];
  Object.assign(json, renamed, { moved: [...(renamed.moved ?? []), { from: `${type}.${from}`, to: `${type}.${to}` }] });
  return json.resource[type][to];
}

const example = readConfig("example.json");
const twoAccounts = readConfig("examples/two-accounts.json");

const SCENARIOS: readonly Scenario[] = [
  {
    // Someone drops the aws:PrincipalArn condition: any principal of account B may assume the role.
    name: "trust-condition-removed",
    before: example,
    after: example,
    edit: (stack, json) => {
      if (stack !== SOURCE_STACK) return;
      for (const statement of policyDocument(json, "/web/source-access/trust-policy").statement) delete statement.condition;
    },
  },
  {
    // The bucket policy loses the statements that let the source-access roles write their artifacts.
    name: "bucket-statement-removed",
    before: example,
    after: example,
    edit: (stack, json) => {
      if (stack === SOURCE_STACK) return;
      const doc = policyDocument(json, "/artifact-store/bucket-policy-document");
      doc.statement = doc.statement.filter((s: Json) => !String(s.sid).startsWith("SourceAccessWrites"));
    },
  },
  {
    name: "pipeline-added",
    before: { ...example, pipelines: example.pipelines.filter((p) => p.name !== "api") },
    after: example,
  },
  {
    // One role gets a tag of its own: one update, nothing a policy refers to changes.
    name: "tag-change",
    before: example,
    after: example,
    edit: (stack, json) => {
      if (stack !== SOURCE_STACK) block(json, "resource", "aws_iam_role", "/web/service-role/role").tags = { owner: "team-web" };
    },
  },
  {
    // A default tag added: every resource's tags change. Terraform then reads at apply, not at
    // plan, every policy document that refers to a resource with a change pending: those
    // policies are known only after apply, though their statements do not change.
    name: "default-tags-change",
    before: example,
    after: example,
    edit: (_stack, json) => {
      for (const provider of json.provider.aws) provider.default_tags[0].tags["cost-center"] = "platform";
    },
  },
  {
    // A new pipeline account: its key, bucket and roles are new, so the policies naming their
    // ARNs are known only after apply.
    name: "account-added",
    before: {
      ...twoAccounts,
      pipelineAccounts: { staging: twoAccounts.pipelineAccounts!.staging },
      pipelines: twoAccounts.pipelines.filter((p) => p.account === "staging"),
    },
    after: twoAccounts,
  },
  {
    // Nothing deployed yet: every stack creates everything.
    name: "first-deployment",
    after: twoAccounts,
  },
  {
    // Addresses renamed with `moved` blocks: two resources only move (a role's policy, an adopted
    // repository's policy), a role moves and gets a tag.
    name: "moved",
    before: example,
    after: example,
    edit: (stack, json) => {
      if (stack === SOURCE_STACK) {
        move(json, "aws_iam_role_policy", "/web/source-access/permissions", "pipeline_web_source-access_permissions");
        move(json, "aws_iam_role_policy", "/push-forwarding/permissions", "push-forwarding_events-policy");
      } else {
        move(json, "aws_iam_role", "/web/service-role/role", "pipeline_web_service-role").tags = { owner: "team-web" };
      }
    },
  },
];

const SPEC = {
  name: "npm run fixtures:plans",
  usage: `Usage: npm run fixtures:plans [-- <scenario>...]

Regenerates the plan-review fixtures under ${path.relative(ROOT, OUT)}/ from real offline plans
(Terraform and the AWS provider, no AWS; a few minutes): each scenario's config and the plan of
each stack, trimmed to what the plan review reads. A second run without a change writes the same
files. With scenario names, only those. KEEP_WORK=1 keeps the scratch directory.

Scenarios: ${SCENARIOS.map((s) => s.name).join(", ")}

  -h, --help  This text.
`,
  options: {},
  positionals: "scenario",
} as const;

async function main({ signal }: CommandContext): Promise<number> {
  const args = parseWithPositionals(SPEC, process.argv.slice(2));
  if (!args) return 0;
  const unknown = args.positionals.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scenario ${unknown.map((n) => JSON.stringify(n)).join(", ")}; expected some of: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  }
  const scenarios = args.positionals.length > 0 ? SCENARIOS.filter((s) => args.positionals.includes(s.name)) : SCENARIOS;
  // Loaded once the arguments are known good: --help and mistakes answer without the framework.
  const { makeScenarios } = await import("./plan-fixtures-make");
  const { trimPlan } = await import("../terraform/plan-trim");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-fixtures-"));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    await makeScenarios(
      scenarios,
      work,
      ROOT,
      (scenario, plans) => {
        const dir = path.join(OUT, scenario.name);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "config.json"), `${JSON.stringify(scenario.after, null, 2)}\n`);
        for (const [stack, json] of Object.entries(plans)) fs.writeFileSync(path.join(dir, `${stack}.json`), `${JSON.stringify(trimPlan(json), null, 1)}\n`);
        log(`${scenario.name}: wrote ${path.relative(ROOT, dir)}`);
      },
      log,
      signal,
    );
    return 0;
  } finally {
    if (process.env.KEEP_WORK) log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

runCommand(SPEC, main);
