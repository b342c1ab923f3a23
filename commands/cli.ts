/**
 * What every command shares at its edges: arguments parsed by Node's own `util.parseArgs` (strict:
 * unknown flags and a flag without its value are errors), `--help` that prints and does nothing
 * else, paths the user gives resolved from where they ran the command, output locations and the
 * temporary directory checked before any work, one run at a time where runs would collide, a clean
 * stop on Ctrl-C or SIGTERM, and one way to end (a one-line error without a stack trace for what
 * the user can fix, an exit code).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs, type ParseArgsConfig } from "util";
import { ConfigError } from "../config/load";
import { TerraformError, TerraformNotFound } from "../terraform/cli";

/** The repository root: where cdktf.json is, and what the default config path starts from. */
export const ROOT = path.resolve(__dirname, "..");

export const DEFAULT_CONFIG = path.join(ROOT, "config", "example.json");

/** Bad arguments: the message names the argument and what is expected; usage follows. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A problem the user can fix (a path, a missing tool): printed as one line, no stack trace. */
export class UserError extends Error {
  override name = "UserError";
}

/** The command was stopped by a signal; it has cleaned up after itself. */
export class Interrupted extends Error {
  override name = "Interrupted";
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandSpec<O extends Options> {
  /** How the user runs it, e.g. "npm run plan". */
  readonly name: string;
  /** The whole --help text. */
  readonly usage: string;
  /** The flags, as for util.parseArgs; `--help`/`-h` is added. */
  readonly options: O;
  /** Set (to what they are, e.g. "scenario") for a command that takes words after its flags: parseWithPositionals returns them. */
  readonly positionals?: string;
}

export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>["values"];

/** util.parseArgs's message, as one line in the words the other usage errors use. */
function usageMessage(e: NodeJS.ErrnoException, options: Options): string {
  const flags = Object.keys(options)
    .map((name) => `--${name}`)
    .join(", ");
  const quoted = /'([^']*)'/.exec(e.message)?.[1];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${JSON.stringify(quoted)}; expected only: ${flags}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(quoted)}; expected only: ${flags}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/argument missing/.test(e.message)) return `${quoted?.replace(/ <value>$/, "")} needs a value`;
      if (/does not take an argument/.test(e.message)) return `${quoted} takes no value`;
      break;
  }
  return e.message.replace(/\s+/g, " ");
}

/** An argument as a shell would need it typed. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./<>-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * The npm config files that can set `key` for a script npm runs, in npm's order (project, user,
 * global, npm's own), as npm names them in the environment it gives the script.
 */
function npmConfigFiles(env: NodeJS.ProcessEnv): string[] {
  const files = [
    env.npm_config_local_prefix && path.join(env.npm_config_local_prefix, ".npmrc"),
    env.npm_config_userconfig,
    env.npm_config_globalconfig,
    env.npm_execpath && path.resolve(path.dirname(env.npm_execpath), "..", "npmrc"),
  ];
  return [...new Set(files.filter((f): f is string => Boolean(f)))];
}

/** The first of npm's config files that sets `key` (outside any [section]), with the line that does. */
function npmConfigSetting(key: string, env: NodeJS.ProcessEnv): { file: string; line: string } | undefined {
  for (const file of npmConfigFiles(env)) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line.startsWith("[")) break;
      const name = /^([^=;#\s]+?)(\[\])?\s*(=|$)/.exec(line)?.[1];
      if (name === key) return { file, line };
    }
  }
  return undefined;
}

/**
 * Refuses the command's own flags that npm kept for itself. In `npm run plan --offline` (no `--`)
 * the flag is npm's: npm (11) passes nothing on and exports it to the script as
 * `npm_config_offline=true`, for names it knows and names it does not (`--plans-dir=out` as
 * `npm_config_plans_dir=out`; `--plans-dir out` as `=true`, passing `out` on alone). It exports a
 * setting from an .npmrc (`offline=true`) the same way, so when one of npm's config files sets the
 * name, the message says what to do in either case. An empty value (npm's false) is no flag. (npm
 * exports some settings always, e.g. npm_config_prefix, npm_config_cache: an option of that name
 * could not be told from them; no command has one.)
 */
