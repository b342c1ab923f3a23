/**
 * The only module that builds AWS SDK clients: the credentials, region, retries, timeouts and
 * endpoints of doctor and of deploy's preflight are decided here, so tests (aws-sdk-client-mock
 * replaces the client classes) and custom endpoints swap in one place.
 *
 * Endpoints are the SDK's own: `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` (IAM, STS, ECR,
 * KMS, S3, CODEPIPELINE, EVENTBRIDGE; for preflight also CODEBUILD, CLOUDWATCH_LOGS,
 * SERVICE_QUOTAS) are read by every client ("Service-specific endpoints",
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { CodeBuildClient } from "@aws-sdk/client-codebuild";
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { ECRClient } from "@aws-sdk/client-ecr";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import type { ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { STSClient } from "@aws-sdk/client-sts";
import { fromIni, fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AccountConfig } from "../config/schema";

// The SDK warns on every run under Node 20 that its releases from January 2027 on need Node 22;
// package.json pins the last releases that support Node 20 on purpose, so the warning says nothing new.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export interface AccountClients {
  readonly iam: IAMClient;
  readonly sts: STSClient;
  readonly ecr: ECRClient;
  readonly kms: KMSClient;
  readonly s3: S3Client;
  readonly codepipeline: CodePipelineClient;
  readonly events: EventBridgeClient;
}

/** How to reach one account: its id (to check the credentials) and how the config says to authenticate. */
export type AccountAccess = Pick<AccountConfig, "accountId" | "profile" | "assumeRoleArn">;

/**
 * Per request: connect within 3 s, answer within 10 s; the SDK's "standard" retry mode retries
 * throttling and transient errors with exponential backoff and jitter, 3 attempts in all
 * ("Retry behavior", https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
 */
export const REQUEST_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;
const MAX_ATTEMPTS = 3;

/**
 * The instance metadata endpoint answers within a second on EC2 and never elsewhere: one try with
 * a one-second timeout, so a laptop without credentials fails in about a second, not a minute.
 */
const METADATA = { timeout: 1_000, maxRetries: 0 } as const;

type Credentials = ReturnType<typeof fromNodeProviderChain>;

/**
 * One set of credentials for all the clients of an account: without this, each client resolves
 * the provider on its first call, and an assumed role is assumed once per client, all at once.
 */
function shared(provider: Credentials): Credentials {
  let current: ReturnType<Credentials> | undefined;
  return ((options?: Parameters<Credentials>[0]) => {
    if (current) {
      const cached = current;
      // Refresh five minutes before expiry; a failure is not cached.
      current = cached.then((c) => (c.expiration && c.expiration.getTime() - Date.now() < 300_000 ? provider(options) : c));
    } else {
      current = provider(options);
    }
    current.catch(() => (current = undefined));
    return current;
  }) as Credentials;
}

function credentialsFor(account: AccountAccess, region: string): Credentials {
  return shared(credentialsProvider(account, region));
}

function credentialsProvider(account: AccountAccess, region: string): Credentials {
  if (account.profile) return fromIni({ profile: account.profile });
  if (account.assumeRoleArn) {
    return fromTemporaryCredentials({
      params: { RoleArn: account.assumeRoleArn, RoleSessionName: "pipeline-doctor", DurationSeconds: 900 },
      masterCredentials: fromNodeProviderChain(METADATA),
      clientConfig: { region, maxAttempts: MAX_ATTEMPTS, retryMode: "standard", requestHandler: REQUEST_TIMEOUTS },
    });
  }
  return fromNodeProviderChain(METADATA);
}

/**
 * S3 addresses buckets as `<bucket>.<endpoint>` unless told otherwise; a custom endpoint (a local
 * server, an AWS-compatible store) rarely resolves such names, so it gets path-style requests.
 */
function customS3Endpoint(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}

function commonConfig(account: AccountAccess, region: string) {
  return {
    region,
    credentials: credentialsFor(account, region),
    retryMode: "standard",
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: REQUEST_TIMEOUTS,
  } as const;
}

/** Clients for one account, with the credentials its config entry names. */
export function accountClients(account: AccountAccess, region: string, env: NodeJS.ProcessEnv = process.env): AccountClients {
  return clientsWith(commonConfig(account, region), env);
}

function clientsWith(common: ReturnType<typeof commonConfig>, env: NodeJS.ProcessEnv): AccountClients {
  return {
    iam: new IAMClient(common),
    sts: new STSClient(common),
    ecr: new ECRClient(common),
    kms: new KMSClient(common),
    s3: new S3Client({ ...common, forcePathStyle: customS3Endpoint(env) }),
    codepipeline: new CodePipelineClient(common),
    events: new EventBridgeClient(common),
  };
}

/** Preflight reads three services doctor does not: the names of CodeBuild projects and log groups, and EventBridge's quota. */
export interface PreflightClients extends AccountClients {
  readonly codebuild: CodeBuildClient;
  readonly logs: CloudWatchLogsClient;
  readonly quotas: ServiceQuotasClient;
}

/**
 * Clients for one account's preflight: doctor's, and those three, all sharing one set of
 * credentials. The three packages are loaded here, on first use, so doctor does not pay for them.
 */
export function preflightClients(account: AccountAccess, region: string, env: NodeJS.ProcessEnv = process.env): PreflightClients {
  const common = commonConfig(account, region);
  const { CodeBuildClient } = require("@aws-sdk/client-codebuild") as typeof import("@aws-sdk/client-codebuild");
  const { CloudWatchLogsClient } = require("@aws-sdk/client-cloudwatch-logs") as typeof import("@aws-sdk/client-cloudwatch-logs");
  const { ServiceQuotasClient } = require("@aws-sdk/client-service-quotas") as typeof import("@aws-sdk/client-service-quotas");
  return {
    ...clientsWith(common, env),
    codebuild: new CodeBuildClient(common),
    logs: new CloudWatchLogsClient(common),
    quotas: new ServiceQuotasClient(common),
  };
}

export function destroyClients(clients: AccountClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
