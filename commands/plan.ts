/**
 * `npm run plan [-- --offline] [--plans-dir <dir>]`: synthesizes every stack, plans each in deploy
 * order, and writes the plans and a summary for review. `--help` describes it; README.md
 * ("Reviewing plans") explains how to read the result.
 */
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../config/load";
import type { Config } from "../config/schema";
import { stackNames } from "../config/accounts";
import { pipelineStackName, SOURCE_STACK, SOURCE_STATE } from "../stacks/outputs";
import { TerraformError, terraformAsync, terraformEnv, terraformProblem, type TerraformResult } from "../terraform/cli";
import { resolveOutputs, stubState, type StackJson } from "../terraform/fixtures";
import {
  EXIT,
  EXIT_CODES,
  explainFailure,
  exitCode,
  planText,
  renderSummary,
  stubOutputs,
  summarizePlan,
  terraformErrors,
  type PlanJson,
  type StackResult,
} from "../terraform/plan-summary";
import { shareProvider } from "../terraform/provider-server";
import { offlineStackDir, stackContext } from "../terraform/workspace";
import {
  acquireLock,
  checkWritableDir,
  configPathFromEnv,
  makeTempDir,
  parseCommandLine,
  ROOT,
  runCommand,
  UsageError,
  userPath,
  UserError,
  type CommandContext,
} from "./cli";

/** Held while a plan writes to a plans directory; and, for plans against the real accounts, to cdktf.out. */
const LOCK_FILE = ".plan.lock";

const CDKTF_OUT = path.join(ROOT, "cdktf.out");

const USAGE = `Usage: npm run plan [-- [--offline] [--plans-dir <dir>] | --summarize <dir>]

Synthesizes every stack of the config, then for each in deploy order (source-account, then each
pipeline account's: pipeline-account, or pipeline-account-<key> for each of pipelineAccounts)
runs terraform init and plan, and writes to the plans directory (default: plans/):
  <stack>.tfplan   the saved plan          <stack>.json   terraform show -json of it
  <stack>.txt      the plan as text (Terraform's errors, if its plan failed)
  summary.md       per stack: add / change / destroy / replace; warnings for dangerous changes;
                   who gains or loses access; each changed resource
An earlier run's files are removed when a run starts, so a run that fails or is interrupted
leaves none to be mistaken for its own. One plan at a time writes to a plans directory, and one
plan against the real accounts runs in cdktf.out/: a second one stops at once and says so.

  --offline          No AWS: mock credentials, a scratch copy of each stack with local state, and
                     for each pipeline-account stack a stub of source-account's state holding its
                     planned outputs. Everything shows as new. cdktf.out/ is not touched, and no .tfplan
                     is written: a plan made with mock credentials is for review, never to apply.
  (default)          The real accounts: synthesizes into cdktf.out/ and runs Terraform in
                     cdktf.out/stacks/<stack> (terraform init -reconfigure: a changed backend is
                     simply used) with your credentials and the config's backend.
  --plans-dir <dir>  Write there instead of plans/ (relative to the directory you run npm in).
  --summarize <dir>  Run no Terraform: rebuild <dir>/summary.md from the <stack>.json files there
                     (a CI artifact, say), with the same exit code.
  -h, --help         This text.

Config: PIPELINE_CONFIG=path/to/config.json (default: config/example.json; relative to the
directory you run npm in).

Exit codes:
${EXIT_CODES.map((e) => `  ${e.code}  ${e.meaning}`).join("\n")}
  130, 143  interrupted (Ctrl-C, SIGTERM): temporary files removed, no plans written
`;

const SPEC = {
  name: "npm run plan",
  usage: USAGE,
  options: {
    offline: { type: "boolean" },
    "plans-dir": { type: "string" },
    summarize: { type: "string" },
  },
} as const;

