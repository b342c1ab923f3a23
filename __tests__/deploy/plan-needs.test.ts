/**
 * What preflight reads of a plan, without AWS: the names it creates, what it expects to exist, the
 * IAM actions each change needs and on which ARN, and the roles and rules it adds. On the example's
 * first deployment as Terraform plans it (test-support/preflight/first-deploy.json) and on small
 * hand-made plans for updates, deletes and replacements.
 */
import {
  actionsFor,
  changesOf,
  countsOfPlan,
  namesOfPlan,
  needsOfPlan,
  PlanIndex,
  unclassifiedActions,
} from "../../deploy/plan-needs";
import { DEPLOY_ACTIONS } from "../../stacks/deploy-permissions";
import type { PlanJson, ResourceChange } from "../../terraform/plan-summary";
import { FIRST_DEPLOY_STACKS } from "../../test-support/preflight/plans";

const A = "111111111111";
const B = "222222222222";
const REGION = "ap-northeast-1";
const [source, pipeline] = FIRST_DEPLOY_STACKS();
const sourceIndex = new PlanIndex(source.plan, { region: REGION, accountId: A });
const pipelineIndex = new PlanIndex(pipeline.plan, { region: REGION, accountId: B });

function rc(address: string, actions: string[], change: Partial<ResourceChange["change"]> = {}): ResourceChange {
  return { address, mode: "managed", type: address.split(".")[0], change: { actions, ...change } };
}

function index(...changes: ResourceChange[]): PlanIndex {
  const plan: PlanJson = { resource_changes: changes };
  return new PlanIndex(plan, { region: REGION, accountId: B });
}

describe("changesOf", () => {
  it.each([
    [["create"], ["create"]],
    [["update"], ["update"]],
    [["delete"], ["delete"]],
    [["delete", "create"], ["delete", "create"]],
    [["create", "delete"], ["delete", "create"]],
    [["no-op"], []],
    [["read"], []],
    [["forget"], []],
  ])("%j sends AWS %j", (actions, changes) => {
    expect(changesOf(actions)).toEqual(changes);
  });
});

describe("the actions each change needs, from stacks/deploy-permissions.ts", () => {
  it("puts every action of the deployer's list in some change", () => {
    expect(unclassifiedActions()).toEqual([]);
    for (const [type, actions] of Object.entries(DEPLOY_ACTIONS)) {
      const used = new Set((["create", "update", "delete"] as const).flatMap((c) => actionsFor(type, c) ?? []));
      expect([...actions].filter((a) => !used.has(a))).toEqual([]);
    }
  });

  it("creating a role creates, tags and reads it; deleting it deletes and reads it", () => {
    expect(actionsFor("aws_iam_role", "create")).toEqual([
      "iam:CreateRole",
      "iam:GetRole",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:TagRole",
    ]);
    expect(actionsFor("aws_iam_role", "delete")).toEqual(["iam:DeleteRole", "iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies"]);
    expect(actionsFor("aws_iam_role", "update")).toEqual(expect.arrayContaining(["iam:UpdateAssumeRolePolicy", "iam:UntagRole", "iam:GetRole"]));
    expect(actionsFor("aws_iam_role", "update")).not.toContain("iam:CreateRole");
    expect(actionsFor("aws_kms_key", "delete")).toEqual(expect.arrayContaining(["kms:ScheduleKeyDeletion"]));
    expect(actionsFor("aws_sqs_queue", "create")).toBeUndefined();
  });
});

