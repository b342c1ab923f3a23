import { EcrLifecyclePolicy, EcrRepository, EcrRepositoryPolicy } from "../lib/aws";
import { Construct } from "../lib/cdktf";
import { repositoryArn, repositoryUrl } from "../lib/naming";
import { ECR_PULL } from "../lib/perms";
import { accountPrincipal, policyDocument } from "../lib/policy";

export interface SourceRepositoryProps {
  /** The repository's name in the source account. */
  readonly name: string;
  /**
   * Create the repository (true), or adopt one that already exists (false): then nothing is
   * created or destroyed for it, only its repository policy is managed (and replaces any policy
   * it had). Its ARN and URL follow from account, region and name, so no data source looks it up.
   */
  readonly create: boolean;
  /**
   * For a created repository: untagged images (left behind when a tag moves to a new image)
   * expire this many days after their push; `false` keeps them. Ignored for an adopted one.
   */
  readonly expireUntaggedImagesAfterDays: number | false;
  readonly region: string;
  readonly sourceAccountId: string;
  /**
   * The accounts whose principals may pull images (with their own IAM permission to do so): those
   * whose pipelines use this repository, and no other.
   */
  readonly pipelineAccountIds: readonly string[];
  /**
   * For an adopted repository: its owner's own statements (IAM JSON, each with a Sid), kept in the
   * policy this app manages, since a repository has one policy and ours replaces any other.
   */
  readonly ownerStatements?: readonly Record<string, unknown>[];
}

/** The Sid of this app's statement in a repository policy; an owner's statement may not use it. */
export const PULL_SID = "PipelineAccountPull";

/** An ECR repository in the source account and its policy, which lets the pipeline accounts pull. */
export class SourceRepository extends Construct {
  readonly repositoryName: string;
  readonly repositoryArn: string;
  readonly repositoryUrl: string;
  readonly repository?: EcrRepository;
  readonly lifecycle?: EcrLifecyclePolicy;
  readonly policy: EcrRepositoryPolicy;

  constructor(scope: Construct, id: string, props: SourceRepositoryProps) {
    super(scope, id);

    if (props.create) {
      this.repository = new EcrRepository(this, "repository", {
        name: props.name,
        imageScanningConfiguration: { scanOnPush: true },
        // Mutable, because a pipeline follows a tag such as "latest" that moves from image to image.
        imageTagMutability: "MUTABLE",
        // Never delete a repository that still holds images.
        forceDelete: false,
      });
      if (props.expireUntaggedImagesAfterDays !== false) {
        this.lifecycle = new EcrLifecyclePolicy(this, "lifecycle", {
          repository: this.repository.name,
          policy: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                description: `Expire untagged images ${props.expireUntaggedImagesAfterDays} days after their push`,
                selection: {
                  tagStatus: "untagged",
                  countType: "sinceImagePushed",
                  countUnit: "days",
                  countNumber: props.expireUntaggedImagesAfterDays,
                },
                action: { type: "expire" },
              },
            ],
          }),
        });
      }
      this.repositoryName = this.repository.name;
      this.repositoryArn = this.repository.arn;
      this.repositoryUrl = this.repository.repositoryUrl;
    } else {
      this.repositoryName = props.name;
      this.repositoryArn = repositoryArn(props.region, props.sourceAccountId, props.name);
      this.repositoryUrl = repositoryUrl(props.region, props.sourceAccountId, props.name);
    }

    const owners = props.ownerStatements?.length
      ? [JSON.stringify({ Version: "2012-10-17", Statement: props.ownerStatements })]
      : [];
    const pull = {
      // Whatever runs the image in a pipeline account (an ECS task execution role, say) pulls it
      // from here; that principal also needs the same actions in its own IAM policy.
      sid: PULL_SID,
      actions: ECR_PULL,
      principals: [accountPrincipal(...props.pipelineAccountIds)],
    };
    const policy = policyDocument(this, "policy-document", [pull], owners);
    this.policy = new EcrRepositoryPolicy(this, "policy", {
      repository: this.repositoryName,
      policy: policy.json,
    });
  }
}
