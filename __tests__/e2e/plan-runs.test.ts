/**
 * One plan never breaks the next, as processes with the real Terraform: a plan against the real
 * accounts after the backend changed, a second plan while one runs, and a plan interrupted by
 * SIGTERM. In a copy of this checkout, since real plans write cdktf.out/, which other tests read.
 *
 * The real plan is stopped once every stack is initialized and planning starts: there are no AWS
 * credentials here, and what is tested (init, locks, the interrupt) is done by then.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { terraformAsync, terraformEnv } from "../../terraform/cli";
import { stackNames } from "../../config/accounts";
import { config, exampleInput } from "../../test-support/config";
import { run, runningProcesses, sandboxCheckout, start, type Finished } from "../../test-support/process";
import { planFiles, seed } from "../../test-support/plan";

/** The example's stacks, in deploy order. */
const DEPLOY_ORDER = stackNames(config());

const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-runs-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const checkout = sandboxCheckout(path.join(work, "checkout"));
const stackDir = (stack: string) => path.join(checkout, "cdktf.out", "stacks", stack);
const tmpdir = fs.mkdirSync(path.join(work, "tmp"), { recursive: true }) as string;
const plansDir = path.join(work, "plans");
const STALE = ["summary.md", "source-account.tfplan", "pipeline-account.json"];
const USERS = ["notes.md"];

/** The example config with its local state in `directory`. */
function configWithState(directory: string): string {
  const input = exampleInput();
  input.backend = { type: "local", directory };
  const file = path.join(work, `${directory}.json`);
  fs.writeFileSync(file, JSON.stringify(input, null, 2));
  return file;
}

/** The backend path Terraform recorded at the last init of `stack`. */
function initializedStatePath(stack: string): string {
  const state = JSON.parse(fs.readFileSync(path.join(stackDir(stack), ".terraform", "terraform.tfstate"), "utf8"));
  return state.backend.config.path;
}

const env = { TMPDIR: tmpdir, AWS_EC2_METADATA_DISABLED: "true" };
let before: string[];
let plan: Finished;
let samePlansDir: Finished;
let sameCheckout: Finished;
let pid: number;

beforeAll(async () => {
  // GIVEN the stacks synthesized and initialized for a config whose state is in state-a, as an
  // earlier plan or deploy leaves them,
  const synth = await run("main.ts", [], { PIPELINE_CONFIG: configWithState("state-a"), CDKTF_OUTDIR: path.join(checkout, "cdktf.out") }, checkout);
  if (synth.status !== 0) throw new Error(synth.stderr);
  const tfEnv = terraformEnv(path.join(work, "terraform"));
  const inits = await Promise.all(DEPLOY_ORDER.map((stack) => terraformAsync(["init", "-input=false"], stackDir(stack), tfEnv)));
  for (const init of inits) if (init.status !== 0) throw new Error(init.output);
  before = DEPLOY_ORDER.map(initializedStatePath);
  seed(plansDir, [...STALE, ...USERS]);

  // WHEN a plan for a config whose state is in state-b runs,
  const planning = start("commands/plan.ts", ["--plans-dir", plansDir], { ...env, PIPELINE_CONFIG: configWithState("state-b") }, checkout);
  pid = planning.child.pid!;
  await planning.waitFor("terraform init:");
  // and meanwhile two more: one writing to the same plans directory, one in the same cdktf.out,
  [samePlansDir, sameCheckout] = await Promise.all([
    run("commands/plan.ts", ["--offline", "--plans-dir", plansDir], env, checkout),
    run("commands/plan.ts", ["--plans-dir", path.join(work, "other-plans")], env, checkout),
  ]);
  // and it is interrupted once every stack is initialized,
  await planning.waitFor(`${DEPLOY_ORDER[0]}: terraform plan`);
  planning.child.kill("SIGTERM");
  plan = await planning.finished;
});

describe("npm run plan, run after another and beside others", () => {
  it("initializes every stack for the new backend instead of stopping on 'Backend configuration changed'", () => {
    expect(before.every((p) => p.includes("/state-a/"))).toBe(true);
    expect(plan.stdout).not.toContain("terraform init failed");
    expect(DEPLOY_ORDER.map(initializedStatePath)).toEqual(before.map((p) => p.replace("/state-a/", "/state-b/")));
  });

  it("a second plan into the same plans directory stops at once, naming the running one", () => {
    expect(samePlansDir.stderr).toBe(
      `npm run plan: another plan is running (pid ${pid}): wait for it to finish (if none is running, remove ${path.join(plansDir, ".plan.lock")})\n`,
    );
    expect(samePlansDir.stdout).toBe("");
    expect(samePlansDir.status).toBe(1);
  });

  it("a second real plan in the same checkout stops at once, though it writes elsewhere", () => {
    expect(sameCheckout.stderr).toBe(
      `npm run plan: another plan is running (pid ${pid}): wait for it to finish (if none is running, remove ${path.join(checkout, "cdktf.out", ".plan.lock")})\n`,
    );
    expect(sameCheckout.status).toBe(1);
    expect(fs.existsSync(path.join(work, "other-plans", "summary.md"))).toBe(false);
  });

  it("on SIGTERM stops Terraform, exits 143 and says so", () => {
    expect(plan.stderr).toBe("npm run plan: SIGTERM received, stopping and cleaning up\nnpm run plan: interrupted by SIGTERM\n");
    expect(plan.status).toBe(143);
    expect(runningProcesses((p) => p.cwd.startsWith(checkout))).toEqual([]);
  });

  it("leaves no temporary directory, no lock and no earlier run's plans that could pass for this one's", () => {
    expect(fs.readdirSync(tmpdir)).toEqual([]);
    expect(planFiles(plansDir)).toEqual(USERS);
    expect(fs.existsSync(path.join(checkout, "cdktf.out", ".plan.lock"))).toBe(false);
  });
});
