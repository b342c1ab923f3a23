/**
 * The docs as a reader meets them: README short enough to read before the first command, its one
 * table of commands complete, every relative link and heading anchor between the pages resolving
 * (GitHub's anchor rules), and every generated block where its writer and its test look for it.
 */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_FIELDS_BLOCK, configFieldsBlock } from "../../scripts/config-fields-doc";
import { BLOCKS, blockContent, readBlock } from "../../scripts/doc-blocks";
import { anchorsOf, brokenLinks, docPages } from "../../test-support/docs";
import { ROOT } from "../../test-support/config";

const read = (page: string) => fs.readFileSync(path.join(ROOT, page), "utf8");
const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);

describe("README.md", () => {
  const readme = read("README.md");

  it("is at most 250 lines", () => {
    expect(readme.split("\n").length - 1).toBeLessThanOrEqual(250);
  });

  it("keeps its first promise: the command that synthesizes the example, and the one that runs the tests, first", () => {
    const first = /```sh\n([^]*?)```/.exec(readme)![1];
    expect(first).toMatch(/^npm ci && npm run synth\s/m);
    expect(first).toMatch(/^npm test\s/m);
    // CI runs the test command README gives.
    expect(read(".ci/run")).toMatch(/^npm test$/m);
  });

  it("lists every script of package.json in its table of commands, and none it lacks", () => {
    const section = readme.slice(readme.indexOf("\n## Commands\n"), readme.indexOf("\n## ", readme.indexOf("\n## Commands\n") + 1));
    const listed = [...section.matchAll(/^\| `npm (?:run ([\w:-]+)|(test))\b[^`]*` \|/gm)].map((m) => m[1] ?? m[2]);
    expect([...listed].sort()).toEqual([...scripts].sort());
  });
});

describe("links between the pages", () => {
  it("covers README.md, CONTRIBUTING.md and every page of docs/", () => {
    expect(docPages(ROOT)).toEqual(expect.arrayContaining(["README.md", "CONTRIBUTING.md", "docs/config.md", "docs/security-model.md", "docs/deploying.md"]));
  });

  it("each relative link names a file that exists and, into a page, a heading that exists", () => {
    expect(docPages(ROOT).flatMap((page) => brokenLinks(ROOT, page))).toEqual([]);
  });
});

describe("GitHub's heading anchors", () => {
  it("lowercase, spaces to hyphens, punctuation dropped, inline code and links by their text", () => {
    expect(anchorsOf("# Reading summary.md\n## `npm run deploy`: flags, exit codes\n### [Who](x.md) can do what (verified)\n")).toEqual([
      "reading-summarymd",
      "npm-run-deploy-flags-exit-codes",
      "who-can-do-what-verified",
    ]);
  });

  it("numbers a repeated heading -1, -2, and ignores headings in code blocks", () => {
    expect(anchorsOf("## In CI\n```sh\n# In CI\n```\n## In CI\n## In CI\n")).toEqual(["in-ci", "in-ci-1", "in-ci-2"]);
  });
});

describe("generated blocks", () => {
  it("each is in the page BLOCKS names, and no page holds a block BLOCKS does not know", () => {
    for (const [name, page] of Object.entries(BLOCKS)) expect(() => readBlock(read(page), name, page)).not.toThrow();
    const found = docPages(ROOT).flatMap((page) => [...read(page).matchAll(/<!-- ([\w:-]+):start\b/g)].map((m) => `${m[1]} in ${page}`));
    expect(found.sort()).toEqual(Object.entries(BLOCKS).map(([name, page]) => `${name} in ${page}`).sort());
  });

  it("docs/config.md's field table is the schema's (npm run docs rewrites it)", () => {
    expect(blockContent(CONFIG_FIELDS_BLOCK)).toBe(configFieldsBlock());
  });
});
