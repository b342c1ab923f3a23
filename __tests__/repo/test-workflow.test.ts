/**
 * .github/workflows/test.yml cannot run here (GitHub's runners); this checks that it says what it
 * must: npm ci && npm test on Node 22, 24 and 26 with the Terraform plan.yml uses, the switch to
 * CDK Terrain as a job of its own (not in npm test: it installs packages), and package.json's
 * engines, README's prerequisites and docs/runtime.md naming the Node versions that work.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../test-support/config";
import { readWorkflow, type Step, uses } from "../../test-support/workflow";

const { workflow, jobs } = readWorkflow("test.yml");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

function index(steps: Step[], predicate: (s: Step) => boolean, what: string): number {
  const i = steps.findIndex(predicate);
  if (i === -1) throw new Error(`no step ${what}`);
  return i;
}

describe(".github/workflows/test.yml", () => {
  it("runs on pushes to main and on pull requests, reading the repository only", () => {
    expect(workflow.on).toEqual({ push: { branches: ["main"] }, pull_request: null });
    expect(workflow.permissions).toEqual({ contents: "read" });
    expect(Object.keys(jobs)).toEqual(["test", "framework"]);
  });

  describe("the test job", () => {
    const job = jobs.test;
    const steps = job.steps;

    it("runs on Node 22, 24 and 26, each to the end whatever the others do", () => {
      expect(job.strategy).toEqual({ "fail-fast": false, matrix: { node: [22, 24, 26] } });
      expect(steps[index(steps, uses("actions/setup-node"), "setting up Node")].with?.["node-version"]).toBe("${{ matrix.node }}");
    });

    it("sets up the Terraform plan.yml uses, without the wrapper that rewrites exit codes", () => {
      const setup = steps[index(steps, uses("hashicorp/setup-terraform"), "setting up Terraform")];
      const planSetup = readWorkflow("plan.yml").jobs.plan.steps.find(uses("hashicorp/setup-terraform"));
      expect(setup.uses).toBe(planSetup?.uses);
      expect(setup.with).toEqual({ terraform_version: planSetup?.with?.terraform_version, terraform_wrapper: false });
    });

    it("installs from the lock file, then runs npm test, after Node and Terraform are set up", () => {
      const install = index(steps, (s) => /^npm ci\b/.test(s.run ?? ""), "running npm ci");
      const test = index(steps, (s) => s.run === "npm test", "running npm test");
      expect(install).toBeLessThan(test);
      expect(index(steps, uses("hashicorp/setup-terraform"), "setting up Terraform")).toBeLessThan(test);
      expect(index(steps, uses("actions/setup-node"), "setting up Node")).toBeLessThan(install);
    });
  });

  describe("the framework job", () => {
    const steps = jobs.framework.steps;

    it("runs npm run test:framework after npm ci, on Node 24 (npm 11, which wrote the lock file)", () => {
      expect(steps[index(steps, uses("actions/setup-node"), "setting up Node")].with?.["node-version"]).toBe(24);
      const install = index(steps, (s) => /^npm ci\b/.test(s.run ?? ""), "running npm ci");
      expect(index(steps, (s) => s.run === "npm run test:framework", "running the framework check")).toBeGreaterThan(install);
    });

    it("is a script of its own, not part of npm test (it installs packages)", () => {
      expect(pkg.scripts["test:framework"]).toBe("node -r ./scripts/register.js scripts/framework-check.ts");
      expect(pkg.scripts.test).not.toMatch(/framework/);
    });
  });
});

describe("the Node versions that work, stated", () => {
  it("engines admits Node 20 through 26, which the workflow (22, 24, 26) and this project's machine (20) test", () => {
    expect(pkg.engines).toEqual({ node: ">=20 <27" });
  });

  it("keeps the cdktf CLI optional, so that npm ci on 24 and later succeeds, without it, where npm cannot compile its native module", () => {
    // A failed install script of a package reached only through optional dependencies is not an
    // npm ci failure: npm leaves that package out (checked by hand without a C++ toolchain).
    expect(pkg.optionalDependencies).toEqual({ "cdktf-cli": "0.21.0" });
    expect(pkg.devDependencies["cdktf-cli"]).toBeUndefined();
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
    expect(lock.packages["node_modules/@cdktf/node-pty-prebuilt-multiarch"]).toMatchObject({ optional: true, hasInstallScript: true });
  });

  it("README's prerequisites say the same, and link the page on what differs on 24 and later", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const intro = readme.slice(0, readme.indexOf("\n## "));
    expect(intro).toMatch(/Prerequisites:\s+Node\.js 20 through 26\b/);
    const prerequisites = readme.slice(readme.indexOf("\n## Prerequisites\n"), readme.indexOf("\n## ", readme.indexOf("\n## Prerequisites\n") + 1));
    expect(prerequisites).toMatch(/\*\*Node\.js 20 through 26\*\*[^]*\]\(docs\/runtime\.md\)/);
    const runtime = fs.readFileSync(path.join(ROOT, "docs", "runtime.md"), "utf8");
    expect(runtime).toMatch(/^\*\*Node\.js 20 through 26\*\* \(`engines`: `>=20 <27`\)/m);
  });
});
