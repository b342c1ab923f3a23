/**
 * The real Terraform and the real AWS provider on the freshly synthesized example stacks, offline:
 * init, validate, plan (source-account), and a mock apply of both stacks asserting the
 * cross-account wiring. Run by `npm run test:e2e` (part of `npm test`).
 */
import { pipelineAccounts } from "../../config/accounts";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { terraformAsync, terraformEnv, type TerraformResult } from "../../terraform/cli";
import { resolveOutputs } from "../../terraform/fixtures";
import { offlineStackDir, type StackDir } from "../../terraform/workspace";
import { buildApp } from "../../stacks/app";
import { PIPELINE_STACK, SOURCE_STACK } from "../../stacks/outputs";
import { ROOT } from "../../test-support/config";
import { pipelineWiringTest, sourceWiringTest } from "../../test-support/tftest";

const config = loadConfig(path.join(ROOT, "config", "example.json"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-check-"));
const env = terraformEnv(work);
const outdir = path.join(work, "cdktf.out");
let source: StackDir;
let pipeline: StackDir;

function expectSuccess(result: TerraformResult): void {
  // The output is the message when this fails: it names the resource and the argument.
  if (result.status !== 0) throw new Error(result.output);
}

// All checks start together once both stacks are initialized: each terraform process spends
// most of its time loading the provider's schema, so they overlap well even on two cores.
let validate: Promise<TerraformResult[]>;
let plan: Promise<TerraformResult>;
let wiring: Promise<TerraformResult[]>;

function writeTest(dir: StackDir, content: string): void {
  fs.mkdirSync(path.join(dir.dir, "tests"), { recursive: true });
  fs.writeFileSync(path.join(dir.dir, "tests", "wiring.tftest.hcl"), content);
}

beforeAll(async () => {
  buildApp(config, { outdir, projectRoot: ROOT }).app.synth();
  source = offlineStackDir(config, outdir, SOURCE_STACK, work, { allowDestroy: true });
  pipeline = offlineStackDir(config, outdir, PIPELINE_STACK, work, { allowDestroy: true });
  writeTest(source, sourceWiringTest(config, source));
  writeTest(pipeline, pipelineWiringTest(config, pipelineAccounts(config)[0], pipeline, resolveOutputs(source.json, source.context)));
  const inits = await Promise.all([source, pipeline].map((s) => terraformAsync(["init", "-input=false"], s.dir, env)));
  inits.forEach(expectSuccess);
  validate = Promise.all([source, pipeline].map((s) => terraformAsync(["validate"], s.dir, env)));
  plan = terraformAsync(["plan", "-input=false", "-lock=false"], source.dir, env);
  wiring = Promise.all([source, pipeline].map((s) => terraformAsync(["test"], s.dir, env)));
  // Settle everything before the tests read the results, so that none runs after afterAll.
  await Promise.allSettled([validate, plan, wiring]);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("Terraform and the AWS provider accept both stacks", () => {
  it("validates both stacks", async () => {
    (await validate).forEach(expectSuccess);
  });

  it("plans source-account with mock credentials", async () => {
    const result = await plan;
    expectSuccess(result);
    const resources = Object.values(source.json.resource ?? {}).reduce((n, r) => n + Object.keys(r).length, 0);
    expect(result.output).toContain(`Plan: ${resources} to add, 0 to change, 0 to destroy.`);
  });
});

describe("a mock apply of both stacks wires the accounts together", () => {
  it("passes the wiring assertions on both stacks", async () => {
    const results = await wiring;
    results.forEach(expectSuccess);
    for (const result of results) expect(result.output).toMatch(/Success! 1 passed, 0 failed\./);
  });
});
