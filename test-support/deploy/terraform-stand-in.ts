/** A `terraform` for the deploy tests: Terraform itself, except that `apply` is apply-stand-in.ts. */
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../config";

/** The real terraform on PATH. */
export function realTerraform(): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir, "terraform");
    if (fs.existsSync(file)) return fs.realpathSync(file);
  }
  throw new Error("terraform is not on PATH");
}

/**
 * Writes `<bin>/terraform` and returns the environment that puts it first on PATH; the stand-in
 * reports applies to `awsUrl` and logs them to `log`.
 */
export function standInTerraform(bin: string, awsUrl: string, log: string): Record<string, string> {
  fs.mkdirSync(bin, { recursive: true });
  const real = realTerraform();
  const register = path.join(ROOT, "scripts", "register.js");
  const script = path.join(ROOT, "test-support", "deploy", "apply-stand-in.ts");
  fs.writeFileSync(
    path.join(bin, "terraform"),
    `#!/bin/sh\nif [ "$1" = "apply" ]; then exec "${process.execPath}" -r "${register}" "${script}" "$@"; fi\nexec "${real}" "$@"\n`,
    { mode: 0o755 },
  );
  return { PATH: `${bin}${path.delimiter}${process.env.PATH}`, STAND_IN_TERRAFORM: real, STAND_IN_AWS: awsUrl, STAND_IN_LOG: log };
}
