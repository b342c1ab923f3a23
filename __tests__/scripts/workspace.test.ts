/**
 * The offline copies Terraform plans without AWS: nothing of the stack's own credentials may
 * survive in them, or Terraform tries to reach AWS (an STS call for the role, say).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { offlineStackDir } from "../../scripts/terraform/workspace";
import { buildApp } from "../../stacks/app";
import { PIPELINE_STACK, SOURCE_STATE } from "../../stacks/outputs";
import { ROOT } from "../../test-support/synth";

const config = loadConfig(path.join(ROOT, "config", "example.json"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "workspace-"));
const outdir = path.join(work, "cdktf.out");

beforeAll(() => buildApp(config, { outdir, projectRoot: ROOT }).app.synth());
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("offlineStackDir", () => {
  it("drops the provider's assume_role (the example's pipeline account assumes a deployer role)", () => {
    const synthesized = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", PIPELINE_STACK, "cdk.tf.json"), "utf8"));
    expect(synthesized.provider.aws[0]).toHaveProperty("assume_role");

    const dir = offlineStackDir(config, outdir, PIPELINE_STACK, path.join(work, "copies"));
    const copy = JSON.parse(fs.readFileSync(path.join(dir.dir, "cdk.tf.json"), "utf8"));
    expect(copy.provider.aws[0]).not.toHaveProperty("assume_role");
    expect(copy.provider.aws[0].region).toBe(config.region);
  });

  it("overrides credentials, backend and, when given a state file, the remote state", () => {
    const dir = offlineStackDir(config, outdir, PIPELINE_STACK, path.join(work, "with-state"), { remoteStatePath: "/tmp/stub.tfstate" });
    const override = JSON.parse(fs.readFileSync(path.join(dir.dir, "offline_override.tf.json"), "utf8"));
    expect(override.provider.aws).toMatchObject({ access_key: "mock", secret_key: "mock", profile: null, allowed_account_ids: null });
    expect(override.terraform.backend).toEqual({ local: { path: "terraform.tfstate" } });
    expect(override.data.terraform_remote_state[SOURCE_STATE]).toEqual({ backend: "local", config: { path: "/tmp/stub.tfstate" } });
  });
});
