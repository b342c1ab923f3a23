/**
 * Doctor in process: its real SDK clients, mocked with aws-sdk-client-mock, answer from the
 * accounts the rendered example stacks describe. Each diagnosis test breaks one thing as an
 * operator would in the console, and checks that doctor names the right hop, the right policy and
 * the right fix. Then: doctor keeps going on what it cannot read or does not understand, stops
 * with one message on credentials that do not work, and only ever reads. (One file: the SDK
 * clients take most of a second to load in each test file.)
 */
import * as fs from "fs";
import * as path from "path";
import type { Hop } from "../../doctor/diagnose";
import { doctorPolicy, READ_CALLS } from "../../doctor/permissions";
import { parsePolicyText, PolicyShapeError } from "../../doctor/policy-text";
import { DoctorError, type Report, runConfig, runPipeline } from "../../doctor/run";
import { config, ROOT } from "../../test-support/config";
import { type FakeAws, FakeAwsError, fakeAwsFromRendered, renderedExample } from "../../test-support/doctor/fake-aws";
import { mockedAws } from "../../test-support/doctor/mock-clients";
import { blockContent } from "../../scripts/doc-blocks";

const A = "111111111111";
const B = "222222222222";
const BUCKET = "demo-artifacts-222222222222-ap-northeast-1";
const example = config();

function healthy(): FakeAws {
  return fakeAwsFromRendered(example, renderedExample());
}

async function doctor(fake: FakeAws): Promise<Report> {
  return runConfig(example, { clients: mockedAws(fake).factory, generated: async () => renderedExample() });
}

type Doc = { Version: string; Statement: Record<string, unknown>[] };
const parse = (text: string | undefined): Doc => JSON.parse(text ?? "{}");
const withoutSid = (text: string | undefined, sid: string) => {
  const doc = parse(text);
  return JSON.stringify({ ...doc, Statement: doc.Statement.filter((s) => s.Sid !== sid) });
};

function broken(report: Report): Hop[] {
  return report.hops.filter((h) => h.state !== "ok");
}

describe("doctor on a healthy deployment", () => {
  it("answers every request as it must, finds no drift and exits 0", async () => {
    const report = await doctor(healthy());
    expect(broken(report)).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(report.drift).toEqual([]);
    expect(report.exitCode).toBe(0);
    // The chain of every pipeline is checked, not only the first one's.
    expect(report.hops.filter((h) => h.row === "2" && h.expect === "allowed").map((h) => h.on)).toEqual([
      "web source-access role (A)",
      "api source-access role (A)",
    ]);
  });
});

