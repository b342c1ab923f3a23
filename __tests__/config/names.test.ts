import { parseConfig } from "../../config/load";
import { derivedNames, RESERVED_PIPELINE_NAMES } from "../../config/names";
import type { ConfigInput } from "../../config/schema";
import { statementIdOf } from "../../lib/naming";
import { config, configProblems, exampleInput } from "../../test-support/config";

/** GIVEN the example with these pipelines added (manual, approval), WHEN it is parsed, THEN these are its problems. */
function withPipelines(...names: string[]): readonly string[] {
  const input = exampleInput();
  input.pipelines.push(...names.map((name) => ({ name, repository: { name: `repo-${name}` } })));
  return configProblems(input);
}

describe("names the app derives are unique in their account", () => {
  it('refuses "web-start" next to a pushed "web": both would own the role demo-web-start-pipeline', () => {
    expect(withPipelines("web-start")).toEqual([
      'pipelines[2].name: got "web-start"; expected a name whose AWS names differ from those of pipelines[0] ("web"): the IAM role "demo-web-start-pipeline" in account 222222222222 would be both the start role of pipelines[0] ("web") and the service role of pipelines[2] ("web-start")',
    ]);
  });

  it("checks names in the account where they live: web-start may run in prod while web pushes in staging", () => {
    const input = (where: string) => {
      const c = exampleInput() as ConfigInput & Record<string, unknown>;
      delete c.pipelineAccount;
      c.pipelineAccounts = { prod: { accountId: "333333333333" }, staging: { accountId: "222222222222" } };
      c.pipelines = [
        { name: "web-start", account: where, repository: { name: "other" }, trigger: "manual" },
        { name: "web", account: "staging", repository: { name: "web" } },
        { name: "api", account: "prod", repository: { name: "api" } },
      ];
      return c;
    };
    expect(parseConfig(input("prod"), "test").pipelines).toHaveLength(3);
    // The pipeline named first in the config is the earlier of the two.
    expect(configProblems(input("staging"))).toEqual([
      'pipelines[1].name: got "web"; expected a name whose AWS names differ from those of pipelines[0] ("web-start"): the IAM role "demo-web-start-pipeline" in account 222222222222 would be both the service role of pipelines[0] ("web-start") and the start role of pipelines[1] ("web")',
    ]);
  });

  it("accepts svc-1 and svc1, whose bucket statements once shared the id SourceAccessWritesSvc1", () => {
    expect(() => config((c) => c.pipelines.push({ name: "svc-1", repository: { name: "svc-a" } }, { name: "svc1", repository: { name: "svc-b" } }))).not.toThrow();
    expect(statementIdOf("SourceAccessWrites", "svc-1")).not.toBe(statementIdOf("SourceAccessWrites", "svc1"));
  });

  it.each(RESERVED_PIPELINE_NAMES.map((n) => [n]))("refuses the pipeline name %s, which the stacks use for their own resources", (name) => {
    expect(withPipelines(name)).toEqual([
      `pipelines[2].name: got "${name}"; expected a name other than "aws", "backend", "artifact-store", "event-bus-access", "push-forwarding", "source-account-state" (the stacks name their own resources so)`,
    ]);
  });

  it("refuses a task execution role given by name for one pipeline and by ARN with a path for another", () => {
    const input = exampleInput();
    const deploy = { ...(input.pipelines[0].deploy as object), service: "api", containerName: "api", executionRoleName: "arn:aws:iam::222222222222:role/ecs/demo-web-task-execution" };
    input.pipelines[1].deploy = deploy as (typeof input.pipelines)[number]["deploy"];
    expect(configProblems(input)).toEqual([
      'pipelines[1].deploy.executionRoleName: got "arn:aws:iam::222222222222:role/ecs/demo-web-task-execution"; expected the role demo-web-task-execution as pipelines[0] gives it ("arn:aws:iam::222222222222:role/demo-web-task-execution"): a role has one path, so one ARN',
    ]);
  });

  it("derives, for the example, every name the stacks create with a name", () => {
    const names = derivedNames(config()).map((d) => `${d.account} ${d.namespace}: ${d.name}`);
    expect(names).toEqual([
      "111111111111 IAM role: demo-forward-image-pushes",
      "111111111111 rule on the default bus: demo-image-pushes-to-222222222222",
      "111111111111 IAM role: demo-web-source-access",
      "222222222222 IAM role: demo-web-pipeline",
      "222222222222 pipeline: demo-web",
      "222222222222 bucket policy statement id: SourceAccessWritesWeb",
      "222222222222 IAM role: demo-web-start-pipeline",
      "222222222222 rule on the project's bus: demo-web-image-push",
      "222222222222 IAM role: demo-web-codebuild",
      "222222222222 CodeBuild project: demo-web-imagedefinitions",
      "222222222222 log group: /aws/codebuild/demo-web-imagedefinitions",
      "111111111111 IAM role: demo-api-source-access",
      "222222222222 IAM role: demo-api-pipeline",
      "222222222222 pipeline: demo-api",
      "222222222222 bucket policy statement id: SourceAccessWritesApi",
    ]);
  });
});

describe("statementIdOf", () => {
  it("keeps the ids of names with hyphens before letters, as they were", () => {
    expect(statementIdOf("S", "web")).toBe("SWeb");
    expect(statementIdOf("S", "web-start")).toBe("SWebStart");
    expect(statementIdOf("S", "api-v2")).toBe("SApiV2");
  });

  it("gives every pipeline name its own id: no two of the names of up to 4 characters share one", () => {
    // Every name of 1 to 4 characters over a, z, 1 and "-" that the config accepts.
    const alphabet = ["a", "z", "1", "-"];
    let names = ["a", "z"];
    const all = [...names];
    for (let length = 2; length <= 4; length++) {
      names = names.flatMap((n) => alphabet.map((c) => n + c));
      all.push(...names.filter((n) => !n.endsWith("-")));
    }
    const ids = new Map<string, string>();
    for (const name of all) {
      const id = statementIdOf("", name);
      expect([name, /^[A-Za-z0-9]+$/.test(id)]).toEqual([name, true]);
      expect([name, ids.get(id)]).toEqual([name, undefined]);
      ids.set(id, name);
    }
    expect(ids.size).toBe(all.length);
  });
});
