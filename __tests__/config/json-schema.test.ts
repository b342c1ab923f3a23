import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { configJsonSchema, SCHEMA_FILE } from "../../config/json-schema";
import { exampleInput, ROOT } from "../../test-support/config";

const committed = fs.readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8");

describe("config/config.schema.json (for editors)", () => {
  it("is what `npm run schema` generates from config/schema.ts", () => {
    expect(committed).toBe(configJsonSchema());
  });

  const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(committed));

  it("accepts the example config", () => {
    expect(validate(exampleInput())).toBe(true);
  });

  it.each([
    ["a misspelt field", (c: Record<string, unknown>) => (c.projects = "demo")],
    ["an account id given as a number", (c: Record<string, any>) => (c.sourceAccount.accountId = 111111111111)],
    ["an unknown region", (c: Record<string, unknown>) => (c.region = "eu-west-9")],
    ["an uppercase repository name", (c: Record<string, any>) => (c.pipelines[0].repository.name = "Web")],
    ["an unknown backend type", (c: Record<string, unknown>) => (c.backend = { type: "gcs" })],
  ])("rejects %s, as the app does", (_, change) => {
    const input = exampleInput() as unknown as Record<string, unknown>;
    change(input);
    expect(validate(input)).toBe(false);
  });
});
