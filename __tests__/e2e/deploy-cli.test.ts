/**
 * `npm run deploy` as a process, where it stops before Terraform plans or applies anything:
 * arguments, help, no terminal, no credentials, a plans directory that is not one, a lock held.
 * In a copy of this checkout: past its arguments, deploy writes cdktf.out/. The full runs, with
 * the real Terraform against a local AWS endpoint, are in deploy.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../test-support/config";
import { run, sandboxCheckout } from "../../test-support/process";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-cli-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const checkout = sandboxCheckout(path.join(work, "checkout"));

/** No credentials anywhere: no keys, no profiles, no instance metadata. */
const NO_CREDENTIALS = {
  HOME: work,
  AWS_ACCESS_KEY_ID: "",
  AWS_SECRET_ACCESS_KEY: "",
  AWS_SESSION_TOKEN: "",
  AWS_PROFILE: "",
  AWS_CONFIG_FILE: path.join(work, "no-config"),
  AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-credentials"),
  AWS_EC2_METADATA_DISABLED: "true",
};

const deploy = (args: string[], env: Record<string, string> = {}) => run("commands/deploy.ts", args, { ...NO_CREDENTIALS, ...env }, checkout);

const FLAGS = ["--plans <dir>", "--stack <name>", "--yes", "--allow-dangerous", "--skip-doctor", "-h, --help"];

describe("npm run deploy", () => {
  it("is the deploy script: node and the app, not the cdktf CLI", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.deploy).toBe("node -r ./scripts/register.js commands/deploy.ts");
  });

  it("--help documents every flag and every exit code", async () => {
    const result = await deploy(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run deploy \[-- \[--plans <dir>\] \[--stack <name>\]\.\.\. \[--yes\] \[--allow-dangerous\] \[--skip-doctor\]\]\n/);
    for (const flag of FLAGS) expect(result.stdout).toMatch(new RegExp(`^ {2}${flag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} +\\S`, "m"));
    const codes = [...result.stdout.matchAll(/^ {2}(\d+(?:, \d+)?) {2}(\S.*)$/gm)].map((m) => m[1]);
    expect(codes).toEqual(["0", "1", "2", "3", "4", "130, 143"]);
    expect(result.stdout).toMatch(/^ {2}0 {2}nothing to do/m);
    expect(result.stdout).toMatch(/^ {2}2 {2}applied/m);
    expect(result.stdout).toMatch(/^ {2}3 {2}refused/m);
    expect(result.stdout).toMatch(/^ {2}4 {2}applied, but doctor finds a hop denied/m);
    expect(result.stderr).toBe("");
  });

  it.each([
    [["--bogus"], 'unknown option "--bogus"; expected only: --plans, --stack, --yes, --allow-dangerous, --skip-doctor, --help'],
    [["--plans"], "--plans needs a value"],
    [["--stack", "--yes"], '--stack needs a value, got the flag "--yes"'],
    [["--yes", "--yes"], "--yes is given twice; expected it once"],
  ])("rejects %j: exit 1, the problem and the usage", async (args, problem) => {
    const result = await deploy(args);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n\nUsage: ")[0]).toBe(`npm run deploy: ${problem}`);
  });

  it("refuses without a terminal to ask on and without --yes, before anything: exit 3", async () => {
    const result = await deploy([]);
    expect(result.stderr).toBe(
      "npm run deploy: refused: no terminal to confirm each stack on (stdin is not a TTY): pass --yes to apply without asking (CI)\n",
    );
    expect(result.status).toBe(3);
    expect(result.stdout).toBe("");
  });

  it("refuses a --stack that names no stack of the config, naming those there are", async () => {
    const result = await deploy(["--yes", "--stack", "source-account", "--stack", "pipeline-account-*"]);
    expect(result.stderr.split("\n\nUsage: ")[0]).toBe(
      'npm run deploy: --stack "pipeline-account-*" matches no stack of the config; its stacks: source-account, pipeline-account',
    );
    expect(result.status).toBe(1);
  });

  it("without credentials: exit 1 within seconds, one line naming the stack, the account and the profile, nothing synthesized", async () => {
    const started = Date.now();
    const result = await deploy(["--yes"]);
    const seconds = (Date.now() - started) / 1000;
    expect(result.stderr).toMatch(/^npm run deploy: source-account \(account 111111111111, with profile "source"\): no credentials: [^\n]+\n$/);
    expect(result.status).toBe(1);
    expect(seconds).toBeLessThan(10);
    expect(result.stdout).toBe("Credentials: source-account, pipeline-account\n");
    expect(fs.existsSync(path.join(checkout, "cdktf.out", "stacks"))).toBe(false);
  });

  it("refuses --plans of a directory that is not there, or holds no manifest", async () => {
    const missing = await deploy(["--yes", "--plans", path.join(work, "nowhere")]);
    expect(missing.stderr).toBe(`npm run deploy: --plans: ${path.join(work, "nowhere")} is not a directory\n`);
    expect(missing.status).toBe(1);
    const bare = path.join(work, "bare");
    fs.mkdirSync(bare);
    fs.writeFileSync(path.join(bare, "source-account.tfplan"), "a plan of unknown origin\n");
    const none = await deploy(["--yes", "--plans", bare]);
    expect(none.stderr).toBe(
      `npm run deploy: refused: ${bare} has no manifest.json: not plans npm run plan wrote (or written before plans had one); plan again\n`,
    );
    expect(none.status).toBe(3);
  });

  it("stops at once while a plan runs in the same checkout, naming it", async () => {
    const lock = path.join(checkout, "cdktf.out", ".plan.lock");
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    // This test's own process stands for the running plan.
    fs.writeFileSync(lock, `${process.pid}\nplan\n`);
    try {
      const result = await deploy(["--yes"]);
      expect(result.stderr).toBe(`npm run deploy: another plan is running (pid ${process.pid}): wait for it to finish (if none is running, remove ${lock})\n`);
      expect(result.status).toBe(1);
    } finally {
      fs.rmSync(lock);
    }
  });
});
