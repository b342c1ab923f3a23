/**
 * The plan review in summary.md (who gains or loses access, what each stack changes) and its exit
 * code, on real offline plans: each fixture under plan-fixtures/ is `terraform show -json` of the
 * plan of one config against the applied state of another (`npm run fixtures:plans` remakes them).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackNames } from "../../config/accounts";
import { parseConfig } from "../../config/load";
import type { Config } from "../../config/schema";
import { isDangerous, planResources, type AccessDiff, type StackPlan } from "../../terraform/plan-access";
import { changedResources, createsEverything } from "../../terraform/plan-changes";
import { readPlanDir, reviewPlans, summarizeDir } from "../../terraform/plan-review";
import { EXIT, exitCode, renderSummary, summarizePlan, type PlanJson } from "../../terraform/plan-summary";
import { trimPlan } from "../../terraform/plan-trim";
import { buildWorld } from "../../access/world";
import { blockContent, fencedContent } from "../../scripts/doc-blocks";

const FIXTURES = path.join(__dirname, "plan-fixtures");
const CONTEXT = { offline: false, configPath: "config.json" };

interface Scenario {
  readonly dir: string;
  readonly config: Config;
  readonly plans: StackPlan[];
}

function scenario(name: string): Scenario {
  const dir = path.join(FIXTURES, name);
  const config = parseConfig(JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")), name);
  const plans = stackNames(config).map((stack) => ({ stack, plan: JSON.parse(fs.readFileSync(path.join(dir, `${stack}.json`), "utf8")) as PlanJson }));
  return { dir, config, plans };
}

/** The diff, the summary and the exit code of a fixture. */
async function review(name: string): Promise<{ diff: AccessDiff; summary: string; lines: string[]; code: number }> {
  const s = scenario(name);
  const { summary, code, review: r } = await summarizeDir(s.config, s.dir, CONTEXT);
  if (!("changes" in r.access)) throw new Error(`${name}: no diff (missing ${r.access.missing.join(", ")})`);
  return { diff: r.access, summary, lines: summary.split("\n"), code };
}

// Terraform's JSON, edited loosely by the tests below.
type Json = Record<string, any>;

/**
 * The diff, the summary and the exit code of a fixture's plans after `edit` (a change to what a
 * plan says), as `npm run plan` makes them.
 */
async function reviewEdited(name: string, edit: (stack: string, plan: Json) => void): Promise<{ diff: AccessDiff; summary: string; lines: string[]; code: number }> {
  const s = scenario(name);
  const plans = s.plans.map((p) => {
    const plan = structuredClone(p.plan) as Json;
    edit(p.stack, plan);
    return { stack: p.stack, plan: plan as PlanJson };
  });
  const results = plans.map((p) => summarizePlan(p.stack, p.plan));
  const r = await reviewPlans(s.config, plans);
  if (!("changes" in r.access)) throw new Error(`${name}: no diff`);
  const summary = renderSummary(results, CONTEXT, r);
  return { diff: r.access, summary, lines: summary.split("\n"), code: exitCode(results, r) };
}

/** The planned values of the resource at `address`. */
function planned(plan: Json, address: string): Json {
  const resource = (plan.planned_values.root_module.resources as Json[]).find((r) => r.address === address);
  if (!resource) throw new Error(`no ${address} in the plan`);
  return resource.values;
}

/** The rows of the access-change table for a request, as the summary prints them. */
const row = (now: string, number: string, who: string, action: string, on: string, change: string, why: string) =>
  `| ${now} | ${number} | ${who} | \`${action}\` | ${on} | ${change} | ${why} |`;

