/**
 * The only module that imports the framework's core package, by the name `cdktf`: CDK for Terraform
 * 0.21.0, or its maintained fork CDK Terrain, which `npm run framework -- cdktn` installs under that
 * name, so this file stays as it is either way. The fork's own provider bindings
 * (@cdktn/provider-aws, AWS provider 6 only) are a larger step: docs/runtime.md.
 */
export {
  App,
  DataTerraformRemoteStateLocal,
  DataTerraformRemoteStateS3,
  Fn,
  LocalBackend,
  Op,
  S3Backend,
  TerraformOutput,
  TerraformStack,
} from "cdktf";
export type { TerraformRemoteState } from "cdktf";
export { Construct } from "constructs";

/** The framework package by name, for what loads it in another process (the benchmark's floor). */
export const FRAMEWORK_PACKAGE = "cdktf";
