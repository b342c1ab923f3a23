/**
 * What Terraform needs to run our stacks with no AWS account: provider settings with mock
 * credentials, a local backend in a scratch directory, and realistic values for the attributes
 * AWS would compute (ARNs, ids), so that what depends on them renders as it would for real.
 */
import { createHash } from "crypto";

/** The synthesized Terraform JSON of a stack, as far as these fixtures read it. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown }>;
}

/** Provider settings for an offline run: mock credentials and no calls to check them. */
export const OFFLINE_PROVIDER = {
  access_key: "mock",
  secret_key: "mock",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
  max_retries: 1,
};

/**
 * Provider arguments an offline run must not have: they name real accounts, profiles and roles,
 * which cannot be checked or assumed without AWS. (An override file cannot remove a nested
 * `assume_role` block, so they are removed from the scratch copy instead.)
 */
export const ACCOUNT_BINDING_ARGUMENTS = ["allowed_account_ids", "profile", "assume_role"] as const;

export interface AwsContext {
  readonly accountId: string;
  readonly region: string;
}

function literal(value: unknown): string | undefined {
  return typeof value === "string" && !value.includes("${") ? value : undefined;
}

/** A stable fake id, so runs are reproducible. */
function fakeId(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The attributes AWS computes for a resource, as AWS would format them, from its configured
 * arguments. Undefined for types whose computed attributes nothing here depends on.
 */
export function computedAttributes(
  type: string,
  address: string,
  args: Record<string, unknown>,
  { accountId, region }: AwsContext,
): Record<string, string> | undefined {
  const arn = (service: string, resource: string, withRegion = true) =>
    `arn:aws:${service}:${withRegion ? region : ""}:${accountId}:${resource}`;
  if (type === "aws_kms_key") {
    const keyId = fakeId(address);
    return { arn: arn("kms", `key/${keyId}`), id: keyId, key_id: keyId };
  }
  if (type === "aws_s3_bucket") {
    const bucket = literal(args.bucket);
    return bucket === undefined ? undefined : { arn: `arn:aws:s3:::${bucket}`, id: bucket, bucket };
  }
  const name = literal(args.name);
  if (name === undefined) return undefined;
  switch (type) {
    case "aws_iam_role":
      return { arn: arn("iam", `role/${name}`, false), id: name, unique_id: `AROA${fakeId(address).slice(0, 8).toUpperCase()}` };
    case "aws_ecr_repository":
      return {
        arn: arn("ecr", `repository/${name}`),
        id: name,
        registry_id: accountId,
        repository_url: `${accountId}.dkr.ecr.${region}.amazonaws.com/${name}`,
      };
    case "aws_kms_alias":
      return { arn: arn("kms", name), id: name };
    case "aws_codepipeline":
      return { arn: arn("codepipeline", name), id: name };
    case "aws_codebuild_project":
      return { arn: arn("codebuild", `project/${name}`), id: arn("codebuild", `project/${name}`) };
    case "aws_cloudwatch_event_rule":
      return { arn: arn("events", `rule/${name}`), id: name };
    case "aws_cloudwatch_log_group":
      return { arn: arn("logs", `log-group:${name}`), id: name };
    default:
      return undefined;
  }
}

/** A value in HCL syntax (JSON is HCL, except that `${` starts a template and must be escaped). */
export function hcl(value: unknown): string {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)} = ${hcl(v)}`);
    return `{\n${entries.join("\n")}\n}`;
  }
  if (Array.isArray(value)) return `[${value.map(hcl).join(", ")}]`;
  return JSON.stringify(value).replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

/**
 * `override_resource` blocks for every managed resource of a stack, called as `module`
 * (`module.<name>`), so `terraform test` applies nothing against AWS; where AWS would compute ARNs
 * or ids, they get realistic values.
 */
export function overrideResources(stack: StackJson, context: AwsContext, module: string): string {
  return Object.entries(stack.resource ?? {})
    .flatMap(([type, resources]) =>
      Object.entries(resources).map(([name, args]) => {
        const values = computedAttributes(type, `${type}.${name}`, args, context);
        return `override_resource {\n  target = ${module}.${type}.${name}\n${values ? `  values = ${hcl(values)}\n` : ""}}\n`;
      }),
    )
    .join("\n");
}

/** `override_data` for a `terraform_remote_state` of the stack called as `module`, giving it these outputs. */
export function overrideRemoteState(name: string, outputs: Record<string, unknown>, module: string): string {
  return `override_data {\n  target = ${module}.data.terraform_remote_state.${name}\n  values = { outputs = ${hcl(outputs)} }\n}\n`;
}

/** A Terraform state file with only outputs: what a remote-state read of a deployed stack sees. */
export function stubState(outputs: Record<string, unknown>): string {
  const typed = Object.fromEntries(
    Object.entries(outputs).map(([k, value]) => [k, { value, type: typeof value === "string" ? "string" : "dynamic" }]),
  );
  return `${JSON.stringify({ version: 4, terraform_version: "1.11.0", serial: 1, lineage: "offline-stub", outputs: typed, resources: [] }, null, 2)}\n`;
}

/**
 * The values a stack's outputs will have once applied: literals as they are, and references to a
 * resource attribute resolved with `computedAttributes` (or the resource's own literal argument).
 */
export function resolveOutputs(stack: StackJson, context: AwsContext): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stack.output ?? {}).map(([name, { value }]) => {
      const direct = literal(value);
      if (direct !== undefined) return [name, direct];
      const ref = /^\$\{([\w-]+)\.([\w-]+)\.(\w+)\}$/.exec(String(value));
      const args = ref ? stack.resource?.[ref[1]]?.[ref[2]] : undefined;
      const resolved =
        ref && args ? (computedAttributes(ref[1], `${ref[1]}.${ref[2]}`, args, context)?.[ref[3]] ?? literal(args[ref[3]])) : undefined;
      if (resolved === undefined) throw new Error(`cannot resolve output ${name} = ${JSON.stringify(value)} offline`);
      return [name, resolved];
    }),
  );
}
