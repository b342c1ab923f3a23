/**
 * The app as cdktf runs it: a process, configured by the environment, that writes cdktf.out whole
 * or fails without changing it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sampleInput } from "../../stacks/capacity";
import { blockContent, fencedContent } from "../../scripts/doc-blocks";
import { exampleInput, ROOT } from "../../test-support/config";
import { run as runScript } from "../../test-support/process";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "main-test-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outdir: string;
}

/** Runs the app as `npm run synth` does (in `outdir`, a new one by default); runs start at once, so the test waits for the slowest only. */
async function runApp(env: Record<string, string>, outdir = path.join(fs.mkdtempSync(path.join(scratch, "synth-")), "cdktf.out")): Promise<Run> {
  const { status, stdout, stderr } = await runScript("main.ts", [], { CDKTF_OUTDIR: outdir, ...env });
  return { status, stdout, stderr, outdir };
}

/** docs/config.md's sample of a config error: the code block of its config-error-sample block, and the directory it was run in. */
function docSample(): { readonly dir: string; readonly file: string; readonly output: string } {
  const output = fencedContent(blockContent("config-error-sample"));
  const file = /^Invalid config (.*):\n/.exec(output)?.[1];
  if (!file) throw new Error("docs/config.md's config-error-sample block does not start with \"Invalid config <file>:\"");
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
  // docs/config.md's sample: a five-digit account id and a misspelt imageTag, PIPELINE_CONFIG
  // relative to the directory npm is run in (INIT_CWD), which is not the repository root.
  const sample = docSample();
  const sampleDir = fs.mkdtempSync(path.join(scratch, "user-dir-"));
  const sampleConfig = exampleInput() as ReturnType<typeof exampleInput> & { pipelines: Record<string, unknown>[] };
  sampleConfig.sourceAccount.accountId = "12345";
  sampleConfig.pipelines[0].imagetag = "latest";
  fs.writeFileSync(path.join(sampleDir, sample.file), JSON.stringify(sampleConfig, null, 2));
  let runs: Record<"default" | "other" | "bad" | "missing" | "sample" | "empty", Run>;
  beforeAll(async () => {
    const [byDefault, other, bad, missing, readme, empty] = await Promise.all([
      runApp({}),
      runApp({ PIPELINE_CONFIG: writeConfig(JSON.stringify(otherProject)) }),
      runApp({ PIPELINE_CONFIG: badAccountFile }),
      runApp({ PIPELINE_CONFIG: "/nonexistent/config.json" }),
      runApp({ PIPELINE_CONFIG: sample.file, INIT_CWD: sampleDir }),
      runApp({ PIPELINE_CONFIG: "" }),
    ]);
    runs = { default: byDefault, other, bad, missing, sample: readme, empty };
  });

  it("synthesizes both stacks from the example config by default, saying what it read and wrote", () => {
    const run = runs.default;
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    for (const stack of ["source-account", "pipeline-account"]) {
      const synthesized = JSON.parse(fs.readFileSync(path.join(run.outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
      expect(synthesized.provider.aws).toHaveLength(1);
    }
    expect(run.stdout).toBe(
      [
        "Config: config/example.json",
        `Wrote ${path.join(run.outdir, "stacks", "source-account", "cdk.tf.json")}`,
        `Wrote ${path.join(run.outdir, "stacks", "pipeline-account", "cdk.tf.json")}`,
        "",
      ].join("\n"),
    );
  });

  it("refuses a PIPELINE_CONFIG set but empty, writing nothing", () => {
    const run = runs.empty;
    expect(run.stderr).toBe(
      "npm run synth: PIPELINE_CONFIG is set but empty; expected the path of a config file (unset it to use the example, config/example.json)\n",
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(fs.existsSync(run.outdir)).toBe(false);
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

  it("prints docs/config.md's sample config error, reading a relative PIPELINE_CONFIG from where npm was run", () => {
    const run = runs.sample;
    expect(run.stderr).toBe(sample.output.replace(sample.dir, sampleDir));
    expect(run.status).toBe(1);
  });
});

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every file under `dir`, by relative path, with its content (or "dir" for an empty directory). */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    const entries = fs.readdirSync(d, { withFileTypes: true });
    if (entries.length === 0) files[path.relative(dir, d)] = "dir";
    for (const entry of entries) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return files;
}

/**
 * `cdktf.out` in a directory of its own, as an earlier run of another config left it: a stack the
 * example does not have, and what Terraform and a plan keep there.
 */
function previousOutput(): string {
  const outdir = path.join(fs.mkdtempSync(path.join(scratch, "previous-")), "cdktf.out");
  const files: Record<string, string> = {
    "manifest.json": "{}\n",
    "stacks/pipeline-account-prod/cdk.tf.json": "{}\n",
    "stacks/source-account/cdk.tf.json": "{}\n",
    "stacks/source-account/.terraform/providers/marker": "provider\n",
    "stacks/source-account/.terraform.lock.hcl": "# lock\n",
    ".plan.lock": "12345\n",
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(outdir, file)), { recursive: true });
    fs.writeFileSync(path.join(outdir, file), content);
  }
  return outdir;
}

/**
 * Makes `target` impossible to change for this process until the returned function is called: a
 * mode does not stop root, the immutable attribute does (ext4 and most Linux file systems).
 */
function unwritable(target: string): () => void {
  if (process.getuid?.() === 0) {
    const set = spawnSync("chattr", ["+i", target], { encoding: "utf8" });
    if (set.status !== 0) throw new Error(`cannot make ${target} immutable for this test: ${set.stderr || set.error}`);
    return () => void spawnSync("chattr", ["-i", target]);
  }
  const mode = fs.statSync(target).mode & 0o7777;
  fs.chmodSync(target, fs.statSync(target).isDirectory() ? 0o555 : 0o444);
  return () => fs.chmodSync(target, mode);
}

describe("main.ts replaces the previous output whole", () => {
  const outputs = {
    earlier: previousOutput(),
    stackDir: previousOutput(),
    stackFile: previousOutput(),
    parent: previousOutput(),
  };
  const locked = {
    stackDir: path.join(outputs.stackDir, "stacks", "source-account"),
    stackFile: path.join(outputs.stackFile, "stacks", "source-account", "cdk.tf.json"),
    parent: path.dirname(outputs.parent),
  };
  const before = tree(outputs.earlier);
  let runs: Record<keyof typeof outputs, Run>;
  beforeAll(async () => {
    const unlock = Object.values(locked).map(unwritable);
    try {
      const [earlier, stackDir, stackFile, parent] = await Promise.all(Object.values(outputs).map((outdir) => runApp({}, outdir)));
      runs = { earlier, stackDir, stackFile, parent };
    } finally {
      for (const undo of unlock) undo();
    }
  });

  it("removes the stacks the config no longer has, keeps what Terraform and a plan keep there, and leaves nothing beside it", () => {
    const run = runs.earlier;
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const after = tree(run.outdir);
    expect(Object.keys(after).sort()).toEqual([
      ".plan.lock",
      "manifest.json",
      "stacks/pipeline-account/cdk.tf.json",
      "stacks/source-account/.terraform.lock.hcl",
      "stacks/source-account/.terraform/providers/marker",
      "stacks/source-account/cdk.tf.json",
    ]);
    for (const kept of [".plan.lock", "stacks/source-account/.terraform.lock.hcl", "stacks/source-account/.terraform/providers/marker"]) {
      expect(after[kept]).toBe(before[kept]);
    }
    expect(JSON.parse(after["manifest.json"]).stacks["pipeline-account"]).toBeDefined();
    expect(fs.readdirSync(path.dirname(run.outdir))).toEqual(["cdktf.out"]);
  });

  it.each([
    ["a stack directory", "stackDir", () => locked.stackDir],
    ["a stack file", "stackFile", () => locked.stackFile],
    ["the directory it is in", "parent", () => locked.parent],
  ] as const)("cannot change %s: one line, exit 1, the previous output unchanged", (_, key, what) => {
    const run = runs[key];
    expect(run.stderr).toMatch(
      new RegExp(`^npm run synth: cannot write ${escaped(run.outdir)}: ${escaped(what())} is not writable \\((EPERM|EACCES): [a-z ]+\\); the previous output is unchanged\n$`),
    );
    expect(run.status).toBe(1);
    expect(tree(run.outdir)).toEqual(before);
    expect(fs.readdirSync(path.dirname(run.outdir))).toEqual(["cdktf.out"]);
  });
});

describe("main.ts with a config over AWS's limits", () => {
  it("refuses 55 pipelines with the longest names, with the sizes and limits, and leaves the previous output as it was", async () => {
    // GIVEN an earlier synth's output, and a config whose stacks would be over two limits
    const earlier = await runApp({});
    expect(earlier.status).toBe(0);
    const before = fs.readFileSync(path.join(earlier.outdir, "stacks", "pipeline-account", "cdk.tf.json"), "utf8");
    const big = writeConfig(JSON.stringify(sampleInput(55, "longest")));
    // WHEN it is synthesized into the same place
    const { status, stdout, stderr } = await runApp({ PIPELINE_CONFIG: big }, earlier.outdir);
    // THEN one line per limit, naming what and how big, exit 1, and the earlier output untouched
    expect(status).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([
      `Config ${big} would exceed AWS limits (nothing was written):`,
      expect.stringMatching(/^ {2}- pipeline-account: the policy of bucket abcdefghijkl-artifacts-222222222222-ap-northeast-1 would be 23,448 bytes; AWS allows 20,480 \(/),
      expect.stringMatching(/^ {2}- pipeline-account: the inline policies of role task-execution would be 17,343 characters; AWS allows 10,240 \(/),
    ]);
    expect(stdout).not.toContain("Wrote");
    expect(fs.readFileSync(path.join(earlier.outdir, "stacks", "pipeline-account", "cdk.tf.json"), "utf8")).toBe(before);
    expect(fs.readdirSync(path.dirname(earlier.outdir)).filter((f) => f.includes(".synth-"))).toEqual([]);
  });
});
