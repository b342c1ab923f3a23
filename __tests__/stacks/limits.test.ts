import { config } from "../../test-support/config";
import { buildApp } from "../../stacks/app";
import { limitProblems, measureStack } from "../../stacks/limits";
import { PATHS } from "../../test-support/synth";

const context = { accountId: "222222222222", region: "ap-northeast-1" };

describe("measureStack", () => {
  it("measures every policy, pattern and count of the example's pipeline account, all within AWS's limits", () => {
    const { pipelines } = buildApp(config(), PATHS);
    const measures = measureStack("pipeline-account", pipelines[0].toTerraform(), context);
    expect(new Set(measures.map((m) => m.limit))).toEqual(
      new Set(["bucketPolicy", "keyPolicy", "trustPolicy", "busPolicy", "roleInlinePolicies", "eventPattern", "rulesPerBus", "rolesPerAccount"]),
    );
    expect(measures.find((m) => m.limit === "rolesPerAccount")).toEqual({ limit: "rolesPerAccount", what: "the roles this stack creates in account 222222222222", size: 4 });
    expect(limitProblems("pipeline-account", measures)).toEqual([]);
  });

  it("counts a role's inline policies together, and a rule per bus", () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
    const json = {
      resource: {
        aws_iam_role_policy: { a: { role: "r", policy }, b: { role: "r", policy }, c: { role: "other", policy } },
        aws_cloudwatch_event_rule: { x: { name: "x", event_pattern: "{}" }, y: { name: "y", event_pattern: "{}", event_bus_name: "b" } },
      },
    };
    const measures = measureStack("s", json, context);
    expect(measures.filter((m) => m.limit === "roleInlinePolicies")).toEqual([
      { limit: "roleInlinePolicies", what: "the inline policies of role other", size: policy.length },
      { limit: "roleInlinePolicies", what: "the inline policies of role r", size: 2 * policy.length },
    ]);
    expect(measures.filter((m) => m.limit === "rulesPerBus").map((m) => [m.what, m.size])).toEqual([
      ["the rules on event bus default of account 222222222222", 1],
      ["the rules on event bus b of account 222222222222", 1],
    ]);
  });

  it("refuses to size a policy that depends on a value it cannot know before apply, rather than guess", () => {
    const json = { resource: { aws_iam_role_policy: { p: { role: "r", policy: "${aws_lambda_function.f.arn}" } } } };
    expect(() => measureStack("s", json, context)).toThrow("s: cannot size ${aws_lambda_function.f.arn} before apply");
  });
});
