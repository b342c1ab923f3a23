/**
 * The access proof on rendered stacks: every request of the permission chain and every request
 * that must be denied (cases.ts), simulated on the policies as Terraform rendered them.
 * `npm run verify:access` runs it on one config; the end-to-end suite on both examples.
 */
import type { Config } from "../config/schema";
import type { RenderedStack } from "../terraform/render";
import { accessCases } from "./cases";
import { evaluate, type Outcome } from "./simulate";
import { buildWorld } from "./world";

export function verifyAccess(config: Config, rendered: readonly RenderedStack[]): Promise<Outcome[]> {
  const world = buildWorld(config, rendered);
  return Promise.all(accessCases(config, world).map((c) => evaluate(world, c)));
}
