/**
 * .github/workflows/deploy.yml cannot run here (GitHub, OIDC, AWS accounts); this checks that it is
 * a valid workflow (SchemaStore's schema, through action-validator) and says what it must: on
 * pushes to main and by hand, plan, upload the plans, apply them stack by stack in deploy order,
 * each stack behind an environment named after it, with the credentials scheme of plan.yml, then
 * doctor's report. Its shell steps run here with stand-ins for npm, for their exit codes.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { validateWorkflow } from "@action-validator/core";
import { readWorkflow, runs, type Step, uses, WORKFLOWS } from "../../test-support/workflow";

const { text, workflow, jobs } = readWorkflow("deploy.yml");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-workflow-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));


function step(job: string, predicate: (s: Step) => boolean, what: string): Step {
  const found = jobs[job].steps.find(predicate);
  if (!found) throw new Error(`${job} has no step ${what}`);
  return found;
}

/** Runs a step's shell script as GitHub does (bash -e), with `npm` a stand-in that exits `code`. */
function runStep(script: string, code: number, env: Record<string, string> = {}) {
  const bin = fs.mkdtempSync(path.join(work, "bin-"));
  fs.writeFileSync(path.join(bin, "npm"), `#!/bin/sh\necho "npm $*" >> "${bin}/calls"\nexit ${code}\n`, { mode: 0o755 });
  const output = path.join(bin, "output");
  const result = spawnSync("bash", ["-e", "-c", script], {
    env: { PATH: `${bin}:/usr/bin:/bin`, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: path.join(bin, "summary"), ...env },
    encoding: "utf8",
    cwd: work,
  });
  const read = (f: string) => (fs.existsSync(path.join(bin, f)) ? fs.readFileSync(path.join(bin, f), "utf8") : "");
  return { status: result.status, calls: read("calls"), output: read("output") };
}

