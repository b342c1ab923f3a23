/**
 * The cross-account wiring, checked on what the real AWS provider rendered for each stack
 * (terraform/render.ts): each attached policy is the document the stack defines for it, and the
 * conditions and ARNs that tie the two accounts together name the right roles and key. Blocks are
 * found by construct path in the synthesized stack and read, by address, from the rendered state.
 */
import { type PipelineAccount, pipelineAccountOf } from "../config/accounts";
import type { Config } from "../config/schema";
import * as naming from "../lib/naming";
import type { RenderedStack } from "../terraform/render";
import type { StackDir } from "../terraform/workspace";
import { sourceOutputs } from "../stacks/outputs";
import { Synth } from "./synth";

interface RenderedStatement {
  sid: string;
  condition?: { test: string; variable: string; values: string[] }[];
}

/** One stack: its synthesized JSON (to find blocks by construct path) and what was rendered. */
class Rendered {
  private readonly synth: Synth;
  private readonly byAddress: Map<string, Record<string, unknown>>;

  constructor(dir: StackDir, readonly rendered: RenderedStack) {
    this.synth = new Synth(JSON.stringify(dir.json));
    this.byAddress = new Map(rendered.resources.map((r) => [r.address, r.values]));
  }

  /** The rendered values of the one resource of `type` at construct path `…/path`. */
  values(type: string, path: string): Record<string, unknown> {
    const address = this.synth.address(type, path);
    const values = this.byAddress.get(address);
    if (!values) throw new Error(`${this.rendered.stack}: ${address} was not rendered`);
    return values;
  }

  /** The rendered policy document that `attribute` of the resource references: its JSON, and its statement `sid`. */
  document(type: string, path: string, sid: string, attribute = "policy"): { json: unknown; statement?: RenderedStatement } {
    const { name, rendering } = this.synth.documentReference(type, path, attribute);
    const address = `data.aws_iam_policy_document.${name}`;
    const doc = this.byAddress.get(address);
    if (!doc) throw new Error(`${this.rendered.stack}: ${address} was not rendered`);
    const statements = (doc.statement ?? []) as RenderedStatement[];
    return { json: doc[rendering], statement: statements.find((s) => s.sid === sid) };
  }
}

/** The statement's values for a condition variable, sorted; undefined when either is missing. */
function conditionValues(statement: RenderedStatement | undefined, variable: string): string[] | undefined {
  return statement?.condition?.find((c) => c.variable === variable)?.values.slice().sort();
}

function same(values: string[] | undefined, expected: readonly string[]): boolean {
  return JSON.stringify(values) === JSON.stringify([...expected].sort());
}

/** What is miswired in source-account as rendered: one line per problem, none when it is right. */
export function sourceWiringProblems(config: Config, dir: StackDir, rendered: RenderedStack): string[] {
  const stack = new Rendered(dir, rendered);
  return config.pipelines.flatMap((p) => {
    const path = `${p.name}/source-access/role`;
    const role = stack.values("aws_iam_role", path);
    const trust = stack.document("aws_iam_role", path, "PipelineServiceRoleAssumes", "assume_role_policy");
    const serviceRole = naming.roleArn(pipelineAccountOf(config, p).accountId, naming.pipelineServiceRoleName({ project: config.project, name: p.name }));
    const output = sourceOutputs.sourceAccessRoleArn(p.name);
    return [
      role.assume_role_policy !== trust.json && `${p.name}: the source-access role's trust policy is not its trust document`,
      !same(conditionValues(trust.statement, "aws:PrincipalArn"), [serviceRole]) &&
        `${p.name}: the trust policy's aws:PrincipalArn is not the pipeline service role ${serviceRole}`,
      rendered.outputs[output] !== role.arn && `${p.name}: output ${output} is not the source-access role's ARN`,
    ].filter((problem): problem is string => typeof problem === "string");
  });
}

/**
 * What is miswired in a pipeline account's stack as rendered, given the outputs source-account
 * rendered: one line per problem, none when it is right.
 */
export function pipelineWiringProblems(
  config: Config,
  account: PipelineAccount,
  dir: StackDir,
  rendered: RenderedStack,
  sourceOutputValues: Record<string, unknown>,
): string[] {
  const stack = new Rendered(dir, rendered);
  const key = stack.values("aws_kms_key", "artifact-store/key");
  const keyGrants = stack.document("aws_kms_key", "artifact-store/key", "GrantsOnlyForAWSResources");
  const bucketPolicy = stack.values("aws_s3_bucket_policy", "artifact-store/bucket-policy");
  const bucketPolicyPath = ["aws_s3_bucket_policy", "artifact-store/bucket-policy"] as const;
  const problems = [
    key.policy !== keyGrants.json && "the key's policy is not the key policy document",
    !same(conditionValues(keyGrants.statement, "kms:GrantIsForAWSResource"), ["true"]) &&
      "the key policy has no grant statement conditioned on kms:GrantIsForAWSResource = true",
    bucketPolicy.policy !== stack.document(...bucketPolicyPath, "DenyInsecureTransport").json &&
      "the bucket's policy is not the bucket policy document",
    ...account.pipelines.flatMap((p) => {
      const sourceRole = String(sourceOutputValues[sourceOutputs.sourceAccessRoleArn(p.name)]);
      const write = stack.document(...bucketPolicyPath, naming.sourceAccessWriteSid(p.name)).statement;
      const pipeline = stack.values("aws_codepipeline", `${p.name}/pipeline/pipeline`);
      const [sourceAction] = (pipeline.stage as { action: { role_arn?: string }[] }[])[0].action;
      const stores = pipeline.artifact_store as { encryption_key: { id: string; type: string }[] }[];
      const encryption = stores.length === 1 ? stores[0].encryption_key[0] : undefined;
      const serviceRole = naming.roleArn(account.accountId, naming.pipelineServiceRoleName({ project: config.project, name: p.name }));
      return [
        !same(conditionValues(write, "aws:PrincipalArn"), [sourceRole]) &&
          `${p.name}: the bucket policy's write statement does not admit exactly its source-access role ${sourceRole}`,
        sourceAction.role_arn !== sourceRole && `${p.name}: the ECR source action does not run as its source-access role ${sourceRole}`,
        (encryption?.id !== key.arn || encryption?.type !== "KMS") && `${p.name}: the artifact store is not encrypted with the customer-managed key`,
        stack.values("aws_iam_role", `${p.name}/service-role/role`).arn !== serviceRole &&
          `${p.name}: the service role is not the role the source-access role trusts`,
      ];
    }),
  ];
  return problems.filter((problem): problem is string => typeof problem === "string");
}
