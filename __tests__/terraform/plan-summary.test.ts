/**
 * What `npm run plan` makes of `terraform show -json`: counts, dangerous changes, the summary and
 * the exit code, on small hand-made plans.
 */
import {
  changeKind,
  describeCounts,
  EXIT,
  explainFailure,
  exitCode,
  planText,
  renderSummary,
  stubOutputs,
  summarizePlan,
  terraformErrors,
  type PlanJson,
  type ResourceChange,
  type StackResult,
} from "../../terraform/plan-summary";
import { PIPELINE_STACK, SOURCE_STACK, SOURCE_STATE } from "../../stacks/outputs";
import { config } from "../../test-support/config";
import { synthApp } from "../../test-support/synth";

const SOURCE = { stack: SOURCE_STACK, state: SOURCE_STATE };
let n = 0;
function rc(type: string, actions: string[], extra: Partial<ResourceChange> & { replace_paths?: string[][] } = {}): ResourceChange {
  const { replace_paths, ...rest } = extra;
  const name = `r${++n}`;
  return { address: `${type}.${name}`, mode: "managed", type, change: { actions, ...(replace_paths && { replace_paths }) }, ...rest };
}

function wrap(text: string, width: number): string {
  return text.split(" ").reduce((out, word) => (out.length - out.lastIndexOf("\n") + word.length > width ? `${out}\n${word}` : `${out} ${word}`));
}

function plan(...changes: ResourceChange[]): PlanJson {
  return { resource_changes: changes };
}

describe("changeKind", () => {
  it.each([
    [["create"], "add"],
    [["update"], "change"],
    [["delete"], "destroy"],
    [["delete", "create"], "replace"],
    [["create", "delete"], "replace"],
    [["no-op"], undefined],
    [["read"], undefined],
    [["forget"], "change"],
  ])("%j is %s", (actions, kind) => {
    expect(changeKind(actions)).toBe(kind);
  });
});

