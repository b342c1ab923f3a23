/**
 * Reads and validates a config file. Every problem becomes one line naming the field path, the
 * value given and what is expected; all problems are reported at once, before anything is synthesized.
 */
import * as fs from "fs";
import * as v from "valibot";
import { scanJson, type DuplicateKey, type JsonPath } from "./json-scan";
import { nameProblems } from "./names";
import { type Config, CONFIG_EXPECTED, ConfigSchema, PIPELINE_ACCOUNTS_EXPECTED, relationProblems } from "./schema";

/**
 * Deeper than any config needs (an adopted repository's ownerStatements, IAM JSON, reach about 9
 * levels: a condition's values); validation recurses once per level.
 */
const MAX_DEPTH = 32;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(file: string): Config {
  let text: string;
  try {
    // Editors on Windows may start a UTF-8 file with a byte-order mark, which JSON.parse rejects.
    text = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (e as Error).message;
    throw new ConfigError(file, [`${reason}; expected a JSON config file (see config/example.json)`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, [`not valid JSON: ${describeJsonError(e as Error, text)}`]);
  }
  const scan = scanJson(text, MAX_DEPTH);
  if (scan.tooDeep) {
    // The path of such a value is as long as it is deep: its first levels say where it is.
    const where = scan.tooDeep.length > 4 ? `${formatPath(scan.tooDeep.slice(0, 4))}...` : formatPath(scan.tooDeep);
    throw new ConfigError(file, [
      `${where}: nested more than ${MAX_DEPTH} levels deep; expected at most ${MAX_DEPTH} levels (no config field nests that deep, see config/example.json)`,
    ]);
  }
  if (scan.duplicates.length > 0) throw new ConfigError(file, scan.duplicates.map(describeDuplicate));
  return parseConfig(raw, file);
}

/** JSON.parse keeps the last of a key given twice; the file's author meant one of them. */
function describeDuplicate({ path, values }: DuplicateKey): string {
  const given = values.map((text) => formatValue(JSON.parse(text))).join(", then ");
  const times = values.length === 2 ? "twice" : `${values.length} times`;
  return `${formatPath(path)}: got ${given} (the file gives the key ${JSON.stringify(path[path.length - 1])} ${times}); expected each field once`;
}

export function parseConfig(raw: unknown, source: string): Config {
  // Valibot's object and record schemas accept arrays; a config that is a list is simply not a
  // config, and a list of pipeline accounts has no short names.
  if (Array.isArray(raw)) throw new ConfigError(source, [problem([], raw, CONFIG_EXPECTED)]);
  if (Array.isArray((raw as { pipelineAccounts?: unknown } | null)?.pipelineAccounts)) {
    throw new ConfigError(source, [problem(["pipelineAccounts"], raw, PIPELINE_ACCOUNTS_EXPECTED)]);
  }
  const result = v.safeParse(ConfigSchema, raw, { abortEarly: false });
  if (!result.success) {
    throw new ConfigError(source, result.issues.map((issue) => describeIssue(issue, raw)));
  }
  // Derived names are checked once the relations hold (every pipeline has its account).
  const related = relationProblems(result.output);
  if (related.length === 0) related.push(...nameProblems(result.output));
  if (related.length > 0) {
    throw new ConfigError(
      source,
      related.map((p) => problem(p.path, raw, p.expected)),
    );
  }
  return result.output;
}

type Path = JsonPath;

function describeIssue(issue: v.BaseIssue<unknown>, raw: unknown): string {
  const path: Path = (issue.path ?? []).map((item) => item.key as string | number);
  // A map's key that breaks its rule: the problem is the key, not the value under it.
  const last = issue.path?.[issue.path.length - 1] as { origin?: string; key?: unknown } | undefined;
  if (last?.origin === "key" && issue.input === last.key && issue.type !== "strict_object") {
    return `${formatPath(path)}: got the key ${JSON.stringify(path[path.length - 1])}; expected ${issue.message}`;
  }
  if (issue.type === "strict_object" && issue.expected === "never") {
    const parent = path.slice(0, -1);
    const allowed = fieldsOf(schemaAt(parent, raw));
    return `${formatPath(parent)}: unknown field ${JSON.stringify(path[path.length - 1])}; expected only: ${allowed.join(", ")}`;
  }
  // Valibot reports a missing field with its parent's message; the field's own text is better.
  // A check (a rule beyond the field's shape) says what it wants in its own message.
  const expected = issue.type === "check" ? issue.message : (expectedOf(schemaAt(path, raw)) ?? issue.message);
  return problem(path, raw, expected);
}

function problem(path: Path, raw: unknown, expected: string): string {
  const given = valueAt(raw, path);
  const got = given.present ? `got ${formatValue(given.value)}` : "missing";
  return `${formatPath(path)}: ${got}; expected ${expected}`;
}

function formatPath(path: Path): string {
  if (path.length === 0) return "(top level)";
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function formatValue(value: unknown): string {
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** The value the file gives at `path`; JSON has no undefined, so undefined means absent. */
function valueAt(raw: unknown, path: Path): { present: boolean; value?: unknown } {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return { present: false };
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value === undefined ? { present: false } : { present: true, value };
}

type AnySchema = v.GenericSchema & {
  readonly pipe?: readonly { readonly type: string; readonly description?: string }[];
  readonly wrapped?: AnySchema;
  readonly entries?: Record<string, AnySchema>;
  readonly item?: AnySchema;
  readonly options?: readonly AnySchema[];
  readonly literal?: unknown;
  readonly message?: unknown;
};

/** The schema that validates the value at `path` (choosing a variant by the value's `type`). */
function schemaAt(path: Path, raw: unknown): AnySchema | undefined {
  let node: AnySchema | undefined = ConfigSchema as unknown as AnySchema;
  let value = raw;
  for (const segment of [...path, undefined]) {
    node = unwrap(node, value);
    if (segment === undefined || node === undefined) return node;
    value = (value as Record<string | number, unknown> | undefined)?.[segment];
    node = node.entries?.[segment as string] ?? node.item;
  }
  return node;
}

function unwrap(node: AnySchema | undefined, value: unknown): AnySchema | undefined {
  let current = node;
  while (current) {
    if (current.wrapped) {
      current = current.wrapped;
    } else if (current.type === "variant" && current.options) {
      const type = (value as { type?: unknown } | null | undefined)?.type;
      const chosen: AnySchema | undefined = current.options.find((o) => o.entries?.type?.literal === type);
      if (!chosen) return current;
      current = chosen;
    } else {
      return current;
    }
  }
  return current;
}

function fieldsOf(node: AnySchema | undefined): string[] {
  return Object.keys(node?.entries ?? {});
}

function expectedOf(node: AnySchema | undefined): string | undefined {
  const described = node?.pipe?.find((action) => action.type === "description")?.description;
  return described ?? (typeof node?.message === "string" ? node.message : undefined);
}

function describeJsonError(error: Error, text: string): string {
  const match = /at position (\d+)/.exec(error.message);
  // Some messages quote the input instead of giving a position; keep them on one line.
  if (!match) return error.message.replace(/\s+/g, " ");
  const before = text.slice(0, Number(match[1])).split("\n");
  const where = `line ${before.length}, column ${before[before.length - 1].length + 1}`;
  return `${error.message.replace(/ in JSON at position \d+.*$/, "")} at ${where}`;
}
