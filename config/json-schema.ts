/**
 * config/config.schema.json, generated from the valibot schema so that the two cannot drift apart,
 * plus the rules the app checks beyond single fields that JSON Schema (draft-07, which editors
 * read) can express too. An editor then flags what the app would refuse, as far as JSON Schema can
 * say it; __tests__/config/json-schema.test.ts holds the two verdicts side by side on a table of configs.
 *
 * What JSON Schema cannot express (no keyword compares one value of the document with another, or
 * a value with a key), so only the app refuses it:
 *   - a pipeline's `account` that is not a key of `pipelineAccounts`, and a key no pipeline uses;
 *   - the same account id twice; an `assumeRoleArn`, or an ECS role's ARN, in another account
 *     than the one it is given for;
 *   - two pipelines with the same name, or the same first 20 characters of `<project>-<name>`
 *     (`uniqueItems` compares whole items, not one field of them);
 *   - one repository used twice in one account, and pipelines sharing a repository that disagree
 *     on `create`, `ownerStatements` or `expireUntaggedImagesAfterDays`;
 *   - and, before the schema is even looked at: a key given twice (parsed JSON keeps the last) and
 *     nesting deeper than the app reads (config/load.ts).
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import { artifactBucketName } from "../lib/naming";
import { ConfigSchema, PIPELINE_ACCOUNT_PULL_SID, REPOSITORY_URI, S3_RESERVED_PREFIXES, S3_RESERVED_SUFFIXES } from "./schema";

export const SCHEMA_FILE = "config/config.schema.json";

type Json = Record<string, unknown>;

/** The subschema at `path`: property names, or a function that picks among a node's options. */
function at(schema: Json, ...path: (string | ((node: Json) => Json | undefined))[]): Json {
  return path.reduce<Json>((node, step, i) => {
    const next = typeof step === "function" ? step(node) : (node.properties as Record<string, Json> | undefined)?.[step];
    if (!next) throw new Error(`config JSON Schema: nothing at step ${i} of ${path.map(String).join(" > ")}`);
    return next;
  }, schema);
}

const items = (node: Json) => node.items as Json | undefined;
const option = (type: string) => (node: Json) => (node.oneOf as Json[] | undefined)?.find((o) => (o.properties as Record<string, Json>)?.type?.const === type);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * Projects whose artifact bucket name would start with a prefix S3 reserves: a project that starts
 * with the prefix, or one the bucket name's fixed tail completes into it ("sthree" + "-artifacts-...").
 */
function reservedProjectPattern(): string {
  const tail = artifactBucketName("", "000000000000", "region");
  const whole = S3_RESERVED_PREFIXES.flatMap((prefix) =>
    [...prefix].map((_, k) => prefix.slice(0, k)).filter((start, k) => start !== "" && tail.startsWith(prefix.slice(k))),
  );
  return `^(?:${S3_RESERVED_PREFIXES.map(escape).join("|")})|^(?:${whole.map(escape).join("|")})$`;
}

function addCrossFieldRules(schema: Json): void {
  // Exactly one of the two forms of pipeline account, and a map of at least one.
  schema.oneOf = [{ required: ["pipelineAccount"] }, { required: ["pipelineAccounts"] }];
  at(schema, "pipelineAccounts").minProperties = 1;
  // Each pipeline names its account with pipelineAccounts, and none does with pipelineAccount.
  schema.allOf = [
    {
      if: { required: ["pipelineAccounts"] },
      then: { properties: { pipelines: { items: { required: ["account"] } } } },
      else: { properties: { pipelines: { items: { properties: { account: false } } } } },
    },
  ];
  // A key of pipelineAccounts has this form, so an account of another form names none.
  at(schema, "pipelines", items, "account").pattern = (at(schema, "pipelineAccounts").propertyNames as Json).pattern;

  // An adopted repository (create: false) keeps its owner's lifecycle policy; a created one
  // (create omitted or true) has a policy of this app's alone.
  const repository = at(schema, "pipelines", items, "repository");
  repository.if = { properties: { create: { const: false } }, required: ["create"] };
  repository.then = { properties: { expireUntaggedImagesAfterDays: false } };
  repository.else = { properties: { ownerStatements: false } };
  at(repository, "ownerStatements", items, "Sid").not = { const: PIPELINE_ACCOUNT_PULL_SID };
  at(repository, "name").not = { pattern: REPOSITORY_URI.source };

  // Names S3 reserves: the project starts the artifact bucket's name; the state bucket is named.
  at(schema, "project").not = { pattern: reservedProjectPattern() };
  at(schema, "backend", option("s3"), "bucket").not = {
    pattern: `^(?:${S3_RESERVED_PREFIXES.map(escape).join("|")})|(?:${S3_RESERVED_SUFFIXES.map(escape).join("|")})$`,
  };
}

export function configJsonSchema(): string {
  const schema: Json = {
    ...toJsonSchema(ConfigSchema, {
      target: "draft-07",
      // A check has no JSON Schema form of its own: addCrossFieldRules gives those that have one.
      overrideAction: ({ valibotAction, jsonSchema }) => (valibotAction.type === "check" ? jsonSchema : undefined),
    }),
    title: "Cross-account ECR pipeline config",
  };
  addCrossFieldRules(schema);
  return `${JSON.stringify(schema, null, 2)}\n`;
}
