/**
 * `npm run verify:access`: renders every stack with the real AWS provider (offline), then
 * simulates every request of the permission chain and every request that must be denied.
 * Prints a table; exits non-zero on any mismatch, or when the "who can do what" table of
 * docs/security-model.md is out of date (`--write` rewrites it).
 */
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../config/load";
import { BLOCKS, pagePath, readBlock, readPage, writeBlock } from "../scripts/doc-blocks";
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

const ACCESS_TABLE = "access-table";
const PAGE = BLOCKS[ACCESS_TABLE];

const USAGE = `Usage: npm run verify:access [-- --write]

Renders every stack with the real AWS provider (offline), then simulates every request of the
permission chain, and every request that must be denied, on the policies as rendered. Prints the
table; exits 1 on any mismatch. With the example config, also checks that the "who can do what"
table of ${PAGE} is this table.

  --write     Write the table into ${PAGE} instead of checking it. Only with
              the example config: the page documents the example.
  -h, --help  This text.

Config: PIPELINE_CONFIG=path/to/config.json (default: config/example.json; relative to the
directory you run npm in).
`;

const SPEC = {
  name: "npm run verify:access",
  usage: USAGE,
  options: { write: { type: "boolean" } },
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
  const write = args.write ?? false;
  if (write && !isExample) {
    throw new UserError(
      `--write writes the table of ${PAGE}, which documents the example config, but PIPELINE_CONFIG names ${configPath}; ` +
        "run it without PIPELINE_CONFIG",
    );
  }
  const page = readPage(PAGE);
  if (isExample) {
    try {
      readBlock(page, ACCESS_TABLE, PAGE);
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

    if (write) {
      fs.writeFileSync(pagePath(PAGE), writeBlock(page, ACCESS_TABLE, markdownTable(outcomes), PAGE));
    } else if (isExample && readBlock(page, ACCESS_TABLE, PAGE) !== markdownTable(outcomes)) {
      console.error(`The who-can-do-what table of ${PAGE} is out of date: run npm run verify:access -- --write`);
      return 1;
    }
    return mismatches === 0 ? 0 : 1;
  } finally {
    work.remove();
  }
}

runCommand(SPEC, main);