describe("summarizePlan", () => {
  it("counts each kind of change once, a replacement in either order as one replace", () => {
    const summary = summarizePlan(
      "s",
      plan(
        rc("aws_iam_role_policy", ["create"]),
        rc("aws_iam_role_policy", ["create"]),
        rc("aws_codepipeline", ["update"]),
        rc("aws_s3_bucket_policy", ["delete"]),
        rc("aws_kms_alias", ["delete", "create"]),
        rc("aws_codepipeline", ["create", "delete"]),
        rc("aws_iam_role", ["no-op"]),
        { ...rc("aws_iam_policy_document", ["read"]), mode: "data" },
      ),
    );
    expect(summary.counts).toEqual({ add: 2, change: 1, destroy: 1, replace: 2 });
    expect(summary.dangerous).toEqual([]);
  });

  it("flags a destroy or replace of the key, the bucket, a repository or a role, and a repository policy's destroy", () => {
    const changes = [
      rc("aws_kms_key", ["delete", "create"], { action_reason: "replace_because_cannot_update", replace_paths: [["customer_master_key_spec"]] }),
      rc("aws_s3_bucket", ["delete"], { action_reason: "delete_because_no_resource_config" }),
      rc("aws_ecr_repository", ["create", "delete"], { replace_paths: [["name"]] }),
      rc("aws_iam_role", ["delete"]),
      rc("aws_ecr_repository_policy", ["delete"], { action_reason: "delete_because_no_resource_config" }),
    ];
    const summary = summarizePlan("s", plan(...changes));
    expect(summary.dangerous).toEqual([
      { address: changes[0].address, type: "aws_kms_key", kind: "replace", reason: "replace_because_cannot_update", replacePaths: ["customer_master_key_spec"] },
      { address: changes[1].address, type: "aws_s3_bucket", kind: "destroy", reason: "delete_because_no_resource_config", replacePaths: [] },
      { address: changes[2].address, type: "aws_ecr_repository", kind: "replace", replacePaths: ["name"] },
      { address: changes[3].address, type: "aws_iam_role", kind: "destroy", replacePaths: [] },
      { address: changes[4].address, type: "aws_ecr_repository_policy", kind: "destroy", reason: "delete_because_no_resource_config", replacePaths: [] },
    ]);
  });

  it("does not flag creating or updating them, replacing a repository policy, nor destroying anything else", () => {
    const summary = summarizePlan(
      "s",
      plan(
        rc("aws_kms_key", ["create"]),
        rc("aws_s3_bucket", ["update"]),
        rc("aws_ecr_repository", ["no-op"]),
        rc("aws_iam_role", ["update"]),
        rc("aws_iam_role_policy", ["delete"]),
        rc("aws_ecr_repository_policy", ["delete", "create"]),
        rc("aws_kms_alias", ["delete"]),
        { ...rc("aws_iam_role", ["read"]), mode: "data" },
      ),
    );
    expect(summary.dangerous).toEqual([]);
    expect(summary.counts).toEqual({ add: 1, change: 2, destroy: 2, replace: 1 });
  });

  it("counts output changes apart from resources", () => {
    const summary = summarizePlan("s", {
      resource_changes: [rc("aws_iam_role", ["no-op"])],
      output_changes: { a: { actions: ["create"] }, b: { actions: ["no-op"] }, c: { actions: ["delete"] } },
    });
    expect(summary.outputChanges).toBe(2);
  });

  it("counts a resource at a new address (a moved block) as moved, and under change only if it is updated too", () => {
    const summary = summarizePlan(
      "s",
      plan(
        rc("aws_iam_role", ["no-op"], { previous_address: "aws_iam_role.old" }),
        rc("aws_iam_role_policy", ["no-op"], { previous_address: "aws_iam_role_policy.old" }),
        rc("aws_iam_role", ["update"], { previous_address: "aws_iam_role.older" }),
        rc("aws_s3_bucket", ["no-op"]),
      ),
    );
    expect(summary.moved).toBe(3);
    expect(summary.counts).toEqual({ add: 0, change: 1, destroy: 0, replace: 0 });
    expect(summary.dangerous).toEqual([]);
    expect(describeCounts(summary)).toBe("0 to add, 1 to change, 0 to destroy, 0 to replace, 3 moved");
    expect(describeCounts(summarizePlan("s", plan(rc("aws_s3_bucket", ["create"]))))).toBe("1 to add, 0 to change, 0 to destroy, 0 to replace");
  });

  it("does not count a previous address that is the address itself as a move", () => {
    const change = rc("aws_iam_role", ["no-op"]);
    expect(summarizePlan("s", plan({ ...change, previous_address: change.address })).moved).toBe(0);
  });
});

describe("exitCode", () => {
  const planned = (...changes: ResourceChange[]) => summarizePlan("s", plan(...changes));

  it("is 0 without changes, also for an empty plan", () => {
    expect(exitCode([planned(rc("aws_iam_role", ["no-op"])), planned()])).toBe(EXIT.noChanges);
  });

  it("is 2 for moves alone (applying them rewrites the state), which are never dangerous", () => {
    const move = (type: string) => rc(type, ["no-op"], { previous_address: `${type}.old` });
    expect(exitCode([planned(move("aws_kms_key"), move("aws_s3_bucket"), move("aws_iam_role")), planned()])).toBe(EXIT.changes);
  });

  it("is 2 for changes, including outputs only", () => {
    expect(exitCode([planned(), planned(rc("aws_iam_role", ["update"]), rc("aws_kms_alias", ["delete"]))])).toBe(EXIT.changes);
    expect(exitCode([summarizePlan("s", { output_changes: { a: { actions: ["update"] } } })])).toBe(EXIT.changes);
  });

  it("is 3 for a dangerous change in any stack", () => {
    expect(exitCode([planned(rc("aws_iam_role_policy", ["create"])), planned(rc("aws_iam_role", ["delete", "create"]))])).toBe(EXIT.dangerous);
  });

  it("is 1 when a stack failed or was not planned, even with dangerous changes elsewhere", () => {
    const failed: StackResult = { stack: "p", status: "failed", message: "m" };
    const skipped: StackResult = { stack: "p", status: "skipped", message: "m" };
    expect(exitCode([planned(rc("aws_kms_key", ["delete"])), failed])).toBe(EXIT.error);
    expect(exitCode([planned(), skipped])).toBe(EXIT.error);
  });
});

