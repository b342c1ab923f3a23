import { deployPermissionsBlock, DEPLOY_PERMISSIONS_BLOCK, exampleResourceTypes } from "../../scripts/deploy-permissions-doc";
import { blockContent } from "../../scripts/doc-blocks";
import { DEPLOY_ACTIONS, deployActions } from "../../stacks/deploy-permissions";
import { ROOT } from "../../test-support/config";

describe("what the deploying identity needs (docs/deploying.md)", () => {
  const types = exampleResourceTypes(ROOT);

  it("knows every resource type the stacks of the example configs create", () => {
    const unknown = [...types.source, ...types.pipeline].filter((t) => !(t in DEPLOY_ACTIONS));
    expect(unknown).toEqual([]);
    // The examples exercise every kind of resource: a push trigger, an ECS deploy, created and adopted repositories.
    expect([...types.source].sort()).toEqual(
      expect.arrayContaining(["aws_ecr_lifecycle_policy", "aws_ecr_repository", "aws_ecr_repository_policy", "aws_cloudwatch_event_target"]),
    );
    expect([...types.pipeline]).toEqual(expect.arrayContaining(["aws_codebuild_project", "aws_cloudwatch_event_bus", "aws_kms_key"]));
  });

  it("names a type it does not know instead of leaving it out", () => {
    expect(() => deployActions(["aws_sqs_queue"])).toThrow("stacks/deploy-permissions.ts does not know what deploying aws_sqs_queue needs");
  });

  it("grants iam:PassRole where the stacks pass roles to services, and CodeBuild only in pipeline accounts", () => {
    expect(deployActions(types.pipeline)).toEqual(expect.arrayContaining(["iam:PassRole", "codebuild:CreateProject", "events:CreateEventBus"]));
    expect(deployActions(types.source)).toEqual(expect.arrayContaining(["iam:PassRole", "ecr:SetRepositoryPolicy", "ecr:PutLifecyclePolicy"]));
    expect(deployActions(types.source)).not.toContain("codebuild:CreateProject");
  });

  it("is current in docs/deploying.md (npm run docs rewrites it)", () => {
    expect(blockContent(DEPLOY_PERMISSIONS_BLOCK)).toBe(deployPermissionsBlock(ROOT));
  });
});
