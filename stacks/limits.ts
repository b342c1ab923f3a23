/**
 * AWS's size and count limits, checked on the synthesized stacks before anything is written where
 * Terraform would read it. Every policy the app writes is computed here exactly as the AWS provider
 * will render it (lib/policy-json.ts), with the values AWS assigns at apply (a key's id) given a
 * value of their real length (terraform/fixtures.ts), so a config that would fail mid-apply is
 * refused with the size, the limit and what to do.
 *
 * What depends on what an account already holds (other rules on a default bus, other roles,
 * inline policies of a role the app does not create) is counted live by the deploy's preflight.
 */
import { stackAccount } from "../config/accounts";
import { ConfigError } from "../config/load";
import type { Config } from "../config/schema";
import { renderPolicyDocument, type PolicyDocumentArguments } from "../lib/policy-json";
import { type AwsContext, computedAttributes, type StackJson } from "../terraform/fixtures";

export interface Limit {
  readonly limit: number;
  /** How AWS measures: bytes of the document, or characters (IAM and ECR do not count whitespace; the app writes none). */
  readonly unit: "bytes" | "characters" | "rules" | "roles";
  /** Where AWS says so. */
  readonly source: string;
}

export const LIMITS = {
  /** "Bucket policies are limited to 20 KB in size." */
  bucketPolicy: { limit: 20480, unit: "bytes", source: "Amazon S3 User Guide, \"Bucket policies for Amazon S3\"" },
  /** "Key policy document size: 32 KB (32,768 bytes)". */
  keyPolicy: { limit: 32768, unit: "bytes", source: "AWS KMS Developer Guide, \"Resource quotas\"" },
  /** SetRepositoryPolicy's policyText: "Maximum length of 10240". */
  repositoryPolicy: { limit: 10240, unit: "characters", source: "Amazon ECR API Reference, \"SetRepositoryPolicy\"" },
  /** "Role trust policy length: 2,048 characters" (the default; AWS can raise it to 4,096). */
  trustPolicy: { limit: 2048, unit: "characters", source: "IAM User Guide, \"IAM and AWS STS quotas\"" },
  /** The inline policies of one role together: 10,240 characters, whitespace not counted. */
  roleInlinePolicies: { limit: 10240, unit: "characters", source: "IAM User Guide, \"IAM and AWS STS quotas\"" },
  /** "Event bus policy size: 10,240 ... characters". */
  busPolicy: { limit: 10240, unit: "characters", source: "Amazon EventBridge User Guide, \"Amazon EventBridge quotas\"" },
  /** "Event pattern size: 2,048 ... characters". */
  eventPattern: { limit: 2048, unit: "characters", source: "Amazon EventBridge User Guide, \"Amazon EventBridge quotas\"" },
  /** Rules per event bus: 300 (default quota). */
  rulesPerBus: { limit: 300, unit: "rules", source: "Amazon EventBridge User Guide, \"Amazon EventBridge quotas\"" },
  /** Roles in an AWS account: 1,000 (default quota). */
  rolesPerAccount: { limit: 1000, unit: "roles", source: "IAM User Guide, \"IAM and AWS STS quotas\"" },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof LIMITS;

/** One thing over its limit: what, how big, and what to do. */
export interface LimitProblem {
  readonly stack: string;
  readonly limit: LimitName;
  /** E.g. "the policy of bucket demo-artifacts-222222222222-ap-northeast-1". */
  readonly what: string;
  readonly size: number;
  readonly advice: string;
}

/** How big each limited thing of a stack is: every one, not only those over (the limits script reports margins). */
export interface Measure {
  readonly limit: LimitName;
  readonly what: string;
  readonly size: number;
}

const ADVICE: Record<LimitName, string> = {
  bucketPolicy:
    "it has one statement per pipeline of the account: move pipelines to another pipeline account or project, or shorten pipeline names",
  keyPolicy: "it names every role of the account's pipelines: move pipelines to another pipeline account or project",
  repositoryPolicy: "shorten the repository's ownerStatements (the app's own statement is small)",
  trustPolicy: "shorten the names that the trust policy lists",
  roleInlinePolicies: "the role's inline policies list every repository it may pull from: give the ECS services separate task execution roles",
  busPolicy: "this policy has one statement: report this as a bug",
  eventPattern: "shorten the repository names (the pattern lists them)",
  rulesPerBus: "move pipelines started by a push to another pipeline account or project",
  rolesPerAccount: "split the pipelines over more projects or pipeline accounts",
};

/** A policy the app writes and the limit its attribute falls under. */
const POLICY_ATTRIBUTES: readonly { type: string; attribute: string; limit: LimitName; what: (args: Record<string, unknown>, resolve: Resolve) => string }[] = [
  { type: "aws_s3_bucket_policy", attribute: "policy", limit: "bucketPolicy", what: (a, r) => `the policy of bucket ${r(a.bucket)}` },
  { type: "aws_kms_key", attribute: "policy", limit: "keyPolicy", what: (a) => `the key policy of the artifact key (${a.description ?? "KMS key"})` },
  { type: "aws_ecr_repository_policy", attribute: "policy", limit: "repositoryPolicy", what: (a, r) => `the policy of repository ${r(a.repository)}` },
  { type: "aws_iam_role", attribute: "assume_role_policy", limit: "trustPolicy", what: (a) => `the trust policy of role ${a.name}` },
  { type: "aws_cloudwatch_event_bus_policy", attribute: "policy", limit: "busPolicy", what: (a, r) => `the policy of event bus ${r(a.event_bus_name)}` },
];

type Resolve = (value: unknown) => string;

/**
 * A stack's values as AWS will see them: references to attributes AWS assigns at apply (a key's
 * ARN) resolved to values of their real form and length, policy documents rendered. `attribute`
 * gives a value as the resource's attribute holds it (a document's `json` indented); `sent` as
 * the provider sends it to AWS, compact (it normalizes every policy before sending it), which is
 * what AWS measures. Throws for a reference it cannot resolve (then a size could not be checked: a
 * bug to fix in the stack, not a config problem).
 */
function resolver(stack: string, json: StackJson, context: AwsContext): { attribute: Resolve; sent: Resolve } {
  const resources = json.resource ?? {};
  const documents = json.data?.aws_iam_policy_document ?? {};
  const rendered = new Map<string, string>();

  const resolve = (compact: boolean): Resolve => (value) =>
    String(value).replace(/\$\{([^}]*)\}/g, (whole, expression: string) => {
      const document = /^data\.aws_iam_policy_document\.([\w-]+)\.(minified_json|json)$/.exec(expression);
      if (document) return renderDocument(document[1], !compact && document[2] === "json");
      const attribute = /^([\w-]+)\.([\w-]+)\.(\w+)$/.exec(expression);
      const args = attribute ? resources[attribute[1]]?.[attribute[2]] : undefined;
      const known = attribute && args ? computedAttributes(attribute[1], `${attribute[1]}.${attribute[2]}`, args, context)?.[attribute[3]] : undefined;
      const given = attribute && args ? args[attribute[3]] : undefined;
      const value = known ?? (typeof given === "string" && !given.includes("${") ? given : undefined);
      if (value === undefined) throw new Error(`${stack}: cannot size ${whole} before apply; a policy that depends on it cannot be checked against AWS's limits`);
      return value;
    });
  const sent = resolve(true);

  const resolveDeep = (value: unknown): unknown => {
    if (typeof value === "string") return sent(value);
    if (Array.isArray(value)) return value.map(resolveDeep);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v)]));
    return value;
  };

  function renderDocument(name: string, pretty: boolean): string {
    const key = `${name}${pretty ? " pretty" : ""}`;
    const cached = rendered.get(key);
    if (cached !== undefined) return cached;
    const args = documents[name];
    if (!args) throw new Error(`${stack}: no aws_iam_policy_document.${name}`);
    const { "//": _metadata, ...given } = args;
    const text = renderPolicyDocument(resolveDeep(given) as PolicyDocumentArguments, pretty);
    rendered.set(key, text);
    return text;
  }
  return { attribute: resolve(false), sent };
}

