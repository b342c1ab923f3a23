/**
 * `npm run plan` against the real accounts and `npm run deploy`, as processes, with the real
 * Terraform and AWS provider, in a copy of this checkout without the cdktf CLI. The accounts are
 * a local server on 127.0.0.1 (test-support/deploy/aws.ts), reached through AWS_ENDPOINT_URL,
 * which the AWS provider and the SDK both honour: it answers STS and the read calls, and refuses
 * every write (logging it). A first deployment's plan makes no other call. Where a test needs an
 * apply that succeeds, a stand-in replaces `terraform apply` (test-support/deploy/apply-stand-in.ts).
 *
 * One plan (a first deployment of the example: every pipeline is new, so the pipeline-account
 * stack is planned against source-account's outputs as planned) is shared by every test.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../config/load";
import { exampleInput } from "../../test-support/config";
import { renderedExample } from "../../test-support/doctor/fake-aws";
import { accessKeyFor } from "../../test-support/doctor/server";
import { startDeployAws, type DeployAws } from "../../test-support/deploy/aws";
import { checkoutWithoutCdktfCli } from "../../test-support/deploy/checkout";
import { standInTerraform } from "../../test-support/deploy/terraform-stand-in";
import { run, start, type Finished } from "../../test-support/process";
import { synthApp } from "../../test-support/synth";
import { resolveOutputs, stubState } from "../../terraform/fixtures";
import { providerMirror } from "../../terraform/cli";
import { mirroredProvider, shareProviderBinary, type SharedProvider } from "../../terraform/provider-server";
import { stubOutputs, type PlanJson } from "../../terraform/plan-summary";

const A = "111111111111";
const B = "222222222222";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-e2e-"));
const checkout = checkoutWithoutCdktfCli(path.join(work, "checkout"));
const stateDir = path.join(work, "state");
const plansDir = path.join(work, "plans");
const standInLog = path.join(work, "stand-in.log");

/** The example, with A reached by the default chain (the environment's key) and its state in `stateDir`. */
function writeConfig(file: string, change: (input: ReturnType<typeof exampleInput>) => void = () => {}): string {
  const input = exampleInput();
  delete (input.sourceAccount as { profile?: string }).profile;
  input.backend = { type: "local", directory: stateDir };
  change(input);
  fs.writeFileSync(file, JSON.stringify(input, null, 2));
  return file;
}

const configPath = writeConfig(path.join(work, "config.json"));
const config = parseConfig(JSON.parse(fs.readFileSync(configPath, "utf8")), configPath);
let aws: DeployAws;
let plan: Finished;
/** One AWS provider process for every Terraform command after the first plan (terraform/provider-server.ts). */
let shared: SharedProvider | undefined;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: work,
    PIPELINE_CONFIG: configPath,
    AWS_ACCESS_KEY_ID: accessKeyFor(A),
    AWS_SECRET_ACCESS_KEY: "fake-secret",
    AWS_REGION: config.region,
    AWS_CONFIG_FILE: path.join(work, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL: aws.server.url,
    TMPDIR: work,
    ...(shared && { TF_REATTACH_PROVIDERS: shared.env.TF_REATTACH_PROVIDERS! }),
    ...extra,
  };
}

/** A copy of the plans, to change or to apply. */
function copyOfPlans(name: string): string {
  const dir = path.join(work, name);
  fs.cpSync(plansDir, dir, { recursive: true });
  return dir;
}

const deploy = (args: string[], extra: Record<string, string> = {}) => run("commands/deploy.ts", args, env(extra), checkout);

function stateFiles(): string[] {
  return fs.existsSync(stateDir) ? fs.readdirSync(stateDir).filter((f) => f.endsWith(".tfstate")) : [];
}

/** Nothing deployed, nothing written: as before the first deploy. */
function resetAccounts(): void {
  aws.reset();
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.rmSync(standInLog, { force: true });
}

beforeAll(async () => {
  aws = await startDeployAws(config, renderedExample());
  // Every Terraform command of these tests runs one after another, with the same credentials and
  // endpoint: one provider process serves them all (it reads its own environment, which is
  // theirs), started from the offline mirror; without one, each command starts its own. Terraform
  // then installs no provider, so the manifests record none (plan.test.ts checks that they do).
  const mirror = providerMirror();
  const binary = mirror && mirroredProvider(mirror);
  shared = binary ? await shareProviderBinary(binary, path.join(work, "provider"), env()) : undefined;
  plan = await run("commands/plan.ts", ["--plans-dir", plansDir], env(), checkout);
});