function refuseNpmOptions(spec: CommandSpec<Options>, argv: readonly string[], env: NodeJS.ProcessEnv): void {
  const given = (name: string) => argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const taken = Object.entries(spec.options)
    .map(([name, option]) => ({ name, option, variable: `npm_config_${name.replace(/-/g, "_")}` }))
    .filter(({ name, variable }) => env[variable] !== undefined && env[variable] !== "" && env[variable] !== "false" && !given(name))
    .map((t) => ({ ...t, value: env[t.variable]! }));
  if (taken.length === 0) return;
  const flags = taken.map(({ name }) => `--${name}`).join(", ");
  const variables = taken.map(({ variable, value }) => `${variable}=${value}`).join(", ");
  const typed = taken.map(({ name, option, value }) =>
    option.type === "boolean" ? `--${name}` : `--${name} ${value === "true" ? "<value>" : shellWord(value)}`,
  );
  const rightly = `${spec.name} -- ${typed.join(" ")}`;
  const settings = taken.flatMap(({ name }) => {
    const setting = npmConfigSetting(name, env);
    return setting ? [{ name, ...setting }] : [];
  });
  if (settings.length > 0) {
    const where = settings.map(({ line, file }) => `${line} in ${file}`).join(", ");
    const without = `${spec.name} ${settings.map(({ name }) => `--no-${name}`).join(" ")}`;
    throw new UsageError(
      `${variables} comes from ${where} (npm's own setting) or from ${flags} typed before --, which npm keeps; ${spec.name} reads neither. ` +
        `With ${flags}: ${rightly}; without: ${without}`,
    );
  }
  throw new UsageError(
    `npm took ${flags} as its own option (it set ${variables}) and did not pass ${taken.length > 1 ? "them" : "it"} on; ` +
      `give ${spec.name}'s options after --: ${rightly} (or unset ${taken.map((t) => t.variable).join(", ")}, if your environment sets ${taken.length > 1 ? "them" : "it"})`,
  );
}

/**
 * Parses `argv` strictly. `--flag=value` and `--flag value` both work for string flags; a string
 * flag whose value looks like another flag (`--plans-dir --offline`) is an error, not a value, and
 * so are an empty value and a flag given twice (which util.parseArgs would let the last one win),
 * unless the spec says `multiple: true`. A flag of the command that npm kept for itself (typed before `--`) is refused with the spelling
 * that works. Returns undefined for --help, after printing the usage.
 */
export function parseCommandLine<O extends Options>(
  spec: CommandSpec<O>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Parsed<O> | undefined {
  return parseWithPositionals(spec, argv, env)?.values;
}

/**
 * `parseCommandLine`, for a command that also takes words (`npm run fixtures:plans -- <scenario>...`):
 * accepted only when `spec.positionals` is set.
 */
export function parseWithPositionals<O extends Options>(
  spec: CommandSpec<O>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { readonly values: Parsed<O>; readonly positionals: readonly string[] } | undefined {
  refuseNpmOptions(spec, argv, env);
  const options = { ...spec.options, help: { type: "boolean", short: "h" } } as O;
  for (const [i, arg] of argv.entries()) {
    const name = /^--([^=]+)$/.exec(arg)?.[1];
    const next = argv[i + 1];
    if (name && options[name]?.type === "string" && next !== undefined && next.startsWith("-")) {
      throw new UsageError(`--${name} needs a value, got the flag ${JSON.stringify(next)}`);
    }
  }
  let parsed: ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: boolean; tokens: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: spec.positionals !== undefined, tokens: true });
  } catch (e) {
    throw new UsageError(usageMessage(e as NodeJS.ErrnoException, options));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option") continue;
    const repeatable = (options[token.name] as { multiple?: boolean } | undefined)?.multiple === true;
    if (seen.has(token.name) && !repeatable) throw new UsageError(`--${token.name} is given twice; expected it once`);
    seen.add(token.name);
    if (token.value === "") throw new UsageError(`--${token.name} needs a value, got ""`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(spec.usage.endsWith("\n") ? spec.usage : `${spec.usage}\n`);
    return undefined;
  }
  return { values: parsed.values as Parsed<O>, positionals: parsed.positionals };
}

