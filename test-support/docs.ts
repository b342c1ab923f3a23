/** Reading Markdown pages as GitHub renders them: their heading anchors and their relative links. */
import * as fs from "fs";
import * as path from "path";

/** README.md, CONTRIBUTING.md and docs/*.md, relative to `root`. */
export function docPages(root: string): string[] {
  const docs = fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`);
  return ["README.md", "CONTRIBUTING.md", ...docs].filter((f) => fs.existsSync(path.join(root, f)));
}

/** The text without its fenced code blocks (each line kept, emptied, so line numbers hold). */
function withoutFences(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[^]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ""));
}

/**
 * The anchor GitHub gives a heading (github-slugger): the heading's text as rendered (a link by its
 * text, inline code by its content), lowercased, every character that is not a letter, a mark, a
 * digit, a connector (`_`), a space or a hyphen dropped, and each space a hyphen.
 */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[((?:[^[\]]|\[[^\]]*\])*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .trim();
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Every anchor of a page, in order: a repeated heading gets -1, -2, ... as on GitHub. */
export function anchorsOf(text: string): string[] {
  const seen = new Map<string, number>();
  return [...withoutFences(text).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)].map((m) => {
    const base = slug(m[1]);
    const n = seen.get(base);
    seen.set(base, (n ?? -1) + 1);
    return n === undefined ? base : `${base}-${n + 1}`;
  });
}

interface Link {
  readonly line: number;
  readonly target: string;
}

/** The relative links of a page (not in code), with their line numbers. */
function relativeLinks(text: string): Link[] {
  const prose = withoutFences(text).replace(/`[^`\n]*`/g, "code");
  const lines = prose.split("\n");
  return lines.flatMap((line, i) =>
    [...line.matchAll(/\[(?:[^[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
      .map((m) => ({ line: i + 1, target: m[1] }))
      .filter((l) => !/^[a-z][a-z+.-]*:/i.test(l.target)),
  );
}

/**
 * Each relative link of `page` (relative to `root`) that names no existing file, or a heading its
 * Markdown page does not have: `<page>:<line>: <target>: <what is wrong>`.
 */
export function brokenLinks(root: string, page: string): string[] {
  const text = fs.readFileSync(path.join(root, page), "utf8");
  return relativeLinks(text).flatMap(({ line, target }) => {
    const [file, anchor] = target.split("#", 2) as [string, string | undefined];
    const resolved = file === "" ? path.join(root, page) : path.resolve(path.dirname(path.join(root, page)), decodeURIComponent(file));
    const where = `${page}:${line}: ${target}`;
    if (!resolved.startsWith(root + path.sep) && resolved !== root) return [`${where}: outside the repository`];
    if (!fs.existsSync(resolved)) return [`${where}: no such file`];
    if (anchor === undefined || !resolved.endsWith(".md")) return [];
    return anchorsOf(fs.readFileSync(resolved, "utf8")).includes(anchor) ? [] : [`${where}: no heading with this anchor in ${path.relative(root, resolved)}`];
  });
}