describe("renderSummary", () => {
  const context = { offline: false, configPath: "config/example.json" };

  it("has a row of counts per stack and the exit code", () => {
    const md = renderSummary(
      [summarizePlan(SOURCE_STACK, plan(rc("aws_iam_role", ["create"]))), summarizePlan(PIPELINE_STACK, plan())],
      context,
    );
    expect(md).toContain("| source-account | 1 | 0 | 0 | 0 | changes |");
    expect(md).toContain("| pipeline-account | 0 | 0 | 0 | 0 | no changes |");
    expect(md).toContain("Exit code 2: changes, none dangerous.");
    expect(md).not.toContain("DANGER");
  });

  it("warns loudly about each dangerous change, with why and what it means", () => {
    const key = rc("aws_kms_key", ["delete", "create"], { action_reason: "replace_because_cannot_update", replace_paths: [["key_usage"]] });
    const role = rc("aws_iam_role", ["delete"], { action_reason: "delete_because_no_resource_config" });
    const md = renderSummary([summarizePlan(PIPELINE_STACK, plan(key, role, rc("aws_iam_role_policy", ["delete"])))], context);
    expect(md).toContain("| pipeline-account | 0 | 0 | 2 | 1 | **DANGEROUS** |");
    expect(md).toContain("## ⚠️ DANGER: 2 destroys or replacements of a key, bucket, repository, repository policy or role");
    expect(md).toContain(
      `| pipeline-account | **replace** | \`${key.address}\`, the artifact key (CMK) | an argument that cannot change in place changed; forced by \`key_usage\` |`,
    );
    expect(md).toContain(`| pipeline-account | **destroy** | \`${role.address}\`, a role | it is no longer in the configuration |`);
    expect(md).toMatch(/\* \*\*the artifact key \(CMK\)\*\* \(`aws_kms_key`\): Destroying the key schedules its deletion/);
    expect(md).toMatch(/\* \*\*a role\*\* \(`aws_iam_role`\): A replaced role is a new principal/);
    expect(md).not.toContain("aws_s3_bucket`)");
    expect(md).toContain("Exit code 3: dangerous changes");
  });

  it("warns about a repository policy's destroy with what it does to an adopted repository's owner, but not about its replacement", () => {
    const policy = rc("aws_ecr_repository_policy", ["delete"], { action_reason: "delete_because_no_resource_config" });
    const md = renderSummary([summarizePlan(SOURCE_STACK, plan(policy, rc("aws_ecr_repository_policy", ["create", "delete"])))], context);
    expect(md).toContain("## ⚠️ DANGER: 1 destroy or replacement of a key, bucket, repository, repository policy or role");
    expect(md).toContain(`| source-account | **destroy** | \`${policy.address}\`, a repository policy | it is no longer in the configuration |`);
    expect(md).toContain(
      "* **a repository policy** (`aws_ecr_repository_policy`): A repository has one policy, and destroying it deletes all of it " +
        "(ECR's DeleteRepositoryPolicy), the owner's statements of an adopted repository (`ownerStatements`) with ours.",
    );
    expect(md).toContain("| source-account | 0 | 0 | 1 | 1 | **DANGEROUS** |");
    expect(exitCode([summarizePlan(SOURCE_STACK, plan(policy))])).toBe(EXIT.dangerous);
  });

  it("counts moves in the stack's row, and says what a move is only when there is one", () => {
    const moves = plan(
      rc("aws_iam_role", ["no-op"], { previous_address: "aws_iam_role.a" }),
      rc("aws_iam_role", ["update"], { previous_address: "aws_iam_role.b" }),
    );
    const md = renderSummary([summarizePlan(SOURCE_STACK, moves), summarizePlan(PIPELINE_STACK, plan(rc("aws_iam_role", ["no-op"], { previous_address: "aws_iam_role.c" })))], context);
    expect(md).toContain("| source-account | 0 | 1 | 0 | 0 | changes (2 moved) |");
    expect(md).toContain("| pipeline-account | 0 | 0 | 0 | 0 | changes (1 moved) |");
    expect(md).toContain("A moved resource (a `moved` block) is the same object at a new address: applying rewrites the state");
    expect(md).toContain("Exit code 2: changes, none dangerous.");
    expect(renderSummary([summarizePlan(SOURCE_STACK, plan(rc("aws_iam_role", ["update"])))], context)).not.toContain("moved");
  });

  it("shows a failed stack with its explanation and Terraform's errors", () => {
    const md = renderSummary(
      [summarizePlan(SOURCE_STACK, plan()), { stack: PIPELINE_STACK, status: "failed", message: "Deploy it first.", details: "Error: boom" }],
      context,
    );
    expect(md).toContain("| pipeline-account | – | – | – | – | **plan failed** |");
    expect(md).toContain("### pipeline-account: plan failed\n\nDeploy it first.\n\n```text\nError: boom\n```");
    expect(md).toContain("Exit code 1: error");
  });

  it("says what an offline plan does and does not show", () => {
    expect(renderSummary([], { ...context, offline: true })).toContain("mock credentials and no state, so everything is new");
  });

  it("says why an offline plan has no .tfplan to apply, and lists one for a real plan", () => {
    const offline = renderSummary([], { ...context, offline: true });
    expect(offline).toContain(
      "**No `.tfplan` files**: a plan made with mock credentials and empty state is for review, never to apply " +
        "(it would create every resource again, in whichever account your credentials reach).",
    );
    expect(offline).toContain("; no `<stack>.tfplan` offline.");
    const real = renderSummary([], context);
    expect(real).not.toContain("No `.tfplan` files");
    expect(real).toContain("`terraform show -json`), `<stack>.tfplan`.");
  });

  it("lists no .tfplan files where there are none (--summarize of a directory without them)", () => {
    const md = renderSummary([], { ...context, savedPlans: false });
    expect(md).toContain("Files: `<stack>.txt` (the plan as text, or Terraform's errors), `<stack>.json` (`terraform show -json`).\n");
    expect(md).not.toContain(".tfplan");
  });

  it("keeps the offline warning when rebuilt from offline plans", () => {
    const md = renderSummary([], { ...context, offline: true, rebuiltFrom: "plans-pr12" });
    expect(md).toContain("Rebuilt (`--summarize`) from the plan files in `plans-pr12`, without running Terraform. Offline (`--offline`)");
    expect(md).toContain("**No `.tfplan` files**");
  });

  it("marks each stack planned against source-account's outputs as planned, and says what that means", () => {
    const md = renderSummary(
      [summarizePlan(SOURCE_STACK, plan(rc("aws_iam_role", ["create"]))), summarizePlan(PIPELINE_STACK, plan(rc("aws_iam_role", ["create"])))],
      { ...context, plannedAgainstSource: [PIPELINE_STACK] },
    );
    expect(md).toContain("| source-account | 1 | 0 | 0 | 0 | changes |");
    expect(md).toContain("| pipeline-account | 1 | 0 | 0 | 0 | changes, against source-account as planned |");
    expect(md).toContain("**Planned against source-account's outputs as planned**, not as deployed");
    expect(md).toContain("\n* pipeline-account\n");
  });

  it("calls a stack with no plan files \"not planned\", in the table as in its section", () => {
    const md = renderSummary([{ stack: PIPELINE_STACK, status: "skipped", message: "No pipeline-account.json or pipeline-account.txt in the directory." }], context);
    expect(md).toContain("| pipeline-account | – | – | – | – | not planned |");
    expect(md).toContain("### pipeline-account: not planned");
    expect(md).not.toContain("skipped");
  });
});

