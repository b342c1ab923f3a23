/**
 * The real Terraform and the real AWS provider on the freshly synthesized stacks of both example
 * configs (one pipeline account, and two), offline: init and a mock apply of every stack asserting
 * the cross-account wiring. Run by `npm run test:e2e` (part of `npm test`). `terraform test`
 * validates each stack before it applies (an unsupported argument fails it with the same error
 * as `terraform validate`); plan.test.ts plans every stack with mock credentials.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pipelineAccounts } from "../../config/accounts";
import { loadConfig } from "../../config/load";
import type { Config } from "../../config/schema";
import { buildApp } from "../../stacks/app";
import { SOURCE_STACK } from "../../stacks/outputs";
import { terraformAsync, terraformEnv, type TerraformResult } from "../../terraform/cli";
import { resolveOutputs } from "../../terraform/fixtures";
import { offlineStackDir, type StackDir } from "../../terraform/workspace";
import { ROOT } from "../../test-support/config";
import { pipelineWiringTest, sourceWiringTest } from "../../test-support/tftest";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-check-"));
const env = terraformEnv(work);

function expectSuccess(result: TerraformResult): void {
  // The output is the message when this fails: it names the resource and the argument.
  if (result.status !== 0) throw new Error(result.output);
}

function writeTest(dir: StackDir, content: string): void {
  fs.mkdirSync(path.join(dir.dir, "tests"), { recursive: true });
  fs.writeFileSync(path.join(dir.dir, "tests", "wiring.tftest.hcl"), content);
}

interface Checked {
  readonly name: string;
  readonly stacks: StackDir[];
}

/** Synthesizes a config and prepares every stack's scratch copy with its wiring test. */
function prepare(name: string, config: Config): Checked {
  const root = path.join(work, name);
  const outdir = path.join(root, "cdktf.out");
  fs.mkdirSync(root, { recursive: true });
  buildApp(config, { outdir, projectRoot: ROOT }).app.synth();
  const source = offlineStackDir(config, outdir, SOURCE_STACK, root, { allowDestroy: true });
  writeTest(source, sourceWiringTest(config, source));
  const outputs = resolveOutputs(source.json, source.context);
  const pipelines = pipelineAccounts(config).map((account) => {
    const dir = offlineStackDir(config, outdir, account.stack, root, { allowDestroy: true });
    writeTest(dir, pipelineWiringTest(config, account, dir, outputs));
    return dir;
  });
  return { name, stacks: [source, ...pipelines] };
}

const checked = [
  prepare("one-account", loadConfig(path.join(ROOT, "config", "example.json"))),
  prepare("two-accounts", loadConfig(path.join(ROOT, "config", "examples", "two-accounts.json"))),
];
const all = checked.flatMap((c) => c.stacks);

// Every stack's test starts once all are initialized: each terraform process spends most of its
// time loading the provider's schema, so they overlap well even on two cores. A separate validate
// and plan would load it again per stack for what `terraform test` and plan.test.ts check.
let wiring: Promise<TerraformResult[]>;

beforeAll(async () => {
  (await Promise.all(all.map((s) => terraformAsync(["init", "-input=false"], s.dir, env)))).forEach(expectSuccess);
  wiring = Promise.all(all.map((s) => terraformAsync(["test"], s.dir, env)));
  // Settle before the tests read the results, so that none runs after afterAll.
  await Promise.allSettled([wiring]);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("a mock apply of every stack wires the accounts together", () => {
  it("validates and mock-applies every stack of both examples, passing the wiring assertions", async () => {
    expect(all.map((s) => s.stack)).toEqual([
      "source-account",
      "pipeline-account",
      "source-account",
      "pipeline-account-staging",
      "pipeline-account-prod",
    ]);
    const results = await wiring;
    results.forEach(expectSuccess);
    for (const result of results) expect(result.output).toMatch(/Success! 1 passed, 0 failed\./);
  });
});
