import * as path from "path";
import { loadConfig } from "../../config/load";
import { ROOT, config as example } from "../../test-support/config";
import { synthApp, type Synth } from "../../test-support/synth";

const STAGING = "222222222222";
const PROD = "333333333333";

const { source, pipelines } = synthApp(loadConfig(path.join(ROOT, "config", "examples", "two-accounts.json")));
const staging = pipelines["pipeline-account-staging"];
const prod = pipelines["pipeline-account-prod"];

describe("one source account, two pipeline accounts", () => {
  it("synthesizes one stack per pipeline account, named after its key, in the order of the keys", () => {
    expect(Object.keys(pipelines)).toEqual(["pipeline-account-prod", "pipeline-account-staging"]);
  });

  it("gives each pipeline account its own provider account, state file and remote read of source-account", () => {
    for (const [stack, account, out] of [
      ["pipeline-account-staging", STAGING, staging],
      ["pipeline-account-prod", PROD, prod],
    ] as const) {
      expect(out.json.provider?.aws[0]).toMatchObject({ allowed_account_ids: [account], region: "eu-west-1" });
      expect(out.json.terraform?.backend).toEqual({ local: { path: `../../../terraform-state/${stack}.tfstate` } });
      expect(Object.values((out.json.data as any).terraform_remote_state)[0]).toMatchObject({
        config: { path: "../../../terraform-state/source-account.tfstate" },
      });
    }
    expect(prod.json.provider?.aws[0]).toMatchObject({ assume_role: [{ role_arn: "arn:aws:iam::333333333333:role/deployer" }] });
    expect(staging.json.provider?.aws[0]).toMatchObject({ profile: "staging" });
  });

  it("creates a shared repository once, whose policy lets exactly the two accounts pull", () => {
    expect(Object.values(source.resources("aws_ecr_repository")).map((r) => r.name)).toEqual(["shop/web"]);
    expect(Object.keys(source.resources("aws_ecr_repository_policy"))).toHaveLength(1);
    expect(source.policyOf("aws_ecr_repository_policy", "repository_shop--web/policy")).toEqual([
      {
        sid: "PipelineAccountPull",
        effect: "Allow",
        actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        principals: [{ type: "AWS", identifiers: [`arn:aws:iam::${STAGING}:root`, `arn:aws:iam::${PROD}:root`] }],
      },
    ]);
  });

  it("trusts each source-access role to one service role, in its own account", () => {
    for (const [name, account] of [
      ["web-staging", STAGING],
      ["web-prod", PROD],
    ]) {
      const [trust] = source.policyOf("aws_iam_role", `${name}/source-access/role`, "assume_role_policy");
      expect(trust.principals).toEqual([{ type: "AWS", identifiers: [`arn:aws:iam::${account}:root`] }]);
      expect(trust.condition).toEqual([
        { test: "ArnEquals", variable: "aws:PrincipalArn", values: [`arn:aws:iam::${account}:role/shop-${name}-pipeline`] },
      ]);
    }
  });

  it("lets each source-access role write only to its own account's bucket and use only its own account's keys", () => {
    const permissions = (name: string) => `${name}/source-access/permissions`;
    expect(source.statement("aws_iam_role_policy", permissions("web-prod"), "WriteOwnArtifacts").resources).toEqual([
      `arn:aws:s3:::shop-artifacts-${PROD}-eu-west-1/shop-web-prod/*`,
    ]);
    expect(source.statement("aws_iam_role_policy", permissions("web-prod"), "EncryptOwnArtifacts").resources).toEqual([
      `arn:aws:kms:eu-west-1:${PROD}:key/*`,
    ]);
    expect(source.statement("aws_iam_role_policy", permissions("web-staging"), "WriteOwnArtifacts").resources).toEqual([
      `arn:aws:s3:::shop-artifacts-${STAGING}-eu-west-1/shop-web-staging/*`,
    ]);
  });

  it("forwards a push only to the bus of the account whose pipeline waits for that repository and tag", () => {
    // web-prod is started by hand: no rule forwards pushes to prod.
    const rules = Object.values(source.resources("aws_cloudwatch_event_rule"));
    expect(rules.map((r) => JSON.parse(String(r.event_pattern)).detail)).toEqual([
      { "action-type": ["PUSH"], result: ["SUCCESS"], "repository-name": ["shop/web"], "image-tag": ["main"] },
    ]);
    expect(source.resource("aws_cloudwatch_event_target", "push-forwarding/to-pipeline-account-staging-target").arn).toBe(
      `arn:aws:events:eu-west-1:${STAGING}:event-bus/shop-image-pushes`,
    );
    expect(source.statement("aws_iam_role_policy", "push-forwarding/permissions", "PutEventsOnPipelineAccountBus").resources).toEqual([
      `arn:aws:events:eu-west-1:${STAGING}:event-bus/shop-image-pushes`,
    ]);
    expect(prod.resources("aws_cloudwatch_event_bus")).toEqual({});
    expect(staging.resource("aws_cloudwatch_event_bus", "event-bus-access/bus").name).toBe("shop-image-pushes");
  });

  it("keeps each pipeline account's stack free of the other account", () => {
    const mentions = (out: Synth, account: string) => out.text.includes(account);
    expect(mentions(staging, PROD)).toBe(false);
    expect(mentions(prod, STAGING)).toBe(false);
    expect(Object.values(prod.resources("aws_codepipeline")).map((p) => p.name)).toEqual(["shop-web-prod"]);
    expect(Object.values(staging.resources("aws_codepipeline")).map((p) => p.name)).toEqual(["shop-web-staging"]);
  });
});

describe("the push path of a single-account project, since several pipeline accounts", () => {
  const now = synthApp(example());

  it("moves only the push path of the pipeline account, onto a bus of its own", () => {
    const p = now.pipeline;
    const bus = `\${${p.address("aws_cloudwatch_event_bus", "event-bus-access/bus")}.name}`;
    expect(p.resource("aws_cloudwatch_event_bus_policy", "event-bus-access/policy").event_bus_name).toBe(bus);
    expect(p.resource("aws_cloudwatch_event_rule", "web/push-trigger/rule").event_bus_name).toBe(bus);
    expect(p.resource("aws_cloudwatch_event_target", "web/push-trigger/target").event_bus_name).toBe(bus);
  });
});
