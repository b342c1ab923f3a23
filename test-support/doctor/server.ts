/**
 * A local HTTP server on 127.0.0.1 that answers the AWS API calls doctor makes, on the wire, from
 * a FakeAws: IAM and STS speak the query protocol (form-encoded in, XML out), ECR, KMS,
 * CodePipeline and EventBridge JSON 1.1 (operation in X-Amz-Target), S3 REST-XML (path-style
 * bucket, sub-resource in the query). The account is the one whose access key signed the request:
 * access key "FAKE<account id>". STS AssumeRole hands out such a key for the role's account.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { answer as fakeAnswer, type FakeAws, FakeAwsError } from "./fake-aws";

/** What the server answers a call with: fake-aws's `answer` unless a test gives another (test-support/deploy/aws.ts). */
export type Answer = typeof fakeAnswer;

export interface ServerOptions {
  readonly answer?: Answer;
  /** Requests to /__fake/<path> (POST, a JSON body): a test's stand-in telling the fake what it did. */
  readonly control?: (path: string, body: unknown) => void;
}

export function accessKeyFor(accountId: string): string {
  return `FAKE${accountId}`;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** An SDK-shaped output as query-protocol XML: lists as <member> items. */
function toXml(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join("");
  if (value !== null && typeof value === "object") {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join("");
  }
  return xmlEscape(String(value));
}

/** JSON 1.1 has timestamps as epoch seconds. */
function toJson(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

const NAMESPACES: Record<string, string> = {
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
};

interface Reply {
  status: number;
  type: string;
  body: string;
}

function queryReply(service: string, fake: FakeAws, accountId: string, params: URLSearchParams, answer: Answer): Reply {
  const action = params.get("Action") ?? "";
  const input = Object.fromEntries([...params].filter(([k]) => k !== "Action" && k !== "Version"));
  try {
    let output: Record<string, unknown>;
    if (action === "AssumeRole") {
      const roleAccount = String(input.RoleArn).split(":")[4];
      output = {
        Credentials: { AccessKeyId: accessKeyFor(roleAccount), SecretAccessKey: "fake-secret", SessionToken: "fake-session", Expiration: new Date(Date.now() + 3_600_000) },
        AssumedRoleUser: { Arn: `${input.RoleArn}/${input.RoleSessionName}`, AssumedRoleId: "AROAFAKE:doctor" },
      };
    } else {
      output = answer(fake, accountId, action, input);
    }
    return {
      status: 200,
      type: "text/xml",
      body: `<${action}Response xmlns="${NAMESPACES[service]}"><${action}Result>${toXml(output)}</${action}Result><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`,
    };
  } catch (e) {
    const err = e as FakeAwsError;
    return {
      status: err.status ?? 500,
      type: "text/xml",
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>${err.name}</Code><Message>${xmlEscape(err.message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
    };
  }
}

function jsonReply(fake: FakeAws, accountId: string, target: string, body: string, answer: Answer): Reply {
  const operation = target.split(".").pop() ?? "";
  try {
    return { status: 200, type: "application/x-amz-json-1.1", body: JSON.stringify(toJson(answer(fake, accountId, operation, body ? JSON.parse(body) : {}))) };
  } catch (e) {
    const err = e as FakeAwsError;
    return { status: err.status ?? 500, type: "application/x-amz-json-1.1", body: JSON.stringify({ __type: err.name, message: err.message }) };
  }
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

export interface FakeAwsServer {
  readonly url: string;
  /** "<service> <operation>" of every request, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFakeAwsServer(fake: FakeAws, options: ServerOptions = {}): Promise<FakeAwsServer> {
  const requests: string[] = [];
  const answer = options.answer ?? fakeAnswer;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const control = /^\/__fake\/(.+)$/.exec(req.url ?? "");
      if (control && options.control) {
        options.control(control[1], body ? JSON.parse(body) : undefined);
        res.writeHead(204);
        res.end();
        return;
      }
      const auth = /Credential=([^/]+)\/\d+\/[^/]+\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? "");
      const accountId = auth?.[1].replace(/^FAKE/, "") ?? "";
      const service = auth?.[2] ?? "";
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      let reply: Reply;
      const target = req.headers["x-amz-target"];
      if (service === "iam" || service === "sts") {
        const params = new URLSearchParams(body);
        requests.push(`${service} ${params.get("Action")}`);
        reply = queryReply(service, fake, accountId, params, answer);
      } else if (typeof target === "string") {
        requests.push(`${service} ${target.split(".").pop()}`);
        reply = jsonReply(fake, accountId, target, body, answer);
      } else if (service === "s3") {
        reply = s3Reply(fake, accountId, url, answer);
        requests.push(`s3 ${req.method} ${url.search}`);
      } else {
        reply = { status: 400, type: "text/plain", body: `the fake does not speak to ${service}` };
      }
      res.writeHead(reply.status, { "content-type": reply.type, "x-amzn-requestid": "fake", "x-amz-request-id": "fake" });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
