/** A copy of this checkout whose node_modules lack the cdktf CLI: what deploy and plan must run without. */
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../config";
import { sandboxCheckout } from "../process";

/** The CLI, its native module and the links npm puts on PATH for it. */
const CLI = new Set([".bin", "cdktf-cli", "@cdktf/cli-core", "@cdktf/node-pty-prebuilt-multiarch"]);
/** Scopes that hold some of them: linked package by package. */
const SCOPES = new Set(["@cdktf"]);

function linkAll(from: string, to: string, prefix = ""): void {
  fs.mkdirSync(to);
  for (const name of fs.readdirSync(from)) {
    if (CLI.has(`${prefix}${name}`)) continue;
    if (SCOPES.has(name)) linkAll(path.join(from, name), path.join(to, name), `${name}/`);
    else fs.symlinkSync(path.join(from, name), path.join(to, name));
  }
}

export function checkoutWithoutCdktfCli(dir: string): string {
  sandboxCheckout(dir);
  fs.rmSync(path.join(dir, "node_modules"));
  linkAll(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}
