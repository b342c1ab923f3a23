/** plans/manifest.json: what deploy compares a set of plans with before it applies any of them. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  buildManifest,
  configHash,
  configProblems,
  fileProblems,
  ManifestError,
  readManifest,
  stackProblems,
  stateProblem,
  versionProblems,
  writeManifest,
  type Manifest,
} from "../../deploy/manifest";
import { config, exampleInput } from "../../test-support/config";
import { parseConfig } from "../../config/load";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "manifest-test-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const VERSIONS = { terraform: "1.11.4", providers: { "registry.terraform.io/hashicorp/aws": "5.100.0" } };

/** A plans directory as npm run plan leaves it for the example: source-account with a saved plan. */
function plansDir(name: string): { dir: string; manifest: Manifest; synthesized: string } {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  for (const file of ["source-account.tfplan", "source-account.json", "source-account.txt", "pipeline-account.json"]) fs.writeFileSync(path.join(dir, file), `${file}\n`);
  const synthesized = path.join(dir, "cdk.tf.json");
  fs.writeFileSync(synthesized, '{"resource":{}}');
  const manifest = buildManifest(dir, {
    config: config(),
    configPath: "config/example.json",
    offline: false,
    versions: VERSIONS,
    stacks: [
      { stack: "source-account", accountId: "111111111111", synthesized, state: { lineage: "l-1", serial: 4 }, result: "planned", changes: true },
      { stack: "pipeline-account", accountId: "222222222222", synthesized, state: null, result: "planned", changes: true, sourceOutputs: "planned" },
    ],
  });
  return { dir, manifest, synthesized };
}

describe("configHash", () => {
  it("is the same for the same config however it is written, and another for any change", () => {
    const input = exampleInput();
    const reordered = Object.fromEntries(Object.entries(input).reverse());
    expect(configHash(parseConfig(reordered, "a.json"))).toBe(configHash(config()));
    expect(configHash(config((c) => (c.pipelines[0].imageTag = "stable")))).not.toBe(configHash(config()));
  });
});

describe("buildManifest and writeManifest", () => {
  it("lists each stack's files that are there, with their hashes, and is written whole", () => {
    const { dir, manifest } = plansDir("written");
    expect(Object.keys(manifest.stacks[0].files)).toEqual(["source-account.tfplan", "source-account.json", "source-account.txt"]);
    expect(Object.keys(manifest.stacks[1].files)).toEqual(["pipeline-account.json"]);
    writeManifest(dir, manifest);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("manifest"))).toEqual(["manifest.json"]);
    expect(readManifest(dir)).toEqual(manifest);
  });
});

describe("readManifest", () => {
  it("is undefined for a directory without one", () => {
    expect(readManifest(work)).toBeUndefined();
  });

  it.each([
    ["not JSON", "{", /is not JSON \(.*\): plan again \(npm run plan\)$/],
    ["another format", '{"format":2,"stacks":[],"config":{"sha256":"x"}}', /is not a manifest this version reads \(format 1\): plan again \(npm run plan\)$/],
  ])("refuses a manifest that is %s", (name, text, message) => {
    const dir = path.join(work, `bad-${name.replace(/\W/g, "")}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "manifest.json"), text);
    expect(() => readManifest(dir)).toThrow(ManifestError);
    expect(() => readManifest(dir)).toThrow(message);
  });
});

describe("what makes plans unusable", () => {
  const { dir, manifest, synthesized } = plansDir("checked");

  it("plans made offline: that alone, since nothing else about them matters", () => {
    expect(configProblems({ ...manifest, offline: true }, config((c) => (c.project = "other")), "x.json")).toEqual([
      "they were made offline (npm run plan -- --offline): with mock credentials and empty state, they would create every resource again. " +
        "Plan against the real accounts (npm run plan) and deploy those plans",
    ]);
  });

  it("another config, naming both; another backend, naming both", () => {
    expect(configProblems(manifest, config(), "config/example.json")).toEqual([]);
    const other = config((c) => (c.backend = { type: "local", directory: "elsewhere" }));
    expect(configProblems(manifest, other, "mine.json")).toEqual([
      'the backend changed: planned with {"type":"local","directory":"terraform-state"}, the config now has {"type":"local","directory":"elsewhere"}',
      `the config changed: they were planned for config/example.json (sha256 ${manifest.config.sha256.slice(0, 12)}), and mine.json is another (sha256 ${configHash(other).slice(0, 12)})`,
    ]);
  });

  it("a stack synthesized otherwise, or not planned at all", () => {
    expect(stackProblems(manifest, new Map([["source-account", synthesized]]))).toEqual([]);
    const changed = path.join(dir, "changed.json");
    fs.writeFileSync(changed, '{"resource":{"x":{}}}');
    expect(stackProblems(manifest, new Map([["source-account", changed], ["pipeline-account-prod", synthesized]]))).toEqual([
      expect.stringMatching(/^source-account changed since it was planned: its synthesized cdk\.tf\.json is another \(sha256 [0-9a-f]{12} then, [0-9a-f]{12} now\)$/),
      "pipeline-account-prod was not planned: the plans have source-account, pipeline-account",
    ]);
  });

  it("another Terraform or provider version", () => {
    expect(versionProblems(manifest, VERSIONS)).toEqual([]);
    expect(versionProblems(manifest, { terraform: "1.12.0", providers: { "registry.terraform.io/hashicorp/aws": "6.0.0" } })).toEqual([
      "Terraform is 1.12.0; the plans were made with 1.11.4",
      "provider registry.terraform.io/hashicorp/aws is 6.0.0; the plans were made with 5.100.0",
    ]);
  });

  it("a state applied to since, or a state where there was none", () => {
    expect(stateProblem(manifest.stacks[0], { lineage: "l-1", serial: 4 })).toBeUndefined();
    expect(stateProblem(manifest.stacks[0], { lineage: "l-1", serial: 5 })).toBe(
      "source-account's state changed since it was planned (serial 4 of lineage l-1 then, serial 5 of lineage l-1 now): someone applied in between",
    );
    expect(stateProblem(manifest.stacks[1], { lineage: "l-2", serial: 1 })).toBe(
      "pipeline-account's state changed since it was planned (no state then, serial 1 of lineage l-2 now): someone applied in between",
    );
  });

  it("a file that is not the one listed (another run's, edited); a missing one is for deploy to judge", () => {
    expect(fileProblems(dir, manifest.stacks[0])).toEqual([]);
    fs.writeFileSync(path.join(dir, "source-account.tfplan"), "another run's plan\n");
    fs.rmSync(path.join(dir, "source-account.txt"));
    expect(fileProblems(dir, manifest.stacks[0])).toEqual(["source-account.tfplan is not the file manifest.json lists (its sha256 differs)"]);
  });
});
