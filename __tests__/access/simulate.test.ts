import type { AccessCase } from "../../access/cases";
import { evaluate, markdownTable, type Outcome, textTable } from "../../access/simulate";
import { buildWorld, resourcePolicyFor } from "../../access/world";
import type { RenderedStack } from "../../terraform/render";
import { config } from "../../test-support/config";

const A = "111111111111";
const B = "222222222222";
const role = `arn:aws:iam::${A}:role/demo-web-source-access`;
const bucket = "demo-artifacts-222222222222-ap-northeast-1";
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });

// GIVEN a tiny rendered world: a role in A that may write the bucket in B, and that bucket's policy.
const stacks: RenderedStack[] = [
  {
    stack: "source-account",
    outputs: {},
    resources: [
      { address: "aws_iam_role.r", mode: "managed", type: "aws_iam_role", values: { arn: role, name: "demo-web-source-access", assume_role_policy: doc() } },
      {
        address: "aws_iam_role_policy.p",
        mode: "managed",
        type: "aws_iam_role_policy",
        values: { role: "demo-web-source-access", name: "p", policy: doc({ Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/*` }) },
      },
    ],
  },
  {
    stack: "pipeline-account",
    outputs: {},
    resources: [
      { address: "aws_kms_key.k", mode: "managed", type: "aws_kms_key", values: { arn: `arn:aws:kms:ap-northeast-1:${B}:key/1`, policy: doc() } },
      { address: "aws_s3_bucket.b", mode: "managed", type: "aws_s3_bucket", values: { bucket } },
      {
        address: "aws_s3_bucket_policy.bp",
        mode: "managed",
        type: "aws_s3_bucket_policy",
        values: {
          bucket,
          policy: doc(
            { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/*` },
            { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `arn:aws:s3:::${bucket}/*`, Condition: { Bool: { "aws:SecureTransport": "false" } } },
          ),
        },
      },
    ],
  },
];
const world = buildWorld(config(), stacks);
const put: AccessCase = { row: "4", who: "w", principal: role, action: "s3:PutObject", on: "o", resource: `arn:aws:s3:::${bucket}/x/y`, expect: "allowed" };

describe("access simulation plumbing", () => {
  it("evaluates an object request against its bucket's policy, and the caller's own policies", async () => {
    expect(resourcePolicyFor(world, put.resource)).toBe(world.resourcePolicies.get(`arn:aws:s3:::${bucket}`));
    expect(await evaluate(world, put)).toMatchObject({ result: "Allowed", ok: true });
  });

  it("sends aws:SecureTransport, so the TLS Deny applies when a case turns it off", async () => {
    expect(await evaluate(world, { ...put, expect: "denied", context: { "aws:SecureTransport": "false" } })).toMatchObject({
      result: "ExplicitlyDenied",
      ok: true,
    });
  });

  it("reports a mismatch when AWS's answer differs from the expectation", async () => {
    expect(await evaluate(world, { ...put, expect: "denied" })).toMatchObject({ result: "Allowed", ok: false });
  });

  it("answers the same request on the same policies alike, each case judged by its own expectation", async () => {
    // The first two are one request (simulated once); the third changes only the bucket policy.
    const first = await evaluate(world, put);
    const again = await evaluate(world, { ...put, row: "4b", expect: "denied" });
    const changed = structuredClone(stacks);
    (changed[1].resources[2].values as Record<string, unknown>).policy = doc();
    const cutOff = await evaluate(buildWorld(config(), changed), put);
    expect([first.case.row, first.result, first.ok]).toEqual(["4", "Allowed", true]);
    expect([again.case.row, again.result, again.ok]).toEqual(["4b", "Allowed", false]);
    expect([cutOff.result, cutOff.ok]).toEqual(["ImplicitlyDenied", false]);
  });

  it("takes a policy on a role the stack does not create as that role's identity policy", () => {
    const existing = structuredClone(stacks);
    (existing[0].resources[1].values as Record<string, unknown>).role = "task-execution";
    const role = buildWorld(config(), existing).roles.get(`arn:aws:iam::${A}:role/task-execution`);
    expect(role?.identityPolicies.map((p) => p.name)).toEqual(["task-execution/p"]);
  });

  it("reports requests by group, each group under its own title, in the order the groups first appear", () => {
    const outcome = (group: string | undefined, row: string, who: string): Outcome => ({
      case: { ...put, row, who, ...(group && { group }) },
      result: "Allowed",
      ok: true,
    });
    const outcomes = [outcome("Pipeline web, in account B", "1", "a"), outcome("Account B", "never", "b"), outcome("Pipeline web, in account B", "2", "c")];
    expect(markdownTable(outcomes)).toBe(
      [
        "#### Pipeline web, in account B",
        "",
        "| # | who | action | on what | AWS answers |",
        "|---|---|---|---|---|",
        "| 1 | a | `s3:PutObject` | o | allowed |",
        "| 2 | c | `s3:PutObject` | o | allowed |",
        "",
        "#### Account B",
        "",
        "| # | who | action | on what | AWS answers |",
        "|---|---|---|---|---|",
        "| never | b | `s3:PutObject` | o | allowed |",
      ].join("\n"),
    );
    expect(textTable(outcomes).split("\n").map((l) => l.trimEnd())).toEqual([
      "#      who  action        on what  expected  result",
      "-----  ---  ------------  -------  --------  -----------",
      "",
      "Pipeline web, in account B",
      "1      a    s3:PutObject  o        allowed   ok: Allowed",
      "2      c    s3:PutObject  o        allowed   ok: Allowed",
      "",
      "Account B",
      "never  b    s3:PutObject  o        allowed   ok: Allowed",
    ]);
    // Without groups, one table as before.
    expect(markdownTable([outcome(undefined, "1", "a")])).toBe("| # | who | action | on what | AWS answers |\n|---|---|---|---|---|\n| 1 | a | `s3:PutObject` | o | allowed |");
  });
});
