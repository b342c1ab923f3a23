/**
 * A fake of the accounts a deploy is about to change, answering the read calls preflight makes as
 * the services do (outputs shaped like the SDK's, errors named like the services'). In process it
 * sits behind aws-sdk-client-mock (mock-clients.ts); as a process test it is served over HTTP
 * (server.ts). An account starts empty but for the deploying identity and its policies; tests add
 * what an operator or another team left behind.
 */
import { FakeAwsError } from "../doctor/fake-aws";

/** One statement of the deploying identity's policies (or of an SCP): actions and resources as globs. */
export interface FakeStatement {
  readonly effect: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** A service control policy's statement: reported as the organization's decision. */
  readonly scp?: boolean;
  /** The statement tests these context keys, which the simulation never has. */
  readonly needsContext?: readonly string[];
  readonly id?: string;
}

export interface FakeAccount {
  readonly accountId: string;
  readonly region: string;
  /** What GetCallerIdentity answers (the deploying identity). */
  caller: string;
  /** The identities IAM knows, for SimulatePrincipalPolicy (else NoSuchEntity). */
  readonly principals: Set<string>;
  /** Role name to its path and inline policy names. */
  readonly roles: Map<string, { path: string; policies: Set<string> }>;
  /** Roles GetAccountSummary counts beyond those in `roles`. */
  otherRoles: number;
  rolesQuota: number;
  readonly buckets: Set<string>;
  readonly repositories: Set<string>;
  readonly pipelines: Set<string>;
  /** Bus name to its rule names ("default" exists always). */
  readonly buses: Map<string, Set<string>>;
  readonly projects: Set<string>;
  readonly logGroups: Set<string>;
  readonly aliases: Set<string>;
  /** The applied value of EventBridge's rules quota (undefined: only the default applies). */
  rulesQuota?: number;
  readonly statements: FakeStatement[];
  /** Operations this account's credentials may not call (AccessDenied). */
  readonly denied: Set<string>;
  /** Operations that fail with this error name (e.g. ThrottlingException). */
  readonly failing: Map<string, string>;
}

export interface FakeWorld {
  readonly accounts: Map<string, FakeAccount>;
  /** Buckets of accounts outside the world (HeadBucket: 403). */
  readonly foreignBuckets: Set<string>;
}

/** Every action on every resource: what an administrator may do. */
export const ADMIN: FakeStatement = { effect: "Allow", actions: ["*"], resources: ["*"] };

export function fakeAccount(accountId: string, region: string, caller: string, statements: FakeStatement[] = [ADMIN]): FakeAccount {
  return {
    accountId,
    region,
    caller,
    principals: new Set(),
    roles: new Map(),
    otherRoles: 0,
    rolesQuota: 1000,
    buckets: new Set(),
    repositories: new Set(),
    pipelines: new Set(),
    buses: new Map([["default", new Set()]]),
    projects: new Set(),
    logGroups: new Set(),
    aliases: new Set(),
    statements,
    denied: new Set(),
    failing: new Map(),
  };
}

/**
 * The example config's two accounts, each deployed by a role: A by `ci` (its credentials straight
 * from the environment: a role session), B by the `deployer` role the config assumes.
 */
export function exampleWorld(region = "ap-northeast-1"): FakeWorld {
  const A = fakeAccount("111111111111", region, "arn:aws:sts::111111111111:assumed-role/ci/session");
  A.roles.set("ci", { path: "/", policies: new Set() });
  A.principals.add("arn:aws:iam::111111111111:role/ci");
  const B = fakeAccount("222222222222", region, "arn:aws:sts::222222222222:assumed-role/deployer/pipeline-doctor");
  B.roles.set("deployer", { path: "/", policies: new Set() });
  B.principals.add("arn:aws:iam::222222222222:role/deployer");
  // The ECS execution role the example config names: the pipeline account's, not the app's.
  B.roles.set("demo-web-task-execution", { path: "/", policies: new Set() });
  // The adopted repository the example config names.
  A.repositories.add("platform/api");
  return { accounts: new Map([A, B].map((a) => [a.accountId, a])), foreignBuckets: new Set() };
}

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
  return re.test(value);
}