afterAll(async () => {
  await shared?.stop();
  await aws?.server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("npm run plan against the accounts, for a first deployment", () => {
  it("runs without the cdktf CLI: the app and Terraform only", () => {
    expect(fs.existsSync(path.join(checkout, "node_modules", ".bin", "cdktf"))).toBe(false);
    expect(fs.existsSync(path.join(checkout, "node_modules", "cdktf-cli"))).toBe(false);
    expect(fs.existsSync(path.join(checkout, "node_modules", "@cdktf", "node-pty-prebuilt-multiarch"))).toBe(false);
    if (plan.status !== 2) throw new Error(`exit ${plan.status}\n${plan.stdout}\n${plan.stderr}`);
  });

  it("plans the pipeline-account stack against source-account's outputs as planned, and says so", () => {
    expect(plan.stdout).toContain(
      "pipeline-account: terraform plan (against source-account's outputs as planned: its plan changes 4 outputs this stack reads)",
    );
    const summary = fs.readFileSync(path.join(plansDir, "summary.md"), "utf8");
    expect(summary).toMatch(/^\| source-account \| \d+ \| 0 \| 0 \| 0 \| changes \|$/m);
    expect(summary).toMatch(/^\| pipeline-account \| \d+ \| 0 \| 0 \| 0 \| changes, against source-account as planned \|$/m);
    expect(summary).toContain("**Planned against source-account's outputs as planned**, not as deployed");
    expect(summary).not.toContain("Unable to find remote state");
  });

  it("writes a manifest of what the plans were made from, and no .tfplan for a plan that read planned outputs", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(plansDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: 1, offline: false, terraform: expect.stringMatching(/^1\.\d+\.\d+$/), backend: config.backend });
    expect(manifest.stacks.map((s: { stack: string }) => s.stack)).toEqual(["source-account", "pipeline-account"]);
    expect(manifest.stacks[0]).toMatchObject({ accountId: A, state: null, result: "planned", changes: true });
    expect(Object.keys(manifest.stacks[0].files).sort()).toEqual(["source-account.json", "source-account.tfplan", "source-account.txt"]);
    expect(manifest.stacks[1]).toMatchObject({ accountId: B, state: null, result: "planned", changes: true, sourceOutputs: "planned" });
    expect(Object.keys(manifest.stacks[1].files).sort()).toEqual(["pipeline-account.json", "pipeline-account.txt"]);
    expect(fs.existsSync(path.join(plansDir, "pipeline-account.tfplan"))).toBe(false);
  });

  it("asks AWS nothing but who the credentials are (STS)", () => {
    expect([...new Set(aws.server.requests)].sort()).toEqual(["sts AssumeRole", "sts GetCallerIdentity"]);
    expect(aws.writes).toEqual([]);
  });
});