describe("a trust condition removed: a stranger in B may assume a source-access role", () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review("trust-condition-removed");
  });

  it("lists that one request as newly allowed and dangerous, and exits 3", () => {
    expect(r.diff.changes.map((c) => [c.case.who, c.case.action, c.case.on, c.now, c.dangerous])).toEqual([
      ["another role in B (an administrator)", "sts:AssumeRole", "web source-access role (A)", "allowed", true],
    ]);
    expect(r.lines).toContain("### ⚠️ DANGER: 1 dangerous access change");
    expect(r.lines).toContain(
      row("**newly allowed**", "never", "another role in B (an administrator)", "sts:AssumeRole", "web source-access role (A)", "denied → **allowed**", "must never be allowed"),
    );
    expect(r.code).toBe(EXIT.dangerous);
    expect(r.summary).toContain("Exit code 3: dangerous changes");
  });

  it("names the policy that changed and the resource update that carries it", () => {
    expect(r.lines).toContain("* source-account: `aws_iam_role.web_source-access_role_F39518A7`, trust policy of role demo-web-source-access: changed");
    expect(r.lines).toContain("| update | `aws_iam_role.web_source-access_role_F39518A7` | `assume_role_policy` |");
    expect(r.lines).toContain("### source-account: 1 resource (1 update)");
    // pipeline-account changes nothing: no table for it.
    expect(r.summary).not.toContain("### pipeline-account:");
  });

  it("is docs/plan-review.md's sample summary, as --summarize prints it", async () => {
    const s = scenario("trust-condition-removed");
    const context = { offline: false, configPath: "config/example.json", rebuiltFrom: "plans-pr12" };
    const { summary } = await summarizeDir(s.config, s.dir, context);
    expect(fencedContent(blockContent("summary-sample"))).toBe(summary);
  });
});

describe("the bucket statements for the source-access roles removed: their hop is denied", () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review("bucket-statement-removed");
  });

  it("lists row 4 of each pipeline as newly denied and dangerous, and exits 3", () => {
    expect(r.diff.changes.map((c) => [c.case.row, c.case.who, c.case.action, c.now, c.dangerous])).toEqual([
      ["4", "web source-access role (A)", "s3:PutObject", "denied", true],
      ["4", "web source-access role (A)", "s3:AbortMultipartUpload", "denied", true],
      ["4", "web source-access role (A)", "s3:PutObject", "denied", true],
      ["4", "api source-access role (A)", "s3:PutObject", "denied", true],
      ["4", "api source-access role (A)", "s3:AbortMultipartUpload", "denied", true],
      ["4", "api source-access role (A)", "s3:PutObject", "denied", true],
    ]);
    for (const p of ["web", "api"]) {
      expect(r.lines).toContain(
        row("**newly denied**", "4", `${p} source-access role (A)`, "s3:PutObject", `${p} artifacts (B), TLS + SSE-KMS`, "allowed → **denied**", "a hop of the chain (row 4): its pipeline breaks"),
      );
    }
    expect(r.lines).toContain("### ⚠️ DANGER: 6 dangerous access changes");
    expect(r.code).toBe(EXIT.dangerous);
  });

  it("is not a dangerous resource change: only the bucket policy is updated", () => {
    expect(r.lines).toContain("| pipeline-account | 0 | 1 | 0 | 0 | changes |");
    expect(r.lines).toContain("| update | `aws_s3_bucket_policy.artifact-store_bucket-policy_FE01D197` | `policy` |");
    expect(r.summary).not.toContain("destroys or replacements");
  });
});

describe("a pipeline added", () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review("pipeline-added");
  });

  it("lists the new pipeline's hops as newly allowed, none dangerous, and exits 2", () => {
    expect(r.diff.changes.every((c) => c.now === "allowed" && !c.dangerous && c.case.expect === "allowed")).toBe(true);
    expect(r.diff.changes.map((c) => `${c.case.row} ${c.case.who} ${c.case.action}`)).toEqual([
      "1 CodePipeline, for account B sts:AssumeRole",
      "3 api source-access role (A) ecr:DescribeImages",
      "4 api source-access role (A) s3:PutObject",
      "4 api source-access role (A) s3:AbortMultipartUpload",
      "4 api source-access role (A) s3:PutObject",
      "5 api source-access role (A) kms:GenerateDataKey",
      "5 api source-access role (A) kms:Decrypt",
      "6 a role in B with pull rights (e.g. ECS task execution) ecr:BatchGetImage",
      "6 a role in B with pull rights (e.g. ECS task execution) ecr:GetDownloadUrlForLayer",
      "7 api service role (B), if its policy allowed grants kms:CreateGrant",
    ]);
    expect(r.lines).toContain(
      row("newly allowed", "3", "api source-access role (A)", "ecr:DescribeImages", "api repository (A)", "denied (the caller does not exist) → **allowed**", "a hop of the chain (row 3) now in place"),
    );
    expect(r.summary).not.toContain("DANGER");
    expect(r.summary).toContain("**9 policies change, 10 answers change (0 dangerous), 23 requests cannot be evaluated until apply.** Evaluated: 93 requests");
    expect(r.code).toBe(EXIT.changes);
  });

  it("does not guess the policies Terraform computes at apply (the new service role's names the key)", () => {
    expect(r.lines).toContain("* pipeline-account: `aws_iam_role_policy.api_service-role_permissions_59E919A1` (`policy`) decides 6 requests (3 hops of the chain)");
    const hop2 = r.diff.unknown.flatMap((u) => u.requests).find((q) => q.case.row === "2" && q.case.who === "api service role (B)");
    expect(hop2?.before).toEqual({ kind: "absent", what: "the caller" });
    expect(r.diff.changes.some((c) => c.case.row === "2")).toBe(false);
  });
});

