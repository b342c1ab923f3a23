/**
 * Preflight in process: its real SDK clients, mocked with aws-sdk-client-mock, answer from fake
 * accounts (test-support/preflight/fake.ts) for the example's first deployment as Terraform plans
 * it. Each test leaves one thing behind in an account, as another team or an earlier attempt
 * would, and checks the one finding it gives, word for word. Then: what is not checked is said,
 * a failing call is named with its account and error, and preflight only ever reads.
 */
import * as fs from "fs";
import * as path from "path";
import { PREFLIGHT_CALLS, READ_ONLY } from "../../deploy/calls";
import { type PreflightFinding, runPreflight, type RunOptions } from "../../deploy/preflight";
import { renderFindings } from "../../deploy/render";
import { config, ROOT } from "../../test-support/config";
import { exampleWorld, type FakeAccount, type FakeWorld } from "../../test-support/preflight/fake";
import { mockedPreflight } from "../../test-support/preflight/mock-clients";
import { FIRST_DEPLOY_STACKS } from "../../test-support/preflight/plans";

const A = "111111111111";
const B = "222222222222";
const BUCKET = "demo-artifacts-222222222222-ap-northeast-1";
const DEPLOYER = `arn:aws:iam::${B}:role/deployer`;
const example = config();

async function preflight(world: FakeWorld, options: RunOptions = {}, stacks = FIRST_DEPLOY_STACKS()): Promise<PreflightFinding[]> {
  return runPreflight(example, stacks, { clients: mockedPreflight(world).factory, ...options });
}

const stops = (findings: readonly PreflightFinding[]) => findings.filter((f) => f.severity === "stop").map((f) => `${f.stack}: ${f.message}`);
const notes = (findings: readonly PreflightFinding[]) => findings.filter((f) => f.severity === "note").map((f) => `${f.stack}: ${f.message}`);

function world(change: (a: FakeAccount, b: FakeAccount, w: FakeWorld) => void = () => {}): FakeWorld {
  const w = exampleWorld();
  change(w.accounts.get(A)!, w.accounts.get(B)!, w);
  return w;
}

const SIMULATED = "(its identity policies and the organization's service control policies; not a session policy, nor the resources' own policies)";

describe("preflight of a first deployment into clean accounts", () => {
  it("finds nothing in the way, and says what it simulated for whom", async () => {
    const findings = await preflight(world());
    expect(stops(findings)).toEqual([]);
    expect(notes(findings)).toEqual([
      `source-account: arn:aws:iam::${A}:role/ci may do everything the plan needs: 44 requests on 6 ARNs simulated ${SIMULATED}`,
      `pipeline-account: ${DEPLOYER} may do everything the plan needs: 101 requests on 16 ARNs simulated ${SIMULATED}`,
    ]);
  });

  it("prints per stack, and says whether anything stops the deploy", async () => {
    const stacks = FIRST_DEPLOY_STACKS();
    const text = renderFindings(stacks, await preflight(world((a) => a.roles.set("demo-web-source-access", { path: "/", policies: new Set() }))));
    expect(text.split("\n").slice(0, 2)).toEqual([`source-account (account ${A}): 1 problem stops the deploy`, expect.stringMatching(/^ {2}✗ role demo-web-source-access already exists/)]);
    expect(text).toContain(`pipeline-account (account ${B}): nothing stops the deploy\n  - ${DEPLOYER} may do everything`);
    expect(text.endsWith("Preflight: 1 problem stops the deploy.\n")).toBe(true);
  });
});

