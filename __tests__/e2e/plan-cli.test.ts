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

// An earlier run's files, of this config's stacks and of another config's (several pipeline accounts).
const STALE = ["summary.md", "source-account.tfplan", "source-account.json", "pipeline-account.txt", "pipeline-account-staging.json"];
const USERS = ["notes.md", "other.json", "pipeline-accounts.md"];

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

  const EXPECTED_FLAGS = "expected only: --offline, --plans-dir, --summarize, --help";

  it.each([
    [["--ofline"], `unknown option "--ofline"; ${EXPECTED_FLAGS}`],
    [["--offline", "plans"], `unexpected argument "plans"; ${EXPECTED_FLAGS}`],
    [["--offline=yes"], "--offline takes no value"],
    [["--offline", "--offline"], "--offline is given twice; expected it once"],
    [["--plans-dir"], "--plans-dir needs a value"],
    [["--plans-dir="], '--plans-dir needs a value, got ""'],
    [["--plans-dir", "--offline"], '--plans-dir needs a value, got the flag "--offline"'],
    [["--summarize"], '--summarize needs a value, got the flag "--plans-dir"'],
  ])("rejects %j: exit 1, the problem and the usage, nothing touched", (args, problem) => {
    const dir = path.join(work, `args-${args.join("")}`);
    seed(dir, STALE);
    const run = runPlan([...args, ...(args.some((a) => a.startsWith("--plans-dir")) ? [] : ["--plans-dir", dir])], { INIT_CWD: dir });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    const [message, usage] = run.stderr.split("\n\nUsage: ");
    expect(message).toBe(`npm run plan: ${problem}`);
    expect(usage).toContain("--plans-dir <dir>");
    // Not even a directory named after the flag that was taken for a value.
    expect(planFiles(dir)).toEqual([...STALE].sort());
  });

  it("stops on a bad config with the app's message, writing no plans and keeping an earlier run's", () => {
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
    // No plan started: the earlier run's plans are still there to read (they are removed once a plan starts).
    expect(planFiles(dir)).toEqual([...STALE, ...USERS].sort());
  });

  it("shows Terraform's errors on the console when it says they follow (a failed init)", () => {
    const dir = path.join(work, "init-failed");
    // A provider mirror without the provider: terraform init fails at once, offline.
    const mirror = path.join(work, "empty-mirror");
    fs.mkdirSync(mirror);
    const run = runPlan(["--offline", "--plans-dir", dir], { TF_PROVIDER_MIRROR: mirror });
    expect(run.status).toBe(1);
    const lines = run.stdout.split("\n");
    for (const stack of ["source-account", "pipeline-account"]) {
      const at = lines.indexOf(`${stack}: terraform init failed for ${stack} (backend or provider installation); Terraform's errors follow.`);
      expect(at).toBeGreaterThan(-1);
      expect(lines[at + 1]).toMatch(/^ {4}Error: /);
    }
  });

  describe("checks where it will write before any work", () => {
    const file = path.join(work, "a-file");
    fs.writeFileSync(file, "not a directory\n");

    it.each([
      ["is a file", file, `--plans-dir ${file}: it is a file; expected a directory to write into (or a path where one can be created)`],
      [
        "is under a file",
        path.join(file, "plans"),
        `--plans-dir ${path.join(file, "plans")}: ${file} is a file; expected a directory to write into (or a path where one can be created)`,
      ],
      // /sys refuses new entries even to root, for whom permission bits do not count.
      [
        "cannot be created",
        "/sys/plans-test",
        "--plans-dir /sys/plans-test: cannot be created: /sys is not writable (EPERM: operation not permitted); expected a directory this user can write to",
      ],
    ])("a --plans-dir that %s: one line, exit 1, before synthesizing", (_, dir, message) => {
      const run = runPlan(["--offline", "--plans-dir", dir]);
      expect(run.stderr).toBe(`npm run plan: ${message}\n`);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
    });

    it.each([
      ["missing", "/nonexistent-tmp", "ENOENT: no such file or directory"],
      ["a file", file, "ENOTDIR: not a directory"],
    ])("a TMPDIR that is %s: one line naming it, exit 1", (_, tmpdir, reason) => {
      const dir = path.join(work, `tmpdir-${_.replace(/\W/g, "")}`);
      seed(dir, STALE);
      const run = runPlan(["--offline", "--plans-dir", dir], { TMPDIR: tmpdir });
      expect(run.stderr).toBe(
        `npm run plan: cannot create a temporary directory in ${tmpdir}: ${reason}; set TMPDIR to a writable directory\n`,
      );
      expect(run.status).toBe(1);
      expect(planFiles(dir)).toEqual([...STALE].sort());
    });
  });

  it("without terraform on PATH says so in one line before any work, exit 1, touching no plans", () => {
    const dir = path.join(work, "no-terraform");
    seed(dir, STALE);
    const run = runPlan(["--offline", "--plans-dir", dir], { PATH: path.join(work, "empty-path") });
    expect(run.stderr).toBe(
      "npm run plan: Terraform is not on PATH: npm test, npm run plan, npm run deploy and npm run verify:access run Terraform >= 1.10 (tested with 1.11). " +
        "Install it (https://developer.hashicorp.com/terraform/install) and try again.\n",
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(planFiles(dir)).toEqual([...STALE].sort());
  });

  it("reads a relative PIPELINE_CONFIG from where npm was run, and names the absolute path it tried", () => {
    const sub = path.join(work, "sub");
    fs.mkdirSync(sub, { recursive: true });
    const run = runPlan(["--offline", "--plans-dir", path.join(work, "rel-config")], { INIT_CWD: sub, PIPELINE_CONFIG: "nope.json" });
    expect(run.stderr).toBe(
      `Invalid config ${path.join(sub, "nope.json")}:\n  - file not found; expected a JSON config file (see config/example.json)\n`,
    );
    expect(run.status).toBe(1);
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
      expect(summary).toContain("### ⚠️ DANGER: 6 dangerous access changes");
      expect(planFiles(dir)).toEqual(["pipeline-account.json", "source-account.json", "summary.md"]);
      // There are no saved plans here, and the summary lists none.
      expect(summary).not.toContain(".tfplan");
    });

    it("says \"not planned\" for every stack of an empty directory, as docs/plan-review.md does, and exits 1", () => {
      const dir = path.join(work, "summarize-empty");
      fs.mkdirSync(dir);
      const run = runPlan(["--summarize", dir]);
      expect(run.status).toBe(1);
      const summary = fs.readFileSync(path.join(dir, "summary.md"), "utf8");
      expect(summary).toContain("| source-account | – | – | – | – | not planned |");
      expect(summary).toContain("| pipeline-account | – | – | – | – | not planned |");
      expect(summary).not.toContain("skipped");
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
