/**
 * The requests verify:access, doctor and the plan review ask (access/cases.ts): every pipeline of
 * every account gets its own, named by its own roles and resources. What AWS answers to them is
 * the end-to-end suite's business (__tests__/e2e/terraform.test.ts), on rendered policies.
 */
import * as fs from "fs";
import * as path from "path";
import { type AccessCase, accessCases, pipelineGroup } from "../../access/cases";
import type { World } from "../../access/world";
import { pipelineAccounts } from "../../config/accounts";
import { parseConfig } from "../../config/load";
import * as naming from "../../lib/naming";
import { ROOT } from "../../test-support/config";

const file = path.join(ROOT, "test-support", "configs", "every-pipeline.json");
const config = parseConfig(JSON.parse(fs.readFileSync(file, "utf8")), file);
const accounts = pipelineAccounts(config);
const A = config.sourceAccount.accountId;
const keyOf = (accountId: string) => `arn:aws:kms:${config.region}:${accountId}:key/${accountId}`;
const world: World = {
  roles: new Map(),
  resourcePolicies: new Map(),
  bucketOwners: new Map(),
  artifactKeys: new Map(accounts.map((a) => [a.accountId, keyOf(a.accountId)])),
};
const cases = accessCases(config, world);

const ref = (name: string) => ({ project: config.project, name });
const sourceRole = (name: string) => naming.roleArn(A, naming.sourceAccessRoleName(ref(name)));
const serviceRole = (accountId: string, name: string) => naming.roleArn(accountId, naming.pipelineServiceRoleName(ref(name)));
const prefixOf = (accountId: string, name: string) =>
  `${naming.bucketArn(naming.artifactBucketName(config.project, accountId, config.region))}/${naming.artifactPrefix(ref(name))}/`;
const brief = (c: AccessCase) => `${c.row} ${c.action} ${c.resource}`;

