/**
 * `npm run plan [-- --offline] [--plans-dir <dir>]`: synthesizes every stack, plans each in deploy
 * order, and writes the plans and a summary for review. `--help` describes it; docs/plan-review.md
 * explains how to read the result.
 */
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../config/load";
import { stackNames } from "../config/accounts";
import { pipelineStackName, SOURCE_STACK } from "../stacks/outputs";
import { terraformEnv, terraformProblem } from "../terraform/cli";
import { EXIT, EXIT_CODES, exitCode, hasChanges, renderSummary } from "../terraform/plan-summary";
import { buildManifest, configHash, MANIFEST_FILE, readManifest, ManifestError, writeManifest } from "../deploy/manifest";
import {
  initStacks,
  LOCK_FILE,
  planAll,
  prepareStacks,
  stateVersion,
  synthesize,
  versions,
  type LoopContext,
  type PlanOutcome,
  type StackRun,
  type StateVersion,
} from "../deploy/orchestrate";
import {
  acquireLock,
  checkWritableDir,
  configPathFromEnv,
  makeTempDir,
  parseCommandLine,
  ROOT,
  runCommand,
  shownPath,
  UsageError,
  userPath,
  UserError,
  type CommandContext,
} from "./cli";

const CDKTF_OUT = path.join(ROOT, "cdktf.out");

