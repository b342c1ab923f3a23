/**
 * The stack loop that `npm run plan` and `npm run deploy` share: synthesize the app, initialize each
 * stack, plan each in deploy order (source-account first) with `terraform show -json` of the plan,
 * and apply a saved plan. One copy of it, so that what deploy applies is planned exactly as what
 * plan shows for review.
 *
 * A pipeline-account stack reads source-account's outputs from its state. When source-account's
 * plan changes outputs a pipeline-account stack reads (a first deployment, a new pipeline), that
 * stack is planned against source-account's outputs *as planned* (the values the plan knows, and
 * the ARNs AWS assigns on apply formatted as AWS will: terraform/fixtures.ts), so one review shows
 * the whole change; deploy plans it again once source-account is applied (deploy/replan.ts).
 * Offline, every pipeline-account stack is planned that way.
 */
import * as fs from "fs";
import * as path from "path";
import type { Config } from "../config/schema";
import { stackAccount, stackNames } from "../config/accounts";
import { onExit, UsageError } from "../commands/cli";
import { SOURCE_STACK, SOURCE_STATE } from "../stacks/outputs";
import { TerraformError, terraformAsync, terraformRun, type TerraformResult } from "../terraform/cli";
import { resolveOutputs, stubState, type StackJson } from "../terraform/fixtures";
import {
  changeKind,
  explainFailure,
  planText,
  stubOutputs,
  summarizePlan,
  terraformErrors,
  type PlanJson,
  type StackResult,
} from "../terraform/plan-summary";
import { shareProvider } from "../terraform/provider-server";
import { offlineStackDir, stackContext } from "../terraform/workspace";

/**
 * Held while a plan writes to a plans directory or a deploy applies the plans there; and, by a
 * plan against the real accounts or a deploy, in cdktf.out/: one of them at a time.
 */
export const LOCK_FILE = ".plan.lock";

export interface StackRun {
  readonly stack: string;
  /** Where Terraform runs for it. */
  readonly dir: string;
  readonly json: StackJson;
  readonly accountId: string;
}

