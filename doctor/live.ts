/**
 * The deployed accounts as the access model's `World`: roles with their trust and identity
 * policies, resource policies by ARN, bucket owners, each pipeline account's artifact key and every
 * alias of it. Built from live reads (read.ts), for the same cases verify:access runs on the
 * rendered policies. Also what the policies alone do not say: whether each pipeline still uses the
 * roles, bucket, key and repository the config names, and whether the push path is wired.
 */
import type { World, PolicyDocument, Role } from "../access/world";
import * as naming from "../lib/naming";
import type { AccountReader, LastFailure, LivePipeline, Read, ReadProblem } from "./read";

/** One account as doctor reaches it. */
export interface LiveAccount {
  /** "A" for the source account; "B" or the config's key for a pipeline account. */
  readonly label: string;
  readonly accountId: string;
  /** The stack that manages what the app deploys there (absent for pipelines the app did not create). */
  readonly stack?: string;
  readonly reader: AccountReader;
}

export type ResourceKind = "role" | "repository" | "key" | "bucket" | "event bus";

/** What an ARN of the world is, where, and whether doctor could read it. */
export interface ResourceInfo {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly account: string;
  readonly accountId: string;
  readonly stack?: string;
  readonly state: "ok" | "missing" | "unreadable";
  readonly needs?: string;
  /** For a role whose trust policy was read but some identity policy was not. */
  readonly partial?: string;
}

/** A fact of a pipeline's wiring that no policy shows (a role, key or bucket other than the config's). */
export interface Finding {
  /** The permission-chain row it breaks. */
  readonly row: string;
  readonly pipeline?: string;
  readonly account: string;
  readonly problem: string;
  readonly fix: string;
}

export interface PipelineState {
  /** The pipeline's name in reports (the config's name, or its AWS name). */
  readonly label: string;
  readonly name: string;
  readonly arn: string;
  readonly account: LiveAccount;
  readonly definition: Read<LivePipeline>;
  readonly lastFailure: Read<LastFailure | undefined>;
}

export class WorldBuilder {
  readonly roles = new Map<string, Role>();
  readonly resourcePolicies = new Map<string, PolicyDocument>();
  readonly bucketOwners = new Map<string, string>();
  readonly artifactKeys = new Map<string, string>();
  readonly keyAliases = new Map<string, readonly string[]>();
  readonly resources = new Map<string, ResourceInfo>();
  readonly findings: Finding[] = [];

  private info(arn: string, kind: ResourceKind, name: string, account: LiveAccount, read: Read<unknown>): void {
    const state = read.ok ? "ok" : read.missing ? "missing" : "unreadable";
    const needs = !read.ok ? read.problem?.needs ?? read.problem?.message : undefined;
    this.resources.set(arn, { kind, name, account: account.label, accountId: account.accountId, ...(account.stack && { stack: account.stack }), state, ...(needs && { needs }) });
  }

  async role(arn: string, account: LiveAccount): Promise<void> {
    if (this.resources.has(arn)) return;
    const name = arn.split("/").pop() ?? arn;
    this.resources.set(arn, { kind: "role", name, account: account.label, accountId: account.accountId, state: "ok" });
    const before = account.reader.problems.length;
    const read = await account.reader.role(arn);
    this.info(arn, "role", name, account, read);
    if (!read.ok) return;
    const skipped = account.reader.problems.slice(before).filter((p) => p.what.includes(`role ${name}`));
    if (skipped.length > 0) {
      const current = this.resources.get(arn)!;
      this.resources.set(arn, { ...current, partial: skipped.map((p) => p.needs ?? p.message).join("; ") });
    }
    const role: Role = { arn, accountId: account.accountId, trustPolicy: read.value.trustPolicy, identityPolicies: read.value.identityPolicies };
    this.roles.set(arn, role);
    this.resourcePolicies.set(arn, role.trustPolicy);
  }

  /** Reads a resource's policy once: records the resource, what could not be read, and the policy if it has one. */
  private async resourcePolicy(
    arn: string,
    kind: ResourceKind,
    name: string,
    account: LiveAccount,
    read: () => Promise<Read<PolicyDocument | undefined>>,
  ): Promise<void> {
    if (this.resources.has(arn)) return;
    this.resources.set(arn, { kind, name, account: account.label, accountId: account.accountId, state: "ok" });
    const policy = await read();
    this.info(arn, kind, name, account, policy);
    if (policy.ok && policy.value) this.resourcePolicies.set(arn, policy.value);
  }

  async repository(region: string, name: string, account: LiveAccount): Promise<string> {
    const arn = naming.repositoryArn(region, account.accountId, name);
    await this.resourcePolicy(arn, "repository", name, account, () => account.reader.repositoryPolicy(arn, name));
    return arn;
  }

  /** Resolves a key (ARN, id or alias) to its ARN and records its policy and aliases; undefined when not found or unreadable. */
  async key(keyId: string, account: LiveAccount, region: string): Promise<string | undefined> {
    const on = keyId.startsWith("arn:") ? keyId : `arn:aws:kms:${region}:${account.accountId}:${keyId.startsWith("alias/") ? keyId : `key/${keyId}`}`;
    const read = await account.reader.key(keyId, on);
    if (!read.ok) {
      this.info(on, "key", keyId, account, read);
      return undefined;
    }
    const { arn, policy, aliases } = read.value;
    if (!this.resources.has(arn)) {
      this.info(arn, "key", arn.split("/").pop() ?? arn, account, policy);
      if (policy.ok) this.resourcePolicies.set(arn, policy.value);
      if (aliases.ok) this.keyAliases.set(arn, aliases.value);
    }
    return arn;
  }

  async bucket(name: string, account: LiveAccount): Promise<void> {
    // The first account a bucket is read in owns it, as before: a name is global.
    if (!this.bucketOwners.has(name)) this.bucketOwners.set(name, account.accountId);
    await this.resourcePolicy(naming.bucketArn(name), "bucket", name, account, () => account.reader.bucketPolicy(name));
  }

  async bus(region: string, name: string, account: LiveAccount): Promise<string> {
    const arn = naming.eventBusArn(region, account.accountId, name);
    await this.resourcePolicy(arn, "event bus", name, account, () => account.reader.busPolicy(name, arn));
    return arn;
  }

  /** Something in an account doctor has no credentials for: the hops through it cannot be checked. */
  unreachable(arn: string, kind: ResourceKind, name: string, accountId: string, needs: string): void {
    if (!this.resources.has(arn)) this.resources.set(arn, { kind, name, account: accountId, accountId, state: "unreadable", needs });
  }

  find(finding: Finding): void {
    this.findings.push(finding);
  }

  world(): World {
    return {
      roles: this.roles,
      resourcePolicies: this.resourcePolicies,
      bucketOwners: this.bucketOwners,
      artifactKeys: this.artifactKeys,
      keyAliases: this.keyAliases,
    };
  }
}

/** A key ARN for a pipeline account whose key could not be found: the cases still run, and deny. */
export function unknownKeyArn(region: string, accountId: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/not-found`;
}

export function problemsOf(accounts: readonly LiveAccount[]): ReadProblem[] {
  return accounts.flatMap((a) => a.reader.problems);
}

/** Runs tasks side by side (each account's reader bounds its own concurrency). */
export async function all(tasks: readonly (() => Promise<unknown>)[]): Promise<void> {
  await Promise.all(tasks.map((t) => t()));
}
