import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { configJsonSchema, SCHEMA_FILE } from "../../config/json-schema";
import { ConfigError, parseConfig } from "../../config/load";
import { exampleInput, ROOT } from "../../test-support/config";

const committed = fs.readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8");

// Loosely typed on purpose: rows build configs the types would refuse.
type Raw = Record<string, any>;

const example = (): Raw => exampleInput() as Raw;
const twoAccounts = (): Raw => JSON.parse(fs.readFileSync(path.join(ROOT, "config", "examples", "two-accounts.json"), "utf8"));
const ecs = (executionRoleName: string) => ({ type: "ecs", cluster: "c", service: "s", containerName: "app", executionRoleName });
const URI = "444455556666.dkr.ecr.eu-central-1.amazonaws.com/acme/orders";

/** A config built from an example, and, for a rule JSON Schema cannot express, why not. */
interface Row {
  readonly name: string;
  readonly base: () => Raw;
  readonly change?: (c: Raw) => void;
  readonly inexpressible?: string;
}

const VALUE_AGAINST_KEY = "a value of the document against a key of it: JSON Schema has no keyword that compares them";
const VALUE_AGAINST_VALUE = "one value of the document against another: JSON Schema has no keyword that compares them";
const UNIQUE_FIELD = "a field unique across the list's items: uniqueItems compares whole items only";

const ROWS: readonly Row[] = [
  { name: "the example", base: example },
  { name: "the two-account example", base: twoAccounts },
  // The shape of single fields (from the valibot schema).
  { name: "a misspelt field", base: example, change: (c) => (c.projects = "demo") },
  { name: "an account id given as a number", base: example, change: (c) => (c.sourceAccount.accountId = 111111111111) },
  { name: "an unknown region", base: example, change: (c) => (c.region = "eu-west-9") },
  { name: "an uppercase repository name", base: example, change: (c) => (c.pipelines[0].repository.name = "Web") },
  { name: "an unknown backend type", base: example, change: (c) => (c.backend = { type: "gcs" }) },
  { name: "an ECS deploy without its execution role", base: example, change: (c) => delete c.pipelines[0].deploy.executionRoleName },
  { name: "an execution role given by an ARN with a path", base: example, change: (c) => (c.pipelines[1].deploy = ecs("arn:aws:iam::222222222222:role/service-role/exec")) },
  { name: "pipelineAccounts given as a list", base: twoAccounts, change: (c) => (c.pipelineAccounts = [c.pipelineAccounts.staging]) },
  // Rules beyond the field's shape that JSON Schema expresses (config/json-schema.ts).
  { name: "both pipelineAccount and pipelineAccounts", base: twoAccounts, change: (c) => (c.pipelineAccount = { accountId: "444444444444" }) },
  { name: "neither pipelineAccount nor pipelineAccounts", base: example, change: (c) => delete c.pipelineAccount },
  { name: "an empty pipelineAccounts", base: twoAccounts, change: (c) => ((c.pipelineAccounts = {}), c.pipelines.forEach((p: Raw) => delete p.account)) },
  { name: "a pipeline without account, with pipelineAccounts", base: twoAccounts, change: (c) => delete c.pipelines[1].account },
  { name: "a pipeline with an account, with pipelineAccount", base: example, change: (c) => (c.pipelines[0].account = "prod") },
  { name: "an account that is no key's form", base: twoAccounts, change: (c) => (c.pipelines[1].account = "Prod") },
  { name: "ownerStatements on a created repository", base: example, change: (c) => (c.pipelines[0].repository.ownerStatements = [{ Sid: "Mine", Effect: "Allow" }]) },
  {
    name: "ownerStatements on a repository created by default",
    base: example,
    change: (c) => (c.pipelines[0].repository = { name: "web", ownerStatements: [{ Sid: "Mine", Effect: "Allow" }] }),
  },
  { name: "an owner statement with this app's Sid", base: example, change: (c) => (c.pipelines[1].repository.ownerStatements[0].Sid = "PipelineAccountPull") },
  { name: "an untagged-image expiry on a created repository", base: example, change: (c) => (c.pipelines[0].repository.expireUntaggedImagesAfterDays = 7) },
  { name: "an untagged-image expiry on an adopted repository", base: example, change: (c) => (c.pipelines[1].repository.expireUntaggedImagesAfterDays = 7) },
  { name: "a repository's URI as its name", base: example, change: (c) => (c.pipelines[0].repository.name = URI) },
  { name: "a repository's URI with a tag as its name", base: example, change: (c) => (c.pipelines[0].repository.name = `${URI}:v1`) },
  { name: "a project that makes the bucket name start with sthree-", base: example, change: (c) => (c.project = "sthree") },
  { name: "a project that makes the bucket name start with amzn-s3-demo-", base: example, change: (c) => (c.project = "amzn-s3-demo") },
  { name: "a project that starts with xn--", base: example, change: (c) => (c.project = "xn--web") },
  { name: "a project that only starts like a reserved prefix", base: example, change: (c) => (c.project = "sthreex") },
  { name: "a state bucket with a suffix S3 reserves", base: example, change: (c) => (c.backend = { type: "s3", bucket: "state-s3alias", region: "eu-west-1", keyPrefix: "p" }) },
  // Rules only the app checks.
  { name: "an account that is not a key of pipelineAccounts", base: twoAccounts, change: (c) => (c.pipelines[1].account = "qa"), inexpressible: VALUE_AGAINST_KEY },
  {
    name: "a key of pipelineAccounts no pipeline uses",
    base: twoAccounts,
    change: (c) => (c.pipelineAccounts.qa = { accountId: "444444444444" }),
    inexpressible: VALUE_AGAINST_KEY,
  },
  { name: "one account id twice", base: twoAccounts, change: (c) => (c.pipelineAccounts.prod.accountId = "222222222222"), inexpressible: VALUE_AGAINST_VALUE },
  {
    name: "an assumeRoleArn in another account",
    base: example,
    change: (c) => (c.pipelineAccount.assumeRoleArn = "arn:aws:iam::999999999999:role/deployer"),
    inexpressible: VALUE_AGAINST_VALUE,
  },
  {
    name: "an execution role ARN in another account",
    base: example,
    change: (c) => (c.pipelines[1].deploy = ecs("arn:aws:iam::999999999999:role/service-role/exec")),
    inexpressible: VALUE_AGAINST_VALUE,
  },
  { name: "two pipelines with one name", base: example, change: (c) => (c.pipelines[1].name = "web"), inexpressible: UNIQUE_FIELD },
  {
    name: "two pipeline names alike in their first 20 characters",
    base: example,
    change: (c) => ((c.pipelines[0].name = "orders-service-blue"), (c.pipelines[1].name = "orders-service-green")),
    inexpressible: UNIQUE_FIELD,
  },
  { name: "one repository twice in one account", base: example, change: (c) => (c.pipelines[1].repository = { name: "web" }), inexpressible: UNIQUE_FIELD },
  {
    name: "pipelines sharing a repository that disagree on create",
    base: twoAccounts,
    change: (c) => (c.pipelines[1].repository.create = false),
    inexpressible: VALUE_AGAINST_VALUE,
  },
  {
    name: "pipelines sharing a repository that disagree on the untagged-image expiry",
    base: twoAccounts,
    change: (c) => (c.pipelines[1].repository.expireUntaggedImagesAfterDays = 7),
    inexpressible: VALUE_AGAINST_VALUE,
  },
];