describe("npm run deploy -- --plans refuses, before any AWS write, plans that do not fit", () => {
  beforeEach(() => aws.reset());

  /** Runs deploy on `dir`; expects a refusal (exit 3) whose lines after the first match `lines`, and no write. */
  async function refused(dir: string, lines: (string | RegExp)[], extra: Record<string, string> = {}): Promise<Finished> {
    const result = await deploy(["--plans", dir, "--yes"], extra);
    const [first, ...rest] = result.stderr.trimEnd().split("\n");
    expect(first).toBe(`npm run deploy: refused: the plans in ${dir} do not match what they would be applied to:`);
    expect(rest).toHaveLength(lines.length);
    lines.forEach((line, i) => (typeof line === "string" ? expect(rest[i]).toBe(`  - ${line}`) : expect(rest[i]).toMatch(line)));
    expect(result.status).toBe(3);
    expect(aws.writes).toEqual([]);
    expect(stateFiles()).toEqual([]);
    return result;
  }

  it("made for another config (here, another backend): names what changed, and both configs", async () => {
    const elsewhere = path.join(work, "elsewhere");
    const other = writeConfig(path.join(work, "other.json"), (c) => (c.backend = { type: "local", directory: elsewhere }));
    await refused(
      copyOfPlans("plans-config"),
      [
        `the backend changed: planned with {"type":"local","directory":"${stateDir}"}, the config now has {"type":"local","directory":"${elsewhere}"}`,
        /^ {2}- the config changed: they were planned for \S*config\.json \(sha256 [0-9a-f]{12}\), and \S*other\.json is another \(sha256 [0-9a-f]{12}\)$/,
      ],
      { PIPELINE_CONFIG: other },
    );
    // Refused before anything is synthesized or asked.
    expect(aws.server.requests).toEqual([]);
  });

  it("for a stack whose code changed since: names the stack", async () => {
    const provider = path.join(checkout, "stacks", "provider.ts");
    const original = fs.readFileSync(provider, "utf8");
    fs.writeFileSync(provider, original.replace('"managed-by": "cross-account-ecr-pipeline"', '"managed-by": "cross-account-ecr-pipeline", owner: "platform"'));
    try {
      await refused(copyOfPlans("plans-code"), [
        /^ {2}- source-account changed since it was planned: its synthesized cdk\.tf\.json is another \(sha256 [0-9a-f]{12} then, [0-9a-f]{12} now\)$/,
        /^ {2}- pipeline-account changed since it was planned: its synthesized cdk\.tf\.json is another \(sha256 [0-9a-f]{12} then, [0-9a-f]{12} now\)$/,
      ]);
    } finally {
      fs.writeFileSync(provider, original);
    }
    expect(aws.server.requests).toEqual([]);
  });

  it("with a stack that has changes and no saved plan", async () => {
    const dir = copyOfPlans("plans-no-tfplan");
    fs.rmSync(path.join(dir, "source-account.tfplan"));
    await refused(dir, ["source-account has changes and no source-account.tfplan: plan again"]);
  });

  it("made against a state that changed since (someone applied in between)", async () => {
    fs.mkdirSync(stateDir, { recursive: true });
    const state = path.join(stateDir, "source-account.tfstate");
    fs.writeFileSync(state, JSON.stringify({ version: 4, terraform_version: "1.11.4", serial: 3, lineage: "someone-else", outputs: {}, resources: [] }));
    try {
      // One stack is enough to see it, and costs one init.
      const result = await deploy(["--plans", copyOfPlans("plans-state"), "--yes", "--stack", "source-account"]);
      expect(result.stderr.split("\n").slice(1)).toEqual([
        "  - source-account's state changed since it was planned (no state then, serial 3 of lineage someone-else now): someone applied in between",
        "",
      ]);
      expect(result.status).toBe(3);
      // Only STS: source-account's credentials were checked.
      expect(aws.server.requests).toEqual(["sts GetCallerIdentity"]);
      expect(aws.writes).toEqual([]);
    } finally {
      fs.rmSync(state);
    }
  });
});