const USAGE = `Usage: npm run plan [-- [--offline] [--plans-dir <dir>] | --summarize <dir>]

Synthesizes every stack of the config, then for each in deploy order (source-account, then each
pipeline account's: pipeline-account, or pipeline-account-<key> for each of pipelineAccounts)
runs terraform init and plan, and writes to the plans directory (default: plans/):
  <stack>.tfplan   the saved plan          <stack>.json   terraform show -json of it
  <stack>.txt      the plan as text (Terraform's errors, if its plan failed)
  summary.md       per stack: add / change / destroy / replace; warnings for dangerous changes;
                   who gains or loses access; each changed resource
  manifest.json    what the plans were made from (config, stacks, versions, backend, each stack's
                   state): npm run deploy -- --plans <dir> applies them only to that
An earlier run's files are removed once a run starts planning (not for a bad flag or config), so
a run that fails or is interrupted leaves none to be mistaken for its own. One plan at a time
writes to a plans directory, and one plan or deploy against the real accounts runs in cdktf.out/:
a second one stops at once and says so.

  --offline          No AWS: mock credentials, a scratch copy of each stack with local state, and
                     for each pipeline-account stack a stub of source-account's state holding its
                     planned outputs. Everything shows as new. cdktf.out/ is not touched, and no .tfplan
                     is written: a plan made with mock credentials is for review, never to apply.
  (default)          The real accounts: synthesizes into cdktf.out/ and runs Terraform in
                     cdktf.out/stacks/<stack> (terraform init -reconfigure: a changed backend is
                     simply used) with your credentials and the config's backend. A pipeline-account
                     stack reading outputs that source-account's plan changes (a first deployment,
                     a new pipeline) is planned against those outputs as planned, and has no .tfplan:
                     npm run deploy plans it again once source-account is applied.
  --plans-dir <dir>  Write there instead of plans/ (relative to the directory you run npm in).
  --summarize <dir>  Run no Terraform: rebuild <dir>/summary.md from the <stack>.json files there
                     (a CI artifact, say), with the same exit code; refused for plans of another config.
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
  `^((summary\\.md|manifest\\.json)|(${SOURCE_STACK}|${pipelineStackName("")}|${pipelineStackName("[a-z0-9-]+")})\\.(tfplan|json|txt))(\\.partial)?$`,
);

function clearPlans(dir: string): void {
  if (!fs.existsSync(dir)) return;
  // The manifest first: a directory with a manifest holds every file it lists.
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => Number(b.name === MANIFEST_FILE) - Number(a.name === MANIFEST_FILE));
  for (const entry of entries) {
    if (entry.isFile() && PLAN_FILE.test(entry.name)) fs.rmSync(path.join(dir, entry.name));
  }
}

/** Replaces the previous run's files with this run's, each file written whole (rename), the manifest last. */
function publish(staging: string, dir: string): void {
  clearPlans(dir);
  fs.mkdirSync(dir, { recursive: true });
  const names = fs.readdirSync(staging).sort((a, b) => Number(a === MANIFEST_FILE) - Number(b === MANIFEST_FILE));
  for (const name of names) {
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

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

interface Plan {
  readonly ctx: LoopContext;
  readonly stacks: readonly string[];
  readonly staging: string;
  /** How messages name the config. */
  readonly source: string;
}

interface Planned {
  readonly outcomes: PlanOutcome[];
  readonly runs: readonly StackRun[];
  readonly states: ReadonlyMap<string, StateVersion | null>;
  readonly versions: Awaited<ReturnType<typeof versions>>;
}

async function planStacks({ ctx, stacks: names, staging, source }: Plan): Promise<Planned> {
  const outdir = ctx.offline ? path.join(ctx.scratch, "cdktf.out") : CDKTF_OUT;
  log(`Synthesizing into ${ctx.offline ? "a scratch directory" : outdir}`);
  await synthesize(ctx.config, outdir, ROOT, source);
  const runs = prepareStacks(ctx, outdir, names);
  const inits = await initStacks(ctx, runs);
  // The state each stack is planned against, for the manifest: a saved plan applies only to it.
  const states = new Map<string, StateVersion | null>();
  if (!ctx.offline) {
    await Promise.all(runs.map(async (run, i) => inits[i].status === 0 && states.set(run.stack, await stateVersion(ctx, run))));
  }
  const initialized = runs.find((_, i) => inits[i].status === 0);
  const tools = await versions(ctx, initialized?.dir ?? ROOT);
  // Offline, the saved plans stay in scratch space: made with mock credentials and empty state,
  // they would create every resource if applied, so they are never where an apply could find them.
  const tfplanDir = ctx.offline ? path.join(ctx.scratch, "tfplan") : staging;
  const outcomes = await planAll(ctx, runs, inits, { outDir: staging, tfplanDir });
  return { outcomes, runs, states, versions: tools };
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
    const configPath = configPathFromEnv();
    // Read before anything is cleared: a bad config leaves an earlier run's plans as they are.
    const config = loadConfig(configPath);
    try {
      // An earlier run's files go once this run starts: whatever happens to it, none is left to be taken for its result.
      clearPlans(plansDir);
      const staging = path.join(scratch.dir, "plans");
      fs.mkdirSync(staging);
      const ctx: LoopContext = { config, offline, scratch: scratch.dir, env: terraformEnv(scratch.dir), signal, log };
      const planned = await planStacks({ ctx, stacks: stackNames(config), staging, source: shownPath(configPath) });
      const results = planned.outcomes.map((o) => o.result);
      const against = planned.outcomes.filter((o) => o.sourceOutputs === "planned").map((o) => o.stack);
      const { readPlans, reviewPlans } = await loadReview();
      const review = await reviewPlans(config, readPlans(staging, results));
      const summary = renderSummary(results, { offline, configPath: shownPath(configPath), plannedAgainstSource: against }, review);
      fs.writeFileSync(path.join(staging, "summary.md"), summary);
      writeManifest(
        staging,
        buildManifest(staging, {
          config,
          configPath: shownPath(configPath),
          offline,
          versions: planned.versions,
          stacks: planned.runs.map((run, i) => manifestFacts(run, planned.outcomes[i], planned.states.get(run.stack) ?? null)),
        }),
      );
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

function manifestFacts(run: StackRun, outcome: PlanOutcome, state: StateVersion | null) {
  const { result } = outcome;
  return {
    stack: run.stack,
    accountId: run.accountId,
    synthesized: path.join(run.dir, "cdk.tf.json"),
    state,
    result: result.status,
    changes: result.status === "planned" && hasChanges(result),
    ...(outcome.sourceOutputs && { sourceOutputs: outcome.sourceOutputs }),
  };
}

/**
 * The plan review and the policy simulator under it, loaded once there is something to review:
 * --help and mistakes answer without them.
 */
function loadReview(): Promise<typeof import("../terraform/plan-review")> {
  return import("../terraform/plan-review");
}

/**
 * `--summarize <dir>`: summary.md again from the plan files in `dir`, with no Terraform. The
 * directory's manifest (when it has one) says which config the plans are for, whether they were
 * made offline and which stacks were planned against source-account's outputs as planned.
 */
async function summarize(configPath: string, dir: string): Promise<number> {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`--summarize: ${dir} is not a directory`);
  const config = loadConfig(configPath);
  let manifest: ReturnType<typeof readManifest>;
  try {
    manifest = readManifest(dir);
  } catch (e) {
    if (e instanceof ManifestError) throw new UserError(`--summarize: ${e.message}`);
    throw e;
  }
  if (manifest && manifest.config.sha256 !== configHash(config)) {
    throw new UserError(
      `--summarize: the plans in ${dir} were made for the config ${manifest.config.path}, and ${shownPath(configPath)} is another ` +
        `(its content differs): set PIPELINE_CONFIG to the config they were made for`,
    );
  }
  const rebuiltFrom = path.relative(process.env.INIT_CWD || process.cwd(), dir) || ".";
  const { summarizeDir } = await loadReview();
  const savedPlans = stackNames(config).some((stack) => fs.existsSync(path.join(dir, `${stack}.tfplan`)));
  const plannedAgainstSource = manifest?.stacks.filter((s) => s.sourceOutputs === "planned").map((s) => s.stack) ?? [];
  const { summary, code } = await summarizeDir(config, dir, {
    offline: manifest?.offline ?? false,
    configPath: shownPath(configPath),
    rebuiltFrom,
    savedPlans,
    plannedAgainstSource,
  });
  fs.writeFileSync(path.join(dir, "summary.md"), summary);
  log(`Wrote ${path.join(dir, "summary.md")}. Exit code ${code}: ${EXIT_CODES.find((e) => e.code === code)!.meaning}.`);
  return code;
}

runCommand(SPEC, main, EXIT.error);