describe("the requests of the access model", () => {
  it("covers the test config: several pipelines in one account, one in the other, an execution role with a path", () => {
    expect(accounts.map((a) => [a.label, a.pipelines.map((p) => p.name)])).toEqual([
      ["staging", ["web", "api"]],
      ["prod", ["web-prod"]],
    ]);
  });

  it.each(accounts.flatMap((a) => a.pipelines.map((p) => [p.name, a.label, a.accountId, p.trigger, p.repository.name] as const)))(
    "%s (account %s): its whole chain, as its own roles, on its own repository, prefix and key",
    (name, label, B, trigger, repository) => {
      const own = cases.filter((c) => c.group === pipelineGroup(name, label) && c.expect === "allowed");
      const prefix = prefixOf(B, name);
      const artifact = expect.stringMatching(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      const repositoryArn = naming.repositoryArn(config.region, A, repository);
      const chain = (row: string, principal: string, action: string, resource: unknown) =>
        expect.objectContaining({ row, principal, action, resource, expect: "allowed" });
      expect(own).toEqual(
        expect.arrayContaining([
          chain("1", "codepipeline.amazonaws.com", "sts:AssumeRole", serviceRole(B, name)),
          chain("2", serviceRole(B, name), "sts:AssumeRole", sourceRole(name)),
          chain("3", sourceRole(name), "ecr:DescribeImages", repositoryArn),
          chain("4", sourceRole(name), "s3:PutObject", artifact),
          chain("4", sourceRole(name), "s3:AbortMultipartUpload", artifact),
          chain("5", sourceRole(name), "kms:GenerateDataKey", keyOf(B)),
          chain("5", sourceRole(name), "kms:Decrypt", keyOf(B)),
          chain("6", expect.any(String), "ecr:BatchGetImage", repositoryArn),
          chain("7", serviceRole(B, name), "kms:CreateGrant", keyOf(B)),
        ]),
      );
      const starts = own.filter((c) => c.row === "8").map((c) => `${c.action} ${c.resource}`);
      expect(starts).toEqual(
        trigger === "push"
          ? [`sts:AssumeRole ${naming.roleArn(B, naming.startPipelineRoleName(ref(name)))}`, `codepipeline:StartPipelineExecution ${naming.pipelineArn(config.region, B, ref(name))}`]
          : [],
      );
    },
  );

  it("gives every pipeline what must stay false for it, the same requests for each", () => {
    const nevers = (name: string, label: string) =>
      cases
        .filter((c) => c.group === pipelineGroup(name, label) && c.expect === "denied" && !c.action.startsWith("ecs:") && !c.action.startsWith("iam:") && !c.who.includes("CodeBuild"))
        .map((c) => `${c.action} ${c.on.replaceAll(name, "<p>").replaceAll(label, "<L>")}`);
    const [first, ...others] = accounts.flatMap((a) => a.pipelines.map((p) => nevers(p.name, a.label)));
    expect(first).toHaveLength(16);
    expect(first).toEqual(
      expect.arrayContaining([
        "s3:GetObject <p> artifacts (<L>): the action only writes",
        "kms:Decrypt artifact key (<L>), called directly, not through S3",
        "kms:GenerateDataKey artifact key (<L>), called directly, not through S3",
        "s3:PutObject <p> artifacts (<L>), over plain HTTP",
      ]),
    );
    for (const other of others) expect(other).toEqual(first);
  });

  it("passes an execution role given with a path by its ARN, and simulates its pull as that ARN", () => {
    const executionRole = "arn:aws:iam::222222222222:role/service-role/ecsTaskExecutionRole";
    const passed = cases.filter((c) => c.action === "iam:PassRole" && c.resource === executionRole).map((c) => `${c.group}: ${c.expect} ${c.context?.["iam:PassedToService"]}`);
    expect(passed).toEqual([
      "Pipeline web, in account staging: allowed ecs-tasks.amazonaws.com",
      "Pipeline web, in account staging: denied ec2.amazonaws.com",
      "Pipeline api, in account staging: allowed ecs-tasks.amazonaws.com",
      "Pipeline api, in account staging: denied ec2.amazonaws.com",
    ]);
    expect(cases.filter((c) => c.principal === executionRole).map(brief)).toEqual([
      `6 ecr:BatchGetImage ${naming.repositoryArn(config.region, A, "shop/web")}`,
      `6 ecr:BatchGetImage ${naming.repositoryArn(config.region, A, "shop/api")}`,
    ]);
  });

  it("keeps each pipeline of an account from the next one: its source-access role writes neither the next one's prefix, nor aborts uploads there", () => {
    const [staging] = accounts;
    const apart = cases.filter((c) => c.group === "Pipelines of account staging kept apart (each against the next)");
    const names = staging.pipelines.map((p) => p.name);
    const next = (i: number) => names[(i + 1) % names.length];
    for (const action of ["s3:PutObject", "s3:AbortMultipartUpload"]) {
      expect(apart.filter((c) => c.action === action).map((c) => [c.principal, c.resource.slice(0, c.resource.lastIndexOf("/image/") + 1), c.expect])).toEqual(
        names.map((name, i) => [sourceRole(name), prefixOf(staging.accountId, next(i)), "denied"]),
      );
    }
    expect(apart.filter((c) => c.action === "sts:AssumeRole").map((c) => [c.principal, c.resource])).toEqual(
      names.map((name, i) => [serviceRole(staging.accountId, next(i)), sourceRole(name)]),
    );
    // A single pipeline has no other to be kept from.
    expect(cases.some((c) => c.group === "Pipelines of account prod kept apart (each against the next)")).toBe(false);
  });

  it("keeps each account from the next one, every pipeline of each side included", () => {
    const [staging, prod] = accounts;
    const stagingFromProd = cases.filter((c) => c.group === "Account staging kept from account prod");
    const prodFromStaging = cases.filter((c) => c.group === "Account prod kept from account staging");
    const assumed = (group: AccessCase[]) => group.filter((c) => c.action === "sts:AssumeRole" && !c.identity).map((c) => [c.principal, c.resource]);
    // Each pipeline of the other account against a pipeline of this one, in turn.
    expect(assumed(stagingFromProd)).toEqual([[serviceRole(prod.accountId, "web-prod"), sourceRole("web")]]);
    expect(assumed(prodFromStaging)).toEqual(staging.pipelines.map((p) => [serviceRole(staging.accountId, p.name), sourceRole("web-prod")]));
    // Every pipeline of this account against the other account's administrator.
    const byAdmin = (group: AccessCase[], accountId: string) => group.filter((c) => c.principal === naming.roleArn(accountId, "admin") && c.action === "sts:AssumeRole").map((c) => c.resource);
    expect(byAdmin(stagingFromProd, prod.accountId)).toEqual(staging.pipelines.map((p) => sourceRole(p.name)));
    expect(byAdmin(prodFromStaging, staging.accountId)).toEqual([sourceRole("web-prod")]);
    expect([...stagingFromProd, ...prodFromStaging].every((c) => c.expect === "denied")).toBe(true);
  });
});
