/**
 * Every command's edges, as processes: --help prints and does nothing else, unknown flags are
 * errors, values are taken or refused, an interrupt cleans up, errors are one line and a bug's
 * stack points into the TypeScript sources. `npm run plan`'s and `npm run deploy`'s own are in plan-cli.test.ts,
 * plan-runs.test.ts, deploy-cli.test.ts and deploy.test.ts.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PAGES } from "../../scripts/doc-blocks";
import { ROOT } from "../../test-support/config";
import { commandEnv, run, start, type Finished } from "../../test-support/process";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "commands-e2e-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const COMMANDS = [
  { name: "npm run synth", script: "main.ts", flags: "--help" },
  { name: "npm run plan", script: "commands/plan.ts", flags: "--offline, --plans-dir, --summarize, --help" },
  {
    name: "npm run doctor",
    script: "commands/doctor.ts",
    flags: "--json, --skip-drift, --timeout, --print-policy, --pipeline, --pipeline-account, --pipeline-profile, --source-account, --source-profile, --region, --help",
  },
  { name: "npm run fixtures:plans", script: "scripts/plan-fixtures.ts", flags: "--help" },
  { name: "npm run deploy", script: "commands/deploy.ts", flags: "--plans, --stack, --yes, --allow-dangerous, --skip-doctor, --help" },
  { name: "npm run verify:access", script: "commands/verify-access.ts", flags: "--write, --help" },
  { name: "npm run bench", script: "commands/bench.ts", flags: "--runs, --help" },
  { name: "npm run preflight", script: "deploy/preflight-cli.ts", flags: "--plans, --json, --help" },
  { name: "npm run schema", script: "scripts/write-schema.ts", flags: "--help" },
  { name: "npm run docs", script: "scripts/write-docs.ts", flags: "--help" },
  { name: "npm run check:terraform", script: "scripts/check-terraform.ts", flags: "--help" },
  { name: "npm run test:node", script: "scripts/test-node.ts", flags: "--help" },
  { name: "npm run framework", script: "scripts/switch-framework.ts", flags: "--help" },
  { name: "npm run test:framework", script: "scripts/framework-check.ts", flags: "--help" },
];

/** What a command could touch: compared before and after. */
function snapshot(): Record<string, string | undefined> {
  const stat = (file: string) => (fs.existsSync(file) ? `${fs.statSync(file).mtimeMs}` : undefined);
  return {
    schema: stat(path.join(ROOT, "config", "config.schema.json")),
    ...Object.fromEntries(Object.values(PAGES).map((page) => [page, stat(path.join(ROOT, page))])),
    benchResults: stat(path.join(ROOT, "bench", "results")),
    synthOutput: stat(path.join(ROOT, "cdktf.out")),
    planFixtures: stat(path.join(ROOT, "__tests__", "terraform", "plan-fixtures", "tag-change", "source-account.json")),
  };
}

describe.each(COMMANDS)("$name", ({ name, script, flags }) => {
  let help: Finished;
  let unknown: Finished;
  let before: ReturnType<typeof snapshot>;
  beforeAll(async () => {
    before = snapshot();
    [help, unknown] = await Promise.all([run(script, ["--help"]), run(script, ["--bogus"])]);
  });

  it("--help prints the usage, exits 0 and does nothing else", () => {
    expect(help.stderr).toBe("");
    expect(help.stdout).toMatch(new RegExp(`^Usage: ${name}\\s`));
    expect(help.status).toBe(0);
    expect(snapshot()).toEqual(before);
  });

  it("refuses an unknown flag: exit 1, the problem, then the usage", () => {
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toMatch(new RegExp(`^${name}: unknown option "--bogus"; expected only: ${flags}\n\nUsage: ${name}\\s`));
  });
});

