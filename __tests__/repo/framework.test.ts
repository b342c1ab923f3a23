/**
 * The switch between cdktf and CDK Terrain (scripts/framework.ts, scripts/synth-compare.ts): what is
 * permanent in package.json, the one line a switch edits, the install loop that settles the lock
 * file and puts both files back on a failure, and the comparison of two synthesized outputs. The
 * switch itself, with real installs, is `npm run test:framework` (a CI job: it installs packages).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../test-support/config";
import { FrameworkError, FRAMEWORKS, frameworkOfPackageJson, lockOmitsResolved, MAX_INSTALLS, switchFramework, withFramework } from "../../scripts/framework";
import { compareSynth } from "../../scripts/synth-compare";

// This checkout's, on whichever framework it is (npm test passes on both); and as committed, on cdktf.
const current = fs.readFileSync(path.join(ROOT, "package.json"), "utf8");
const framework = frameworkOfPackageJson(current);
const packageJson = framework === "cdktf" ? current : withFramework(current, "cdktf");
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));

/** a.b.c compared as numbers. */
function atLeast(version: string, floor: string): boolean {
  const [v, f] = [version, floor].map((s) => s.split(".").map(Number));
  for (let i = 0; i < 3; i++) if (v[i] !== f[i]) return v[i] > f[i];
  return true;
}

describe("package.json fits both frameworks", () => {
  const pkg = JSON.parse(current);

  it("is on one of the two, and the lock file agrees", () => {
    expect(lock.packages[""].dependencies.cdktf).toBe(FRAMEWORKS[framework].spec);
    expect(lock.packages["node_modules/cdktf"]).toMatchObject({ version: FRAMEWORKS[framework].version });
    expect(lock.packages["node_modules/cdktf"].name ?? "cdktf").toBe(FRAMEWORKS[framework].packageName);
  });

  it("lets the provider bindings' cdktf peer follow the cdktf dependency, whichever package it is", () => {
    expect(pkg.overrides).toEqual({ "@cdktf/provider-aws": { cdktf: "$cdktf" } });
    expect(lock.packages["node_modules/@cdktf/provider-aws"].peerDependencies.cdktf).toBe("^0.21.0");
  });

  it("locks a constructs version that cdktn 0.24.0 (>=10.6.0 <10.8.0), cdktf and the bindings (^10.4.2) all accept", () => {
    expect(pkg.dependencies.constructs).toBe(">=10.6.0 <10.8.0");
    const locked = lock.packages["node_modules/constructs"].version;
    expect(atLeast(locked, "10.6.0") && !atLeast(locked, "10.8.0") && atLeast(locked, "10.4.2")).toBe(true);
  });

  it("has a jest stub for every function of the framework's stack-trace modules (cdktn adds captureCreationStack)", () => {
    // Loaded here by jest's own registry: the real modules, not the stub environment.js puts in Node's cache.
    const stub = require("../../test-support/jest/no-stack-trace");
    for (const file of ["cdktf/lib/tokens/private/stack-trace", "constructs/lib/private/stack-trace"]) {
      const real = jest.requireActual(file);
      const functions = Object.keys(real).filter((name) => typeof real[name] === "function");
      expect(functions).toContain("captureStackTrace");
      for (const name of functions) expect([file, name, typeof stub[name]]).toEqual([file, name, "function"]);
    }
    expect(stub.captureCreationStack()).toEqual([]);
  });
});

describe("withFramework", () => {
  it("changes the cdktf dependency line and nothing else, and back again byte for byte", () => {
    const cdktn = withFramework(packageJson, "cdktn");
    const [before, after] = [packageJson, cdktn].map((t) => t.split("\n"));
    const changed = before.map((line, i) => [line, after[i]]).filter(([a, b]) => a !== b);
    expect(after).toHaveLength(before.length);
    expect(changed).toEqual([['    "cdktf": "0.21.0",', '    "cdktf": "npm:cdktn@0.24.0",']]);
    // The overrides entry's "$cdktf" is the same key, one level deeper: untouched.
    expect(cdktn).toContain('"cdktf": "$cdktf"');
    expect(frameworkOfPackageJson(cdktn)).toBe("cdktn");
    expect(withFramework(cdktn, "cdktf")).toBe(packageJson);
  });

  it("refuses a cdktf dependency that is neither of the two, naming it", () => {
    const other = packageJson.replace('"cdktf": "0.21.0"', '"cdktf": "^0.20.0"');
    expect(() => withFramework(other, "cdktn")).toThrow(
      new FrameworkError(`package.json's "cdktf" dependency is "^0.20.0"; expected "0.21.0" (cdktf) or "npm:cdktn@0.24.0" (cdktn)`),
    );
  });

  it("refuses a package.json not formatted as npm writes it, rather than guess", () => {
    const oneLine = JSON.stringify(JSON.parse(packageJson));
    expect(() => withFramework(oneLine, "cdktn")).toThrow(
      new FrameworkError(`package.json: no line "cdktf": "0.21.0" in "dependencies" to change (is it formatted as npm writes it?)`),
    );
  });
});

describe("lockOmitsResolved", () => {
  it("tells a lock file without registry URLs (this one) from one with them", () => {
    expect(lockOmitsResolved(JSON.stringify(lock))).toBe(true);
    const withUrls = { packages: { "": {}, "node_modules/a": { version: "1.0.0", integrity: "sha512-x", resolved: "https://registry.npmjs.org/a/-/a-1.0.0.tgz" } } };
    expect(lockOmitsResolved(JSON.stringify(withUrls))).toBe(false);
    expect(lockOmitsResolved(JSON.stringify({ packages: { "": {} } }))).toBeUndefined();
  });
});