describe("doctor names the hop an operator broke", () => {
  it("bucket statement removed: row 4, the bucket policy in B, redeploy pipeline-account", async () => {
    // GIVEN the bucket policy without the statement that admits web's source-access role
    const fake = healthy();
    const bucket = fake.get(B)!.buckets.get(BUCKET)!;
    bucket.policy = withoutSid(bucket.policy, "SourceAccessWritesWeb");
    // WHEN doctor runs
    const report = await doctor(fake);
    // THEN exactly web's upload (and giving one up) is denied, because of the bucket policy, and the fix is B's stack
    expect(broken(report).map((h) => `${h.row} ${h.who} ${h.action}`)).toEqual([
      "4 web source-access role (A) s3:PutObject",
      "4 web source-access role (A) s3:AbortMultipartUpload",
      "4 web source-access role (A) s3:PutObject",
    ]);
    const [hop] = broken(report);
    expect(hop.because).toEqual([`the policy of bucket ${BUCKET} (B) does not admit role demo-web-source-access (A) for s3:PutObject`]);
    expect(hop.fix[0]).toBe("redeploy pipeline-account: npm run deploy -- --stack pipeline-account");
    expect(report.drift).toEqual([expect.objectContaining({ policy: `policy of bucket ${BUCKET} (B)`, state: "differs", missing: ["SourceAccessWritesWeb"], stack: "pipeline-account" })]);
    expect(report.exitCode).toBe(4);
  });

  it("trust condition pointing at another role: row 2, A's trust policy, its condition quoted", async () => {
    const fake = healthy();
    const role = fake.get(A)!.roles.get("demo-web-source-access")!;
    role.trust = role.trust.replace(`role/demo-web-pipeline`, "role/someone-else");
    const report = await doctor(fake);
    expect(broken(report).map((h) => `${h.row} ${h.who} ${h.action}`)).toEqual(["2 web service role (B) sts:AssumeRole"]);
    const [hop] = broken(report);
    expect(hop.because).toEqual([
      `statement PipelineServiceRoleAssumes of the trust policy of role demo-web-source-access (A) would allow it, but its condition {"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::${B}:role/someone-else"}} does not hold for this request`,
    ]);
    expect(hop.fix[0]).toBe("redeploy source-account: npm run deploy -- --stack source-account");
    expect(report.exitCode).toBe(4);
  });

  it("key policy without account A: row 5, B's key policy, redeploy pipeline-account", async () => {
    const fake = healthy();
    const [key] = fake.get(B)!.keys.values();
    key.policy = withoutSid(key.policy, "SourceAccessRolesEncryptArtifacts");
    const report = await doctor(fake);
    expect(broken(report).map((h) => `${h.row} ${h.who} ${h.action}`)).toEqual([
      "5 web source-access role (A) kms:GenerateDataKey",
      "5 web source-access role (A) kms:Decrypt",
      "5 api source-access role (A) kms:GenerateDataKey",
      "5 api source-access role (A) kms:Decrypt",
    ]);
    expect(broken(report)[0].because).toEqual([`the key policy of key ${key.arn.split("/").pop()} (B) does not admit role demo-web-source-access (A) for kms:GenerateDataKey`]);
    expect(broken(report)[0].fix[0]).toBe("redeploy pipeline-account: npm run deploy -- --stack pipeline-account");
  });

  it("alias moved to another key: row 5, the alias no longer names the pipeline's key, move it back", async () => {
    const fake = healthy();
    const b = fake.get(B)!;
    const [key] = b.keys.values();
    const other = `arn:aws:kms:ap-northeast-1:${B}:key/99999999-aaaa-bbbb-cccc-000000000000`;
    b.keys.set("99999999-aaaa-bbbb-cccc-000000000000", { arn: other, policy: key.policy });
    b.aliases.set("alias/demo-artifacts", "99999999-aaaa-bbbb-cccc-000000000000");
    const report = await doctor(fake);
    // The source-access roles may use any key of B through S3 that the key's own policy admits,
    // so every hop still answers as it must: the problem is the wiring, reported on row 5.
    expect(broken(report)).toEqual([]);
    expect(report.findings.map((f) => [f.row, f.pipeline, f.problem, f.fix])).toEqual(
      ["web", "api"].map((p) => [
        "5",
        p,
        `alias/demo-artifacts points at key ${other}, but the pipeline encrypts its artifacts with key ${key.arn}: the alias no longer names the artifact key (no hop depends on it today)`,
        `point the alias back at the pipeline's key: aws kms update-alias --alias-name alias/demo-artifacts --target-key-id ${key.arn} (in B, or redeploy pipeline-account)`,
      ]),
    );
    expect(report.exitCode).toBe(4);
  });

  it("ECR action's role_arn changed: row 2 of web's live chain, set the action's role back", async () => {
    const fake = healthy();
    const source = fake.get(B)!.pipelines.get("demo-web")!.stages[0].actions[0];
    source.roleArn = `arn:aws:iam::${A}:role/hand-made-role`;
    const report = await doctor(fake);
    const hops = broken(report);
    expect(hops.map((h) => `${h.row} ${h.pipeline} ${h.on}`)).toEqual(expect.arrayContaining([`2 web role hand-made-role (A), which web's ECR action names`]));
    const row2 = hops.find((h) => h.row === "2")!;
    expect(row2.because[0]).toBe(`the ECR action Source/Image of demo-web runs as arn:aws:iam::${A}:role/hand-made-role, not the source-access role arn:aws:iam::${A}:role/demo-web-source-access`);
    expect(row2.because).toContain("role hand-made-role does not exist in A");
    expect(row2.fix).toEqual(["set the action's role back: redeploy pipeline-account: npm run deploy -- --stack pipeline-account"]);
    // The config's own chain is still fine: only the pipeline's wiring broke.
    expect(report.hops.find((h) => h.row === "2" && h.on === "web source-access role (A)")?.state).toBe("ok");
    expect(report.exitCode).toBe(4);
  });

  it("repository policy without the pipeline account: row 6, A's repository policy, redeploy source-account", async () => {
    const fake = healthy();
    const repos = fake.get(A)!.repositories;
    repos.set("web", repos.get("web")!.split(`arn:aws:iam::${B}:root`).join(`arn:aws:iam::444444444444:root`));
    const report = await doctor(fake);
    const hops = broken(report);
    expect(hops.map((h) => `${h.row} ${h.action} ${h.on}`)).toEqual([
      "6 ecr:BatchGetImage web repository (A)",
      "6 ecr:GetDownloadUrlForLayer web repository (A)",
      "6 ecr:BatchGetImage web repository (A)",
    ]);
    expect(hops[0].because).toEqual(["the policy of repository web (A) does not admit a role in B with pull rights (e.g. ECS task execution) for ecr:BatchGetImage"]);
    expect(hops[0].fix[0]).toBe("redeploy source-account: npm run deploy -- --stack source-account");
  });

  it("bus policy without A: row 8, B's bus policy, redeploy pipeline-account", async () => {
    const fake = healthy();
    const buses = fake.get(B)!.buses;
    buses.set("demo-image-pushes", withoutSid(buses.get("demo-image-pushes"), "SourceAccountForwarderPutsEvents"));
    const report = await doctor(fake);
    expect(broken(report).map((h) => `${h.row} ${h.who} ${h.action}`)).toEqual(["8 push forwarder role (A) events:PutEvents"]);
    expect(broken(report)[0].because).toEqual(["the policy of event bus demo-image-pushes (B) does not admit role demo-forward-image-pushes (A) for events:PutEvents"]);
    expect(broken(report)[0].fix[0]).toBe("redeploy pipeline-account: npm run deploy -- --stack pipeline-account");
  });

  it("puts the last failed execution next to the hop that explains it", async () => {
    const fake = healthy();
    const bucket = fake.get(B)!.buckets.get(BUCKET)!;
    bucket.policy = withoutSid(bucket.policy, "SourceAccessWritesWeb");
    fake.get(B)!.executions.set("demo-web", [
      { id: "e-2", status: "Failed", actions: [{ stage: "Source", action: "Image", status: "Failed", message: "Access Denied (Service: Amazon S3; Status Code: 403)" }] },
    ]);
    const report = await doctor(fake);
    expect(report.lastFailures.find((f) => f.pipeline === "web")).toEqual({
      pipeline: "web",
      account: "B",
      failure: { executionId: "e-2", when: "2026-11-30T12:05:00.000Z", stage: "Source", action: "Image", message: "Access Denied (Service: Amazon S3; Status Code: 403)" },
      explainedBy: [
        "row 4: web source-access role (A) s3:PutObject on web artifacts (B), TLS + SSE-KMS: denied",
        "row 4: web source-access role (A) s3:AbortMultipartUpload on web artifacts (B), an upload in parts it gives up: denied",
        "row 4: web source-access role (A) s3:PutObject on web artifacts (B), a part of an upload (no encryption header): denied",
      ],
    });
    expect(report.lastFailures.find((f) => f.pipeline === "api")).toEqual({ pipeline: "api", account: "B", explainedBy: [] });
  });
});

