/**
 * `npm run test:framework`: the switch to CDK Terrain, checked end to end in a copy of this checkout
 * (it installs packages, so it is a CI job, not part of npm test).
 */
import * as fs from "fs";
import * as path from "path";
import { makeTempDir, parseCommandLine, runCommand, UserError } from "../commands/cli";
import { FRAMEWORKS, frameworkOfPackageJson, installedFramework, type Framework, withFramework } from "./framework";
import { npmCommand, copyCheckout, runStep } from "./steps";
import { compareSynth } from "./synth-compare";

const ROOT = path.join(__dirname, "..");

/** The examples both frameworks synthesize: one pipeline account, and two. */
const EXAMPLES = ["config/example.json", "config/examples/two-accounts.json"] as const;

const SPEC = {
  name: "npm run test:framework",
  usage: `Usage: npm run test:framework

Checks the switch to CDK Terrain (npm run framework -- cdktn) end to end, in a copy of this
checkout (what git would commit) in a temporary directory, removed afterwards:

  1. npm ci, then npm run synth of ${EXAMPLES.join(" and ")} with cdktf ${FRAMEWORKS.cdktf.version}
  2. npm run framework -- cdktn: only package.json's "cdktf" line and package-lock.json change
  3. npm run synth of both again: the same JSON but for the version stamp
     ("//".metadata.version and manifest.json's version: ${FRAMEWORKS.cdktf.version} -> ${FRAMEWORKS.cdktn.version})
  4. npm run test:unit on cdktn
  5. npm run framework -- cdktf: package.json and package-lock.json as they were, byte for byte

It installs packages (about a minute and 1 GB): a CI job (.github/workflows/test.yml), not part of
npm test. The checkout must be on cdktf.

Exit codes: 0 every check passed, 1 could not run, 2 a check failed.

  -h, --help  This text.
`,
  options: {},
} as const;

class CheckFailed extends Error {}

runCommand(SPEC, async ({ signal }) => {
  if (!parseCommandLine(SPEC, process.argv.slice(2))) return 0;
  const original = {
    packageJson: fs.readFileSync(path.join(ROOT, "package.json"), "utf8"),
    lock: fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"),
  };
  const from = (() => {
    try {
      return frameworkOfPackageJson(original.packageJson);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  })();
  if (from !== "cdktf") throw new UserError(`this checkout is on ${FRAMEWORKS[from].title}; the check starts from cdktf: npm run framework -- cdktf first`);

  const { dir } = makeTempDir("framework-check-");
  const copy = path.join(dir, "checkout");
  const files = copyCheckout(ROOT, copy);
  console.log(`A copy of this checkout (${files.length} files) in ${copy}`);
  const npm = npmCommand();
  const read = (file: string) => fs.readFileSync(path.join(copy, file), "utf8");
  let failures = 0;
  const pass = (what: string) => console.log(`✓ ${what}`);
  const fail = (what: string) => {
    failures++;
    console.log(`✗ ${what}`);
  };

  async function step(args: readonly string[], env: NodeJS.ProcessEnv = {}, what = ""): Promise<void> {
    const shown = ["npm", ...args].join(" ");
    console.log(`\n== ${shown}${what}`);
    const result = await runStep([...npm, ...args], { cwd: copy, env: { ...process.env, ...env }, signal });
    if (signal.aborted) throw signal.reason;
    if (result.code !== 0) throw new CheckFailed(`${shown} failed (exit ${result.code})`);
  }

  async function synth(framework: Framework): Promise<void> {
    for (const example of EXAMPLES) {
      const out = path.join(dir, framework, path.basename(example, ".json"));
      fs.mkdirSync(path.dirname(out), { recursive: true });
      await step(["run", "-s", "synth"], { PIPELINE_CONFIG: path.join(copy, example), CDKTF_OUTDIR: out }, ` (${example}, ${framework})`);
    }
  }

  try {
    await step(["ci", "--no-audit", "--no-fund"]);
    await synth("cdktf");
    const before = new Map(files.map((file) => [file, read(file)]));

    await step(["run", "-s", "framework", "--", "cdktn"]);
    const changed = files.filter((file) => read(file) !== before.get(file));
    const expectedPackageJson = withFramework(original.packageJson, "cdktn");
    if (installedFramework(copy) !== "cdktn") fail(`node_modules/cdktf is not cdktn ${FRAMEWORKS.cdktn.version} after the switch`);
    else if ([...changed].sort().join(" ") !== "package-lock.json package.json" || read("package.json") !== expectedPackageJson) {
      fail(`the switch changed ${changed.join(", ") || "nothing"}; expected package.json's "cdktf" line and package-lock.json only`);
    } else pass(`npm run framework -- cdktn: package.json's "cdktf" line and package-lock.json changed, nothing else`);

    await synth("cdktn");
    for (const example of EXAMPLES) {
      const name = path.basename(example, ".json");
      const result = compareSynth(path.join(dir, "cdktf", name), path.join(dir, "cdktn", name), ["cdktf", "cdktn"]);
      const stamps = result.stamps.map((s) => s.join(", ") || "none");
      if (result.differences.length > 0) {
        fail(`${example}: cdktn's stacks differ from cdktf's:\n    ${result.differences.join("\n    ")}`);
      } else if (stamps[0] !== FRAMEWORKS.cdktf.version || stamps[1] !== FRAMEWORKS.cdktn.version) {
        fail(`${example}: stamped ${stamps[0]} (cdktf) and ${stamps[1]} (cdktn); expected ${FRAMEWORKS.cdktf.version} and ${FRAMEWORKS.cdktn.version}`);
      } else pass(`${example}: ${result.files} files, the same JSON as cdktf's but the version stamp (${stamps[0]} -> ${stamps[1]})`);
    }

    try {
      await step(["run", "-s", "test:unit"]);
      pass(`npm run test:unit passes on ${FRAMEWORKS.cdktn.title}`);
    } catch (e) {
      if (!(e instanceof CheckFailed)) throw e;
      fail(e.message);
    }

    await step(["run", "-s", "framework", "--", "cdktf"]);
    const restored = ["package.json", "package-lock.json"].filter((file) => read(file) !== before.get(file));
    if (restored.length > 0) fail(`switching back left ${restored.join(" and ")} different from the checkout's`);
    else if (installedFramework(copy) !== "cdktf") fail(`node_modules/cdktf is not cdktf ${FRAMEWORKS.cdktf.version} after switching back`);
    else pass("npm run framework -- cdktf: package.json and package-lock.json as they were, byte for byte");
  } catch (e) {
    if (!(e instanceof CheckFailed)) throw e;
    fail(e.message);
  }
  console.log(failures === 0 ? "\nCDK Terrain: every check passed." : `\n${failures} check(s) failed.`);
  return failures === 0 ? 0 : 2;
});
