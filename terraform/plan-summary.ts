/**
 * What `npm run plan` reports, computed from `terraform show -json` of each stack's plan: counts
 * of add / change / destroy / replace, the destroys and replacements that lose data or identity
 * (the key, the bucket, a repository, a role), the summary.md a reviewer reads, and the exit code
 * CI acts on. Pure functions: no files, no processes.
 */
import { SOURCE_STACK } from "../lib/naming";

/**
 * The parts of `terraform show -json <plan>` read here and by the plan review (plan-changes.ts,
 * plan-access.ts); plan-trim.ts keeps exactly these.
 */
export interface PlanJson {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, { readonly actions: readonly string[] }>>;
  /** The state the plan starts from (refreshed, unless planned with -refresh=false). */
  readonly prior_state?: { readonly values?: { readonly root_module?: PlanModule } };
  readonly planned_values?: {
    readonly outputs?: Readonly<Record<string, { readonly sensitive?: boolean; readonly value?: unknown }>>;
    /** Attributes known only after apply are absent from a resource's values (see after_unknown). */
    readonly root_module?: PlanModule;
  };
  readonly configuration?: { readonly root_module?: { readonly resources?: readonly ConfigurationResource[] } };
}

export interface PlanModule {
  readonly resources?: readonly PlanResource[];
}

export interface PlanResource {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly values?: Record<string, unknown>;
}

/** A resource block of the configuration: what each argument refers to. */
export interface ConfigurationResource {
  readonly address: string;
  readonly expressions?: Readonly<Record<string, { readonly references?: readonly string[] }>>;
}

export interface ResourceChange {
  readonly address: string;
  /**
   * The address the object had after the previous run, present only when it changed: a `moved`
   * block (Terraform's "JSON Output Format" page). The object is the same, and the prior state
   * already holds it at `address` (the `moved` block page: Terraform renames the objects in the
   * state, then plans).
   */
  readonly previous_address?: string;
  readonly mode?: string;
  readonly type: string;
  readonly change: {
    readonly actions: readonly string[];
    /** Attribute paths whose change forces the replacement. */
    readonly replace_paths?: readonly (readonly (string | number)[])[];
    readonly before?: unknown;
    readonly after?: unknown;
    /** Mirrors `after`: true where the value is known only after apply. */
    readonly after_unknown?: unknown;
  };
  readonly action_reason?: string;
}

export type ChangeKind = "add" | "change" | "destroy" | "replace";
export const CHANGE_KINDS: readonly ChangeKind[] = ["add", "change", "destroy", "replace"];
export type Counts = Record<ChangeKind, number>;

/**
 * What a change of its actions does. A replacement is one "replace", whichever order Terraform
 * runs it in (`["delete","create"]`, or `["create","delete"]` with create_before_destroy), and is
 * not also counted as an add and a destroy, unlike Terraform's own "Plan:" line. Reads and no-ops
 * change nothing. Any other list (such as `["forget"]`, which drops an object from the state and
 * leaves it in AWS) counts as a change, so that nothing new is ever reported as "no changes".
 */
export function changeKind(actions: readonly string[]): ChangeKind | undefined {
  const key = actions.join(",");
  switch (key) {
    case "no-op":
    case "read":
    case "":
      return undefined;
    case "create":
      return "add";
    case "update":
      return "change";
    case "delete":
      return "destroy";
    case "delete,create":
    case "create,delete":
      return "replace";
    default:
      return "change";
  }
}

export interface DangerousType {
  readonly what: string;
  readonly meaning: string;
  /** Which of destroy and replace is dangerous; default both. */
  readonly kinds?: readonly ("destroy" | "replace")[];
}