describe("a tag on one role", () => {
  it("changes no policy, says so in one line, and exits 2", async () => {
    const r = await review("tag-change");
    expect(r.diff.policies).toEqual([]);
    expect(r.diff.changes).toEqual([]);
    const section = r.lines.slice(r.lines.indexOf("## Access changes"), r.lines.indexOf("## Changed resources"));
    expect(section.filter((l) => l !== "")).toEqual([
      "## Access changes",
      `No policy changes: the ${r.diff.evaluated} requests of the permission chain and what must stay false are answered as before.`,
    ]);
    expect(r.lines).toContain("| update | `aws_iam_role.web_service-role_4017FC42` | `tags`, `tags_all` |");
    expect(r.code).toBe(EXIT.changes);
  });
});

describe("a default tag added: every resource updates, and Terraform reads the policy documents at apply", () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review("default-tags-change");
  });

  it("lists each policy known only after apply instead of evaluating it", () => {
    expect(r.diff.changes).toEqual([]);
    expect(r.diff.unknown.map((u) => `${u.policy.stack} ${u.policy.address}`)).toEqual([
      "source-account aws_iam_role_policy.web_source-access_permissions_24ACD7EB",
      "pipeline-account aws_iam_role_policy.api_service-role_permissions_59E919A1",
      "pipeline-account aws_iam_role_policy.web_ecs-deployment_permissions_14C41A34",
      "pipeline-account aws_iam_role_policy.web_push-trigger_permissions_2B61D9A8",
      "pipeline-account aws_iam_role_policy.web_service-role_permissions_4E6F6029",
    ]);
    expect(r.lines).toContain("### Known only after apply: 5 policies");
    expect(r.lines).toContain(
      "* pipeline-account: `aws_iam_role_policy.web_service-role_permissions_4E6F6029` (`policy`) decides 13 requests (7 hops of the chain)",
    );
    // The bucket policy is built from the bucket's derived ARN: known at plan, though the bucket updates.
    expect(r.summary).not.toContain("`aws_s3_bucket_policy.artifact-store_bucket-policy_FE01D197` (`policy`) decides");
    expect(r.code).toBe(EXIT.changes);
  });

  it("folds a long table of changed resources under <details>", () => {
    const heading = r.lines.indexOf("### pipeline-account: 16 resources (16 update)");
    expect(heading).toBeGreaterThan(-1);
    expect(r.lines[heading + 2]).toBe("<details><summary>16 rows</summary>");
    expect(r.lines).toContain("| update | `aws_iam_role_policy.web_service-role_permissions_4E6F6029` | `policy` (known after apply) |");
    // source-account's six rows stay open.
    const source = r.lines.indexOf("### source-account: 6 resources (6 update)");
    expect(r.lines[source + 2]).toBe("| action | resource | what drives it |");
  });
});

