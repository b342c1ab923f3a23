/**
 * `npm run doctor` as a process, against a local server on 127.0.0.1 that answers the AWS API on
 * the wire (test-support/doctor/server.ts), reached through the SDK's own AWS_ENDPOINT_URL_<SERVICE>
 * settings with fake static credentials: the real SDK signs, serializes and parses every call.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../test-support/config";
import { exampleInput } from "../../test-support/config";
import { type FakeAws, fakeAwsFromRendered, renderedExample } from "../../test-support/doctor/fake-aws";
import { accessKeyFor, type FakeAwsServer, startFakeAwsServer } from "../../test-support/doctor/server";
import { parseConfig } from "../../config/load";
import { AWS_REGIONS } from "../../config/regions";

const A = "111111111111";
const B = "222222222222";
const BUCKET = "demo-artifacts-222222222222-ap-northeast-1";
const SERVICES = ["IAM", "STS", "ECR", "KMS", "S3", "CODEPIPELINE", "EVENTBRIDGE"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function doctor(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-r", "./scripts/register.js", "commands/doctor.ts", ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let work: string;
let configPath: string;
let fake: FakeAws;
let server: FakeAwsServer;

/** The example config, with A reached by the default chain (env credentials) and B by assuming its deployer role. */
function writeConfig(): string {
  const input = exampleInput();
  delete (input.sourceAccount as { profile?: string }).profile;
  const file = path.join(work, "config.json");
  fs.writeFileSync(file, JSON.stringify(input));
  return file;
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: work,
    PIPELINE_CONFIG: configPath,
    AWS_ACCESS_KEY_ID: accessKeyFor(A),
    AWS_SECRET_ACCESS_KEY: "fake-secret",
    AWS_REGION: "ap-northeast-1",
    AWS_CONFIG_FILE: path.join(work, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    ...Object.fromEntries(SERVICES.map((s) => [`AWS_ENDPOINT_URL_${s}`, server.url])),
    ...extra,
  };
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-e2e-"));
  configPath = writeConfig();
  fake = fakeAwsFromRendered(parseConfig(JSON.parse(fs.readFileSync(configPath, "utf8")), configPath), renderedExample());
  server = await startFakeAwsServer(fake);
});

