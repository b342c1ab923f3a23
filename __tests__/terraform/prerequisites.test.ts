import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { terraformProblem } from "../../terraform/cli";

const NEEDS = "npm test, npm run plan, npm run deploy and npm run verify:access run Terraform >= 1.10 (tested with 1.11)";

/** A PATH holding only a fake `terraform` that prints `stdout` (or no terraform at all). */
function pathWith(stdout?: string): { env: NodeJS.ProcessEnv; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-terraform-"));
  if (stdout !== undefined) {
    fs.writeFileSync(path.join(dir, "terraform"), `#!/bin/sh\ncat <<'EOF'\n${stdout}\nEOF\n`, { mode: 0o755 });
  }
  return { env: { ...process.env, PATH: `${dir}:/bin` }, dir };
}

describe("Terraform as a prerequisite", () => {
  const dirs: string[] = [];
  const env = (stdout?: string) => {
    const made = pathWith(stdout);
    dirs.push(made.dir);
    return made.env;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("says in one line that Terraform is missing, and what needs it", () => {
    expect(terraformProblem(env())).toBe(
      `Terraform is not on PATH: ${NEEDS}. Install it (https://developer.hashicorp.com/terraform/install) and try again.`,
    );
  });

  it("refuses a Terraform older than 1.10 (the S3 backend's use_lockfile)", () => {
    expect(terraformProblem(env('{"terraform_version":"1.9.8","platform":"linux_amd64"}'))).toBe(
      `Terraform 1.9.8 is too old: ${NEEDS}. Upgrade it and try again.`,
    );
  });

  it("accepts 1.10 and later, and the version the suite is tested with", () => {
    expect(terraformProblem(env('{"terraform_version":"1.10.0"}'))).toBeUndefined();
    expect(terraformProblem(env('{"terraform_version":"1.11.4"}'))).toBeUndefined();
    expect(terraformProblem(env('{"terraform_version":"2.0.0"}'))).toBeUndefined();
  });

  it("reads the plain version line of a Terraform without -json", () => {
    expect(terraformProblem(env("Terraform v0.12.31\non linux_amd64"))).toBe(`Terraform 0.12.31 is too old: ${NEEDS}. Upgrade it and try again.`);
  });
});