interface Decision {
  EvalActionName: string;
  EvalResourceName: string;
  EvalDecision: "allowed" | "explicitDeny" | "implicitDeny";
  MatchedStatements?: { SourcePolicyId: string }[];
  MissingContextValues?: string[];
  OrganizationsDecisionDetail?: { AllowedByOrganizations: boolean };
}

/** A small policy evaluator: an explicit deny wins, then an allow; a statement needing context never matches. */
function evaluate(a: FakeAccount, action: string, resource: string): Decision {
  const base = { EvalActionName: action, EvalResourceName: resource };
  const applies = (s: FakeStatement) => s.actions.some((p) => glob(p, action)) && s.resources.some((p) => glob(p, resource));
  const matching = a.statements.filter(applies);
  const missing = matching.filter((s) => s.needsContext).flatMap((s) => s.needsContext ?? []);
  const decided = matching.filter((s) => !s.needsContext);
  const deny = decided.find((s) => s.effect === "Deny");
  if (deny) {
    return {
      ...base,
      EvalDecision: "explicitDeny",
      MatchedStatements: [{ SourcePolicyId: deny.id ?? "policy" }],
      ...(deny.scp && { OrganizationsDecisionDetail: { AllowedByOrganizations: false } }),
    };
  }
  if (decided.some((s) => s.effect === "Allow")) return { ...base, EvalDecision: "allowed" };
  return { ...base, EvalDecision: "implicitDeny", ...(missing.length > 0 && { MissingContextValues: missing }) };
}

const notFound = (name: string, message: string) => new FakeAwsError(name, message, 400);

/** The messages AWS sends with the errors tests make calls fail with. */
const FAILURES: Readonly<Record<string, string>> = {
  ThrottlingException: "Rate exceeded",
  Throttling: "Rate exceeded",
  ExpiredToken: "The security token included in the request is expired",
};

/**
 * What the service answers for `operation` with `input` (SDK-shaped), called with the credentials
 * of account `accountId`.
 */
