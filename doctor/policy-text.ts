/**
 * Policy documents as the AWS APIs return them, made safe to simulate: IAM returns them
 * URL-encoded (RFC 3986) — "Policies returned by this operation are URL-encoded"
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html, and the same
 * note on API_GetRole.html for AssumeRolePolicyDocument and API_GetPolicyVersion.html); ECR, KMS,
 * S3 and EventBridge return plain JSON text. A single statement may be an object instead of a list
 * ("IAM JSON policy elements: Statement",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html).
 */
import type { PolicyDocument } from "../access/world";

export class PolicyShapeError extends Error {
  override name = "PolicyShapeError";
}

/** Parses a policy as an API returned it; throws PolicyShapeError for anything that is not a policy. */
export function parsePolicyText(text: string | undefined | null): PolicyDocument {
  if (text === undefined || text === null || text.trim() === "") return { Version: "2012-10-17", Statement: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    try {
      raw = JSON.parse(decodeURIComponent(text));
    } catch {
      throw new PolicyShapeError(`not JSON: ${text.slice(0, 60)}`);
    }
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new PolicyShapeError("not a JSON object");
  const { Version, Statement } = raw as { Version?: unknown; Statement?: unknown };
  const statements = Statement === undefined ? [] : Array.isArray(Statement) ? Statement : [Statement];
  if (statements.some((s) => s === null || typeof s !== "object" || Array.isArray(s))) {
    throw new PolicyShapeError("a Statement entry is not an object");
  }
  return { Version: typeof Version === "string" ? Version : "2012-10-17", Statement: statements };
}

/** The statements of a policy by Sid; statements without one are numbered ("#2"). */
export function statementsBySid(policy: PolicyDocument | undefined): Map<string, unknown> {
  const found = new Map<string, unknown>();
  (policy?.Statement ?? []).forEach((s, i) => {
    const sid = (s as { Sid?: unknown }).Sid;
    found.set(typeof sid === "string" && sid !== "" ? sid : `#${i + 1}`, s);
  });
  return found;
}