describe("a pipeline account added (two accounts)", () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review("account-added");
  });

  it("lists prod's hops that can be evaluated as newly allowed, none dangerous, and exits 2", () => {
    expect(r.diff.changes.map((c) => `${c.now} ${c.case.row} ${c.case.who}: ${c.case.on}`)).toEqual([
      "allowed 1 CodePipeline, for account prod: web-prod service role (prod)",
      "allowed 3 web-prod source-access role (A): web-prod repository (A)",
      "allowed 4 web-prod source-access role (A): web-prod artifacts (prod), TLS + SSE-KMS",
      "allowed 4 web-prod source-access role (A): web-prod artifacts (prod), an upload in parts it gives up",
      "allowed 4 web-prod source-access role (A): web-prod artifacts (prod), a part of an upload (no encryption header)",
      "allowed 5 web-prod source-access role (A): artifact key (prod), through S3 for its artifacts",
      "allowed 5 web-prod source-access role (A): artifact key (prod), through S3 for an upload in parts",
      "allowed 6 a role in prod with pull rights (e.g. ECS task execution): web-prod repository (A)",
      "allowed 6 a role in prod with pull rights (e.g. ECS task execution): web-prod repository (A)",
      "allowed 7 web-prod service role (prod), if its policy allowed grants: artifact key (prod), for an AWS resource",
    ]);
    expect(r.diff.changes.some((c) => c.dangerous)).toBe(false);
    expect(r.code).toBe(EXIT.changes);
  });

  it("knows the new bucket's policy at plan (built from the bucket's derived ARN), attributed to that bucket", () => {
    const prod = scenario("account-added").plans.find((p) => p.stack === "pipeline-account-prod")!;
    const world = buildWorld(scenario("account-added").config, [{ stack: prod.stack, resources: planResources(prod.plan, "after") }], { partial: true });
    expect(world.resourcePolicies.has("arn:aws:s3:::shop-artifacts-333333333333-eu-west-1")).toBe(true);
    expect(world.unknownPolicies?.map((u) => u.address)).toEqual(["aws_iam_role_policy.web-prod_service-role_permissions_5DCE3B18"]);
    expect(r.lines).toContain("### Known only after apply: 1 policy");
  });
});

describe("isDangerous", () => {
  const c = (expect: "allowed" | "denied") => ({ row: "x", who: "w", principal: "p", action: "a", on: "o", resource: "r", expect });
  it("is a request that must stay denied becoming allowed, or a hop becoming denied", () => {
    expect(isDangerous(c("denied"), "allowed")).toBe(true);
    expect(isDangerous(c("allowed"), "denied")).toBe(true);
    expect(isDangerous(c("allowed"), "allowed")).toBe(false);
    expect(isDangerous(c("denied"), "denied")).toBe(false);
  });
});

describe("exitCode with the review", () => {
  it("is 3 for a dangerous access change alone, and 1 still wins", () => {
    const quiet = summarizePlan("s", { resource_changes: [{ address: "a.b", type: "aws_iam_role", change: { actions: ["update"] } }] });
    expect(exitCode([quiet], { dangerousAccess: 0 })).toBe(EXIT.changes);
    expect(exitCode([quiet], { dangerousAccess: 1 })).toBe(EXIT.dangerous);
    expect(exitCode([quiet, { stack: "p", status: "failed", message: "m" }], { dangerousAccess: 1 })).toBe(EXIT.error);
  });
});

describe("--summarize on a directory missing a stack's plan", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-review-"));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it("reports the failed stack, evaluates no access, and exits 1", async () => {
    const s = scenario("trust-condition-removed");
    fs.copyFileSync(path.join(s.dir, "source-account.json"), path.join(work, "source-account.json"));
    fs.writeFileSync(path.join(work, "pipeline-account.txt"), "pipeline-account: terraform plan\nError: No valid credential sources found\n");
    const { results, plans } = readPlanDir(s.config, work);
    expect(results.map((r) => r.status)).toEqual(["planned", "failed"]);
    expect(plans.map((p) => p.stack)).toEqual(["source-account"]);
    const { summary, code } = await summarizeDir(s.config, work, CONTEXT);
    expect(summary).toContain("Not evaluated: `pipeline-account` has no plan");
    expect(summary).toContain("### pipeline-account: plan failed\n\nNo pipeline-account.json: its plan failed; Terraform's output (pipeline-account.txt) follows.\n\n```text\nError: No valid credential sources found\n```");
    expect(code).toBe(EXIT.error);
  });

  it("takes a stack with neither file as not planned", () => {
    fs.rmSync(path.join(work, "pipeline-account.txt"));
    fs.writeFileSync(path.join(work, "source-account.json"), "{}");
    const { results } = readPlanDir(scenario("trust-condition-removed").config, work);
    expect(results).toEqual([
      { stack: "source-account", status: "failed", message: "source-account.json is not `terraform show -json` of a plan (no format_version or planned_values)." },
      { stack: "pipeline-account", status: "skipped", message: "No pipeline-account.json or pipeline-account.txt in the directory." },
    ]);
  });
});

