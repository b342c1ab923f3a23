/**
 * The only module that imports the CDKTF core package. CDKTF itself is no longer maintained by
 * HashiCorp (December 2025); moving to its community fork means changing this import and the
 * provider imports in lib/aws.ts, nothing else.
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