export function preflightAnswer(world: FakeWorld, accountId: string, operation: string, input: Record<string, any>): Record<string, unknown> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const a = world.accounts.get(accountId);
  if (!a) throw new FakeAwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
  if (a.denied.has(operation)) throw new FakeAwsError(operation === "HeadBucket" ? "Forbidden" : "AccessDenied", `User: ${a.caller} is not authorized to perform: ${operation}`, 403);
  const failing = a.failing.get(operation);
  if (failing) throw new FakeAwsError(failing, FAILURES[failing] ?? "We encountered an internal error. Please try again.", failing === "ExpiredToken" ? 403 : 400);
  switch (operation) {
    case "GetCallerIdentity":
      return { Account: accountId, Arn: a.caller, UserId: "AROAFAKE:session" };
    case "GetRole": {
      const role = a.roles.get(input.RoleName);
      if (!role) throw new FakeAwsError("NoSuchEntity", `The role with name ${input.RoleName} cannot be found.`, 404);
      return { Role: { RoleName: input.RoleName, Path: role.path, Arn: `arn:aws:iam::${accountId}:role${role.path}${input.RoleName}`, RoleId: "AROAFAKE", CreateDate: new Date(0) } };
    }
    case "GetRolePolicy": {
      const role = a.roles.get(input.RoleName);
      if (!role) throw new FakeAwsError("NoSuchEntity", `The role with name ${input.RoleName} cannot be found.`, 404);
      if (!role.policies.has(input.PolicyName)) throw new FakeAwsError("NoSuchEntity", `The role policy with name ${input.PolicyName} cannot be found.`, 404);
      return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent('{"Version":"2012-10-17","Statement":[]}') };
    }
    case "GetAccountSummary":
      return { SummaryMap: { Roles: a.roles.size + a.otherRoles, RolesQuota: a.rolesQuota } };
    case "SimulatePrincipalPolicy": {
      if (!a.principals.has(input.PolicySourceArn)) throw new FakeAwsError("NoSuchEntity", `Entity ${input.PolicySourceArn} does not exist.`, 404);
      const resources: string[] = input.ResourceArns ?? ["*"];
      const results = (input.ActionNames as string[]).flatMap((action) => resources.map((resource) => evaluate(a, action, resource)));
      // Ten results a page: the bucket's 25 actions take three pages.
      const start = Number(input.Marker ?? 0);
      const more = start + 10 < results.length;
      return { EvaluationResults: results.slice(start, start + 10), IsTruncated: more, ...(more && { Marker: String(start + 10) }) };
    }
    case "HeadBucket": {
      if (a.buckets.has(input.Bucket)) return {};
      const elsewhere = [...world.accounts.values()].some((o) => o.buckets.has(input.Bucket)) || world.foreignBuckets.has(input.Bucket);
      if (elsewhere) throw new FakeAwsError("Forbidden", "Forbidden", 403);
      throw new FakeAwsError("NotFound", "Not Found", 404);
    }
    case "DescribeRepositories": {
      const name = input.repositoryNames?.[0];
      if (!a.repositories.has(name)) throw notFound("RepositoryNotFoundException", `The repository with name '${name}' does not exist in the registry with id '${accountId}'`);
      return { repositories: [{ repositoryName: name, registryId: accountId, repositoryArn: `arn:aws:ecr:${a.region}:${accountId}:repository/${name}` }] };
    }
    case "GetPipeline":
      if (!a.pipelines.has(input.name)) throw notFound("PipelineNotFoundException", `Account '${accountId}' does not have a pipeline with name '${input.name}'`);
      return { pipeline: { name: input.name, roleArn: `arn:aws:iam::${accountId}:role/x`, stages: [], version: 1 } };
    case "DescribeEventBus": {
      const name = input.Name ?? "default";
      if (!a.buses.has(name)) throw notFound("ResourceNotFoundException", `Event bus ${name} does not exist.`);
      return { Name: name, Arn: `arn:aws:events:${a.region}:${accountId}:event-bus/${name}` };
    }
    case "DescribeRule": {
      const bus = input.EventBusName ?? "default";
      if (!a.buses.get(bus)?.has(input.Name)) throw notFound("ResourceNotFoundException", `Rule ${input.Name} does not exist on EventBus ${bus}.`);
      return { Name: input.Name, EventBusName: bus, Arn: `arn:aws:events:${a.region}:${accountId}:rule/${bus === "default" ? "" : `${bus}/`}${input.Name}` };
    }
    case "ListRules": {
      const bus = input.EventBusName ?? "default";
      const rules = [...(a.buses.get(bus) ?? [])];
      if (!a.buses.has(bus)) throw notFound("ResourceNotFoundException", `Event bus ${bus} does not exist.`);
      const start = Number(input.NextToken ?? 0);
      const limit = Number(input.Limit ?? 100);
      const next = start + limit < rules.length ? String(start + limit) : undefined;
      return { Rules: rules.slice(start, start + limit).map((Name) => ({ Name, EventBusName: bus })), ...(next && { NextToken: next }) };
    }
    case "BatchGetProjects": {
      const names: string[] = input.names ?? [];
      return { projects: names.filter((n) => a.projects.has(n)).map((name) => ({ name })), projectsNotFound: names.filter((n) => !a.projects.has(n)) };
    }
    case "DescribeLogGroups": {
      const prefix: string = input.logGroupNamePrefix ?? "";
      // One group a page: every test pages through them.
      const groups = [...a.logGroups].filter((g) => g.startsWith(prefix)).sort();
      const start = Number(input.nextToken ?? 0);
      return { logGroups: groups.slice(start, start + 1).map((logGroupName) => ({ logGroupName })), ...(start + 1 < groups.length && { nextToken: String(start + 1) }) };
    }
    case "ListAliases": {
      const aliases = [...a.aliases].sort();
      const start = Number(input.Marker ?? 0);
      const more = start + 1 < aliases.length;
      return { Aliases: aliases.slice(start, start + 1).map((AliasName) => ({ AliasName })), Truncated: more, ...(more && { NextMarker: String(start + 1) }) };
    }
    case "GetServiceQuota":
      if (input.ServiceCode !== "events" || input.QuotaCode !== "L-244521F2") throw notFound("NoSuchResourceException", "The request failed because the specified service quota does not exist.");
      if (a.rulesQuota === undefined) throw notFound("NoSuchResourceException", "The request failed because the specified service quota does not exist.");
      return { Quota: { ServiceCode: "events", QuotaCode: "L-244521F2", QuotaName: "Number of rules", Value: a.rulesQuota, Adjustable: true } };
    default:
      throw new FakeAwsError("InvalidAction", `the fake does not answer ${operation}`, 400);
  }
}
