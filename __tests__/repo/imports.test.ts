/**
 * Structural rules the benchmark depends on and the framework move needs: no barrel import of the
 * provider (2 s and 450 MB per process), and framework packages imported in two files only.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../test-support/config";

function sources(dir = ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (["node_modules", "cdktf.out", ".git", ".terraform"].includes(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [full] : [];
  });
}

const files = sources().map((file) => ({ file: path.relative(ROOT, file), text: fs.readFileSync(file, "utf8") }));

/** Module specifiers of import/export-from statements and require calls. */
function specifiers(text: string): string[] {
  const found = [...text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
  return found;
}

describe("imports", () => {
  it("finds the sources it checks", () => {
    expect(files.map((f) => f.file)).toEqual(expect.arrayContaining(["main.ts", "lib/aws.ts", "stacks/app.ts"]));
  });

  it("never imports the @cdktf/provider-aws barrel", () => {
    const barrel = files.filter((f) => specifiers(f.text).some((s) => s === "@cdktf/provider-aws" || s === "@cdktf/provider-aws/lib"));
    expect(barrel.map((f) => f.file)).toEqual([]);
  });

  it("imports the CDKTF framework only in lib/cdktf.ts and lib/aws.ts", () => {
    const framework = /^(cdktf|constructs|@cdktf\/provider-aws)(\/|$)/;
    const importing = files.filter((f) => specifiers(f.text).some((s) => framework.test(s))).map((f) => f.file);
    expect(importing.sort()).toEqual(["lib/aws.ts", "lib/cdktf.ts"]);
  });
});
