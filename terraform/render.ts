/**
 * Both stacks applied offline by the real AWS provider, to read what it renders: `terraform test`
 * without a mock provider, with every managed resource overridden (realistic ARNs, no AWS call)
 * and the remote state given the outputs source-account will have. The provider's own
 * `aws_iam_policy_document` renders every policy, exactly as a real apply would.
 */
import * as fs from "fs";
import * as path from "path";
import type { Config } from "../config/schema";
import { buildApp } from "../stacks/app";
import { stackNames } from "../config/accounts";
import { SOURCE_STACK, SOURCE_STATE } from "../stacks/outputs";
import { terraformAsync, terraformEnv, type TerraformResult } from "./cli";
import { overrideRemoteState, overrideResources, resolveOutputs } from "./fixtures";
import { offlineStackDir, type StackDir } from "./workspace";

export interface RenderedResource {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly values: Record<string, unknown>;
}

export interface RenderedStack {
  readonly stack: string;
  readonly resources: readonly RenderedResource[];
  readonly outputs: Record<string, unknown>;
}

const RENDER_TEST = "render.tftest.hcl";

function renderTest(dir: StackDir, remoteOutputs?: Record<string, string>): string {
  const remote = remoteOutputs ? overrideRemoteState(SOURCE_STATE, remoteOutputs) : "";
  return `${overrideResources(dir.json, dir.context)}\n${remote}\nrun "render" {}\n`;
}

function check(step: string, stack: string, result: TerraformResult): TerraformResult {
  if (result.status !== 0) throw new Error(`terraform ${step} failed for ${stack}:\n${result.output}`);
  return result;
}

/** The state `terraform test -json -verbose` reports after the "render" run. */
function parseRenderedState(stack: string, output: string): RenderedStack {
  for (const line of output.split("\n")) {
    if (!line.includes('"test_state"')) continue;
    const event = JSON.parse(line);
    if (event.type !== "test_state" || event["@testrun"] !== "render") continue;
    const state = event.test_state;
    return {
      stack,
      resources: state.root_module.resources,
      outputs: Object.fromEntries(Object.entries(state.outputs ?? {}).map(([k, v]) => [k, (v as { value: unknown }).value])),
    };
  }
  throw new Error(`terraform test reported no state for ${stack}:\n${output.slice(0, 4000)}`);
}

/** Synthesizes `config` into `workDir`, then renders every stack (side by side); `signal` stops Terraform. */
export async function renderStacks(config: Config, workDir: string, projectRoot: string, signal?: AbortSignal): Promise<RenderedStack[]> {
  const outdir = path.join(workDir, "cdktf.out");
  buildApp(config, { outdir, projectRoot }).app.synth();
  const env = terraformEnv(workDir);
  const dirs = stackNames(config).map((stack) => offlineStackDir(config, outdir, stack, workDir, { allowDestroy: true }));
  const sourceOutputs = resolveOutputs(dirs[0].json, dirs[0].context);
  return Promise.all(
    dirs.map(async (dir) => {
      fs.mkdirSync(path.join(dir.dir, "tests"), { recursive: true });
      fs.writeFileSync(
        path.join(dir.dir, "tests", RENDER_TEST),
        renderTest(dir, dir.stack === SOURCE_STACK ? undefined : sourceOutputs),
      );
      check("init", dir.stack, await terraformAsync(["init", "-input=false", "-backend=false"], dir.dir, env, signal));
      const test = check(
        "test",
        dir.stack,
        await terraformAsync(["test", "-json", "-verbose", `-filter=tests/${RENDER_TEST}`], dir.dir, env, signal),
      );
      return parseRenderedState(dir.stack, test.output);
    }),
  );
}
