import { EcrRepository, EcrRepositoryPolicy } from "../lib/aws";
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
  readonly region: string;
  readonly sourceAccountId: string;
  /**
   * The accounts whose principals may pull images (with their own IAM permission to do so): those
   * whose pipelines use this repository, and no other.
   */
  readonly pipelineAccountIds: readonly string[];
}

/** An ECR repository in the source account and its policy, which lets the pipeline accounts pull. */
export class SourceRepository extends Construct {
  readonly repositoryName: string;
  readonly repositoryArn: string;
  readonly repositoryUrl: string;
  readonly repository?: EcrRepository;

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
      this.repositoryName = this.repository.name;
      this.repositoryArn = this.repository.arn;
      this.repositoryUrl = this.repository.repositoryUrl;
    } else {
      this.repositoryName = props.name;
      this.repositoryArn = repositoryArn(props.region, props.sourceAccountId, props.name);
      this.repositoryUrl = repositoryUrl(props.region, props.sourceAccountId, props.name);
    }

    const policy = policyDocument(this, "policy-document", [
      {
        // Whatever runs the image in a pipeline account (an ECS task execution role, say) pulls
        // it from here; that principal also needs the same actions in its own IAM policy.
        sid: "PipelineAccountPull",
        actions: ECR_PULL,
        principals: [accountPrincipal(...props.pipelineAccountIds)],
      },
    ]);
    new EcrRepositoryPolicy(this, "policy", {
      repository: this.repositoryName,
      policy: policy.json,
    });
  }
}