describe("doctor reads what it can and says what it could not", () => {
  it("a read that is AccessDenied becomes 'could not read (needs ...)' and the rest goes on", async () => {
    const fake = healthy();
    fake.get(A)!.denied.add("GetRolePolicy");
    const report = await runConfig(example, { clients: mockedAws(fake).factory });
    expect(report.unreadable).toContainEqual(
      expect.objectContaining({ account: "A", what: "inline policy source-access of role demo-web-source-access", needs: `iam:GetRolePolicy on arn:aws:iam::${A}:role/demo-web-source-access` }),
    );
    const row3 = report.hops.find((h) => h.row === "3" && h.who === "web source-access role (A)")!;
    expect(row3.state).toBe("could not read");
    expect(row3.because).toEqual([`could not read role demo-web-source-access (A) (needs iam:GetRolePolicy on arn:aws:iam::${A}:role/demo-web-source-access)`]);
    expect(row3.fix).toEqual(["give doctor's credentials the read-only policy of docs/doctor.md (npm run doctor -- --print-policy source, or pipeline, prints it)"]);
    // B's side was still read and checked.
    expect(report.hops.find((h) => h.row === "1")?.state).toBe("ok");
    expect(report.exitCode).toBe(1);
  });

  it("a missing bucket is named as missing, with the stack that creates it", async () => {
    const fake = healthy();
    fake.get(B)!.buckets.delete(BUCKET);
    const report = await runConfig(example, { clients: mockedAws(fake).factory });
    const row4 = report.hops.find((h) => h.row === "4" && h.who.startsWith("web"))!;
    expect(row4).toMatchObject({ state: "denied", because: [`bucket ${BUCKET} does not exist in B`], fix: ["deploy pipeline-account: npm run deploy -- --stack pipeline-account"] });
    expect(report.exitCode).toBe(4);
  });

  it("survives empty policies, NotAction/NotPrincipal and a policy that is not JSON", async () => {
    const fake = healthy();
    const b = fake.get(B)!;
    b.buckets.get(BUCKET)!.policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: { Effect: "Deny", NotPrincipal: { AWS: `arn:aws:iam::${B}:root` }, NotAction: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*` },
    });
    b.buses.set("demo-image-pushes", "");
    fake.get(A)!.repositories.set("web", "this is not a policy");
    const report = await runConfig(example, { clients: mockedAws(fake).factory });
    expect(report.unreadable).toContainEqual(expect.objectContaining({ account: "A", what: "policy of repository web", state: "invalid" }));
    expect(report.hops.find((h) => h.row === "4" && h.who.startsWith("web"))?.because[0]).toBe(
      `a statement of the policy of bucket ${BUCKET} (B) denies it`,
    );
    expect(report.hops.find((h) => h.row === "8" && h.action === "events:PutEvents" && h.expect === "allowed")?.because).toEqual([
      "event bus demo-image-pushes (B) has no policy, so nothing admits arn:aws:iam::111111111111:role/demo-forward-image-pushes",
    ]);
    expect(report.exitCode).toBe(4);
  });

  it("parses IAM's URL-encoded documents and a single statement object", () => {
    expect(parsePolicyText(encodeURIComponent('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
    });
    expect(() => parsePolicyText("[1]")).toThrow(PolicyShapeError);
    expect(() => parsePolicyText('{"Statement":[3]}')).toThrow("a Statement entry is not an object");
  });
});

describe("doctor stops with one message when credentials do not work", () => {
  it("credentials for B given for A", async () => {
    const aws = mockedAws(healthy(), () => B);
    await expect(runConfig(example, { clients: aws.factory })).rejects.toThrow(
      new DoctorError([`account A (${A}, with profile "source"): the credentials are for account ${B}, not ${A}`]),
    );
    // Nothing but the identity check was sent.
    expect(aws.sent.every((s) => s.endsWith(" GetCallerIdentity"))).toBe(true);
  });

  it("expired credentials", async () => {
    const fake = healthy();
    const aws = mockedAws(fake);
    const original = aws.factory;
    const factory: typeof original = (access, region) => {
      const clients = original(access, region);
      if (access.accountId === B) clients.sts.send = (async () => {
        throw new FakeAwsError("ExpiredToken", "The security token included in the request is expired", 403);
      }) as never;
      return clients;
    };
    await expect(runConfig(example, { clients: factory })).rejects.toThrow(
      `account B (${B}, with role arn:aws:iam::${B}:role/deployer): expired credentials: The security token included in the request is expired`,
    );
  });

  it("an endpoint that never answers: gives up within the identity timeout", async () => {
    const aws = mockedAws(healthy());
    const factory: typeof aws.factory = (access, region) => {
      const clients = aws.factory(access, region);
      clients.sts.send = (() => new Promise(() => {})) as never;
      return clients;
    };
    const started = Date.now();
    await expect(runConfig(example, { clients: factory, identityTimeoutSeconds: 0.2 })).rejects.toThrow("no answer from STS within 0.2 s");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("doctor only reads", () => {
  it("sends only Get/List/Describe calls, each listed with the IAM action that allows it", async () => {
    const aws = mockedAws(healthy());
    await runConfig(example, { clients: aws.factory });
    const operations = [...new Set(aws.sent.map((s) => s.split(" ")[1]))];
    expect(operations.length).toBeGreaterThan(10);
    for (const op of operations) expect(op).toMatch(/^(Get|List|Describe|BatchGet)/);
    expect(operations.filter((op) => !READ_CALLS.some((c) => c.command === op))).toEqual([]);
  });

  it("its code constructs no SDK command that is not a read", () => {
    const dir = path.join(ROOT, "doctor");
    const commands = fs
      .readdirSync(dir)
      .flatMap((f) => [...fs.readFileSync(path.join(dir, f), "utf8").matchAll(/new (\w+)Command\(/g)].map((m) => m[1]));
    expect(commands.length).toBeGreaterThan(15);
    expect(commands.filter((c) => !/^(Get|List|Describe|BatchGet)/.test(c))).toEqual([]);
    expect([...new Set(commands)].sort()).toEqual(READ_CALLS.map((c) => c.command).sort());
  });

  it("docs/doctor.md lists the policy doctor needs in each account, as permissions.ts generates it", () => {
    for (const side of ["source", "pipeline"] as const) {
      const block = /^```json\n([\s\S]*)\n```$/.exec(blockContent(`doctor-policy:${side}`));
      expect(block && JSON.parse(block[1])).toEqual(doctorPolicy(side));
    }
  });
});

describe("doctor on one existing pipeline, from its definition alone", () => {
  it("diagnoses the pipeline's chain with the roles, key and bucket it names", async () => {
    const fake = healthy();
    const bucket = fake.get(B)!.buckets.get(BUCKET)!;
    bucket.policy = bucket.policy!.replace('"SourceAccessWritesWeb"', '"Renamed"').replace(`role/demo-web-source-access`, "role/elsewhere");
    const report = await runPipeline(
      { region: "ap-northeast-1", pipeline: "demo-web", pipelineAccount: { accountId: B }, sourceAccount: { accountId: A } },
      { clients: mockedAws(fake).factory },
    );
    expect(report.hops.map((h) => `${h.row} ${h.action} ${h.state}`)).toEqual([
      "1 sts:AssumeRole ok",
      "2 sts:AssumeRole ok",
      "3 ecr:DescribeImages ok",
      "4 s3:PutObject denied",
      "4 s3:AbortMultipartUpload denied",
      "4 s3:PutObject denied",
      "5 kms:GenerateDataKey ok",
      "5 kms:Decrypt ok",
    ]);
    const row4 = report.hops[3];
    expect(row4.because[0]).toContain(`statement Renamed of the policy of bucket ${BUCKET} (B) would allow it, but its condition`);
    // Not this app's resources: the fix is the statement, not a stack.
    expect(row4.fix).toEqual([
      `the policy of bucket ${BUCKET} (B) needs a statement: Allow s3:PutObject on arn:aws:s3:::${BUCKET}/demo-web/image/Xy12AbC to principal arn:aws:iam::${A}:role/demo-web-source-access`,
    ]);
    expect(report.exitCode).toBe(4);
  });

  it("an unknown pipeline is one clear message", async () => {
    await expect(
      runPipeline({ region: "ap-northeast-1", pipeline: "nope", pipelineAccount: { accountId: B } }, { clients: mockedAws(healthy()).factory }),
    ).rejects.toThrow(new DoctorError([`pipeline nope does not exist in account ${B} (region ap-northeast-1)`]));
  });
});