export interface LoopContext {
  readonly config: Config;
  /** Mock credentials and scratch copies of the stacks (terraform/workspace.ts): for review only. */
  readonly offline: boolean;
  /** This run's temporary directory. */
  readonly scratch: string;
  /** For Terraform processes (terraformEnv). */
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** Which state a pipeline-account stack's plan read source-account's outputs from. */
export type SourceOutputs = "deployed" | "planned";

/**
 * A state's identity. Terraform refuses a saved plan once the state is not the snapshot the plan was
 * made from ("Saved plan is stale"; a Terraform maintainer's description:
 * https://discuss.hashicorp.com/t/showing-what-has-changed-on-stale-plan/19728; seen here with 1.11).
 */
export interface StateVersion {
  readonly lineage: string;
  readonly serial: number;
}

export interface PlanOutcome {
  readonly stack: string;
  readonly result: StackResult;
  readonly plan?: PlanJson;
  /** The saved plan, for a stack that may be applied as planned. */
  readonly tfplan?: string;
  /** For a pipeline-account stack: whose outputs its plan read. */
  readonly sourceOutputs?: SourceOutputs;
}

/**
 * Synthesizes every stack of `config` into `outdir`, running the app itself (no framework CLI), the
 * way `npm run synth` does (commands/synth-output.ts: never half written, AWS's limits checked
 * first, each stack's `.terraform/` and a running command's lock kept). `source` names the config in
 * a limit's message.
 */
export async function synthesize(config: Config, outdir: string, projectRoot: string, source: string): Promise<void> {
  // Loaded here, not at the top: --help and bad arguments answer without loading the framework.
  const { writeSynthOutput } = await import("../commands/synth-output");
  await writeSynthOutput(config, { outdir, projectRoot }, { source });
}

/** The stacks `patterns` name (all of them without any), in deploy order. */
export function selectStacks(config: Config, patterns: readonly string[] | undefined): string[] {
  const all = stackNames(config);
  if (!patterns || patterns.length === 0) return all;
  const selected = new Set<string>();
  for (const pattern of patterns) {
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    const matches = all.filter((s) => regex.test(s));
    if (matches.length === 0) throw new UsageError(`--stack ${JSON.stringify(pattern)} matches no stack of the config; its stacks: ${all.join(", ")}`);
    for (const m of matches) selected.add(m);
  }
  return all.filter((s) => selected.has(s));
}

/** The file the stub of source-account's planned outputs is written to, in `scratch`. */
export function stubPath(scratch: string): string {
  return path.join(scratch, `${SOURCE_STACK}-planned-outputs.tfstate`);
}

/** The synthesized stacks, ready to init: offline, scratch copies reading the stub; else `<outdir>/stacks/<stack>`. */
export function prepareStacks(ctx: LoopContext, outdir: string, stacks: readonly string[]): StackRun[] {
  return stacks.map((stack) => {
    const accountId = stackAccount(ctx.config, stack);
    if (ctx.offline) {
      const dir = offlineStackDir(ctx.config, outdir, stack, path.join(ctx.scratch, "stacks"), { remoteStatePath: stubPath(ctx.scratch) });
      return { stack, dir: dir.dir, json: dir.json, accountId };
    }
    const dir = path.join(outdir, "stacks", stack);
    removeSourceOverride(dir);
    return { stack, dir, json: JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson, accountId };
  });
}

/**
 * Initializes every stack side by side. -reconfigure (real accounts): cdktf.out/stacks/<stack>/.terraform
 * remembers the backend of the last init; a run for another config or backend uses the new one,
 * with no migration question to answer.
 */
export function initStacks(ctx: LoopContext, stacks: readonly StackRun[]): Promise<TerraformResult[]> {
  const init = ctx.offline ? ["init", "-input=false"] : ["init", "-input=false", "-reconfigure"];
  ctx.log(`terraform init: ${stacks.map((s) => s.stack).join(", ")}`);
  return Promise.all(stacks.map((s) => terraformAsync(init, s.dir, ctx.env, ctx.signal)));
}

/** The lineage and serial of an initialized stack's state; null when it has none yet. */
export async function stateVersion(ctx: LoopContext, stack: StackRun): Promise<StateVersion | null> {
  const pulled = await terraformAsync(["state", "pull"], stack.dir, ctx.env, ctx.signal);
  if (pulled.status !== 0) throw new TerraformError(["state", "pull"], stack.dir, pulled);
  if (pulled.stdout.trim() === "") return null;
  const state = JSON.parse(pulled.stdout) as { lineage?: unknown; serial?: unknown };
  if (typeof state.lineage !== "string" || typeof state.serial !== "number") {
    throw new Error(`terraform state pull in ${stack.dir} gave a state without lineage or serial`);
  }
  return { lineage: state.lineage, serial: state.serial };
}

export interface Versions {
  readonly terraform: string;
  /** Provider source address to version, as this stack's init selected them. */
  readonly providers: Readonly<Record<string, string>>;
}

/** Terraform's version, and the providers `terraform init` selected in `dir`. */
export async function versions(ctx: Pick<LoopContext, "env" | "signal">, dir: string): Promise<Versions> {
  const result = await terraformAsync(["version", "-json"], dir, ctx.env, ctx.signal);
  if (result.status !== 0) throw new TerraformError(["version", "-json"], dir, result);
  const parsed = JSON.parse(result.stdout) as { terraform_version: string; provider_selections?: Record<string, string> };
  return { terraform: parsed.terraform_version, providers: parsed.provider_selections ?? {} };
}

/** source-account's outputs a stack reads through its `terraform_remote_state`. */
export function sourceOutputsRead(json: StackJson): Set<string> {
  const pattern = new RegExp(`data\\.terraform_remote_state\\.${SOURCE_STATE}\\.outputs\\.(\\w+)`, "g");
  return new Set([...JSON.stringify(json).matchAll(pattern)].map((m) => m[1]));
}

/** The outputs a plan creates, changes or removes. */
export function changedOutputs(plan: PlanJson): Set<string> {
  return new Set(Object.entries(plan.output_changes ?? {}).filter(([, o]) => changeKind(o.actions) !== undefined).map(([name]) => name));
}

/**
 * The override that makes a stack read source-account's outputs from the stub instead of its
 * backend, for one plan: an override file replaces the data source's `backend` and `config`
 * arguments ("Override Files", https://developer.hashicorp.com/terraform/language/files/override).
 */
const SOURCE_OVERRIDE = "planned-source-outputs_override.tf.json";

function removeSourceOverride(dir: string): void {
  fs.rmSync(path.join(dir, SOURCE_OVERRIDE), { force: true });
}

async function withSourceOverride<T>(dir: string, stub: string, body: () => Promise<T>): Promise<T> {
  const override = { data: { terraform_remote_state: { [SOURCE_STATE]: { backend: "local", config: { path: stub } } } } };
  fs.writeFileSync(path.join(dir, SOURCE_OVERRIDE), `${JSON.stringify(override, null, 2)}\n`);
  // Never left behind where a later plan or apply by hand would read it, even if we are stopped.
  const remove = onExit(() => removeSourceOverride(dir));
  try {
    return await body();
  } finally {
    remove();
  }
}

export interface PlanOneOptions {
  /** Where `<stack>.json` and `<stack>.txt` go. */
  readonly outDir: string;
  /** Where `<stack>.tfplan` goes. */
  readonly tfplanDir: string;
  /** Plan against the outputs in this stub state instead of source-account's deployed ones. */
  readonly againstStub?: string;
  /** Why, for the console. */
  readonly note?: string;
}

/**
 * Plans one initialized stack: `<stack>.tfplan`, `.json` and `.txt` on success; on failure only
 * `.txt`, holding Terraform's output, whose errors are also printed.
 */
export async function planOne(ctx: LoopContext, stack: StackRun, options: PlanOneOptions): Promise<PlanOutcome> {
  const file = (ext: string) => path.join(options.outDir, `${stack.stack}.${ext}`);
  fs.mkdirSync(options.tfplanDir, { recursive: true });
  const tfplan = path.join(options.tfplanDir, `${stack.stack}.tfplan`);
  ctx.log(`${stack.stack}: terraform plan${options.note ? ` (${options.note})` : ""}`);
  const run = () => terraformAsync(["plan", "-input=false", `-out=${tfplan}`], stack.dir, ctx.env, ctx.signal);
  const planned = options.againstStub && !ctx.offline ? await withSourceOverride(stack.dir, options.againstStub, run) : await run();
  const sourceOutputs: SourceOutputs | undefined =
    stack.stack === SOURCE_STACK ? undefined : options.againstStub || ctx.offline ? "planned" : "deployed";
  if (planned.status !== 0) {
    fs.rmSync(tfplan, { force: true });
    fs.writeFileSync(file("txt"), planned.output);
    const message = explainFailure(stack.stack, planned.output, { stack: SOURCE_STACK, state: SOURCE_STATE });
    const details = terraformErrors(planned.output);
    ctx.log(`${stack.stack}: plan failed. ${message}\n${indent(details)}`);
    return { stack: stack.stack, result: { stack: stack.stack, status: "failed", message, details }, ...(sourceOutputs && { sourceOutputs }) };
  }
  // The text is the plan's own output (what `terraform show` of the plan prints, plus any
  // warnings): a second `show` would load the provider's schema again, seconds per stack.
  fs.writeFileSync(file("txt"), planText(planned.output));
  const json = await terraformAsync(["show", "-json", tfplan], stack.dir, ctx.env, ctx.signal);
  if (json.status !== 0) throw new TerraformError(["show", "-json", tfplan], stack.dir, json);
  fs.writeFileSync(file("json"), json.stdout);
  const plan = JSON.parse(json.stdout) as PlanJson;
  const result = summarizePlan(stack.stack, plan);
  const { add, change, destroy, replace } = result.counts;
  ctx.log(`${stack.stack}: ${add} to add, ${change} to change, ${destroy} to destroy, ${replace} to replace`);
  return { stack: stack.stack, result, plan, tfplan, ...(sourceOutputs && { sourceOutputs }) };
}

/** Terraform's errors for the console, under the line that announces them. */
export function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

export interface PlanAllOptions {
  readonly outDir: string;
  readonly tfplanDir: string;
}

/**
 * Plans the stacks, initialized as `inits` says, in order. A stack whose init failed is a failure
 * with Terraform's errors. A pipeline-account stack is planned against source-account's planned
 * outputs when source-account's plan changes an output it reads (offline: always, once
 * source-account is planned). Offline, one provider process serves every plan and show
 * (provider-server.ts).
 */
export async function planAll(
  ctx: LoopContext,
  stacks: readonly StackRun[],
  inits: readonly TerraformResult[],
  options: PlanAllOptions,
): Promise<PlanOutcome[]> {
  const shared = ctx.offline && inits[0]?.status === 0 ? await shareProvider(stacks[0].dir, path.join(ctx.scratch, "provider"), ctx.env) : undefined;
  if (shared) ctx.log("Offline: one AWS provider process serves every plan and show");
  const run = shared ? { ...ctx, env: shared.env } : ctx;
  try {
    return await planInOrder(run, stacks, inits, options);
  } finally {
    await shared?.stop();
  }
}

async function planInOrder(
  ctx: LoopContext,
  stacks: readonly StackRun[],
  inits: readonly TerraformResult[],
  options: PlanAllOptions,
): Promise<PlanOutcome[]> {
  const outcomes: PlanOutcome[] = [];
  const stub = stubPath(ctx.scratch);
  let sourcePlan: { plan: PlanJson; changed: Set<string> } | undefined;
  for (const [i, stack] of stacks.entries()) {
    if (inits[i].status !== 0) {
      fs.writeFileSync(path.join(options.outDir, `${stack.stack}.txt`), inits[i].output);
      const message = `terraform init failed for ${stack.stack} (backend or provider installation); Terraform's errors follow.`;
      const details = terraformErrors(inits[i].output);
      ctx.log(`${stack.stack}: ${message}\n${indent(details)}`);
      outcomes.push({ stack: stack.stack, result: { stack: stack.stack, status: "failed", message, details } });
      continue;
    }
    if (stack.stack === SOURCE_STACK) {
      const outcome = await planOne(ctx, stack, options);
      outcomes.push(outcome);
      if (outcome.plan) {
        sourcePlan = { plan: outcome.plan, changed: changedOutputs(outcome.plan) };
        // The stub holds the outputs source-account will have once applied: the planned values
        // Terraform already knows (names, literal ARNs, deployed values the plan keeps), and for
        // those known only after apply (ARNs AWS assigns), the values resolveOutputs formats from
        // the stack's JSON as AWS would.
        const outputs = stubOutputs(outcome.plan, () => resolveOutputs(stack.json, stackContext(ctx.config, stack.stack)));
        fs.writeFileSync(stub, stubState(outputs));
      }
      continue;
    }
    if (ctx.offline) {
      if (!sourcePlan) {
        const message = `Not planned: offline, it reads ${SOURCE_STACK}'s planned outputs, and ${SOURCE_STACK} has no plan.`;
        outcomes.push({ stack: stack.stack, result: { stack: stack.stack, status: "skipped", message } });
        continue;
      }
      outcomes.push(await planOne(ctx, stack, options));
      continue;
    }
    const reads = [...sourceOutputsRead(stack.json)].filter((name) => sourcePlan?.changed.has(name));
    if (sourcePlan && reads.length > 0) {
      const note = `against ${SOURCE_STACK}'s outputs as planned: its plan changes ${reads.length === 1 ? "an output" : `${reads.length} outputs`} this stack reads`;
      // Not a plan to apply: it read outputs that do not exist yet. Deploy plans the stack again
      // once source-account is applied, and applies that plan if it is this one.
      const outcome = await planOne(ctx, stack, { ...options, tfplanDir: path.join(ctx.scratch, "against-planned"), againstStub: stub, note });
      const { tfplan: _, ...kept } = outcome;
      outcomes.push(kept);
      continue;
    }
    outcomes.push(await planOne(ctx, stack, options));
  }
  return outcomes;
}

/**
 * Applies a saved plan (`terraform apply <plan>`: no other plan is made, nothing is asked).
 * Terraform's output goes to `onOutput` as it comes. Interrupted through `ctx.signal`, Terraform
 * gets one SIGINT, finishes the operations under way, writes its state and releases its lock; the
 * result then says `interrupted`, with Terraform's own exit status.
 */
export function applyPlan(ctx: LoopContext, stack: StackRun, tfplan: string, onOutput: (chunk: Buffer) => void): Promise<TerraformResult> {
  return terraformRun(["apply", "-input=false", tfplan], stack.dir, ctx.env, { signal: ctx.signal, onOutput, settleOnAbort: true });
}

/** What Terraform's apply output says went wrong, in one line: which calls failed, or a stale plan. */
export function explainApplyFailure(output: string): string {
  const flat = output.replace(/\s+/g, " ");
  if (flat.includes("Error: Saved plan is stale")) {
    return "Terraform refused the saved plan: the state changed after it was planned (\"Saved plan is stale\"); plan again";
  }
  const calls = new Set<string>();
  for (const m of flat.matchAll(/operation error ([\w ]+?): (\w+), https response error StatusCode: (\d+)[^,]*, RequestID: [^,]*, (?:api error )?([\w.]+): (.*?)(?= with | Error: |$)/g)) {
    calls.add(`${m[1]} ${m[2]} (HTTP ${m[3]} ${m[4]}: ${m[5].trim()})`);
  }
  if (calls.size > 0) return `AWS refused ${[...calls].join("; ")}`;
  return "terraform apply failed; Terraform's errors are above";
}
