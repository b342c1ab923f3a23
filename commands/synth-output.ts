/**
 * Synthesizing into the output directory (cdktf.out) the way `cdktf synth` leaves it, but never
 * half written: the stacks are synthesized into a fresh directory beside it, which then replaces
 * it by renames. The previous output stays whole until that moment, and is kept whole when
 * anything fails. As `cdktf synth` does, the stack directories of stacks the config no longer has
 * go, and what Terraform keeps in a remaining stack's directory (`.terraform/`, the lock file)
 * moves over, as do files of others at the top (a running plan's lock).
 */
import * as fs from "fs";
import * as path from "path";
import { stackNames } from "../config/accounts";
import type { Config } from "../config/schema";
import type { StackPaths } from "../stacks/backend";
import { errorCode, makeTempDir, shownPath, UserError } from "./cli";

export interface SynthOutput {
  /** Each stack's synthesized file, in deploy order. */
  readonly files: readonly string[];
  /** Set when the previous output could not be removed after the new one replaced it: where it was left. */
  readonly leftOver?: string;
}

export interface SynthOptions {
  /**
   * Keep the directories of stacks the config no longer has. For the cdktf CLI, which lists the
   * stack directories before running the app and removes the ones it did not synthesize after,
   * failing on one that is gone already.
   */
  readonly keepStaleStacks?: boolean;
  /** How messages name the config (its path), for a config the stacks show to be over an AWS limit. */
  readonly source?: string;
}

const MANIFEST = "manifest.json";
const STACKS = "stacks";
const UNCHANGED = "the previous output is unchanged";

function entries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

/** Fails with one line unless this process can create entries in `dir`: tried, not guessed from modes. */
function checkWritable(outdir: string, dir: string, previous: boolean): void {
  try {
    fs.rmdirSync(fs.mkdtempSync(path.join(dir, ".write-check-")));
  } catch (e) {
    throw new UserError(`cannot write ${shownPath(outdir)}: ${shownPath(dir)} is not writable (${errorCode(e)})${previous ? `; ${UNCHANGED}` : ""}`);
  }
}

/**
 * The directories of `outdir` a synth replaces (itself, stacks/, each stack's) and the files in
 * them, each of which this process must be able to change: a file is opened for writing (which
 * creates and changes nothing).
 */
function checkReplaceable(outdir: string): void {
  const stacks = path.join(outdir, STACKS);
  const dirs = [outdir, ...(fs.existsSync(stacks) ? [stacks] : []), ...entries(stacks).filter((e) => e.isDirectory()).map((e) => path.join(stacks, e.name))];
  for (const dir of dirs) {
    checkWritable(outdir, dir, true);
    for (const entry of entries(dir).filter((e) => e.isFile())) {
      const file = path.join(dir, entry.name);
      try {
        fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY));
      } catch (e) {
        throw new UserError(`cannot write ${shownPath(outdir)}: ${shownPath(file)} is not writable (${errorCode(e)}); ${UNCHANGED}`);
      }
    }
  }
}

interface Move {
  readonly from: string;
  readonly to: string;
}

/** What of the previous output `fresh` takes over: whatever the synth did not write, but stale stacks. */
function carriedOver(previous: string, fresh: string, keepStaleStacks: boolean): Move[] {
  const moves: Move[] = [];
  const freshStacks = new Set(entries(path.join(fresh, STACKS)).map((e) => e.name));
  for (const entry of entries(previous)) {
    if (entry.name === MANIFEST || entry.name === STACKS) continue;
    moves.push({ from: path.join(previous, entry.name), to: path.join(fresh, entry.name) });
  }
  for (const entry of entries(path.join(previous, STACKS))) {
    const from = path.join(previous, STACKS, entry.name);
    const to = path.join(fresh, STACKS, entry.name);
    if (!freshStacks.has(entry.name)) {
      if (keepStaleStacks || !entry.isDirectory()) moves.push({ from, to });
      continue;
    }
    const written = new Set(entries(to).map((e) => e.name));
    for (const inside of entries(from)) {
      if (!written.has(inside.name)) moves.push({ from: path.join(from, inside.name), to: path.join(to, inside.name) });
    }
  }
  return moves;
}

