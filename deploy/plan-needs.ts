/**
 * What one stack's saved plan asks of its account, read from `terraform show -json` of the plan:
 * the names it creates (each must be free), the things it expects to exist already (a role it puts
 * a policy on, a repository it adopts), the IAM actions each change needs and on which ARNs, and
 * how many roles and rules it adds. Pure functions: no AWS, no files.
 */
import { DEPLOY_ACTIONS } from "../stacks/deploy-permissions";
import type { PlanJson, PlanResource, ResourceChange } from "../terraform/plan-summary";

export type Change = "create" | "update" | "delete";

/**
 * The AWS-side changes of a resource change's actions. A replacement is a delete and a create, in
 * whichever order Terraform runs them; `no-op`, `read` and `forget` (which only drops the object
 * from the state) send AWS nothing that changes it.
 */
export function changesOf(actions: readonly string[]): Change[] {
  return (["delete", "create", "update"] as const).filter((c) => actions.includes(c));
}

/** Where the plan runs: the names of ARNs. */
export interface Where {
  readonly region: string;
  readonly accountId: string;
}

type Values = Record<string, unknown>;

const isObject = (v: unknown): v is Values => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The resources of a plan by address, with their values before and after, and what each argument
 * of the configuration refers to: enough to name what a create will be called when the value
 * itself is known only after apply (a bucket's sub-resources name the bucket by reference).
 */
export class PlanIndex {
  readonly changes: readonly ResourceChange[];
  private readonly byAddress = new Map<string, ResourceChange>();
  private readonly planned = new Map<string, PlanResource>();
  private readonly prior = new Map<string, PlanResource>();
  private readonly references = new Map<string, Readonly<Record<string, { readonly references?: readonly string[] }>>>();

  constructor(
    readonly plan: PlanJson,
    readonly where: Where,
  ) {
    this.changes = (plan.resource_changes ?? []).filter((c) => c.mode !== "data");
    for (const c of this.changes) this.byAddress.set(c.address, c);
    for (const r of plan.planned_values?.root_module?.resources ?? []) this.planned.set(r.address, r);
    for (const r of plan.prior_state?.values?.root_module?.resources ?? []) this.prior.set(r.address, r);
    for (const r of plan.configuration?.root_module?.resources ?? []) this.references.set(r.address, r.expressions ?? {});
  }

  change(address: string): ResourceChange | undefined {
    return this.byAddress.get(address);
  }

  /**
   * An attribute's value after the change: from the change itself, else from the planned values,
   * else (known only after apply) from what the configuration says it refers to.
   */
  after(address: string, attribute: string): string | undefined {
    const c = this.byAddress.get(address);
    const own = isObject(c?.change.after) ? c.change.after[attribute] : undefined;
    if (typeof own === "string") return own;
    const planned = this.planned.get(address)?.values?.[attribute];
    if (typeof planned === "string") return planned;
    return this.referenced(address, attribute);
  }

  /** An attribute's value before the change (the state the plan started from). */
  before(address: string, attribute: string): string | undefined {
    const c = this.byAddress.get(address);
    const own = isObject(c?.change.before) ? c.change.before[attribute] : undefined;
    if (typeof own === "string") return own;
    const prior = this.prior.get(address)?.values?.[attribute];
    return typeof prior === "string" ? prior : undefined;
  }

  /** Known only after apply, per the plan (the name of a resource is then not checked). */
  unknownAfter(address: string, attribute: string): boolean {
    const unknown = this.byAddress.get(address)?.change.after_unknown;
    return isObject(unknown) && unknown[attribute] === true;
  }

  /** `aws_s3_bucket.x.id` as `aws_s3_bucket.x`'s bucket name, `aws_iam_role.x.arn` as its ARN. */
  private referenced(address: string, attribute: string): string | undefined {
    for (const ref of this.references.get(address)?.[attribute]?.references ?? []) {
      const m = /^(aws_[a-z0-9_]+\.[^.]+)\.([a-z_]+)$/.exec(ref);
      if (!m || !this.byAddress.has(m[1])) continue;
      const [, target, targetAttribute] = m;
      const type = this.byAddress.get(target)!.type;
      if (targetAttribute === "arn") return arnOf(this, target);
      const named = targetAttribute === "id" ? ID_ATTRIBUTE[type] : targetAttribute;
      return named ? this.after(target, named) : undefined;
    }
    return undefined;
  }
}

/** The attribute whose value is the resource's `id`, for the types whose id is their name. */
const ID_ATTRIBUTE: Readonly<Record<string, string>> = {
  aws_s3_bucket: "bucket",
  aws_iam_role: "name",
  aws_ecr_repository: "name",
  aws_cloudwatch_event_bus: "name",
  aws_codepipeline: "name",
  aws_codebuild_project: "name",
  aws_cloudwatch_log_group: "name",
  aws_kms_alias: "name",
};

/** A rule's bus: `event_bus_name` (a name or an ARN), the account's default bus when unset. */
function busName(value: string | undefined): string {
  if (!value) return "default";
  return value.startsWith("arn:") ? value.slice(value.indexOf(":event-bus/") + ":event-bus/".length) : value;
}

/**
 * The ARN of a resource of the plan, from its name when the ARN itself is known only after apply
 * (the formats are the services' own, as the Service Authorization Reference lists them per
 * resource type: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 * A key's id is known only after it is created: its ARN is then the pattern of the account's keys.
 */
export function arnOf(index: PlanIndex, address: string): string | undefined {
  const known = index.after(address, "arn") ?? index.before(address, "arn");
  if (known) return known;
  const { region, accountId } = index.where;
  const type = index.change(address)?.type;
  const name = () => index.after(address, "name") ?? index.before(address, "name");
  switch (type) {
    case "aws_iam_role": {
      const n = name();
      return n && `arn:aws:iam::${accountId}:role${index.after(address, "path") ?? "/"}${n}`;
    }
    case "aws_s3_bucket": {
      const bucket = index.after(address, "bucket") ?? index.before(address, "bucket");
      return bucket && `arn:aws:s3:::${bucket}`;
    }
    case "aws_ecr_repository":
      return name() && `arn:aws:ecr:${region}:${accountId}:repository/${name()}`;
    case "aws_codepipeline":
      return name() && `arn:aws:codepipeline:${region}:${accountId}:${name()}`;
    case "aws_codebuild_project":
      return name() && `arn:aws:codebuild:${region}:${accountId}:project/${name()}`;
    case "aws_cloudwatch_event_bus":
      return name() && `arn:aws:events:${region}:${accountId}:event-bus/${name()}`;
    case "aws_cloudwatch_event_rule": {
      const bus = busName(index.after(address, "event_bus_name") ?? index.before(address, "event_bus_name"));
      return name() && `arn:aws:events:${region}:${accountId}:rule/${bus === "default" ? "" : `${bus}/`}${name()}`;
    }
    case "aws_cloudwatch_log_group":
      return name() && `arn:aws:logs:${region}:${accountId}:log-group:${name()}`;
    case "aws_kms_alias":
      return name() && `arn:aws:kms:${region}:${accountId}:${name()}`;
    case "aws_kms_key":
      return `arn:aws:kms:${region}:${accountId}:key/*`;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Names the plan creates, and what it expects to exist

/** A kind of named thing: what reports call it, and the attribute holding its name. */
interface NamedType {
  readonly kind: string;
  readonly attribute: string;
}

/** The resource types whose create fails (or overwrites) when an object of that name exists. */
export const NAMED_TYPES: Readonly<Record<string, NamedType>> = {
  aws_iam_role: { kind: "role", attribute: "name" },
  aws_iam_role_policy: { kind: "inline policy", attribute: "name" },
  aws_s3_bucket: { kind: "bucket", attribute: "bucket" },
  aws_ecr_repository: { kind: "repository", attribute: "name" },
  aws_codepipeline: { kind: "pipeline", attribute: "name" },
  aws_cloudwatch_event_bus: { kind: "event bus", attribute: "name" },
  aws_cloudwatch_event_rule: { kind: "rule", attribute: "name" },
  aws_codebuild_project: { kind: "CodeBuild project", attribute: "name" },
  aws_cloudwatch_log_group: { kind: "log group", attribute: "name" },
  aws_kms_alias: { kind: "key alias", attribute: "name" },
};

export interface Creation {
  readonly address: string;
  readonly type: string;
  readonly kind: string;
  readonly name: string;
  /** For a rule: its bus. For an inline policy: its role. */
  readonly parent?: string;
  /** What `terraform import` takes for it (the provider's documented import id for the type). */
  readonly importId: string;
}

export interface Unnamed {
  readonly address: string;
  readonly type: string;
  readonly why: string;
}

/** Something the plan changes but does not create, which must exist: a role it puts a policy on, a repository it adopts. */
export interface Prerequisite {
  readonly address: string;
  readonly kind: "role" | "repository";
  readonly name: string;
}

export interface NamesOfPlan {
  readonly creations: readonly Creation[];
  /** Creates whose name the plan does not give (known only after apply, or left out of the plan file). */
  readonly unnamed: readonly Unnamed[];
  readonly prerequisites: readonly Prerequisite[];
}

function importId(type: string, name: string, parent: string | undefined): string {
  if (type === "aws_cloudwatch_event_rule") return parent && parent !== "default" ? `${parent}/${name}` : name;
  if (type === "aws_iam_role_policy") return `${parent}:${name}`;
  return name;
}

/**
 * The names the plan creates. A replacement that keeps its name creates nothing new (the object
 * of that name is the one it deletes first); one that changes it needs the new name free.
 */
export function namesOfPlan(index: PlanIndex): NamesOfPlan {
  const creations: Creation[] = [];
  const unnamed: Unnamed[] = [];
  const prerequisites: Prerequisite[] = [];
  const created = (type: string, attribute: string) =>
    new Set(index.changes.filter((c) => c.type === type && c.change.actions.includes("create")).map((c) => index.after(c.address, attribute)));
  const rolesCreated = created("aws_iam_role", "name");
  const busesCreated = created("aws_cloudwatch_event_bus", "name");
  const repositoriesCreated = created("aws_ecr_repository", "name");

  for (const c of index.changes) {
    if (!c.change.actions.includes("create")) continue;
    const named = NAMED_TYPES[c.type];
    if (c.type === "aws_ecr_repository_policy" || c.type === "aws_ecr_lifecycle_policy") {
      const repository = index.after(c.address, "repository");
      if (repository && !repositoriesCreated.has(repository) && !index.before(c.address, "repository")) {
        prerequisites.push({ address: c.address, kind: "repository", name: repository });
      }
    }
    if (!named) continue;
    const name = index.after(c.address, named.attribute);
    if (!name) {
      const why = index.unknownAfter(c.address, named.attribute) ? "its name is known only after apply" : "the plan file does not give its name";
      unnamed.push({ address: c.address, type: c.type, why });
      continue;
    }
    if (index.before(c.address, named.attribute) === name) continue;
    let parent: string | undefined;
    if (c.type === "aws_cloudwatch_event_rule") {
      parent = busName(index.after(c.address, "event_bus_name"));
      // A rule on a bus this plan creates cannot exist yet.
      if (busesCreated.has(parent)) continue;
    }
    if (c.type === "aws_iam_role_policy") {
      parent = index.after(c.address, "role");
      // A policy on a role this plan creates cannot exist yet; on a role of the plan, its role's name.
      if (!parent || rolesCreated.has(parent)) continue;
      prerequisites.push({ address: c.address, kind: "role", name: parent });
    }
    creations.push({ address: c.address, type: c.type, kind: named.kind, name, ...(parent && { parent }), importId: importId(c.type, name, parent) });
  }
  return { creations, unnamed, prerequisites };
}

// ---------------------------------------------------------------------------------------------
// Counts

export interface Counts {
  /** Roles the plan creates and deletes (a replacement does both). */
  readonly roles: { readonly created: number; readonly deleted: number };
  /** Per event bus (by name; "default" is the account's default bus): rules created and deleted, and whether the plan creates the bus. */
  readonly rules: ReadonlyMap<string, { readonly created: number; readonly deleted: number; readonly busCreated: boolean }>;
}

export function countsOfPlan(index: PlanIndex): Counts {
  const roles = { created: 0, deleted: 0 };
  const rules = new Map<string, { created: number; deleted: number; busCreated: boolean }>();
  const busesCreated = new Set(
    index.changes.filter((c) => c.type === "aws_cloudwatch_event_bus" && c.change.actions.includes("create")).map((c) => index.after(c.address, "name")),
  );
  for (const c of index.changes) {
    const changes = changesOf(c.change.actions);
    if (c.type === "aws_iam_role") {
      if (changes.includes("create")) roles.created++;
      if (changes.includes("delete")) roles.deleted++;
    }
    if (c.type === "aws_cloudwatch_event_rule") {
      const count = (bus: string) => {
        if (!rules.has(bus)) rules.set(bus, { created: 0, deleted: 0, busCreated: busesCreated.has(bus) });
        return rules.get(bus)!;
      };
      if (changes.includes("create")) count(busName(index.after(c.address, "event_bus_name"))).created++;
      if (changes.includes("delete")) count(busName(index.before(c.address, "event_bus_name"))).deleted++;
    }
  }
  return { roles, rules };
}

// ---------------------------------------------------------------------------------------------
// The IAM actions each change needs

/**
 * Which of a resource type's deploy actions (stacks/deploy-permissions.ts) each kind of change
 * calls, by the verb of the action: every change reads (the provider reads a resource back after
 * creating or updating it, and waits on reads while deleting); a create creates, puts, tags and
 * passes roles; an update puts, tags and untags, passes roles, and updates; a delete deletes and
 * removes. A verb no rule knows fails the test that keeps this table and that list together.
 */
const VERBS: Readonly<Record<Change | "read", RegExp>> = {
  read: /^(Get|Describe|List|BatchGet)/,
  create: /^(Create|Put|Set|Tag|Enable|PassRole)/,
  update: /^(Update|Put|Set|Tag|Untag|Enable|Disable|PassRole)/,
  delete: /^(Delete|Remove|ScheduleKeyDeletion)/,
};

export function actionsFor(type: string, change: Change): string[] | undefined {
  const actions = DEPLOY_ACTIONS[type];
  if (!actions) return undefined;
  return actions.filter((a) => {
    const verb = a.slice(a.indexOf(":") + 1);
    return VERBS.read.test(verb) || VERBS[change].test(verb);
  });
}

/** The verbs no change of `actionsFor` calls (the test of this module expects none). */
export function unclassifiedActions(): string[] {
  return Object.values(DEPLOY_ACTIONS)
    .flat()
    .filter((a) => !Object.values(VERBS).some((verb) => verb.test(a.slice(a.indexOf(":") + 1))));
}

/**
 * Actions that authorize on no resource: the Service Authorization Reference lists no resource
 * type for them, so a policy can grant them only on "*" (KMS:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html).
 */
const ACCOUNT_ACTIONS = new Set(["kms:CreateKey", "kms:ListAliases"]);

/**
 * CloudWatch Logs authorizes tagging on the log group's ARN and every other action on the ARN with
 * `:*` appended ("Overview of managing access permissions to your CloudWatch Logs resources",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html).
 */
const LOG_GROUP_TAGGING = new Set(["logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource"]);

/** The attributes of the types that pass a role to a service (iam:PassRole is on that role). */
const PASSED_ROLE: Readonly<Record<string, string>> = {
  aws_codepipeline: "role_arn",
  aws_codebuild_project: "service_role",
  aws_cloudwatch_event_target: "role_arn",
};

export interface Need {
  readonly address: string;
  readonly change: Change;
  readonly action: string;
  /** The ARN the action is authorized on ("*" for account-level actions). */
  readonly resource: string;
}

export interface NeedsOfPlan {
  readonly needs: readonly Need[];
  /** Resource types stacks/deploy-permissions.ts does not know: their permissions are not checked. */
  readonly unknownTypes: readonly string[];
  /** Changes whose ARN the plan does not give: their permissions are not checked. */
  readonly unresolved: readonly string[];
}

/** The ARN of a role named by `name` in the plan's account: the plan's own role's ARN if it creates it (its path). */
function roleArnNamed(index: PlanIndex, name: string): string {
  const own = index.changes.find((c) => c.type === "aws_iam_role" && (index.after(c.address, "name") ?? index.before(c.address, "name")) === name);
  return (own && arnOf(index, own.address)) ?? `arn:aws:iam::${index.where.accountId}:role/${name}`;
}

/** The ARNs a change of this resource is authorized on (besides a passed role). */
function resourceArns(index: PlanIndex, c: ResourceChange): string[] {
  const { region, accountId } = index.where;
  const get = (attribute: string) => index.after(c.address, attribute) ?? index.before(c.address, attribute);
  const bucket = () => get("bucket") && `arn:aws:s3:::${get("bucket")}`;
  switch (c.type) {
    case "aws_iam_role_policy":
      return [get("role") && roleArnNamed(index, get("role")!)].filter((a): a is string => Boolean(a));
    case "aws_s3_bucket_lifecycle_configuration":
    case "aws_s3_bucket_ownership_controls":
    case "aws_s3_bucket_policy":
    case "aws_s3_bucket_public_access_block":
    case "aws_s3_bucket_server_side_encryption_configuration":
    case "aws_s3_bucket_versioning":
      return [bucket()].filter((a): a is string => Boolean(a));
    case "aws_ecr_repository_policy":
    case "aws_ecr_lifecycle_policy":
      return [get("repository") && `arn:aws:ecr:${region}:${accountId}:repository/${get("repository")}`].filter((a): a is string => Boolean(a));
    case "aws_cloudwatch_event_bus_policy":
      return [`arn:aws:events:${region}:${accountId}:event-bus/${busName(get("event_bus_name"))}`];
    case "aws_cloudwatch_event_target": {
      const bus = busName(get("event_bus_name"));
      return [get("rule") && `arn:aws:events:${region}:${accountId}:rule/${bus === "default" ? "" : `${bus}/`}${get("rule")}`].filter(
        (a): a is string => Boolean(a),
      );
    }
    case "aws_kms_alias": {
      // CreateAlias and UpdateAlias are authorized on the alias and on the key it points to.
      const alias = arnOf(index, c.address);
      const key = get("target_key_arn") ?? `arn:aws:kms:${region}:${accountId}:key/*`;
      return [alias, key].filter((a): a is string => Boolean(a));
    }
    default: {
      const own = arnOf(index, c.address);
      return own ? [own] : [];
    }
  }
}

/** Every IAM action the plan's changes need, on the ARN each is authorized on. */
export function needsOfPlan(index: PlanIndex): NeedsOfPlan {
  const needs: Need[] = [];
  const unknownTypes = new Set<string>();
  const unresolved: string[] = [];
  for (const c of index.changes) {
    for (const change of changesOf(c.change.actions)) {
      const actions = actionsFor(c.type, change);
      if (!actions) {
        unknownTypes.add(c.type);
        continue;
      }
      const arns = resourceArns(index, c);
      if (arns.length === 0) {
        unresolved.push(c.address);
        continue;
      }
      for (const action of actions) {
        if (action === "iam:PassRole") {
          const attribute = PASSED_ROLE[c.type];
          const role = attribute && (change === "delete" ? undefined : index.after(c.address, attribute));
          if (role) needs.push({ address: c.address, change, action, resource: role });
          continue;
        }
        const targets = ACCOUNT_ACTIONS.has(action)
          ? ["*"]
          : c.type === "aws_cloudwatch_log_group" && !LOG_GROUP_TAGGING.has(action)
            ? arns.map((a) => `${a}:*`)
            : arns;
        for (const resource of targets) needs.push({ address: c.address, change, action, resource });
      }
    }
  }
  return { needs, unknownTypes: [...unknownTypes].sort(), unresolved: [...new Set(unresolved)] };
}
