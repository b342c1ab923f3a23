/**
 * A stack reviewed against source-account's outputs as planned is applied only if its new plan is
 * the reviewed one: the plan fixtures (real plans, __tests__/terraform/plan-fixtures) are compared
 * with a copy changed as AWS might make it differ.
 */
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { accessDifferences, resourceDifferences } from "../../deploy/replan";
import type { PlanJson } from "../../terraform/plan-summary";

const FIXTURE = path.join(__dirname, "..", "terraform", "plan-fixtures", "bucket-statement-removed");
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURE, file), "utf8")) as PlanJson;
const config = loadConfig(path.join(FIXTURE, "config.json"));
const BUCKET_POLICY = "aws_s3_bucket_policy.artifact-store_bucket-policy_FE01D197";

/** The fixture's pipeline-account plan removes the statements that let the source-access roles write; this one keeps them. */
function keepingStatements(): PlanJson {
  const plan = read("pipeline-account.json") as PlanJson & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const copy = JSON.parse(JSON.stringify(plan));
  const prior = copy.prior_state.values.root_module.resources.find((r: { address: string }) => r.address === BUCKET_POLICY).values.policy;
  copy.planned_values.root_module.resources.find((r: { address: string }) => r.address === BUCKET_POLICY).values.policy = prior;
  copy.resource_changes.find((c: { address: string }) => c.address === BUCKET_POLICY).change.after.policy = prior;
  return copy;
}

describe("resourceDifferences", () => {
  it("finds none between a plan and itself", () => {
    expect(resourceDifferences(read("pipeline-account.json"), read("pipeline-account.json"))).toEqual([]);
  });

  it("names a resource whose planned value differs, and the attribute", () => {
    const lines = resourceDifferences(keepingStatements(), read("pipeline-account.json"));
    expect(lines).toHaveLength(1);
    // Down to where the policy documents first differ: the statement that was removed.
    expect(lines[0]).toBe(`${BUCKET_POLICY}: \`policy.Statement[0].Action\` was ["s3:PutObject","s3:AbortMultipartUpload"]; now "s3:*"`);
  });

  it("names a resource the new plan adds or drops, and one whose actions differ", () => {
    const reviewed = read("pipeline-account.json");
    const now = JSON.parse(JSON.stringify(reviewed)) as { resource_changes: { address: string; change: { actions: string[] } }[] };
    now.resource_changes.find((c) => c.address === BUCKET_POLICY)!.change.actions = ["delete", "create"];
    now.resource_changes.push({ address: "aws_iam_role.extra", change: { actions: ["create"] } } as never);
    expect(resourceDifferences(reviewed, now as unknown as PlanJson)).toEqual([
      `${BUCKET_POLICY}: reviewed update; now delete, create`,
      "aws_iam_role.extra: create; not in the reviewed plan",
    ]);
    expect(resourceDifferences(now as unknown as PlanJson, reviewed)).toEqual([
      `${BUCKET_POLICY}: reviewed delete, create; now update`,
      "aws_iam_role.extra: reviewed create; not in the new plan",
    ]);
  });
});

describe("accessDifferences", () => {
  it("names each request whose answer the new plan changes: here the source-access roles' writes (row 4)", async () => {
    const reviewed = [
      { stack: "source-account", plan: read("source-account.json") },
      { stack: "pipeline-account", plan: keepingStatements() },
    ];
    const lines = await accessDifferences(config, reviewed, "pipeline-account", read("pipeline-account.json"));
    expect(lines).toEqual([
      "row 4: api source-access role (A) s3:AbortMultipartUpload on api artifacts (B), an upload in parts it gives up: reviewed allowed; now denied",
      "row 4: api source-access role (A) s3:PutObject on api artifacts (B), TLS + SSE-KMS: reviewed allowed; now denied",
      "row 4: api source-access role (A) s3:PutObject on api artifacts (B), a part of an upload (no encryption header): reviewed allowed; now denied",
      "row 4: web source-access role (A) s3:AbortMultipartUpload on web artifacts (B), an upload in parts it gives up: reviewed allowed; now denied",
      "row 4: web source-access role (A) s3:PutObject on web artifacts (B), TLS + SSE-KMS: reviewed allowed; now denied",
      "row 4: web source-access role (A) s3:PutObject on web artifacts (B), a part of an upload (no encryption header): reviewed allowed; now denied",
    ]);
  });
});
