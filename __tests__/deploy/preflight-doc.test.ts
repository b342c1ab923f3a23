/** docs/preflight.md lists the permissions preflight needs beyond deploying's, as deploy/calls.ts has them. */
import { preflightOnlyActions } from "../../deploy/calls";
import { blockContent } from "../../scripts/doc-blocks";
import { DEPLOY_ACTIONS } from "../../stacks/deploy-permissions";

describe("docs/preflight.md", () => {
  it("lists the actions preflight needs that deploying does not", () => {
    const listed = blockContent("preflight-actions").split(", ").map((a) => a.replace(/`/g, ""));
    expect(listed).toEqual(preflightOnlyActions(DEPLOY_ACTIONS));
    expect(listed).toEqual(["events:ListRules", "iam:GetAccountSummary", "iam:SimulatePrincipalPolicy", "servicequotas:GetServiceQuota"]);
  });
});
