/** `npm run framework -- cdktn|cdktf`: switches the framework (scripts/framework.ts says what that changes). */
import * as path from "path";
import { parseCommandLine, runCommand, UsageError, UserError } from "../commands/cli";
import { FrameworkError, FRAMEWORKS, FRAMEWORK_NAMES, isFramework, switchFramework, SwitchError } from "./framework";
import { npmCommand, runStep } from "./steps";

const ROOT = path.join(__dirname, "..");

const SPEC = {
  name: "npm run framework",
  usage: `Usage: npm run framework -- cdktn|cdktf

Switches the framework the app is built on, in this checkout:
  cdktn  CDK Terrain 0.24.0, the maintained fork of CDKTF, installed under the name cdktf
  cdktf  CDK for Terraform 0.21.0 (the default)

It changes package.json's "cdktf" dependency line and package-lock.json, and installs; no source
file, no config and no state. The synthesized stacks are the same but for the framework's version
stamp in "//" (which Terraform ignores), so a deployed project plans no changes. The AWS provider
bindings stay @cdktf/provider-aws 20.1.0 (AWS provider 5.100), and the cdktf CLI 0.21.0 stays for
\`cdktf synth\` and \`cdktf deploy\`. Switching back restores both files byte for byte. On a failure
both files are written back as they were. docs/runtime.md has the rest.

Exit codes: 0 switched (or nothing to do), 1 bad argument or the install failed.

  -h, --help  This text.
`,
  options: {},
} as const;

runCommand(SPEC, async ({ signal }) => {
  const argv = process.argv.slice(2);
  const positionals = argv.filter((arg) => !arg.startsWith("-"));
  if (!parseCommandLine(SPEC, argv.filter((arg) => arg.startsWith("-")))) return 0;
  const expected = `expected ${FRAMEWORK_NAMES.join(" or ")}`;
  if (positionals.length === 0) throw new UsageError(`which framework? ${expected}`);
  if (positionals.length > 1) throw new UsageError(`one framework, got ${positionals.map((p) => JSON.stringify(p)).join(" ")}; ${expected}`);
  const [to] = positionals;
  if (!isFramework(to)) throw new UsageError(`got ${JSON.stringify(to)}; ${expected}`);

  const install = async (omitResolved: boolean | undefined) => {
    // The lock file keeps the form it has (with or without `resolved` URLs), whatever the npm
    // config of whoever switches.
    const keep = omitResolved === undefined ? [] : [`--omit-lockfile-registry-resolved=${omitResolved}`];
    const args = [...npmCommand(), "install", "--no-audit", "--no-fund", "--loglevel=error", ...keep];
    const result = await runStep(args, { cwd: ROOT, signal, capture: true });
    if (signal.aborted) throw signal.reason;
    if (result.code !== 0) {
      process.stderr.write(result.output);
      throw new Error(`npm install failed (exit ${result.code})`);
    }
  };
  let result;
  try {
    result = await switchFramework(ROOT, to, install);
  } catch (e) {
    if (!(e instanceof FrameworkError)) throw e;
    // An interrupt is reported as such by runCommand: say first what was put back.
    if (signal.aborted && e instanceof SwitchError) process.stderr.write(`${SPEC.name}: ${e.message}\n`);
    throw new UserError(e.message);
  }
  if (result.installs === 0) {
    console.log(`Already on ${FRAMEWORKS[to].title}: nothing to do.`);
    return 0;
  }
  const other = FRAMEWORK_NAMES.find((name) => name !== to);
  console.log(
    result.from === to
      ? `node_modules now holds ${FRAMEWORKS[to].title}, as package.json says (${result.installs} npm installs).`
      : `Now on ${FRAMEWORKS[to].title}, was ${FRAMEWORKS[result.from].title}: package.json's "cdktf" line and ` +
          `package-lock.json changed (${result.installs} npm installs until the lock file settled). Back: npm run framework -- ${other}`,
  );
  return 0;
});
