/**
 * Upgrading a deployed project: every resource of the previous release's stacks either keeps its
 * address, or is moved by a `moved` block to one that manages the same thing, or is retired on
 * purpose (listed below, with why). Nothing that holds data or identity is created anew.
 *
 * __tests__/stacks/addresses/release-0.1.json holds the address and name of every managed resource
 * of both example configs as release 0.1 synthesized them (before addresses were keyed by what a
 * thing is). The moves are followed as Terraform follows them (chains included); an end-to-end
 * test plans one such upgrade with Terraform itself.
 */
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { ROOT } from "../../test-support/config";
import { synthApp, type Synth } from "../../test-support/synth";

type Addresses = Record<string, Record<string, Record<string, string | null>>>;
const before: Addresses = JSON.parse(fs.readFileSync(path.join(__dirname, "addresses", "release-0.1.json"), "utf8"));

/** Types whose destroy or new creation loses data or identity: an upgrade must keep every one. */
const KEPT_TYPES = ["aws_ecr_repository", "aws_ecr_repository_policy", "aws_ecr_lifecycle_policy", "aws_iam_role", "aws_kms_key", "aws_kms_alias", "aws_s3_bucket"];

/**
 * Resources release 0.1 had that are replaced by others on purpose: the forwarding rules of the
 * source account (one per pipeline, now one per pipeline account) and the pull policies of task
 * execution roles (one per pipeline, now one per role). Both are stateless: the new ones are
 * created in the same apply.
 */
const RETIRED = /^(aws_cloudwatch_event_(rule|target)\.push-forwarding_|aws_iam_role_policy\.[\w-]+_ecs-deployment_execution-role-pull_)/;

function name(resource: Record<string, unknown>): string | null {
  const value = resource.name ?? resource.bucket ?? resource.repository ?? resource.role ?? resource.rule ?? null;
  return typeof value === "string" && !value.includes("${") ? value : null;
}

function current(stack: Synth): Map<string, string | null> {
  return new Map(
    Object.entries(stack.json.resource ?? {}).flatMap(([type, resources]) => Object.entries(resources).map(([id, r]) => [`${type}.${id}`, name(r)] as const)),
  );
}

/** Where Terraform takes `address`: along the stack's `moved` blocks, chains included. */
function movedTo(stack: Synth, address: string): string {
  const moves = new Map((stack.json.moved ?? []).map((m) => [m.from, m.to]));
  let at = address;
  for (let hops = 0; moves.has(at); hops++) {
    if (hops > moves.size) throw new Error(`moved blocks loop at ${at}`);
    at = moves.get(at)!;
  }
  return at;
}

describe.each(Object.keys(before))("upgrading a deployed project of %s from release 0.1", (file) => {
  const { source, pipelines } = synthApp(loadConfig(path.join(ROOT, file)));
  const stacks: Record<string, Synth> = { "source-account": source, ...pipelines };

  it.each(Object.keys(before[file]))("keeps or moves every resource of %s to one with its name, or retires it on purpose", (stack) => {
    const now = current(stacks[stack]);
    const lost = Object.entries(before[file][stack])
      .filter(([address]) => !RETIRED.test(address))
      .map(([address, was]) => ({ address, to: movedTo(stacks[stack], address), was }))
      .filter(({ to, was }) => !now.has(to) || now.get(to) !== was);
    expect(lost).toEqual([]);
  });

  it.each(Object.keys(before[file]))("creates no repository, repository policy, role, key or bucket in %s that release 0.1 did not have", (stack) => {
    const reached = new Set(Object.keys(before[file][stack]).map((address) => movedTo(stacks[stack], address)));
    const created = [...current(stacks[stack]).keys()].filter((address) => KEPT_TYPES.includes(address.split(".")[0]) && !reached.has(address));
    expect(created).toEqual([]);
  });
});
