/**
 * The top-level `help` file lists every command package.json has, and nothing else; `npm run help`
 * prints it. The cdktf commands the docs give work offline as given.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../test-support/config";

const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
const help = fs.readFileSync(path.join(ROOT, "help"), "utf8");

/** The scripts `text` tells the user to run: `npm run <name>`, and `npm test`. */
function scriptsNamed(text: string): string[] {
  const names = [...text.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]);
  return [...new Set([...names, ...(/\bnpm test\b/.test(text) ? ["test"] : [])])].sort();
}

describe("help", () => {
  it("lists every script of package.json", () => {
    expect(scripts.filter((s) => !scriptsNamed(help).includes(s))).toEqual([]);
  });

  it("lists no script package.json lacks", () => {
    expect(scriptsNamed(help).filter((s) => !scripts.includes(s))).toEqual([]);
  });

  it("is what npm run help prints", () => {
    const script = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.help;
    // What npm runs: the script, by sh, in the package root.
    const printed = spawnSync("sh", ["-c", script], { cwd: ROOT, encoding: "utf8" });
    expect(printed.stderr).toBe("");
    expect(printed.stdout).toBe(help);
  });
});

/** The commands a Markdown page gives: its inline code and its code blocks, not its sample output (```text). */
function markdownCommands(text: string): string[] {
  const blocks = [...text.matchAll(/^```(\w*)\n([^]*?)^```/gm)];
  const commands = blocks.filter((b) => b[1] !== "text").flatMap((b) => b[2].split("\n"));
  const prose = text.replace(/^```\w*\n[^]*?^```/gm, "");
  return [...commands, ...[...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1])];
}

describe("cdktf commands in the docs", () => {
  const docs = fs.existsSync(path.join(ROOT, "docs")) ? fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f)) : [];
  const pages = ["README.md", "CONTRIBUTING.md", ...docs].filter((f) => fs.existsSync(path.join(ROOT, f)));

  // Without it, the cdktf CLI asks HashiCorp's checkpoint service for news before doing anything,
  // and offline prints the failed lookup (DESIGN.md: CHECKPOINT_DISABLE, not CDKTF_DISABLE_TELEMETRY).
  const sources: [string, string[]][] = [
    ["help", help.split("\n")],
    ...pages.map((page): [string, string[]] => [page, markdownCommands(fs.readFileSync(path.join(ROOT, page), "utf8"))]),
  ];
  it.each(sources)("%s: every npx cdktf runs with CHECKPOINT_DISABLE=1", (_, commands) => {
    expect(commands.filter((c) => /(?<!CHECKPOINT_DISABLE=1 )npx cdktf\b/.test(c))).toEqual([]);
  });
});