/** The resource types whose destroy or replacement loses data, identity or access, and what that means. */
export const DANGEROUS_TYPES: Readonly<Record<string, DangerousType>> = {
  aws_kms_key: {
    what: "the artifact key (CMK)",
    meaning:
      "Destroying the key schedules its deletion: it is disabled at once and deleted after its waiting period " +
      "(30 days; `aws kms cancel-key-deletion` recovers it until then). Every artifact encrypted with it becomes " +
      "unreadable. A replacement key is a new key: the pipelines switch to it, old artifacts stay encrypted with the old one.",
  },
  aws_s3_bucket: {
    what: "the artifact bucket",
    meaning:
      "Destroying the bucket deletes the pipelines' artifacts (Terraform refuses while it holds objects). " +
      "Its name is global and fixed by the config: a replacement must delete it first, and every pipeline fails until it is back.",
  },
  aws_ecr_repository: {
    what: "an ECR repository",
    meaning:
      "Destroying a repository deletes its images (Terraform refuses while it holds any: force_delete is false). " +
      "A replacement is empty: its pipeline has no image to start from, and whatever pulls from it fails, until images are pushed again.",
  },
  aws_iam_role: {
    what: "a role",
    meaning:
      "A replaced role is a new principal with a new unique id. Our own trust, key and bucket policies match roles by ARN " +
      "(`aws:PrincipalArn`) and keep working once it exists again, but a policy elsewhere that names the role as a principal " +
      "silently stops matching it, and the pipeline fails while the role is gone.",
  },
  // The provider's delete calls ECR's DeleteRepositoryPolicy, which "deletes the repository
  // policy associated with the specified repository" (Amazon ECR API Reference): the whole
  // document, one per repository. A replacement deletes it and writes it again at once, the
  // owner's statements included (they are merged into the one document): only a destroy loses them.
  aws_ecr_repository_policy: {
    what: "a repository policy",
    kinds: ["destroy"],
    meaning:
      "A repository has one policy, and destroying it deletes all of it (ECR's DeleteRepositoryPolicy), the owner's " +
      "statements of an adopted repository (`ownerStatements`) with ours. That is what retiring the last pipeline of an " +
      "adopted repository (`create: false`), or moving it to another repository, does: the repository stays, and what only " +
      "its owner's statements allowed (pulls from other accounts, say) is denied from then on. Agree with the owner " +
      "before applying: they put their statements back right after, or `terraform state rm` the policy first to leave " +
      "it in place (then remove this app's `PipelineAccountPull` statement by hand).",
  },
};

export interface DangerousChange {
  readonly address: string;
  readonly type: string;
  readonly kind: "destroy" | "replace";
  /** Why, in Terraform's words (`action_reason`), and which attributes force a replacement. */
  readonly reason?: string;
  readonly replacePaths: readonly string[];
}

export interface PlannedStack {
  readonly stack: string;
  readonly status: "planned";
  readonly counts: Counts;
  /** Resources at a new address (`moved` blocks), updated or not: applying rewrites the state. */
  readonly moved: number;
  /** Outputs created, changed or removed: a change to apply even when no resource changes. */
  readonly outputChanges: number;
  readonly dangerous: readonly DangerousChange[];
}

export interface FailedStack {
  readonly stack: string;
  readonly status: "failed" | "skipped";
  /** One line: what went wrong and what to do. */
  readonly message: string;
  /** Terraform's error output, if any. */
  readonly details?: string;
}

export type StackResult = PlannedStack | FailedStack;

function isDangerous(change: ResourceChange, kind: ChangeKind | undefined): kind is "destroy" | "replace" {
  if ((change.mode ?? "managed") !== "managed" || (kind !== "destroy" && kind !== "replace")) return false;
  const type = DANGEROUS_TYPES[change.type];
  return type !== undefined && (type.kinds ?? ["destroy", "replace"]).includes(kind);
}

/** The change is of an object that had another address (a `moved` block). */
export function isMove(change: ResourceChange): boolean {
  return change.previous_address !== undefined && change.previous_address !== change.address;
}

export function summarizePlan(stack: string, plan: PlanJson): PlannedStack {
  const counts: Counts = { add: 0, change: 0, destroy: 0, replace: 0 };
  let moved = 0;
  const dangerous: DangerousChange[] = [];
  for (const change of plan.resource_changes ?? []) {
    if (isMove(change)) moved += 1;
    const kind = changeKind(change.change.actions);
    if (kind === undefined) continue;
    counts[kind] += 1;
    if (isDangerous(change, kind)) {
      dangerous.push({
        address: change.address,
        type: change.type,
        kind,
        ...(change.action_reason && { reason: change.action_reason }),
        replacePaths: (change.change.replace_paths ?? []).map((p) => p.join(".")),
      });
    }
  }
  const outputChanges = Object.values(plan.output_changes ?? {}).filter((o) => changeKind(o.actions) !== undefined).length;
  return { stack, status: "planned", counts, moved, outputChanges, dangerous };
}

export const EXIT = { noChanges: 0, error: 1, changes: 2, dangerous: 3 } as const;

