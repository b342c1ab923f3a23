/**
 * Two synthesized outputs (cdktf.out directories) compared as JSON, file by file, but for the
 * framework's version stamp: `"//".metadata.version` of each stack's cdk.tf.json (Terraform ignores
 * keys named "//") and `version` in manifest.json. That stamp is all a framework switch may change
 * (the fork also writes an empty list as [] on one line: JSON, not bytes, is compared).
 */
import * as fs from "fs";
import * as path from "path";

export interface SynthComparison {
  /** One line per difference: the file, and where in it. Empty when the outputs are the same. */
  readonly differences: readonly string[];
  /** The version stamps each side carries, in the order found (each should hold one). */
  readonly stamps: readonly [readonly string[], readonly string[]];
  /** How many files each side has. */
  readonly files: number;
}

/** Every file under `dir`, by path relative to it, `/`-separated. */
function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `doc` without its version stamp, and the stamp. */
function unstamped(file: string, doc: Json): { doc: Json; stamp: string | undefined } {
  const copy = structuredClone(doc) as Record<string, Json>;
  if (path.posix.basename(file) === "manifest.json" && typeof copy.version === "string") {
    const stamp = copy.version;
    delete copy.version;
    return { doc: copy, stamp };
  }
  const metadata = (copy["//"] as Record<string, Json> | undefined)?.metadata as Record<string, Json> | undefined;
  if (metadata && typeof metadata.version === "string") {
    const stamp = metadata.version;
    delete metadata.version;
    return { doc: copy, stamp };
  }
  return { doc: copy, stamp: undefined };
}

function show(value: Json | undefined): string {
  const text = value === undefined ? "(absent)" : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The JSON path of the first place `a` and `b` differ, with both values; undefined when equal. */
export function firstDifference(a: Json | undefined, b: Json | undefined, at = "$"): string | undefined {
  if (a === b) return undefined;
  const bothObjects = typeof a === "object" && a !== null && typeof b === "object" && b !== null;
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) return `${at}: ${show(a)} vs ${show(b)}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const found = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  const ao = a as Record<string, Json>;
  const bo = b as Record<string, Json>;
  for (const key of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
    const found = firstDifference(ao[key], bo[key], `${at}[${JSON.stringify(key)}]`);
    if (found) return found;
  }
  return undefined;
}

/** Compares the synthesized outputs in directories `a` and `b`, labelled `labels` in the differences. */
export function compareSynth(a: string, b: string, labels: readonly [string, string] = ["a", "b"]): SynthComparison {
  const [filesA, filesB] = [listFiles(a), listFiles(b)];
  const differences: string[] = [];
  const stamps: [string[], string[]] = [[], []];
  for (const file of [...new Set([...filesA, ...filesB])].sort()) {
    if (!filesA.includes(file) || !filesB.includes(file)) {
      differences.push(`${file}: only in ${filesA.includes(file) ? labels[0] : labels[1]}`);
      continue;
    }
    const [textA, textB] = [a, b].map((dir) => fs.readFileSync(path.join(dir, file), "utf8"));
    if (!file.endsWith(".json")) {
      if (textA !== textB) differences.push(`${file}: differs`);
      continue;
    }
    const [left, right] = [textA, textB].map((text) => unstamped(file, JSON.parse(text) as Json));
    for (const [i, side] of [left, right].entries()) {
      if (side.stamp !== undefined && !stamps[i].includes(side.stamp)) stamps[i].push(side.stamp);
    }
    const found = firstDifference(left.doc, right.doc);
    if (found) differences.push(`${file}: ${found.replace(/ vs /, ` (${labels[0]}) vs `)} (${labels[1]})`);
  }
  return { differences, stamps, files: filesA.length };
}
