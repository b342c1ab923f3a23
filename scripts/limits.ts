/**
 * `npm run limits [-- --write]`: how many pipelines fit in one pipeline account before each
 * AWS limit, for the longest names the config accepts and for typical ones, measured on synthesized
 * stacks (stacks/capacity.ts). Prints docs/config.md's limits table, or writes it there. Each figure is
 * measured in a process of its own: a few hundred pipelines' worth of stacks each.
 */
import { spawnSync } from "child_process";
import { parseCommandLine, runCommand, UserError, type CommandContext } from "../commands/cli";
import { LIMITS, type LimitName } from "../stacks/limits";
import { type Capacity, capacity, GROWING, type NameStyle } from "../stacks/capacity";
import { BLOCKS, writeBlockContent } from "./doc-blocks";

export const LIMITS_TABLE = "limits-table" as const;

const USAGE = `Usage: npm run limits [-- --write]

Measures, on synthesized stacks, how many pipelines one pipeline account holds before each AWS
limit that grows with them, for the longest names the config accepts (12-character project,
28-character pipeline names, 256-character repository names) and for typical ones (each pipeline
started by a push and deploying to ECS with one shared task execution role: the most a pipeline
adds). Prints the limits table of ${BLOCKS[LIMITS_TABLE]} (about a minute).

  --write                Write the table into ${BLOCKS[LIMITS_TABLE]} instead of printing it.
  --one <style>:<limit>  One figure as JSON (what the table's processes run), e.g. longest:bucketPolicy.
  -h, --help             This text.
`;

const SPEC = { name: "npm run limits", usage: USAGE, options: { write: { type: "boolean" }, one: { type: "string" } } } as const;

const number = (n: number) => n.toLocaleString("en-US");

/** One figure, in a child process: `--one <style>:<limit>` prints its Capacity as JSON. */
function measured(style: NameStyle, limit: LimitName): Capacity {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, "--one", `${style}:${limit}`], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`measuring ${limit} for ${style} names failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as Capacity;
}

export function renderTable(rows: readonly { what: string; limit: LimitName; longest: Capacity; typical: Capacity }[]): string {
  const lines = [
    "| AWS limit | what grows with the pipelines of one account | longest names | typical names |",
    "|---|---|---|---|",
    ...rows.map(({ what, limit, longest, typical }) => {
      const { limit: max, unit } = LIMITS[limit];
      const cell = (c: Capacity) => `${c.pipelines} (${number(c.sizeAt)}; ${number(c.sizeAbove)} at ${c.pipelines + 1})`;
      return `| ${number(max)} ${unit} | ${what} | ${cell(longest)} | ${cell(typical)} |`;
    }),
  ];
  return lines.join("\n");
}

async function main(_: CommandContext): Promise<number> {
  const args = parseCommandLine(SPEC, process.argv.slice(2));
  if (!args) return 0;
  if (args.one !== undefined) {
    const [style, limit] = args.one.split(":") as [NameStyle, LimitName];
    process.stdout.write(`${JSON.stringify(capacity(limit, style))}\n`);
    return 0;
  }
  const rows = GROWING.map(({ limit, what }) => ({ what, limit, longest: measured("longest", limit), typical: measured("typical", limit) }));
  const table = renderTable(rows);
  if (!args.write) {
    process.stdout.write(`${table}\n`);
    return 0;
  }
  try {
    process.stdout.write(`Wrote the ${LIMITS_TABLE} block of ${writeBlockContent(LIMITS_TABLE, table)}.\n`);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  return 0;
}

runCommand(SPEC, main, 1);