export const EXIT_CODES: readonly { readonly code: number; readonly meaning: string }[] = [
  { code: EXIT.noChanges, meaning: "no changes: every stack is planned and matches what is deployed" },
  { code: EXIT.error, meaning: "error: bad arguments, a bad config, or a stack that could not be planned" },
  { code: EXIT.changes, meaning: "changes, none dangerous" },
  {
    code: EXIT.dangerous,
    meaning:
      "dangerous changes: a destroy or replacement of the key, the bucket, a repository or a role, " +
      "the destroy of a repository policy, or an access change that allows what must stay denied or denies a hop a pipeline needs",
  },
];

/**
 * What the plan review (plan-review.ts) adds to the summary: its sections, and how many access
 * changes are dangerous.
 */
export interface Review {
  /** Markdown sections (lines), placed after the warnings about destroys. */
  readonly sections: readonly (readonly string[])[];
  readonly dangerousAccess: number;
}

/** An error wins over everything: a plan that is incomplete says nothing about what is safe. */
export function exitCode(results: readonly StackResult[], review?: Pick<Review, "dangerousAccess">): number {
  if (results.some((r) => r.status !== "planned")) return EXIT.error;
  const planned = results as readonly PlannedStack[];
  if (planned.some((r) => r.dangerous.length > 0) || (review?.dangerousAccess ?? 0) > 0) return EXIT.dangerous;
  if (planned.some((r) => hasChanges(r))) return EXIT.changes;
  return EXIT.noChanges;
}

/** A move alone is a change: applying it rewrites the state, though nothing in AWS changes. */
export function hasChanges(result: PlannedStack): boolean {
  return CHANGE_KINDS.some((k) => result.counts[k] > 0) || result.moved > 0 || result.outputChanges > 0;
}

/** A stack's counts in words, as the console prints them: "1 to add, 0 to change, 0 to destroy, 0 to replace, 3 moved". */
export function describeCounts(result: PlannedStack): string {
  const { add, change, destroy, replace } = result.counts;
  const moved = result.moved > 0 ? `, ${result.moved} moved` : "";
  return `${add} to add, ${change} to change, ${destroy} to destroy, ${replace} to replace${moved}`;
}

/**
 * The outputs to put in the stub state pipeline-account reads in an offline run, from
 * source-account's plan: an output whose planned value is known (a literal, a configured name)
 * takes it; one that is known only after apply (an ARN AWS assigns) takes `resolve()`'s value,
 * which formats it as AWS would (fixtures' resolveOutputs). Throws if neither has a value.
 */
export function stubOutputs(plan: PlanJson, resolve: () => Readonly<Record<string, unknown>>): Record<string, unknown> {
  const planned = plan.planned_values?.outputs ?? {};
  let resolved: Readonly<Record<string, unknown>> | undefined;
  return Object.fromEntries(
    Object.entries(planned).map(([name, output]) => {
      if ("value" in output) return [name, output.value];
      resolved ??= resolve();
      if (resolved[name] === undefined) throw new Error(`output ${name} is known only after apply and has no offline value`);
      return [name, resolved[name]];
    }),
  );
}

/** Terraform's action_reason, in words. */
export const REASONS: Readonly<Record<string, string>> = {
  replace_because_cannot_update: "an argument that cannot change in place changed",
  replace_because_tainted: "the object is tainted",
  replace_by_request: "replacement was requested (-replace)",
  replace_by_triggers: "replace_triggered_by",
  delete_because_no_resource_config: "it is no longer in the configuration",
  delete_because_wrong_repetition: "its count/for_each changed",
  delete_because_count_index: "its count index is gone",
  delete_because_each_key: "its for_each key is gone",
  delete_because_no_module: "its module is gone",
  delete_because_no_move_target: "its moved target is gone",
};

function why(change: DangerousChange): string {
  const reason = change.reason ? (REASONS[change.reason] ?? change.reason) : "";
  const paths = change.replacePaths.length > 0 ? `forced by ${change.replacePaths.map((p) => `\`${p}\``).join(", ")}` : "";
  return [reason, paths].filter(Boolean).join("; ") || "see the plan";
}

function resultLabel(result: StackResult): string {
  if (result.status !== "planned") return result.status === "skipped" ? "not planned" : "**plan failed**";
  const moved = result.moved > 0 ? ` (${result.moved} moved)` : "";
  if (result.dangerous.length > 0) return `**DANGEROUS**${moved}`;
  if (CHANGE_KINDS.some((k) => result.counts[k] > 0) || result.moved > 0) return `changes${moved}`;
  if (hasChanges(result)) return "changes (outputs only)";
  return "no changes";
}

export interface SummaryContext {
  readonly offline: boolean;
  readonly configPath: string;
  /** The directory whose plan files `--summarize` read (Terraform was not run). */
  readonly rebuiltFrom?: string;
  /** Whether there are `<stack>.tfplan` files beside the summary (default: unless offline). */
  readonly savedPlans?: boolean;
  /**
   * The pipeline-account stacks planned against source-account's outputs as planned (its plan
   * changes outputs they read), not against its deployed state.
   */
  readonly plannedAgainstSource?: readonly string[];
}

function provenance(context: SummaryContext): string {
  if (context.rebuiltFrom === undefined) return madeHow(context);
  const rebuilt = `Rebuilt (\`--summarize\`) from the plan files in \`${context.rebuiltFrom}\`, without running Terraform.`;
  // Plans made offline keep their warning: they are still not to apply.
  return context.offline ? `${rebuilt} ${madeHow(context)}` : rebuilt;
}