describe("switchFramework", () => {
  let root: string;
  const LOCK = '{"packages":{"":{},"node_modules/cdktf":{"version":"0.21.0","integrity":"sha512-x"}}}\n';

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "framework-switch-"));
    fs.writeFileSync(path.join(root, "package.json"), packageJson);
    fs.writeFileSync(path.join(root, "package-lock.json"), LOCK);
    installed("cdktf", "0.21.0");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function installed(name: string, version: string) {
    fs.mkdirSync(path.join(root, "node_modules", "cdktf"), { recursive: true });
    fs.writeFileSync(path.join(root, "node_modules", "cdktf", "package.json"), JSON.stringify({ name, version }));
  }
  const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

  /** An npm that writes these lock files, one per install, then keeps the last; or fails at install `failAt`. */
  function fakeNpm(locks: string[], failAt?: number) {
    const calls: (boolean | undefined)[] = [];
    const install = async (omitResolved: boolean | undefined) => {
      calls.push(omitResolved);
      if (calls.length === failAt) throw new Error("npm install failed (exit 1)");
      installed("cdktn", "0.24.0");
      fs.writeFileSync(path.join(root, "package-lock.json"), locks[Math.min(calls.length, locks.length) - 1]);
    };
    return { calls, install };
  }

  it("installs until the lock file stops changing (npm settles it in two here), keeping its form", async () => {
    const npm = fakeNpm(["lock after one install", "lock after two"]);
    const result = await switchFramework(root, "cdktn", npm.install);
    expect(result).toEqual({ from: "cdktf", to: "cdktn", installs: 3 });
    expect(npm.calls).toEqual([true, true, true]);
    expect(read("package.json")).toBe(withFramework(packageJson, "cdktn"));
    expect(read("package-lock.json")).toBe("lock after two");
  });

  it("does nothing when package.json and node_modules already say so", async () => {
    const npm = fakeNpm(["never written"]);
    expect(await switchFramework(root, "cdktf", npm.install)).toEqual({ from: "cdktf", to: "cdktf", installs: 0 });
    expect(npm.calls).toEqual([]);
  });

  it("puts both files back when the first install fails (npm rolls node_modules back itself)", async () => {
    const npm = fakeNpm(["x"], 1);
    await expect(switchFramework(root, "cdktn", npm.install)).rejects.toThrow(
      "npm install failed (exit 1); package.json and package-lock.json are as they were",
    );
    expect([read("package.json"), read("package-lock.json")]).toEqual([packageJson, LOCK]);
  });

  it("puts both files back when a later install fails, and says node_modules needs npm ci", async () => {
    const npm = fakeNpm(["changed"], 2);
    await expect(switchFramework(root, "cdktn", npm.install)).rejects.toThrow(
      "npm install failed (exit 1); package.json and package-lock.json are as they were; run npm ci to make node_modules match them again",
    );
    expect([read("package.json"), read("package-lock.json")]).toEqual([packageJson, LOCK]);
  });

  it(`gives up after ${MAX_INSTALLS} installs if the lock file never settles, and puts both files back`, async () => {
    const npm = fakeNpm(["1", "2", "3", "4", "5"]);
    await expect(switchFramework(root, "cdktn", npm.install)).rejects.toThrow(
      `package-lock.json still changed after ${MAX_INSTALLS} npm installs; package.json and package-lock.json are as they were; run npm ci`,
    );
    expect(npm.calls).toHaveLength(MAX_INSTALLS);
    expect([read("package.json"), read("package-lock.json")]).toEqual([packageJson, LOCK]);
  });
});

describe("compareSynth", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-compare-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A cdktf.out as `version` writes it; `change` edits the stack's JSON. */
  function out(name: string, version: string, change: (stack: Record<string, any>) => void = () => {}, compactLists = false): string {
    const stack: Record<string, any> = {
      "//": { metadata: { backend: "local", stackName: "source-account", version } },
      resource: { aws_iam_role: { r: { name: "demo-web-source-access" } } },
    };
    change(stack);
    const manifest = { stacks: { "source-account": { annotations: [], dependencies: [] } }, version };
    const root = path.join(dir, name);
    fs.mkdirSync(path.join(root, "stacks", "source-account"), { recursive: true });
    fs.writeFileSync(path.join(root, "stacks", "source-account", "cdk.tf.json"), JSON.stringify(stack, null, 2));
    // cdktn writes an empty list as [] where cdktf breaks the line: the same JSON.
    fs.writeFileSync(path.join(root, "manifest.json"), compactLists ? JSON.stringify(manifest) : JSON.stringify(manifest, null, 2).replace(/\[\]/g, "[\n      ]"));
    return root;
  }

  it("finds two outputs the same but for the version stamp, and reports each side's stamp", () => {
    const result = compareSynth(out("a", "0.21.0"), out("b", "0.24.0", undefined, true), ["cdktf", "cdktn"]);
    expect(result).toEqual({ differences: [], stamps: [["0.21.0"], ["0.24.0"]], files: 2 });
  });

  it("names the file and the JSON path of any other difference, and a file only one side has", () => {
    const b = out("b", "0.24.0", (stack) => {
      stack.resource.aws_iam_role.r.name = "demo-web-source";
      stack["//"].metadata.backend = "s3";
    });
    fs.writeFileSync(path.join(b, "extra.json"), "{}");
    expect(compareSynth(out("a", "0.21.0"), b, ["cdktf", "cdktn"]).differences).toEqual([
      "extra.json: only in cdktn",
      'stacks/source-account/cdk.tf.json: $["//"]["metadata"]["backend"]: "local" (cdktf) vs "s3" (cdktn)',
    ]);
  });
});
