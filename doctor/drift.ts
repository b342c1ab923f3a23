/**
 * Drift: for each policy the config manages, the live document against what the app generates now,
 * statement by statement (by Sid), never as a wall of JSON.
 */
import type { PolicyDocument, World } from "../access/world";
import { statementsBySid } from "./policy-text";

export interface PolicyDrift {
  /** e.g. "the policy of bucket demo-artifacts-... (B)". */
  readonly policy: string;
  readonly stack?: string;
  readonly state: "missing" | "differs" | "could not read";
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly changed: readonly string[];
}

/** The same statement however AWS or Terraform spelt it: one-element lists as scalars, lists sorted, keys sorted. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    if (items.length === 1) return items[0];
    return items.map((i) => JSON.stringify(i)).sort().map((i) => JSON.parse(i));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function differingFields(a: unknown, b: unknown): string[] {
  const x = canonical(a) as Record<string, unknown>;
  const y = canonical(b) as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
}

export function comparePolicies(generated: PolicyDocument | undefined, live: PolicyDocument | undefined): Omit<PolicyDrift, "policy" | "stack" | "state"> {
  const want = statementsBySid(generated);
  const have = statementsBySid(live);
  return {
    missing: [...want.keys()].filter((sid) => !have.has(sid)),
    extra: [...have.keys()].filter((sid) => !want.has(sid)),
    changed: [...want.keys()].filter((sid) => have.has(sid)).flatMap((sid) => {
      const fields = differingFields(want.get(sid), have.get(sid));
      return fields.length > 0 ? [`${sid} (${fields.join(", ")})`] : [];
    }),
  };
}

export interface DriftSubject {
  /** How reports name it. */
  readonly policy: string;
  readonly stack?: string;
  readonly generated: PolicyDocument | undefined;
  /** undefined: the live policy does not exist; "unreadable": doctor could not read it. */
  readonly live: PolicyDocument | undefined | "unreadable";
}

export function drift(subjects: readonly DriftSubject[]): PolicyDrift[] {
  return subjects.flatMap((s): PolicyDrift[] => {
    if (s.live === "unreadable") return [{ policy: s.policy, ...(s.stack && { stack: s.stack }), state: "could not read", missing: [], extra: [], changed: [] }];
    if (s.live === undefined && s.generated) {
      return [{ policy: s.policy, ...(s.stack && { stack: s.stack }), state: "missing", missing: [...statementsBySid(s.generated).keys()], extra: [], changed: [] }];
    }
    const d = comparePolicies(s.generated, s.live);
    return d.missing.length + d.extra.length + d.changed.length > 0 ? [{ policy: s.policy, ...(s.stack && { stack: s.stack }), state: "differs", ...d }] : [];
  });
}

/** Every policy of the generated world, paired with its live counterpart (keys matched through each account's artifact key). */
export function driftSubjects(
  generated: World,
  live: World,
  describe: (arn: string) => { policy: string; stack?: string; unreadable: boolean },
): DriftSubject[] {
  const keyMap = new Map<string, string>();
  for (const [account, key] of generated.artifactKeys) {
    const liveKey = live.artifactKeys.get(account);
    if (liveKey) keyMap.set(key, liveKey);
  }
  const subjects: DriftSubject[] = [];
  for (const [arn, policy] of generated.resourcePolicies) {
    const liveArn = keyMap.get(arn) ?? arn;
    const d = describe(liveArn);
    subjects.push({ policy: d.policy, ...(d.stack && { stack: d.stack }), generated: policy, live: d.unreadable ? "unreadable" : live.resourcePolicies.get(liveArn) });
  }
  for (const [arn, role] of generated.roles) {
    const d = describe(arn);
    const liveRole = live.roles.get(arn);
    for (const p of role.identityPolicies) {
      subjects.push({
        policy: `inline policy ${p.name.split("/").pop()} of role ${p.name.split("/")[0]} (${d.policy.match(/\(([^)]+)\)$/)?.[1] ?? "?"})`,
        ...(d.stack && { stack: d.stack }),
        generated: p.policy,
        live: d.unreadable ? "unreadable" : liveRole?.identityPolicies.find((q) => q.name === p.name)?.policy,
      });
    }
  }
  return subjects;
}
