/** `npm run schema`: regenerates config/config.schema.json from config/schema.ts. */
import * as fs from "fs";
import * as path from "path";
import { configJsonSchema, SCHEMA_FILE } from "../config/json-schema";

fs.writeFileSync(path.join(__dirname, "..", SCHEMA_FILE), configJsonSchema());
console.log(`wrote ${SCHEMA_FILE}`);
