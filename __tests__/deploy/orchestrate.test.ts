/** The parts of the stack loop that need no Terraform: which stacks, what a stack reads, what a failed apply says. */
import { UsageError } from "../../commands/cli";
import { changedOutputs, explainApplyFailure, selectStacks, sourceOutputsRead } from "../../deploy/orchestrate";
import { config } from "../../test-support/config";
import { synthApp } from "../../test-support/synth";
import type { PlanJson } from "../../terraform/plan-summary";

const two = config((c) => {
  delete (c as { pipelineAccount?: unknown }).pipelineAccount;
  c.pipelineAccounts = { staging: { accountId: "222222222222" }, prod: { accountId: "333333333333" } };
  c.pipelines[0].account = "staging";
  c.pipelines[1].account = "prod";
});

describe("selectStacks", () => {
  it("is every stack in deploy order without --stack, and keeps deploy order whatever order the flags are given in", () => {
    expect(selectStacks(two, undefined)).toEqual(["source-account", "pipeline-account-staging", "pipeline-account-prod"]);
    expect(selectStacks(two, ["pipeline-account-prod", "source-account"])).toEqual(["source-account", "pipeline-account-prod"]);
  });

  it("takes globs, and a stack named twice once", () => {
    expect(selectStacks(two, ["pipeline-account-*"])).toEqual(["pipeline-account-staging", "pipeline-account-prod"]);
    expect(selectStacks(two, ["*-prod", "pipeline-account-pro?"])).toEqual(["pipeline-account-prod"]);
  });

  it("refuses a name or glob that matches no stack, naming the stacks there are", () => {
    expect(() => selectStacks(two, ["pipeline-account"])).toThrow(
      new UsageError('--stack "pipeline-account" matches no stack of the config; its stacks: source-account, pipeline-account-staging, pipeline-account-prod'),
    );
    // A dot is a dot, not any character.
    expect(() => selectStacks(two, ["source.account"])).toThrow(UsageError);
  });
});

describe("what a pipeline-account stack reads of source-account", () => {
  it("is each output its remote state is read for: each pipeline's role ARN and repository name", () => {
    const { pipeline } = synthApp(config());
    expect([...sourceOutputsRead(pipeline.json)].sort()).toEqual([
      "api_repository_name",
      "api_source_access_role_arn",
      "web_repository_name",
      "web_source_access_role_arn",
    ]);
  });

  it("is changed when source-account's plan creates, updates or removes it, not when it keeps it", () => {
    const plan: PlanJson = {
      output_changes: {
        kept: { actions: ["no-op"] },
        added: { actions: ["create"] },
        changed: { actions: ["update"] },
        removed: { actions: ["delete"] },
      },
    };
    expect([...changedOutputs(plan)].sort()).toEqual(["added", "changed", "removed"]);
  });
});

describe("explainApplyFailure", () => {
  // Terraform 1.11 and the AWS provider 5.100, as they print a refused apply (-no-color).
  const refused = [
    "aws_iam_role.web_source-access_role_F39518A7: Creating...",
    "",
    "Error: creating IAM Role (demo-web-source-access): operation error IAM: CreateRole, https response error StatusCode: 403, RequestID: 8c1d, api error AccessDenied: User: arn:aws:sts::111111111111:assumed-role/deployer/s is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::111111111111:role/demo-web-source-access",
    "",
    "  with aws_iam_role.web_source-access_role_F39518A7,",
    '  on cdk.tf.json line 464, in resource.aws_iam_role.web_source-access_role_F39518A7:',
    " 464:       }",
    "",
    "",
    "Error: creating EventBridge Rule (demo-web-image-push): operation error EventBridge: PutRule, https response error StatusCode: 400, RequestID: fake, api error ValidationException: bad pattern",
    "",
    "  with aws_cloudwatch_event_rule.push-forwarding_web-rule_7F670FB8,",
  ].join("\n");

  it("names each call AWS refused, with its status, code and message", () => {
    expect(explainApplyFailure(refused)).toBe(
      "AWS refused IAM CreateRole (HTTP 403 AccessDenied: User: arn:aws:sts::111111111111:assumed-role/deployer/s is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::111111111111:role/demo-web-source-access); " +
        "EventBridge PutRule (HTTP 400 ValidationException: bad pattern)",
    );
  });

  it("says in one line that Terraform refused a stale plan", () => {
    // As Terraform 1.11 prints it when the state changed after the plan was saved.
    const stale = "\nError: Saved plan is stale\n\nThe given plan file can no longer be applied because the state was changed by\nanother operation after the plan was created.\n";
    expect(explainApplyFailure(stale)).toBe(
      'Terraform refused the saved plan: the state changed after it was planned ("Saved plan is stale"); plan again',
    );
  });

  it("points at Terraform's errors when it finds no call", () => {
    expect(explainApplyFailure("Error: Provider produced inconsistent result after apply")).toBe("terraform apply failed; Terraform's errors are above");
  });
});
