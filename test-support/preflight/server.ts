/**
 * A local HTTP server on 127.0.0.1 answering the calls preflight makes, on the wire, from a
 * FakeWorld: IAM and STS speak the query protocol (form-encoded in, XML out, lists as `member`,
 * maps as `entry`/`key`/`value`), ECR, KMS, CodePipeline, EventBridge, CodeBuild, CloudWatch Logs
 * and Service Quotas JSON 1.1 (operation in X-Amz-Target), S3's HeadBucket a bare status. The
 * account is the one whose access key signed the request: access key "FAKE<account id>" (doctor's
 * server's convention); STS AssumeRole hands out such a key for the role's account. Its own file,
 * not doctor's server: the two fakes answer different calls and grow apart.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { accessKeyFor } from "../doctor/server";
import { FakeAwsError } from "../doctor/fake-aws";
import { type FakeWorld, preflightAnswer } from "./fake";

/** The SDK's AWS_ENDPOINT_URL_<SERVICE> names of the services preflight calls. */
export const PREFLIGHT_SERVICES = ["IAM", "STS", "ECR", "KMS", "S3", "CODEPIPELINE", "EVENTBRIDGE", "CODEBUILD", "CLOUDWATCH_LOGS", "SERVICE_QUOTAS"];

/** Query-protocol outputs that are maps, not structures. */
const MAPS = new Set(["SummaryMap"]);

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function toXml(value: unknown, key?: string): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join("");
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (key && MAPS.has(key)) return entries.map(([k, v]) => `<entry><key>${xmlEscape(k)}</key><value>${toXml(v)}</value></entry>`).join("");
    return entries.map(([k, v]) => `<${k}>${toXml(v, k)}</${k}>`).join("");
  }
  return xmlEscape(String(value));
}

function toJson(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

/** Form parameters as the SDK input: `ActionNames.member.2` is the second of the list ActionNames. */
function queryInput(params: URLSearchParams): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [k, v] of params) {
    if (k === "Action" || k === "Version") continue;
    const list = /^(\w+)\.member\.(\d+)$/.exec(k);
    if (list) ((input[list[1]] ??= []) as string[])[Number(list[2]) - 1] = v;
    else input[k] = v;
  }
  return input;
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

function queryReply(service: string, world: FakeWorld, accountId: string, params: URLSearchParams): Reply {
  const action = params.get("Action") ?? "";
  const input = queryInput(params);
  try {
    let output: Record<string, unknown>;
    if (action === "AssumeRole") {
      if (!world.accounts.has(accountId)) throw new FakeAwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
      const roleAccount = String(input.RoleArn).split(":")[4];
      output = {
        Credentials: { AccessKeyId: accessKeyFor(roleAccount), SecretAccessKey: "fake-secret", SessionToken: "fake-session", Expiration: new Date(Date.now() + 3_600_000) },
        AssumedRoleUser: { Arn: `${input.RoleArn}/${input.RoleSessionName}`, AssumedRoleId: "AROAFAKE:session" },
      };
    } else {
      output = preflightAnswer(world, accountId, action, input);
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

function jsonReply(world: FakeWorld, accountId: string, target: string, body: string): Reply {
  const operation = target.split(".").pop() ?? "";
  try {
    return { status: 200, type: "application/x-amz-json-1.1", body: JSON.stringify(toJson(preflightAnswer(world, accountId, operation, body ? JSON.parse(body) : {}))) };
  } catch (e) {
    const err = e as FakeAwsError;
    return { status: err.status ?? 500, type: "application/x-amz-json-1.1", body: JSON.stringify({ __type: err.name, message: err.message }) };
  }
}

function headBucketReply(world: FakeWorld, accountId: string, url: URL): Reply {
  try {
    preflightAnswer(world, accountId, "HeadBucket", { Bucket: decodeURIComponent(url.pathname.split("/")[1] ?? "") });
    return { status: 200, type: "application/xml", body: "" };
  } catch (e) {
    return { status: (e as FakeAwsError).status ?? 500, type: "application/xml", body: "" };
  }
}

export interface PreflightServer {
  readonly url: string;
  /** "<service> <operation>" of every request, in order (S3: "s3 <method> <path>"). */
  readonly requests: string[];
  /** The env that points the SDK's clients at this server. */
  readonly endpoints: Record<string, string>;
  close(): Promise<void>;
}

export async function startPreflightServer(world: FakeWorld): Promise<PreflightServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const auth = /Credential=([^/]+)\/\d+\/[^/]+\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? "");
      const accountId = auth?.[1].replace(/^FAKE/, "") ?? "";
      const service = auth?.[2] ?? "";
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const target = req.headers["x-amz-target"];
      let reply: Reply;
      if (service === "iam" || service === "sts") {
        const params = new URLSearchParams(body);
        requests.push(`${service} ${params.get("Action")}`);
        reply = queryReply(service, world, accountId, params);
      } else if (typeof target === "string") {
        requests.push(`${service} ${target.split(".").pop()}`);
        reply = jsonReply(world, accountId, target, body);
      } else if (service === "s3" && req.method === "HEAD") {
        requests.push(`s3 HEAD ${url.pathname}`);
        reply = headBucketReply(world, accountId, url);
      } else {
        requests.push(`${service} ${req.method} ${url.pathname}${url.search}`);
        reply = { status: 400, type: "text/plain", body: `the fake does not answer ${req.method} ${url.pathname} for ${service}` };
      }
      res.writeHead(reply.status, { "content-type": reply.type, "x-amzn-requestid": "fake", "x-amz-request-id": "fake" });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    endpoints: Object.fromEntries(PREFLIGHT_SERVICES.map((s) => [`AWS_ENDPOINT_URL_${s}`, url])),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
