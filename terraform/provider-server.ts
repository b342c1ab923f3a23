/**
 * One AWS provider process for a series of Terraform commands, instead of one per command.
 *
 * Terraform starts the provider plugin afresh for every step of every command (a `plan` starts it
 * three times, `terraform test` three times per run block), and the AWS provider is a 700 MB
 * binary that takes most of a second to start. A provider started with `-debug` serves instead,
 * and Terraform connects to it when `TF_REATTACH_PROVIDERS` names it: Terraform's "unmanaged
 * providers", the mechanism terraform-plugin-testing runs acceptance tests with
 * (https://developer.hashicorp.com/terraform/plugin/debugging, "Debugging providers": debugger-based
 * debugging). Here it cuts the CPU time of an offline plan, or of `terraform test` of several
 * stacks, to about a third.
 *
 * Only for commands that run one after another, offline: a shared provider holds one
 * configuration at a time, so two Terraform processes configuring it differently at the same time
 * would race. Every caller here runs its commands in sequence (and one `terraform test` process
 * runs its run blocks in sequence). It is an optimization, not a requirement: when the provider
 * cannot be started this way, `shareProvider` returns undefined and Terraform starts its own.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";

const PROVIDER = path.join("registry.terraform.io", "hashicorp", "aws");
/** The platform directory `terraform init` installs providers under (Terraform's names: `linux_amd64`). */
export const PLATFORM = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
/** How long the provider may take to print its reattach configuration (it waits 2 s for its own server). */
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export interface SharedProvider {
  /** The environment for Terraform processes that use it: `env` plus `TF_REATTACH_PROVIDERS`. */
  readonly env: NodeJS.ProcessEnv;
  /** Stops it (SIGINT, as its debug mode expects) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * The AWS provider binary `terraform init` installed in `dir` (a mirror installs a link to it),
 * or undefined when there is none or more than one.
 */
export function installedProvider(dir: string): string | undefined {
  return providerUnder(path.join(dir, ".terraform", "providers"));
}

/** The AWS provider binary of an unpacked filesystem mirror (terraform/cli.ts providerMirror), if it holds exactly one. */
export function mirroredProvider(mirror: string): string | undefined {
  return providerUnder(mirror);
}

/** `<root>/registry.terraform.io/hashicorp/aws/<version>/<platform>/terraform-provider-aws*`, when there is exactly one. */
function providerUnder(providers: string): string | undefined {
  const root = path.join(providers, PROVIDER);
  let versions: string[];
  try {
    versions = fs.readdirSync(root);
  } catch {
    return undefined;
  }
  const binaries = versions.flatMap((version) => {
    const bin = path.join(root, version, PLATFORM);
    try {
      return fs
        .readdirSync(bin)
        .filter((f) => f.startsWith("terraform-provider-aws"))
        .map((f) => path.join(bin, f));
    } catch {
      return [];
    }
  });
  return binaries.length === 1 ? binaries[0] : undefined;
}

/** Started providers not yet stopped: killed should this process exit first. */
const started = new Set<ChildProcess>();

function killStarted(): void {
  for (const child of started) child.kill("SIGKILL");
}

/**
 * Starts the provider `terraform init` installed in `initializedDir` in debug mode, for the
 * Terraform processes run with the returned `env`. Its socket goes to `socketDir` (removed with
 * the caller's scratch space, whatever happens to the provider). Undefined when it cannot be
 * started this way (no single installed binary, no reattach configuration in time).
 */
export async function shareProvider(
  initializedDir: string,
  socketDir: string,
  env: NodeJS.ProcessEnv,
): Promise<SharedProvider | undefined> {
  const binary = installedProvider(initializedDir);
  return binary ? shareProviderBinary(binary, socketDir, env) : undefined;
}

/** shareProvider for a provider binary given by its path (a mirror's, say). */
export async function shareProviderBinary(binary: string, socketDir: string, env: NodeJS.ProcessEnv): Promise<SharedProvider | undefined> {
  fs.mkdirSync(socketDir, { recursive: true });
  // The provider reads the environment of its own process, not of the Terraform that uses it.
  // Without AWS_CA_BUNDLE: in debug mode the provider fails to configure with one ("unable to add
  // custom RootCAs HTTPClient"), though started by Terraform it accepts it; the offline runs this
  // serves make no HTTPS request.
  const { AWS_CA_BUNDLE: _, ...providerEnv } = env;
  // Its own process group: a Ctrl-C in the terminal reaches the commands, which stop it in order.
  const child = spawn(binary, ["-debug"], {
    env: { ...providerEnv, TMPDIR: socketDir },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (started.size === 0) process.once("exit", killStarted);
  started.add(child);
  const exited = new Promise<void>((resolve) =>
    child.on("close", () => {
      started.delete(child);
      if (started.size === 0) process.off("exit", killStarted);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  // Its log goes to stderr; read and dropped so that it never blocks on a full pipe.
  child.stderr.resume();
  const reattach = await new Promise<string | undefined>((resolve) => {
    let out = "";
    const done = (value: string | undefined) => {
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), START_TIMEOUT_MS);
    child.on("error", () => done(undefined));
    child.on("close", () => done(undefined));
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8");
      // tf5server's managed debug mode prints: TF_REATTACH_PROVIDERS='{"registry.terraform.io/hashicorp/aws":{...}}'
      const match = /TF_REATTACH_PROVIDERS='(\{.*\})'/.exec(out);
      if (!match) return;
      // Whatever it prints from now on is dropped.
      child.stdout.off("data", onData);
      child.stdout.resume();
      done(validReattach(match[1]));
    };
    child.stdout.on("data", onData);
  });
  if (!reattach) {
    await stop();
    return undefined;
  }
  return { env: { ...env, TF_REATTACH_PROVIDERS: reattach }, stop };
}

/** The reattach configuration when it names the AWS provider, else undefined. */
function validReattach(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return parsed["registry.terraform.io/hashicorp/aws"] ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `work` with a shared provider when one can be started, else with `env` as it is; always stops it. */
export async function withSharedProvider<T>(
  initializedDir: string,
  socketDir: string,
  env: NodeJS.ProcessEnv,
  work: (env: NodeJS.ProcessEnv) => Promise<T>,
): Promise<T> {
  const shared = await shareProvider(initializedDir, socketDir, env);
  try {
    return await work(shared?.env ?? env);
  } finally {
    await shared?.stop();
  }
}
