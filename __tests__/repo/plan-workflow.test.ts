/**
 * .github/workflows/plan.yml cannot run here (GitHub, OIDC, two AWS accounts); this checks that it
 * says what it must: on pull requests, OIDC credentials for each account the way the config model
 * wants them, the same `npm run plan` users run, its summary as the job summary, plans as artifact.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { exampleInput, ROOT } from "../../test-support/config";

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

const workflow = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "plan.yml"), "utf8"));
const jobs = Object.values(workflow.jobs) as { permissions?: Record<string, string>; steps: Step[] }[];
const job = jobs[0];
const steps = job.steps;
const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;

function index(predicate: (s: Step) => boolean, what: string): number {
  const i = steps.findIndex(predicate);
  if (i === -1) throw new Error(`no step ${what}`);
  return i;
}

const runs = (pattern: RegExp) => (s: Step) => pattern.test(s.run ?? "");
const uses = (action: string) => (s: Step) => (s.uses ?? "").startsWith(`${action}@`);

describe(".github/workflows/plan.yml", () => {
  it("is one job, run for pull requests", () => {
    expect(jobs).toHaveLength(1);
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  });

  it("may request an OIDC token", () => {
    expect({ ...workflow.permissions, ...job.permissions }["id-token"]).toBe("write");
  });

  it("gets credentials for each account from its own role, with OIDC", () => {
    const configure = steps.filter(uses("aws-actions/configure-aws-credentials"));
    expect(configure).toHaveLength(2);
    const roles = configure.map((s) => s.with?.["role-to-assume"]);
    for (const role of roles) expect(role).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
    expect(new Set(roles).size).toBe(2);
    // Keys in the workflow would not be OIDC.
    for (const s of configure) expect(s.with).not.toHaveProperty("aws-access-key-id");
  });

  it("writes account A's credentials to the profile the config gives the source account", () => {
    const profile = exampleInput().sourceAccount.profile;
    expect(profile).toBeDefined();
    const source = index(uses("aws-actions/configure-aws-credentials"), "configuring credentials");
    expect(steps[source].with?.["output-credentials"]).toBe(true);
    const write = steps[index(runs(new RegExp(`aws configure set aws_session_token .* --profile ${profile}\\b`)), "writing the profile")];
    for (const key of ["aws-access-key-id", "aws-secret-access-key", "aws-session-token"]) {
      expect(Object.values(write.env ?? {})).toContain(`\${{ steps.${steps[source].id}.outputs.${key} }}`);
    }
  });

  it("installs from the lock file and runs the npm plan script, against the real accounts, after the credentials", () => {
    expect(scripts.plan).toBeDefined();
    const install = index(runs(/^npm ci\b/m), "running npm ci");
    const plan = index(runs(/\bnpm run plan\b/), "running npm run plan");
    expect(steps[plan].run).not.toContain("--offline");
    const lastCredentials = steps.map((s, i) => (uses("aws-actions/configure-aws-credentials")(s) ? i : -1)).reduce((a, b) => Math.max(a, b));
    expect(install).toBeLessThan(plan);
    expect(lastCredentials).toBeLessThan(plan);
  });

  it("uses Terraform without the wrapper, which rewrites exit codes", () => {
    const setup = steps[index(uses("hashicorp/setup-terraform"), "setting up Terraform")];
    expect(setup.with?.terraform_wrapper).toBe(false);
  });

  it("posts plans/summary.md as the job summary, also when the plan failed", () => {
    const plan = index(runs(/\bnpm run plan\b/), "running npm run plan");
    const summary = index(runs(/cat plans\/summary\.md >> "\$GITHUB_STEP_SUMMARY"/), "appending the summary");
    expect(summary).toBeGreaterThan(plan);
    expect(steps[summary].if).toBe("always()");
  });

  it("keeps plans/ as an artifact, also when the plan failed", () => {
    const upload = steps[index(uses("actions/upload-artifact"), "uploading plans")];
    expect(upload.with?.path).toBe("plans/");
    expect(upload.if).toBe("always()");
  });

  it("keeps the exit code, and fails the check on an error (1) or dangerous changes (3), not on changes (2)", () => {
    const plan = steps[index(runs(/\bnpm run plan\b/), "running npm run plan")];
    expect(plan.run).toMatch(/npm run plan \|\| code=\$\?/);
    const verdict = steps[index((s) => JSON.stringify(s.env ?? {}).includes(`steps.${plan.id}.outputs.exit-code`), "judging the exit code")];
    expect(verdict.run).toMatch(/^\s*2\) echo "::notice::/m);
    expect(verdict.run).toMatch(/^\s*3\) echo "::error::[^\n]*\n\s*exit 1 ;;/m);
    expect(verdict.run).toMatch(/^\s*\*\) echo "::error::[^\n]*\n\s*exit 1 ;;/m);
  });
});
