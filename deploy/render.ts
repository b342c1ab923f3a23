/** Preflight's findings as text, for `npm run preflight` and for the deploy to print. Loads no SDK client. */
import type { PreflightFinding, PreflightStack } from "./preflight";

/** The findings for people: per stack, stops first, then a last line saying whether the deploy may go on. */
export function renderFindings(stacks: readonly Pick<PreflightStack, "stack" | "accountId">[], findings: readonly PreflightFinding[]): string {
  const lines: string[] = [];
  for (const s of stacks) {
    const own = findings.filter((f) => f.stack === s.stack);
    const stops = own.filter((f) => f.severity === "stop");
    const notes = own.filter((f) => f.severity === "note");
    const head = stops.length > 0 ? `${stops.length} ${stops.length === 1 ? "problem stops" : "problems stop"} the deploy` : "nothing stops the deploy";
    lines.push(`${s.stack} (account ${s.accountId}): ${head}`);
    for (const f of stops) lines.push(`  ✗ ${f.message}`);
    for (const f of notes) lines.push(`  - ${f.message}`);
  }
  const stops = findings.filter((f) => f.severity === "stop").length;
  lines.push(stops > 0 ? `Preflight: ${stops} ${stops === 1 ? "problem stops" : "problems stop"} the deploy.` : "Preflight: nothing stops the deploy.");
  return `${lines.join("\n")}\n`;
}
