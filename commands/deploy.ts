/**
 * `npm run deploy`: applies saved plans, stack by stack in deploy order, and checks the result with
 * doctor. The app and Terraform only, no framework CLI: it runs on every Node LTS. `--help`
 * describes it; docs/deploying.md explains it.
 */
import * as fs from "fs";
import * as path from "path";
import { createInterface } from "readline/promises";
import { loadConfig } from "../config/load";
import type { Config } from "../config/schema";
import { pipelineAccounts } from "../config/accounts";
import { SOURCE_STACK } from "../stacks/outputs";
import { terraformEnv, terraformProblem } from "../terraform/cli";
import { exitCode, hasChanges, summarizePlan, terraformErrors, type PlanJson, type StackResult } from "../terraform/plan-summary";
import type { PlanReview } from "../terraform/plan-review";
import { changedResources } from "../terraform/plan-changes";
import { configProblems, fileProblems, ManifestError, readManifest, stackProblems, stateProblem, versionProblems, type Manifest } from "../deploy/manifest";
import {
  applyPlan,
  explainApplyFailure,
  indent,
  LOCK_FILE,
  initStacks,
  planAll,
  planOne,
  prepareStacks,
  selectStacks,
  stateVersion,
  synthesize,
  versions,
  type LoopContext,
  type SourceOutputs,
  type StackRun,
} from "../deploy/orchestrate";
import {
  acquireLock,
  configPathFromEnv,
  makeTempDir,
  parseCommandLine,
  ROOT,
  runCommand,
  shownPath,
  userPath,
  UserError,
  type CommandContext,
} from "./cli";

const CDKTF_OUT = path.join(ROOT, "cdktf.out");

export const DEPLOY_EXIT = { nothingToDo: 0, failed: 1, applied: 2, refused: 3, doctorFinds: 4 } as const;

export const DEPLOY_EXIT_CODES: readonly { readonly code: number; readonly meaning: string }[] = [
  { code: DEPLOY_EXIT.nothingToDo, meaning: "nothing to do: no stack deployed has changes" },
  {
    code: DEPLOY_EXIT.failed,
    meaning:
      "failed: bad arguments or config, no credentials, a plan or an apply that failed (the stacks applied before it are named), " +
      "or doctor could not check the result",
  },
  { code: DEPLOY_EXIT.applied, meaning: "applied: every change applied, and doctor finds every hop of the chain as it must be" },
  {
    code: DEPLOY_EXIT.refused,
    meaning:
      "refused: nothing more applied: plans that do not match what they would be applied to, no terminal without --yes, " +
      "a dangerous change without --allow-dangerous, an answer other than y, a preflight finding, or a new plan that differs from the reviewed one",
  },
  { code: DEPLOY_EXIT.doctorFinds, meaning: "applied, but doctor finds a hop denied, allowed when it must not be, or missing: its fix is printed" },
];

