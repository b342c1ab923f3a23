/**
 * A fake of the AWS accounts as the rendered stacks describe them after a deploy, answering the
 * read calls doctor makes as the services do (outputs shaped like the SDK's, errors named like the
 * services'). The in-process tests put it behind aws-sdk-client-mock; the process test serves it
 * over HTTP (test-support/doctor/server.ts). Tests break it one piece at a time, as an operator
 * would in the console.
 */
import * as fs from "fs";
import * as path from "path";
import { stackAccount } from "../../config/accounts";
import type { Config } from "../../config/schema";
import type { RenderedStack } from "../../terraform/render";

export interface FakeRole {
  trust: string;
  inline: Map<string, string>;
  attached: Map<string, string>;
}

export interface FakeAction {
  stage: string;
  action: string;
  status: "Succeeded" | "Failed";
  message?: string;
}

export interface FakeExecution {
  id: string;
  status: "Succeeded" | "Failed" | "InProgress";
  actions: FakeAction[];
}

export interface FakePipeline {
  name: string;
  roleArn: string;
  artifactStore: { type: string; location: string; encryptionKey?: { id: string; type: string } };
  stages: { name: string; actions: { name: string; actionTypeId: { category: string; owner: string; provider: string; version: string }; roleArn?: string; configuration?: Record<string, string> }[] }[];
}

export interface FakeAccount {
  accountId: string;
  region: string;
  roles: Map<string, FakeRole>;
  /** Repository name to its policy text (undefined: no policy). */
  repositories: Map<string, string | undefined>;
  /** Key id to its ARN and policy. */
  keys: Map<string, { arn: string; policy: string }>;
  /** Alias name to key id. */
  aliases: Map<string, string>;
  buckets: Map<string, { policy?: string; kmsKeyId?: string; publicAccessBlocked: boolean }>;
  pipelines: Map<string, FakePipeline>;
  /** Newest first. */
  executions: Map<string, FakeExecution[]>;
  /** Bus name to its policy text (undefined: none). */
  buses: Map<string, string | undefined>;
  /** "<bus>/<rule>" ("default" for the default bus) to its targets. */
  rules: Map<string, { Id: string; Arn: string; RoleArn?: string }[]>;
  /** Operations this account's credentials may not call (AccessDenied). */
  denied: Set<string>;
}

export type FakeAws = Map<string, FakeAccount>;

export const RENDERED_EXAMPLE = path.join(__dirname, "rendered-example.json");

export function renderedExample(): RenderedStack[] {
  return JSON.parse(fs.readFileSync(RENDERED_EXAMPLE, "utf8"));
}

/** The account `accountId` of `fake`, added with nothing in it if it is not there. */
export function account(fake: FakeAws, accountId: string, region: string): FakeAccount {
  let a = fake.get(accountId);
  if (!a) {
    a = {
      accountId,
      region,
      roles: new Map(),
      repositories: new Map(),
      keys: new Map(),
      aliases: new Map(),
      buckets: new Map(),
      pipelines: new Map(),
      executions: new Map(),
      buses: new Map(),
      rules: new Map(),
      denied: new Set(),
    };
    fake.set(accountId, a);
  }
  return a;
}

const TASK_TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] });