/** A policy the stack attaches, as AWS will receive it. */
export interface PolicyText {
  /** `<type>.<name>`, as in the stack. */
  readonly address: string;
  readonly attribute: string;
  readonly text: string;
}

/** Every policy a stack attaches (resource, trust and inline policies), as the AWS provider will send it. */
export function policyTexts(stack: string, json: StackJson, context: AwsContext): PolicyText[] {
  const resolve = resolver(stack, json, context).attribute;
  const attributes = [...POLICY_ATTRIBUTES.map(({ type, attribute }) => ({ type, attribute })), { type: "aws_iam_role_policy", attribute: "policy" }];
  return attributes.flatMap(({ type, attribute }) =>
    Object.entries(json.resource?.[type] ?? {})
      .filter(([, args]) => args[attribute] !== undefined)
      .map(([name, args]) => ({ address: `${type}.${name}`, attribute, text: resolve(args[attribute]) })),
  );
}

/** Every limited size and count of one stack, as AWS will measure it. */
export function measureStack(stack: string, json: StackJson, context: AwsContext): Measure[] {
  const resources = json.resource ?? {};
  const resolve = resolver(stack, json, context).sent;
  const size = (text: string, limit: LimitName) => (LIMITS[limit].unit === "bytes" ? Buffer.byteLength(text, "utf8") : [...text].length);
  const measures: Measure[] = [];

  for (const { type, attribute, limit, what } of POLICY_ATTRIBUTES) {
    for (const args of Object.values(resources[type] ?? {})) {
      if (args[attribute] === undefined) continue;
      measures.push({ limit, what: what(args, resolve), size: size(resolve(args[attribute]), limit) });
    }
  }

  // A role's inline policies count together, whether the role is ours (referenced) or named.
  const inline = new Map<string, number>();
  for (const args of Object.values(resources.aws_iam_role_policy ?? {})) {
    const role = resolve(args.role);
    inline.set(role, (inline.get(role) ?? 0) + size(resolve(args.policy), "roleInlinePolicies"));
  }
  for (const [role, total] of [...inline].sort(([a], [b]) => a.localeCompare(b))) {
    measures.push({ limit: "roleInlinePolicies", what: `the inline policies of role ${role}`, size: total });
  }

  const rulesPerBus = new Map<string, number>();
  for (const args of Object.values(resources.aws_cloudwatch_event_rule ?? {})) {
    if (args.event_pattern !== undefined) {
      measures.push({ limit: "eventPattern", what: `the event pattern of rule ${resolve(args.name)}`, size: size(resolve(args.event_pattern), "eventPattern") });
    }
    const bus = args.event_bus_name === undefined ? "default" : resolve(args.event_bus_name);
    rulesPerBus.set(bus, (rulesPerBus.get(bus) ?? 0) + 1);
  }
  for (const [bus, count] of rulesPerBus) {
    measures.push({ limit: "rulesPerBus", what: `the rules on event bus ${bus} of account ${context.accountId}`, size: count });
  }
  const roles = Object.keys(resources.aws_iam_role ?? {}).length;
  if (roles > 0) measures.push({ limit: "rolesPerAccount", what: `the roles this stack creates in account ${context.accountId}`, size: roles });
  return measures;
}

