/**
 * The real Terraform and the real AWS provider on the freshly synthesized stacks of both example
 * configs (one pipeline account, and two) and of test-support/configs/every-pipeline.json (two
 * pipelines in one account sharing an ECS execution role given by an ARN with a path), offline,
 * in one `terraform test` that applies every
 * stack as a module of one root (terraform/test-root.ts): each stack rendered as `npm run
 * verify:access` renders it (terraform/render.ts: every managed resource overridden, the
 * provider's own `aws_iam_policy_document` rendering every policy). Then, on what was rendered: the
 * cross-account wiring (test-support/wiring.ts); doctor's fixture of the deployed example, which
 * must show no drift from today's render; and the access proof for each config, every request of
 * every pipeline's chain and every request that must be denied, and docs/security-model.md's table
 * for the example.
 * `terraform test` validates the configuration before it applies (an unsupported argument fails it
 * with the same error as `terraform validate`); plan.test.ts plans the example's stacks.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pipelineAccounts } from "../../config/accounts";
import { loadConfig } from "../../config/load";
import type { Config } from "../../config/schema";
import { verifyAccess } from "../../access/verify";
import { buildWorld } from "../../access/world";
import { drift, driftSubjects } from "../../doctor/drift";
import { markdownTable, type Outcome } from "../../access/simulate";
import { blockContent } from "../../scripts/doc-blocks";
import { terraformEnv, type TerraformResult } from "../../terraform/cli";
import { renderedStacks, renderModules, type RenderedStack } from "../../terraform/render";
import { RUN, runTestRoot, writeTestRoot, type StackModule } from "../../terraform/test-root";
import { policyTexts } from "../../stacks/limits";
import { sourceOutputs } from "../../stacks/outputs";
import { ROOT } from "../../test-support/config";
import { renderedExample } from "../../test-support/doctor/fake-aws";
import { pipelineWiringProblems, sourceWiringProblems } from "../../test-support/wiring";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-check-"));
const root = path.join(work, "root");

interface Example {
  readonly name: string;
  readonly config: Config;
  readonly modules: StackModule[];
}

/** Synthesizes a config and prepares every stack's module and overrides. */
function prepare(name: string, file: string): Example {
  const config = loadConfig(path.join(ROOT, file));
  const synthDir = path.join(work, name);
  fs.mkdirSync(synthDir, { recursive: true });
  return { name, config, modules: renderModules(config, synthDir, ROOT, path.join(root, name), `${name}_`) };
}

/** Every wiring problem of an example's stacks as rendered, each line prefixed with its stack. */
function wiringProblems({ config, modules }: Example, rendered: readonly RenderedStack[]): string[] {
  const [source] = rendered;
  const accounts = pipelineAccounts(config);
  return modules.flatMap(({ stack }, i) => {
    const account = accounts.find((a) => a.stack === stack.stack);
    const problems = account
      ? pipelineWiringProblems(config, account, stack, rendered[i], source.outputs)
      : sourceWiringProblems(config, stack, rendered[i]);
    return problems.map((problem) => `${stack.stack}: ${problem}`);
  });
}

// Besides the examples: two pipelines in one account sharing an execution role given by an ARN with a path.
const examples = [
  prepare("one-account", "config/example.json"),
  prepare("two-accounts", "config/examples/two-accounts.json"),
  prepare("every-pipeline", "test-support/configs/every-pipeline.json"),
];
let result: TerraformResult;
const rendered = new Map<string, RenderedStack[]>();

/** The run block's outcome and the errors, from `terraform test -json`. */
function testEvents(output: string): { runs: Record<string, string>; errors: string[] } {
  const outcomes: Record<string, string> = {};
  const errors: string[] = [];
  for (const line of output.split("\n")) {
    // Not the state: it carries the provider's whole schema (render.ts reads it).
    if (!line.startsWith("{") || line.includes('"type":"test_state"')) continue;
    const event = JSON.parse(line);
    if (event.type === "test_run" && event.test_run.progress === "complete") outcomes[event.test_run.run] = event.test_run.status;
    if (event["@level"] === "error") errors.push(`${event["@testrun"] ?? ""}: ${event.diagnostic?.summary}: ${event.diagnostic?.detail}`);
  }
  return { runs: outcomes, errors };
}

