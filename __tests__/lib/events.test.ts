import { ecrPushesPattern, ecrPushPattern, EVENT_PATTERN_LIMIT, packedPushPatterns, packPushes } from "../../lib/events";

/** ECR's documented event for a completed image push (Amazon ECR User Guide, "Amazon ECR events and EventBridge"). */
const documentedPush = {
  version: "0",
  id: "13cde686-328b-6117-af20-0e5566167482",
  "detail-type": "ECR Image Action",
  source: "aws.ecr",
  account: "111111111111",
  time: "2019-11-16T01:54:34Z",
  region: "us-west-2",
  resources: [],
  detail: {
    result: "SUCCESS",
    "repository-name": "web",
    "image-digest": "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234",
    "action-type": "PUSH",
    "image-tag": "latest",
  },
};

/**
 * EventBridge matching for the pattern features used here: every field of the pattern must be
 * present in the event, and a list of values matches when the event's value is one of them.
 */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) return expected.includes(actual);
    return typeof actual === "object" && actual !== null && matches(expected as Record<string, unknown>, actual as Record<string, unknown>);
  });
}

const withDetail = (detail: Record<string, unknown>) => ({ ...documentedPush, detail: { ...documentedPush.detail, ...detail } });

describe("ecrPushPattern", () => {
  const pattern = ecrPushPattern({ repositoryName: "web", imageTag: "latest" });

  it("matches ECR's documented push event for the repository and tag", () => {
    expect(matches(pattern, documentedPush)).toBe(true);
  });

  it("does not filter on resources, which ECR push events leave empty", () => {
    expect(pattern).not.toHaveProperty("resources");
  });

  it.each([
    ["another tag", { "image-tag": "v2" }],
    ["another repository", { "repository-name": "api" }],
    ["a failed push", { result: "FAILURE" }],
    ["a deletion", { "action-type": "DELETE" }],
  ])("ignores %s", (_, detail) => {
    expect(matches(pattern, withDetail(detail))).toBe(false);
  });

  it("matches any tag when no tag is given", () => {
    expect(matches(ecrPushPattern({ repositoryName: "web" }), withDetail({ "image-tag": "v2" }))).toBe(true);
  });

  it("on the receiving side, matches events of the source account only", () => {
    const receiving = ecrPushPattern({ repositoryName: "web", imageTag: "latest", fromAccount: "111111111111" });
    expect(matches(receiving, documentedPush)).toBe(true);
    expect(matches(receiving, { ...documentedPush, account: "333333333333" })).toBe(false);
  });
});

describe("ecrPushesPattern and packPushes", () => {
  it("matches exactly the repositories and tags it lists: one clause per tag under $or", () => {
    const pattern = ecrPushesPattern([
      { repositoryName: "web", imageTag: "main" },
      { repositoryName: "api", imageTag: "main" },
      { repositoryName: "worker" },
    ]);
    expect(pattern.detail).toEqual({
      "action-type": ["PUSH"],
      result: ["SUCCESS"],
      $or: [{ "repository-name": ["worker"] }, { "repository-name": ["api", "web"], "image-tag": ["main"] }],
    });
  });

  it("keeps one repository's pattern as the single-pipeline pattern was", () => {
    expect(ecrPushesPattern([{ repositoryName: "web", imageTag: "latest" }])).toEqual(ecrPushPattern({ repositoryName: "web", imageTag: "latest" }));
  });

  it("packs long names into as few patterns as fit EventBridge's 2,048 characters, every repository in one of them", () => {
    const pushes = Array.from({ length: 20 }, (_, i) => ({ repositoryName: `team-${String(i).padStart(2, "0")}/${"y".repeat(240)}`, imageTag: "main" }));
    const patterns = packedPushPatterns(pushes);
    expect(patterns.length).toBe(3);
    for (const p of patterns) expect(p.length).toBeLessThanOrEqual(EVENT_PATTERN_LIMIT);
    const listed = patterns.flatMap((p) => JSON.parse(p).detail["repository-name"] as string[]);
    expect(listed.sort()).toEqual(pushes.map((p) => p.repositoryName).sort());
    expect(packPushes(pushes).map((g) => g.length)).toEqual([7, 7, 6]);
  });
});
