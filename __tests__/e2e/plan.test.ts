/**
 * `npm run plan -- --offline` end to end, as our CI runs it: the real Terraform and AWS provider
 * plan every stack of the example without AWS, the pipeline-account stack reading
 * source-account's planned outputs. One run (about 10 s); the assertions read its files. It is run
 * as a user in another directory would run it: config and plans directory relative to that
 * directory. (Every stack of both examples is validated and applied offline by terraform.test.ts;
 * the order of several pipeline accounts' stacks is stackNames', unit-tested.)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../config/load";
import * as naming from "../../lib/naming";
import { SOURCE_STACK } from "../../stacks/outputs";
import { planFiles, runPlan, seed } from "../../test-support/plan";
import { runningProcesses } from "../../test-support/process";
import { ROOT } from "../../test-support/config";
import { synthApp, type Synth } from "../../test-support/synth";

const EXAMPLE = path.join(ROOT, "config", "example.json");
const config = loadConfig(EXAMPLE);
const synthesized = synthApp(config);
const stacks: [string, Synth][] = [[SOURCE_STACK, synthesized.source], ...Object.entries(synthesized.pipelines)];
const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-e2e-"));
const plansDir = path.join(work, "plans");
const tmpdir = path.join(work, "tmp");
const manifest = path.join(ROOT, "cdktf.out", "manifest.json");
const mtime = (file: string) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : undefined);
let run: ReturnType<typeof runPlan>;
let manifestBefore: number | undefined;

function resourceCount(out: Synth): number {
  return Object.values(out.json.resource ?? {}).reduce((n, r) => n + Object.keys(r).length, 0);
}

function planJson(stack: string) {
  return JSON.parse(fs.readFileSync(path.join(plansDir, `${stack}.json`), "utf8"));
}

beforeAll(() => {
  // Files an earlier run left: one this run replaces, and a saved plan this run must not leave behind.
  seed(plansDir, ["pipeline-account.json", "source-account.tfplan"]);
  fs.copyFileSync(EXAMPLE, path.join(work, "my.json"));
  manifestBefore = mtime(manifest);
  fs.mkdirSync(tmpdir);
  // As `cd <work> && PIPELINE_CONFIG=my.json npm run plan -- --offline --plans-dir plans` runs it.
  run = runPlan(["--offline", "--plans-dir", "plans"], { INIT_CWD: work, PIPELINE_CONFIG: "my.json", TMPDIR: tmpdir });
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("npm run plan -- --offline", () => {
  it("exits 2: changes (everything is new), none dangerous", () => {
    if (run.status !== 2) throw new Error(`exit ${run.status}\n${run.stdout}\n${run.stderr}`);
    expect(run.stdout).toContain("Exit code 2: changes, none dangerous.");
  });

  it("writes each stack's plan as JSON and text, and the summary, where the user asked for them", () => {
    expect(run.stdout).toContain(`Wrote ${path.join(plansDir, "summary.md")}.`);
    expect(planFiles(plansDir)).toEqual([
      "manifest.json",
      "pipeline-account.json",
      "pipeline-account.txt",
      "source-account.json",
      "source-account.txt",
      "summary.md",
    ]);
  });

  it("writes no .tfplan, which README's apply command would apply with mock credentials, and says why", () => {
    expect(planFiles(plansDir).filter((f) => f.endsWith(".tfplan"))).toEqual([]);
    const summary = fs.readFileSync(path.join(plansDir, "summary.md"), "utf8");
    expect(summary).toContain("**No `.tfplan` files**: a plan made with mock credentials and empty state is for review, never to apply");
    expect(run.stdout).toContain("No .tfplan files: an offline plan (mock credentials, empty state) is for review, never for terraform apply.");
  });

  it("names the config it read, found from where the user ran it", () => {
    const summary = fs.readFileSync(path.join(plansDir, "summary.md"), "utf8");
    expect(summary).toContain(`Config: \`${path.join(work, "my.json")}\`.`);
  });

  it("counts every resource of each stack as an add in summary.md", () => {
    const summary = fs.readFileSync(path.join(plansDir, "summary.md"), "utf8");
    for (const [stack, out] of stacks) expect(summary).toContain(`| ${stack} | ${resourceCount(out)} | 0 | 0 | 0 | changes |`);
    expect(summary).not.toContain("DANGER");
  });

  it("writes terraform show -json of each plan, and the plan as text", () => {
    for (const [stack, out] of stacks) {
      const plan = planJson(stack);
      expect(plan.format_version).toMatch(/^1\./);
      const managed = plan.resource_changes.filter((c: { mode: string }) => c.mode === "managed");
      expect(managed).toHaveLength(resourceCount(out));
      for (const c of managed) expect(c.change.actions).toEqual(["create"]);
      const text = fs.readFileSync(path.join(plansDir, `${stack}.txt`), "utf8");
      expect(text).toContain(`Plan: ${resourceCount(out)} to add, 0 to change, 0 to destroy.`);
    }
  });

  it("plans the pipeline account's stack after source-account, against source-account's planned outputs", () => {
    expect([...run.stdout.matchAll(/^(\S+): terraform plan$/gm)].map((m) => m[1])).toEqual([
      "source-account",
      "pipeline-account",
    ]);
    // Each pipeline's ECR action runs as its source-access role, an ARN the plan knows from the stub
    // of source-account's state.
    const resources: { type: string; values: Record<string, unknown> }[] = planJson("pipeline-account").planned_values.root_module.resources;
    const actions = resources
      .filter((r) => r.type === "aws_codepipeline")
      .map((r) => [r.values.name, (r.values.stage as { action: { role_arn: string }[] }[])[0].action[0].role_arn]);
    const expected = config.pipelines.map((p) => {
      const ref = { project: config.project, name: p.name };
      return [naming.pipelineName(ref), naming.roleArn(config.sourceAccount.accountId, naming.sourceAccessRoleName(ref))];
    });
    expect(actions.sort()).toEqual(expected.sort());
  });

  it("stops the provider process its plans shared, and leaves nothing in TMPDIR", () => {
    // The shared provider runs from the scratch directory's stacks (provider-server.ts): under TMPDIR.
    const running = runningProcesses((p) => p.cmdline.includes(tmpdir));
    expect(running).toEqual([]);
    expect(fs.readdirSync(tmpdir)).toEqual([]);
    expect(run.stdout).toContain("Offline: one AWS provider process serves every plan and show");
  });

  it("leaves cdktf.out alone", () => {
    expect(mtime(manifest)).toBe(manifestBefore);
  });
});
