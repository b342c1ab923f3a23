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
 * -- <scenario>...` remakes some, and KEEP_WORK=1 keeps the scratch directory to look into.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackNames } from "../config/accounts";
import { parseConfig } from "../config/load";
import type { ConfigInput } from "../config/schema";
import { buildApp } from "../stacks/app";
import { SOURCE_STACK } from "../stacks/outputs";
import { terraformAsync, terraformEnv, type TerraformResult } from "../terraform/cli";
import { resolveOutputs, stubState, type StackJson } from "../terraform/fixtures";
import { trimPlan } from "../terraform/plan-trim";
import { renderStacks, type RenderedStack } from "../terraform/render";
import { offlineStackDir, stackContext } from "../terraform/workspace";

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "__tests__", "terraform", "plan-fixtures");

// Terraform's JSON, read loosely: this script only moves it around.
type Json = Record<string, any>;

interface Scenario {
  readonly name: string;
  /** What is deployed; none: nothing yet (a first deployment, planned on empty state). */
  readonly before?: ConfigInput;
  readonly after: ConfigInput;
  /** Edits the after copy of a stack's synthesized JSON: a change made by hand, outside the config. */
  readonly edit?: (stack: string, json: Json) => void;
}

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
        move(json, "aws_ecr_repository_policy", "/api/repository/policy", "repository_platform-api_policy");
      } else {
        move(json, "aws_iam_role", "/web/service-role/role", "pipeline_web_service-role").tags = { owner: "team-web" };
      }
    },
  },
];

function check(step: string, where: string, result: TerraformResult): TerraformResult {
  if (result.status !== 0) throw new Error(`terraform ${step} failed in ${where}:\n${result.output}`);
  return result;
}

/** A v4 state file holding a rendered stack's managed resources and outputs. */
function stateFile(rendered: RenderedStack): string {
  const groups = new Map<string, Json>();
  for (const r of rendered.resources as unknown as Json[]) {
    if (r.mode !== "managed") continue;
    const key = `${r.type}.${r.name}`;
    if (!groups.has(key)) {
      groups.set(key, { mode: "managed", type: r.type, name: r.name, provider: `provider["${r.provider_name}"]`, instances: [] });
    }
    groups.get(key)!.instances.push({
      ...(r.index !== undefined && { index_key: r.index }),
      schema_version: r.schema_version ?? 0,
      attributes: r.values,
      sensitive_attributes: [],
    });
  }
  const outputs = Object.fromEntries(
    Object.entries(rendered.outputs).map(([k, value]) => [k, { value, type: typeof value === "string" ? "string" : "dynamic" }]),
  );
  const state = { version: 4, terraform_version: "1.11.4", serial: 1, lineage: "plan-fixtures", outputs, resources: [...groups.values()] };
  return `${JSON.stringify(state, null, 2)}\n`;
}

async function plan(scenario: Scenario, before: readonly RenderedStack[], work: string): Promise<Record<string, Json>> {
  const config = parseConfig(scenario.after, `${scenario.name} (after)`);
  const outdir = path.join(work, "cdktf.out");
  buildApp(config, { outdir, projectRoot: ROOT }).app.synth();
  const stub = path.join(work, "source-outputs.tfstate");
  const env = terraformEnv(work);
  const dirs = stackNames(config).map((stack) => {
    const dir = offlineStackDir(config, outdir, stack, path.join(work, "stacks"), { remoteStatePath: stub });
    if (scenario.edit) {
      scenario.edit(stack, dir.json as Json);
      fs.writeFileSync(path.join(dir.dir, "cdk.tf.json"), JSON.stringify(dir.json, null, 2));
    }
    const prior = before.find((s) => s.stack === stack);
    if (prior) fs.writeFileSync(path.join(dir.dir, "terraform.tfstate"), stateFile(prior));
    return dir;
  });
  const source = dirs.find((d) => d.stack === SOURCE_STACK)!;
  fs.writeFileSync(stub, stubState(resolveOutputs(source.json as StackJson, stackContext(config, SOURCE_STACK))));
  const plans = await Promise.all(
    dirs.map(async (dir) => {
      check("init", dir.dir, await terraformAsync(["init", "-input=false"], dir.dir, env));
      check("plan", dir.dir, await terraformAsync(["plan", "-input=false", "-refresh=false", "-out=plan.tfplan"], dir.dir, env));
      const shown = check("show", dir.dir, await terraformAsync(["show", "-json", "plan.tfplan"], dir.dir, env));
      return [dir.stack, JSON.parse(shown.stdout) as Json] as const;
    }),
  );
  return Object.fromEntries(plans);
}

/**
 * `known` laid over `base`: objects key by key, lists of the same length item by item; a key
 * `known` lacks (a plan's planned values omit what is known only after apply) keeps `base`'s value.
 */
function overlay(base: unknown, known: unknown): unknown {
  if (known === undefined) return base;
  if (Array.isArray(known)) {
    return Array.isArray(base) && base.length === known.length ? known.map((k, i) => overlay(base[i], k)) : known;
  }
  if (known !== null && typeof known === "object") {
    const b = base !== null && typeof base === "object" && !Array.isArray(base) ? (base as Json) : {};
    const keys = new Set([...Object.keys(b), ...Object.keys(known)]);
    return Object.fromEntries([...keys].map((k) => [k, overlay(b[k], (known as Json)[k])]));
  }
  return known;
}

/** `stacks` with the planned values of `plans` laid over their resources' values. */
function apply(stacks: readonly RenderedStack[], plans: Record<string, Json>): RenderedStack[] {
  return stacks.map((stack) => {
    const values = new Map(
      (plans[stack.stack].planned_values.root_module.resources as Json[]).map((r) => [r.address as string, r.values as Json | undefined]),
    );
    return { ...stack, resources: stack.resources.map((r) => ({ ...r, values: overlay(r.values, values.get(r.address)) as Json })) };
  });
}

/**
 * What the before config's stacks look like once applied: the planned values of a plan on an
 * empty state (the arguments, with the provider's defaults), and for what is known only after
 * apply (ARNs, ids) the values `terraform test` gives them (render.ts: as AWS would format them).
 * Then the provider's own normalization, as a second apply would write it (an optional string
 * left null becomes ""): the before config planned against that state changes nothing.
 */
async function appliedState(name: string, input: ConfigInput, work: string): Promise<RenderedStack[]> {
  const dir = (sub: string) => fs.mkdirSync(path.join(work, sub), { recursive: true })!;
  const scenario = { name, before: input, after: input };
  const rendered = await renderStacks(parseConfig(input, `${name} (before)`), dir("render"), ROOT);
  const first = apply(rendered, await plan(scenario, [], dir("plan")));
  return apply(first, await plan(scenario, first, dir("converge")));
}

async function main(names: readonly string[]): Promise<void> {
  const scenarios = names.length > 0 ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  if (scenarios.length !== Math.max(names.length, scenarios.length)) throw new Error(`unknown scenario in ${names.join(", ")}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-fixtures-"));
  try {
    // One before state per distinct before config; one scenario at a time (each runs Terraform per stack).
    const applied = new Map<string, RenderedStack[]>();
    for (const [i, scenario] of scenarios.entries()) {
      const key = JSON.stringify(scenario.before ?? null);
      if (!applied.has(key)) {
        process.stdout.write(`${scenario.name}: the before config, as applied\n`);
        applied.set(key, scenario.before ? await appliedState(scenario.name, scenario.before, path.join(work, `before-${i}`)) : []);
      }
      process.stdout.write(`${scenario.name}: planning the after config against it\n`);
      const plans = await plan(scenario, applied.get(key)!, fs.mkdirSync(path.join(work, `after-${i}`), { recursive: true })!);
      const dir = path.join(OUT, scenario.name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "config.json"), `${JSON.stringify(scenario.after, null, 2)}\n`);
      for (const [stack, json] of Object.entries(plans)) fs.writeFileSync(path.join(dir, `${stack}.json`), `${JSON.stringify(trimPlan(json), null, 1)}\n`);
      process.stdout.write(`${scenario.name}: wrote ${path.relative(ROOT, dir)}\n`);
    }
  } finally {
    if (process.env.KEEP_WORK) process.stdout.write(`kept ${work}\n`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
