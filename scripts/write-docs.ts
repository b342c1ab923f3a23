/**
 * `npm run docs`: rewrites the generated blocks of the docs that need no Terraform: the config's
 * field table (docs/config.md), what the deploying identity needs (docs/deploying.md) and the
 * policies doctor needs (docs/doctor.md). A test fails while any of them is out of date.
 */
import { parseCommandLine, runCommand } from "../commands/cli";
import { writeBlockContent } from "./doc-blocks";
import { GENERATED } from "./generated-docs";

const SPEC = {
  name: "npm run docs",
  usage: `Usage: npm run docs

Rewrites the generated blocks of the docs from the code: the config's fields (docs/config.md,
from config/schema.ts), what the deploying identity needs (docs/deploying.md, from the example
configs' stacks) and the policies doctor needs (docs/doctor.md, from doctor/permissions.ts).
The access and limits tables take Terraform or a minute: npm run verify:access -- --write and
npm run limits -- --write.

  -h, --help  This text.
`,
  options: {},
} as const;

runCommand(SPEC, () => {
  if (!parseCommandLine(SPEC, process.argv.slice(2))) return 0;
  for (const [name, generate] of GENERATED) console.log(`wrote the ${name} block of ${writeBlockContent(name, generate())}`);
  return 0;
});
