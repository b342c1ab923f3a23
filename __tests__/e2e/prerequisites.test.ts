import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "../../test-support/config";

// A PATH with node and npm but no terraform (it lives in /usr/local/bin here).
const NO_TERRAFORM = { ...process.env, PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(":") };

describe("commands that need Terraform, on a machine without it", () => {
  it.each(["test", "test:e2e", "verify:access"])("npm run %s stops at once with one line and exit 1", (script) => {
    const result = spawnSync("npm", ["run", "-s", script], { cwd: ROOT, env: NO_TERRAFORM, encoding: "utf8", timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")[0]).toBe(
      "Terraform is not on PATH: npm test, npm run plan, npm run deploy and npm run verify:access run Terraform >= 1.10 (tested with 1.11). Install it (https://developer.hashicorp.com/terraform/install) and try again.",
    );
    expect(result.stdout).toBe("");
  });
});