describe("names the first deployment creates", () => {
  it("source account: the push rule on the default bus, the repository it creates, three roles; the adopted repository must exist", () => {
    const names = namesOfPlan(sourceIndex);
    expect(names.creations.map((c) => `${c.kind} ${c.name}${c.parent ? ` (${c.parent})` : ""} → ${c.importId}`)).toEqual([
      "rule demo-image-pushes-to-222222222222 (default) → demo-image-pushes-to-222222222222",
      "repository web → web",
      "role demo-api-source-access → demo-api-source-access",
      "role demo-forward-image-pushes → demo-forward-image-pushes",
      "role demo-web-source-access → demo-web-source-access",
    ]);
    expect(names.prerequisites).toEqual([{ address: "aws_ecr_repository_policy.repository_platform--api_policy_598035D3", kind: "repository", name: "platform/api" }]);
    expect(names.unnamed).toEqual([]);
  });

  it("pipeline account: the bus, but not the rule on it (a new bus has none); the inline policy on the config's execution role, which must exist", () => {
    const names = namesOfPlan(pipelineIndex);
    expect(names.creations.map((c) => `${c.kind} ${c.name}${c.parent ? ` (${c.parent})` : ""}`)).toEqual([
      "event bus demo-image-pushes",
      "log group /aws/codebuild/demo-web-imagedefinitions",
      "CodeBuild project demo-web-imagedefinitions",
      "pipeline demo-api",
      "pipeline demo-web",
      "role demo-api-pipeline",
      "role demo-web-codebuild",
      "role demo-web-start-pipeline",
      "role demo-web-pipeline",
      "inline policy demo-pull-from-source-account (demo-web-task-execution)",
      "key alias alias/demo-artifacts",
      "bucket demo-artifacts-222222222222-ap-northeast-1",
    ]);
    expect(names.creations.find((c) => c.type === "aws_iam_role_policy")?.importId).toBe("demo-web-task-execution:demo-pull-from-source-account");
    expect(names.prerequisites).toEqual([{ address: "aws_iam_role_policy.execution-role-pull_demo-web-task-execution_policy_9B2F201D", kind: "role", name: "demo-web-task-execution" }]);
  });

  it("a replacement that keeps its name creates none; one that renames creates the new name", () => {
    const names = namesOfPlan(
      index(
        rc("aws_iam_role.kept", ["delete", "create"], { before: { name: "demo-kept" }, after: { name: "demo-kept" } }),
        rc("aws_iam_role.renamed", ["create", "delete"], { before: { name: "demo-old" }, after: { name: "demo-new" } }),
      ),
    );
    expect(names.creations.map((c) => c.name)).toEqual(["demo-new"]);
  });

  it("says which creates it cannot name, and why", () => {
    const names = namesOfPlan(
      index(rc("aws_iam_role.prefixed", ["create"], { after: {}, after_unknown: { name: true } }), rc("aws_codepipeline.trimmed", ["create"], { after_unknown: {} })),
    );
    expect(names.unnamed).toEqual([
      { address: "aws_iam_role.prefixed", type: "aws_iam_role", why: "its name is known only after apply" },
      { address: "aws_codepipeline.trimmed", type: "aws_codepipeline", why: "the plan file does not give its name" },
    ]);
  });

  it("a rule on a bus that exists is checked, and imported as <bus>/<rule>", () => {
    const names = namesOfPlan(index(rc("aws_cloudwatch_event_rule.r", ["create"], { after: { name: "demo-x-image-push", event_bus_name: "demo-image-pushes" } })));
    expect(names.creations).toEqual([
      {
        address: "aws_cloudwatch_event_rule.r",
        type: "aws_cloudwatch_event_rule",
        kind: "rule",
        name: "demo-x-image-push",
        parent: "demo-image-pushes",
        importId: "demo-image-pushes/demo-x-image-push",
      },
    ]);
  });
});