describe("trimPlan", () => {
  it("keeps a moved resource's previous address, which the summary shows", () => {
    const moved = { address: "aws_iam_role.b", previous_address: "aws_iam_role.a", mode: "managed", type: "aws_iam_role" };
    const trimmed = trimPlan({ resource_changes: [{ ...moved, change: { actions: ["no-op"], before: { name: "r" }, after: { name: "r" } } }] });
    expect(trimmed.resource_changes).toEqual([{ ...moved, change: { actions: ["no-op"] } }]);
  });
});

describe("createsEverything", () => {
  const change = (actions: string[], mode = "managed") => ({ address: `aws_iam_role.r${actions}`, mode, type: "aws_iam_role", change: { actions } });
  it("is a plan of creates only, data sources aside", () => {
    expect(createsEverything({ resource_changes: [change(["create"]), change(["create"]), change(["read"], "data")] })).toBe(true);
  });
  it("is not a plan that keeps, changes or replaces anything, nor one that has nothing", () => {
    expect(createsEverything({ resource_changes: [change(["create"]), change(["no-op"])] })).toBe(false);
    expect(createsEverything({ resource_changes: [change(["create"]), change(["create", "delete"])] })).toBe(false);
    expect(createsEverything({ resource_changes: [] })).toBe(false);
  });
});

describe("changedResources", () => {
  it("says what forces a replacement and in which order, and why a delete happens", () => {
    const rows = changedResources({
      resource_changes: [
        { address: "aws_iam_role.r", mode: "managed", type: "aws_iam_role", change: { actions: ["create", "delete"], replace_paths: [["name"], ["path"]] } },
        { address: "aws_kms_alias.a", mode: "managed", type: "aws_kms_alias", change: { actions: ["delete"] }, action_reason: "delete_because_no_resource_config" },
        { address: "aws_codepipeline.p", mode: "managed", type: "aws_codepipeline", change: { actions: ["create"] } },
        { address: "data.aws_iam_policy_document.d", mode: "data", type: "aws_iam_policy_document", change: { actions: ["read"] } },
        { address: "aws_s3_bucket.b", mode: "managed", type: "aws_s3_bucket", change: { actions: ["no-op"] } },
      ],
    });
    expect(rows).toEqual([
      { address: "aws_iam_role.r", type: "aws_iam_role", action: "replace", detail: "forced by `name`, `path`; created before the old one is destroyed" },
      { address: "aws_kms_alias.a", type: "aws_kms_alias", action: "delete", detail: "it is no longer in the configuration" },
      { address: "aws_codepipeline.p", type: "aws_codepipeline", action: "create", detail: "" },
    ]);
  });
});

