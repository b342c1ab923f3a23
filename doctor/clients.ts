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
      clientPlugins: [failedCallPlugin as never],
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

/** Which call failed, and where it went: set on the error of every failed call (`failedCallPlugin`). */
export interface FailedCall {
  /** The service as its endpoint setting names it: AWS_ENDPOINT_URL_<service>, e.g. "STS". */
  readonly service: string;
  readonly operation: string;
  /** The URL the request went to. */
  readonly url: string;
}

/** The call a failed request made, if a client of this module made it. */
export function failedCall(e: unknown): FailedCall | undefined {
  return e !== null && typeof e === "object" ? (e as { $call?: FailedCall }).$call : undefined;
}

interface RequestLike {
  readonly protocol?: string;
  readonly hostname?: string;
  readonly port?: number;
  readonly path?: string;
}

/**
 * A plugin that adds to every error of a client's calls which call it was and the URL it went to:
 * an answer that is not AWS's (a wrong endpoint, a proxy) is then explained by where it came from,
 * not by the SDK's "NotFound: Unknown" (read.ts, awsErrorText).
 */
const failedCallPlugin = {
  applyToStack(stack: { add: (middleware: never, options: never) => void }): void {
    const middleware =
      (next: (args: { request?: unknown }) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
      async (args: { request?: unknown }) => {
        try {
          return await next(args);
        } catch (e) {
          const request = args.request as RequestLike | undefined;
          if (e !== null && typeof e === "object" && request?.hostname) {
            const call: FailedCall = {
              service: (context.clientName ?? "").replace(/Client$/, "").toUpperCase(),
              operation: (context.commandName ?? "").replace(/Command$/, ""),
              url: `${request.protocol ?? "https:"}//${request.hostname}${request.port ? `:${request.port}` : ""}${request.path ?? "/"}`,
            };
            Object.defineProperty(e, "$call", { value: call, enumerable: false });
          }
          throw e;
        }
      };
    stack.add(middleware as never, { step: "finalizeRequest", name: "doctorFailedCall" } as never);
  },
};

function withFailedCall<C extends { middlewareStack: { use: (plugin: never) => void } }>(client: C): C {
  client.middlewareStack.use(failedCallPlugin as never);
  return client;
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
    iam: withFailedCall(new IAMClient(common)),
    sts: withFailedCall(new STSClient(common)),
    ecr: withFailedCall(new ECRClient(common)),
    kms: withFailedCall(new KMSClient(common)),
    s3: withFailedCall(new S3Client({ ...common, forcePathStyle: customS3Endpoint(env) })),
    codepipeline: withFailedCall(new CodePipelineClient(common)),
    events: withFailedCall(new EventBridgeClient(common)),
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
