/**
 * The shared provider's life cycle, with a stand-in for the provider binary (a shell script where
 * `terraform init` puts the real one): what Terraform is told, what the provider is given, and that
 * nothing is left running. The real provider serves the offline plan and the Terraform checks in
 * the e2e suite.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installedProvider, PLATFORM, shareProvider } from "../../terraform/provider-server";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "provider-server-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const REATTACH = { "registry.terraform.io/hashicorp/aws": { Protocol: "grpc", ProtocolVersion: 5, Pid: 1, Test: true, Addr: { Network: "unix", String: "/x" } } };

/** An initialized directory whose provider is `script` (a shell script body). */
function initialized(name: string, script: string): { dir: string; binary: string } {
  const dir = path.join(work, name);
  const bin = path.join(dir, ".terraform", "providers", "registry.terraform.io", "hashicorp", "aws", "5.100.0", PLATFORM);
  fs.mkdirSync(bin, { recursive: true });
  const binary = path.join(bin, "terraform-provider-aws_v5.100.0_x5");
  fs.writeFileSync(binary, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return { dir, binary };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("shareProvider", () => {
  it("tells Terraform where the provider listens, gives the provider its socket directory, and stops it", async () => {
    // As tf5server's debug mode does: print the reattach configuration, serve until SIGINT.
    const banner = path.join(work, "banner.txt");
    fs.writeFileSync(
      banner,
      "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n" +
        `\tTF_REATTACH_PROVIDERS='${JSON.stringify(REATTACH)}'\n\n`,
    );
    const { dir } = initialized(
      "serving",
      `echo "$$ $TMPDIR \${AWS_CA_BUNDLE:-none} $1" > "$OUT"
trap 'exit 0' INT
cat "${banner}"
while true; do sleep 0.05; done`,
    );
    const out = path.join(work, "serving.out");
    const socketDir = path.join(work, "serving-socket");
    const shared = await shareProvider(dir, socketDir, { ...process.env, OUT: out, AWS_CA_BUNDLE: "/etc/ca.pem", KEEP: "1" });
    expect(shared).toBeDefined();
    expect(JSON.parse(shared!.env.TF_REATTACH_PROVIDERS!)).toEqual(REATTACH);
    expect(shared!.env.KEEP).toBe("1");
    const [pid, tmpdir, caBundle, flag] = fs.readFileSync(out, "utf8").trim().split(" ");
    expect([tmpdir, caBundle, flag]).toEqual([socketDir, "none", "-debug"]);
    expect(alive(Number(pid))).toBe(true);
    await shared!.stop();
    expect(alive(Number(pid))).toBe(false);
  });

  it("leaves Terraform to start its own when the provider prints no reattach configuration", async () => {
    const { dir } = initialized("silent", `echo "$$" > "$OUT"; echo "some other output"; exit 1`);
    const out = path.join(work, "silent.out");
    expect(await shareProvider(dir, path.join(work, "silent-socket"), { ...process.env, OUT: out })).toBeUndefined();
    expect(alive(Number(fs.readFileSync(out, "utf8").trim()))).toBe(false);
  });

  it("finds no provider where terraform init has not run", async () => {
    expect(installedProvider(path.join(work, "nothing"))).toBeUndefined();
    expect(await shareProvider(path.join(work, "nothing"), path.join(work, "nothing-socket"), process.env)).toBeUndefined();
    expect(installedProvider(initialized("installed", "exit 0").dir)).toMatch(/terraform-provider-aws_v5\.100\.0_x5$/);
  });
});
