/**
 * `npm run preflight` as a process, against a local server on 127.0.0.1 that answers the AWS API
 * on the wire (test-support/preflight/server.ts), reached through the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> settings with fake static credentials: the real SDK signs, serializes
 * and parses every call, the query protocol's lists and maps and S3's bodiless HEAD included.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { READ_ONLY } from "../../deploy/calls";
import { exampleInput } from "../../test-support/config";
import { accessKeyFor } from "../../test-support/doctor/server";
import { exampleWorld, type FakeWorld } from "../../test-support/preflight/fake";
import { FIRST_DEPLOY_STACKS } from "../../test-support/preflight/plans";
import { type PreflightServer, PREFLIGHT_SERVICES, startPreflightServer } from "../../test-support/preflight/server";
import { run } from "../../test-support/process";

const A = "111111111111";
const B = "222222222222";
const BUCKET = "demo-artifacts-222222222222-ap-northeast-1";

let work: string;
let plans: string;
let world: FakeWorld;
let server: PreflightServer;

/** The example config, with A reached by the default chain (env credentials) and B by assuming its deployer role. */
function env(endpoints: Record<string, string> = server.endpoints): Record<string, string> {
  return {
    HOME: work,
    PIPELINE_CONFIG: path.join(work, "config.json"),
    AWS_ACCESS_KEY_ID: accessKeyFor(A),
    AWS_SECRET_ACCESS_KEY: "fake-secret",
    AWS_REGION: "ap-northeast-1",
    AWS_PROFILE: "",
    AWS_CONFIG_FILE: path.join(work, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    ...endpoints,
  };
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-e2e-"));
  const input = exampleInput();
  delete (input.sourceAccount as { profile?: string }).profile;
  fs.writeFileSync(path.join(work, "config.json"), JSON.stringify(input));
  plans = path.join(work, "plans");
  fs.mkdirSync(plans);
  for (const s of FIRST_DEPLOY_STACKS()) fs.writeFileSync(path.join(plans, `${s.stack}.json`), JSON.stringify(s.plan));
  world = exampleWorld();
  server = await startPreflightServer(world);
});

afterAll(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("npm run preflight against a local AWS endpoint", () => {
  it("a role left behind in B, an SCP, a full default bus in A: each named, exit 4; only reads on the wire", async () => {
    const b = world.accounts.get(B)!;
    b.roles.set("demo-web-pipeline", { path: "/", policies: new Set() });
    b.statements.push({ effect: "Deny", actions: ["s3:PutBucketPolicy"], resources: ["*"], scp: true, id: "p-guardrail" });
    const a = world.accounts.get(A)!;
    Array.from({ length: 300 }, (_, i) => a.buses.get("default")!.add(`team-rule-${i}`));
    const result = await run("deploy/preflight-cli.ts", ["--plans", plans], env());
    expect(result.stderr).toBe("");
    expect(result.stdout.split("\n")).toEqual([
      `source-account (account ${A}): 1 problem stops the deploy`,
      `  ✗ the default event bus of account ${A} would have 301 rules, over its quota of 300: it has 300, and source-account creates 1 and deletes 0; remove rules it no longer uses, or ask for a higher quota (EventBridge "Number of rules", L-244521F2, in Service Quotas)`,
      `  - arn:aws:iam::${A}:role/ci may do everything the plan needs: 44 requests on 6 ARNs simulated (its identity policies and the organization's service control policies; not a session policy, nor the resources' own policies)`,
      `pipeline-account (account ${B}): 2 problems stop the deploy`,
      `  ✗ role demo-web-pipeline already exists in account ${B} and is not in pipeline-account's state: if it is this project's, import it into the state (terraform -chdir=cdktf.out/stacks/pipeline-account import 'aws_iam_role.web_service-role_4017FC42' 'demo-web-pipeline'); if not, delete or rename it, or change the config so that the name is free`,
      `  ✗ arn:aws:iam::${B}:role/deployer may not s3:PutBucketPolicy on arn:aws:s3:::${BUCKET} (denied by a service control policy of the organization), which deploying needs to create aws_s3_bucket_policy.artifact-store_bucket-policy_FE01D197`,
      "Preflight: 3 problems stop the deploy.",
      "",
    ]);
    expect(result.status).toBe(4);
    // B's deployer role was assumed once for all its clients; every other request only read.
    expect(server.requests.filter((r) => r === "sts AssumeRole")).toHaveLength(1);
    const operations = new Set(server.requests.filter((r) => r !== "sts AssumeRole").map((r) => r.split(" ")[1]));
    expect([...operations].filter((op) => !READ_ONLY.test(op))).toEqual(["HEAD"]);
    expect(server.requests).toEqual(expect.arrayContaining([`s3 HEAD /${BUCKET}/`, "iam SimulatePrincipalPolicy", "iam GetAccountSummary", "events ListRules", "logs DescribeLogGroups", "codebuild BatchGetProjects", "servicequotas GetServiceQuota"]));
  });

  it("endpoints that refuse connections: each account's check stops, naming the call and the error, within seconds", async () => {
    const closed = Object.fromEntries(PREFLIGHT_SERVICES.map((s) => [`AWS_ENDPOINT_URL_${s}`, "http://127.0.0.1:9"]));
    const started = Date.now();
    const result = await run("deploy/preflight-cli.ts", ["--plans", plans], env(closed));
    expect(result.stdout).toMatch(new RegExp(`^ {2}✗ cannot check the credentials for account ${A} \\(the default credential chain\\): GetCallerIdentity could not reach the service: ECONNREFUSED: .*; nothing else was checked$`, "m"));
    expect(result.stdout).toMatch(new RegExp(`^ {2}✗ cannot check the credentials for account ${B} \\(role arn:aws:iam::${B}:role/deployer\\): GetCallerIdentity could not reach the service: ECONNREFUSED: .*; nothing else was checked$`, "m"));
    expect(result.stdout).not.toMatch(/at .*\.ts:\d+/);
    expect(result.status).toBe(4);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("no plans where it is told to look: one line, exit 1, no request", async () => {
    const before = server.requests.length;
    const empty = path.join(work, "empty");
    fs.mkdirSync(empty);
    const result = await run("deploy/preflight-cli.ts", ["--plans", empty], env());
    expect(result.stderr).toBe(`npm run preflight: ${empty} holds no plan of this config's stacks (expected source-account.json, pipeline-account.json): run npm run plan first\n`);
    expect(result.stdout).toBe("");
    expect(result.status).toBe(1);
    fs.writeFileSync(path.join(empty, "source-account.json"), "{ not json");
    const broken = await run("deploy/preflight-cli.ts", ["--plans", empty], env());
    expect(broken.stderr).toMatch(new RegExp(`^npm run preflight: ${path.join(empty, "source-account.json")}: not a plan \\(.*\\); expected terraform show -json of source-account's plan, as npm run plan writes it\\n$`));
    expect(broken.status).toBe(1);
    expect(server.requests.length).toBe(before);
  });
});
