/**
 * Scratch copies of synthesized stacks that Terraform can init, plan and test offline. The copies
 * carry the offline overrides; the synthesized stacks users deploy are never touched.
 */
import * as fs from "fs";
import * as path from "path";
import { stackAccount } from "../config/accounts";
import type { Config } from "../config/schema";
import { ACCOUNT_BINDING_ARGUMENTS, OFFLINE_PROVIDER, type AwsContext, type StackJson } from "./fixtures";

export interface StackDir {
  readonly stack: string;
  readonly dir: string;
  readonly json: StackJson;
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
}

export interface StackDirOptions {
  /** Drop `lifecycle.prevent_destroy`, which `terraform test` trips over when it cleans up. */
  readonly allowDestroy?: boolean;
  /** State file to read `terraform_remote_state` from, instead of the configured backend. */
  readonly remoteStatePath?: string;
}

export function stackContext(config: Config, stack: string): AwsContext {
  return { accountId: stackAccount(config, stack), region: config.region };
}

/**
 * Copies `<synthOutdir>/stacks/<stack>/cdk.tf.json` to `<workRoot>/<stack>/` for an offline run:
 * without the provider's account bindings, and with an override file for mock credentials, a
 * local backend and (optionally) where to read remote state from.
 */
export function offlineStackDir(
  config: Config,
  synthOutdir: string,
  stack: string,
  workRoot: string,
  options: StackDirOptions = {},
): StackDir {
  const json = JSON.parse(fs.readFileSync(path.join(synthOutdir, "stacks", stack, "cdk.tf.json"), "utf8"));
  if (options.allowDestroy) {
    for (const resources of Object.values(json.resource ?? {}) as Record<string, Record<string, unknown>>[]) {
      for (const resource of Object.values(resources)) {
        const lifecycle = resource.lifecycle as Record<string, unknown> | undefined;
        if (lifecycle) delete lifecycle.prevent_destroy;
      }
    }
  }
  for (const provider of (json.provider?.aws ?? []) as Record<string, unknown>[]) {
    for (const argument of ACCOUNT_BINDING_ARGUMENTS) delete provider[argument];
  }
  const dir = path.join(workRoot, stack);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(json, null, 2));

  const remoteStates = Object.keys(json.data?.terraform_remote_state ?? {});
  const override = {
    terraform: { backend: { local: { path: "terraform.tfstate" } } },
    provider: { aws: OFFLINE_PROVIDER },
    ...(options.remoteStatePath &&
      remoteStates.length > 0 && {
        data: {
          terraform_remote_state: Object.fromEntries(
            remoteStates.map((name) => [name, { backend: "local", config: { path: options.remoteStatePath } }]),
          ),
        },
      }),
  };
  fs.writeFileSync(path.join(dir, "offline_override.tf.json"), JSON.stringify(override, null, 2));
  return { stack, dir, json, context: stackContext(config, stack) };
}