/** Moves back what `moves` moved, last first; a move that fails is told, not hidden. */
function undo(done: readonly Move[]): string[] {
  const failed: string[] = [];
  for (const { from, to } of [...done].reverse()) {
    try {
      fs.renameSync(to, from);
    } catch (e) {
      failed.push(`${shownPath(to)} (${errorCode(e)})`);
    }
  }
  return failed;
}

/**
 * Synthesizes every stack of `config` into `paths.outdir`, replacing what is there (see the top of
 * this file). A place that cannot be written is a UserError, one line, and stacks over an AWS limit
 * a LimitError, one line per limit; either way the previous output is unchanged. For every command that synthesizes into cdktf.out (npm run synth, cdktf synth through
 * main.ts, npm run plan).
 */
export async function writeSynthOutput(config: Config, paths: StackPaths, options: SynthOptions = {}): Promise<SynthOutput> {
  const outdir = path.resolve(paths.projectRoot, paths.outdir);
  const parent = path.dirname(outdir);
  const name = path.basename(outdir);
  const stat = fs.statSync(outdir, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new UserError(`cannot write ${shownPath(outdir)}: it is a file; expected a directory`);
  if (stat) checkReplaceable(outdir);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot write ${shownPath(outdir)}: cannot create ${shownPath(parent)} (${errorCode(e)})`);
  }
  checkWritable(outdir, parent, stat !== undefined);
  // Loaded once the output is known writable: a place that is not answers without the framework.
  const { buildApp } = await import("../stacks/app");

  // Beside the output, not in the temporary directory: a rename is what makes it whole at once, and
  // a stack's state path is relative to its directory, so the same depth keeps it right.
  const fresh = makeTempDir(`.${name}.synth-`, parent);
  try {
    // mkdtemp makes it private (0700); the output keeps the previous one's mode, or gets a new directory's.
    fs.chmodSync(fresh.dir, stat ? stat.mode & 0o7777 : 0o777 & ~process.umask());
    buildApp(config, { ...paths, outdir: fresh.dir }).app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(fresh.dir, MANIFEST), "utf8")) as { stacks: Record<string, { synthesizedStackPath: string }> };
    const names = stackNames(config);
    // AWS's limits, on what was just written and before it replaces anything: a config over one
    // leaves the previous output as it was (stacks/limits.ts).
    const { checkLimits } = await import("../stacks/limits");
    checkLimits(
      config,
      names.map((stack) => ({ stack, json: JSON.parse(fs.readFileSync(path.join(fresh.dir, manifest.stacks[stack].synthesizedStackPath), "utf8")) })),
      options.source ?? "the config",
    );
    const files = names.map((stack) => path.join(outdir, manifest.stacks[stack].synthesizedStackPath));
    fs.rmSync(fresh.ownerFile);
    if (!stat) {
      fs.renameSync(fresh.dir, outdir);
      return { files };
    }
    const old = replace(outdir, fresh.dir, carriedOver(outdir, fresh.dir, options.keepStaleStacks ?? false));
    try {
      fs.rmSync(old, { recursive: true, force: true });
      return { files };
    } catch {
      return { files, leftOver: old };
    }
  } finally {
    fresh.remove();
  }
}

/**
 * Moves `moves` into `fresh`, then puts `fresh` where `outdir` is; returns where the previous
 * output went. On failure, everything is moved back.
 */
function replace(outdir: string, fresh: string, moves: readonly Move[]): string {
  const done: Move[] = [];
  const aside = fs.mkdtempSync(path.join(path.dirname(outdir), `.${path.basename(outdir)}.old-`));
  let movedAside = false;
  try {
    for (const move of moves) {
      fs.renameSync(move.from, move.to);
      done.push(move);
    }
    // Onto the empty directory just made: a name no other run can take meanwhile.
    fs.renameSync(outdir, aside);
    movedAside = true;
    fs.renameSync(fresh, outdir);
    return aside;
  } catch (e) {
    const stuck: string[] = [];
    try {
      if (movedAside) fs.renameSync(aside, outdir);
      else fs.rmdirSync(aside);
    } catch (back) {
      stuck.push(`${shownPath(aside)} (${errorCode(back)})`);
    }
    stuck.push(...undo(done));
    throw new UserError(
      `cannot write ${shownPath(outdir)}: ${errorCode(e)}; ` + (stuck.length === 0 ? UNCHANGED : `could not put back: ${stuck.join(", ")}`),
    );
  }
}
