/**
 * The offline copies Terraform plans without AWS: nothing of the stack's own credentials may
 * survive in them, or Terraform tries to reach AWS (an STS call for the role, say).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { offlineStackDir } from "../../terraform/workspace";
import { buildApp } from "../../stacks/app";
import { PIPELINE_STACK, SOURCE_STATE } from "../../stacks/outputs";
import { ROOT } from "../../test-support/config";

const config = loadConfig(path.join(ROOT, "config", "example.json"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "workspace-"));
const outdir = path.join(work, "cdktf.out");

beforeAll(() => buildApp(config, { outdir, projectRoot: ROOT }).app.synth());
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The provider settings Terraform uses for the copy: its own, with the override's arguments on top. */
function effectiveProvider(dir: string): Record<string, unknown> {
  const copy = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8"));
  const override = JSON.parse(fs.readFileSync(path.join(dir, "offline_override.tf.json"), "utf8"));
  return { ...copy.provider.aws[0], ...override.provider.aws };
}

describe("offlineStackDir", () => {
  it("keeps no account, profile or role of the stack's provider (the example's pipeline account assumes a deployer role)", () => {
    const synthesized = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", PIPELINE_STACK, "cdk.tf.json"), "utf8"));
    expect(synthesized.provider.aws[0]).toHaveProperty("assume_role");

    const provider = effectiveProvider(offlineStackDir(config, outdir, PIPELINE_STACK, path.join(work, "copies")).dir);
    // An override cannot remove the nested assume_role block: it must be gone from the copy.
    expect(provider).not.toHaveProperty("assume_role");
    for (const argument of ["profile", "allowed_account_ids"]) expect(provider[argument] ?? null).toBeNull();
    expect(provider).toMatchObject({ access_key: "mock", secret_key: "mock", region: config.region });
  });

  it("overrides the backend and, when given a state file, the remote state", () => {
    const dir = offlineStackDir(config, outdir, PIPELINE_STACK, path.join(work, "with-state"), { remoteStatePath: "/tmp/stub.tfstate" });
    const override = JSON.parse(fs.readFileSync(path.join(dir.dir, "offline_override.tf.json"), "utf8"));
    expect(override.terraform.backend).toEqual({ local: { path: "terraform.tfstate" } });
    expect(override.data.terraform_remote_state[SOURCE_STATE]).toEqual({ backend: "local", config: { path: "/tmp/stub.tfstate" } });
  });
});
