/**
 * What every command shares at its edges: arguments parsed by Node's own `util.parseArgs` (strict:
 * unknown flags and a flag without its value are errors), `--help` that prints and does nothing
 * else, paths the user gives resolved from where they ran the command, and one way to end
 * (a one-line error without a stack trace for what the user can fix, an exit code).
 */
import * as path from "path";
import { parseArgs, type ParseArgsConfig } from "util";
import { ConfigError } from "../config/load";

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

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandSpec<O extends Options> {
  /** How the user runs it, e.g. "npm run plan". */
  readonly name: string;
  /** The whole --help text. */
  readonly usage: string;
  /** The flags, as for util.parseArgs; `--help`/`-h` is added. */
  readonly options: O;
}

export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>["values"];

/**
 * Parses `argv` strictly. `--flag=value` and `--flag value` both work for string flags; a string
 * flag whose value looks like another flag (`--plans-dir --offline`) is an error, not a value.
 * Returns undefined for --help, after printing the usage.
 */
export function parseCommandLine<O extends Options>(spec: CommandSpec<O>, argv: readonly string[]): Parsed<O> | undefined {
  const options = { ...spec.options, help: { type: "boolean", short: "h" } } as O;
  for (const [i, arg] of argv.entries()) {
    const name = /^--([^=]+)$/.exec(arg)?.[1];
    const next = argv[i + 1];
    if (name && options[name]?.type === "string" && next !== undefined && next.startsWith("-")) {
      throw new UsageError(`--${name} needs a value, got the flag ${JSON.stringify(next)}`);
    }
  }
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify an option argument.*$/s, ""));
  }
  if (values.help) {
    process.stdout.write(spec.usage.endsWith("\n") ? spec.usage : `${spec.usage}\n`);
    return undefined;
  }
  return values as Parsed<O>;
}

/**
 * A path the user gave, absolute: relative ones start where the user ran the command. npm runs
 * scripts in the package root and says where it was started in INIT_CWD.
 */
export function userPath(given: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.INIT_CWD || process.cwd(), given);
}

/** The config file: PIPELINE_CONFIG (from where the user ran the command), else the example. */
export function configPathFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.PIPELINE_CONFIG ? userPath(env.PIPELINE_CONFIG, env) : DEFAULT_CONFIG;
}

/**
 * Runs a command's main and sets the exit code. Usage, config and user errors print one message;
 * anything else is a bug and keeps its stack.
 */
export function runCommand(spec: Pick<CommandSpec<Options>, "name" | "usage">, main: () => Promise<number> | number, errorExit = 1): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        if (e instanceof UsageError) {
          process.stderr.write(`${spec.name}: ${e.message}\n\n${spec.usage}${spec.usage.endsWith("\n") ? "" : "\n"}`);
        } else if (e instanceof ConfigError) {
          process.stderr.write(`${e.message}\n`);
        } else if (e instanceof UserError) {
          process.stderr.write(`${spec.name}: ${e.message}\n`);
        } else {
          process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        }
        process.exitCode = errorExit;
      },
    );
}
