/**
 * README.md's generated blocks: each sits between `<!-- <name>:start ... -->` and
 * `<!-- <name>:end -->`, is written by the command the start marker names, and is checked by a
 * test or a command against what the code generates now.
 */
import * as fs from "fs";
import * as path from "path";

export const README = path.join(__dirname, "..", "README.md");

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function pattern(name: string): RegExp {
  return new RegExp(`(<!-- ${escape(name)}:start[^>]*-->\\n)((?:[\\s\\S]*?\\n)?)(<!-- ${escape(name)}:end -->)`);
}

/** The block's current content in `readme` (without its last newline); throws if the block is missing. */
export function readBlock(readme: string, name: string): string {
  const match = pattern(name).exec(readme);
  if (!match) throw new Error(`README.md has no ${name} block`);
  return match[2].replace(/\n$/, "");
}

/** `readme` with the block's content replaced. */
export function writeBlock(readme: string, name: string, content: string): string {
  readBlock(readme, name);
  return readme.replace(pattern(name), (_, start: string, _old: string, end: string) => `${start}${content}\n${end}`);
}

export function readReadme(): string {
  return fs.readFileSync(README, "utf8");
}

/** README.md's "who can do what" block: the example's access table (npm run verify:access -- --write-readme). */
export const ACCESS_TABLE = "access-table";
