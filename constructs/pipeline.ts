import { Codepipeline } from "../lib/aws";
import { Construct } from "../lib/cdktf";

/** The Source stage's output: the ECR action's `imageDetail.json` (URI and digest of the image). */
export const SOURCE_ARTIFACT = "image";

export interface PipelineProps {
  readonly name: string;
  readonly serviceRoleArn: string;
  readonly artifactBucketName: string;
  readonly artifactKeyArn: string;
  /** The source-access role in the source account; the ECR action runs as it. */
  readonly sourceAccessRoleArn: string;
  readonly repositoryName: string;
  readonly imageTag: string;
  /** Resources that must exist before CodePipeline checks the pipeline (its roles' policies, the store). */
  readonly dependsOn: ConstructorParameters<typeof Codepipeline>[2]["dependsOn"];
}

/**
 * A two-stage pipeline: an ECR source action that reads the repository in the source account by
 * assuming the source-access role there, and a manual approval.
 */
export class Pipeline extends Construct {
  readonly pipeline: Codepipeline;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    this.pipeline = new Codepipeline(this, "pipeline", {
      name: props.name,
      roleArn: props.serviceRoleArn,
      pipelineType: "V2",
      artifactStore: [
        {
          type: "S3",
          location: props.artifactBucketName,
          // The customer-managed key: the account's default S3 key cannot be used from another account.
          encryptionKey: { id: props.artifactKeyArn, type: "KMS" },
        },
      ],
      stage: [
        {
          name: "Source",
          action: [
            {
              name: "Image",
              category: "Source",
              owner: "AWS",
              provider: "ECR",
              version: "1",
              // The repository is in another account: the action calls ECR as this role, there.
              roleArn: props.sourceAccessRoleArn,
              configuration: { RepositoryName: props.repositoryName, ImageTag: props.imageTag },
              outputArtifacts: [SOURCE_ARTIFACT],
            },
          ],
        },
        {
          name: "Approve",
          action: [{ name: "Approve", category: "Approval", owner: "AWS", provider: "Manual", version: "1" }],
        },
      ],
      dependsOn: props.dependsOn,
    });
  }
}
