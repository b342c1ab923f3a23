/**
 * The app as cdktf runs it: a process, configured by the environment, that writes cdktf.out or
 * fails without writing anything.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { exampleInput, ROOT } from "../test-support/synth";

function runApp(env: Record<string, string>) {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synth-")), "cdktf.out");
  const result = spawnSync(process.execPath, ["-r", "./scripts/register.js", "main.ts"], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
    encoding: "utf8",
  });
  return { ...result, outdir };
}

function writeConfig(content: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "config-")), "config.json");
  fs.writeFileSync(file, content);
  return file;
}

describe("main.ts", () => {
  let defaultRun: ReturnType<typeof runApp>;
  beforeAll(() => {
    defaultRun = runApp({ PIPELINE_CONFIG: "" });
  });

  it("synthesizes both stacks from the example config by default", () => {
    const run = defaultRun;
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    for (const stack of ["source-account", "pipeline-account"]) {
      const synthesized = JSON.parse(fs.readFileSync(path.join(run.outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
      expect(synthesized.provider.aws).toHaveLength(1);
    }
  });

  it("reads the config named by PIPELINE_CONFIG", () => {
    const input = exampleInput();
    input.project = "other";
    const run = runApp({ PIPELINE_CONFIG: writeConfig(JSON.stringify(input)) });
    expect(run.status).toBe(0);
    const pipeline = fs.readFileSync(path.join(run.outdir, "stacks", "pipeline-account", "cdk.tf.json"), "utf8");
    expect(pipeline).toContain('"bucket": "other-artifacts-222222222222-ap-northeast-1"');
  });

  it("keeps the state path relative to the stack directory, wherever the output goes", () => {
    const run = defaultRun;
    const source = JSON.parse(fs.readFileSync(path.join(run.outdir, "stacks", "source-account", "cdk.tf.json"), "utf8"));
    const statePath = path.resolve(run.outdir, "stacks", "source-account", source.terraform.backend.local.path);
    expect(statePath).toBe(path.join(ROOT, "terraform-state", "source-account.tfstate"));
  });

  it("exits non-zero with the problem, and writes nothing, on a bad config", () => {
    const input = exampleInput();
    input.sourceAccount.accountId = "12345";
    const file = writeConfig(JSON.stringify(input));
    const run = runApp({ PIPELINE_CONFIG: file });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `Invalid config ${file}:\n  - sourceAccount.accountId: got "12345"; expected a 12-digit AWS account id as a string, e.g. "111111111111"\n`,
    );
    expect(fs.existsSync(run.outdir)).toBe(false);
  });

  it("exits non-zero, and writes nothing, when the config file is missing", () => {
    const run = runApp({ PIPELINE_CONFIG: "/nonexistent/config.json" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("/nonexistent/config.json:\n  - file not found");
    expect(fs.existsSync(run.outdir)).toBe(false);
  });
});