function madeHow(context: SummaryContext): string {
  return context.offline
    ? "Offline (`--offline`): mock credentials and no state, so everything is new; each pipeline-account stack reads " +
        "source-account's planned outputs. This checks that every stack plans; it shows nothing about the real accounts.\n\n" +
        "**No `.tfplan` files**: a plan made with mock credentials and empty state is for review, never to apply " +
        "(it would create every resource again, in whichever account your credentials reach). " +
        "`npm run plan` against the real accounts writes plans to apply."
    : "Planned against the real accounts, with the credentials and state the config names.";
}

/**
 * summary.md: the counts per stack, then any dangerous change, loudly, then the review's sections
 * (access changes, changed resources), then any failure.
 */
export function renderSummary(results: readonly StackResult[], context: SummaryContext, review?: Review): string {
  const code = exitCode(results, review);
  const lines: string[] = ["# Terraform plans", ""];
  lines.push(
    provenance(context),
    "",
    `Config: \`${context.configPath}\`. Exit code ${code}: ${EXIT_CODES.find((e) => e.code === code)!.meaning}.`,
    "",
    "| stack | add | change | destroy | replace | result |",
    "|---|---:|---:|---:|---:|---|",
  );
  const against = new Set(context.offline ? [] : (context.plannedAgainstSource ?? []));
  for (const r of results) {
    const counts = r.status === "planned" ? CHANGE_KINDS.map((k) => String(r.counts[k])) : CHANGE_KINDS.map(() => "–");
    const mark = against.has(r.stack) ? `, against ${SOURCE_STACK} as planned` : "";
    lines.push(`| ${r.stack} | ${counts.join(" | ")} | ${resultLabel(r)}${mark} |`);
  }
  lines.push("", "A replacement (destroy and re-create) counts once, under replace.");
  if (results.some((r) => r.status === "planned" && r.moved > 0)) {
    lines[lines.length - 1] +=
      " A moved resource (a `moved` block) is the same object at a new address: applying rewrites the state, " +
      "and changes nothing in AWS unless it is counted under change or replace too.";
  }
  if (against.size > 0) {
    lines.push(
      "",
      `**Planned against ${SOURCE_STACK}'s outputs as planned**, not as deployed: ${SOURCE_STACK}'s plan changes outputs these stacks read ` +
        "(a first deployment, a new pipeline), so they read the values it will have once applied (ARNs AWS assigns formatted as AWS " +
        `does). \`npm run deploy\` plans each again once ${SOURCE_STACK} is applied, and applies it only if that plan has the same ` +
        "resource changes and access answers as this one; there is no `.tfplan` for them here.",
      "",
      ...[...against].map((stack) => `* ${stack}`),
    );
  }

  const dangerous = results.flatMap((r) => (r.status === "planned" ? r.dangerous.map((d) => ({ stack: r.stack, ...d })) : []));
  if (dangerous.length > 0) {
    lines.push(
      "",
      `## ⚠️ DANGER: ${dangerous.length} ${dangerous.length === 1 ? "destroy or replacement" : "destroys or replacements"} of a key, bucket, repository, repository policy or role`,
      "",
      "> [!CAUTION]",
      "> Applying these plans destroys or re-creates resources that hold data, identity or access. Read what each " +
        "means below, and find what forces it (the plan's `# forces replacement` lines) before anyone applies.",
      "",
      "| stack | action | resource | why |",
      "|---|---|---|---|",
      ...dangerous.map((d) => `| ${d.stack} | **${d.kind}** | \`${d.address}\`, ${DANGEROUS_TYPES[d.type].what} | ${why(d)} |`),
      "",
    );
    for (const type of new Set(dangerous.map((d) => d.type))) {
      lines.push(`* **${DANGEROUS_TYPES[type].what}** (\`${type}\`): ${DANGEROUS_TYPES[type].meaning}`);
    }
  }

  for (const section of review?.sections ?? []) lines.push("", ...section);

  const failed = results.filter((r): r is FailedStack => r.status !== "planned");
  if (failed.length > 0) {
    lines.push("", "## Failed");
    for (const f of failed) {
      lines.push("", `### ${f.stack}: ${f.status === "skipped" ? "not planned" : "plan failed"}`, "", f.message);
      if (f.details) lines.push("", "```text", f.details, "```");
    }
  }
  const files = "Files: `<stack>.txt` (the plan as text, or Terraform's errors), `<stack>.json` (`terraform show -json`)";
  const saved = context.savedPlans ?? !context.offline;
  lines.push("", context.offline ? `${files}; no \`<stack>.tfplan\` offline.` : saved ? `${files}, \`<stack>.tfplan\`.` : `${files}.`, "");
  return lines.join("\n");
}

