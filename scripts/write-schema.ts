/** `npm run schema`: regenerates config/config.schema.json from config/schema.ts and config/json-schema.ts. */
import * as fs from "fs";
import * as path from "path";
import { parseCommandLine, ROOT, runCommand } from "../commands/cli";
import { configJsonSchema, SCHEMA_FILE } from "../config/json-schema";

const SPEC = {
  name: "npm run schema",
  usage: `Usage: npm run schema

Regenerates ${SCHEMA_FILE} (the config's JSON Schema, for editors) from config/schema.ts and the
cross-field rules of config/json-schema.ts.
A unit test fails while the file is out of date.

  -h, --help  This text.
`,
  options: {},
} as const;

runCommand(SPEC, () => {
  if (!parseCommandLine(SPEC, process.argv.slice(2))) return 0;
  fs.writeFileSync(path.join(ROOT, SCHEMA_FILE), configJsonSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
  return 0;
});
