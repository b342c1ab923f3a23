/**
 * The docs' generated blocks: each sits between `<!-- <name>:start ... -->` and
 * `<!-- <name>:end -->` in one page (README.md, CONTRIBUTING.md or a page of docs/), is written by
 * the command its start marker names, and is checked by a test or a command against what the code
 * generates now. BLOCKS says which page holds which block, so a writer and its test cannot look in
 * different places.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

/** The pages, by what they are about (paths relative to the repository root). */
export const PAGES = {
  readme: "README.md",
  config: "docs/config.md",
  security: "docs/security-model.md",
  deploying: "docs/deploying.md",
  planReview: "docs/plan-review.md",
  doctor: "docs/doctor.md",
  preflight: "docs/preflight.md",
} as const;

export type Page = (typeof PAGES)[keyof typeof PAGES];

/** Every block, and the page that holds it. */
export const BLOCKS = {
  /** The example's "who can do what" table: npm run verify:access -- --write. */
  "access-table": PAGES.security,
  /** How many pipelines an account holds before each AWS limit: npm run limits -- --write. */
  "limits-table": PAGES.config,
  /** The config's fields, from its JSON Schema: npm run docs. */
  "config-fields": PAGES.config,
  /** A bad config's message, as the app prints it (a code block; __tests__/e2e/main.test.ts runs it). */
  "config-error-sample": PAGES.config,
  /** What the deploying identity needs: npm run docs. */
  "deploy-permissions": PAGES.deploying,
  /** The read-only policies doctor needs: npm run docs. */
  "doctor-policy:source": PAGES.doctor,
  "doctor-policy:pipeline": PAGES.doctor,
  /** A real summary.md (a code block; __tests__/terraform/plan-review.test.ts rebuilds it). */
  "summary-sample": PAGES.planReview,
  /** What preflight needs beyond deploying (deploy/calls.ts). */
  "preflight-actions": PAGES.preflight,
} as const satisfies Record<string, Page>;

export type BlockName = keyof typeof BLOCKS;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function pattern(name: string): RegExp {
  return new RegExp(`(<!-- ${escape(name)}:start[^>]*-->\\n)((?:[\\s\\S]*?\\n)?)(<!-- ${escape(name)}:end -->)`);
}

/** The absolute path of a page. */
export function pagePath(page: Page): string {
  return path.join(ROOT, page);
}

export function readPage(page: Page): string {
  return fs.readFileSync(pagePath(page), "utf8");
}

/** The block's current content in `text` (without its last newline); throws, naming `page`, if the block is missing. */
export function readBlock(text: string, name: string, page = "the page"): string {
  const match = pattern(name).exec(text);
  if (!match) throw new Error(`${page} has no ${name} block`);
  return match[2].replace(/\n$/, "");
}

/** `text` with the block's content replaced. */
export function writeBlock(text: string, name: string, content: string, page = "the page"): string {
  readBlock(text, name, page);
  return text.replace(pattern(name), (_, start: string, _old: string, end: string) => `${start}${content}\n${end}`);
}

/** The block's content, read from its page. */
export function blockContent(name: BlockName): string {
  return readBlock(readPage(BLOCKS[name]), name, BLOCKS[name]);
}

/** Replaces the block's content in its page; returns the page written. Throws, naming the page, if the block is missing. */
export function writeBlockContent(name: BlockName, content: string): Page {
  const page = BLOCKS[name];
  fs.writeFileSync(pagePath(page), writeBlock(readPage(page), name, content, page));
  return page;
}

/** The code block inside a block (its fenced content, without the fences). */
export function fencedContent(block: string): string {
  const match = /^```\w*\n([^]*?)^```$/m.exec(block);
  if (!match) throw new Error("the block holds no fenced code block");
  return match[1];
}
