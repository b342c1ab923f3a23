/**
 * A local HTTP server on 127.0.0.1 that answers the AWS API calls doctor makes, on the wire
 * (test-support/aws-server.ts), from a FakeAws. S3 is REST-XML: path-style bucket, sub-resource in
 * the query.
 */
import { accessKeyFor, type AwsServer, type Reply, startAwsServer, toXml, xmlEscape } from "../aws-server";
import { answer as fakeAnswer, type FakeAws, FakeAwsError } from "./fake-aws";

export { accessKeyFor };

/** What the server answers a call with: fake-aws's `answer` unless a test gives another (test-support/deploy/aws.ts). */
export type Answer = typeof fakeAnswer;

export interface ServerOptions {
  readonly answer?: Answer;
  /** Requests to /__fake/<path> (POST, a JSON body): a test's stand-in telling the fake what it did. */
  readonly control?: (path: string, body: unknown) => void;
}

function s3Reply(fake: FakeAws, accountId: string, url: URL, answer: Answer): Reply {
  const bucket = decodeURIComponent(url.pathname.split("/")[1] ?? "");
  const operation = url.searchParams.has("policy")
    ? "GetBucketPolicy"
    : url.searchParams.has("encryption")
      ? "GetBucketEncryption"
      : url.searchParams.has("publicAccessBlock")
        ? "GetPublicAccessBlock"
        : `unknown S3 request ${url.search}`;
  try {
    const out = answer(fake, accountId, operation, { Bucket: bucket }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (operation === "GetBucketPolicy") return { status: 200, type: "application/json", body: out.Policy };
    if (operation === "GetBucketEncryption") {
      const rule = out.ServerSideEncryptionConfiguration.Rules[0];
      return { status: 200, type: "application/xml", body: `<ServerSideEncryptionConfiguration><Rule>${toXml(rule)}</Rule></ServerSideEncryptionConfiguration>` };
    }
    return { status: 200, type: "application/xml", body: `<PublicAccessBlockConfiguration>${toXml(out.PublicAccessBlockConfiguration)}</PublicAccessBlockConfiguration>` };
  } catch (e) {
    const err = e as FakeAwsError;
    return { status: err.status ?? 500, type: "application/xml", body: `<Error><Code>${err.name}</Code><Message>${xmlEscape(err.message)}</Message><RequestId>fake</RequestId></Error>` };
  }
}

export type FakeAwsServer = AwsServer;

export function startFakeAwsServer(fake: FakeAws, options: ServerOptions = {}): Promise<FakeAwsServer> {
  const answer = options.answer ?? fakeAnswer;
  return startAwsServer({
    answer: (accountId, operation, input) => answer(fake, accountId, operation, input),
    s3: (accountId, _method, url) => s3Reply(fake, accountId, url, answer),
    control: options.control,
    session: "doctor",
  });
}
