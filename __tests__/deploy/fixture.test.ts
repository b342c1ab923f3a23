/**
 * Preflight's tests read the example's first deployment as Terraform planned it
 * (test-support/preflight/first-deploy.json); planning takes Terraform and seconds, so here, in the
 * unit suite, the fixture is held against the synthesized stacks: the same resources, and the same
 * names wherever the stack gives a name as it is. When this fails, regenerate it:
 *   node -r ./scripts/register.js test-support/preflight/write-fixture.ts
 */
import { config } from "../../test-support/config";
import { FIRST_DEPLOY_STACKS } from "../../test-support/preflight/plans";
import { synthApp, type Synth } from "../../test-support/synth";

const { source, pipelines } = synthApp(config());
const synthesized: Record<string, Synth> = { "source-account": source, ...pipelines };
const fixture = FIRST_DEPLOY_STACKS();

describe("the planned first deployment of the example", () => {
  it.each(fixture.map((s) => [s.stack, s]))("%s: creates every resource of the stack, and nothing else", (stack, s) => {
    const addresses = Object.entries(synthesized[stack].json.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
    expect((s.plan.resource_changes ?? []).map((c) => `${c.change.actions.join(",")} ${c.address}`).sort()).toEqual(addresses.map((a) => `create ${a}`).sort());
  });

  it.each(fixture.map((s) => [s.stack, s]))("%s: every name the stack gives as it is, the plan gives too", (stack, s) => {
    const names = ["name", "bucket", "event_bus_name", "role", "repository"];
    let compared = 0;
    for (const c of s.plan.resource_changes ?? []) {
      const [type, name] = c.address.split(".");
      const block = synthesized[stack].json.resource?.[type]?.[name] ?? {};
      for (const attribute of names) {
        const given = block[attribute];
        if (typeof given !== "string" || given.includes("${")) continue;
        expect(`${c.address}.${attribute} = ${(c.change.after as Record<string, unknown>)[attribute]}`).toBe(`${c.address}.${attribute} = ${given}`);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(5);
  });
});