describe("a first deployment (nothing deployed, two accounts)", () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review("first-deployment");
  });

  it("fits on a screen or two", () => {
    expect(r.lines.length).toBeLessThanOrEqual(150);
  });

  it("says in one line per stack that it creates everything, with counts by type", () => {
    const section = r.lines.slice(r.lines.indexOf("## Changed resources"), r.lines.findIndex((l) => l.startsWith("Files: ")));
    expect(section.filter((l) => l !== "")).toEqual([
      "## Changed resources",
      "* **source-account** creates everything: 11 resources (3 `aws_iam_role`, 3 `aws_iam_role_policy`, 1 `aws_cloudwatch_event_rule`, " +
        "1 `aws_cloudwatch_event_target`, 1 `aws_ecr_lifecycle_policy`, 1 `aws_ecr_repository`, 1 `aws_ecr_repository_policy`)",
      expect.stringMatching(/^\* \*\*pipeline-account-staging\*\* creates everything: 18 resources \(2 `aws_iam_role`, 2 `aws_iam_role_policy`, 1 `aws_cloudwatch_event_bus`, /),
      expect.stringMatching(/^\* \*\*pipeline-account-prod\*\* creates everything: 12 resources \(1 `aws_codepipeline`, /),
    ]);
    expect(r.lines).toContain("| source-account | 11 | 0 | 0 | 0 | changes |");
  });

  it("gives the access model's answers on the planned policies against the design, not a row per new request", () => {
    const design = r.diff.design!;
    expect(design.misses).toEqual([]);
    expect(design.allowed + design.denied + design.unknown).toBe(r.diff.evaluated);
    expect([design.allowed, design.denied, design.unknown]).toEqual([11, 28, 52]);
    expect(r.lines).toContain("## Access on the planned policies");
    expect(r.summary).toContain("**The access model on the planned policies: 11 requests allowed as designed, 28 denied as designed, 52 known only after apply.**");
    expect(r.summary).toContain("Known only after apply: 5 policies Terraform computes during apply");
    expect(r.lines).toContain("* pipeline-account-prod: `aws_iam_role_policy.web-prod_service-role_permissions_5DCE3B18` (`policy`) decides 7 requests (3 hops of the chain)");
    for (const gone of ["## Access changes", "Other access changes", "does not exist", "Policies that change", "| create |"]) expect(r.summary).not.toContain(gone);
    expect(r.code).toBe(EXIT.changes);
  });

  it("still says loudly, and exits 3, when it allows what must stay denied", async () => {
    const open = await reviewEdited("first-deployment", (stack, plan) => {
      if (stack !== "source-account") return;
      const role = planned(plan, "aws_iam_role.web-staging_source-access_role_8703664A");
      const trust = JSON.parse(role.assume_role_policy);
      delete trust.Statement[0].Condition;
      role.assume_role_policy = JSON.stringify(trust);
    });
    expect(open.lines).toContain("### ⚠️ DANGER: 1 dangerous access change");
    expect(open.lines).toContain(
      row("**newly allowed**", "never", "another role in staging (an administrator)", "sts:AssumeRole", "web-staging source-access role (A)", "denied (the role does not exist) → **allowed**", "must never be allowed"),
    );
    expect(open.summary).toContain("52 known only after apply, 1 not as designed.**");
    expect(open.summary).not.toContain("### Not as designed");
    expect(open.code).toBe(EXIT.dangerous);
  });

  it("lists a hop that the planned policies deny as not as designed, with today's exit code (2: nothing changes from allowed)", async () => {
    const broken = await reviewEdited("first-deployment", (stack, plan) => {
      if (stack !== "pipeline-account-prod") return;
      const role = planned(plan, "aws_iam_role.web-prod_service-role_EDD5D37C");
      role.assume_role_policy = role.assume_role_policy.replace("codepipeline.amazonaws.com", "codebuild.amazonaws.com");
    });
    expect(broken.diff.design!.misses.map((m) => [m.case.row, m.case.who, m.dangerous])).toEqual([["1", "CodePipeline, for account prod", false]]);
    expect(broken.lines).toContain("### Not as designed: 1 request");
    expect(broken.lines).toContain("| 1 | CodePipeline, for account prod | `sts:AssumeRole` | web-prod service role (prod) | **denied** | allowed |");
    expect(broken.summary).not.toContain("DANGER");
    expect(broken.code).toBe(EXIT.changes);
  });
});

