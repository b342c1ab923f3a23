/**
 * `npm run plan` as a process, where it stops before Terraform: arguments, help, a bad config.
 * The full offline run is in __tests__/e2e/plan.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT_CODES } from "../../terraform/plan-summary";
import { PLAN_SCRIPT, planFiles, runPlan, seed } from "../../test-support/plan";
import { exampleInput, ROOT } from "../../test-support/config";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const STALE = ["summary.md", "source-account.tfplan", "source-account.json", "pipeline-account.txt"];
const USERS = ["notes.md", "other.json"];

describe("npm run plan", () => {
  it("is the plan script", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.plan).toBe(`node -r ./scripts/register.js ${PLAN_SCRIPT}`);
  });

  it("--help describes the options, the files and every exit code", () => {
    const run = runPlan(["--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Usage: npm run plan [-- [--offline] [--plans-dir <dir>] | --summarize <dir>]");
    for (const text of ["--offline", "--summarize", "summary.md", "<stack>.tfplan", "PIPELINE_CONFIG"]) expect(run.stdout).toContain(text);
    for (const { code, meaning } of EXIT_CODES) expect(run.stdout).toContain(`  ${code}  ${meaning}\n`);
  });

  it.each([
    [["--ofline"], 'unknown argument "--ofline"'],
    [["--offline", "plans"], 'unknown argument "plans"'],
    [["--plans-dir"], "--plans-dir needs a directory"],
    [["--summarize"], "--summarize needs a directory"],
  ])("rejects %j: exit 1, the problem and the usage, nothing touched", (args, problem) => {
    const dir = path.join(work, `args-${args.join("")}`);
    seed(dir, STALE);
    const run = runPlan([...args, ...(args.includes("--plans-dir") ? [] : ["--plans-dir", dir])]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^npm run plan: ${problem.replace(/[-"]/g, "\\$&")}\n\nUsage: `));
    expect(planFiles(dir)).toEqual([...STALE].sort());
  });

  it("stops on a bad config with the app's message, writing no plans and clearing an earlier run's", () => {
    const input = exampleInput();
    input.sourceAccount.accountId = "12345";
    const file = path.join(work, "bad.json");
    fs.writeFileSync(file, JSON.stringify(input));
    const dir = path.join(work, "bad-config");
    seed(dir, [...STALE, ...USERS]);

    const run = runPlan(["--offline", "--plans-dir", dir], { PIPELINE_CONFIG: file });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `Invalid config ${file}:\n  - sourceAccount.accountId: got "12345"; expected a 12-digit AWS account id as a string, e.g. "111111111111"\n`,
    );
    // Only the files a run writes are removed.
    expect(planFiles(dir)).toEqual([...USERS].sort());
  });

  describe("--summarize <dir>", () => {
    const fixture = path.join(ROOT, "__tests__", "terraform", "plan-fixtures", "bucket-statement-removed");

    it("rebuilds summary.md from the plan files there, without Terraform, with the plans' exit code", () => {
      const dir = path.join(work, "summarize");
      fs.mkdirSync(dir);
      for (const f of ["source-account.json", "pipeline-account.json"]) fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
      const run = runPlan(["--summarize", dir], { PIPELINE_CONFIG: path.join(fixture, "config.json"), PATH: "/nonexistent" });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(3);
      const summary = fs.readFileSync(path.join(dir, "summary.md"), "utf8");
      expect(summary).toContain("Exit code 3: dangerous changes");
      expect(summary).toContain("### ⚠️ DANGER: 2 dangerous access changes");
      expect(planFiles(dir)).toEqual(["pipeline-account.json", "source-account.json", "summary.md"]);
    });

    it("refuses a directory that is not there, and --offline or --plans-dir with it", () => {
      const missing = runPlan(["--summarize", path.join(work, "nowhere")]);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toBe(`npm run plan: --summarize: ${path.join(work, "nowhere")} is not a directory\n`);
      const both = runPlan(["--summarize", work, "--offline"]);
      expect(both.status).toBe(1);
      expect(both.stderr).toMatch(/^npm run plan: --summarize runs no plan: it takes neither --offline nor --plans-dir\n\nUsage: /);
    });
  });
});
