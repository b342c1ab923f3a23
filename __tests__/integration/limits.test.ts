/**
 * AWS's limits, checked on the synthesized stacks of large configs (stacks/limits.ts): the first
 * limit an account reaches is refused with its numbers, and docs/config.md's table gives the figure.
 */
import { sampleConfig, measureConfig } from "../../stacks/capacity";
import { checkLimits, LimitError } from "../../stacks/limits";
import { buildApp } from "../../stacks/app";
import { blockContent } from "../../scripts/doc-blocks";
import { PATHS } from "../../test-support/synth";
import type { Config } from "../../config/schema";

function problems(config: Config): readonly string[] {
  const { source, pipelines } = buildApp(config, PATHS);
  try {
    checkLimits(config, [source, ...pipelines].map((s) => ({ stack: s.node.id, json: s.toTerraform() })), "big.json");
  } catch (e) {
    if (e instanceof LimitError) return e.problems;
    throw e;
  }
  return [];
}

describe("a pipeline account with the longest names", () => {
  it("refuses 55 pipelines: the bucket policy and the shared execution role's policy would be over AWS's limits, with the sizes and what to do", () => {
    expect(problems(sampleConfig(55, "longest"))).toEqual([
      "pipeline-account: the policy of bucket abcdefghijkl-artifacts-222222222222-ap-northeast-1 would be 23,448 bytes; AWS allows 20,480 (Amazon S3 User Guide, \"Bucket policies for Amazon S3\"): it has one statement per pipeline of the account: move pipelines to another pipeline account or project, or shorten pipeline names",
      "pipeline-account: the inline policies of role task-execution would be 17,343 characters; AWS allows 10,240 (IAM User Guide, \"IAM and AWS STS quotas\"): the role's inline policies list every repository it may pull from: give the ECS services separate task execution roles",
    ]);
  });

  it("holds as many as docs/config.md's table says before the bucket policy's limit, and refuses one more", () => {
    const row = blockContent("limits-table")
      .split("\n")
      .find((line) => line.includes("artifact bucket policy"))!;
    const fits = Number(/\| (\d+) \(/.exec(row)![1]);
    const bucket = (n: number) => measureConfig(sampleConfig(n, "longest")).find((m) => m.measure.limit === "bucketPolicy")!.measure.size;
    expect(bucket(fits)).toBeLessThanOrEqual(20480);
    expect(bucket(fits + 1)).toBeGreaterThan(20480);
  });
});
