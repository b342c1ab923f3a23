import { IamRole, IamRolePolicy } from "../lib/aws";
import { Construct } from "../lib/cdktf";
import { ARTIFACT_BUCKET_READ, ARTIFACT_OBJECTS_READ_WRITE, KMS_USE, STS_ASSUME_ROLE } from "../lib/perms";
import { policyDocument, servicePrincipal, type Statement } from "../lib/policy";

export interface PipelineServiceRoleProps {
  readonly roleName: string;
  /** This pipeline's source-access role in the source account, and no other. */
  readonly sourceAccessRoleArn: string;
  readonly artifactBucketArn: string;
  /** The key prefix of this pipeline's artifacts in the bucket. */
  readonly artifactPrefix: string;
  readonly artifactKeyArn: string;
  /** What the pipeline's later stages need (none for a manual approval). */
  readonly stageStatements?: readonly Statement[];
}

/** The role CodePipeline runs one pipeline as, in the pipeline account. */
export class PipelineServiceRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: PipelineServiceRoleProps) {
    super(scope, id);

    const trust = policyDocument(this, "trust-policy", [
      {
        // No condition key, as in the CodePipeline User Guide's service role ("Create the
        // CodePipeline service role"): no AWS page says CodePipeline sends aws:SourceAccount when it
        // assumes its service role, and if it did not, every CreatePipeline would fail. A role
        // cannot be passed to another account's pipeline (iam:PassRole works within an account).
        sid: "CodePipelineAssumes",
        actions: STS_ASSUME_ROLE,
        principals: [servicePrincipal("codepipeline.amazonaws.com")],
      },
    ]);
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: "Service role of one CodePipeline pipeline",
      assumeRolePolicy: trust.json,
    });

    const permissions = policyDocument(this, "permissions-policy", [
      {
        sid: "AssumeOwnSourceAccessRole",
        actions: STS_ASSUME_ROLE,
        resources: [props.sourceAccessRoleArn],
      },
      {
        sid: "ReadWriteOwnArtifacts",
        actions: ARTIFACT_OBJECTS_READ_WRITE,
        resources: [`${props.artifactBucketArn}/${props.artifactPrefix}/*`],
      },
      {
        sid: "ReadArtifactBucket",
        actions: ARTIFACT_BUCKET_READ,
        resources: [props.artifactBucketArn],
      },
      {
        sid: "UseArtifactKey",
        actions: KMS_USE,
        resources: [props.artifactKeyArn],
      },
      ...(props.stageStatements ?? []),
    ]);
    this.policy = new IamRolePolicy(this, "permissions", {
      name: "pipeline",
      role: this.role.name,
      policy: permissions.json,
    });
  }
}
