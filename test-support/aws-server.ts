/**
 * A local HTTP server on 127.0.0.1 that speaks AWS's wire protocols, for process tests that run the
 * real SDK (through AWS_ENDPOINT_URL_<SERVICE>) or the AWS provider (AWS_ENDPOINT_URL): IAM and STS
 * the query protocol (form-encoded in, XML out, lists as `member`, maps as `entry`/`key`/`value`),
 * ECR, KMS, CodePipeline, EventBridge, CodeBuild, CloudWatch Logs and Service Quotas JSON 1.1
 * (operation in X-Amz-Target), S3 REST (the fake's own `s3` handler). The account is the one whose
 * access key signed the request: access key "FAKE<account id>"; STS AssumeRole hands out such a
 * key for the role's account. What each call answers is the caller's (doctor's fake accounts,
 * preflight's); a thrown FakeAwsError becomes the service's error shape.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { FakeAwsError } from "./doctor/fake-aws";

export function accessKeyFor(accountId: string): string {
  return `FAKE${accountId}`;
}

/** A call's answer: the SDK-shaped output of `operation` in `accountId`, or a thrown FakeAwsError. */
export type Answer = (accountId: string, operation: string, input: Record<string, unknown>) => unknown;

export interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

export interface AwsServerOptions {
  readonly answer: Answer;
  /** S3's REST requests: the fake's own, since each answers other calls of it. */
  readonly s3: (accountId: string, method: string, url: URL) => Reply;
  /** Requests to /__fake/<path> (POST, a JSON body): a test's stand-in telling the fake what it did. */
  readonly control?: (path: string, body: unknown) => void;
  /** How AssumeRole names its session in AssumedRoleId. */
  readonly session?: string;
}

export interface AwsServer {
  readonly url: string;
  /** "<service> <operation>" of every request, in order (S3: the fake's own line). */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Query-protocol outputs that are maps, not structures. */
const MAPS = new Set(["SummaryMap"]);

export function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** An SDK-shaped output as query-protocol XML: lists as <member> items, maps as entries. */
export function toXml(value: unknown, key?: string): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join("");
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (key && MAPS.has(key)) return entries.map(([k, v]) => `<entry><key>${xmlEscape(k)}</key><value>${toXml(v)}</value></entry>`).join("");
    return entries.map(([k, v]) => `<${k}>${toXml(v, k)}</${k}>`).join("");
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

function queryReply(service: string, accountId: string, params: URLSearchParams, options: AwsServerOptions): Reply {
  const action = params.get("Action") ?? "";
  const input = queryInput(params);
  try {
    let output: unknown;
    if (action === "AssumeRole") {
      const roleAccount = String(input.RoleArn).split(":")[4];
      output = {
        Credentials: { AccessKeyId: accessKeyFor(roleAccount), SecretAccessKey: "fake-secret", SessionToken: "fake-session", Expiration: new Date(Date.now() + 3_600_000) },
        AssumedRoleUser: { Arn: `${input.RoleArn}/${input.RoleSessionName}`, AssumedRoleId: `AROAFAKE:${options.session ?? "session"}` },
      };
    } else {
      output = options.answer(accountId, action, input);
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

function jsonReply(accountId: string, target: string, body: string, answer: Answer): Reply {
  const operation = target.split(".").pop() ?? "";
  try {
    return { status: 200, type: "application/x-amz-json-1.1", body: JSON.stringify(toJson(answer(accountId, operation, body ? JSON.parse(body) : {}))) };
  } catch (e) {
    const err = e as FakeAwsError;
    return { status: err.status ?? 500, type: "application/x-amz-json-1.1", body: JSON.stringify({ __type: err.name, message: err.message }) };
  }
}

export async function startAwsServer(options: AwsServerOptions): Promise<AwsServer> {
  const requests: string[] = [];
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
      const target = req.headers["x-amz-target"];
      let reply: Reply;
      if (service === "iam" || service === "sts") {
        const params = new URLSearchParams(body);
        requests.push(`${service} ${params.get("Action")}`);
        reply = queryReply(service, accountId, params, options);
      } else if (typeof target === "string") {
        requests.push(`${service} ${target.split(".").pop()}`);
        reply = jsonReply(accountId, target, body, options.answer);
      } else if (service === "s3") {
        requests.push(`s3 ${req.method} ${url.pathname}${url.search}`);
        reply = options.s3(accountId, req.method ?? "GET", url);
      } else {
        requests.push(`${service} ${req.method} ${url.pathname}${url.search}`);
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
