/**
 * The policies of both accounts as the AWS provider rendered them, indexed the way AWS evaluates
 * a request: the caller's identity policies, and the policy of the resource it calls.
 */
import { pipelineAccounts, stackAccount } from "../config/accounts";
import type { Config } from "../config/schema";
import * as naming from "../lib/naming";
import type { RenderedResource } from "../terraform/render";

export type PolicyDocument = { Version: string; Statement: unknown[] };

export interface Role {
  readonly arn: string;
  readonly accountId: string;
  readonly trustPolicy: PolicyDocument;
  readonly identityPolicies: { name: string; policy: PolicyDocument }[];
}

export interface World {
  readonly roles: ReadonlyMap<string, Role>;
  /**
   * Policies Terraform knows only after apply (a world built from a plan's planned values): they
   * are not in the world, and what they decide is not guessed.
   */
  readonly unknownPolicies?: readonly UnknownPolicy[];
  /** Resource ARN (repository, key, role, bucket, event bus) to its resource policy. */
  readonly resourcePolicies: ReadonlyMap<string, PolicyDocument>;
  /** Bucket name to the account that owns it (S3 ARNs carry no account). */
  readonly bucketOwners: ReadonlyMap<string, string>;
  /** Pipeline account id to the ARN of its artifact key, as the provider rendered it. */
  readonly artifactKeys: ReadonlyMap<string, string>;
  /**
   * Key ARN to every alias the key has, when known (doctor reads them; a rendered world leaves
   * them out and a key carries the alias its stack gives it).
   */
  readonly keyAliases?: ReadonlyMap<string, readonly string[]>;
}


/** A policy attribute whose value is known only after apply, and what it decides. */
export interface UnknownPolicy {
  readonly stack: string;
  readonly address: string;
  readonly attribute: string;
  /** The role whose identity policy it is. */
  readonly role?: string;
  /** The resource (role, key, bucket, repository, bus) whose resource policy it is. */
  readonly resource?: string;
}

/** The resource types buildWorld reads, and the attribute of each that holds a policy. */
export const POLICY_ATTRIBUTES: Readonly<Record<string, string | undefined>> = {
  aws_iam_role: "assume_role_policy",
  aws_iam_role_policy: "policy",
  aws_cloudwatch_event_bus_policy: "policy",
  aws_ecr_repository_policy: "policy",
  aws_kms_key: "policy",
  aws_s3_bucket: undefined,
  aws_s3_bucket_policy: "policy",
};

/** A rendered resource, or one of a plan's: then `unknown` is its after_unknown (true where known only after apply). */
export interface WorldResource extends RenderedResource {
  readonly unknown?: Readonly<Record<string, unknown>>;
}

export interface WorldStack {
  readonly stack: string;
  readonly resources: readonly WorldResource[];
}

export interface BuildOptions {
  /**
   * A world from a plan rather than a render: a stack may lack its key, bucket or roles (not yet
   * created, or deleted), and values may be known only after apply. Default false: every stack
   * given must be complete, as verify:access renders it.
   */
  readonly partial?: boolean;
}

/** In a partial world, the artifact key of a pipeline account that has none: a resource that does not exist. */
export function absentKeyArn(region: string, accountId: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/absent`;
}

/** In a partial world, the ARN of an artifact key being created: AWS assigns its id on apply. */
export function pendingKeyArn(region: string, accountId: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/known-after-apply`;
}

function parse(json: unknown, what: string): PolicyDocument {
  if (typeof json !== "string") throw new Error(`${what} has no rendered policy`);
  return JSON.parse(json);
}

function isUnknown(resource: WorldResource, attribute: string): boolean {
  return resource.unknown?.[attribute] === true && resource.values[attribute] === undefined;
}

function str(resource: WorldResource, attribute: string): string {
  const value = resource.values[attribute];
  if (typeof value !== "string") throw new Error(`${resource.address}.${attribute} is not rendered`);
  return value;
}