const USAGE = `Usage: npm run deploy [-- [--plans <dir>] [--stack <name>]... [--yes] [--allow-dangerous] [--skip-doctor]]

Applies the config's stacks in deploy order (source-account, then each pipeline account's), each
from a saved plan, never from a plan made at apply time:
  1. synthesizes into cdktf.out/ (the app itself, no cdktf CLI) and checks each account's
     credentials (the profile or role the config names);
  2. plans every stack against the real accounts, as npm run plan does; or with --plans, checks
     that the plans there are for exactly this config, these stacks, this Terraform and provider,
     this backend and each stack's state as it is now;
  3. prints what changes, runs preflight (read-only), and for each stack with changes: prints its
     changes, asks "Apply these changes to <stack> (account N)? [y/N]" and applies its saved plan;
     a pipeline-account stack planned against source-account's outputs as planned is planned again
     once source-account is applied, and applied only if that plan has the same resource changes
     and access answers as the one reviewed (else deploy stops and shows the difference);
  4. after the last apply, runs doctor's check of the permission chain and prints it.

  --plans <dir>      Apply the plans npm run plan wrote to <dir> (the plans artifact of the merged
                     pull request, say; relative to the directory you run npm in) instead of
                     planning now. Refused before anything is applied: plans made offline; plans of
                     another config, backend, Terraform or provider version; a stack whose code or
                     state changed since (someone applied in between); a stack with changes and no
                     <stack>.tfplan. Terraform's own refusal of a stale plan is reported in one line.
  --stack <name>     Deploy only this stack (repeatable; a glob such as 'pipeline-account-*' in
                     quotes). Default: every stack.
  --yes              Apply without asking (CI). Without a terminal, deploy refuses unless given.
  --allow-dangerous  Also apply dangerous changes (npm run plan's exit code 3: a destroy or
                     replacement of the key, the bucket, a repository or a role, or an access
                     change that allows what must stay denied or denies a hop a pipeline needs).
  --skip-doctor      Do not run doctor's check after the last apply (a CI job that deploys one of
                     several stacks: check once all are applied, with npm run doctor).
  -h, --help         This text.

One deploy or plan at a time runs in cdktf.out/ (and a deploy holds the --plans directory): a
second one stops at once and says so. Ctrl-C during an apply: Terraform gets one interrupt,
finishes the operations under way, saves its state and releases its lock; deploy stops before the
next stack and says which stacks were applied. A second Ctrl-C stops Terraform at once (its state
lock may be left held: terraform force-unlock).

Config: PIPELINE_CONFIG=path/to/config.json (default: config/example.json; relative to the
directory you run npm in). Needs Terraform on PATH and credentials for every account deployed.

Exit codes:
${DEPLOY_EXIT_CODES.map((e) => `  ${e.code}  ${e.meaning}`).join("\n")}
  130, 143  interrupted (Ctrl-C, SIGTERM): the stacks applied before it are named
`;

const SPEC = {
  name: "npm run deploy",
  usage: USAGE,
  options: {
    plans: { type: "string" },
    stack: { type: "string", multiple: true },
    yes: { type: "boolean" },
    "allow-dangerous": { type: "boolean" },
    "skip-doctor": { type: "boolean" },
  },
} as const;

