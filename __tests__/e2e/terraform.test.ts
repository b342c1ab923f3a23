/**
 * The real Terraform and the real AWS provider on the freshly synthesized stacks of both example
 * configs (one pipeline account, and two), offline: a mock apply of every stack asserting the
 * cross-account wiring, all in one `terraform test` (a run block per stack, terraform/test-root.ts).
 * Run by `npm run test:e2e` (part of `npm test`). `terraform test` validates each stack before it
 * applies (an unsupported argument fails it with the same error as `terraform validate`);
 * plan.test.ts plans every stack with mock credentials.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pipelineAccounts } from "../../config/accounts";
import { loadConfig } from "../../config/load";
import type { Config } from "../../config/schema";
import { buildApp } from "../../stacks/app";
import { SOURCE_STACK } from "../../stacks/outputs";
import { terraformEnv, type TerraformResult } from "../../terraform/cli";
import { resolveOutputs } from "../../terraform/fixtures";
import { runTestRoot, writeTestRoot, type StackRun } from "../../terraform/test-root";
import { offlineStackDir } from "../../terraform/workspace";
import { ROOT } from "../../test-support/config";
import { MOCK_PROVIDER, pipelineWiringRun, sourceWiringRun } from "../../test-support/tftest";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-check-"));
const root = path.join(work, "root");
const env = terraformEnv(work);

/** Synthesizes a config and prepares every stack's scratch copy and its run block. */
function prepare(name: string, config: Config): StackRun[] {
  const outdir = path.join(work, name, "cdktf.out");
  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  buildApp(config, { outdir, projectRoot: ROOT }).app.synth();
  const stacks = path.join(root, name);
  const source = offlineStackDir(config, outdir, SOURCE_STACK, stacks, { allowDestroy: true });
  const outputs = resolveOutputs(source.json, source.context);
  return [
    { name: `${name}_${source.stack}`, stack: source, body: sourceWiringRun(config, source) },
    ...pipelineAccounts(config).map((account) => {
      const dir = offlineStackDir(config, outdir, account.stack, stacks, { allowDestroy: true });
      return { name: `${name}_${dir.stack}`, stack: dir, body: pipelineWiringRun(config, account, dir, outputs) };
    }),
  ];
}

const runs = [
  ...prepare("one-account", loadConfig(path.join(ROOT, "config", "example.json"))),
  ...prepare("two-accounts", loadConfig(path.join(ROOT, "config", "examples", "two-accounts.json"))),
];
let wiring: TerraformResult;

beforeAll(async () => {
  writeTestRoot(root, "wiring.tftest.hcl", MOCK_PROVIDER, runs);
  wiring = await runTestRoot(root, [], env, path.join(work, "provider"));
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("a mock apply of every stack wires the accounts together", () => {
  it("validates and mock-applies every stack of both examples, passing the wiring assertions", () => {
    expect(runs.map((r) => r.name)).toEqual([
      "one-account_source-account",
      "one-account_pipeline-account",
      "two-accounts_source-account",
      "two-accounts_pipeline-account-staging",
      "two-accounts_pipeline-account-prod",
    ]);
    // The output is the message when this fails: it names the run, the resource and the assertion.
    if (wiring.status !== 0) throw new Error(wiring.output);
    for (const run of runs) expect(wiring.output).toContain(`run "${run.name}"... pass`);
    expect(wiring.output).toMatch(/Success! 5 passed, 0 failed\./);
  });
});
