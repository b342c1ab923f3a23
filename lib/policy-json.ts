/**
 * The JSON the AWS provider renders for an `aws_iam_policy_document` data source, computed from
 * the data source's own arguments as the stacks synthesize them, so the size of every policy the
 * app writes is known before Terraform runs (stacks/limits.ts).
 *
 * It follows the provider's `iamPolicyDoc` model (terraform-provider-aws,
 * internal/service/iam/policy_model.go and data_source_policy_document.go, v5): a list of one
 * element is a string, other lists are sorted in reverse, Principal and Condition maps are
 * Go maps (keys sorted), statements of `source_policy_documents` come first and a statement of
 * ours replaces one with the same Sid, and Go's encoder escapes `<`, `>` and `&`. The end-to-end
 * suite compares the result with what the real provider renders, byte for byte.
 */

/** A statement block as the synthesized data source gives it (snake_case arguments). */
export interface DocumentStatement {
  readonly sid?: string;
  readonly effect?: string;
  readonly actions?: readonly string[];
  readonly resources?: readonly string[];
  readonly principals?: readonly { readonly type: string; readonly identifiers: readonly string[] }[];
  readonly condition?: readonly { readonly test: string; readonly variable: string; readonly values: readonly string[] }[];
}

/** The arguments of an `aws_iam_policy_document` data source this app uses. */
export interface PolicyDocumentArguments {
  readonly statement?: readonly DocumentStatement[];
  readonly source_policy_documents?: readonly string[];
}

const STATEMENT_ARGUMENTS = new Set(["sid", "effect", "actions", "resources", "principals", "condition"]);

type Json = string | readonly string[] | Record<string, unknown>;

/** One element as a string, else sorted in reverse: `policyDecodeConfigStrings`. */
function stringOrList(values: readonly string[]): string | string[] {
  if (values.length === 1) return values[0];
  return [...values].sort().reverse();
}

function sortedKeys<T>(map: Map<string, T>): [string, T][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A statement block of ours, as the provider marshals it (fields in its struct's order, empty ones left out). */
function fromArguments(s: DocumentStatement): Record<string, Json> {
  const unknown = Object.keys(s).filter((k) => !STATEMENT_ARGUMENTS.has(k));
  if (unknown.length > 0) throw new Error(`policy statement ${s.sid ?? "(no sid)"}: no size model for ${unknown.join(", ")}`);
  const out: Record<string, Json> = {};
  if (s.sid) out.Sid = s.sid;
  out.Effect = s.effect ?? "Allow";
  if (s.actions?.length) out.Action = stringOrList(s.actions);
  if (s.resources?.length) out.Resource = stringOrList(s.resources);
  if (s.principals?.length) out.Principal = principalJson(s.principals.map((p) => ({ type: p.type, identifiers: stringOrList(p.identifiers) })));
  if (s.condition?.length) out.Condition = conditionJson(s.condition.map((c) => ({ ...c, values: [...c.values] })));
  return out;
}

/** `iamPolicyStatementPrincipalSet.MarshalJSON`: `{"*": "*"}` alone is `"*"`; else type to identifier(s). */
function principalJson(principals: readonly { type: string; identifiers: string | readonly string[] }[]): Json {
  if (principals.length === 1 && principals[0].type === "*") {
    const only = principals[0].identifiers;
    if (only === "*" || (Array.isArray(only) && only.length === 1 && only[0] === "*")) return "*";
  }
  const byType = new Map<string, string | string[]>();
  for (const { type, identifiers } of principals) {
    const before = byType.get(type);
    if (typeof identifiers === "string") {
      byType.set(type, before === undefined ? identifiers : [...(typeof before === "string" ? [before] : before), identifiers]);
    } else {
      const sorted = [...identifiers].sort().reverse();
      byType.set(type, [...(before === undefined ? [] : typeof before === "string" ? [before] : before), ...sorted]);
    }
  }
  return Object.fromEntries(sortedKeys(byType));
}

/** `iamPolicyStatementConditionSet.MarshalJSON`: test to variable to value(s), in order; one value is a string. */
function conditionJson(conditions: readonly { test: string; variable: string; values: readonly string[] }[]): Json {
  const tests = new Map<string, Map<string, string[]>>();
  for (const c of conditions) {
    const variables = tests.get(c.test) ?? new Map<string, string[]>();
    tests.set(c.test, variables);
    variables.set(c.variable, [...(variables.get(c.variable) ?? []), ...c.values]);
  }
  return Object.fromEntries(
    sortedKeys(tests).map(([test, variables]) => [
      test,
      Object.fromEntries(sortedKeys(variables).map(([variable, values]) => [variable, values.length === 1 ? values[0] : values])),
    ]),
  );
}

/**
 * A statement of a JSON document given in `source_policy_documents`, as the provider reads and
 * writes it again: known fields only; a Principal's identifier list sorted in reverse; a condition
 * value list of one becomes a string, a boolean a string; Action and Resource as given.
 */
function fromSourceStatement(raw: Record<string, unknown>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const field of ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"]) {
    const value = raw[field];
    if (value !== undefined && value !== "" && !(Array.isArray(value) && value.length === 0)) out[field] = value as Json;
  }
  for (const field of ["Principal", "NotPrincipal"]) {
    const value = raw[field];
    if (value === undefined) continue;
    if (typeof value === "string") {
      out[field] = "*";
      continue;
    }
    const principals = Object.entries(value as Record<string, string | string[]>).map(([type, ids]) => ({
      type,
      identifiers: typeof ids === "string" ? ids : [...ids].sort(),
    }));
    out[field] = principalJson(principals);
  }
  const condition = raw.Condition as Record<string, Record<string, unknown>> | undefined;
  if (condition && Object.keys(condition).length > 0) {
    const conditions = Object.entries(condition).flatMap(([test, variables]) =>
      Object.entries(variables).flatMap(([variable, values]) => {
        if (typeof values === "string") return [{ test, variable, values: [values] }];
        if (typeof values === "boolean") return [{ test, variable, values: [String(values)] }];
        if (Array.isArray(values)) return [{ test, variable, values: values.map(String) }];
        return [];
      }),
    );
    if (conditions.length > 0) out.Condition = conditionJson(conditions);
  }
  return out;
}

/** Go's encoder escapes these for HTML; each counts six characters, not one. `MarshalIndent` with two spaces is JSON.stringify's. */
function goJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The data source's `minified_json`, or with `pretty` its `json`. AWS counts policies without
 * whitespace (IAM), or receives them minified (the provider normalizes a policy to compact JSON
 * before it sends it), so a policy's size is its `minified_json`'s.
 */
export function renderPolicyDocument(args: PolicyDocumentArguments, pretty = false): string {
  const statements: Record<string, Json>[] = [];
  let version = "2012-10-17";
  for (const source of args.source_policy_documents ?? []) {
    const doc = JSON.parse(source) as { Version?: string; Statement?: Record<string, unknown> | Record<string, unknown>[] };
    if (doc.Version && doc.Version > version) version = doc.Version;
    const given = doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    merge(statements, given.map(fromSourceStatement));
  }
  merge(statements, (args.statement ?? []).map(fromArguments));
  return goJson({ Version: version, Statement: statements }, pretty ? 2 : undefined);
}

/** `iamPolicyDoc.Merge`: a statement with the Sid of an earlier one replaces it. */
function merge(into: Record<string, Json>[], statements: readonly Record<string, Json>[]): void {
  for (const statement of statements) {
    const at = statement.Sid ? into.findIndex((s) => s.Sid === statement.Sid) : -1;
    if (at >= 0) into[at] = statement;
    else into.push(statement);
  }
}
