/** Small pieces of GitHub-flavoured Markdown that summary.md is made of. */

/** A table cell: pipes escaped, line breaks flattened. */
export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Inline code, for addresses and attribute names. */
export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)];
}

/**
 * `lines` as they are when there are at most `limit` of them, else folded under a `<details>`
 * whose summary says what is inside, so a long list does not bury what follows it.
 */
export function collapsible(summary: string, lines: readonly string[], limit: number): string[] {
  if (lines.length <= limit) return [...lines];
  return [`<details><summary>${summary}</summary>`, "", ...lines, "", "</details>"];
}
