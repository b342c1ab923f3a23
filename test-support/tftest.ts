/**
 * `terraform test` assertions of the cross-account wiring, for the run block that renders a freshly
 * synthesized stack (terraform/render.ts): generated from the stack's JSON, so they name its real
 * Terraform addresses.
 */
import { type PipelineAccount, pipelineAccountOf } from "../config/accounts";
import { sourceAccessWriteSid } from "../constructs/artifact-store";
import type { Config } from "../config/schema";
import * as naming from "../lib/naming";
import { hcl } from "../terraform/fixtures";
import type { StackDir } from "../terraform/workspace";
import { sourceOutputs } from "../stacks/outputs";
import { Synth } from "./synth";

function assert(condition: string, message: string): string {
  return `  assert {\n    condition     = ${condition}\n    error_message = ${hcl(message)}\n  }\n`;
}

/** HCL for the statement with `sid` of the policy document behind `attribute` of a resource. */
function statementOf(out: Synth, type: string, path: string, sid: string, attribute = "policy"): { doc: string; json: string; statement: string } {
  const reference = String(out.resource(type, path)[attribute]);
  const [, doc, rendered] = /^\$\{(data\.aws_iam_policy_document\.[^.]+)\.((?:minified_)?json)\}$/.exec(reference)!;
  return { doc, json: `${doc}.${rendered}`, statement: `one([for s in ${doc}.statement : s if s.sid == ${hcl(sid)}])` };
}

/** The statement's values for a condition variable; null (and so a failed assertion) when either is missing. */
function conditionValues(statement: string, variable: string): string {
  return `try(toset(one([for c in ${statement}.condition : c.values if c.variable == ${hcl(variable)}])), null)`;
}

function set(values: readonly string[]): string {
  return `toset(${hcl(values)})`;
}

/** The assertions of source-account's run block. */
export function sourceWiringAsserts(config: Config, dir: StackDir): string {
  const out = new Synth(JSON.stringify(dir.json));
  const asserts = config.pipelines.flatMap((p) => {
    const target = pipelineAccountOf(config, p).accountId;
    const ref = { project: config.project, name: p.name };
    const role = out.address("aws_iam_role", `${p.name}/source-access/role`);
    const trust = statementOf(out, "aws_iam_role", `${p.name}/source-access/role`, "PipelineServiceRoleAssumes", "assume_role_policy");
    const serviceRole = naming.roleArn(target, naming.pipelineServiceRoleName(ref));
    return [
      assert(`${role}.assume_role_policy == ${trust.json}`, `${p.name}: the source-access role's trust policy is not its trust document`),
      assert(
        `${conditionValues(trust.statement, "aws:PrincipalArn")} == ${set([serviceRole])}`,
        `${p.name}: the trust policy's aws:PrincipalArn is not the pipeline service role ${serviceRole}`,
      ),
      assert(
        `output.${sourceOutputs.sourceAccessRoleArn(p.name)} == ${role}.arn`,
        `${p.name}: output ${sourceOutputs.sourceAccessRoleArn(p.name)} is not the source-access role's ARN`,
      ),
    ];
  });
  return asserts.join("");
}

/** The assertions of a pipeline account's run block. */
export function pipelineWiringAsserts(config: Config, account: PipelineAccount, dir: StackDir, sourceOutputValues: Record<string, string>): string {
  const out = new Synth(JSON.stringify(dir.json));
  const key = out.address("aws_kms_key", "artifact-store/key");
  const bucketPolicy = out.address("aws_s3_bucket_policy", "artifact-store/bucket-policy");
  const keyGrants = statementOf(out, "aws_kms_key", "artifact-store/key", "GrantsOnlyForAWSResources");
  const bucketPolicyDocument = statementOf(out, "aws_s3_bucket_policy", "artifact-store/bucket-policy", "DenyInsecureTransport");

  const asserts = [
    assert(`${key}.policy == ${keyGrants.json}`, "the key's policy is not the key policy document"),
    assert(
      `${conditionValues(keyGrants.statement, "kms:GrantIsForAWSResource")} == toset(["true"])`,
      "the key policy has no grant statement conditioned on kms:GrantIsForAWSResource = true",
    ),
    assert(`${bucketPolicy}.policy == ${bucketPolicyDocument.json}`, "the bucket's policy is not the bucket policy document"),
    ...account.pipelines.flatMap((p) => {
      const grant = statementOf(out, "aws_s3_bucket_policy", "artifact-store/bucket-policy", sourceAccessWriteSid(p.name));
      const sourceRole = sourceOutputValues[sourceOutputs.sourceAccessRoleArn(p.name)];
      return [
        assert(
          `${conditionValues(grant.statement, "aws:PrincipalArn")} == ${set([sourceRole])}`,
          `${p.name}: the bucket policy's write statement does not admit exactly its source-access role ${sourceRole}`,
        ),
      ];
    }),
    ...account.pipelines.flatMap((p) => {
      const pipeline = out.address("aws_codepipeline", `${p.name}/pipeline/pipeline`);
      const role = sourceOutputValues[sourceOutputs.sourceAccessRoleArn(p.name)];
      const serviceRole = out.address("aws_iam_role", `${p.name}/service-role/role`);
      const ref = { project: config.project, name: p.name };
      return [
        assert(
          `${pipeline}.stage[0].action[0].role_arn == ${hcl(role)}`,
          `${p.name}: the ECR source action does not run as its source-access role ${role}`,
        ),
        assert(
          `one(${pipeline}.artifact_store).encryption_key[0].id == ${key}.arn && one(${pipeline}.artifact_store).encryption_key[0].type == "KMS"`,
          `${p.name}: the artifact store is not encrypted with the customer-managed key`,
        ),
        assert(
          `${serviceRole}.arn == ${hcl(naming.roleArn(account.accountId, naming.pipelineServiceRoleName(ref)))}`,
          `${p.name}: the service role is not the role the source-access role trusts`,
        ),
      ];
    }),
  ];
  return asserts.join("");
}
