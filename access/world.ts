/**
 * The policies of both accounts as the AWS provider rendered them, indexed the way AWS evaluates
 * a request: the caller's identity policies, and the policy of the resource it calls.
 */
import { pipelineAccounts, stackAccount } from "../config/accounts";
import type { Config } from "../config/schema";
import * as naming from "../lib/naming";
import type { RenderedResource, RenderedStack } from "../terraform/render";

export type PolicyDocument = { Version: string; Statement: unknown[] };

export interface Role {
  readonly arn: string;
  readonly accountId: string;
  readonly trustPolicy: PolicyDocument;
  readonly identityPolicies: { name: string; policy: PolicyDocument }[];
}

export interface World {
  readonly roles: ReadonlyMap<string, Role>;
  /** Resource ARN (repository, key, role, bucket, event bus) to its resource policy. */
  readonly resourcePolicies: ReadonlyMap<string, PolicyDocument>;
  /** Bucket name to the account that owns it (S3 ARNs carry no account). */
  readonly bucketOwners: ReadonlyMap<string, string>;
  /** Pipeline account id to the ARN of its artifact key, as the provider rendered it. */
  readonly artifactKeys: ReadonlyMap<string, string>;
}


function parse(json: unknown, what: string): PolicyDocument {
  if (typeof json !== "string") throw new Error(`${what} has no rendered policy`);
  return JSON.parse(json);
}

function str(resource: RenderedResource, attribute: string): string {
  const value = resource.values[attribute];
  if (typeof value !== "string") throw new Error(`${resource.address}.${attribute} is not rendered`);
  return value;
}

export function buildWorld(config: Config, stacks: readonly RenderedStack[]): World {
  const roles = new Map<string, Role>();
  const resourcePolicies = new Map<string, PolicyDocument>();
  const bucketOwners = new Map<string, string>();
  const artifactKeys = new Map<string, string>();

  for (const { stack, resources } of stacks) {
    const accountId = stackAccount(config, stack);
    const managed = resources.filter((r) => r.mode === "managed");
    const rolesByName = new Map<string, Role>();
    for (const r of managed.filter((r) => r.type === "aws_iam_role")) {
      const role: Role = {
        arn: str(r, "arn"),
        accountId,
        trustPolicy: parse(r.values.assume_role_policy, r.address),
        identityPolicies: [],
      };
      roles.set(role.arn, role);
      rolesByName.set(str(r, "name"), role);
      resourcePolicies.set(role.arn, role.trustPolicy);
    }
    for (const r of managed) {
      switch (r.type) {
        case "aws_iam_role_policy": {
          // A policy on a role the stack does not create (an ECS task execution role) makes that
          // role part of the world, with this policy as its identity policy.
          const name = str(r, "role");
          let role = rolesByName.get(name);
          if (!role) {
            role = { arn: naming.roleArn(accountId, name), accountId, trustPolicy: { Version: "2012-10-17", Statement: [] }, identityPolicies: [] };
            rolesByName.set(name, role);
            roles.set(role.arn, role);
          }
          role.identityPolicies.push({ name: `${name}/${str(r, "name")}`, policy: parse(r.values.policy, r.address) });
          break;
        }
        case "aws_cloudwatch_event_bus_policy":
          resourcePolicies.set(naming.eventBusArn(config.region, accountId, str(r, "event_bus_name")), parse(r.values.policy, r.address));
          break;
        case "aws_ecr_repository_policy":
          resourcePolicies.set(
            naming.repositoryArn(config.region, accountId, str(r, "repository")),
            parse(r.values.policy, r.address),
          );
          break;
        case "aws_kms_key": {
          const arn = str(r, "arn");
          artifactKeys.set(accountId, arn);
          resourcePolicies.set(arn, parse(r.values.policy, r.address));
          break;
        }
        case "aws_s3_bucket":
          bucketOwners.set(str(r, "bucket"), accountId);
          break;
        case "aws_s3_bucket_policy":
          resourcePolicies.set(naming.bucketArn(str(r, "bucket")), parse(r.values.policy, r.address));
          break;
      }
    }
  }
  for (const account of pipelineAccounts(config)) {
    if (stacks.some((s) => s.stack === account.stack) && !artifactKeys.has(account.accountId)) {
      throw new Error(`no artifact key was rendered for ${account.stack}`);
    }
  }
  return { roles, resourcePolicies, bucketOwners, artifactKeys };
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