describe("resources moved to new addresses (moved blocks)", () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review("moved");
  });

  it("counts the moves in each stack's row, and exits 2: applying rewrites the state", () => {
    expect(r.lines).toContain("| source-account | 0 | 0 | 0 | 0 | changes (2 moved) |");
    expect(r.lines).toContain("| pipeline-account | 0 | 1 | 0 | 0 | changes (1 moved) |");
    expect(r.code).toBe(EXIT.changes);
    expect(r.summary).not.toContain("DANGER");
  });

  it("lists each as moved from its old address, with an update's attributes, never as a destroy and a create", () => {
    expect(r.lines).toContain("### source-account: 2 resources (2 moved)");
    expect(r.lines).toContain(
      "| moved | `aws_iam_role_policy.push-forwarding_events-policy` | from `aws_iam_role_policy.push-forwarding_permissions_0AC31582` |",
    );
    expect(r.lines).toContain(
      "| moved | `aws_iam_role_policy.pipeline_web_source-access_permissions` | from `aws_iam_role_policy.web_source-access_permissions_24ACD7EB` |",
    );
    expect(r.lines).toContain("### pipeline-account: 1 resource (1 moved + update)");
    expect(r.lines).toContain("| moved + update | `aws_iam_role.pipeline_web_service-role` | from `aws_iam_role.web_service-role_4017FC42`; `tags`, `tags_all` |");
    for (const gone of ["| **delete** |", "| create |", "no longer in the configuration"]) expect(r.summary).not.toContain(gone);
  });

  it("changes no access: a moved policy is the same policy", () => {
    expect(r.diff.policies).toEqual([]);
    expect(r.diff.changes).toEqual([]);
    expect(r.summary).toContain(`No policy changes: the ${r.diff.evaluated} requests of the permission chain and what must stay false are answered as before.`);
  });

  it("compares a moved policy that also changes with what it was: changed, not added or removed", async () => {
    const address = "aws_iam_role_policy.pipeline_web_source-access_permissions";
    const edited = await reviewEdited("moved", (stack, plan) => {
      if (stack !== "source-account") return;
      const values = planned(plan, address);
      const policy = JSON.parse(values.policy);
      policy.Statement = policy.Statement.filter((st: Json) => st.Sid !== "DescribeOwnRepository");
      values.policy = JSON.stringify(policy);
      (plan.resource_changes as Json[]).find((c) => c.address === address)!.change.actions = ["update"];
    });
    expect(edited.diff.policies).toEqual([
      { stack: "source-account", address, type: "aws_iam_role_policy", what: "policy source-access of role demo-web-source-access", how: "changed" },
    ]);
    expect(edited.diff.changes.map((c) => [c.case.row, c.case.who, c.case.action, c.now, c.dangerous])).toEqual([
      ["3", "web source-access role (A)", "ecr:DescribeImages", "denied", true],
    ]);
    expect(edited.code).toBe(EXIT.dangerous);
  });

});

/**
 * The upgrade of a deployed project from release 0.1, as Terraform plans it: the fixtures are the
 * plans of today's stacks against the state of both examples as release 0.1 (commit 7c59723)
 * applied them (rendered there with scripts/plan-fixtures.ts's appliedState, planned here with its
 * plan()). __tests__/stacks/upgrade.test.ts checks the same from the config, for any release-0.1
 * address; this is Terraform's own word on it.
 */
describe.each(["example", "two-accounts"])("upgrading the %s config from release 0.1", (example) => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review(`upgrade-0.1-${example}`);
  });

  it("moves each repository, lifecycle and repository policy: no repository, policy, role, key or bucket is created or destroyed", () => {
    const changes = scenario(`upgrade-0.1-${example}`).plans.flatMap((p) => changedResources(p.plan).map((c) => ({ ...c, stack: p.stack })));
    const kept = /^aws_(ecr_repository|ecr_repository_policy|ecr_lifecycle_policy|iam_role|kms_key|kms_alias|s3_bucket|s3_bucket_policy)$/;
    expect(changes.filter((c) => kept.test(c.type) && c.action !== "move")).toEqual([]);
    expect(changes.filter((c) => c.action === "move").map((c) => c.type).sort()).toEqual(
      example === "example"
        ? ["aws_ecr_lifecycle_policy", "aws_ecr_repository", "aws_ecr_repository_policy", "aws_ecr_repository_policy"]
        : ["aws_ecr_lifecycle_policy", "aws_ecr_repository", "aws_ecr_repository_policy"],
    );
  });

  it("replaces only what is keyed anew: the forwarding rule and its target (one per account now), and the pull policy (one per execution role)", () => {
    const replaced = scenario(`upgrade-0.1-${example}`).plans.flatMap((p) =>
      changedResources(p.plan)
        .filter((c) => c.action === "create" || c.action === "delete")
        .map((c) => `${p.stack} ${c.action} ${c.type}`),
    );
    expect(replaced.sort()).toEqual(
      [
        "source-account create aws_cloudwatch_event_rule",
        "source-account create aws_cloudwatch_event_target",
        "source-account delete aws_cloudwatch_event_rule",
        "source-account delete aws_cloudwatch_event_target",
        ...(example === "example" ? ["pipeline-account create aws_iam_role_policy", "pipeline-account delete aws_iam_role_policy"] : []),
      ].sort(),
    );
  });

  it("is a change, not a dangerous one, and changes no access", () => {
    expect(r.code).toBe(EXIT.changes);
    expect(r.summary).not.toContain("DANGER");
    expect(r.diff.changes).toEqual([]);
  });
});