/** A whole number given to `flag` (as `--flag N` or `--flag=N`), at least `min`; `fallback` when not given. */
export function integerOption(flag: string, given: string | undefined, fallback: number, min: number): number {
  if (given === undefined) return fallback;
  const value = /^\d+$/.test(given) ? Number(given) : NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`--${flag}: got ${JSON.stringify(given)}; expected a whole number of at least ${min}`);
  }
  return value;
}

/**
 * A path the user gave, absolute: relative ones start where the user ran the command. npm runs
 * scripts in the package root and says where it was started in INIT_CWD.
 */
export function userPath(given: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.INIT_CWD || process.cwd(), given);
}

/**
 * The config file: PIPELINE_CONFIG (from where the user ran the command), else the example. Set
 * but empty is refused: it is a path that went missing (an unset CI variable, a typo in a script),
 * not a request for the example.
 */
export function configPathFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIPELINE_CONFIG === undefined) return DEFAULT_CONFIG;
  if (env.PIPELINE_CONFIG === "") {
    throw new UserError(
      `PIPELINE_CONFIG is set but empty; expected the path of a config file (unset it to use the example, ${path.relative(ROOT, DEFAULT_CONFIG)})`,
    );
  }
  return userPath(env.PIPELINE_CONFIG, env);
}

