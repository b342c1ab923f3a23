/** A doctor report for people (a table, then what is wrong and what to do) and for tools (JSON). */
import type { Hop } from "./diagnose";
import type { Report } from "./run";

const STATE_TEXT: Record<Hop["state"], string> = {
  ok: "ok",
  denied: "DENIED",
  "allowed, must be denied": "ALLOWED (must be denied)",
  "could not read": "could not read",
  error: "ERROR",
};

function table(hops: readonly Hop[]): string {
  const header = ["#", "who", "action", "on what", "expected", "deployed"];
  const rows = hops.map((h) => [h.row, h.who, h.action, h.on, h.expect, STATE_TEXT[h.state]]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function textReport(r: Report): string {
  const out: string[] = [];
  const accounts = r.accounts.map((a) => `${a.label} ${a.accountId}`).join(", ");
  out.push(`doctor: ${r.mode === "config" ? "the config's pipelines" : "one existing pipeline"}, accounts ${accounts}, region ${r.region}`, "");
  out.push("The permission chain, as the deployed policies answer it:", "", table(r.hops), "");

  const bad = r.hops.filter((h) => h.state !== "ok");
  if (bad.length > 0) {
    out.push("What breaks, and what to do:");
    for (const h of bad) {
      out.push(`  ✗ row ${h.row}: ${h.who} → ${h.action} → ${h.on}: ${h.state}`);
      for (const b of h.because) out.push(`      because ${b}`);
      for (const f of h.fix) out.push(`      fix: ${f}`);
    }
    out.push("");
  }
  if (r.findings.length > 0) {
    out.push("Wiring (what the pipelines use, against what the config gives them):");
    for (const f of r.findings) {
      out.push(`  ✗ row ${f.row}${f.pipeline ? `, ${f.pipeline}` : ""} (${f.account}): ${f.problem}`, `      fix: ${f.fix}`);
    }
    out.push("");
  }
  out.push("Last failed execution of each pipeline:");
  for (const f of r.lastFailures) {
    if (f.unreadable !== undefined) out.push(`  ${f.pipeline} (${f.account}): could not read its executions (needs ${f.unreadable})`);
    else if (!f.failure) out.push(`  ${f.pipeline} (${f.account}): no failed execution among the last 20`);
    else {
      const where = [f.failure.stage, f.failure.action].filter(Boolean).join("/") || "an action";
      out.push(`  ${f.pipeline} (${f.account}): execution ${f.failure.executionId}${f.failure.when ? ` (${f.failure.when})` : ""}: ${where} failed: ${f.failure.message}`);
    }
    if (f.failure) {
      for (const e of f.explainedBy) out.push(`      explained by ${e}`);
      if (f.explainedBy.length === 0) out.push("      no hop of its Source chain is denied now (fixed since, or a cause outside the permission chain)");
    }
  }
  out.push("");
  if (r.drift === null) out.push("Drift: not checked.");
  else if (r.drift.length === 0) out.push("Drift: none; every managed policy is as the app generates it now.");
  else {
    out.push("Drift (managed policies that differ from what the app generates now):");
    for (const d of r.drift) {
      const parts = [
        ...(d.state === "could not read" ? ["could not read"] : d.state === "missing" ? ["does not exist"] : []),
        ...(d.state !== "missing" && d.missing.length > 0 ? [`missing ${d.missing.join(", ")}`] : []),
        ...(d.extra.length > 0 ? [`not generated ${d.extra.join(", ")}`] : []),
        ...(d.changed.length > 0 ? [`changed ${d.changed.join(", ")}`] : []),
      ];
      out.push(`  ~ ${d.policy}: ${parts.join("; ")}${d.stack ? ` (redeploy ${d.stack})` : ""}`);
    }
  }
  out.push("");
  if (r.unreadable.length > 0) {
    out.push("Could not read:");
    for (const p of r.unreadable) out.push(`  ${p.account}: ${p.what}: ${p.needs ? `needs ${p.needs}` : p.message}`);
    out.push("");
  }
  const denied = r.hops.filter((h) => h.state === "denied" || h.state === "allowed, must be denied" || h.state === "error").length;
  const unread = r.hops.filter((h) => h.state === "could not read").length;
  out.push(
    r.exitCode === 0
      ? `All ${r.hops.length} requests answer as they must.`
      : `${denied} request(s) answer wrongly, ${r.findings.length} wiring problem(s), ${unread} could not be checked (exit ${r.exitCode}).`,
  );
  return `${out.join("\n")}\n`;
}

export function jsonReport(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
