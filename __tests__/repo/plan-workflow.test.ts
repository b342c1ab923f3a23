/**
 * .github/workflows/plan.yml cannot run here (GitHub, OIDC, two AWS accounts); this checks that it
 * says what it must: on pull requests, OIDC credentials for each account the way the config model
 * wants them, the same `npm run plan` users run, its summary as the job summary, plans as artifact,
 * and the summary as one pull-request comment, by a job that alone may write to the pull request
 * (its script is run here against a fake GitHub API).
 */
import * as fs from "fs";
import * as path from "path";
import { strict as assert } from "assert";
import { exampleInput, ROOT } from "../../test-support/config";
import { readWorkflow, runs, type Step, uses } from "../../test-support/workflow";

const { workflow, jobs } = readWorkflow("plan.yml");
const job = jobs.plan;
const steps = job.steps;
const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;

function index(predicate: (s: Step) => boolean, what: string): number {
  const i = steps.findIndex(predicate);
  if (i === -1) throw new Error(`no step ${what}`);
  return i;
}


describe(".github/workflows/plan.yml", () => {
  it("is two jobs, the plan then its comment, run for pull requests", () => {
    expect(Object.keys(jobs)).toEqual(["plan", "comment"]);
    expect(jobs.comment.needs).toBe("plan");
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  });

  it("may request an OIDC token in the plan job, and write to the pull request only in the comment job", () => {
    // Job permissions replace the workflow's; the workflow grants nothing by default.
    expect(workflow.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(jobs.comment.permissions).toEqual({ "pull-requests": "write" });
  });

  it("gets credentials for every account, however many, from PLAN_ROLES with OIDC: no key in the workflow, no step per account", () => {
    // Per-account credential steps would need an edit of the workflow for each pipeline account.
    expect(steps.filter(uses("aws-actions/configure-aws-credentials"))).toEqual([]);
    const credentials = steps[index(runs(/^bash \.github\/scripts\/aws-profiles\.sh$/m), "writing every account's profile")];
    expect(credentials.env).toEqual({ PLAN_ROLES: "${{ vars.PLAN_ROLES }}" });
    expect(JSON.stringify(workflow)).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY/);
    // The script exists and is what e2e/ci-credentials.test.ts runs.
    expect(fs.existsSync(path.join(ROOT, ".github", "scripts", "aws-profiles.sh"))).toBe(true);
  });

  it("documents PLAN_ROLES with the profiles the example configs use", () => {
    const text = fs.readFileSync(path.join(ROOT, ".github", "workflows", "plan.yml"), "utf8");
    const two = JSON.parse(fs.readFileSync(path.join(ROOT, "config", "examples", "two-accounts.json"), "utf8"));
    for (const profile of [exampleInput().sourceAccount.profile, two.sourceAccount.profile, two.pipelineAccounts.staging.profile]) {
      expect(text).toContain(`"${profile}"`);
    }
  });

  it("installs from the lock file and runs the npm plan script, against the real accounts, after the credentials", () => {
    expect(scripts.plan).toBeDefined();
    const install = index(runs(/^npm ci\b/m), "running npm ci");
    const plan = index(runs(/\bnpm run plan\b/), "running npm run plan");
    expect(steps[plan].run).not.toContain("--offline");
    const lastCredentials = index(runs(/aws-profiles\.sh/), "writing every account's profile");
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

  it("runs the comment job after the plan job, also when the plan failed (exit 1 or 3 fails the plan job)", () => {
    expect(jobs.comment.if).toBe("${{ !cancelled() && needs.plan.result != 'skipped' }}");
    expect(job.outputs).toEqual({
      "exit-code": "${{ steps.plan.outputs.exit-code }}",
      "artifact-url": `\${{ steps.${steps[index(uses("actions/upload-artifact"), "uploading plans")].id}.outputs.artifact-url }}`,
    });
  });

  it("comments from the artifact the plan job uploaded, without checking out the pull request's code", () => {
    const comment = jobs.comment.steps;
    expect(comment.some(uses("actions/checkout"))).toBe(false);
    const download = comment.find(uses("actions/download-artifact"));
    const upload = steps[index(uses("actions/upload-artifact"), "uploading plans")];
    expect(download?.with?.name).toBe(upload.with?.name);
    expect(download?.with?.path).toBe("plans");
    // Only GitHub's own actions.
    for (const s of comment) expect(s.uses).toMatch(/^actions\//);
  });
});

describe("the comment script", () => {
  const step = jobs.comment.steps.find(uses("actions/github-script"))!;
  const script = String(step.with?.script);
  const MARKER = script.match(/MARKER = "(<!-- [^"]+ -->)"/)![1];
  const ARTIFACT = "https://github.com/o/r/actions/runs/7/artifacts/9";

  interface Comment {
    id: number;
    body: string;
    user: { login: string };
    html_url: string;
  }

  /** A pull request's comments behind the parts of Octokit the script may use. */
  function fakeGitHub(comments: Comment[]) {
    const calls: string[] = [];
    const listComments = async () => ({ data: comments });
    return {
      calls,
      comments,
      github: {
        paginate: async (method: unknown, params: { issue_number: number }) => {
          expect(method).toBe(listComments);
          expect(params.issue_number).toBe(42);
          return comments;
        },
        rest: {
          issues: {
            listComments,
            createComment: async (p: { issue_number: number; body: string }) => {
              calls.push("create");
              const c = { id: comments.length + 1, body: p.body, user: { login: "github-actions[bot]" }, html_url: "u" };
              comments.push(c);
              return { data: c };
            },
            updateComment: async (p: { comment_id: number; body: string }) => {
              calls.push(`update ${p.comment_id}`);
              comments.find((c) => c.id === p.comment_id)!.body = p.body;
              return { data: {} };
            },
          },
        },
      },
    };
  }

  /** Runs the workflow's script as actions/github-script does, with plans/summary.md holding `summary`. */
  async function run(gh: ReturnType<typeof fakeGitHub>, summary: string | undefined, env: Record<string, string> = { ARTIFACT_URL: ARTIFACT, EXIT_CODE: "2" }) {
    const fs = {
      existsSync: (f: string) => f === "plans/summary.md" && summary !== undefined,
      readFileSync: (f: string) => {
        if (f !== "plans/summary.md" || summary === undefined) throw new Error(`unexpected read of ${f}`);
        return summary;
      },
    };
    const context = {
      repo: { owner: "o", repo: "r" },
      issue: { number: 42 },
      serverUrl: "https://github.com",
      runId: 7,
      sha: "merge0000000",
      payload: { pull_request: { head: { sha: "abcdef0123456" } } },
    };
    const core = { info: () => undefined };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
    const require = (m: string) => (m === "fs" ? fs : assert.fail(`unexpected require ${m}`));
    await new AsyncFunction("github", "context", "core", "require", "process", script)(gh.github, context, core, require, { env });
  }

  it("posts the summary as one comment, starting with the marker and pointing at the artifact", async () => {
    const gh = fakeGitHub([]);
    await run(gh, "# Terraform plans\n\nExit code 3");
    expect(gh.calls).toEqual(["create"]);
    const [body] = gh.comments.map((c) => c.body);
    expect(body.startsWith(`${MARKER}\n# Terraform plans\n\nExit code 3\n`)).toBe(true);
    expect(body).toContain(`For abcdef0: [the run](https://github.com/o/r/actions/runs/7), and the plans with this summary in full as [an artifact](${ARTIFACT}).`);
  });

  it("updates that same comment on the next push, and leaves others' comments alone", async () => {
    const quoted = { id: 1, body: `${MARKER}\nquoted by a person`, user: { login: "someone" }, html_url: "u1" };
    const gh = fakeGitHub([quoted]);
    await run(gh, "first push");
    await run(gh, "second push");
    expect(gh.calls).toEqual(["create", "update 2"]);
    expect(gh.comments.map((c) => c.body.split("\n")[1])).toEqual(["quoted by a person", "second push"]);
  });

  it("cuts a summary longer than a comment at a line, closes what it leaves open, and says where the rest is", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `| update | \`aws_iam_role.r${i}\` | \`tags_all\` |`);
    const summary = ["# Terraform plans", "", "<details><summary>3000 rows</summary>", "", ...rows, "", "</details>", "", "## Failed"].join("\n");
    expect(summary.length).toBeGreaterThan(65536);
    const gh = fakeGitHub([]);
    await run(gh, summary);
    const body = gh.comments[0].body;
    expect(body.length).toBeLessThanOrEqual(65536);
    expect(body.length).toBeGreaterThan(60000);
    const lines = body.split("\n");
    const note = lines.findIndex((l) => l.startsWith("**The summary is cut here**"));
    expect(lines[note]).toContain(`as summary.md in [the artifact](${ARTIFACT})`);
    expect(lines[note - 2]).toBe("</details>");
    expect(lines[note - 4]).toMatch(/^\| update \| `aws_iam_role\.r\d+` \| `tags_all` \|$/);
    expect(body).not.toContain("## Failed");
  });

  it("says so when there is no summary (npm run plan stopped before planning)", async () => {
    const gh = fakeGitHub([]);
    await run(gh, undefined, { EXIT_CODE: "1", ARTIFACT_URL: "" });
    expect(gh.comments[0].body.split("\n")[1]).toBe("npm run plan stopped before planning (exit code 1): see [the run](https://github.com/o/r/actions/runs/7).");
  });
});