afterAll(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("npm run doctor against a local AWS endpoint", () => {
  it("healthy accounts: every request answers as it must, exit 0", async () => {
    const run = await doctor(["--skip-drift"], env());
    expect(run.stderr).toBe("");
    const rows = run.stdout.match(/^(\d+|\+|never) {2,}.* {2,}ok$/gm) ?? [];
    expect(rows.length).toBeGreaterThan(50);
    expect(run.stdout).toContain(`All ${rows.length} requests answer as they must.`);
    expect(run.stdout).toMatch(/^1 +CodePipeline, for account B +sts:AssumeRole +web service role \(B\) +allowed +ok$/m);
    expect(run.code).toBe(0);
    // Each protocol was spoken: query (IAM, STS), JSON 1.1, REST-XML; B was reached by assuming its role.
    expect(server.requests).toEqual(expect.arrayContaining(["sts AssumeRole", "iam GetRolePolicy", "kms GetKeyPolicy", "codepipeline GetPipeline"]));
    expect(server.requests.filter((r) => /^s3 GET \/[^?]*\?policy/.test(r))).toHaveLength(1);
    // The deployer role of B is assumed once, however many clients share its credentials.
    expect(server.requests.filter((r) => r === "sts AssumeRole")).toHaveLength(1);
  });

  it("bucket statement removed and a failed execution: names row 4, the bucket policy, the fix, exit 4", async () => {
    const bucket = fake.get(B)!.buckets.get(BUCKET)!;
    const healthy = bucket.policy;
    const doc = JSON.parse(bucket.policy!);
    bucket.policy = JSON.stringify({ ...doc, Statement: doc.Statement.filter((s: { Sid?: string }) => s.Sid !== "SourceAccessWritesWeb") });
    fake.get(B)!.executions.set("demo-web", [
      { id: "e-42", status: "Failed", actions: [{ stage: "Source", action: "Image", status: "Failed", message: "Access Denied (Service: Amazon S3; Status Code: 403)" }] },
    ]);
    try {
      const run = await doctor(["--skip-drift"], env());
      expect(run.stdout).toContain("  ✗ row 4: web source-access role (A) → s3:PutObject → web artifacts (B), TLS + SSE-KMS: denied");
      expect(run.stdout).toContain(`      because the policy of bucket ${BUCKET} (B) does not admit role demo-web-source-access (A) for s3:PutObject`);
      expect(run.stdout).toContain("      fix: redeploy pipeline-account: npm run deploy -- --stack pipeline-account");
      expect(run.stdout).toContain("  web (B): execution e-42 (2026-11-30T12:05:00.000Z): Source/Image failed: Access Denied (Service: Amazon S3; Status Code: 403)");
      expect(run.stdout).toContain("      explained by row 4: web source-access role (A) s3:PutObject on web artifacts (B), TLS + SSE-KMS: denied");
      expect(run.code).toBe(4);

      const json = await doctor(["--skip-drift", "--json"], env());
      const report = JSON.parse(json.stdout);
      expect(report.exitCode).toBe(4);
      expect(report.hops.filter((h: { state: string }) => h.state !== "ok").map((h: { row: string; action: string; state: string }) => `${h.row} ${h.action} ${h.state}`)).toEqual([
        "4 s3:PutObject denied",
        "4 s3:AbortMultipartUpload denied",
        "4 s3:PutObject denied",
      ]);
      expect(json.code).toBe(4);
    } finally {
      bucket.policy = healthy;
      fake.get(B)!.executions.delete("demo-web");
    }
  });

  it("credentials for the wrong account: one message, exit 1", async () => {
    const run = await doctor(["--skip-drift"], env({ AWS_ACCESS_KEY_ID: accessKeyFor("999999999999") }));
    // The fake knows no account 999999999999 and answers as STS does for an unknown key.
    expect(run.stderr).toMatch(/^npm run doctor: account A \(111111111111, with the default credential chain\): credentials AWS does not accept: The security token included in the request is invalid\.\n$/);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(1);
  });

  it("no credentials at all: one message within seconds, exit 1, no wait on the metadata endpoint", async () => {
    const started = Date.now();
    const run = await doctor(["--skip-drift"], env({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9" }));
    expect(run.stderr).toMatch(/^npm run doctor: account A \(111111111111, with the default credential chain\): no credentials: /);
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("AWS_PROFILE naming no profile, --json: each account's problem, naming the profile, as JSON on stdout and a line each on stderr, exit 1", async () => {
    const run = await doctor(["--skip-drift", "--json"], env({ AWS_PROFILE: "nosuch", AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }));
    const errors = [
      /^account A \(111111111111, with profile "nosuch" \(AWS_PROFILE\)\): no credentials: .+$/,
      /^account B \(222222222222, with role arn:aws:iam::222222222222:role\/deployer, assumed with profile "nosuch" \(AWS_PROFILE\)\): no credentials: .+$/,
    ];
    const report = JSON.parse(run.stdout);
    expect(report).toEqual({ exitCode: 1, errors: [expect.stringMatching(errors[0]), expect.stringMatching(errors[1])] });
    expect(run.stderr).toBe(`${report.errors.map((e: string) => `npm run doctor: ${e}`).join("\n")}\n`);
    expect(run.code).toBe(1);
  });

  it("an endpoint answering HTTP 404: which call, which URL, what the status means, for each account", async () => {
    const notFound = http.createServer((req, res) => req.resume().on("end", () => res.writeHead(404).end()));
    await new Promise<void>((resolve) => notFound.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(notFound.address() as AddressInfo).port}`;
    try {
      const run = await doctor(["--skip-drift"], env({ AWS_ENDPOINT_URL_STS: url }));
      const meaning = "got HTTP 404 Not Found with no AWS error in it: nothing at that URL serves this API: check AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL";
      expect(run.stderr).toBe(
        [
          `npm run doctor: account A (111111111111, with the default credential chain): cannot check the credentials: STS GetCallerIdentity to ${url}/ ${meaning}`,
          `npm run doctor: account B (222222222222, with role arn:aws:iam::222222222222:role/deployer): cannot check the credentials: STS AssumeRole to ${url}/ ${meaning}`,
          "",
        ].join("\n"),
      );
      expect(run.code).toBe(1);
    } finally {
      await new Promise((resolve) => notFound.close(resolve));
    }
  });

  it("bad input: unknown pipeline, bad flags, unreadable config: one message, exit 1", async () => {
    // The environment's credentials are A's: look for the pipeline there.
    const unknown = await doctor(["--pipeline", "nope", "--pipeline-account", A], env());
    expect(unknown.stderr).toBe(`npm run doctor: pipeline nope does not exist in account ${A} (region ap-northeast-1)\n`);
    expect(unknown.code).toBe(1);

    const flag = await doctor(["--pipeline-account", "12"], env());
    expect(flag.stderr.split("\n")[0]).toBe("npm run doctor: --pipeline-account is for --pipeline <name> only");
    expect(flag.code).toBe(1);

    const badId = await doctor(["--pipeline", "x", "--pipeline-account", "12"], env());
    expect(badId.stderr.split("\n")[0]).toBe('npm run doctor: --pipeline-account: got "12"; expected a 12-digit account id');
    expect(badId.code).toBe(1);

    const region = await doctor(["--pipeline", "x", "--pipeline-account", A, "--region", "eu-nowhere-1"], env());
    expect(region.stderr.split("\n")[0]).toBe(`npm run doctor: --region: got "eu-nowhere-1"; expected an AWS region code, one of: ${AWS_REGIONS.join(", ")}`);
    expect(region.code).toBe(1);

    fs.writeFileSync(path.join(work, "broken.json"), "{ not json");
    const config = await doctor(["--skip-drift"], env({ PIPELINE_CONFIG: path.join(work, "broken.json") }));
    expect(config.stderr).toMatch(/^Invalid config .*broken\.json:\n  - not valid JSON: /);
    expect(config.code).toBe(1);
  });
});
