/**
 * The real Terraform and the real AWS provider on the freshly synthesized example stacks, offline:
 * init and a mock apply of both stacks asserting the cross-account wiring. Run by
 * `npm run test:e2e` (part of `npm test`). `terraform test` validates each stack before it
 * applies; plan.test.ts plans both stacks with mock credentials (`npm run plan -- --offline`).
 */
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

// Both stacks' tests start together once both are initialized: each terraform process spends
// most of its time loading the provider's schema, so they overlap well even on two cores. A
// separate validate and plan would load it three more times (about 15 s of CPU) for what
// `terraform test` here and plan.test.ts already check.
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
  writeTest(pipeline, pipelineWiringTest(config, pipeline, resolveOutputs(source.json, source.context)));
  const inits = await Promise.all([source, pipeline].map((s) => terraformAsync(["init", "-input=false"], s.dir, env)));
  inits.forEach(expectSuccess);
  wiring = Promise.all([source, pipeline].map((s) => terraformAsync(["test"], s.dir, env)));
  // Settle before the tests read the results, so that nothing runs after afterAll.
  await Promise.allSettled([wiring]);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("a mock apply of both stacks wires the accounts together", () => {
  it("passes the wiring assertions on both stacks", async () => {
    const results = await wiring;
    results.forEach(expectSuccess);
    for (const result of results) expect(result.output).toMatch(/Success! 1 passed, 0 failed\./);
  });
});