/** The measures over their limit, as problems. */
export function limitProblems(stack: string, measures: readonly Measure[]): LimitProblem[] {
  return measures
    .filter((m) => m.size > LIMITS[m.limit].limit)
    .map((m) => ({ stack, limit: m.limit, what: m.what, size: m.size, advice: ADVICE[m.limit] }));
}

const number = (n: number) => n.toLocaleString("en-US");

/** One line: the stack, what, its size, AWS's limit and where AWS says so, and what to do. */
export function describeLimitProblem(p: LimitProblem): string {
  const { limit, unit, source } = LIMITS[p.limit];
  return `${p.stack}: ${p.what} would be ${number(p.size)} ${unit}; AWS allows ${number(limit)} (${source}): ${p.advice}`;
}

/** A config that synthesizes stacks over AWS's limits: reported like any other config problem. */
export class LimitError extends ConfigError {
  constructor(
    source: string,
    readonly limits: readonly LimitProblem[],
  ) {
    super(source, limits.map(describeLimitProblem));
    this.name = "LimitError";
    this.message = `Config ${source} would exceed AWS limits (nothing was written):\n${this.problems.map((p) => `  - ${p}`).join("\n")}`;
  }
}

/**
 * Every stack of `config`, as synthesized into `outdir`, measured; throws a LimitError naming every
 * problem (of every stack) when anything is over its limit.
 */
export function checkLimits(config: Config, stacks: readonly { readonly stack: string; readonly json: StackJson }[], source: string): void {
  const problems = stacks.flatMap(({ stack, json }) =>
    limitProblems(stack, measureStack(stack, json, { accountId: stackAccount(config, stack), region: config.region })),
  );
  if (problems.length > 0) throw new LimitError(source, problems);
}
