/**
 * Identity follows what a thing is, never where the config lists it: any order of the pipelines and
 * of the pipeline accounts synthesizes the same stacks, byte for byte. (Before, a repository shared
 * by several pipelines lived in the scope of the first of them: moving prod's pipelines above
 * staging's planned the destroy of every shared repository.)
 */
import { parseConfig } from "../../config/load";
import type { ConfigInput } from "../../config/schema";
import { buildApp } from "../../stacks/app";
import { PATHS } from "../../test-support/synth";

const ecs = (service: string) => ({ type: "ecs" as const, cluster: "main", service, containerName: service, executionRoleName: "shop-task-execution" });

function input(): ConfigInput {
  return {
    project: "shop",
    region: "eu-west-1",
    sourceAccount: { accountId: "111111111111" },
    pipelineAccounts: {
      staging: { accountId: "222222222222" },
      prod: { accountId: "333333333333", assumeRoleArn: "arn:aws:iam::333333333333:role/deployer" },
      qa: { accountId: "444444444444" },
    },
    pipelines: [
      { name: "web-staging", account: "staging", repository: { name: "shop/web" }, imageTag: "main", deploy: ecs("web") },
      { name: "api-staging", account: "staging", repository: { name: "shop/api" }, imageTag: "main", deploy: ecs("api") },
      { name: "web-prod", account: "prod", repository: { name: "shop/web" }, imageTag: "release", trigger: "manual" },
      { name: "api-prod", account: "prod", repository: { name: "shop/api" }, imageTag: "release" },
      { name: "web-qa", account: "qa", repository: { name: "shop/web" }, imageTag: "*" },
      {
        name: "legacy-qa",
        account: "qa",
        repository: { name: "legacy/app", create: false, ownerStatements: [{ Sid: "OwnerPushes", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:role/ci" }, Action: "ecr:PutImage" }] },
      },
    ],
  };
}

/** Each stack's Terraform JSON as the synthesizer writes it, by stack name. */
function synthesized(given: ConfigInput): Record<string, string> {
  const { source, pipelines } = buildApp(parseConfig(given, "test"), PATHS);
  return Object.fromEntries([source, ...pipelines].map((s) => [s.node.id, JSON.stringify(s.toTerraform(), null, 2)]));
}

const reorderings: [string, (c: ConfigInput) => void][] = [
  ["the pipelines reversed", (c) => c.pipelines.reverse()],
  ["prod's pipelines moved above staging's", (c) => c.pipelines.sort((a, b) => Number(b.account === "prod") - Number(a.account === "prod"))],
  ["the pipelines rotated by one", (c) => c.pipelines.push(c.pipelines.shift()!)],
  ["the pipeline accounts listed in another order", (c) => (c.pipelineAccounts = Object.fromEntries(Object.entries(c.pipelineAccounts!).reverse()))],
];

describe("a multi-account config with shared repositories, reordered", () => {
  const original = synthesized(input());

  it.each(reorderings)("synthesizes the same stacks, byte for byte, with %s", (_, reorder) => {
    const changed = input();
    reorder(changed);
    expect(JSON.stringify(changed)).not.toBe(JSON.stringify(input()));
    expect(synthesized(changed)).toEqual(original);
  });

  it("has something to reorder: shared repositories, moves, one forwarding rule per account waiting for pushes", () => {
    const source = JSON.parse(original["source-account"]);
    expect(Object.values(source.resource.aws_ecr_repository).map((r: any) => r.name)).toEqual(["shop/api", "shop/web"]);
    expect(source.moved.length).toBeGreaterThan(0);
    expect(Object.values(source.resource.aws_cloudwatch_event_rule).map((r: any) => r.name)).toEqual([
      "shop-image-pushes-to-333333333333",
      "shop-image-pushes-to-444444444444",
      "shop-image-pushes-to-222222222222",
    ]);
  });
});