describe("a name the plan creates is taken", () => {
  const advice = (stack: string, address: string, id: string) =>
    `if it is this project's, import it into the state (terraform -chdir=cdktf.out/stacks/${stack} import '${address}' '${id}'); if not, delete or rename it, or change the config so that the name is free`;

  it.each<[string, (a: FakeAccount, b: FakeAccount, w: FakeWorld) => void, string]>([
    [
      "a role in B",
      (_a, b) => b.roles.set("demo-web-pipeline", { path: "/", policies: new Set() }),
      `pipeline-account: role demo-web-pipeline already exists in account ${B} and is not in pipeline-account's state: ${advice("pipeline-account", "aws_iam_role.web_service-role_4017FC42", "demo-web-pipeline")}`,
    ],
    [
      "the repository in A",
      (a) => a.repositories.add("web"),
      `source-account: repository web already exists in account ${A} and is not in source-account's state: ${advice("source-account", "aws_ecr_repository.repository_web_repository_9E5131C5", "web")}`,
    ],
    [
      "a pipeline",
      (_a, b) => b.pipelines.add("demo-api"),
      `pipeline-account: pipeline demo-api already exists in account ${B} and is not in pipeline-account's state: ${advice("pipeline-account", "aws_codepipeline.api_pipeline_ECF949EC", "demo-api")}`,
    ],
    [
      "the push rule on A's default bus",
      (a) => a.buses.get("default")!.add("demo-image-pushes-to-222222222222"),
      `source-account: rule demo-image-pushes-to-222222222222 on event bus default already exists in account ${A} and is not in source-account's state: ${advice("source-account", "aws_cloudwatch_event_rule.push-forwarding_to-pipeline-account-rule_1880ED86", "demo-image-pushes-to-222222222222")}`,
    ],
    [
      "the project's bus in B",
      (_a, b) => b.buses.set("demo-image-pushes", new Set()),
      `pipeline-account: event bus demo-image-pushes already exists in account ${B} and is not in pipeline-account's state: ${advice("pipeline-account", "aws_cloudwatch_event_bus.event-bus-access_bus_B7157943", "demo-image-pushes")}`,
    ],
    [
      "a CodeBuild project",
      (_a, b) => b.projects.add("demo-web-imagedefinitions"),
      `pipeline-account: CodeBuild project demo-web-imagedefinitions already exists in account ${B} and is not in pipeline-account's state: ${advice("pipeline-account", "aws_codebuild_project.web_ecs-deployment_project_A58478CE", "demo-web-imagedefinitions")}`,
    ],
    [
      "a log group of that name (found on the second page of those with its prefix)",
      (_a, b) => ["/aws/codebuild/demo-web-imagedefinitions-old", "/aws/codebuild/demo-web-imagedefinitions"].forEach((g) => b.logGroups.add(g)),
      `pipeline-account: log group /aws/codebuild/demo-web-imagedefinitions already exists in account ${B} and is not in pipeline-account's state: ${advice("pipeline-account", "aws_cloudwatch_log_group.web_ecs-deployment_logs_42DC0C9F", "/aws/codebuild/demo-web-imagedefinitions")}`,
    ],
    [
      "the key alias (on the third page)",
      (_a, b) => ["alias/aws/s3", "alias/billing", "alias/demo-artifacts"].forEach((x) => b.aliases.add(x)),
      `pipeline-account: key alias alias/demo-artifacts already exists in account ${B} and is not in pipeline-account's state: ${advice("pipeline-account", "aws_kms_alias.artifact-store_alias_1A031F07", "alias/demo-artifacts")}`,
    ],
    [
      "the bucket, in B",
      (_a, b) => b.buckets.add(BUCKET),
      `pipeline-account: bucket ${BUCKET} already exists in account ${B} and is not in pipeline-account's state: ${advice("pipeline-account", "aws_s3_bucket.artifact-store_bucket_817B3FB4", BUCKET)}`,
    ],
    [
      "the bucket name, by another account",
      (_a, _b, w) => w.foreignBuckets.add(BUCKET),
      `pipeline-account: bucket ${BUCKET} already exists, and this identity may not read it (HeadBucket: 403): bucket names are global, so it is another account's, or this identity lacks s3:ListBucket on it; if it is another account's, change the config's project so that the name is free`,
    ],
    [
      "an inline policy of that name on the execution role (the apply would overwrite it)",
      (_a, b) => b.roles.get("demo-web-task-execution")!.policies.add("demo-pull-from-source-account"),
      `pipeline-account: inline policy demo-pull-from-source-account of role demo-web-task-execution already exists in account ${B} and is not in pipeline-account's state: applying would overwrite it; ${advice(
        "pipeline-account",
        "aws_iam_role_policy.execution-role-pull_demo-web-task-execution_policy_9B2F201D",
        "demo-web-task-execution:demo-pull-from-source-account",
      )}`,
    ],
  ])("%s: one stop, naming it, the account and what to do", async (_what, leave, expected) => {
    expect(stops(await preflight(world(leave)))).toEqual([expected]);
  });

  it("a rule of that name on another bus is not in the way", async () => {
    expect(stops(await preflight(world((a) => a.buses.set("other", new Set(["demo-image-pushes-to-222222222222"])))))).toEqual([]);
  });
});

