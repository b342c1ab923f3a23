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
import { run as runScript, runningProcesses } from "../../test-support/process";
import { startFakeAwsServer } from "../../test-support/doctor/server";
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

  it("records in its manifest that it was offline, and the Terraform and provider versions it planned with", () => {
    const written = JSON.parse(fs.readFileSync(path.join(plansDir, "manifest.json"), "utf8"));
    expect(written).toMatchObject({ offline: true, terraform: expect.stringMatching(/^1\.\d+\.\d+$/) });
    expect(written.providers).toEqual({ "registry.terraform.io/hashicorp/aws": "5.100.0" });
  });

  it("writes no .tfplan, which npm run deploy -- --plans would apply with mock credentials, and says why", () => {
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

  it("writes a manifest saying the plans were made offline", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(plansDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: 1, offline: true, config: { path: path.join(work, "my.json") } });
    expect(manifest.stacks.map((s: { stack: string; state: unknown }) => [s.stack, s.state])).toEqual([
      ["source-account", null],
      ["pipeline-account", null],
    ]);
  });

  it("--summarize of these plans keeps the offline warning and lists no .tfplan", () => {
    const dir = path.join(work, "summarize-offline");
    fs.cpSync(plansDir, dir, { recursive: true });
    const again = runPlan(["--summarize", dir], { PIPELINE_CONFIG: path.join(work, "my.json") });
    expect(again.stderr).toBe("");
    expect(again.status).toBe(2);
    const summary = fs.readFileSync(path.join(dir, "summary.md"), "utf8");
    expect(summary).toContain("without running Terraform. Offline (`--offline`): mock credentials and no state");
    expect(summary).toContain("**No `.tfplan` files**");
    expect(summary).toContain("; no `<stack>.tfplan` offline.");
  });

  it("--summarize of these plans with another config refuses, naming both, and leaves summary.md alone", () => {
    const dir = path.join(work, "summarize-other");
    fs.cpSync(plansDir, dir, { recursive: true });
    const before = fs.readFileSync(path.join(dir, "summary.md"), "utf8");
    const other = path.join(ROOT, "config", "examples", "two-accounts.json");
    const again = runPlan(["--summarize", dir], { PIPELINE_CONFIG: other });
    expect(again.stderr).toBe(
      `npm run plan: --summarize: the plans in ${dir} were made for the config ${path.join(work, "my.json")}, and config/examples/two-accounts.json ` +
        "is another (its content differs): set PIPELINE_CONFIG to the config they were made for\n",
    );
    expect(again.status).toBe(1);
    expect(fs.readFileSync(path.join(dir, "summary.md"), "utf8")).toBe(before);
  });

  it("npm run deploy refuses these plans, before synthesizing or asking AWS anything", async () => {
    const server = await startFakeAwsServer(new Map());
    try {
      const deploy = await runScript("commands/deploy.ts", ["--plans", plansDir, "--yes"], {
        PIPELINE_CONFIG: path.join(work, "my.json"),
        AWS_ENDPOINT_URL: server.url,
        AWS_ACCESS_KEY_ID: "FAKE111111111111",
        AWS_SECRET_ACCESS_KEY: "fake",
      });
      expect(deploy.stderr).toBe(
        `npm run deploy: refused: the plans in ${plansDir} do not match what they would be applied to:\n` +
          "  - they were made offline (npm run plan -- --offline): with mock credentials and empty state, they would create every resource again. " +
          "Plan against the real accounts (npm run plan) and deploy those plans\n",
      );
      expect(deploy.status).toBe(3);
      expect(deploy.stdout).toBe("");
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