/** The accounts after deploying `rendered` (healthy; every pipeline's executions succeeded). */
export function fakeAwsFromRendered(config: Config, rendered: readonly RenderedStack[]): FakeAws {
  const fake: FakeAws = new Map();
  for (const { stack, resources } of rendered) {
    const a = account(fake, stackAccount(config, stack), config.region);
    const v = (r: (typeof resources)[number]) => r.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const role = (name: string) => {
      if (!a.roles.has(name)) a.roles.set(name, { trust: TASK_TRUST, inline: new Map(), attached: new Map() });
      return a.roles.get(name)!;
    };
    for (const r of resources) {
      const x = v(r);
      switch (r.type) {
        case "aws_iam_role":
          role(x.name).trust = x.assume_role_policy;
          break;
        case "aws_iam_role_policy":
          role(x.role).inline.set(x.name, x.policy);
          break;
        case "aws_ecr_repository":
          if (!a.repositories.has(x.name)) a.repositories.set(x.name, undefined);
          break;
        case "aws_ecr_repository_policy":
          a.repositories.set(x.repository, x.policy);
          break;
        case "aws_kms_key":
          a.keys.set(x.id, { arn: x.arn, policy: x.policy });
          break;
        case "aws_kms_alias":
          a.aliases.set(x.name, x.target_key_id);
          break;
        case "aws_s3_bucket":
          a.buckets.set(x.bucket, { ...a.buckets.get(x.bucket), publicAccessBlocked: a.buckets.get(x.bucket)?.publicAccessBlocked ?? false });
          break;
        case "aws_s3_bucket_policy":
          a.buckets.set(x.bucket, { publicAccessBlocked: false, ...a.buckets.get(x.bucket), policy: x.policy });
          break;
        case "aws_s3_bucket_server_side_encryption_configuration":
          a.buckets.set(x.bucket, { publicAccessBlocked: false, ...a.buckets.get(x.bucket), kmsKeyId: x.rule[0].apply_server_side_encryption_by_default[0].kms_master_key_id });
          break;
        case "aws_s3_bucket_public_access_block":
          a.buckets.set(x.bucket, { ...a.buckets.get(x.bucket), publicAccessBlocked: x.block_public_acls && x.block_public_policy && x.ignore_public_acls && x.restrict_public_buckets });
          break;
        case "aws_codepipeline": {
          const store = x.artifact_store[0];
          a.pipelines.set(x.name, {
            name: x.name,
            roleArn: x.role_arn,
            artifactStore: { type: store.type, location: store.location, ...(store.encryption_key[0] && { encryptionKey: { id: store.encryption_key[0].id, type: store.encryption_key[0].type } }) },
            stages: x.stage.map((s: any) => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
              name: s.name,
              actions: s.action.map((act: any) => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
                name: act.name,
                actionTypeId: { category: act.category, owner: act.owner, provider: act.provider, version: act.version },
                ...(act.role_arn && { roleArn: act.role_arn }),
                ...(act.configuration && { configuration: act.configuration }),
              })),
            })),
          });
          a.executions.set(x.name, [{ id: "00000000-0000-4000-8000-000000000001", status: "Succeeded", actions: [{ stage: "Source", action: "Image", status: "Succeeded" }] }]);
          break;
        }
        case "aws_cloudwatch_event_bus":
          if (!a.buses.has(x.name)) a.buses.set(x.name, undefined);
          break;
        case "aws_cloudwatch_event_bus_policy":
          a.buses.set(x.event_bus_name, x.policy);
          break;
        case "aws_cloudwatch_event_rule": {
          const id = `${x.event_bus_name ?? "default"}/${x.name}`;
          if (!a.rules.has(id)) a.rules.set(id, []);
          break;
        }
        case "aws_cloudwatch_event_target": {
          const id = `${x.event_bus_name ?? "default"}/${x.rule}`;
          a.rules.set(id, [...(a.rules.get(id) ?? []), { Id: x.target_id, Arn: x.arn, ...(x.role_arn && { RoleArn: x.role_arn }) }]);
          break;
        }
      }
    }
  }
  return fake;
}

export class FakeAwsError extends Error {
  readonly $metadata: { httpStatusCode: number };
  readonly $fault = "client";
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.$metadata = { httpStatusCode: status };
  }
}

const notFound = (name: string, message: string) => new FakeAwsError(name, message, name.startsWith("NoSuch") && !name.includes("Entity") ? 404 : 400);