describe("what the plan changes without creating must exist", () => {
  it("the execution role the config names", async () => {
    expect(stops(await preflight(world((_a, b) => b.roles.delete("demo-web-task-execution"))))).toEqual([
      `pipeline-account: role demo-web-task-execution does not exist in account ${B}, and aws_iam_role_policy.execution-role-pull_demo-web-task-execution_policy_9B2F201D puts an inline policy on it: create the role, or correct the role the config names`,
    ]);
  });

  it("the repository the config adopts", async () => {
    expect(stops(await preflight(world((a) => a.repositories.delete("platform/api"))))).toEqual([
      `source-account: repository platform/api does not exist in account ${A}, and aws_ecr_repository_policy.repository_platform--api_policy_598035D3 sets its policy (the config adopts it: "create": false): create the repository, or let the app create it ("create": true)`,
    ]);
  });
});

describe("may the deploying identity do what the plan needs", () => {
  const pipelineOnly = () => FIRST_DEPLOY_STACKS().filter((s) => s.stack === "pipeline-account");

  it("an explicit deny: one stop per ARN, with the actions, the policy that denies them and the changes that need them", async () => {
    const w = world((_a, b) => b.statements.push({ effect: "Deny", actions: ["codepipeline:*"], resources: [`arn:aws:codepipeline:*:${B}:demo-api`], id: "NoApi" }));
    expect(stops(await preflight(w, {}, pipelineOnly()))).toEqual([
      `pipeline-account: ${DEPLOYER} may not codepipeline:CreatePipeline, codepipeline:GetPipeline, codepipeline:ListTagsForResource, codepipeline:TagResource on arn:aws:codepipeline:ap-northeast-1:${B}:demo-api (explicitly denied by NoApi), which deploying needs to create aws_codepipeline.api_pipeline_ECF949EC`,
    ]);
  });

  it("implicitly denied, an identity scoped to its project's names: names what no policy allows", async () => {
    const w = world((_a, b) => b.statements.splice(0, 1, { effect: "Allow", actions: ["*"], resources: [`arn:aws:*:*:${B}:*demo-*`, "arn:aws:s3:::demo-*"] }));
    const found = stops(await preflight(w, {}, pipelineOnly()));
    // Everything is named demo-*, but for CreateKey and ListAliases (on "*") and the key's own ARN pattern.
    expect(found).toEqual([
      `pipeline-account: ${DEPLOYER} may not kms:CreateKey, kms:ListAliases on * (no policy of the identity allows it), which deploying needs to create aws_kms_alias.artifact-store_alias_1A031F07, create aws_kms_key.artifact-store_key_B4BD13A2`,
      `pipeline-account: ${DEPLOYER} may not kms:CreateAlias, kms:DescribeKey, kms:EnableKeyRotation, kms:GetKeyPolicy, kms:GetKeyRotationStatus, kms:ListResourceTags, kms:PutKeyPolicy, kms:TagResource on arn:aws:kms:ap-northeast-1:${B}:key/* (no policy of the identity allows it), which deploying needs to create aws_kms_alias.artifact-store_alias_1A031F07, create aws_kms_key.artifact-store_key_B4BD13A2`,
    ]);
  });

  it("an SCP that denies an action: says it is the organization's", async () => {
    const w = world((_a, b) => b.statements.push({ effect: "Deny", actions: ["s3:PutBucketPolicy"], resources: ["*"], scp: true, id: "p-guardrail" }));
    expect(stops(await preflight(w, {}, pipelineOnly()))).toEqual([
      `pipeline-account: ${DEPLOYER} may not s3:PutBucketPolicy on arn:aws:s3:::${BUCKET} (denied by a service control policy of the organization), which deploying needs to create aws_s3_bucket_policy.artifact-store_bucket-policy_FE01D197`,
    ]);
  });

  it("a statement testing a key the simulation lacks: a note, not a stop", async () => {
    const w = world((_a, b) => b.statements.splice(0, 1, { effect: "Allow", actions: ["*"], resources: ["*"], needsContext: ["aws:RequestTag/project"] }));
    const findings = await preflight(w, {}, pipelineOnly());
    expect(stops(findings)).toEqual([]);
    expect(notes(findings)).toContain(
      `pipeline-account: could not tell whether ${DEPLOYER} may codebuild:BatchGetProjects, codebuild:CreateProject on arn:aws:codebuild:ap-northeast-1:${B}:project/demo-web-imagedefinitions: its policies test aws:RequestTag/project, which the simulation does not have (without them: denied)`,
    );
  });

  it("an identity that may not simulate: a note saying the check was skipped and why", async () => {
    const sent = mockedPreflight(world((_a, b) => b.denied.add("SimulatePrincipalPolicy")));
    const findings = await runPreflight(example, pipelineOnly(), { clients: sent.factory });
    expect(stops(findings)).toEqual([]);
    expect(notes(findings)).toEqual([
      `pipeline-account: permissions not checked: ${DEPLOYER} may not call iam:SimulatePrincipalPolicy (AccessDenied: User: arn:aws:sts::${B}:assumed-role/deployer/pipeline-doctor is not authorized to perform: SimulatePrincipalPolicy); allow it iam:SimulatePrincipalPolicy on its own ARN for preflight to check them`,
    ]);
    // Asked once, not once per ARN.
    expect(sent.sent.filter((s) => s.endsWith("SimulatePrincipalPolicy"))).toHaveLength(1);
  });

  it("a session of a role with a path is simulated as that role, its path read with GetRole", async () => {
    const w = world((_a, b) => {
      b.roles.set("deployer", { path: "/ci/", policies: new Set() });
      b.principals.clear();
      b.principals.add(`arn:aws:iam::${B}:role/ci/deployer`);
    });
    expect(notes(await preflight(w, {}, pipelineOnly()))[0]).toMatch(new RegExp(`^pipeline-account: arn:aws:iam::${B}:role/ci/deployer may do everything`));
  });

  it("when the path cannot be read either, says why IAM does not know the role", async () => {
    const w = world((_a, b) => {
      b.roles.set("deployer", { path: "/ci/", policies: new Set() });
      b.principals.clear();
      b.principals.add(`arn:aws:iam::${B}:role/ci/deployer`);
      // As for an identity whose iam:GetRole is scoped to its project's roles, not its own.
      b.denied.add("GetRole");
    });
    const findings = await preflight(w, {}, pipelineOnly());
    expect(notes(findings)).toEqual([
      `pipeline-account: permissions not checked: IAM does not know arn:aws:iam::${B}:role/deployer (NoSuchEntity: Entity arn:aws:iam::${B}:role/deployer does not exist.); ` +
        `its path could not be read: iam:GetRole (GetRole) was denied: AccessDenied: User: arn:aws:sts::${B}:assumed-role/deployer/pipeline-doctor is not authorized to perform: GetRole`,
    ]);
  });

  it("the root user and federated users are not simulated, and it says so", async () => {
    const root = await preflight(world((_a, b) => (b.caller = `arn:aws:iam::${B}:root`)), {}, pipelineOnly());
    expect(notes(root)).toEqual([`pipeline-account: permissions not checked: the credentials are the account's root user, whom no IAM policy limits (service control policies do)`]);
    const federated = await preflight(world((_a, b) => (b.caller = `arn:aws:sts::${B}:federated-user/alice`)), {}, pipelineOnly());
    expect(notes(federated)).toEqual([
      `pipeline-account: permissions not checked: the credentials are a federated user's session (arn:aws:sts::${B}:federated-user/alice), which iam:SimulatePrincipalPolicy cannot simulate`,
    ]);
  });

  it("a user is simulated as itself", async () => {
    const user = `arn:aws:iam::${B}:user/ci/deploy-bot`;
    const w = world((_a, b) => {
      b.caller = user;
      b.principals.add(user);
    });
    expect(notes(await preflight(w, {}, pipelineOnly()))[0]).toMatch(new RegExp(`^pipeline-account: ${user} may do everything`));
  });
});

