/** `npm run check:terraform`: one clear line and exit 1 when Terraform is missing or too old (npm test runs it before the Terraform checks). */
import { terraformProblem } from "../terraform/cli";

const problem = terraformProblem();
if (problem) {
  console.error(problem);
  process.exitCode = 1;
}
