/**
 * `npm run plan [-- --offline] [--plans-dir <dir>]`: synthesizes both stacks, plans each in deploy
 * order, and writes the plans and a summary for review. `--help` describes it; README.md
 * ("Reviewing plans") explains how to read the result.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, loadConfig } from "../config/load";
import type { Config } from "../config/schema";
import { buildApp } from "../stacks/app";
import { SOURCE_STACK, SOURCE_STATE } from "../stacks/outputs";
import { terraformAsync, terraformEnv } from "../terraform/cli";
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
import { readPlans, reviewPlans, summarizeDir } from "../terraform/plan-review";
import { DEPLOY_ORDER, offlineStackDir, stackContext } from "../terraform/workspace";

const ROOT = path.resolve(__dirname, "..");

const USAGE = `Usage: npm run plan [-- [--offline] [--plans-dir <dir>] | --summarize <dir>]

Synthesizes both stacks, then for each in deploy order (${DEPLOY_ORDER.join(", ")}) runs terraform
init and plan, and writes to the plans directory (default: plans/):
  <stack>.tfplan   the saved plan          <stack>.json   terraform show -json of it
  <stack>.txt      the plan as text (Terraform's errors, if its plan failed)
  summary.md       per stack: add / change / destroy / replace; warnings for dangerous changes;
                   who gains or loses access; each changed resource
Files of an earlier run are removed; a run that stops before planning (bad config) leaves none.

  --offline          No AWS: mock credentials, a scratch copy of each stack with local state, and
                     for pipeline-account a stub of source-account's state holding its planned
                     outputs. Everything shows as new. cdktf.out/ is not touched.
  (default)          The real accounts: synthesizes into cdktf.out/ and runs Terraform in
                     cdktf.out/stacks/<stack> with your credentials and the config's backend.
  --plans-dir <dir>  Write there instead of plans/.
  --summarize <dir>  Run no Terraform: rebuild <dir>/summary.md from the <stack>.json files there
                     (a CI artifact, say), with the same exit code.
  -h, --help         This text.

Config: PIPELINE_CONFIG=path/to/config.json (default: config/example.json).

Exit codes:
${EXIT_CODES.map((e) => `  ${e.code}  ${e.meaning}`).join("\n")}
`;

class UsageError extends Error {}

interface Options {
  readonly offline: boolean;
  readonly plansDir: string;
  readonly help: boolean;
  readonly summarize?: string;
}

function parseArgs(argv: readonly string[]): Options {
  let offline = false;
  let help = false;
  let plansDir = path.join(ROOT, "plans");
  let summarize: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--offline") offline = true;
    else if (arg === "-h" || arg === "--help") help = true;
    else if (arg === "--plans-dir" || arg.startsWith("--plans-dir=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (!value) throw new UsageError("--plans-dir needs a directory");
      plansDir = path.resolve(value);
    } else if (arg === "--summarize" || arg.startsWith("--summarize=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (!value || value.startsWith("-")) throw new UsageError("--summarize needs a directory");
      summarize = path.resolve(process.env.INIT_CWD || process.cwd(), value);
    } else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
  }
  if (summarize !== undefined && (offline || argv.some((a) => a.startsWith("--plans-dir")))) {
    throw new UsageError("--summarize runs no plan: it takes neither --offline nor --plans-dir");
  }
  return { offline, plansDir, help, ...(summarize !== undefined && { summarize }) };
}

/** The files a run writes, so that clearing a previous run never removes anything else. */
const PLAN_FILE = new RegExp(`^(summary\\.md|(${DEPLOY_ORDER.join("|")})\\.(tfplan|json|txt)(\\.partial)?)$`);

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
  readonly env: NodeJS.ProcessEnv;
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
  log(`${stack.stack}: terraform plan`);
  const planned = await terraformAsync(["plan", "-input=false", `-out=${file("tfplan")}`], stack.dir, run.env);
  if (planned.status !== 0) {
    fs.rmSync(file("tfplan"), { force: true });
    fs.writeFileSync(file("txt"), planned.output);
    const message = explainFailure(stack.stack, planned.output, { stack: SOURCE_STACK, state: SOURCE_STATE });
    log(`${stack.stack}: plan failed. ${message}`);
    return { result: { stack: stack.stack, status: "failed", message, details: terraformErrors(planned.output) } };
  }
  // The text is the plan's own output (what `terraform show` of the plan prints, plus any
  // warnings): a second `show` would load the provider's schema again, seconds per stack.
  fs.writeFileSync(file("txt"), planText(planned.output));
  const json = await terraformAsync(["show", "-json", file("tfplan")], stack.dir, run.env);
  if (json.status !== 0) throw new Error(`terraform show -json failed for ${stack.stack}:\n${json.output}`);
  fs.writeFileSync(file("json"), json.stdout);
  const plan = JSON.parse(json.stdout) as PlanJson;
  const result = summarizePlan(stack.stack, plan);
  const { add, change, destroy, replace } = result.counts;
  log(`${stack.stack}: ${add} to add, ${change} to change, ${destroy} to destroy, ${replace} to replace`);
  return { result, plan };
}