describe("limits counted with what the accounts hold", () => {
  it("roles: stops with the numbers when the plan's roles do not fit the account's quota", async () => {
    const w = world((a) => (a.otherRoles = 997));
    // A holds ci and 997 others: 998 of 1000, and the plan adds 3.
    expect(stops(await preflight(w))).toEqual([
      `source-account: account ${A} would have 1001 roles, over its quota of 1000: it has 998, and source-account creates 3 and deletes 0; delete roles it no longer uses, or ask for a higher "Roles per account" quota (IAM, in Service Quotas)`,
    ]);
    expect(stops(await preflight(world((a) => (a.otherRoles = 996))))).toEqual([]);
  });

  it("roles: a quota that was raised is the one counted", async () => {
    const raised = world((a) => {
      a.otherRoles = 1200;
      a.rolesQuota = 5000;
    });
    expect(stops(await preflight(raised))).toEqual([]);
  });

  it("rules on A's default bus: counted over every page of ListRules, against the default quota", async () => {
    const full = world((a) => Array.from({ length: 300 }, (_, i) => a.buses.get("default")!.add(`team-rule-${i}`)));
    expect(stops(await preflight(full))).toEqual([
      `source-account: the default event bus of account ${A} would have 301 rules, over its quota of 300: it has 300, and source-account creates 1 and deletes 0; remove rules it no longer uses, or ask for a higher quota (EventBridge "Number of rules", L-244521F2, in Service Quotas)`,
    ]);
    const roomy = world((a) => Array.from({ length: 299 }, (_, i) => a.buses.get("default")!.add(`team-rule-${i}`)));
    expect(stops(await preflight(roomy))).toEqual([]);
  });

  it("rules: the account's own quota from Service Quotas, raised or lowered, is the one counted; over the default and unreadable, a note", async () => {
    const raised = world((a) => {
      Array.from({ length: 300 }, (_, i) => a.buses.get("default")!.add(`team-rule-${i}`));
      a.rulesQuota = 500;
    });
    expect(stops(await preflight(raised))).toEqual([]);
    const lowered = world((a) => {
      Array.from({ length: 100 }, (_, i) => a.buses.get("default")!.add(`team-rule-${i}`));
      a.rulesQuota = 100;
    });
    expect(stops(await preflight(lowered))).toEqual([
      `source-account: the default event bus of account ${A} would have 101 rules, over its quota of 100: it has 100, and source-account creates 1 and deletes 0; remove rules it no longer uses, or ask for a higher quota (EventBridge "Number of rules", L-244521F2, in Service Quotas)`,
    ]);
    const unreadable = world((a) => {
      Array.from({ length: 300 }, (_, i) => a.buses.get("default")!.add(`team-rule-${i}`));
      a.denied.add("GetServiceQuota");
    });
    const findings = await preflight(unreadable);
    expect(stops(findings)).toEqual([]);
    expect(notes(findings)).toContain(
      `source-account: the default event bus of account ${A} would have 301 rules, over EventBridge's default quota of 300 (it has 300, and source-account creates 1 and deletes 0); ` +
        `whether the account's quota is higher could not be read: servicequotas:GetServiceQuota (GetServiceQuota) was denied: AccessDenied: User: arn:aws:sts::${A}:assumed-role/ci/session is not authorized to perform: GetServiceQuota`,
    );
  });

  it("a count it may not read is a note: the deploy may well fit", async () => {
    const findings = await preflight(world((a) => (a.denied.add("GetAccountSummary"), a.denied.add("ListRules"))));
    expect(stops(findings)).toEqual([]);
    expect(notes(findings)).toEqual(
      expect.arrayContaining([
        `source-account: roles per account not counted in account ${A}: iam:GetAccountSummary (GetAccountSummary) was denied: AccessDenied: User: arn:aws:sts::${A}:assumed-role/ci/session is not authorized to perform: GetAccountSummary`,
        `source-account: rules on the default event bus of account ${A} not counted: events:ListRules (ListRules) was denied: AccessDenied: User: arn:aws:sts::${A}:assumed-role/ci/session is not authorized to perform: ListRules`,
      ]),
    );
  });
});