/** A path for messages: relative to the repository when inside it, else absolute. */
export function shownPath(file: string): string {
  const relative = path.relative(ROOT, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** A file system error as its code and message, without the path the message repeats: "EACCES: permission denied". */
export function errorCode(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^\w+: /, "").replace(/, \w+ '.*'$/, "")}` : String(err.message ?? e);
}

/** Can this process create files in `dir` (an existing directory)? Tried, not guessed from modes. */
function probeWritable(dir: string): unknown {
  try {
    fs.rmdirSync(fs.mkdtempSync(path.join(dir, ".write-check-")));
    return undefined;
  } catch (e) {
    return e;
  }
}

/**
 * Fails at once, with one line, unless `dir` is a directory this process can write to, or one it
 * can create (its nearest existing ancestor is a writable directory). Creates nothing. `label`
 * names where the path came from, e.g. "--plans-dir".
 */
export function checkWritableDir(dir: string, label: string): void {
  let existing = dir;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(existing);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new UserError(`${label} ${dir}: cannot be used (${errorCode(e)})`);
    }
    if (stat && !stat.isDirectory()) {
      const where = existing === dir ? "it is a file" : `${existing} is a file`;
      throw new UserError(`${label} ${dir}: ${where}; expected a directory to write into (or a path where one can be created)`);
    }
    if (stat) break;
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  const failure = probeWritable(existing);
  if (failure) {
    const where = existing === dir ? "not writable" : `cannot be created: ${existing} is not writable`;
    throw new UserError(`${label} ${dir}: ${where} (${errorCode(failure)}); expected a directory this user can write to`);
  }
}

/** What to undo when the process ends, however it ends short of SIGKILL: temp dirs, locks. */
const atExit = new Set<() => void>();
let exitHookInstalled = false;

/** Runs `undo` when the process exits (normally, on an uncaught error, or after an interrupt); returns a function that runs it now instead. */
export function onExit(undo: () => void): () => void {
  if (!exitHookInstalled) {
    process.on("exit", () => {
      for (const fn of [...atExit].reverse()) {
        try {
          fn();
        } catch {
          // Exiting: the remaining clean-ups still run.
        }
      }
    });
    exitHookInstalled = true;
  }
  const once = () => {
    if (atExit.delete(once)) undo();
  };
  atExit.add(once);
  return once;
}

function processRuns(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** In each temporary directory: the process that made it, and on which machine ("<pid> <host>"). */
const TEMP_OWNER = ".owner";

/**
 * Removes the temporary directories named `<prefix>*` in `base` whose owner is gone: what a run
 * killed with SIGKILL (which no exit hook sees) left behind. Only directories with an owner file
 * written on this machine, by a process that no longer runs: never another machine's (a shared
 * TMPDIR), never a live process's, never one whose owner file is not written yet.
 */
function removeAbandoned(prefix: string, base: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(base).filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(base, name);
    try {
      const [pid, host] = fs.readFileSync(path.join(dir, TEMP_OWNER), "utf8").trim().split(" ");
      if (host === os.hostname() && !processRuns(Number(pid))) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // No owner file (not ours, or not written yet), or not ours to remove: left alone.
    }
  }
}

export interface TempDir {
  readonly dir: string;
  /** Removes it now (it is removed at exit otherwise). */
  readonly remove: () => void;
  /** The file in it that names its owner: a directory that outlives the run (renamed elsewhere) goes without it. */
  readonly ownerFile: string;
}

/**
 * A new temporary directory, removed when the process exits; one an earlier run left (killed by
 * SIGKILL) is removed first. An unusable TMPDIR (missing, a file, read-only) is one line naming
 * it, before any work.
 */
export function makeTempDir(prefix: string, base: string = os.tmpdir()): TempDir {
  removeAbandoned(prefix, base);
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(base, prefix));
  } catch (e) {
    throw new UserError(`cannot create a temporary directory in ${base}: ${errorCode(e)}; set TMPDIR to a writable directory`);
  }
  const remove = onExit(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ownerFile = path.join(dir, TEMP_OWNER);
  fs.writeFileSync(ownerFile, `${process.pid} ${os.hostname()}\n`);
  return { dir, remove, ownerFile };
}

/** The process holding a lock file, and what it said it is doing (a lock of an older run says only its pid). */
function lockHolder(file: string): { pid: number; what?: string } | undefined {
  try {
    const [pid, what] = fs.readFileSync(file, "utf8").split("\n");
    return { pid: Number(pid.trim()), ...(what?.trim() && { what: what.trim() }) };
  } catch {
    return undefined;
  }
}

/**
 * Takes `file` as a lock holding this process's id and `what` it is (a "plan", a "deploy"), so
 * that a second run, of the same command or of another sharing the lock, says clearly which one
 * is running instead of colliding with it. A lock whose process is gone (a run that was killed) is
 * taken over. Released when the returned function is called, or when the process exits.
 */
export function acquireLock(file: string, what: string): () => void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n${what}\n`, { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new UserError(`cannot create the lock ${file} (${errorCode(e)})`);
      const holder = lockHolder(file);
      if (attempt > 0 || (holder !== undefined && processRuns(holder.pid))) {
        throw new UserError(
          `another ${holder?.what ?? what} is running (pid ${holder?.pid}): wait for it to finish (if none is running, remove ${file})`,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  return onExit(() => {
    if (lockHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  });
}

/** What a command's main gets: `signal` aborts, with an `Interrupted` reason, on SIGINT or SIGTERM. */
export interface CommandContext {
  readonly signal: AbortSignal;
}

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

/**
 * Throws the interrupt if the run was interrupted, including by a signal that arrived while this
 * process was busy: Node reads signals in the event loop's poll phase, so a signal that came during
 * a synchronous stretch (a simulation, say) aborts `signal` only once a poll has run. Two turns of
 * setImmediate let one run. For what must not be done after an interrupt: printing a result as if
 * the run had finished, writing a file.
 */
export async function stopIfInterrupted(signal: AbortSignal): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}

/**
 * A signal npm forwards arrives twice (once from the terminal, once from npm): a second one within
 * this time is the same interrupt, a later one means "stop now".
 */
const SAME_INTERRUPT_MS = 1000;

/** How long a command may take to stop after an interrupt before it is stopped hard. */
const STOP_GRACE_MS = 30_000;

function exitCodeFor(signal: NodeJS.Signals): number {
  return 128 + os.constants.signals[signal];
}

/** Prints what went wrong: one line for what the user can fix, a stack (source-mapped) for a bug. */
function report(spec: Pick<CommandSpec<Options>, "name" | "usage">, e: unknown): void {
  if (e instanceof UsageError) {
    process.stderr.write(`${spec.name}: ${e.message}\n\n${spec.usage}${spec.usage.endsWith("\n") ? "" : "\n"}`);
  } else if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
  } else if (e instanceof UserError || e instanceof Interrupted || e instanceof TerraformError || e instanceof TerraformNotFound) {
    process.stderr.write(`${spec.name}: ${e.message}\n`);
  } else {
    process.stderr.write(`${e instanceof Error ? sourceMappedStack(e) : String(e)}\n`);
  }
}

/**
 * An error's stack with positions in the TypeScript sources: scripts/register.js transpiles without
 * loading source maps (a synth pays nothing for them) and maps a stack only when one is printed.
 */
export function sourceMappedStack(e: Error): string {
  const stack = e.stack ?? `${e.name}: ${e.message}`;
  const loader = require.cache[require.resolve("../scripts/register.js")]?.exports as
    | { mapStack?: (stack: string) => string }
    | undefined;
  return loader?.mapStack ? loader.mapStack(stack) : stack;
}

/**
 * Runs a command's main and sets the exit code. Usage, config and user errors print one message;
 * anything else is a bug and keeps its stack. On SIGINT or SIGTERM, `ctx.signal` aborts: main
 * stops its work and cleans up, and the exit code is 128 + the signal's number (130, 143). A later
 * second signal, or a main that does not stop within 30 s, ends the process at once (what
 * `onExit` registered is still undone). `stopGraceMs` changes the 30 s: a command whose work must
 * not be cut short (an apply that Terraform is finishing) gives Infinity, and only a second signal
 * stops it at once.
 */
export function runCommand(
  spec: Pick<CommandSpec<Options>, "name" | "usage">,
  main: (ctx: CommandContext) => Promise<number> | number,
  errorExit = 1,
  { stopGraceMs = STOP_GRACE_MS }: { readonly stopGraceMs?: number } = {},
): void {
  const controller = new AbortController();
  let interruptedAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (!controller.signal.aborted) {
      interruptedAt = now;
      process.stderr.write(`${spec.name}: ${signal} received, stopping and cleaning up\n`);
      controller.abort(new Interrupted(signal));
      if (Number.isFinite(stopGraceMs)) setTimeout(() => process.exit(exitCodeFor(signal)), stopGraceMs).unref();
    } else if (now - interruptedAt > SAME_INTERRUPT_MS) {
      process.exit(exitCodeFor(signal));
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  Promise.resolve()
    .then(() => main({ signal: controller.signal }))
    .then(
      (code) => {
        if (!controller.signal.aborted) {
          process.exitCode = code;
          return;
        }
        // It finished, but not the work it was asked for: say so, and exit as interrupted.
        const reason = controller.signal.reason as Interrupted;
        report(spec, reason);
        process.exitCode = exitCodeFor(reason.signal);
      },
      (e: unknown) => {
        // Whatever failed once the run was interrupted, the interrupt is why it stopped.
        const reason = controller.signal.aborted ? (controller.signal.reason as Interrupted) : e;
        report(spec, reason);
        process.exitCode = reason instanceof Interrupted ? exitCodeFor(reason.signal) : errorExit;
      },
    )
    .finally(() => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    });
}
