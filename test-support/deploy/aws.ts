/**
 * The AWS accounts a deploy test talks to, on the local server of test-support/doctor/server.ts:
 * the config's accounts with nothing deployed, answering STS (GetCallerIdentity, AssumeRole) and
 * the read calls doctor makes, and refusing every write with AccessDenied, each one logged. A
 * stand-in for `terraform apply` (apply-stand-in.ts) tells the server what it "applied", and the
 * accounts then hold that stack's resources as the app renders them, for doctor to read.
 */
import { stackAccount } from "../../config/accounts";
import type { Config } from "../../config/schema";
import type { RenderedStack } from "../../terraform/render";
import { account, answer, FakeAwsError, fakeAwsFromRendered, type FakeAws } from "../doctor/fake-aws";
import { startFakeAwsServer, type FakeAwsServer } from "../doctor/server";

/** Calls that change nothing: what a plan (and doctor) may make. Anything else is a write. */
const READ = /^(Get|List|Describe|AssumeRole$)/;

export interface DeployAws {
  readonly fake: FakeAws;
  readonly server: FakeAwsServer;
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
  const server = await startFakeAwsServer(fake, {
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
  return {
    fake,
    server,
    writes,
    applied,
    reset: () => {
      empty();
      writes.length = 0;
      applied.length = 0;
      server.requests.length = 0;
    },
  };
}
