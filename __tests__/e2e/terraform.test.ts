/**
 * The real Terraform and the real AWS provider on the freshly synthesized stacks of both example
 * configs (one pipeline account, and two), offline, in one `terraform test` (a run block per
 * stack, terraform/test-root.ts): each stack rendered as `npm run verify:access` renders it
 * (terraform/render.ts: every managed resource overridden, the provider's own
 * `aws_iam_policy_document` rendering every policy), with assertions on the cross-account wiring.
 * Then the access proof on what was rendered, for both examples: every request of the chain and
 * every request that must be denied, and README's table for the example. `terraform test`
 * validates each stack before it applies (an unsupported argument fails it with the same error as
 * `terraform validate`); plan.test.ts plans every stack of the two-account example.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pipelineAccounts } from "../../config/accounts";
import { loadConfig } from "../../config/load";
import type { Config } from "../../config/schema";
import { verifyAccess } from "../../access/verify";
import { markdownTable, type Outcome } from "../../access/simulate";
import { ACCESS_TABLE, readBlock, readReadme } from "../../scripts/readme";
import { terraformEnv, type TerraformResult } from "../../terraform/cli";
import { resolveOutputs } from "../../terraform/fixtures";
import { renderedStacks, renderRuns } from "../../terraform/render";
import { runTestRoot, writeTestRoot, type StackRun } from "../../terraform/test-root";
import { ROOT } from "../../test-support/config";
import { pipelineWiringAsserts, sourceWiringAsserts } from "../../test-support/tftest";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-check-"));
const root = path.join(work, "root");

interface Example {
  readonly name: string;
  readonly config: Config;
  readonly runs: StackRun[];
}

/** Synthesizes a config and prepares every stack's run block: the render, and the wiring assertions. */
function prepare(name: string, file: string): Example {
  const config = loadConfig(path.join(ROOT, file));
  const synthDir = path.join(work, name);
  fs.mkdirSync(synthDir, { recursive: true });
  const runs = renderRuns(config, synthDir, ROOT, path.join(root, name), `${name}_`);
  const source = runs[0].stack;
  const outputs = resolveOutputs(source.json, source.context);
  const accounts = pipelineAccounts(config);
  const withAsserts = runs.map((run) => {
    const account = accounts.find((a) => a.stack === run.stack.stack);
    const asserts = account ? pipelineWiringAsserts(config, account, run.stack, outputs) : sourceWiringAsserts(config, run.stack);
    return { ...run, body: `${run.body}\n${asserts}` };
  });
  return { name, config, runs: withAsserts };
}

const examples = [prepare("one-account", "config/example.json"), prepare("two-accounts", "config/examples/two-accounts.json")];
const runs = examples.flatMap((e) => e.runs);
let result: TerraformResult;

/** The run blocks' outcomes and failed assertions, from `terraform test -json`. */
function testEvents(output: string): { runs: Record<string, string>; errors: string[] } {
  const outcomes: Record<string, string> = {};
  const errors: string[] = [];
  for (const line of output.split("\n")) {
    // Not the states: each carries the provider's whole schema (render.ts reads them).
    if (!line.startsWith("{") || line.includes('"type":"test_state"')) continue;
    const event = JSON.parse(line);
    if (event.type === "test_run" && event.test_run.progress === "complete") outcomes[event.test_run.run] = event.test_run.status;
    if (event["@level"] === "error") errors.push(`${event["@testrun"] ?? ""}: ${event.diagnostic?.summary}: ${event.diagnostic?.detail}`);
  }
  return { runs: outcomes, errors };
}

beforeAll(async () => {
  writeTestRoot(root, "render.tftest.hcl", "", runs);
  result = await runTestRoot(root, ["-json", "-verbose"], terraformEnv(work), path.join(work, "provider"));
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("every stack of both examples, rendered by the real AWS provider", () => {
  it("validates and applies every stack, passing the wiring assertions", () => {
    expect(runs.map((r) => r.name)).toEqual([
      "one-account_source-account",
      "one-account_pipeline-account",
      "two-accounts_source-account",
      "two-accounts_pipeline-account-staging",
      "two-accounts_pipeline-account-prod",
    ]);
    const { runs: outcomes, errors } = testEvents(result.output);
    // The failed assertions are the message when this fails: they name the run and what is miswired.
    expect(errors).toEqual([]);
    expect(outcomes).toEqual(Object.fromEntries(runs.map((r) => [r.name, "pass"])));
    expect(result.status).toBe(0);
  });
});

describe("the access proof on what was rendered", () => {
  const outcomes = new Map<string, Outcome[]>();
  beforeAll(async () => {
    if (result.status !== 0) throw new Error("not rendered: see the test above");
    for (const example of examples) outcomes.set(example.name, await verifyAccess(example.config, renderedStacks(example.runs, result.output)));
  });

  it.each(examples.map((e) => e.name))("%s: every request of the chain, and every request that must be denied, answers as it must", (name) => {
    const answered = outcomes.get(name)!;
    expect(answered.length).toBeGreaterThan(50);
    expect(answered.filter((o) => !o.ok).map((o) => `${o.case.row} ${o.case.who} ${o.case.action} ${o.case.on}: ${o.result}`)).toEqual([]);
  });

  it("README.md's who-can-do-what table is the example's (npm run verify:access -- --write-readme rewrites it)", () => {
    expect(readBlock(readReadme(), ACCESS_TABLE)).toBe(markdownTable(outcomes.get("one-account")!));
  });
});