/**
 * The files a run writes, for every stack a config can have (an earlier run may have planned
 * another config's stacks, e.g. pipeline-account-staging), so that clearing a previous run removes
 * all of its files and nothing else.
 */
const PLAN_FILE = new RegExp(
  `^(summary\\.md|(${SOURCE_STACK}|${pipelineStackName("")}|${pipelineStackName("[a-z0-9-]+")})\\.(tfplan|json|txt)(\\.partial)?)$`,
);

function clearPlans(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && PLAN_FILE.test(entry.name)) fs.rmSync(path.join(dir, entry.name));
  }
}

/** Replaces the previous run's files with this run's, each file written whole (rename). */
function publish(staging: string, dir: string): void {
  clearPlans(dir);
  fs.mkdirSync(dir, { recursive: true });
  for (const name of fs.readdirSync(staging)) {
    const target = path.join(dir, name);
    try {
      fs.renameSync(path.join(staging, name), target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
      // The temp directory is on another file system: copy beside the target, then rename.
      fs.copyFileSync(path.join(staging, name), `${target}.partial`);
      fs.renameSync(`${target}.partial`, target);
    }
  }
}

interface StackRun {
  readonly stack: string;
  readonly dir: string;
  readonly json: StackJson;
}

interface Run {
  /** Where this run's files are written until they are published. */
  readonly staging: string;
  /** Where the saved plans go: the staging directory, or offline, scratch space never published. */
  readonly tfplanDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

/**
 * Plans one stack into the staging directory: `<stack>.tfplan`, `.json` and `.txt` on success;
 * on failure only `.txt`, holding Terraform's output. Returns the result and the plan JSON.
 */
async function planStack(run: Run, stack: StackRun): Promise<{ result: StackResult; plan?: PlanJson }> {
  const file = (ext: string) => path.join(run.staging, `${stack.stack}.${ext}`);
  const tfplan = path.join(run.tfplanDir, `${stack.stack}.tfplan`);
  log(`${stack.stack}: terraform plan`);
  const planned = await terraformAsync(["plan", "-input=false", `-out=${tfplan}`], stack.dir, run.env, run.signal);
  if (planned.status !== 0) {
    fs.rmSync(tfplan, { force: true });
    fs.writeFileSync(file("txt"), planned.output);
    const message = explainFailure(stack.stack, planned.output, { stack: SOURCE_STACK, state: SOURCE_STATE });
    log(`${stack.stack}: plan failed. ${message}`);
    return { result: { stack: stack.stack, status: "failed", message, details: terraformErrors(planned.output) } };
  }
  // The text is the plan's own output (what `terraform show` of the plan prints, plus any
  // warnings): a second `show` would load the provider's schema again, seconds per stack.
  fs.writeFileSync(file("txt"), planText(planned.output));
  const json = await terraformAsync(["show", "-json", tfplan], stack.dir, run.env, run.signal);
  if (json.status !== 0) throw new TerraformError(["show", "-json", tfplan], stack.dir, json);
  fs.writeFileSync(file("json"), json.stdout);
  const plan = JSON.parse(json.stdout) as PlanJson;
  const result = summarizePlan(stack.stack, plan);
  const { add, change, destroy, replace } = result.counts;
  log(`${stack.stack}: ${add} to add, ${change} to change, ${destroy} to destroy, ${replace} to replace`);
  return { result, plan };
}

interface Plan {
  readonly config: Config;
  readonly stacks: readonly string[];
  readonly offline: boolean;
  /** This run's own temporary directory. */
  readonly scratch: string;
  readonly staging: string;
  readonly signal: AbortSignal;
}

async function planAll({ config, stacks: stackNames, offline, scratch, staging, signal }: Plan): Promise<StackResult[]> {
  const outdir = offline ? path.join(scratch, "cdktf.out") : CDKTF_OUT;
  log(`Synthesizing into ${offline ? "a scratch directory" : outdir}`);
  // Loaded here, not at the top: --help and bad arguments answer without loading the framework.
  const { buildApp } = await import("../stacks/app");
  buildApp(config, { outdir, projectRoot: ROOT }).app.synth();

  // Offline, each pipeline-account stack reads source-account's outputs from this file, written once
  // source-account is planned.
  const stubPath = path.join(scratch, `${SOURCE_STACK}-planned-outputs.tfstate`);
  const stacks: StackRun[] = stackNames.map((stack) => {
    if (offline) return offlineStackDir(config, outdir, stack, path.join(scratch, "stacks"), { remoteStatePath: stubPath });
    const dir = path.join(outdir, "stacks", stack);
    return { stack, dir, json: JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson };
  });
  // Offline, the saved plans stay in scratch space: made with mock credentials and empty state,
  // they would create every resource if applied, so they are never where an apply could find them.
  const tfplanDir = offline ? path.join(scratch, "tfplan") : staging;
  fs.mkdirSync(tfplanDir, { recursive: true });
  // Offline or not: the provider mirror when there is one (cli.ts), else the user's own
  // Terraform configuration; credentials and backend are the user's unless offline.
  const run: Run = { staging, tfplanDir, env: terraformEnv(scratch), signal };

  // -reconfigure: cdktf.out/stacks/<stack>/.terraform remembers the backend of the last init; a
  // plan for another config or backend uses the new one, with no migration question to answer.
  const init = offline ? ["init", "-input=false"] : ["init", "-input=false", "-reconfigure"];
  log(`terraform init: ${stackNames.join(", ")}`);
  const inits = await Promise.all(stacks.map((s) => terraformAsync(init, s.dir, run.env, signal)));

  // Offline, one provider process serves every plan and show that follows, one after another
  // (provider-server.ts): no account to reach, the same mock configuration for every stack.
  const shared = offline && inits[0].status === 0 ? await shareProvider(stacks[0].dir, path.join(scratch, "provider"), run.env) : undefined;
  if (shared) log("Offline: one AWS provider process serves every plan and show");
  try {
    return await planEach(shared ? { ...run, env: shared.env } : run, { config, stacks, inits, offline, stubPath });
  } finally {
    await shared?.stop();
  }
}

interface PlanEach {
  readonly config: Config;
  readonly stacks: readonly StackRun[];
  readonly inits: readonly TerraformResult[];
  readonly offline: boolean;
  readonly stubPath: string;
}

/** Plans the initialized stacks in order; offline, each pipeline-account stack after source-account's outputs are known. */
async function planEach(run: Run, { config, stacks, inits, offline, stubPath }: PlanEach): Promise<StackResult[]> {
  const { staging } = run;
  const results: StackResult[] = [];
  for (const [i, stack] of stacks.entries()) {
    if (inits[i].status !== 0) {
      fs.writeFileSync(path.join(staging, `${stack.stack}.txt`), inits[i].output);
      const message = `terraform init failed for ${stack.stack} (backend or provider installation); Terraform's errors follow.`;
      log(`${stack.stack}: ${message}`);
      results.push({ stack: stack.stack, status: "failed", message, details: terraformErrors(inits[i].output) });
      continue;
    }
    if (offline && stack.stack !== SOURCE_STACK && !fs.existsSync(stubPath)) {
      const message = `Not planned: offline, it reads ${SOURCE_STACK}'s planned outputs, and ${SOURCE_STACK} has no plan.`;
      results.push({ stack: stack.stack, status: "skipped", message });
      continue;
    }
    const { result, plan } = await planStack(run, stack);
    results.push(result);
    if (offline && stack.stack === SOURCE_STACK && plan) {
      // The stub holds the outputs source-account will have once applied: the planned values
      // Terraform already knows (names, literal ARNs), and for those known only after apply
      // (ARNs AWS assigns), the values resolveOutputs formats from the stack's JSON as AWS would.
      const outputs = stubOutputs(plan, () => resolveOutputs(stack.json, stackContext(config, stack.stack)));
      fs.writeFileSync(stubPath, stubState(outputs));
    }
  }
  return results;
}

/** A path for messages and the summary: relative to the repository when inside it, else absolute. */
function shown(file: string): string {
  const relative = path.relative(ROOT, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

async function main({ signal }: CommandContext): Promise<number> {
  const args = parseCommandLine(SPEC, process.argv.slice(2));
  if (!args) return EXIT.noChanges;
  const offline = args.offline ?? false;
  if (args.summarize !== undefined) {
    if (offline || args["plans-dir"] !== undefined) {
      throw new UsageError("--summarize runs no plan: it takes neither --offline nor --plans-dir");
    }
    return summarize(configPathFromEnv(), userPath(args.summarize));
  }
  const plansDir = args["plans-dir"] === undefined ? path.join(ROOT, "plans") : userPath(args["plans-dir"]);

  // Before any work: where the plans go, Terraform, and the temporary directory.
  checkWritableDir(plansDir, "--plans-dir");
  const terraform = terraformProblem();
  if (terraform) throw new UserError(terraform);
  const scratch = makeTempDir("plan-");
  const releases: (() => void)[] = [];
  try {
    fs.mkdirSync(plansDir, { recursive: true });
    releases.push(acquireLock(path.join(plansDir, LOCK_FILE), "plan"));
    if (!offline) {
      fs.mkdirSync(CDKTF_OUT, { recursive: true });
      releases.push(acquireLock(path.join(CDKTF_OUT, LOCK_FILE), "plan"));
    }
    try {
      // An earlier run's files go first: whatever happens to this run, none is left to be taken for its result.
      clearPlans(plansDir);
      const staging = path.join(scratch.dir, "plans");
      fs.mkdirSync(staging);
      const configPath = configPathFromEnv();
      const config = loadConfig(configPath);
      const results = await planAll({ config, stacks: stackNames(config), offline, scratch: scratch.dir, staging, signal });
      const { readPlans, reviewPlans } = await loadReview();
      const review = await reviewPlans(config, readPlans(staging, results));
      const summary = renderSummary(results, { offline, configPath: shown(configPath) }, review);
      fs.writeFileSync(path.join(staging, "summary.md"), summary);
      publish(staging, plansDir);
      const code = exitCode(results, review);
      if (offline) log("No .tfplan files: an offline plan (mock credentials, empty state) is for review, never for terraform apply.");
      log(`Wrote ${path.join(plansDir, "summary.md")}. Exit code ${code}: ${EXIT_CODES.find((e) => e.code === code)!.meaning}.`);
      return code;
    } catch (e) {
      // Nothing of this run is published (publish may have been under way).
      clearPlans(plansDir);
      throw e;
    }
  } finally {
    for (const release of releases.reverse()) release();
    scratch.remove();
  }
}

/**
 * The plan review and the policy simulator under it, loaded once there is something to review:
 * --help and mistakes answer without them.
 */
function loadReview(): Promise<typeof import("../terraform/plan-review")> {
  return import("../terraform/plan-review");
}

/** `--summarize <dir>`: summary.md again from the plan files in `dir`, with no Terraform. */
async function summarize(configPath: string, dir: string): Promise<number> {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`--summarize: ${dir} is not a directory`);
  const config = loadConfig(configPath);
  const rebuiltFrom = path.relative(process.env.INIT_CWD || process.cwd(), dir) || ".";
  const { summarizeDir } = await loadReview();
  const { summary, code } = await summarizeDir(config, dir, { offline: false, configPath: shown(configPath), rebuiltFrom });
  fs.writeFileSync(path.join(dir, "summary.md"), summary);
  log(`Wrote ${path.join(dir, "summary.md")}. Exit code ${code}: ${EXIT_CODES.find((e) => e.code === code)!.meaning}.`);
  return code;
}

runCommand(SPEC, main, EXIT.error);