/** Deploy will not go on: nothing (more) is applied. The message says why and what to do. */
class Refused extends Error {
  override name = "Refused";
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

/** A stack about to be applied: its reviewed plan, and where its saved plan is. */
interface Reviewed {
  readonly run: StackRun;
  readonly result: StackResult;
  readonly plan?: PlanJson;
  /** Absent for a stack planned against source-account's outputs as planned: it is planned again. */
  readonly tfplan?: string;
  readonly sourceOutputs?: SourceOutputs;
}

function refuseIf(dir: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new Refused(`the plans in ${dir} do not match what they would be applied to:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
}

/**
 * The plans of `dir` for `runs`, with what makes them unusable that the files alone show: a stack
 * whose synthesized JSON changed, files that are not the ones listed, a stack with changes and no
 * saved plan (unless it is planned again anyway), a stack whose plan failed.
 */
function readPlans(dir: string, manifest: Manifest, runs: readonly StackRun[]): { reviewed: Reviewed[]; problems: string[] } {
  const problems = stackProblems(manifest, new Map(runs.map((r) => [r.stack, path.join(r.dir, "cdk.tf.json")])));
  const reviewed: Reviewed[] = [];
  for (const run of runs) {
    const planned = manifest.stacks.find((s) => s.stack === run.stack);
    if (!planned) continue;
    problems.push(...fileProblems(dir, planned));
    if (planned.result !== "planned") {
      problems.push(`${run.stack} has no plan (its plan ${planned.result === "failed" ? "failed" : "was not made"}): see summary.md, and plan again`);
      continue;
    }
    const tfplan = `${run.stack}.tfplan`;
    const json = `${run.stack}.json`;
    const saved = Boolean(planned.files[tfplan]) && fs.existsSync(path.join(dir, tfplan));
    if (planned.changes && !saved && planned.sourceOutputs !== "planned") {
      problems.push(`${run.stack} has changes and no ${tfplan}: plan again`);
      continue;
    }
    if (!planned.files[json] || !fs.existsSync(path.join(dir, json))) {
      problems.push(`${run.stack} has no ${json} (the plan reviewed): plan again`);
      continue;
    }
    const plan = JSON.parse(fs.readFileSync(path.join(dir, json), "utf8")) as PlanJson;
    reviewed.push({
      run,
      result: summarizePlan(run.stack, plan),
      plan,
      ...(saved && { tfplan: path.join(dir, tfplan) }),
      ...(planned.sourceOutputs && { sourceOutputs: planned.sourceOutputs }),
    });
  }
  return { reviewed, problems };
}

/** What makes the plans unusable now that the stacks are initialized: other versions, a state that changed. */
async function liveProblems(ctx: LoopContext, manifest: Manifest, runs: readonly StackRun[]): Promise<string[]> {
  const [tools, states] = await Promise.all([versions(ctx, runs[0].dir), Promise.all(runs.map((run) => stateVersion(ctx, run)))]);
  const stale = runs.flatMap((run, i) => stateProblem(manifest.stacks.find((s) => s.stack === run.stack)!, states[i]) ?? []);
  return [...versionProblems(manifest, tools), ...stale];
}

/** Plans every stack now, as npm run plan does; a stack that cannot be planned stops the deploy. */
async function reviewedNow(ctx: LoopContext, runs: readonly StackRun[], inits: Awaited<ReturnType<typeof initStacks>>): Promise<Reviewed[]> {
  const dir = path.join(ctx.scratch, "plans");
  fs.mkdirSync(dir, { recursive: true });
  const outcomes = await planAll(ctx, runs, inits, { outDir: dir, tfplanDir: dir });
  const failed = outcomes.filter((o) => o.result.status !== "planned").map((o) => o.stack);
  if (failed.length > 0) throw new UserError(`nothing applied: ${failed.join(", ")} could not be planned (Terraform's errors above)`);
  return outcomes.map((o, i) => ({
    run: runs[i],
    result: o.result,
    ...(o.plan && { plan: o.plan }),
    ...(o.tfplan && { tfplan: o.tfplan }),
    ...(o.sourceOutputs && { sourceOutputs: o.sourceOutputs }),
  }));
}

function countsLine(result: StackResult): string {
  if (result.status !== "planned") return result.message;
  const { add, change, destroy, replace } = result.counts;
  const outputs = result.outputChanges > 0 ? `, ${result.outputChanges} output${result.outputChanges === 1 ? "" : "s"}` : "";
  return `${add} to add, ${change} to change, ${destroy} to destroy, ${replace} to replace${outputs}`;
}

/** One stack's part of the review: its resource changes and the policies it changes. */
function stackChanges(stack: string, plan: PlanJson, review: PlanReview | undefined): string[] {
  const lines = changedResources(plan).map((r) => `    ${r.action.padEnd(8)} ${r.address}${r.detail ? `  (${r.detail.replace(/`/g, "")})` : ""}`);
  const policies = review && "policies" in review.access ? review.access.policies.filter((p) => p.stack === stack) : [];
  if (policies.length > 0) {
    lines.push(`  Policies it changes: ${policies.length}`, ...policies.map((p) => `    ${p.how.padEnd(17)} ${p.what} (${p.address})`));
  }
  return lines;
}

/** The access review in a few lines: what changes, dangerous changes first. */
function accessLines(review: PlanReview): string[] {
  const access = review.access;
  if (!("changes" in access)) return [`Access changes: not evaluated (${access.missing.join(", ")} not deployed in this run).`];
  const dangerous = access.changes.filter((c) => c.dangerous);
  const lines = [
    `Access changes: ${access.changes.length} answer${access.changes.length === 1 ? "" : "s"} change (${dangerous.length} dangerous) ` +
      `of ${access.evaluated} requests of the permission chain; ${access.policies.length} polic${access.policies.length === 1 ? "y changes" : "ies change"}.`,
  ];
  for (const c of [...dangerous, ...access.changes.filter((x) => !x.dangerous)]) {
    lines.push(`  ${c.dangerous ? "DANGER " : ""}newly ${c.now}: row ${c.case.row}: ${c.case.who} ${c.case.action} on ${c.case.on}`);
  }
  if (access.unknown.length > 0) lines.push(`  ${access.unknown.length} polic${access.unknown.length === 1 ? "y is" : "ies are"} known only after apply: see npm run plan's summary.md`);
  return lines;
}

/** Where a deploy stands, for the line that says why it stopped. */
function standing(applied: readonly string[], remaining: readonly string[]): string {
  const done = applied.length > 0 ? `applied: ${applied.join(", ")}` : "nothing applied";
  return remaining.length > 0 ? `${done}; not applied: ${remaining.join(", ")}` : done;
}

/** Asks on the terminal; only "y" or "yes" applies. */
async function confirm(question: string, signal: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(question, { signal });
    return /^(y|yes)$/i.test(answer.trim());
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw e;
  } finally {
    rl.close();
  }
}

/** Terraform's output as it comes, each line indented under the stack's. */
function indented(): { write: (chunk: Buffer) => void; end: () => void } {
  let partial = "";
  return {
    write: (chunk) => {
      const text = partial + chunk.toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) process.stdout.write(line.trim() ? `    ${line}\n` : "\n");
    },
    end: () => {
      if (partial) process.stdout.write(`    ${partial}\n`);
      partial = "";
    },
  };
}

interface Deploy {
  readonly ctx: LoopContext;
  readonly config: Config;
  readonly reviewed: readonly Reviewed[];
  readonly review: PlanReview | undefined;
  readonly ask: boolean;
}

/** Applies each stack with changes, in order; returns the stacks applied, or throws Refused / UserError / Interrupted saying where it stopped. */
async function applyAll({ ctx, config, reviewed, review, ask }: Deploy): Promise<string[]> {
  const applied: string[] = [];
  const pending = reviewed.filter((r) => r.result.status === "planned" && hasChanges(r.result)).map((r) => r.run.stack);
  const remaining = () => pending.filter((s) => !applied.includes(s));
  const reviewedPlans = reviewed.flatMap((r) => (r.plan ? [{ stack: r.run.stack, plan: r.plan }] : []));
  for (const r of reviewed) {
    const { stack } = r.run;
    if (!pending.includes(stack)) {
      log(`${stack}: no changes`);
      continue;
    }
    let tfplan = r.tfplan;
    let plan = r.plan!;
    let reported = false;
    try {
      if (r.sourceOutputs === "planned") {
        // Reviewed against source-account's outputs as planned: planned again, now against what is deployed.
        const dir = path.join(ctx.scratch, "replan");
        fs.mkdirSync(dir, { recursive: true });
        const again = await planOne(ctx, r.run, { outDir: dir, tfplanDir: dir, note: `again: it was reviewed against ${SOURCE_STACK}'s outputs as planned` });
        if (!again.plan || !again.tfplan) throw new UserError(`${stack} could not be planned again (Terraform's errors above); ${standing(applied, remaining())}`);
        const { resourceDifferences, accessDifferences } = await import("../deploy/replan");
        // The access model reads the planned values: the same values give the same answers, so the
        // answers are computed only to explain a difference.
        const resources = resourceDifferences(plan, again.plan);
        if (resources.length > 0) {
          const access = await accessDifferences(config, reviewedPlans, stack, again.plan);
          throw new Refused(
            [
              `${stack}'s new plan is not the one reviewed (planned against ${SOURCE_STACK}'s outputs as planned): review it (npm run plan) before deploying it; ${standing(applied, remaining())}`,
              "  Resource changes that differ:",
              ...resources.map((l) => `    ${l}`),
              ...(access.length > 0 ? ["  Access answers that differ:", ...access.map((l) => `    ${l}`)] : ["  Access answers: the same."]),
            ].join("\n"),
          );
        }
        log(`${stack}: the new plan has the same resource changes as the reviewed one`);
        tfplan = again.tfplan;
        plan = again.plan;
      }
      log(`${stack} (account ${r.run.accountId}): ${countsLine(r.result)}`);
      for (const line of stackChanges(stack, plan, review)) log(line);
      if (ask && !(await confirm(`Apply these changes to ${stack} (account ${r.run.accountId})? [y/N] `, ctx.signal))) {
        throw new Refused(`not confirmed for ${stack}; ${standing(applied, remaining())}`);
      }
      log(`${stack}: terraform apply ${shownPath(tfplan!)}`);
      const out = indented();
      const result = await applyPlan(ctx, r.run, tfplan!, out.write);
      out.end();
      if (result.interrupted) {
        if (result.status === 0) applied.push(stack);
        const what =
          result.status === 0
            ? `${stack}'s apply finished`
            : `${stack}'s apply stopped after the operations under way (Terraform saved its state and released its lock; plan again to see what is left)`;
        log(`Interrupted: ${what}. ${standing(applied, remaining())}.`);
        reported = true;
        throw ctx.signal.reason;
      }
      if (result.status !== 0) {
        throw new UserError(`${stack}: apply failed: ${explainApplyFailure(result.output)}. ${standing(applied, remaining())}`);
      }
      applied.push(stack);
      log(`${stack}: applied`);
    } catch (e) {
      if (ctx.signal.aborted && !reported) log(`Interrupted before ${stack} was applied. ${standing(applied, remaining())}.`);
      throw e;
    }
  }
  return applied;
}

async function main({ signal }: CommandContext): Promise<number> {
  const args = parseCommandLine(SPEC, process.argv.slice(2));
  if (!args) return DEPLOY_EXIT.nothingToDo;
  const ask = !args.yes;
  if (ask && !process.stdin.isTTY) {
    throw new Refused("no terminal to confirm each stack on (stdin is not a TTY): pass --yes to apply without asking (CI)");
  }
  const plansDir = args.plans === undefined ? undefined : userPath(args.plans);
  if (plansDir && !fs.statSync(plansDir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`--plans: ${plansDir} is not a directory`);
  const terraform = terraformProblem();
  if (terraform) throw new UserError(terraform);
  const configPath = configPathFromEnv();
  const config = loadConfig(configPath);
  const stacks = selectStacks(config, args.stack);

  let manifest: Manifest | undefined;
  if (plansDir) {
    try {
      manifest = readManifest(plansDir);
    } catch (e) {
      if (e instanceof ManifestError) throw new Refused(e.message);
      throw e;
    }
    if (!manifest) throw new Refused(`${plansDir} has no manifest.json: not plans npm run plan wrote (or written before plans had one); plan again`);
    refuseIf(plansDir, configProblems(manifest, config, shownPath(configPath)));
  }

  const scratch = makeTempDir("deploy-");
  const releases: (() => void)[] = [];
  try {
    fs.mkdirSync(CDKTF_OUT, { recursive: true });
    releases.push(acquireLock(path.join(CDKTF_OUT, LOCK_FILE), "deploy"));
    if (plansDir) releases.push(acquireLock(path.join(plansDir, LOCK_FILE), "deploy"));
    const ctx: LoopContext = { config, offline: false, scratch: scratch.dir, env: terraformEnv(scratch.dir), signal, log };

    // Credentials first, so that a deploy without them stops at once; with plans, after the checks
    // that need no AWS, so that plans that do not fit are refused without asking AWS anything.
    if (!manifest) await credentials(config, stacks);
    log(`Synthesizing into ${CDKTF_OUT}`);
    await synthesize(config, CDKTF_OUT, ROOT, shownPath(configPath));
    const runs = prepareStacks(ctx, CDKTF_OUT, stacks);
    const fromPlans = manifest && readPlans(plansDir!, manifest, runs);
    if (fromPlans) refuseIf(plansDir!, fromPlans.problems);
    if (manifest) await credentials(config, stacks);
    const inits = await initStacks(ctx, runs);
    const initFailed = runs.filter((_, i) => inits[i].status !== 0);
    for (const run of initFailed) log(`${run.stack}: terraform init failed; Terraform's errors follow.\n${indent(terraformErrors(inits[runs.indexOf(run)].output))}`);
    if (initFailed.length > 0) throw new UserError(`nothing applied: terraform init failed for ${initFailed.map((r) => r.stack).join(", ")}`);
    if (fromPlans) refuseIf(plansDir!, await liveProblems(ctx, manifest!, runs));
    const reviewed = fromPlans ? fromPlans.reviewed : await reviewedNow(ctx, runs, inits);
    const results = reviewed.map((r) => r.result);
    const { reviewPlans } = await import("../terraform/plan-review");
    const review = await reviewPlans(config, reviewed.flatMap((r) => (r.plan ? [{ stack: r.run.stack, plan: r.plan }] : [])));
    const withChanges = reviewed.filter((r) => r.result.status === "planned" && hasChanges(r.result));
    log("");
    for (const r of reviewed) {
      const against = r.sourceOutputs === "planned" ? `; planned against ${SOURCE_STACK}'s outputs as planned, so planned again once it is applied` : "";
      log(`${r.run.stack} (account ${r.run.accountId}): ${countsLine(r.result)}${against}`);
    }
    if (withChanges.length === 0) {
      log("Nothing to do: no stack has changes.");
      return DEPLOY_EXIT.nothingToDo;
    }
    for (const line of accessLines(review)) log(line);
    if (exitCode(results, review) === 3 && !args["allow-dangerous"]) {
      const destroys = results.flatMap((r) => (r.status === "planned" ? r.dangerous.map((d) => `${r.stack}: ${d.kind} ${d.address}`) : []));
      const access = "changes" in review.access ? review.access.changes.filter((c) => c.dangerous).map((c) => `newly ${c.now}: row ${c.case.row}: ${c.case.who} ${c.case.action} on ${c.case.on}`) : [];
      throw new Refused(
        `dangerous changes, and no --allow-dangerous: nothing applied. Read them (npm run plan's summary.md), and deploy with --allow-dangerous only if they are meant:\n${[...destroys, ...access].map((l) => `  - ${l}`).join("\n")}`,
      );
    }

    log("");
    log("preflight: the names the plans create, the permissions they need, the limits they count against (read-only)");
    const { preflight, renderFindings } = await import("../deploy/preflight");
    const checked = withChanges.map((r) => ({ stack: r.run.stack, accountId: r.run.accountId, plan: r.plan! }));
    const findings = await preflight(config, checked, { signal });
    process.stdout.write(renderFindings(checked, findings));
    const stops = findings.filter((f) => f.severity === "stop");
    if (stops.length > 0) throw new Refused(`preflight: nothing applied:\n${stops.map((f) => `  - ${f.stack}: ${f.message}`).join("\n")}`);
    log("");
    const applied = await applyAll({ ctx, config, reviewed, review, ask });
    log(`Applied: ${applied.join(", ")}.`);
    if (args["skip-doctor"]) return DEPLOY_EXIT.applied;
    return await checkResult(config);
  } finally {
    for (const release of releases.reverse()) release();
    scratch.remove();
  }
}

/** Each account deployed to has working credentials for it (deploy/credentials.ts), or one line says which does not. */
async function credentials(config: Config, stacks: readonly string[]): Promise<void> {
  log(`Credentials: ${stacks.join(", ")}`);
  const { checkCredentials, CredentialsProblem } = await import("../deploy/credentials");
  const accounts = new Map([[SOURCE_STACK, config.sourceAccount], ...pipelineAccounts(config).map((a) => [a.stack, a.account] as const)]);
  try {
    await checkCredentials(config, stacks.map((stack) => ({ stack, account: accounts.get(stack)! })));
  } catch (e) {
    if (e instanceof CredentialsProblem) throw new UserError(e.message);
    throw e;
  }
}

/** doctor's check of the permission chain on what is deployed now (no drift: the plans were just applied). */
async function checkResult(config: Config): Promise<number> {
  log("");
  log("doctor: checking every hop of the permission chain on the deployed policies");
  const [{ runConfig, DoctorError }, { textReport }] = await Promise.all([import("../doctor/run"), import("../doctor/report")]);
  let report: Awaited<ReturnType<typeof runConfig>>;
  try {
    report = await runConfig(config);
  } catch (e) {
    if (e instanceof DoctorError) throw new UserError(`applied, but doctor could not check the result: ${e.message}`);
    throw e;
  }
  process.stdout.write(textReport(report));
  if (report.exitCode === 0) return DEPLOY_EXIT.applied;
  if (report.exitCode === 4) return DEPLOY_EXIT.doctorFinds;
  throw new UserError("applied, but doctor could not read every hop (see its report above)");
}

runCommand(
  SPEC,
  async (ctx) => {
    try {
      return await main(ctx);
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      process.stderr.write(`${SPEC.name}: refused: ${e.message}\n`);
      return DEPLOY_EXIT.refused;
    }
  },
  DEPLOY_EXIT.failed,
  // An apply under way is finished by Terraform after one interrupt, however long that takes.
  { stopGraceMs: Infinity },
);
