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
