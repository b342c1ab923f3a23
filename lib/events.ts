/**
 * The EventBridge pattern for "an image was pushed to this repository", as ECR emits it in the
 * account that owns the repository:
 *
 *   { "source": "aws.ecr", "detail-type": "ECR Image Action", "account": "<owner>",
 *     "resources": [],
 *     "detail": { "action-type": "PUSH", "result": "SUCCESS", "repository-name": "web",
 *                 "image-tag": "latest", "image-digest": "sha256:..." } }
 *
 * ECR push events carry no `resources`, so the pattern must not filter on them.
 */
export interface EcrPushPatternProps {
  readonly repositoryName: string;
  /** Undefined matches a push of any tag. */
  readonly imageTag?: string;
  /** Only events from this account; set on the receiving side, where other accounts may send too. */
  readonly fromAccount?: string;
}

export function ecrPushPattern(props: EcrPushPatternProps): Record<string, unknown> {
  return {
    ...(props.fromAccount && { account: [props.fromAccount] }),
    source: ["aws.ecr"],
    "detail-type": ["ECR Image Action"],
    detail: {
      "action-type": ["PUSH"],
      result: ["SUCCESS"],
      "repository-name": [props.repositoryName],
      ...(props.imageTag !== undefined && { "image-tag": [props.imageTag] }),
    },
  };
}

/** A push that a forwarding rule matches: a repository, and its tag or any tag. */
export interface WatchedPush {
  readonly repositoryName: string;
  /** Undefined matches a push of any tag. */
  readonly imageTag?: string;
}

/**
 * EventBridge's limit on an event pattern, in characters (Amazon EventBridge User Guide, "Amazon
 * EventBridge quotas": "Event pattern size", default 2,048).
 */
export const EVENT_PATTERN_LIMIT = 2048;

/**
 * The pattern for a push of any of `pushes`. Repositories that wait for the same tag share a
 * clause; different tags are alternatives under `$or` ("Or matching", Amazon EventBridge User
 * Guide, "Content filtering in Amazon EventBridge event patterns"), so a push of repository R with
 * tag T matches only if one pipeline waits for R with T (or with any tag).
 */
export function ecrPushesPattern(pushes: readonly WatchedPush[]): Record<string, unknown> {
  const byTag = new Map<string, string[]>();
  for (const p of pushes) {
    const tag = p.imageTag ?? "";
    byTag.set(tag, [...(byTag.get(tag) ?? []), p.repositoryName]);
  }
  const clauses = [...byTag]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([tag, repositories]) => ({
      "repository-name": [...new Set(repositories)].sort(),
      ...(tag !== "" && { "image-tag": [tag] }),
    }));
  return {
    source: ["aws.ecr"],
    "detail-type": ["ECR Image Action"],
    detail: { "action-type": ["PUSH"], result: ["SUCCESS"], ...(clauses.length === 1 ? clauses[0] : { $or: clauses }) },
  };
}

/**
 * `pushes` in as few groups as have patterns within EventBridge's limit: repositories in name
 * order, a new group started when the next one would not fit. One group for any realistic set
 * (about 70 repositories of 20 characters); more only for long names.
 */
export function packPushes(pushes: readonly WatchedPush[], limit = EVENT_PATTERN_LIMIT): WatchedPush[][] {
  const sorted = [...pushes].sort((a, b) => (a.repositoryName < b.repositoryName ? -1 : a.repositoryName > b.repositoryName ? 1 : 0));
  const groups: WatchedPush[][] = [];
  let current: WatchedPush[] = [];
  for (const push of sorted) {
    const candidate = [...current, push];
    if (current.length > 0 && JSON.stringify(ecrPushesPattern(candidate)).length > limit) {
      groups.push(current);
      current = [push];
    } else {
      current = candidate;
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The event pattern of each group of `packPushes`, as the JSON a rule takes. */
export function packedPushPatterns(pushes: readonly WatchedPush[], limit = EVENT_PATTERN_LIMIT): string[] {
  return packPushes(pushes, limit).map((group) => JSON.stringify(ecrPushesPattern(group)));
}
