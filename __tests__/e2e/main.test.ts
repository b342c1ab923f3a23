/**
 * The app as cdktf runs it: a process, configured by the environment, that writes cdktf.out or
 * fails without writing anything.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { exampleInput, ROOT } from "../../test-support/config";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "main-test-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly outdir: string;
}

/** Runs the app as cdktf does; runs start at once, so the test waits for the slowest only. */
function runApp(env: Record<string, string>): Promise<Run> {
  const outdir = path.join(fs.mkdtempSync(path.join(scratch, "synth-")), "cdktf.out");
  const child = spawn(process.execPath, ["-r", "./scripts/register.js", "main.ts"], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr, outdir }));
  });
}

/** README's sample of a config error: the code block after its marker, and the directory it was run in. */
function readmeSample(): { readonly dir: string; readonly file: string; readonly output: string } {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const output = /<!-- config-error-sample -->\n```\n([^]*?)```/.exec(readme)?.[1];
  const file = output && /^Invalid config (.*):\n/.exec(output)?.[1];
  if (!output || !file) throw new Error("README.md has no config error sample after <!-- config-error-sample -->");
  return { dir: path.dirname(file), file: path.basename(file), output };
}

function writeConfig(content: string): string {
  const file = path.join(fs.mkdtempSync(path.join(scratch, "config-")), "config.json");
  fs.writeFileSync(file, content);
  return file;
}

describe("main.ts", () => {
  const otherProject = exampleInput();
  otherProject.project = "other";
  const badAccount = exampleInput();
  badAccount.sourceAccount.accountId = "12345";
  const badAccountFile = writeConfig(JSON.stringify(badAccount));
  // README's sample: a five-digit account id and a misspelt imageTag, PIPELINE_CONFIG relative to
  // the directory npm is run in (INIT_CWD), which is not the repository root.
  const sample = readmeSample();
  const sampleDir = fs.mkdtempSync(path.join(scratch, "user-dir-"));
  const sampleConfig = exampleInput() as ReturnType<typeof exampleInput> & { pipelines: Record<string, unknown>[] };
  sampleConfig.sourceAccount.accountId = "12345";
  sampleConfig.pipelines[0].imagetag = "latest";
  fs.writeFileSync(path.join(sampleDir, sample.file), JSON.stringify(sampleConfig, null, 2));
  let runs: Record<"default" | "other" | "bad" | "missing" | "sample", Run>;
  beforeAll(async () => {
    const [byDefault, other, bad, missing, readme] = await Promise.all([
      runApp({ PIPELINE_CONFIG: "" }),
      runApp({ PIPELINE_CONFIG: writeConfig(JSON.stringify(otherProject)) }),
      runApp({ PIPELINE_CONFIG: badAccountFile }),
      runApp({ PIPELINE_CONFIG: "/nonexistent/config.json" }),
      runApp({ PIPELINE_CONFIG: sample.file, INIT_CWD: sampleDir }),
    ]);
    runs = { default: byDefault, other, bad, missing, sample: readme };
  });

  it("synthesizes both stacks from the example config by default", () => {
    const run = runs.default;
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    for (const stack of ["source-account", "pipeline-account"]) {
      const synthesized = JSON.parse(fs.readFileSync(path.join(run.outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
      expect(synthesized.provider.aws).toHaveLength(1);
    }
  });

  it("reads the config named by PIPELINE_CONFIG", () => {
    const run = runs.other;
    expect(run.status).toBe(0);
    const pipeline = fs.readFileSync(path.join(run.outdir, "stacks", "pipeline-account", "cdk.tf.json"), "utf8");
    expect(pipeline).toContain('"bucket": "other-artifacts-222222222222-ap-northeast-1"');
  });

  it("keeps the state path relative to the stack directory, wherever the output goes", () => {
    const run = runs.default;
    const source = JSON.parse(fs.readFileSync(path.join(run.outdir, "stacks", "source-account", "cdk.tf.json"), "utf8"));
    const statePath = path.resolve(run.outdir, "stacks", "source-account", source.terraform.backend.local.path);
    expect(statePath).toBe(path.join(ROOT, "terraform-state", "source-account.tfstate"));
  });

  it("exits non-zero with the problem, and writes nothing, on a bad config", () => {
    const run = runs.bad;
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `Invalid config ${badAccountFile}:\n  - sourceAccount.accountId: got "12345"; expected a 12-digit AWS account id as a string, e.g. "111111111111"\n`,
    );
    expect(fs.existsSync(run.outdir)).toBe(false);
  });

  it("exits non-zero, and writes nothing, when the config file is missing", () => {
    const run = runs.missing;
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("/nonexistent/config.json:\n  - file not found");
    expect(fs.existsSync(run.outdir)).toBe(false);
  });

  it("prints README's sample config error, reading a relative PIPELINE_CONFIG from where npm was run", () => {
    const run = runs.sample;
    expect(run.stderr).toBe(sample.output.replace(sample.dir, sampleDir));
    expect(run.status).toBe(1);
  });
});