describe(".github/workflows/*.yml", () => {
  it.each(["deploy.yml", "plan.yml"])("%s is valid against the workflow schema", (file) => {
    expect(validateWorkflow(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")).errors).toEqual([]);
  });

  it("the schema check catches a mistake (a job's environment given as a number)", () => {
    const broken = text.replace("environment: source-account", "environment: 5");
    expect(validateWorkflow(broken).errors).not.toEqual([]);
  });
});

describe(".github/workflows/deploy.yml", () => {
  it("runs on pushes to main and by hand, one at a time, never cancelled halfway", () => {
    expect(workflow.on.push).toEqual({ branches: ["main"] });
    expect(workflow.on.workflow_dispatch.inputs["allow-dangerous"]).toMatchObject({ type: "boolean", default: false });
    expect(workflow.concurrency).toEqual({ group: "deploy", "cancel-in-progress": false });
    expect(workflow.permissions).toEqual({});
  });

  it("plans, then applies source-account, then each pipeline account's stack one at a time in deploy order, then runs doctor", () => {
    expect(Object.keys(jobs)).toEqual(["plan", "source-account", "pipeline-accounts", "doctor"]);
    expect(jobs["source-account"].needs).toBe("plan");
    expect(jobs["pipeline-accounts"].needs).toEqual(["plan", "source-account"]);
    expect(jobs["pipeline-accounts"].strategy).toEqual({
      matrix: { stack: "${{ fromJSON(needs.plan.outputs.pipeline-stacks) }}" },
      "max-parallel": 1,
      "fail-fast": true,
    });
    expect(jobs.doctor.needs).toEqual(["plan", "source-account", "pipeline-accounts"]);
    expect(jobs.doctor.if).toBe("${{ !cancelled() && needs.plan.result == 'success' }}");
  });

  it("puts each stack's job behind a GitHub environment named after the stack", () => {
    expect(jobs["source-account"].environment).toBe("source-account");
    expect(jobs["pipeline-accounts"].environment).toBe("${{ matrix.stack }}");
    expect(jobs.plan.environment).toBeUndefined();
  });

  it("lists the pipeline-account stacks in deploy order from the plans' manifest", () => {
    const script = step("plan", (s) => s.id === "stacks", "listing the stacks").run!;
    fs.mkdirSync(path.join(work, "plans"), { recursive: true });
    const stacks = ["source-account", "pipeline-account-staging", "pipeline-account-prod"];
    fs.writeFileSync(path.join(work, "plans", "manifest.json"), JSON.stringify({ stacks: stacks.map((stack) => ({ stack })) }));
    const result = runStep(script, 0);
    expect(result.status).toBe(0);
    expect(result.output).toBe('pipeline-stacks=["pipeline-account-staging","pipeline-account-prod"]\n');
    expect(jobs.plan.outputs).toEqual({ "pipeline-stacks": "${{ steps.stacks.outputs.pipeline-stacks }}" });
  });

  it("uploads the plans once, and each deploy job applies that artifact", () => {
    const upload = step("plan", uses("actions/upload-artifact"), "uploading plans");
    expect(upload.with).toMatchObject({ path: "plans/", "if-no-files-found": "error" });
    for (const job of ["source-account", "pipeline-accounts"]) {
      const download = step(job, uses("actions/download-artifact"), "downloading plans");
      expect(download.with).toEqual({ name: upload.with!.name, path: "plans" });
    }
  });

  it("gets credentials as plan.yml does: read-only roles to plan and for doctor, this environment's deploy roles to deploy", () => {
    for (const [job, variable] of [
      ["plan", "PLAN_ROLES"],
      ["source-account", "DEPLOY_ROLES"],
      ["pipeline-accounts", "DEPLOY_ROLES"],
      ["doctor", "PLAN_ROLES"],
    ] as const) {
      const credentials = step(job, runs(/^bash \.github\/scripts\/aws-profiles\.sh$/), "writing every account's profile");
      expect(credentials.env).toEqual({ PLAN_ROLES: `\${{ vars.${variable} }}` });
      expect(jobs[job].permissions).toEqual({ contents: "read", "id-token": "write" });
    }
    expect(text).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY|configure-aws-credentials/);
  });

  it("passes a plan with changes or dangerous changes on to the deploy jobs, and stops on a plan that failed", () => {
    const script = step("plan", runs(/\bnpm run plan\b/), "running npm run plan").run!;
    for (const [code, status] of [[0, 0], [2, 0], [3, 0], [1, 1], [130, 130]]) {
      const result = runStep(script, code);
      expect(result.calls).toBe("npm run plan\n");
      expect([code, result.status]).toEqual([code, status]);
    }
  });

  it.each(["source-account", "pipeline-accounts"])(
    "%s: applies the plans with npm run deploy, without asking, for its stack only; nothing to do or applied pass, the rest fail",
    (job) => {
      const deploy = step(job, runs(/\bnpm run deploy\b/), "running npm run deploy");
      expect(deploy.env).toEqual({
        STACK: job === "source-account" ? "source-account" : "${{ matrix.stack }}",
        ALLOW_DANGEROUS: "${{ inputs.allow-dangerous && '--allow-dangerous' || '' }}",
      });
      for (const [code, status] of [[0, 0], [2, 0], [1, 1], [3, 3], [4, 4]]) {
        const result = runStep(deploy.run!, code, { STACK: "pipeline-account-prod", ALLOW_DANGEROUS: "" });
        expect(result.calls).toBe("npm run deploy -- --plans plans --stack pipeline-account-prod --yes --skip-doctor\n");
        expect([code, result.status]).toEqual([code, status]);
      }
      const allowed = runStep(deploy.run!, 2, { STACK: "source-account", ALLOW_DANGEROUS: "--allow-dangerous" });
      expect(allowed.calls).toBe("npm run deploy -- --plans plans --stack source-account --yes --skip-doctor --allow-dangerous\n");
    },
  );

  it("runs doctor read-only and uploads its report, text and JSON, whatever it found", () => {
    const doctor = step("doctor", (s) => s.id === "doctor", "running doctor");
    const result = runStep(doctor.run!, 4);
    expect(result.calls).toBe("npm run -s doctor -- --skip-drift\nnpm run -s doctor -- --skip-drift --json\n");
    expect(result.output).toBe("exit-code=4\n");
    expect(result.status).toBe(0);
    const upload = step("doctor", uses("actions/upload-artifact"), "uploading the report");
    expect(upload.if).toBe("always()");
    expect(String(upload.with?.path).trim().split("\n")).toEqual(["doctor.txt", "doctor.json"]);
  });
});