/** Terraform's progress lines for one object ("Reading...", "Refreshing state... [id=...]"). */
const PROGRESS = /^\S+: (Reading\.\.\.|Read complete after |Refreshing state\.\.\.|Still reading\.\.\.|Still refreshing\.\.\.)/;

/**
 * The plan as text, from `terraform plan -no-color`'s output: without the progress lines, it is
 * what `terraform show` of the saved plan prints (drift notes, changes, outputs), plus warnings.
 */
export function planText(output: string): string {
  const lines = output.split("\n").filter((l) => !PROGRESS.test(l));
  while (lines.length > 0 && lines[0].trim() === "") lines.shift();
  return lines.join("\n");
}

/** Terraform's error blocks from its output ("Error: ..." up to the end), at most `maxLines`. */
export function terraformErrors(output: string, maxLines = 60): string {
  const lines = output.trimEnd().split("\n");
  const first = lines.findIndex((l) => /^(│ )?Error: /.test(l));
  const errors = first === -1 ? lines.slice(-maxLines) : lines.slice(first);
  return errors.length > maxLines ? [...errors.slice(0, maxLines), `… (${errors.length - maxLines} more lines)`].join("\n") : errors.join("\n");
}

/** How the plan names the source-account stack and the pipeline-account stack's read of its state. */
export interface SourceRef {
  readonly stack: string;
  /** Id of the `terraform_remote_state` data source that reads it. */
  readonly state: string;
}

/**
 * What went wrong in a failed plan and what to do, for the failures users meet (all that apply,
 * most specific first), from Terraform's output.
 */
export function explainFailure(stack: string, terraformOutput: string, source: SourceRef): string {
  // Terraform wraps messages to its terminal width.
  const output = terraformOutput.replace(/\s+/g, " ");
  const found: string[] = [];
  // The state does not exist (local file or S3 key), or exists without the outputs (the stack's postcondition).
  const missingState = output.includes("Unable to find remote state") && output.includes(`data.terraform_remote_state.${source.state}`);
  if (missingState || output.includes(`The ${source.stack} state lacks outputs this stack needs`)) {
    found.push(
      `${stack} reads ${source.stack}'s outputs from its state, and that state does not have them: ` +
        `${source.stack} is not deployed yet. Deploy it first (\`npm run deploy -- --stack ${source.stack}\`), then plan again; ` +
        "`npm run plan -- --offline` previews every stack without AWS.",
    );
  }
  if (output.includes("Instance cannot be destroyed")) {
    found.push(
      "The plan would destroy or replace a resource with `prevent_destroy` (the artifact key or bucket, while the config " +
        "has `preventDestroy` true), so Terraform refused it. Find the change that forces it; only if the loss is really " +
        "intended, set `\"preventDestroy\": false` for that deploy.",
    );
  }
  if (/AWS account ID not allowed/.test(output)) {
    found.push("The credentials are for another account than the config names for this stack (`allowed_account_ids`): check the profile or role.");
  }
  if (/No valid credential sources found|failed to get shared config profile|Cannot assume IAM Role|ExpiredToken|InvalidClientTokenId/.test(output)) {
    found.push(
      "Terraform could not get credentials for this stack's account: check the profile or role the config names (and that the session has not expired).",
    );
  }
  return found.length > 0 ? found.join(" ") : `terraform plan failed for ${stack}; Terraform's errors follow.`;
}