function build(row: Row): Raw {
  const c = row.base();
  row.change?.(c);
  return c;
}

function appAccepts(config: Raw): boolean {
  try {
    parseConfig(config, "table.json");
    return true;
  } catch (e) {
    if (e instanceof ConfigError) return false;
    throw e;
  }
}

describe("config/config.schema.json (for editors)", () => {
  it("is what `npm run schema` generates from config/schema.ts and config/json-schema.ts", () => {
    expect(committed).toBe(configJsonSchema());
  });

  // strict: false: ajv's strict mode warns about the if/then subschemas, which leave "type" to the schema they refine.
  const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(committed));

  it("gives the app's verdict on every config of the table, but where JSON Schema cannot express the rule", () => {
    const verdicts = ROWS.map((row) => {
      const config = build(row);
      return { row: row.name, app: appAccepts(config), schema: validate(config) as boolean, inexpressible: row.inexpressible };
    });
    const differ = verdicts.filter((v) => v.app !== v.schema && !v.inexpressible).map((v) => `${v.row}: app ${v.app ? "accepts" : "refuses"}, schema ${v.schema ? "accepts" : "refuses"}`);
    expect(differ).toEqual([]);
    // A row marked as beyond JSON Schema is one the schema accepts and the app refuses: if the
    // schema learns the rule, the row must lose its mark.
    const misMarked = verdicts.filter((v) => v.inexpressible && !(v.schema && !v.app)).map((v) => v.row);
    expect(misMarked).toEqual([]);
    // The table holds both verdicts: configs both accept and configs both refuse.
    expect(verdicts.filter((v) => v.app && v.schema).map((v) => v.row)).toEqual([
      "the example",
      "the two-account example",
      "an execution role given by an ARN with a path",
      "an untagged-image expiry on a created repository",
      "a project that only starts like a reserved prefix",
    ]);
  });

  it("says why, for an editor, a config names both account forms or a pipeline lacks its account", () => {
    const both = build(ROWS.find((r) => r.name === "both pipelineAccount and pipelineAccounts")!);
    expect(validate(both)).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toContain(" must match exactly one schema in oneOf");
    const missing = build(ROWS.find((r) => r.name === "a pipeline without account, with pipelineAccounts")!);
    expect(validate(missing)).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toContain("/pipelines/1 must have required property 'account'");
  });
});
