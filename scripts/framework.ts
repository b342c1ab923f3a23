/**
 * Which framework the app is built on: CDK for Terraform (cdktf 0.21.0, no longer maintained by
 * HashiCorp) or its maintained fork CDK Terrain (cdktn 0.24.0), installed under the name `cdktf` so
 * that no import changes. What both need is permanent: package.json's `overrides` entry (the
 * provider bindings' peer follows the `cdktf` dependency), a `constructs` range both accept, and the
 * jest stub's exports. A switch therefore changes the value of the `cdktf` dependency and the lock
 * file, nothing else: `npm run framework -- cdktn|cdktf` (scripts/switch-framework.ts).
 */
import * as fs from "fs";
import * as path from "path";

export const FRAMEWORKS = {
  cdktf: { spec: "0.21.0", packageName: "cdktf", version: "0.21.0", title: "CDK for Terraform (cdktf 0.21.0)" },
  cdktn: { spec: "npm:cdktn@0.24.0", packageName: "cdktn", version: "0.24.0", title: "CDK Terrain (cdktn 0.24.0, installed as cdktf)" },
} as const;

export type Framework = keyof typeof FRAMEWORKS;

export const FRAMEWORK_NAMES = Object.keys(FRAMEWORKS) as Framework[];

export function isFramework(name: string): name is Framework {
  return Object.hasOwn(FRAMEWORKS, name);
}

/** The framework a `cdktf` dependency spec names, if it is one of the two. */
export function frameworkOfSpec(spec: unknown): Framework | undefined {
  return FRAMEWORK_NAMES.find((name) => FRAMEWORKS[name].spec === spec);
}

/** package.json or the lock file is not as the switch expects: one line, naming what it found. */
export class FrameworkError extends Error {
  override name = "FrameworkError";
}

const EXPECTED_SPECS = FRAMEWORK_NAMES.map((name) => `${JSON.stringify(FRAMEWORKS[name].spec)} (${name})`).join(" or ");

/** The framework package.json's `cdktf` dependency names; a FrameworkError naming what it found otherwise. */
export function frameworkOfPackageJson(text: string): Framework {
  const spec = (JSON.parse(text) as { dependencies?: Record<string, string> }).dependencies?.cdktf;
  const framework = frameworkOfSpec(spec);
  if (!framework) {
    throw new FrameworkError(`package.json's "cdktf" dependency is ${JSON.stringify(spec)}; expected ${EXPECTED_SPECS}`);
  }
  return framework;
}

/** The `"dependencies": { ... }` block of package.json as npm writes it (two-space indent). */
const DEPENDENCIES = /\n {2}"dependencies": \{\n[\s\S]*?\n {2}\}/;

/**
 * package.json's text with the `cdktf` dependency set to `to`'s spec: that one line changes, byte
 * for byte nothing else (the overrides entry's "$cdktf" follows it). Throws when the line is not
 * where npm writes it.
 */
export function withFramework(text: string, to: Framework): string {
  const from = frameworkOfPackageJson(text);
  const block = DEPENDENCIES.exec(text);
  const line = `"cdktf": ${JSON.stringify(FRAMEWORKS[from].spec)}`;
  if (!block || block[0].split(line).length !== 2) {
    throw new FrameworkError(`package.json: no line ${line} in "dependencies" to change (is it formatted as npm writes it?)`);
  }
  const changed = block[0].replace(line, `"cdktf": ${JSON.stringify(FRAMEWORKS[to].spec)}`);
  return text.slice(0, block.index) + changed + text.slice(block.index + block[0].length);
}

/** Which framework node_modules holds under the name `cdktf`, if one of the two. */
export function installedFramework(root: string): Framework | undefined {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "node_modules", "cdktf", "package.json"), "utf8"));
    return FRAMEWORK_NAMES.find((name) => FRAMEWORKS[name].packageName === pkg.name && FRAMEWORKS[name].version === pkg.version);
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock file leaves out `resolved` for registry packages (npm's
 * omit-lockfile-registry-resolved), so that an install by anyone's npm writes it the same way;
 * undefined when it has no package to tell by.
 */
export function lockOmitsResolved(lockText: string): boolean | undefined {
  const packages = Object.entries((JSON.parse(lockText) as { packages?: Record<string, Record<string, unknown>> }).packages ?? {});
  const fetched = packages.filter(([key, entry]) => key !== "" && !entry.link && !entry.inBundle && typeof entry.integrity === "string");
  if (fetched.length === 0) return undefined;
  return !fetched.some(([, entry]) => typeof entry.resolved === "string");
}

/** What the switch asks of npm: one `npm install` in the checkout; rejects when npm fails. */
export type Install = (omitResolved: boolean | undefined) => Promise<void>;

/**
 * npm settles the lock file in more than one install here: the first after a switch leaves `dev`
 * flags off some packages that a bundling package (cdktf, cdktn) also carries, and the next one
 * puts them back (the kind of thing npm/npm#16992 describes for bundled dependencies). Installs
 * repeat until the lock file stops changing, so that switching back restores it byte for byte.
 */
export const MAX_INSTALLS = 4;

export interface SwitchResult {
  readonly from: Framework;
  readonly to: Framework;
  /** How many `npm install`s it took (0: nothing to do). */
  readonly installs: number;
}

/** A failed switch: package.json and package-lock.json are back as they were. */
export class SwitchError extends FrameworkError {
  override name = "SwitchError";
}

/**
 * Switches the checkout at `root` to `to`: package.json's `cdktf` line, then `install` until the
 * lock file settles. On any failure package.json and package-lock.json are written back as they
 * were, and the error says whether node_modules needs an `npm ci` to match them again.
 */
export async function switchFramework(root: string, to: Framework, install: Install): Promise<SwitchResult> {
  const packageJson = path.join(root, "package.json");
  const lockFile = path.join(root, "package-lock.json");
  const originalPackage = fs.readFileSync(packageJson, "utf8");
  const from = frameworkOfPackageJson(originalPackage);
  const originalLock = fs.existsSync(lockFile) ? fs.readFileSync(lockFile, "utf8") : undefined;
  if (from === to && installedFramework(root) === to) return { from, to, installs: 0 };
  const omitResolved = originalLock === undefined ? undefined : lockOmitsResolved(originalLock);
  let installs = 0;
  try {
    if (from !== to) fs.writeFileSync(packageJson, withFramework(originalPackage, to));
    for (;;) {
      if (installs === MAX_INSTALLS) throw new Error(`package-lock.json still changed after ${MAX_INSTALLS} npm installs`);
      const before = fs.existsSync(lockFile) ? fs.readFileSync(lockFile, "utf8") : undefined;
      await install(omitResolved);
      installs++;
      if (fs.readFileSync(lockFile, "utf8") === before) break;
    }
  } catch (e) {
    fs.writeFileSync(packageJson, originalPackage);
    if (originalLock === undefined) fs.rmSync(lockFile, { force: true });
    else fs.writeFileSync(lockFile, originalLock);
    const nodeModules = installs > 0 ? "; run npm ci to make node_modules match them again" : "";
    throw new SwitchError(`${(e as Error).message}; package.json and package-lock.json are as they were${nodeModules}`);
  }
  return { from, to, installs };
}
