/** config/config.schema.json, generated from the valibot schema so that the two cannot drift apart. */
import { toJsonSchema } from "@valibot/to-json-schema";
import { ConfigSchema } from "./schema";

export const SCHEMA_FILE = "config/config.schema.json";

export function configJsonSchema(): string {
  const schema = {
    ...toJsonSchema(ConfigSchema, {
      target: "draft-07",
      // A check (a name S3 reserves) has no JSON Schema form; the app reports it when it loads the file.
      overrideAction: ({ valibotAction, jsonSchema }) => (valibotAction.type === "check" ? jsonSchema : undefined),
    }),
    title: "Cross-account ECR pipeline config",
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
