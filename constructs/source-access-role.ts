import { IamRole, IamRolePolicy } from "../lib/aws";
import { Construct } from "../lib/cdktf";
import { ARTIFACT_OBJECTS_READ_WRITE, ECR_SOURCE_ACTION, KMS_USE, STS_ASSUME_ROLE } from "../lib/perms";
import { accountPrincipal, policyDocument, principalArnIs } from "../lib/policy";

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
  /** `arn:aws:kms:<region>:<pipeline account>:key/*`, narrowed to the artifact key by its alias. */
  readonly artifactKeyArnPattern: string;
  /** The artifact key's alias (`alias/...`): its key id is unknown until the pipeline account is deployed. */
  readonly artifactKeyAlias: string;
}

/**
 * The role in the source account that a pipeline's ECR source action runs as (the action-level
 * `role_arn`). It reads the repository and writes the source artifact into the pipeline account's
 * bucket, encrypted with the pipeline account's key.
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
        sid: "ReadWriteOwnArtifacts",
        actions: ARTIFACT_OBJECTS_READ_WRITE,
        resources: [`${props.artifactBucketArn}/${props.artifactPrefix}/*`],
      },
      {
        // The wildcard is the key id, which the pipeline account creates after this role exists;
        // the alias condition narrows it to the one artifact key, and that key's policy must also
        // name this role (it is in another account).
        sid: "UseArtifactKey",
        actions: KMS_USE,
        resources: [props.artifactKeyArnPattern],
        conditions: [
          { test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: [props.artifactKeyAlias] },
        ],
      },
    ]);
    new IamRolePolicy(this, "permissions", {
      name: "source-access",
      role: this.role.name,
      policy: permissions.json,
    });
  }
}
