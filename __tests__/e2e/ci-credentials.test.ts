/**
 * .github/scripts/aws-profiles.sh, run with stand-ins for curl (GitHub's OIDC endpoint) and the aws
 * CLI that record what they are asked: every profile of PLAN_ROLES gets its own role's credentials.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../test-support/config";

const SCRIPT = path.join(ROOT, ".github", "scripts", "aws-profiles.sh");

function run(planRoles: string) {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "ci-credentials-"));
  const log = path.join(bin, "calls.log");
  fs.writeFileSync(path.join(bin, "curl"), `#!/bin/sh\necho "curl $*" >> ${log}\necho '{"value":"oidc-token"}'\n`, { mode: 0o755 });
  fs.writeFileSync(
    path.join(bin, "aws"),
    `#!/bin/sh
echo "aws $*" >> ${log}
if [ "$1 $2" = "sts assume-role-with-web-identity" ]; then
  role=$(echo "$*" | sed 's/.*--role-arn \\([^ ]*\\).*/\\1/')
  echo "{\\"Credentials\\":{\\"AccessKeyId\\":\\"AKIA-$(basename $role)\\",\\"SecretAccessKey\\":\\"s\\",\\"SessionToken\\":\\"t\\"}}"
fi
`,
    { mode: 0o755 },
  );
  const result = spawnSync("bash", [SCRIPT], {
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      PLAN_ROLES: planRoles,
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.example/?x=1",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-token",
      AWS_REGION: "eu-west-1",
      GITHUB_RUN_ID: "42",
    },
    encoding: "utf8",
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  fs.rmSync(bin, { recursive: true, force: true });
  return { ...result, calls };
}

describe("CI credentials for any number of accounts", () => {
  it("writes one profile per entry, each from its own role, with one OIDC token for sts.amazonaws.com", () => {
    const { status, calls, stderr } = run(
      JSON.stringify({
        registry: "arn:aws:iam::111111111111:role/plan",
        staging: "arn:aws:iam::222222222222:role/plan",
        default: "arn:aws:iam::333333333333:role/plan",
      }),
    );
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(calls.filter((c) => c.startsWith("curl"))).toEqual([
      "curl -sSf -H Authorization: bearer request-token https://token.example/?x=1&audience=sts.amazonaws.com",
    ]);
    expect(calls.filter((c) => c.startsWith("aws sts"))).toEqual([
      "aws sts assume-role-with-web-identity --role-arn arn:aws:iam::333333333333:role/plan --role-session-name plan-default-42 --web-identity-token oidc-token --duration-seconds 3600 --output json",
      "aws sts assume-role-with-web-identity --role-arn arn:aws:iam::111111111111:role/plan --role-session-name plan-registry-42 --web-identity-token oidc-token --duration-seconds 3600 --output json",
      "aws sts assume-role-with-web-identity --role-arn arn:aws:iam::222222222222:role/plan --role-session-name plan-staging-42 --web-identity-token oidc-token --duration-seconds 3600 --output json",
    ]);
    expect(calls).toContain("aws configure set aws_access_key_id AKIA-plan --profile staging");
    expect(calls).toContain("aws configure set aws_session_token t --profile default");
    expect(calls).toContain("aws configure set region eu-west-1 --profile registry");
  });

  it("refuses PLAN_ROLES that is not a non-empty object, before asking for a token", () => {
    for (const bad of ["[]", "{}", "not json"]) {
      const { status, calls } = run(bad);
      expect(status).not.toBe(0);
      expect(calls).toEqual([]);
    }
  });
});
