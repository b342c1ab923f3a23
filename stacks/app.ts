import type { Config } from "../config/schema";
import { App } from "../lib/cdktf";
import type { StackPaths } from "./backend";
import { PIPELINE_STACK, SOURCE_STACK } from "./outputs";
import { PipelineAccountStack } from "./pipeline-account-stack";
import { SourceAccountStack } from "./source-account-stack";

export interface BuiltApp {
  readonly app: App;
  readonly source: SourceAccountStack;
  readonly pipeline: PipelineAccountStack;
}

/** Both stacks for one validated config. Nothing here reads the environment or writes files. */
export function buildApp(config: Config, paths: StackPaths): BuiltApp {
  const app = new App({ outdir: paths.outdir });
  const source = new SourceAccountStack(app, SOURCE_STACK, { config, paths });
  const pipeline = new PipelineAccountStack(app, PIPELINE_STACK, { config, paths });
  // So that `cdktf deploy` of both runs source-account first.
  pipeline.addDependency(source);
  return { app, source, pipeline };
}
