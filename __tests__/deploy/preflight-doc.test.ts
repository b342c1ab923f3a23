/** docs/preflight.md lists the permissions preflight needs beyond deploying's, as deploy/calls.ts has them. */
import * as fs from "fs";
import * as path from "path";
import { preflightOnlyActions } from "../../deploy/calls";
import { readBlock } from "../../scripts/readme";
import { DEPLOY_ACTIONS } from "../../stacks/deploy-permissions";
import { ROOT } from "../../test-support/config";

describe("docs/preflight.md", () => {
  it("lists the actions preflight needs that deploying does not", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "preflight.md"), "utf8");
    const listed = readBlock(doc, "preflight-actions").split(", ").map((a) => a.replace(/`/g, ""));
    expect(listed).toEqual(preflightOnlyActions(DEPLOY_ACTIONS));
    expect(listed).toEqual(["events:ListRules", "iam:GetAccountSummary", "iam:SimulatePrincipalPolicy", "servicequotas:GetServiceQuota"]);
  });
});
