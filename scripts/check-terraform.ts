/** `npm run check:terraform`: one clear line and exit 1 when Terraform is missing or too old (npm test runs it before the Terraform checks). */
import { parseCommandLine, runCommand } from "../commands/cli";
import { terraformProblem } from "../terraform/cli";

const SPEC = {
  name: "npm run check:terraform",
  usage: `Usage: npm run check:terraform

Checks that Terraform is on PATH and recent enough for this project; says what is wrong in one
line and exits 1 if not. npm test, test:e2e and verify:access run it first.

  -h, --help  This text.
`,
  options: {},
} as const;

runCommand(SPEC, () => {
  if (!parseCommandLine(SPEC, process.argv.slice(2))) return 0;
  const problem = terraformProblem();
  // The line alone, without the command's name: it is what npm test and verify:access print first.
  if (problem) process.stderr.write(`${problem}\n`);
  return problem ? 1 : 0;
});