async function planAll(config: Config, offline: boolean, scratch: string, staging: string): Promise<StackResult[]> {
  const outdir = offline ? path.join(scratch, "cdktf.out") : path.join(ROOT, "cdktf.out");
  log(`Synthesizing into ${offline ? "a scratch directory" : path.relative(process.cwd(), outdir) || outdir}`);
  buildApp(config, { outdir, projectRoot: ROOT }).app.synth();

  // Offline, pipeline-account reads source-account's outputs from this file, written once
  // source-account is planned.
  const stubPath = path.join(scratch, `${SOURCE_STACK}-planned-outputs.tfstate`);
  const stacks: StackRun[] = DEPLOY_ORDER.map((stack) => {
    if (offline) return offlineStackDir(config, outdir, stack, path.join(scratch, "stacks"), { remoteStatePath: stubPath });
    const dir = path.join(outdir, "stacks", stack);
    return { stack, dir, json: JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson };
  });
  // Offline or not: the provider mirror when there is one (cli.ts), else the user's own
  // Terraform configuration; credentials and backend are the user's unless offline.
  const run: Run = { staging, env: terraformEnv(scratch) };

  log(`terraform init: ${DEPLOY_ORDER.join(", ")}`);
  const inits = await Promise.all(stacks.map((s) => terraformAsync(["init", "-input=false"], s.dir, run.env)));

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

async function main(argv: readonly string[]): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`npm run plan: ${e.message}\n\n${USAGE}`);
    return EXIT.error;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return EXIT.noChanges;
  }

  const configPath = process.env.PIPELINE_CONFIG || path.join(ROOT, "config", "example.json");
  if (options.summarize !== undefined) return summarize(configPath, options.summarize);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
  try {
    const staging = path.join(scratch, "plans");
    fs.mkdirSync(staging);
    const config = loadConfig(configPath);
    const results = await planAll(config, options.offline, scratch, staging);
    const review = await reviewPlans(config, readPlans(staging, results));
    const summary = renderSummary(results, { offline: options.offline, configPath: path.relative(ROOT, path.resolve(configPath)) }, review);
    fs.writeFileSync(path.join(staging, "summary.md"), summary);
    publish(staging, options.plansDir);
    const code = exitCode(results, review);
    log(`Wrote ${path.relative(process.cwd(), options.plansDir) || "."}/summary.md. Exit code ${code}: ${EXIT_CODES.find((e) => e.code === code)!.meaning}.`);
    return code;
  } catch (e) {
    // Nothing of this run is published, and nothing of an earlier run stays to be mistaken for it.
    clearPlans(options.plansDir);
    process.stderr.write(`${e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.error;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** `--summarize <dir>`: summary.md again from the plan files in `dir`, with no Terraform. */
async function summarize(configPath: string, dir: string): Promise<number> {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`npm run plan: --summarize: ${dir} is not a directory\n`);
    return EXIT.error;
  }
  try {
    const config = loadConfig(configPath);
    const shown = path.relative(process.env.INIT_CWD || process.cwd(), dir) || ".";
    const { summary, code } = await summarizeDir(config, dir, { offline: false, configPath: path.relative(ROOT, path.resolve(configPath)), rebuiltFrom: shown });
    fs.writeFileSync(path.join(dir, "summary.md"), summary);
    log(`Wrote ${path.relative(process.cwd(), dir) || "."}/summary.md. Exit code ${code}: ${EXIT_CODES.find((e) => e.code === code)!.meaning}.`);
    return code;
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT.error;
  },
);