describe("what each change is authorized on", () => {
  const on = (idx: PlanIndex, address: string, action: string) =>
    needsOfPlan(idx)
      .needs.filter((n) => n.address === address && n.action === action)
      .map((n) => n.resource);

  it("passes each role it creates to the service that uses it: the ARN from the configuration's reference", () => {
    expect(on(pipelineIndex, "aws_codepipeline.web_pipeline_C6F832EF", "iam:PassRole")).toEqual([`arn:aws:iam::${B}:role/demo-web-pipeline`]);
    expect(on(pipelineIndex, "aws_codebuild_project.web_ecs-deployment_project_A58478CE", "iam:PassRole")).toEqual([`arn:aws:iam::${B}:role/demo-web-codebuild`]);
    expect(on(sourceIndex, "aws_cloudwatch_event_target.push-forwarding_to-pipeline-account-target_F48913E6", "iam:PassRole")).toEqual([`arn:aws:iam::${A}:role/demo-forward-image-pushes`]);
  });

  it("acts on the bucket its sub-resources name by reference, the rule on its bus, the log group with :* except for tagging", () => {
    const bucket = `arn:aws:s3:::demo-artifacts-${B}-ap-northeast-1`;
    expect(on(pipelineIndex, "aws_s3_bucket_policy.artifact-store_bucket-policy_FE01D197", "s3:PutBucketPolicy")).toEqual([bucket]);
    expect(on(pipelineIndex, "aws_s3_bucket_versioning.artifact-store_versioning_B9427C31", "s3:PutBucketVersioning")).toEqual([bucket]);
    expect(on(pipelineIndex, "aws_cloudwatch_event_target.web_push-trigger_target_E2805691", "events:PutTargets")).toEqual([
      `arn:aws:events:${REGION}:${B}:rule/demo-image-pushes/demo-web-image-push`,
    ]);
    expect(on(sourceIndex, "aws_cloudwatch_event_rule.push-forwarding_to-pipeline-account-rule_1880ED86", "events:PutRule")).toEqual([`arn:aws:events:${REGION}:${A}:rule/demo-image-pushes-to-222222222222`]);
    const group = `arn:aws:logs:${REGION}:${B}:log-group:/aws/codebuild/demo-web-imagedefinitions`;
    expect(on(pipelineIndex, "aws_cloudwatch_log_group.web_ecs-deployment_logs_42DC0C9F", "logs:CreateLogGroup")).toEqual([`${group}:*`]);
    expect(on(pipelineIndex, "aws_cloudwatch_log_group.web_ecs-deployment_logs_42DC0C9F", "logs:TagResource")).toEqual([group]);
  });

  it("asks for account-level KMS actions on *, an alias on the alias and the keys, a role's policy on its role", () => {
    expect(on(pipelineIndex, "aws_kms_key.artifact-store_key_B4BD13A2", "kms:CreateKey")).toEqual(["*"]);
    expect(on(pipelineIndex, "aws_kms_key.artifact-store_key_B4BD13A2", "kms:PutKeyPolicy")).toEqual([`arn:aws:kms:${REGION}:${B}:key/*`]);
    expect(on(pipelineIndex, "aws_kms_alias.artifact-store_alias_1A031F07", "kms:CreateAlias")).toEqual([
      `arn:aws:kms:${REGION}:${B}:alias/demo-artifacts`,
      `arn:aws:kms:${REGION}:${B}:key/*`,
    ]);
    expect(on(pipelineIndex, "aws_iam_role_policy.execution-role-pull_demo-web-task-execution_policy_9B2F201D", "iam:PutRolePolicy")).toEqual([`arn:aws:iam::${B}:role/demo-web-task-execution`]);
  });

  it("a delete acts on what the state holds, with the role's path; an update passes the role it keeps", () => {
    const idx = index(
      rc("aws_iam_role.gone", ["delete"], { before: { name: "demo-gone", path: "/service-role/", arn: `arn:aws:iam::${B}:role/service-role/demo-gone` } }),
      rc("aws_codepipeline.p", ["update"], { before: { name: "demo-p", role_arn: `arn:aws:iam::${B}:role/demo-p-pipeline` }, after: { name: "demo-p", role_arn: `arn:aws:iam::${B}:role/demo-p-pipeline` } }),
    );
    const { needs } = needsOfPlan(idx);
    expect(needs.filter((n) => n.address === "aws_iam_role.gone").map((n) => `${n.change} ${n.action} ${n.resource}`)).toContain(
      `delete iam:DeleteRole arn:aws:iam::${B}:role/service-role/demo-gone`,
    );
    expect(needs.filter((n) => n.address === "aws_iam_role.gone").map((n) => n.action)).not.toContain("iam:CreateRole");
    expect(needs.filter((n) => n.address === "aws_codepipeline.p").map((n) => `${n.action} ${n.resource}`)).toEqual(
      expect.arrayContaining([`codepipeline:UpdatePipeline arn:aws:codepipeline:${REGION}:${B}:demo-p`, `iam:PassRole arn:aws:iam::${B}:role/demo-p-pipeline`]),
    );
  });

  it("names the types and changes it cannot check instead of leaving them out", () => {
    const { unknownTypes, unresolved } = needsOfPlan(index(rc("aws_sqs_queue.q", ["create"], { after: { name: "q" } }), rc("aws_codepipeline.nameless", ["create"], { after: {} })));
    expect(unknownTypes).toEqual(["aws_sqs_queue"]);
    expect(unresolved).toEqual(["aws_codepipeline.nameless"]);
  });
});

describe("roles and rules the plan adds", () => {
  it("first deployment: three roles and a rule on A's default bus; four roles and a rule on B's new bus", () => {
    const a = countsOfPlan(sourceIndex);
    expect(a.roles).toEqual({ created: 3, deleted: 0 });
    expect([...a.rules]).toEqual([["default", { created: 1, deleted: 0, busCreated: false }]]);
    const b = countsOfPlan(pipelineIndex);
    expect(b.roles).toEqual({ created: 4, deleted: 0 });
    expect([...b.rules]).toEqual([["demo-image-pushes", { created: 1, deleted: 0, busCreated: true }]]);
  });

  it("a replaced role is created and deleted; a deleted rule counts on the bus it was on", () => {
    const counts = countsOfPlan(
      index(
        rc("aws_iam_role.r", ["delete", "create"], { before: { name: "x" }, after: { name: "x" } }),
        rc("aws_cloudwatch_event_rule.old", ["delete"], { before: { name: "old", event_bus_name: "default" } }),
      ),
    );
    expect(counts.roles).toEqual({ created: 1, deleted: 1 });
    expect([...counts.rules]).toEqual([["default", { created: 0, deleted: 1, busCreated: false }]]);
  });
});