describe("stubOutputs (offline: what pipeline-account reads of source-account)", () => {
  const planned: PlanJson = {
    planned_values: { outputs: { name: { sensitive: false, value: "web" }, arn: { sensitive: false } } },
  };

  it("takes known planned values, and the resolved value of those known only after apply", () => {
    const resolve = jest.fn(() => ({ name: "other", arn: "arn:aws:iam::111111111111:role/x" }));
    expect(stubOutputs(planned, resolve)).toEqual({ name: "web", arn: "arn:aws:iam::111111111111:role/x" });
  });

  it("does not resolve when every value is known, and fails on one it cannot resolve", () => {
    const resolve = jest.fn(() => ({}));
    expect(stubOutputs({ planned_values: { outputs: { name: { value: "web" } } } }, resolve)).toEqual({ name: "web" });
    expect(resolve).not.toHaveBeenCalled();
    expect(() => stubOutputs(planned, resolve)).toThrow("output arn is known only after apply and has no offline value");
  });
});

describe("Terraform's output", () => {
  it("planText drops progress lines and keeps drift notes, changes and warnings", () => {
    const output = [
      "data.aws_iam_policy_document.a: Reading...",
      "aws_iam_role.r: Refreshing state... [id=demo-web]",
      "data.aws_iam_policy_document.a: Read complete after 0s [id=1]",
      "",
      "Note: Objects have changed outside of Terraform",
      "",
      "Terraform will perform the following actions:",
      "Plan: 1 to add, 0 to change, 0 to destroy.",
      "",
      "Warning: Argument is deprecated",
    ].join("\n");
    expect(planText(output)).toBe(
      "Note: Objects have changed outside of Terraform\n\nTerraform will perform the following actions:\nPlan: 1 to add, 0 to change, 0 to destroy.\n\nWarning: Argument is deprecated",
    );
  });

  it("terraformErrors starts at the first error", () => {
    expect(terraformErrors("data.x: Reading...\nPlanning failed.\n\nError: one\n\nmore\nError: two\n")).toBe("Error: one\n\nmore\nError: two");
  });

  it("recognizes the pipeline stack's postcondition: source-account not deployed", () => {
    const { pipeline } = synthApp(config());
    const postcondition = (pipeline.json.data!.terraform_remote_state[SOURCE_STATE].lifecycle as { postcondition: { error_message: string }[] })
      .postcondition[0];
    // As Terraform prints it: the interpolation evaluated, the text wrapped (here narrowly).
    const rendered = wrap(postcondition.error_message.replace(/\$\{[^}]*\}/, "web_repository_arn"), 20);
    const message = explainFailure(PIPELINE_STACK, `Error: Resource postcondition failed\n\n${rendered}`, SOURCE);
    expect(message).toContain(
      "source-account is not deployed yet. Deploy it first (`npm run deploy -- --stack source-account`), then plan again; " +
        "`npm run plan -- --offline` previews every stack without AWS.",
    );
  });

  it("recognizes a source-account state that does not exist at all", () => {
    // Terraform 1.11 with the local backend, before source-account was ever applied.
    const output = [
      "Error: Unable to find remote state",
      "",
      `  with data.terraform_remote_state.${SOURCE_STATE},`,
      `  on cdk.tf.json line 467, in data.terraform_remote_state.${SOURCE_STATE}:`,
      "",
      "No stored state was found for the given workspace in the given backend.",
    ].join("\n");
    expect(explainFailure(PIPELINE_STACK, output, SOURCE)).toContain("source-account is not deployed yet.");
    expect(explainFailure(PIPELINE_STACK, output.replaceAll(SOURCE_STATE, "other"), SOURCE)).not.toContain("not deployed");
  });

  it("recognizes prevent_destroy and credential problems, and names every one found", () => {
    expect(explainFailure("p", "Error: Instance cannot be destroyed", SOURCE)).toContain("`prevent_destroy`");
    expect(explainFailure("p", "Error: No valid credential sources found", SOURCE)).toContain("could not get credentials");
    const both = explainFailure("p", "Error: AWS account ID not allowed: 333333333333\nError: failed to get shared config profile, source", SOURCE);
    expect(both).toMatch(/for another account .* could not get credentials/);
    expect(explainFailure("p", "Error: something else", SOURCE)).toBe("terraform plan failed for p; Terraform's errors follow.");
  });
});
