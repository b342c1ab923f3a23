import { IamRole, IamRolePolicy } from "../lib/aws";
import { Construct } from "../lib/cdktf";
import { ARTIFACT_OBJECT_WRITE, ECR_SOURCE_ACTION, KMS_FOR_S3_UPLOADS, STS_ASSUME_ROLE } from "../lib/perms";
import { accountPrincipal, throughS3, policyDocument, principalArnIs } from "../lib/policy";

export interface SourceAccessRoleProps {
  readonly roleName: string;
  readonly pipelineAccountId: string;
  /**
   * The one principal that may assume this role: its pipeline's service role in the pipeline
   * account. Built from the naming module, since that role does not exist yet when this is deployed.
   */
  readonly pipelineServiceRoleArn: string;
  /** The repository this pipeline's source action reads; no other. */
  readonly repositoryArn: string;
  readonly artifactBucketArn: string;
  /** The key prefix of this pipeline's artifacts in the bucket (CodePipeline's truncated pipeline name). */
  readonly artifactPrefix: string;
  /**
   * `arn:aws:kms:<region>:<pipeline account>:key/*`: the key's id is unknown until the pipeline
   * account is deployed. Narrowed to S3's use of the key.
   */
  readonly artifactKeyArnPattern: string;
  readonly region: string;
}

/**
 * The role in the source account that a pipeline's ECR source action runs as (the action-level
 * `role_arn`). It describes the repository and writes the source artifact into the pipeline
 * account's bucket, encrypted with the pipeline account's key, in one part or several; it reads
 * nothing back.
 */
export class SourceAccessRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: SourceAccessRoleProps) {
    super(scope, id);

    const trust = policyDocument(this, "trust-policy", [
      {
        sid: "PipelineServiceRoleAssumes",
        actions: STS_ASSUME_ROLE,
        principals: [accountPrincipal(props.pipelineAccountId)],
        conditions: [principalArnIs([props.pipelineServiceRoleArn])],
      },
    ]);
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: "Assumed by one CodePipeline ECR source action in the pipeline account",
      assumeRolePolicy: trust.json,
    });

    const permissions = policyDocument(this, "permissions-policy", [
      {
        sid: "DescribeOwnRepository",
        actions: ECR_SOURCE_ACTION,
        resources: [props.repositoryArn],
      },
      {
        sid: "WriteOwnArtifacts",
        actions: ARTIFACT_OBJECT_WRITE,
        resources: [`${props.artifactBucketArn}/${props.artifactPrefix}/*`],
      },
      {
        // The wildcard is the key id, which the pipeline account creates after this role exists:
        // keys of the pipeline account, used by S3 only, and the key's own policy (another
        // account's) must also name this role. Not narrowed by the key's alias
        // (kms:ResourceAliases): a new alias takes up to five minutes to count in authorization
        // (AWS KMS Developer Guide, "Use aliases to control access to KMS keys"), which would deny
        // the pipeline's first run, started seconds after the pipeline account is deployed.
        sid: "EncryptOwnArtifacts",
        actions: KMS_FOR_S3_UPLOADS,
        resources: [props.artifactKeyArnPattern],
        conditions: [throughS3(props.region)],
      },
    ]);
    new IamRolePolicy(this, "permissions", {
      name: "source-access",
      role: this.role.name,
      policy: permissions.json,
    });
  }
}
