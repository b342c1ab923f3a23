/**
 * plans/manifest.json: what a set of plans was made from, so that `npm run deploy -- --plans <dir>`
 * applies them only to what they were made for. `npm run plan` writes it beside the plans: the
 * config (path and hash), each synthesized stack's hash, the Terraform and provider versions, the
 * backend, whether the plans were made offline, and per stack the state (lineage and serial) it
 * was planned against, whose outputs of source-account it read, and the hash of each file.
 * Written whole (a temporary file renamed over it), and last: a directory with a manifest holds
 * every file it lists.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { BackendConfig, Config } from "../config/schema";
import type { SourceOutputs, StateVersion, Versions } from "./orchestrate";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_FORMAT = 1;

export interface ManifestStack {
  readonly stack: string;
  readonly accountId: string;
  /** sha256 of the synthesized cdk.tf.json. */
  readonly synthesized: string;
  /** The state planned against; null when the stack had none (never applied), and offline. */
  readonly state: StateVersion | null;
  readonly result: "planned" | "failed" | "skipped";
  /** Whether the plan changes anything (resources or outputs). */
  readonly changes: boolean;
  /** For a pipeline-account stack: whose outputs of source-account its plan read. */
  readonly sourceOutputs?: SourceOutputs;
  /** Each file of this stack in the directory (`<stack>.tfplan`, `.json`, `.txt`), to its sha256. */
  readonly files: Readonly<Record<string, string>>;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly config: { readonly path: string; readonly sha256: string };
  /** Made with `--offline`: mock credentials and empty state, never to apply. */
  readonly offline: boolean;
  readonly terraform: string;
  readonly providers: Readonly<Record<string, string>>;
  readonly backend: BackendConfig;
  /** In deploy order. */
  readonly stacks: readonly ManifestStack[];
}

/** A manifest that cannot be read: the message says what to do. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** The config as validated (defaults filled in), whatever its formatting: the same config gives the same hash. */
export function configHash(config: Config): string {
  return sha256(JSON.stringify(canonical(config)));
}

export function fileHash(file: string): string {
  return sha256(fs.readFileSync(file));
}

export interface StackFacts {
  readonly stack: string;
  readonly accountId: string;
  /** The synthesized cdk.tf.json. */
  readonly synthesized: string;
  readonly state: StateVersion | null;
  readonly result: ManifestStack["result"];
  readonly changes: boolean;
  readonly sourceOutputs?: SourceOutputs;
}

/** The manifest of the plans in `dir` (their files hashed as they are there). */
export function buildManifest(
  dir: string,
  run: { config: Config; configPath: string; offline: boolean; versions: Versions; stacks: readonly StackFacts[] },
): Manifest {
  return {
    format: MANIFEST_FORMAT,
    config: { path: run.configPath, sha256: configHash(run.config) },
    offline: run.offline,
    terraform: run.versions.terraform,
    providers: run.versions.providers,
    backend: run.config.backend,
    stacks: run.stacks.map(({ synthesized, ...s }) => {
      const files = [".tfplan", ".json", ".txt"]
        .map((ext) => `${s.stack}${ext}`)
        .filter((name) => fs.existsSync(path.join(dir, name)))
        .map((name) => [name, fileHash(path.join(dir, name))]);
      return { ...s, synthesized: fileHash(synthesized), files: Object.fromEntries(files) };
    }),
  };
}

/** Writes `<dir>/manifest.json` whole: a temporary file beside it, renamed over it. */
export function writeManifest(dir: string, manifest: Manifest): void {
  const file = path.join(dir, MANIFEST_FILE);
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(partial, file);
}

/** The manifest of `dir`; undefined when there is none (plans made before manifests existed, or not by npm run plan). */
export function readManifest(dir: string): Manifest | undefined {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ManifestError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(text) as Partial<Manifest>;
  } catch (e) {
    throw new ManifestError(`${file} is not JSON (${(e as Error).message}): plan again (npm run plan)`);
  }
  if (manifest?.format !== MANIFEST_FORMAT || !Array.isArray(manifest.stacks) || typeof manifest.config?.sha256 !== "string") {
    throw new ManifestError(`${file} is not a manifest this version reads (format ${MANIFEST_FORMAT}): plan again (npm run plan)`);
  }
  return manifest as Manifest;
}

const short = (hash: string) => hash.slice(0, 12);

/**
 * What makes the plans unusable for `config` before anything is synthesized: made offline, or for
 * another backend or config. Each problem is one line.
 */
export function configProblems(manifest: Manifest, config: Config, configPath: string): string[] {
  if (manifest.offline) {
    return [
      "they were made offline (npm run plan -- --offline): with mock credentials and empty state, they would create every resource again. " +
        "Plan against the real accounts (npm run plan) and deploy those plans",
    ];
  }
  const problems: string[] = [];
  if (JSON.stringify(canonical(manifest.backend)) !== JSON.stringify(canonical(config.backend))) {
    problems.push(`the backend changed: planned with ${JSON.stringify(manifest.backend)}, the config now has ${JSON.stringify(config.backend)}`);
  }
  const hash = configHash(config);
  if (manifest.config.sha256 !== hash) {
    problems.push(
      `the config changed: they were planned for ${manifest.config.path} (sha256 ${short(manifest.config.sha256)}), ` +
        `and ${configPath} is another (sha256 ${short(hash)})`,
    );
  }
  return problems;
}

/** Stacks whose synthesized JSON differs from what was planned: the code or the config changed. */
export function stackProblems(manifest: Manifest, synthesized: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [stack, file] of synthesized) {
    const planned = manifest.stacks.find((s) => s.stack === stack);
    if (!planned) {
      problems.push(`${stack} was not planned: the plans have ${manifest.stacks.map((s) => s.stack).join(", ")}`);
      continue;
    }
    const hash = fileHash(file);
    if (planned.synthesized !== hash) {
      problems.push(`${stack} changed since it was planned: its synthesized cdk.tf.json is another (sha256 ${short(planned.synthesized)} then, ${short(hash)} now)`);
    }
  }
  return problems;
}

/** Terraform or a provider of another version than the plans were made with. */
export function versionProblems(manifest: Manifest, now: Versions): string[] {
  const problems: string[] = [];
  if (manifest.terraform !== now.terraform) problems.push(`Terraform is ${now.terraform}; the plans were made with ${manifest.terraform}`);
  for (const [provider, version] of Object.entries(manifest.providers)) {
    if (now.providers[provider] !== version) {
      problems.push(`provider ${provider} is ${now.providers[provider] ?? "not installed"}; the plans were made with ${version}`);
    }
  }
  return problems;
}

function describeState(state: StateVersion | null): string {
  return state ? `serial ${state.serial} of lineage ${state.lineage}` : "no state";
}

/** A stack whose state is not the one it was planned against: someone applied (or destroyed, or migrated) in between. */
export function stateProblem(planned: ManifestStack, now: StateVersion | null): string | undefined {
  if (JSON.stringify(planned.state) === JSON.stringify(now)) return undefined;
  return `${planned.stack}'s state changed since it was planned (${describeState(planned.state)} then, ${describeState(now)} now): someone applied in between`;
}

/**
 * Files that are not the ones the manifest lists (another run's, or edited). A missing file is
 * not one of these: what it means depends on the file (deploy says it).
 */
export function fileProblems(dir: string, planned: ManifestStack): string[] {
  return Object.entries(planned.files).flatMap(([name, hash]) => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return [];
    return fileHash(file) === hash ? [] : [`${name} is not the file manifest.json lists (its sha256 differs)`];
  });
}
