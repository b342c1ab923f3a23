/**
 * A local HTTP server on 127.0.0.1 answering the calls preflight makes, on the wire
 * (test-support/aws-server.ts), from a FakeWorld. S3's HeadBucket is a bare status.
 */
import { type AwsServer, type Reply, startAwsServer } from "../aws-server";
import { FakeAwsError } from "../doctor/fake-aws";
import { type FakeWorld, preflightAnswer } from "./fake";

/** The SDK's AWS_ENDPOINT_URL_<SERVICE> names of the services preflight calls. */
export const PREFLIGHT_SERVICES = ["IAM", "STS", "ECR", "KMS", "S3", "CODEPIPELINE", "EVENTBRIDGE", "CODEBUILD", "CLOUDWATCH_LOGS", "SERVICE_QUOTAS"];

function s3Reply(world: FakeWorld, accountId: string, method: string, url: URL): Reply {
  if (method !== "HEAD") return { status: 400, type: "text/plain", body: `the fake does not answer ${method} ${url.pathname} for s3` };
  try {
    preflightAnswer(world, accountId, "HeadBucket", { Bucket: decodeURIComponent(url.pathname.split("/")[1] ?? "") });
    return { status: 200, type: "application/xml", body: "" };
  } catch (e) {
    return { status: (e as FakeAwsError).status ?? 500, type: "application/xml", body: "" };
  }
}

export interface PreflightServer extends AwsServer {
  /** The env that points the SDK's clients at this server. */
  readonly endpoints: Record<string, string>;
}

export async function startPreflightServer(world: FakeWorld): Promise<PreflightServer> {
  const server = await startAwsServer({
    answer: (accountId, operation, input) => preflightAnswer(world, accountId, operation, input),
    s3: (accountId, method, url) => s3Reply(world, accountId, method, url),
  });
  return { ...server, endpoints: Object.fromEntries(PREFLIGHT_SERVICES.map((s) => [`AWS_ENDPOINT_URL_${s}`, server.url])) };
}