function keyFor(a: FakeAccount, keyId: string): { id: string; arn: string; policy: string } {
  const aliasName = keyId.startsWith("arn:") && keyId.includes(":alias/") ? keyId.slice(keyId.indexOf("alias/")) : keyId;
  const id = a.aliases.get(aliasName) ?? (keyId.startsWith("arn:") ? keyId.split("/").pop()! : keyId);
  const key = a.keys.get(id);
  if (!key) throw notFound("NotFoundException", `Key '${keyId}' does not exist`);
  return { id, ...key };
}

function roleOf(a: FakeAccount, name: string): FakeRole {
  const role = a.roles.get(name);
  if (!role) throw new FakeAwsError("NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
  return role;
}

/**
 * What the service answers for `operation` with `input`, called with the credentials of account
 * `accountId`. IAM returns policy documents URL-encoded, as the real IAM does.
 */
export function answer(fake: FakeAws, accountId: string, operation: string, input: Record<string, any>): Record<string, unknown> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const a = fake.get(accountId);
  if (!a) throw new FakeAwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
  if (a.denied.has(operation)) {
    throw new FakeAwsError(operation.startsWith("Get") && /Bucket|PublicAccess/.test(operation) ? "AccessDenied" : "AccessDeniedException", `User is not authorized to perform ${operation}`, 403);
  }
  const encode = (text: string) => encodeURIComponent(text);
  switch (operation) {
    case "GetCallerIdentity":
      return { Account: accountId, Arn: `arn:aws:iam::${accountId}:user/doctor`, UserId: "AIDAFAKE" };
    case "GetRole": {
      const role = roleOf(a, input.RoleName);
      return { Role: { RoleName: input.RoleName, Arn: `arn:aws:iam::${accountId}:role/${input.RoleName}`, Path: "/", RoleId: "AROAFAKE", CreateDate: new Date(0), AssumeRolePolicyDocument: encode(role.trust) } };
    }
    case "ListRolePolicies":
      return { PolicyNames: [...roleOf(a, input.RoleName).inline.keys()], IsTruncated: false };
    case "GetRolePolicy": {
      const doc = roleOf(a, input.RoleName).inline.get(input.PolicyName);
      if (doc === undefined) throw new FakeAwsError("NoSuchEntity", `The role policy with name ${input.PolicyName} cannot be found.`, 404);
      return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encode(doc) };
    }
    case "ListAttachedRolePolicies":
      return { AttachedPolicies: [...roleOf(a, input.RoleName).attached.keys()].map((arn) => ({ PolicyArn: arn, PolicyName: arn.split("/").pop() })), IsTruncated: false };
    case "GetPolicy":
      return { Policy: { Arn: input.PolicyArn, PolicyName: String(input.PolicyArn).split("/").pop(), DefaultVersionId: "v1" } };
    case "GetPolicyVersion": {
      const doc = [...a.roles.values()].map((r) => r.attached.get(input.PolicyArn)).find((d) => d !== undefined);
      if (doc === undefined) throw new FakeAwsError("NoSuchEntity", `Policy ${input.PolicyArn} was not found.`, 404);
      return { PolicyVersion: { VersionId: "v1", IsDefaultVersion: true, Document: encode(doc) } };
    }
    case "GetRepositoryPolicy": {
      if (!a.repositories.has(input.repositoryName)) throw notFound("RepositoryNotFoundException", `The repository with name '${input.repositoryName}' does not exist in the registry with id '${accountId}'`);
      const policy = a.repositories.get(input.repositoryName);
      if (policy === undefined) throw notFound("RepositoryPolicyNotFoundException", "Repository policy does not exist");
      return { registryId: accountId, repositoryName: input.repositoryName, policyText: policy };
    }
    case "DescribeKey": {
      const key = keyFor(a, input.KeyId);
      return { KeyMetadata: { KeyId: key.id, Arn: key.arn, AWSAccountId: accountId, Enabled: true, KeyState: "Enabled", KeyManager: "CUSTOMER" } };
    }
    case "GetKeyPolicy":
      return { Policy: keyFor(a, input.KeyId).policy, PolicyName: "default" };
    case "ListAliases": {
      const key = keyFor(a, input.KeyId);
      return { Aliases: [...a.aliases].filter(([, id]) => id === key.id).map(([name, id]) => ({ AliasName: name, AliasArn: `arn:aws:kms:${a.region}:${accountId}:${name}`, TargetKeyId: id })), Truncated: false };
    }
    case "GetBucketPolicy": {
      const bucket = a.buckets.get(input.Bucket);
      if (!bucket) throw notFound("NoSuchBucket", "The specified bucket does not exist");
      if (bucket.policy === undefined) throw notFound("NoSuchBucketPolicy", "The bucket policy does not exist");
      return { Policy: bucket.policy };
    }
    case "GetBucketEncryption": {
      const bucket = a.buckets.get(input.Bucket);
      if (!bucket) throw notFound("NoSuchBucket", "The specified bucket does not exist");
      if (!bucket.kmsKeyId) throw notFound("ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found");
      return { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: bucket.kmsKeyId }, BucketKeyEnabled: true }] } };
    }
    case "GetPublicAccessBlock": {
      const bucket = a.buckets.get(input.Bucket);
      if (!bucket) throw notFound("NoSuchBucket", "The specified bucket does not exist");
      if (!bucket.publicAccessBlocked) throw notFound("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found");
      return { PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } };
    }
    case "DescribeEventBus": {
      const name = input.Name ?? "default";
      if (!a.buses.has(name)) throw notFound("ResourceNotFoundException", `Event bus ${name} does not exist.`);
      const policy = a.buses.get(name);
      return { Name: name, Arn: `arn:aws:events:${a.region}:${accountId}:event-bus/${name}`, ...(policy !== undefined && { Policy: policy }) };
    }
    case "ListTargetsByRule": {
      const id = `${input.EventBusName ?? "default"}/${input.Rule}`;
      const targets = a.rules.get(id);
      if (!targets) throw notFound("ResourceNotFoundException", `Rule ${input.Rule} does not exist on EventBus ${input.EventBusName ?? "default"}.`);
      return { Targets: targets };
    }
    case "GetPipeline": {
      const p = a.pipelines.get(input.name);
      if (!p) throw notFound("PipelineNotFoundException", `Account '${accountId}' does not have a pipeline with name '${input.name}'`);
      return { pipeline: { ...p, version: 1, pipelineType: "V2" }, metadata: { pipelineArn: `arn:aws:codepipeline:${a.region}:${accountId}:${p.name}` } };
    }
    case "ListPipelineExecutions": {
      if (!a.pipelines.has(input.pipelineName)) throw notFound("PipelineNotFoundException", `Account '${accountId}' does not have a pipeline with name '${input.pipelineName}'`);
      return {
        pipelineExecutionSummaries: (a.executions.get(input.pipelineName) ?? []).map((e, i) => ({
          pipelineExecutionId: e.id,
          status: e.status,
          startTime: new Date(Date.UTC(2026, 10, 30, 12, 0, 0) - i * 3_600_000),
          lastUpdateTime: new Date(Date.UTC(2026, 10, 30, 12, 5, 0) - i * 3_600_000),
        })),
      };
    }
    case "ListActionExecutions": {
      const execution = (a.executions.get(input.pipelineName) ?? []).find((e) => e.id === input.filter?.pipelineExecutionId);
      return {
        actionExecutionDetails: (execution?.actions ?? []).map((x) => ({
          pipelineExecutionId: execution!.id,
          stageName: x.stage,
          actionName: x.action,
          status: x.status,
          ...(x.message && { output: { executionResult: { errorDetails: { code: "JobFailed", message: x.message } } } }),
        })),
      };
    }
    default:
      throw new FakeAwsError("InvalidAction", `the fake does not answer ${operation}`, 400);
  }
}