export function buildWorld(config: Config, stacks: readonly WorldStack[], options: BuildOptions = {}): World {
  const roles = new Map<string, Role>();
  const resourcePolicies = new Map<string, PolicyDocument>();
  const bucketOwners = new Map<string, string>();
  const artifactKeys = new Map<string, string>();
  const unknownPolicies: UnknownPolicy[] = [];

  for (const { stack, resources } of stacks) {
    const accountId = stackAccount(config, stack);
    const managed = resources.filter((r) => r.mode === "managed");
    const rolesByName = new Map<string, Role>();
    /** A policy, or undefined (and noted) when the plan knows it only after apply. */
    const policy = (r: WorldResource, attribute: string, governs: { role?: string; resource?: string }): PolicyDocument | undefined => {
      if (options.partial && isUnknown(r, attribute)) {
        unknownPolicies.push({ stack, address: r.address, attribute, ...governs });
        return undefined;
      }
      return parse(r.values[attribute], r.address);
    };
    /** A name or ARN, or undefined when the plan knows it only after apply. */
    const name = (r: WorldResource, attribute: string): string | undefined => (options.partial && isUnknown(r, attribute) ? undefined : str(r, attribute));
    const setPolicy = (arn: string | undefined, r: WorldResource) => {
      const document = policy(r, "policy", arn ? { resource: arn } : {});
      if (arn && document) resourcePolicies.set(arn, document);
    };

    for (const r of managed.filter((r) => r.type === "aws_iam_role")) {
      // A new role's ARN is known only after apply, and is the one its name gives (roles here have no path).
      const arn = name(r, "arn") ?? naming.roleArn(accountId, str(r, "name"));
      const trustPolicy = policy(r, "assume_role_policy", { resource: arn });
      const role: Role = { arn, accountId, trustPolicy: trustPolicy ?? { Version: "2012-10-17", Statement: [] }, identityPolicies: [] };
      roles.set(role.arn, role);
      rolesByName.set(str(r, "name"), role);
      if (trustPolicy) resourcePolicies.set(role.arn, trustPolicy);
    }
    for (const r of managed) {
      switch (r.type) {
        case "aws_iam_role_policy": {
          // A policy on a role the stack does not create (an ECS task execution role) makes that
          // role part of the world, with this policy as its identity policy.
          const roleName = str(r, "role");
          let role = rolesByName.get(roleName);
          if (!role) {
            role = { arn: naming.roleArn(accountId, roleName), accountId, trustPolicy: { Version: "2012-10-17", Statement: [] }, identityPolicies: [] };
            rolesByName.set(roleName, role);
            roles.set(role.arn, role);
          }
          const document = policy(r, "policy", { role: role.arn });
          if (document) role.identityPolicies.push({ name: `${roleName}/${str(r, "name")}`, policy: document });
          break;
        }
        case "aws_cloudwatch_event_bus_policy": {
          const bus = name(r, "event_bus_name");
          setPolicy(bus && naming.eventBusArn(config.region, accountId, bus), r);
          break;
        }
        case "aws_ecr_repository_policy": {
          const repository = name(r, "repository");
          setPolicy(repository && naming.repositoryArn(config.region, accountId, repository), r);
          break;
        }
        case "aws_kms_key": {
          const arn = name(r, "arn") ?? pendingKeyArn(config.region, accountId);
          artifactKeys.set(accountId, arn);
          setPolicy(arn, r);
          break;
        }
        case "aws_s3_bucket":
          bucketOwners.set(str(r, "bucket"), accountId);
          break;
        case "aws_s3_bucket_policy": {
          const bucket = name(r, "bucket");
          setPolicy(bucket && naming.bucketArn(bucket), r);
          break;
        }
      }
    }
  }
  for (const account of pipelineAccounts(config)) {
    if (artifactKeys.has(account.accountId)) continue;
    if (options.partial) artifactKeys.set(account.accountId, absentKeyArn(config.region, account.accountId));
    else if (stacks.some((s) => s.stack === account.stack)) throw new Error(`no artifact key was rendered for ${account.stack}`);
  }
  return { roles, ...(options.partial && { unknownPolicies }), resourcePolicies, bucketOwners, artifactKeys };
}

/** The resource policy AWS evaluates for a request on `resourceArn` (an object's is its bucket's). */
export function resourcePolicyFor(world: World, resourceArn: string): PolicyDocument | undefined {
  const s3 = /^arn:aws:s3:::([^/]+)/.exec(resourceArn);
  return world.resourcePolicies.get(s3 ? naming.bucketArn(s3[1]) : resourceArn);
}

/** The account that owns the resource, if the world knows it. */
export function resourceAccount(world: World, resourceArn: string): string | undefined {
  const s3 = /^arn:aws:s3:::([^/]+)/.exec(resourceArn);
  return s3 ? world.bucketOwners.get(s3[1]) : resourceArn.split(":")[4];
}