describe("npm run bench --runs", () => {
  it("refuses --runs=3, nine or 9x: exit 1, nothing measured", async () => {
    const values = ["3", "nine", "9x"];
    const results = await Promise.all(values.map((runs) => run("commands/bench.ts", [`--runs=${runs}`])));
    expect(results.map((r) => [r.status, r.stdout, r.stderr.split("\n")[0]])).toEqual(
      values.map((runs) => [1, "", `npm run bench: --runs: got "${runs}"; expected a whole number of at least 5`]),
    );
  });

  // SIGINT here, as Ctrl-C sends it; plan-runs.test.ts interrupts a plan with SIGTERM.
  it("takes --runs=9, and on SIGINT stops the command it measures, removes its temp directory, exits 130", async () => {
    const tmp = fs.mkdtempSync(path.join(work, "bench-tmp-"));
    const bench = start("commands/bench.ts", ["--runs=9"], { TMPDIR: tmp });
    await bench.waitFor("floor: warm-up");
    expect(fs.readdirSync(tmp)).toHaveLength(1);
    bench.child.kill("SIGINT");
    const result = await bench.finished;
    expect(result.stderr).toMatch(/npm run bench: SIGINT received, stopping and cleaning up\nnpm run bench: interrupted by SIGINT\n$/);
    expect(result.status).toBe(130);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe("npm run verify:access -- --write", () => {
  it("refuses a config other than the example, before any work, leaving docs/security-model.md alone", async () => {
    const config = path.join(work, "other.json");
    fs.copyFileSync(path.join(ROOT, "config", "example.json"), config);
    const page = fs.readFileSync(path.join(ROOT, "docs", "security-model.md"), "utf8");
    const result = await run("commands/verify-access.ts", ["--write"], { PIPELINE_CONFIG: "other.json", INIT_CWD: work });
    expect(result.stderr).toBe(
      `npm run verify:access: --write writes the table of docs/security-model.md, which documents the example config, but PIPELINE_CONFIG names ${config}; run it without PIPELINE_CONFIG\n`,
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(fs.readFileSync(path.join(ROOT, "docs", "security-model.md"), "utf8")).toBe(page);
  });
});

describe("a command's options typed before -- (npm keeps them for itself)", () => {
  // npm's own configuration, chosen here: what the user's ~/.npmrc says must not decide the test.
  const empty = path.join(work, "npmrc-empty");
  const global = path.join(work, "npmrc-global");
  const offline = path.join(work, "npmrc-offline");
  fs.writeFileSync(empty, "");
  fs.writeFileSync(global, "");
  fs.writeFileSync(offline, "offline=true\n");

  function npmRun(args: readonly string[], userconfig: string): Promise<Finished> {
    const child = spawn("npm", ["run", "-s", ...args], { cwd: ROOT, env: commandEnv({ npm_config_userconfig: userconfig, npm_config_globalconfig: global }) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  let typed: Finished;
  let configured: Finished;
  beforeAll(async () => {
    [typed, configured] = await Promise.all([npmRun(["plan", "--offline"], empty), npmRun(["plan"], offline)]);
  });

  it("npm run plan --offline is refused with the spelling that works, before any work", () => {
    expect(typed.stderr.split("\n")[0]).toBe(
      "npm run plan: npm took --offline as its own option (it set npm_config_offline=true) and did not pass it on; give npm run plan's options after --: npm run plan -- --offline (or unset npm_config_offline, if your environment sets it)",
    );
    expect(typed.status).toBe(1);
    expect(typed.stdout).toBe("");
  });

  it("npm's own offline setting in an .npmrc: the same variable, so the message says what to do either way", () => {
    expect(configured.stderr.split("\n")[0]).toBe(
      `npm run plan: npm_config_offline=true comes from offline=true in ${offline} (npm's own setting) or from --offline typed before --, which npm keeps; ` +
        "npm run plan reads neither. With --offline: npm run plan -- --offline; without: npm run plan --no-offline",
    );
    expect(configured.status).toBe(1);
  });
});

describe("temporary directories", () => {
  // A command of our own making a temporary directory as the commands do, and holding it if asked.
  const fixture = path.join(work, "temp-dir.ts");
  fs.writeFileSync(
    fixture,
    [
      `import { makeTempDir } from ${JSON.stringify(path.join(ROOT, "commands", "cli"))};`,
      'process.stdout.write(`${makeTempDir("plan-").dir}\\n`);',
      'if (process.argv[2] === "hold") setInterval(() => undefined, 1000);',
      "",
    ].join("\n"),
  );

  async function holding(tmp: string): Promise<{ dir: string; kill: () => Promise<unknown> }> {
    const held = start(fixture, ["hold"], { TMPDIR: tmp });
    await held.waitFor("\n");
    return { dir: held.output().stdout.trim(), kill: () => (held.child.kill("SIGKILL"), held.finished) };
  }

  it("a run killed with SIGKILL leaves its own; the next start removes it, and never a running one's", async () => {
    const tmp = fs.mkdtempSync(path.join(work, "tmp-"));
    const killed = await holding(tmp);
    await killed.kill();
    expect(fs.existsSync(killed.dir)).toBe(true);
    const running = await holding(tmp);
    try {
      const next = await run(fixture, [], { TMPDIR: tmp });
      expect(next.status).toBe(0);
      expect(fs.existsSync(killed.dir)).toBe(false);
      expect(fs.readdirSync(tmp)).toEqual([path.basename(running.dir)]);
    } finally {
      await running.kill();
    }
  });
});

describe("npm run verify:access, interrupted once the stacks are rendered", () => {
  it("prints no table and no count: exit 130, temporary directory removed", async () => {
    const tmp = fs.mkdtempSync(path.join(work, "verify-tmp-"));
    const verify = start("commands/verify-access.ts", [], { TMPDIR: tmp });
    // Printed when the render is done, before the simulation (a few hundred milliseconds).
    await verify.waitFor("Simulating every request");
    verify.child.kill("SIGINT");
    const result = await verify.finished;
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      [
        "Rendering every stack with Terraform (offline)",
        "Simulating every request on the policies as rendered",
        "npm run verify:access: SIGINT received, stopping and cleaning up",
        "npm run verify:access: interrupted by SIGINT",
        "",
      ].join("\n"),
    );
    expect(result.status).toBe(130);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe("errors", () => {
  // A command of our own, through the shared runCommand: a user error, then a bug.
  const fixture = path.join(work, "fixture.ts");
  fs.writeFileSync(
    fixture,
    [
      `import { runCommand, UserError } from ${JSON.stringify(path.join(ROOT, "commands", "cli"))};`,
      "",
      "interface Shape {",
      "  readonly kind: string;",
      "}",
      "",
      'runCommand({ name: "fixture", usage: "" }, (): number => {',
      '  const shape: Shape = { kind: process.argv[2] ?? "" };',
      '  if (shape.kind === "user") throw new UserError("the config says no");',
      '  throw new Error("a bug");',
      "});",
      "",
    ].join("\n"),
  );

  it("a user's error is one line, without a stack", async () => {
    const result = await run(fixture, ["user"]);
    expect(result.stderr).toBe("fixture: the config says no\n");
    expect(result.status).toBe(1);
  });

  it("a bug's stack names the line in the TypeScript source, not the transpiled one", async () => {
    const result = await run(fixture, ["bug"]);
    expect(result.stderr).toMatch(new RegExp(`^Error: a bug\n    at .*${fixture.replace(/[.]/g, "\\.")}:10:9\\b`));
    expect(result.status).toBe(1);
  });
});