describe("calls that fail", () => {
  it("a throttled name check stops, naming the call, the account and the error", async () => {
    expect(stops(await preflight(world((_a, b) => b.failing.set("GetPipeline", "ThrottlingException"))))).toEqual([
      `pipeline-account: could not check whether pipeline demo-api exists in account ${B}: codepipeline:GetPipeline (GetPipeline) was throttled (after the SDK's retries): ThrottlingException: Rate exceeded`,
      `pipeline-account: could not check whether pipeline demo-web exists in account ${B}: codepipeline:GetPipeline (GetPipeline) was throttled (after the SDK's retries): ThrottlingException: Rate exceeded`,
    ]);
  });

  it("a denied name check stops, and says deploying needs that permission too", async () => {
    expect(stops(await preflight(world((a) => a.denied.add("DescribeRepositories"))))).toEqual([
      `source-account: could not check whether repository platform/api exists in account ${A}: ecr:DescribeRepositories (DescribeRepositories) was denied: AccessDenied: User: arn:aws:sts::${A}:assumed-role/ci/session is not authorized to perform: DescribeRepositories (deploying needs ecr:DescribeRepositories too)`,
      `source-account: could not check whether repository web exists in account ${A}: ecr:DescribeRepositories (DescribeRepositories) was denied: AccessDenied: User: arn:aws:sts::${A}:assumed-role/ci/session is not authorized to perform: DescribeRepositories (deploying needs ecr:DescribeRepositories too)`,
    ]);
  });

  it("credentials for another account: one stop, and nothing else is asked of that account", async () => {
    const mocked = mockedPreflight(world(), (access) => (access.accountId === B ? A : access.accountId));
    const findings = await runPreflight(example, FIRST_DEPLOY_STACKS(), { clients: mocked.factory });
    expect(findings.filter((f) => f.stack === "pipeline-account")).toEqual([
      { stack: "pipeline-account", severity: "stop", message: `the credentials for account ${B} (role arn:aws:iam::${B}:role/deployer) are for account ${A}, not ${B}; nothing else was checked` },
    ]);
    // One GetCallerIdentity for each stack; every other call was A's own stack's.
    expect(mocked.sent.filter((s) => s.endsWith("GetCallerIdentity"))).toHaveLength(2);
    expect(mocked.sent.filter((s) => /HeadBucket|GetPipeline|BatchGetProjects/.test(s))).toEqual([]);
  });

  it("credentials AWS refuses: one stop per account, naming how the config reaches it", async () => {
    const w = world((_a, b) => b.failing.set("GetCallerIdentity", "ExpiredToken"));
    expect(stops(await preflight(w))).toEqual([
      `pipeline-account: cannot check the credentials for account ${B} (role arn:aws:iam::${B}:role/deployer): GetCallerIdentity could not use the credentials: ExpiredToken: The security token included in the request is expired; nothing else was checked`,
    ]);
  });

  it("an STS endpoint that never answers: gives up within the identity timeout", async () => {
    const mocked = mockedPreflight(world());
    const factory: RunOptions["clients"] = (access, region, env) => {
      const clients = mocked.factory(access, region, env);
      if (access.accountId === B) clients.sts.send = (() => new Promise(() => {})) as never;
      return clients;
    };
    const started = Date.now();
    const findings = await runPreflight(example, FIRST_DEPLOY_STACKS(), { clients: factory, identityTimeoutSeconds: 0.2 });
    expect(stops(findings)).toEqual([
      `pipeline-account: cannot check the credentials for account ${B} (role arn:aws:iam::${B}:role/deployer): no answer from STS within 0.2 s (endpoint unreachable?); nothing else was checked`,
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a stack the config does not have, or a plan for another account: a stop, no call", async () => {
    const [sourceStack, pipelineStack] = FIRST_DEPLOY_STACKS();
    const mocked = mockedPreflight(world());
    const findings = await runPreflight(example, [{ ...sourceStack, accountId: B }, { ...pipelineStack, stack: "pipeline-account-prod" }], { clients: mocked.factory });
    expect(stops(findings)).toEqual([
      `source-account: the plan is for account ${B}, but the config deploys source-account to ${A}`,
      "pipeline-account-prod: pipeline-account-prod is not a stack of this config: nothing is checked for it",
    ]);
    expect(mocked.sent).toEqual([]);
  });

  it("an interrupt rejects with its reason, and nothing more is sent", async () => {
    const controller = new AbortController();
    const mocked = mockedPreflight(world());
    const factory: RunOptions["clients"] = (access, region, env) => {
      const clients = mocked.factory(access, region, env);
      const send = clients.sts.send.bind(clients.sts);
      clients.sts.send = ((...args: Parameters<typeof send>) => {
        controller.abort(new Error("interrupted by SIGINT"));
        return send(...args);
      }) as never;
      return clients;
    };
    await expect(runPreflight(example, FIRST_DEPLOY_STACKS(), { clients: factory, signal: controller.signal })).rejects.toThrow("interrupted by SIGINT");
    expect(mocked.sent.filter((s) => !s.endsWith("GetCallerIdentity"))).toEqual([]);
  });
});

describe("preflight only reads", () => {
  it("sends only the calls deploy/calls.ts lists, each a read", async () => {
    const busy = world((a, b, w) => {
      b.roles.set("demo-web-pipeline", { path: "/", policies: new Set() });
      b.logGroups.add("/aws/codebuild/demo-web-imagedefinitions");
      b.aliases.add("alias/demo-artifacts");
      w.foreignBuckets.add(BUCKET);
      Array.from({ length: 300 }, (_, i) => a.buses.get("default")!.add(`team-rule-${i}`));
      a.otherRoles = 999;
    });
    const mocked = mockedPreflight(busy);
    await runPreflight(example, FIRST_DEPLOY_STACKS(), { clients: mocked.factory });
    const operations = [...new Set(mocked.sent.map((s) => s.split(" ")[1]))].sort();
    // Every call preflight has was made in this run.
    expect(operations).toEqual(PREFLIGHT_CALLS.map((c) => c.command).sort());
    for (const op of operations) expect(op).toMatch(READ_ONLY);
  });

  it("its code constructs no SDK command that is not listed, and lists only reads", () => {
    const dir = path.join(ROOT, "deploy");
    const commands = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) => [...fs.readFileSync(path.join(dir, f), "utf8").matchAll(/new (\w+)Command\(/g)].map((m) => m[1]));
    expect([...new Set(commands)].sort()).toEqual(PREFLIGHT_CALLS.map((c) => c.command).sort());
    expect(PREFLIGHT_CALLS.filter((c) => !READ_ONLY.test(c.command))).toEqual([]);
    expect(PREFLIGHT_CALLS.filter((c) => c.action && !/^[a-z0-9-]+:(Get|List|Describe|BatchGet|Simulate)/.test(c.action))).toEqual([]);
  });
});
