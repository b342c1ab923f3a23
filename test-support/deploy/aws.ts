/**
 * The AWS accounts a deploy test talks to, on 127.0.0.1, in two states. Before anything is
 * applied they are preflight's fake world of the example (test-support/preflight: the roles and
 * repository the config adopts, an administrator deploying), answering preflight's read calls.
 * Once a stand-in for `terraform apply` (apply-stand-in.ts) says it applied a stack, they hold
 * that stack's resources as the app renders them (doctor's fake, test-support/doctor), answering
 * doctor's reads. Both answer STS (GetCallerIdentity, AssumeRole). Every write is refused with
 * AccessDenied and logged: Terraform's real apply fails on its first call.
 *
 * One endpoint (AWS_ENDPOINT_URL) routes each call: reads (STS included) to preflight's server
 * until a stack is applied, then to doctor's; writes to doctor's, which refuses them.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { stackAccount } from "../../config/accounts";
import type { Config } from "../../config/schema";
import type { RenderedStack } from "../../terraform/render";
import { account, answer, FakeAwsError, fakeAwsFromRendered, type FakeAws } from "../doctor/fake-aws";
import { startFakeAwsServer } from "../doctor/server";
import { exampleWorld } from "../preflight/fake";
import { startPreflightServer } from "../preflight/server";

/** Calls that change nothing: what a plan, preflight and doctor may make. Anything else is a write. */
const READ = /^(Get|List|Describe|BatchGet|Head|Simulate|AssumeRole$)/;

/** The operation a request calls: IAM and STS name it in the form, JSON services in X-Amz-Target, S3 by method. */
function operationOf(req: http.IncomingMessage, body: string, service: string): string {
  if (service === "iam" || service === "sts") return new URLSearchParams(body).get("Action") ?? "";
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop() ?? "";
  return req.method === "HEAD" ? "HeadBucket" : req.method === "GET" ? "GetBucket" : `${req.method}Bucket`;
}

function forward(to: string, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
  const out = http.request(`${to}${req.url ?? "/"}`, { method: req.method, headers: req.headers }, (reply) => {
    res.writeHead(reply.statusCode ?? 500, reply.headers);
    reply.pipe(res);
  });
  out.on("error", (e) => {
    res.writeHead(502);
    res.end(String(e));
  });
  out.end(body);
}

export interface DeployAws {
  readonly fake: FakeAws;
  /** The endpoint, and "<service> <operation>" of every call made to it, in order. */
  readonly server: { readonly url: string; readonly requests: string[]; close(): Promise<void> };
  /** "<account> <operation>" of every write attempted (all refused), in order. */
  readonly writes: string[];
  /** The stacks the stand-in applied, in order. */
  readonly applied: string[];
  /** Back to nothing deployed: no resources, no writes, no stand-in applies, no requests. */
  reset(): void;
}

/** The accounts of `config` with nothing deployed; `rendered`: what the stand-in's applies put in them. */
export async function startDeployAws(config: Config, rendered: readonly RenderedStack[]): Promise<DeployAws> {
  const fake: FakeAws = new Map();
  const writes: string[] = [];
  const applied: string[] = [];
  const empty = () => {
    fake.clear();
    for (const accountId of new Set(rendered.map((r) => stackAccount(config, r.stack)))) account(fake, accountId, config.region);
  };
  empty();
  const preflightWorld = await startPreflightServer(exampleWorld(config.region));
  const doctorWorld = await startFakeAwsServer(fake, {
    answer: (f, accountId, operation, input) => {
      if (READ.test(operation)) return answer(f, accountId, operation, input);
      writes.push(`${accountId} ${operation}`);
      throw new FakeAwsError("AccessDenied", `User: arn:aws:sts::${accountId}:assumed-role/deployer/test is not authorized to perform: ${operation}`, 403);
    },
    control: (what, body) => {
      if (what !== "applied") throw new Error(`unknown control ${what}`);
      const { stack } = body as { stack: string };
      applied.push(stack);
      // The stack's resources, as a real apply would leave them (the other stacks' are kept).
      for (const [accountId, deployed] of fakeAwsFromRendered(config, rendered.filter((r) => r.stack === stack))) {
        const target = account(fake, accountId, config.region) as unknown as Record<string, unknown>;
        for (const [key, value] of Object.entries(deployed)) {
          if (value instanceof Map) for (const [k, v] of value) (target[key] as Map<unknown, unknown>).set(k, v);
        }
      }
    },
  });
  const requests: string[] = [];
  const front = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const service = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      const operation = operationOf(req, body.toString("utf8"), service);
      if (service) requests.push(`${service} ${operation}`);
      const read = service === "sts" || READ.test(operation);
      forward(read && applied.length === 0 ? preflightWorld.url : doctorWorld.url, req, body, res);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  const server = {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await Promise.all([preflightWorld.close(), doctorWorld.close()]);
    },
  };
  return {
    fake,
    server,
    writes,
    applied,
    reset: () => {
      empty();
      writes.length = 0;
      applied.length = 0;
      requests.length = 0;
    },
  };
}
