/**
 * docs/config.md's field table, from the config's JSON Schema (config/json-schema.ts, itself
 * generated from config/schema.ts): one row per field, with its type, whether it is required (and
 * on what, where the schema makes that depend on another field), its default and its description,
 * which is also the error message a wrong value gets. `npm run docs` writes it; a test checks it.
 */
import { configJsonSchema } from "../config/json-schema";

export const CONFIG_FIELDS_BLOCK = "config-fields" as const;

type Json = Record<string, any>;

interface Row {
  readonly field: string;
  readonly type: string;
  readonly required: string;
  readonly default?: unknown;
  readonly description?: string;
}

const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

/** Markdown table cells cannot hold a bare "|". */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();

function typeOf(node: Json): string {
  if (node.const !== undefined) return code(JSON.stringify(node.const));
  if (node.enum) return node.enum.length <= 4 ? node.enum.map((v: unknown) => code(JSON.stringify(v))).join(" or ") : `string, one of ${node.enum.length}`;
  if (node.anyOf) return (node.anyOf as Json[]).map(typeOf).join(" or ");
  if (node.oneOf) return "object";
  switch (node.type) {
    case "integer":
      return node.minimum !== undefined && node.maximum !== undefined ? `integer, ${node.minimum} to ${node.maximum}` : "integer";
    case "array":
      return node.minItems ? `list, at least ${node.minItems}` : "list";
    case "object":
      return node.properties ? "object" : "map";
    default:
      return String(node.type);
  }
}

/** What a node's `if` says, with field names relative to the node: "`create` is `false`". */
function condition(ifNode: Json): string {
  const [key] = ifNode.required as string[];
  const value = ifNode.properties?.[key]?.const;
  return value === undefined ? `\`${key}\` is given` : `\`${key}\` is ${code(JSON.stringify(value))}`;
}

/** For a then/else branch: the fields it requires or forbids, by their full names. */
function branchRules(branch: Json | undefined, name: string, rules: Map<string, { required?: boolean; forbidden?: boolean }>): void {
  if (!branch) return;
  for (const key of branch.required ?? []) rules.set(join(name, key), { ...rules.get(join(name, key)), required: true });
  for (const [key, sub] of Object.entries<Json | false>(branch.properties ?? {})) {
    if (sub === false) rules.set(join(name, key), { ...rules.get(join(name, key)), forbidden: true });
    else branchRules(sub, join(name, key), rules);
  }
  if (branch.items) branchRules(branch.items, `${name}[]`, rules);
}

const join = (name: string, key: string) => (name === "" ? key : `${name}.${key}`);

/**
 * The conditions on fields that the schema's if/then/else express, by field name: "required when
 * X, else not allowed", "only when X", "not when X".
 */
function conditions(node: Json, name: string, into: Map<string, string[]>): void {
  const ifs = [node, ...(node.allOf ?? [])].filter((n: Json) => n.if);
  for (const n of ifs) {
    const when = condition(n.if);
    const then = new Map<string, { required?: boolean; forbidden?: boolean }>();
    const otherwise = new Map<string, { required?: boolean; forbidden?: boolean }>();
    branchRules(n.then, name, then);
    branchRules(n.else, name, otherwise);
    for (const field of new Set([...then.keys(), ...otherwise.keys()])) {
      const t = then.get(field) ?? {};
      const e = otherwise.get(field) ?? {};
      const text =
        t.required && e.forbidden
          ? `required when ${when}, else not allowed`
          : [t.required && `required when ${when}`, e.forbidden && `only when ${when}`, t.forbidden && `not when ${when}`, e.required && `required unless ${when}`]
              .filter(Boolean)
              .join("; ");
      into.set(field, [...(into.get(field) ?? []), text]);
    }
  }
  if (node.oneOf?.every((o: Json) => Object.keys(o).length === 1 && o.required?.length === 1)) {
    const keys = (node.oneOf as Json[]).map((o) => o.required[0] as string);
    for (const key of keys) into.set(join(name, key), [...(into.get(join(name, key)) ?? []), `exactly one of ${keys.map((k) => `\`${join(name, k)}\``).join(" and ")}`]);
  }
}

/** "yes" or "no", or what the schema makes it depend on: "no; only when `create` is `false`". */
function requiredText(base: string, rules: readonly string[] | undefined): string {
  if (!rules) return base;
  const text = rules.join("; ");
  return /^(required|exactly)/.test(text) ? text : `${base}; ${text}`;
}

function walk(node: Json, name: string, required: string, rows: Row[], rules: Map<string, string[]>): void {
  conditions(node, name, rules);
  if (name !== "") rows.push({ field: name, type: typeOf(node), required: requiredText(required, rules.get(name)), default: node.default, description: node.description });

  if (node.type === "object" && node.properties) {
    for (const [key, sub] of Object.entries<Json>(node.properties)) walk(sub, join(name, key), node.required?.includes(key) ? "yes" : "no", rows, rules);
  } else if (node.type === "object" && node.additionalProperties) {
    const keyName = `${name}.<key>`;
    rows.push({ field: keyName, type: "string", required: "at least one", description: node.propertyNames?.description });
    for (const [key, sub] of Object.entries<Json>(node.additionalProperties.properties)) {
      walk(sub, join(keyName, key), node.additionalProperties.required?.includes(key) ? "yes" : "no", rows, rules);
    }
  } else if (node.type === "array" && node.items?.properties) {
    conditions(node.items, `${name}[]`, rules);
    for (const [key, sub] of Object.entries<Json>(node.items.properties)) {
      walk(sub, `${name}[].${key}`, node.items.required?.includes(key) ? "yes" : "no", rows, rules);
    }
  } else if (node.oneOf && node.oneOf.every((o: Json) => o.properties?.type?.const !== undefined)) {
    // A variant object: "type" picks which of the other fields apply.
    const variants = node.oneOf as Json[];
    rows.push({ field: `${name}.type`, type: variants.map((v) => code(JSON.stringify(v.properties.type.const))).join(" or "), required: "yes" });
    for (const v of variants) {
      const which = code(JSON.stringify(v.properties.type.const));
      for (const [key, sub] of Object.entries<Json>(v.properties)) {
        if (key === "type") continue;
        walk(sub, join(name, key), v.required?.includes(key) ? `with type ${which}: yes` : `no; type ${which} only`, rows, rules);
      }
    }
  }
}

export function configFieldRows(): Row[] {
  const schema = JSON.parse(configJsonSchema()) as Json;
  const rows: Row[] = [];
  walk(schema, "", "yes", rows, new Map());
  return rows;
}

export function configFieldsBlock(): string {
  return [
    "| field | type | required | default | description (also the message a wrong value gets) |",
    "|---|---|---|---|---|",
    ...configFieldRows().map((r) =>
      `| \`${r.field}\` | ${cell(r.type)} | ${cell(r.required)} | ${r.default === undefined ? "" : cell(code(r.default))} | ${cell(r.description ?? "")} |`,
    ),
  ].join("\n");
}