describe("npm run deploy -- --plans <dir> --yes", () => {
  let bin: Record<string, string>;
  beforeAll(() => {
    bin = standInTerraform(path.join(work, "bin"), aws.server.url, standInLog);
  });
  beforeEach(resetAccounts);

  it("applies source-account, plans pipeline-account again against what was applied, applies it, and doctor finds every hop: exit 2", async () => {
    const result = await deploy(["--plans", copyOfPlans("plans-apply"), "--yes"], bin);
    if (result.status !== 2) throw new Error(`exit ${result.status}\n${result.stdout}\n${result.stderr}`);
    expect(fs.readFileSync(standInLog, "utf8")).toBe("apply source-account\napply pipeline-account\n");
    const steps = result.stdout.split("\n").filter((l) => /^(source-account|pipeline-account|doctor|Applied)/.test(l));
    expect(steps).toEqual([
      expect.stringMatching(/^source-account \(account 111111111111\): \d+ to add, 0 to change, 0 to destroy, 0 to replace, 8 outputs$/),
      expect.stringMatching(
        /^pipeline-account \(account 222222222222\): \d+ to add, 0 to change, 0 to destroy, 0 to replace, 2 outputs; planned against source-account's outputs as planned, so planned again once it is applied$/,
      ),
      "source-account (account 111111111111): nothing stops the deploy",
      "pipeline-account (account 222222222222): nothing stops the deploy",
      expect.stringMatching(/^source-account \(account 111111111111\): /),
      expect.stringMatching(/^source-account: terraform apply .*source-account\.tfplan$/),
      "source-account: applied",
      "pipeline-account: terraform plan (again: it was reviewed against source-account's outputs as planned)",
      expect.stringMatching(/^pipeline-account: \d+ to add, 0 to change, 0 to destroy, 0 to replace$/),
      "pipeline-account: the new plan has the same resource changes as the reviewed one",
      expect.stringMatching(/^pipeline-account \(account 222222222222\): /),
      expect.stringMatching(/^pipeline-account: terraform apply .*pipeline-account\.tfplan$/),
      "pipeline-account: applied",
      "Applied: source-account, pipeline-account.",
      "doctor: checking every hop of the permission chain on the deployed policies",
      `doctor: the config's pipelines, accounts A ${A}, B ${B}, region ${config.region}`,
    ]);
    expect(result.stdout).toMatch(/All \d+ requests answer as they must\./);
    // Preflight checked the accounts (above: before the first apply), and found nothing in the way.
    expect(result.stdout).toContain("Preflight: nothing stops the deploy.");
    expect(aws.server.requests).toContain("iam SimulatePrincipalPolicy");
    expect(result.stderr).toBe("");
  });

  it("stops at the first stack whose apply AWS refuses, naming the stack and the calls, and applies nothing after it: exit 1", async () => {
    const result = await deploy(["--plans", copyOfPlans("plans-refused"), "--yes"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^npm run deploy: source-account: apply failed: AWS refused (IAM CreateRole|ECR CreateRepository|ECR SetRepositoryPolicy|EventBridge PutRule) \(HTTP 403 AccessDenied: User: arn:aws:sts::111111111111:assumed-role\/deployer\/test is not authorized to perform: \w+\)/);
    expect(result.stderr).toMatch(/\. nothing applied; not applied: source-account, pipeline-account\n$/);
    // Writes were tried in A only; B was never planned again nor applied.
    expect(aws.writes.length).toBeGreaterThan(0);
    expect(aws.writes.every((w) => w.startsWith(`${A} `))).toBe(true);
    expect(result.stdout).not.toContain("pipeline-account: terraform plan");
    expect(result.stdout).not.toContain("pipeline-account: terraform apply");
  });

  it("applies no pipeline-account plan that differs from the reviewed one once source-account is applied: shows how, exit 3", async () => {
    // source-account applied (by an earlier job, say), and AWS gave the web source-access role
    // another ARN than the plan said (a path): what pipeline-account reads is not what was reviewed.
    const plan = JSON.parse(fs.readFileSync(path.join(plansDir, "source-account.json"), "utf8")) as PlanJson;
    const outputs = stubOutputs(plan, () => resolveOutputs(synthApp(config).source.json, { accountId: A, region: config.region }));
    outputs.web_source_access_role_arn = `arn:aws:iam::${A}:role/service-role/demo-web-source-access`;
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(path.join(stateDir, "source-account.tfstate"), stubState(outputs));

    const result = await deploy(["--plans", copyOfPlans("plans-differs"), "--yes", "--stack", "pipeline-account"]);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "npm run deploy: refused: pipeline-account's new plan is not the one reviewed (planned against source-account's outputs as planned): " +
        "review it (npm run plan) before deploying it; nothing applied; not applied: pipeline-account",
    );
    expect(lines[1]).toBe("  Resource changes that differ:");
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {4}aws_codepipeline\.web_pipeline_\w+: `stage\[0\]\.action\[0\]\.role_arn` was "arn:aws:iam::111111111111:role\/demo-web-source-access"; now "arn:aws:iam::111111111111:role\/service-role\/demo-web-source-access"$/,
      ),
    );
    expect(result.status).toBe(3);
    expect(result.stdout).toContain("pipeline-account: terraform plan (again: it was reviewed against source-account's outputs as planned)");
    expect(result.stdout).not.toContain("terraform apply");
    expect(aws.writes).toEqual([]);
  });

  it("on Ctrl-C during an apply: one interrupt to Terraform, then stops before the next stack and says what was applied: exit 130", async () => {
    const deploying = start("commands/deploy.ts", ["--plans", copyOfPlans("plans-interrupt"), "--yes"], env({ ...bin, STAND_IN_WAIT: "1" }), checkout);
    await deploying.waitFor("stand-in: applying source-account, waiting for an interrupt");
    // As a terminal's Ctrl-C under npm arrives: twice (from the terminal and from npm), at once.
    deploying.child.kill("SIGINT");
    deploying.child.kill("SIGINT");
    const result = await deploying.finished;
    if (result.status !== 130) throw new Error(`exit ${result.status}\n${result.stdout}\n${result.stderr}`);
    expect(fs.readFileSync(standInLog, "utf8")).toBe("apply source-account: 1 interrupt(s)\n");
    expect(result.stdout).toContain(
      "Interrupted: source-account's apply stopped after the operations under way (Terraform saved its state and released its lock; plan again to see what is left). nothing applied; not applied: source-account, pipeline-account.",
    );
    expect(result.stdout).not.toContain("pipeline-account: terraform");
    expect(result.stderr).toBe("npm run deploy: SIGINT received, stopping and cleaning up\nnpm run deploy: interrupted by SIGINT\n");
    expect(result.status).toBe(130);
    expect(fs.existsSync(path.join(checkout, "cdktf.out", ".plan.lock"))).toBe(false);
  });
});
