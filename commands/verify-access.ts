/**
 * `npm run verify:access`: renders every stack with the real AWS provider (offline), then
 * simulates every request of the permission chain and every request that must be denied.
 * Prints a table; exits non-zero on any mismatch, or when README.md's table is out of date.
 *
 *   --write-readme   update README.md's "who can do what" table instead of checking it
 */
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../config/load";
import { ACCESS_TABLE, README, readBlock, writeBlock } from "../scripts/readme";
import {
  configPathFromEnv,
  DEFAULT_CONFIG,
  makeTempDir,
  parseCommandLine,
  ROOT,
  runCommand,
  stopIfInterrupted,
  UserError,
  type CommandContext,
} from "./cli";

const USAGE = `Usage: npm run verify:access [-- --write-readme]

Renders every stack with the real AWS provider (offline), then simulates every request of the
permission chain, and every request that must be denied, on the policies as rendered. Prints the
table; exits 1 on any mismatch. With the example config, also checks that README.md's
"who can do what" table is this table.

  --write-readme  Write the table into README.md instead of checking it. Only with the example
                  config: README.md documents the example.
  -h, --help      This text.

Config: PIPELINE_CONFIG=path/to/config.json (default: config/example.json; relative to the
directory you run npm in).
`;

const SPEC = {
  name: "npm run verify:access",
  usage: USAGE,
  options: { "write-readme": { type: "boolean" } },
} as const;

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

async function main({ signal }: CommandContext): Promise<number> {
  const args = parseCommandLine(SPEC, process.argv.slice(2));
  if (!args) return 0;
  const configPath = configPathFromEnv();
  const isExample = samePath(configPath, DEFAULT_CONFIG);
  const writeReadme = args["write-readme"] ?? false;
  if (writeReadme && !isExample) {
    throw new UserError(
      `--write-readme writes README.md's table, which documents the example config, but PIPELINE_CONFIG names ${configPath}; ` +
        "run it without PIPELINE_CONFIG",
    );
  }
  const readme = fs.readFileSync(README, "utf8");
  if (isExample) {
    try {
      readBlock(readme, ACCESS_TABLE);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }

  const config = loadConfig(configPath);
  const work = makeTempDir("verify-access-");
  // Loaded once the arguments and the config are known good: --help and mistakes answer at once.
  const [{ verifyAccess }, { markdownTable, textTable }, { renderStacks }] = await Promise.all([
    import("../access/verify"),
    import("../access/simulate"),
    import("../terraform/render"),
  ]);
  try {
    process.stderr.write("Rendering every stack with Terraform (offline)\n");
    const rendered = await renderStacks(config, work.dir, ROOT, signal);
    process.stderr.write("Simulating every request on the policies as rendered\n");
    const outcomes = await verifyAccess(config, rendered);
    // Interrupted after the render: no table, no count, as if the run had finished.
    await stopIfInterrupted(signal);
    console.log(textTable(outcomes));
    const mismatches = outcomes.filter((o) => !o.ok).length;
    console.log(`\n${outcomes.length} requests simulated on the policies as rendered for ${configPath}: ${mismatches} mismatches.`);

    if (writeReadme) {
      fs.writeFileSync(README, writeBlock(readme, ACCESS_TABLE, markdownTable(outcomes)));
    } else if (isExample && readBlock(readme, ACCESS_TABLE) !== markdownTable(outcomes)) {
      console.error("README.md's who-can-do-what table is out of date: run npm run verify:access -- --write-readme");
      return 1;
    }
    return mismatches === 0 ? 0 : 1;
  } finally {
    work.remove();
  }
}

runCommand(SPEC, main);
