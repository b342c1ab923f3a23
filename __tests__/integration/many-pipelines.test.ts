/**
 * Many pipelines from one config: separate permissions at 50, and construct ids that follow the
 * pipeline's name, not its place in the list.
 */
import { config } from "../../test-support/config";
import { synthApp } from "../../test-support/synth";

describe("many pipelines", () => {
  const names = Array.from({ length: 50 }, (_, i) => `svc-${String(i).padStart(2, "0")}`);
  const many = config((c) => {
    c.pipelines = names.map((name) => ({ name, repository: { name: `team/${name}` } }));
  });
  const { source: s, pipeline: p } = synthApp(many);

  it("keeps every pipeline's permissions to its own repository, prefix and role", () => {
    for (const name of names) {
      const permissions = `${name}/source-access/permissions`;
      expect(s.statement("aws_iam_role_policy", permissions, "WriteOwnArtifacts").resources).toEqual([
        `arn:aws:s3:::demo-artifacts-222222222222-ap-northeast-1/demo-${name}/*`,
      ]);
      expect(p.statement("aws_iam_role_policy", `${name}/service-role/permissions`, "AssumeOwnSourceAccessRole").resources).toEqual([
        `arn:aws:iam::111111111111:role/demo-${name}-source-access`,
      ]);
    }
    expect(Object.keys(p.resources("aws_codepipeline"))).toHaveLength(50);
    expect(Object.keys(p.resources("aws_kms_key"))).toHaveLength(1);
  });

  it("leaves the other pipelines' resource addresses alone when one is removed", () => {
    // Twelve pipelines are enough to show it; two syntheses of fifty would slow the unit suite.
    const some = names.slice(0, 12);
    const withPipelines = (list: string[]) =>
      synthApp(config((c) => (c.pipelines = list.map((name) => ({ name, repository: { name: `team/${name}` } })))));
    const addresses = (out: typeof s) =>
      Object.entries(out.json.resource ?? {}).flatMap(([type, blocks]) => Object.keys(blocks).map((n) => `${type}.${n}`));
    const all = withPipelines(some);
    const fewer = withPipelines(some.slice(1));
    // The first pipeline's scope, or that of its repository (repository_team--<name>), which no other pipeline uses.
    const removed = (a: string) => a.includes(`.${some[0]}_`) || a.includes(`_team--${some[0]}_`);
    expect(addresses(fewer.source)).toEqual(addresses(all.source).filter((a) => !removed(a)));
    expect(addresses(fewer.pipeline)).toEqual(addresses(all.pipeline).filter((a) => !removed(a)));
    expect(addresses(all.pipeline).filter(removed).length).toBeGreaterThan(3);
  });
});
