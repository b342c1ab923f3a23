import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../test-support/config";

/** Every file under `dir`, by relative path, with its content. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return files;
}

/**
 * Why the cdktf CLI cannot run here, if it cannot, found by loading what it loads: its native
 * module @cdktf/node-pty-prebuilt-multiarch has prebuilds up to Node 22 (ABI 127) only, so on Node
 * 24 and later it loads only where npm built it for that Node (node-gyp, a C++ toolchain and that
 * Node's headers); where it cannot build it, npm leaves out cdktf-cli, an optional dependency.
 * `cdktf --version` is no test: it succeeds without the module. The `node` on PATH is tried, as
 * the CLI's `#!/usr/bin/env node` would.
 */
function cdktfCliProblem(): string | undefined {
  let cli: string;
  try {
    cli = path.dirname(require.resolve("cdktf-cli/package.json", { paths: [ROOT] }));
  } catch {
    return "cdktf-cli is not installed (an optional dependency: npm leaves it out where it cannot build its native module @cdktf/node-pty-prebuilt-multiarch)";
  }
  const probe = `try { require(require.resolve("@cdktf/node-pty-prebuilt-multiarch", { paths: [${JSON.stringify(cli)}] })) }
    catch (e) { console.log(\`Node \${process.version} (ABI \${process.versions.modules}): \${e.message.split("\\nRequire stack")[0].replace(/\\s+/g, " ")}\`) }`;
  const result = spawnSync("node", ["-e", probe], { cwd: ROOT, encoding: "utf8" });
  const problem = result.status === 0 ? result.stdout.trim() : `the node on PATH exited ${result.status}: ${result.stderr.trim().split("\n")[0]}`;
  return problem ? `its native module @cdktf/node-pty-prebuilt-multiarch does not load: ${problem.replace(/\.$/, "")}` : undefined;
}

const cliProblem = cdktfCliProblem();
if (cliProblem) {
  // Straight to stderr: jest shows no console output of a file whose tests are all skipped.
  process.stderr.write(`Skipped ${path.relative(ROOT, __filename)}, the cdktf CLI cannot run here: ${cliProblem}. See docs/runtime.md.\n`);
}

describe("npm run synth runs the app without the cdktf CLI", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "synth-same-"));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  // The two-account example: every kind of stack. One cdktf CLI run costs seconds, so only one.
  (cliProblem ? it.skip : it).each(["config/examples/two-accounts.json"])("writes what cdktf synth writes, for %s", (config) => {
    const env = { ...process.env, CHECKPOINT_DISABLE: "1", PIPELINE_CONFIG: path.join(ROOT, config) };
    const viaApp = path.join(work, `${path.basename(config)}-app`);
    const viaCli = path.join(work, `${path.basename(config)}-cli`);
    // Both over an earlier config's output: its stack goes, what Terraform keeps in a stack's directory stays.
    for (const dir of [viaApp, viaCli]) {
      fs.mkdirSync(path.join(dir, "stacks", "pipeline-account"), { recursive: true });
      fs.writeFileSync(path.join(dir, "stacks", "pipeline-account", "cdk.tf.json"), "{}");
      fs.mkdirSync(path.join(dir, "stacks", "source-account", ".terraform"), { recursive: true });
      fs.writeFileSync(path.join(dir, "stacks", "source-account", ".terraform", "marker"), "");
    }
    const app = spawnSync("npm", ["run", "-s", "synth"], { cwd: ROOT, env: { ...env, CDKTF_OUTDIR: viaApp }, encoding: "utf8" });
    expect(app.status).toBe(0);
    // The binary `npx cdktf` runs, without npx's own start-up (about 2 s of CPU).
    const cli = spawnSync(path.join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--output", viaCli], { cwd: ROOT, env, encoding: "utf8" });
    expect(cli.status).toBe(0);
    const expected = tree(viaCli);
    expect(Object.keys(expected)).toContain("stacks/source-account/cdk.tf.json");
    expect(Object.keys(expected)).toContain("stacks/source-account/.terraform/marker");
    expect(Object.keys(expected)).not.toContain("stacks/pipeline-account/cdk.tf.json");
    expect(tree(viaApp)).toEqual(expected);
  });
});
