/**
 * Terraform addresses of the resources the stacks create, and the `moved` blocks that carry a
 * deployed project from an address it used to have to the one it has now.
 *
 * A resource's address is `<type>.<logical id>`, and CDKTF derives the logical id from the
 * construct path below the stack. Addresses are part of the contract with every deployed state:
 * a construct path keyed by a thing's name (a repository's, a pipeline's, an account's) keeps its
 * address whatever else the config lists, and a path that changes ships with a `moved` block.
 */
import * as crypto from "crypto";

/**
 * The logical id CDKTF gives the element at `components` (its construct path below the stack):
 * the human-readable path, then the first 8 hex digits of the MD5 of the whole path. A copy of
 * `makeUniqueId` in cdktf's lib/private/unique.js, which the package does not export; a test
 * compares the two on real constructs, so a framework that changes the scheme is caught.
 */
export function logicalId(components: readonly string[]): string {
  const parts = components.filter((c) => c !== "Default");
  if (parts.length === 1 && parts[0].length > 0) return alphanumeric(parts[0]);
  const hash = crypto.createHash("md5").update(parts.join("/")).digest("hex").slice(0, 8).toUpperCase();
  const human = withoutRepeats(parts)
    .filter((c) => c !== "Resource")
    .map(alphanumeric)
    .join("_")
    .slice(0, 240);
  return `${human}_${hash}`;
}

function alphanumeric(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, "");
}

/** A component is left out of the human part when the one before it ends with it (`web/repository/repository`). */
function withoutRepeats(parts: readonly string[]): string[] {
  const kept: string[] = [];
  for (const part of parts) {
    if (kept.length === 0 || !kept[kept.length - 1].endsWith(part)) kept.push(part);
  }
  return kept;
}

/** A construct id as the constructs library stores it: a "/" would read as a path separator. */
export function constructId(id: string): string {
  return id.replace(/\//g, "--");
}

export interface Move {
  readonly from: string;
  readonly to: string;
}

/**
 * `moved` blocks that take any one of `previous` (addresses a resource may have in a deployed
 * state) to `current`, as one chain: `previous[0] -> previous[1] -> ... -> current`. Terraform
 * allows a single move into an address ("Ambiguous move statements"), but follows chains, so
 * whichever of the previous addresses the state holds ends at `current`; those it does not hold
 * change nothing. `previous` in a fixed order (by name, never by config order), so that the blocks
 * are the same for any order of the config's lists.
 */
export function moveChain(previous: readonly string[], current: string): Move[] {
  const chain = [...new Set(previous)].filter((address) => address !== current);
  return chain.map((from, i) => ({ from, to: chain[i + 1] ?? current }));
}