beforeAll(async () => {
  writeTestRoot(root, examples.flatMap((e) => e.modules));
  result = await runTestRoot(root, terraformEnv(work), path.join(work, "provider"));
  if (result.status === 0) for (const e of examples) rendered.set(e.name, renderedStacks(e.modules, result.output));
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("every stack of both examples, rendered by the real AWS provider", () => {
  it("validates and applies every stack", () => {
    expect(examples.flatMap((e) => e.modules.map((m) => m.name))).toEqual([
      "one-account_source-account",
      "one-account_pipeline-account",
      "two-accounts_source-account",
      "two-accounts_pipeline-account-staging",
      "two-accounts_pipeline-account-prod",
      "every-pipeline_source-account",
      "every-pipeline_pipeline-account-staging",
      "every-pipeline_pipeline-account-prod",
    ]);
    const { runs: outcomes, errors } = testEvents(result.output);
    // Terraform's errors are the message when this fails.
    expect(errors).toEqual([]);
    expect(outcomes).toEqual({ [RUN]: "pass" });
    expect(result.status).toBe(0);
  });

  it.each(examples.map((e) => [e.name, e] as const))("%s: every stack is wired to the others as the stacks define", (_, example) => {
    expect(wiringProblems(example, rendered.get(example.name)!)).toEqual([]);
  });

  it("the wiring check names what is miswired", () => {
    const [example] = examples;
    const [source, pipeline] = rendered.get(example.name)!;
    const otherRole = "arn:aws:iam::111111111111:role/someone-else";
    const miswired = {
      ...pipeline,
      resources: pipeline.resources.map((r) => {
        if (r.type === "aws_codepipeline" && r.address.includes("web")) {
          const stage = structuredClone(r.values.stage) as { action: { role_arn: string }[] }[];
          stage[0].action[0].role_arn = otherRole;
          return { ...r, values: { ...r.values, stage } };
        }
        if (r.type === "aws_kms_key") return { ...r, values: { ...r.values, policy: "{}" } };
        return r;
      }),
    };
    const renamed = { ...source, outputs: { ...source.outputs, [sourceOutputs.sourceAccessRoleArn("web")]: otherRole } };
    expect(sourceWiringProblems(example.config, example.modules[0].stack, renamed)).toEqual([
      `web: output ${sourceOutputs.sourceAccessRoleArn("web")} is not the source-access role's ARN`,
    ]);
    expect(wiringProblems(example, [source, miswired])).toEqual([
      "pipeline-account: the key's policy is not the key policy document",
      expect.stringMatching(/^pipeline-account: web: the ECR source action does not run as its source-access role arn:aws:iam::\d{12}:role\//),
    ]);
  });
});

describe("the size model of stacks/limits.ts", () => {
  it.each(examples.map((e) => [e.name, e] as const))("%s: computes every policy the stacks attach exactly as the provider renders it", (_, example) => {
    const stacks = rendered.get(example.name)!;
    for (const module of example.modules) {
      const { stack, json, context } = module.stack;
      const attached = stacks.find((s) => s.stack === stack)!.resources;
      const model = policyTexts(stack, json, context);
      expect(model.length).toBeGreaterThan(3);
      for (const { address, attribute, text } of model) {
        const resource = attached.find((r) => r.address === address);
        expect([stack, address, attribute, text]).toEqual([stack, address, attribute, resource?.values[attribute]]);
      }
    }
  });
});

describe("doctor's fixture of the deployed example (test-support/doctor/rendered-example.json)", () => {
  it("is what the example renders today: doctor would report no drift", () => {
    const [example] = examples;
    const fresh = buildWorld(example.config, rendered.get(example.name)!);
    const fixture = buildWorld(example.config, renderedExample());
    // Regenerate it with test-support/doctor/write-fixture.ts when a stack's policies change.
    expect(drift(driftSubjects(fresh, fixture, (arn) => ({ policy: arn, unreadable: false })))).toEqual([]);
  });
});

describe("the access proof on what was rendered", () => {
  const outcomes = new Map<string, Outcome[]>();
  beforeAll(async () => {
    if (result.status !== 0) throw new Error("not rendered: see the test above");
    for (const example of examples) outcomes.set(example.name, await verifyAccess(example.config, rendered.get(example.name)!));
  });

  it.each(examples.map((e) => e.name))("%s: every request of the chain, and every request that must be denied, answers as it must", (name) => {
    const answered = outcomes.get(name)!;
    expect(answered.length).toBeGreaterThan(50);
    expect(answered.filter((o) => !o.ok).map((o) => `${o.case.row} ${o.case.who} ${o.case.action} ${o.case.on}: ${o.result}`)).toEqual([]);
  });

  it("every-pipeline: every pipeline's chain is allowed as its own roles, the execution role with a path included", () => {
    const answered = outcomes.get("every-pipeline")!;
    const allowed = (group: string) => answered.filter((o) => o.case.group === group && o.case.expect === "allowed" && o.ok).map((o) => `${o.case.row} ${o.case.action}`);
    const chain = ["1 sts:AssumeRole", "2 sts:AssumeRole", "3 ecr:DescribeImages", "4 s3:PutObject", "4 s3:AbortMultipartUpload", "5 kms:GenerateDataKey", "5 kms:Decrypt", "7 kms:CreateGrant"];
    for (const [group, more] of [
      ["Pipeline web, in account staging", ["8 codepipeline:StartPipelineExecution", "+ iam:PassRole", "6 ecr:BatchGetImage"]],
      ["Pipeline api, in account staging", ["+ iam:PassRole", "6 ecr:BatchGetImage"]],
      ["Pipeline web-prod, in account prod", ["8 codepipeline:StartPipelineExecution", "+ iam:PassRole"]],
    ] as const) {
      expect({ group, allowed: allowed(group) }).toEqual({ group, allowed: expect.arrayContaining([...chain, ...more]) });
    }
    const withPath = answered.filter((o) => o.case.principal === "arn:aws:iam::222222222222:role/service-role/ecsTaskExecutionRole");
    expect(withPath.map((o) => `${o.case.group}: ${o.case.action} ${o.result}`)).toEqual([
      "Pipeline web, in account staging: ecr:BatchGetImage Allowed",
      "Pipeline api, in account staging: ecr:BatchGetImage Allowed",
    ]);
  });

  it("docs/security-model.md's who-can-do-what table is the example's (npm run verify:access -- --write rewrites it)", () => {
    expect(blockContent("access-table")).toBe(markdownTable(outcomes.get("one-account")!));
  });
});
