/**
 * The fake accounts doctor's tests run against come from rendered-example.json, the example stacks
 * as Terraform rendered them. Rendering takes Terraform and seconds, so here, in the unit suite, the
 * fixture is held against the synthesized stacks: every policy it holds has the statements (Sids
 * and actions) that the policy document the stack attaches has now. (The Terraform check,
 * __tests__/e2e/terraform.test.ts, compares it statement by statement with a fresh render, as
 * doctor's drift does.) When this fails, regenerate it:
 *   node -r ./scripts/register.js test-support/doctor/write-fixture.ts
 */
import { config } from "../../test-support/config";
import { renderedExample } from "../../test-support/doctor/fake-aws";
import { synthApp, type Synth } from "../../test-support/synth";

const { source, pipelines } = synthApp(config());
const synthesized: Record<string, Synth> = { "source-account": source, ...pipelines };

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]).sort();

describe("the rendered fixture of the example stacks", () => {
  const policies = renderedExample().flatMap(({ stack, resources }) =>
    resources.flatMap((r) =>
      (["policy", "assume_role_policy"] as const)
        .filter((attribute) => typeof r.values[attribute] === "string")
        .map((attribute) => ({ stack, address: r.address, attribute, text: r.values[attribute] as string })),
    ),
  );

  it("holds every policy of the stacks", () => {
    expect(policies.length).toBeGreaterThan(15);
  });

  it.each(policies.map((p) => [`${p.stack} ${p.address}.${p.attribute}`, p]))("%s matches the synthesized document", (_, p) => {
    const [type, name] = p.address.split(".");
    const reference = String(synthesized[p.stack].json.resource?.[type]?.[name]?.[p.attribute]);
    const document = /data\.aws_iam_policy_document\.([^.]+)\./.exec(reference)?.[1];
    expect(document).toBeDefined();
    const data = synthesized[p.stack].json.data?.aws_iam_policy_document?.[document!] as {
      statement: { sid: string; actions: string[] }[];
      source_policy_documents?: string[];
    };
    // Statements merged in from source documents (an adopted repository's owner's) come first.
    const merged = (data.source_policy_documents ?? []).flatMap((d) =>
      (JSON.parse(d).Statement as { Sid: string; Action: unknown }[]).map((s) => [s.Sid, list(s.Action)]),
    );
    const rendered = (JSON.parse(p.text).Statement as { Sid: string; Action: unknown }[]).map((s) => [s.Sid, list(s.Action)]);
    expect(rendered).toEqual([...merged, ...data.statement.map((s) => [s.sid, list(s.actions)])]);
  });
});
