/**
 * Names of the source-account stack's outputs, which the pipeline-account stack reads through
 * `terraform_remote_state`. Defined once, here: a name written twice could drift and would fail
 * only at plan time in the second account.
 */
import type { PipelineConfig } from "../config/schema";
import { pipelineStackName, SOURCE_STACK } from "../lib/naming";

export { pipelineStackName, SOURCE_STACK };
/** The pipeline-account stack of a config with one `pipelineAccount`. */
export const PIPELINE_STACK = pipelineStackName("");

/** Id of each pipeline-account stack's `terraform_remote_state` of the source-account stack. */
export const SOURCE_STATE = "source-account-state";

/** Pipeline names are lowercase letters, digits and hyphens, so this mapping cannot collide. */
function key(pipeline: string): string {
  return pipeline.replace(/-/g, "_");
}

export const sourceOutputs = {
  sourceAccessRoleArn: (pipeline: string) => `${key(pipeline)}_source_access_role_arn`,
  repositoryName: (pipeline: string) => `${key(pipeline)}_repository_name`,
  repositoryArn: (pipeline: string) => `${key(pipeline)}_repository_arn`,
  repositoryUrl: (pipeline: string) => `${key(pipeline)}_repository_url`,
} as const;

/** Every output the source-account stack has for these pipelines. */
export function sourceOutputNames(pipelines: readonly Pick<PipelineConfig, "name">[]): string[] {
  return pipelines.flatMap((p) => Object.values(sourceOutputs).map((name) => name(p.name)));
}
