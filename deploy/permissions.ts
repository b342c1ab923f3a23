/**
 * May the deploying identity do what the plan needs? Asked of IAM with SimulatePrincipalPolicy,
 * one call per ARN with every action needed on it.
 *
 * What the simulation evaluates, per its API reference
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html): the
 * policies attached to the user, group or role (a user's groups' too), and service control
 * policies with their condition keys and resource scoping; each result says whether the
 * organization's SCPs and a permissions boundary allowed it
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html). What it does
 * not: the policy of the assumed-role session the deploy runs as (the role is simulated; the
 * session ARN is no IAM entity), the resources' own policies (the page offers one for IAM users
 * only), and context a real request carries, such as its tags: a statement testing a key the
 * simulation lacks lists it in MissingContextValues, and such a denial is reported as undecided,
 * not as a stop. The page warns that results can differ from the live environment, and names no
 * other policy type (resource control policies, for one): a stop here is a denial IAM itself
 * reports; an allow is no guarantee.
 */
import type { EvaluationResult } from "@aws-sdk/client-iam";
import type { PreflightFinding } from "./preflight";
import { type CallFailure, describeFailure, type LiveAccount } from "./live";
import type { Change, Need } from "./plan-needs";

const VERB: Readonly<Record<Change, string>> = { create: "create", update: "update", delete: "delete" };

/** "create aws_iam_role.x, update aws_iam_role_policy.y and 2 more" */
function usesText(uses: readonly { address: string; change: Change }[]): string {
  const distinct = [...new Set(uses.map((u) => `${VERB[u.change]} ${u.address}`))].sort();
  const shown = distinct.slice(0, 3).join(", ");
  return distinct.length > 3 ? `${shown} and ${distinct.length - 3} more` : shown;
}

function denialReason(r: EvaluationResult): string {
  if (r.OrganizationsDecisionDetail?.AllowedByOrganizations === false) return "denied by a service control policy of the organization";
  if (r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary === false) return "outside the identity's permissions boundary";
  if (r.EvalDecision === "explicitDeny") {
    const ids = [...new Set((r.MatchedStatements ?? []).map((s) => s.SourcePolicyId).filter(Boolean))];
    return `explicitly denied${ids.length > 0 ? ` by ${ids.join(", ")}` : ""}`;
  }
  return "no policy of the identity allows it";
}

function missingContext(r: EvaluationResult): string[] {
  return [...new Set([...(r.MissingContextValues ?? []), ...(r.ResourceSpecificResults ?? []).flatMap((x) => x.MissingContextValues ?? [])])].sort();
}

/** One finding per ARN and reason: the actions denied on it, and the changes that need them. */
export async function simulationFindings(
  live: LiveAccount,
  stack: string,
  principal: string,
  needs: readonly Need[],
  pathUnknown?: CallFailure,
): Promise<PreflightFinding[]> {
  const byResource = new Map<string, Map<string, { address: string; change: Change }[]>>();
  for (const n of needs) {
    const actions = byResource.get(n.resource) ?? new Map<string, { address: string; change: Change }[]>();
    actions.set(n.action, [...(actions.get(n.action) ?? []), { address: n.address, change: n.change }]);
    byResource.set(n.resource, actions);
  }
  const resources = [...byResource.keys()].sort();
  const note = (message: string): PreflightFinding => ({ stack, severity: "note", message });

  const results = new Map<string, EvaluationResult[]>();
  const failures: { resource: string; failure: CallFailure }[] = [];
  const simulate = async (resource: string) => {
    const got = await live.simulate(principal, [...byResource.get(resource)!.keys()].sort(), resource);
    if (got.ok) results.set(resource, got.value ?? []);
    else failures.push({ resource, failure: got.failure });
  };
  // The first call alone: an identity that may not simulate is told once, not once per ARN.
  await simulate(resources[0]);
  const first = failures[0]?.failure;
  if (first?.kind === "denied") {
    return [note(`permissions not checked: ${principal} may not call iam:SimulatePrincipalPolicy (${first.answer}); allow it iam:SimulatePrincipalPolicy on its own ARN for preflight to check them`)];
  }
  if (first && /^NoSuchEntity/.test(first.answer)) {
    const path = pathUnknown ? `; its path could not be read: ${describeFailure(pathUnknown)}` : "";
    return [note(`permissions not checked: IAM does not know ${principal} (${first.answer})${path}`)];
  }
  await Promise.all(resources.slice(1).map(simulate));

  const findings: PreflightFinding[] = [];
  if (failures.length > 0) {
    const { resource, failure } = failures[0];
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more ARNs)` : "";
    findings.push({
      stack,
      severity: "stop",
      message: `could not simulate the permissions of ${principal} in account ${live.accountId} on ${resource}${more}: ${describeFailure(failure)}`,
    });
  }
  let allowed = 0;
  for (const resource of resources) {
    const uses = byResource.get(resource)!;
    const denied = new Map<string, { actions: string[]; uses: { address: string; change: Change }[] }>();
    const undecided = new Map<string, string[]>();
    for (const r of results.get(resource) ?? []) {
      const action = r.EvalActionName ?? "";
      if (r.EvalDecision === "allowed") {
        allowed++;
        continue;
      }
      const missing = missingContext(r);
      if (r.EvalDecision === "implicitDeny" && missing.length > 0) {
        const key = missing.join(", ");
        undecided.set(key, [...(undecided.get(key) ?? []), action]);
        continue;
      }
      const reason = denialReason(r);
      const entry = denied.get(reason) ?? { actions: [], uses: [] };
      entry.actions.push(action);
      entry.uses.push(...(uses.get(action) ?? []));
      denied.set(reason, entry);
    }
    for (const [reason, d] of denied) {
      findings.push({
        stack,
        severity: "stop",
        message: `${principal} may not ${d.actions.sort().join(", ")} on ${resource} (${reason}), which deploying needs to ${usesText(d.uses)}`,
      });
    }
    for (const [keys, actions] of undecided) {
      findings.push(
        note(`could not tell whether ${principal} may ${actions.sort().join(", ")} on ${resource}: its policies test ${keys}, which the simulation does not have (without them: denied)`),
      );
    }
  }
  if (findings.length === 0) {
    findings.push(
      note(
        `${principal} may do everything the plan needs: ${allowed} requests on ${resources.length} ARNs simulated (its identity policies and the organization's service control policies; ` +
          `not a session policy, nor the resources' own policies)`,
      ),
    );
  }
  return findings;
}
