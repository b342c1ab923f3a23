import { Codepipeline, type CodepipelineStage } from "../lib/aws";
import { Construct } from "../lib/cdktf";

/** The Source stage's output: the ECR action's `imageDetail.json` (URI and digest of the image). */
export const SOURCE_ARTIFACT = "image";

/** The second stage when the config deploys nothing itself: a manual approval. */
export const APPROVAL_STAGES: CodepipelineStage[] = [
  {
    name: "Approve",
    action: [{ name: "Approve", category: "Approval", owner: "AWS", provider: "Manual", version: "1" }],
  },
];

export interface PipelineProps {
  readonly name: string;
  readonly serviceRoleArn: string;
  readonly artifactBucketName: string;
  readonly artifactKeyArn: string;
  /** The source-access role in the source account; the ECR action runs as it. */
  readonly sourceAccessRoleArn: string;
  readonly repositoryName: string;
  /** Undefined: the action's default, "latest". */
  readonly imageTag?: string;
  /** The stages after Source: a manual approval, or the ECS deployment's Build and Deploy. */
  readonly laterStages: CodepipelineStage[];
  /** Resources that must exist before CodePipeline checks the pipeline (its roles' policies, the store). */
  readonly dependsOn: ConstructorParameters<typeof Codepipeline>[2]["dependsOn"];
}

/**
 * A pipeline whose Source stage is an ECR action that reads the repository in the source account
 * by assuming the source-access role there; later stages approve or deploy.
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
              configuration: {
                RepositoryName: props.repositoryName,
                ...(props.imageTag !== undefined && { ImageTag: props.imageTag }),
              },
              outputArtifacts: [SOURCE_ARTIFACT],
            },
          ],
        },
        ...props.laterStages,
      ],
      dependsOn: props.dependsOn,
    });
  }
}
