/**
 * Doctor keeps going on what it cannot read or does not understand, stops with one message on
 * credentials that do not work, and only ever reads.
 */
import * as fs from "fs";
import * as path from "path";
import { parsePolicyText, PolicyShapeError } from "../../doctor/policy-text";
import { doctorPolicy, READ_CALLS } from "../../doctor/permissions";
import { DoctorError, runConfig, runPipeline } from "../../doctor/run";
import { config, ROOT } from "../../test-support/config";
import { FakeAwsError, type FakeAws, fakeAwsFromRendered, renderedExample } from "../../test-support/doctor/fake-aws";
import { mockedAws } from "../../test-support/doctor/mock-clients";

const A = "111111111111";
const B = "222222222222";
const BUCKET = "demo-artifacts-222222222222-ap-northeast-1";
const example = config();
const healthy = (): FakeAws => fakeAwsFromRendered(example, renderedExample());

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
    // B's side was still read and checked.
    expect(report.hops.find((h) => h.row === "1")?.state).toBe("ok");
    expect(report.exitCode).toBe(1);
  });

  it("a missing bucket is named as missing, with the stack that creates it", async () => {
    const fake = healthy();
    fake.get(B)!.buckets.delete(BUCKET);
    const report = await runConfig(example, { clients: mockedAws(fake).factory });
    const row4 = report.hops.find((h) => h.row === "4" && h.who.startsWith("web"))!;
    expect(row4).toMatchObject({ state: "denied", because: [`bucket ${BUCKET} does not exist in B`], fix: ["deploy pipeline-account: npx cdktf deploy pipeline-account"] });
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
      new DoctorError(`account A (${A}, with profile "source"): the credentials are for account ${B}, not ${A}`),
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

  it("README lists the policy doctor needs in each account, as permissions.ts generates it", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const side of ["source", "pipeline"] as const) {
      const block = new RegExp(`<!-- doctor-policy:${side}:start[^>]*-->\\n\`\`\`json\\n([\\s\\S]*?)\`\`\`\\n<!-- doctor-policy:${side}:end -->`).exec(readme);
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
    expect(report.hops.map((h) => `${h.row} ${h.state}`)).toEqual(["1 ok", "2 ok", "3 ok", "4 denied", "5 ok"]);
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
    ).rejects.toThrow(new DoctorError(`pipeline nope does not exist in account ${B} (region ap-northeast-1)`));
  });
});
