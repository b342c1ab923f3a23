/**
 * IAM policy documents as `aws_iam_policy_document` data sources with typed statements, built by
 * the small functions below. The provider renders the JSON, so list tokens and ordering are its
 * business, and tests compare structured statements instead of strings.
 */
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "./aws";
import { Construct } from "./cdktf";
import { accountRootArn } from "./naming";

export interface Principal {
  readonly type: "AWS" | "Service" | "*";
  readonly identifiers: readonly string[];
}

export interface Condition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

export interface Statement {
  /** Required: statement ids are how tests, reviews and the access report name a permission. */
  readonly sid: string;
  readonly effect?: "Allow" | "Deny";
  readonly actions: readonly string[];
  /** Omitted for resource policies whose resource is implicit (ECR repository policies). */
  readonly resources?: readonly string[];
  readonly principals?: readonly Principal[];
  readonly conditions?: readonly Condition[];
}

/**
 * A policy document of `statements`. `mergedInto`: whole JSON policy documents whose statements
 * the rendered document keeps, ours after theirs (the provider's `source_policy_documents`: a
 * statement of ours replaces one of theirs with the same Sid).
 */
export function policyDocument(
  scope: Construct,
  id: string,
  statements: readonly Statement[],
  mergedInto: readonly string[] = [],
): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: statements.map(toProviderStatement),
    ...(mergedInto.length > 0 && { sourcePolicyDocuments: [...mergedInto] }),
  });
}

function toProviderStatement(s: Statement): DataAwsIamPolicyDocumentStatement {
  return {
    sid: s.sid,
    effect: s.effect ?? "Allow",
    actions: [...s.actions],
    ...(s.resources && { resources: [...s.resources] }),
    ...(s.principals && {
      principals: s.principals.map((p) => ({ type: p.type, identifiers: [...p.identifiers] })),
    }),
    ...(s.conditions && {
      condition: s.conditions.map((c) => ({ test: c.test, variable: c.variable, values: [...c.values] })),
    }),
  };
}

/** Accounts as principal: their IAM policies decide who in them may act, unless a condition narrows it. */
export function accountPrincipal(...accountIds: readonly string[]): Principal {
  return { type: "AWS", identifiers: accountIds.map(accountRootArn) };
}

export function servicePrincipal(service: string): Principal {
  return { type: "Service", identifiers: [service] };
}

export const ANYONE: Principal = { type: "*", identifiers: ["*"] };

/**
 * Pins an account principal to exact roles. Unlike a role ARN in `Principal`, this works before the
 * role exists and keeps working when it is re-created (IAM stores a named role as its unique id).
 */
export function principalArnIs(roleArns: readonly string[]): Condition {
  return { test: "ArnEquals", variable: "aws:PrincipalArn", values: roleArns };
}

export function sourceAccountIs(accountId: string): Condition {
  return { test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] };
}

/**
 * KMS used by S3 on the caller's behalf, in this region: S3 calls KMS for SSE-KMS with
 * `kms:ViaService` = `s3.<region>.amazonaws.com` (AWS KMS Developer Guide, "kms:ViaService", which
 * lists S3). The key is left to the resource and to the key's own policy.
 */
export function throughS3(region: string): Condition {
  return { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${region}.amazonaws.com`] };
}
