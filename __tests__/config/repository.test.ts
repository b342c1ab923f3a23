import type { ConfigInput } from "../../config/schema";
import { config, configProblems, exampleInput } from "../../test-support/config";

type Repository = ConfigInput["pipelines"][number]["repository"] & Record<string, unknown>;

/** GIVEN the example with the first pipeline's (created) or second's (adopted) repository changed. */
function problems(change: (created: Repository, adopted: Repository, c: ConfigInput) => void): readonly string[] {
  const input = exampleInput();
  change(input.pipelines[0].repository as Repository, input.pipelines[1].repository as Repository, input);
  return configProblems(input);
}

describe("repository lifecycle and the owner's statements", () => {
  it("defaults artifacts to 90 days and leaves the untagged-image expiry to the stack's default", () => {
    const c = config();
    expect(c.artifactRetentionDays).toBe(90);
    expect(c.pipelines[0].repository.expireUntaggedImagesAfterDays).toBeUndefined();
  });

  it("accepts a number of days or false for untagged images of a created repository", () => {
    expect(config((c) => ((c.pipelines[0].repository as Repository).expireUntaggedImagesAfterDays = false)).pipelines[0].repository.expireUntaggedImagesAfterDays).toBe(false);
    expect(config((c) => ((c.pipelines[0].repository as Repository).expireUntaggedImagesAfterDays = 7)).pipelines[0].repository.expireUntaggedImagesAfterDays).toBe(7);
  });

  it("refuses days that are not a whole number from 1 to 3650", () => {
    const expected =
      "days after which untagged images expire (a lifecycle policy on a repository this app creates): a whole number from 1 to 3650, or false to keep them; default 30";
    expect(problems((created) => (created.expireUntaggedImagesAfterDays = 0))).toEqual([
      `pipelines[0].repository.expireUntaggedImagesAfterDays: got 0; expected ${expected}`,
    ]);
    expect(problems((_, __, c) => ((c as Record<string, unknown>).artifactRetentionDays = 2.5))).toEqual([
      "artifactRetentionDays: got 2.5; expected days after which pipeline artifacts, and replaced versions of them, expire from the artifact bucket: a whole number from 1 to 3650; default 90",
    ]);
  });

  it("refuses an untagged-image expiry for an adopted repository: its lifecycle is its owner's", () => {
    expect(problems((_, adopted) => (adopted.expireUntaggedImagesAfterDays = 10))).toEqual([
      "pipelines[1].repository.expireUntaggedImagesAfterDays: got 10; expected no expireUntaggedImagesAfterDays for an adopted repository (create: false): its lifecycle policy is its owner's",
    ]);
  });

  it("keeps owner statements only for an adopted repository, and never under this app's Sid", () => {
    const statement = { Sid: "Mine", Effect: "Allow" as const, Principal: "*", Action: "ecr:DescribeImages" };
    expect(problems((created) => (created.ownerStatements = [statement]))).toEqual([
      'pipelines[0].repository.ownerStatements: got [{"Sid":"Mine","Effect":"Allow","Principal":"*","Action":"ecr:DescribeImages"}]; expected no ownerStatements for a repository this app creates (create: true): its policy is this app\'s alone',
    ]);
    expect(problems((_, adopted) => (adopted.ownerStatements = [{ ...statement, Sid: "PipelineAccountPull" }]))).toEqual([
      'pipelines[1].repository.ownerStatements[0].Sid: got "PipelineAccountPull"; expected a statement id of 1 to 128 letters and digits, other than "PipelineAccountPull" (this app\'s)',
    ]);
    expect(problems((_, adopted) => (adopted.ownerStatements = [{ Effect: "Allow" } as never]))).toEqual([
      'pipelines[1].repository.ownerStatements[0].Sid: missing; expected a statement id of 1 to 128 letters and digits, other than "PipelineAccountPull" (this app\'s)',
    ]);
  });
});
