/**
 * Where each stack keeps its state, and how the pipeline-account stack reads the source-account
 * stack's outputs: both follow the config's `backend`.
 */
import * as path from "path";
import type { BackendConfig } from "../config/schema";
import {
  DataTerraformRemoteStateLocal,
  DataTerraformRemoteStateS3,
  LocalBackend,
  S3Backend,
  type Construct,
  type TerraformRemoteState,
} from "../lib/cdktf";

export interface StackPaths {
  /** The synth output directory (`cdktf.out`); Terraform runs in `<outdir>/stacks/<stack>`. */
  readonly outdir: string;
  /** Where relative paths in the config start: the directory holding cdktf.json. */
  readonly projectRoot: string;
}

/**
 * The local state file of a stack, relative to the directory Terraform runs in. Relative, so that
 * the synthesized JSON (and the plans reviewed in CI) do not depend on where the repo is checked out.
 */
function localStatePath(stack: string, directory: string, paths: StackPaths): string {
  const workingDirectory = path.resolve(paths.projectRoot, paths.outdir, "stacks", stack);
  const stateFile = path.resolve(paths.projectRoot, directory, `${stack}.tfstate`);
  return path.relative(workingDirectory, stateFile);
}

function s3Key(keyPrefix: string, stack: string): string {
  return `${keyPrefix}/${stack}.tfstate`;
}

function s3Access(backend: Extract<BackendConfig, { type: "s3" }>) {
  return {
    bucket: backend.bucket,
    region: backend.region,
    encrypt: true,
    ...(backend.profile && { profile: backend.profile }),
    ...(backend.assumeRoleArn && { assumeRole: { roleArn: backend.assumeRoleArn } }),
  };
}

export function configureBackend(stack: Construct, stackName: string, backend: BackendConfig, paths: StackPaths): void {
  if (backend.type === "local") {
    new LocalBackend(stack, { path: localStatePath(stackName, backend.directory, paths) });
    return;
  }
  const s3 = new S3Backend(stack, { ...s3Access(backend), key: s3Key(backend.keyPrefix, stackName) });
  // S3-native locking (Terraform >= 1.10); the binding predates the argument.
  s3.addOverride("use_lockfile", true);
}

/** Reads another stack's outputs from wherever `configureBackend` put its state. */
export function remoteState(
  scope: Construct,
  id: string,
  fromStack: string,
  backend: BackendConfig,
  paths: StackPaths,
): TerraformRemoteState {
  if (backend.type === "local") {
    return new DataTerraformRemoteStateLocal(scope, id, { path: localStatePath(fromStack, backend.directory, paths) });
  }
  return new DataTerraformRemoteStateS3(scope, id, { ...s3Access(backend), key: s3Key(backend.keyPrefix, fromStack) });
}
