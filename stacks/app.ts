import { pipelineAccounts } from "../config/accounts";
import type { Config } from "../config/schema";
import { App } from "../lib/cdktf";
import type { StackPaths } from "./backend";
import { SOURCE_STACK } from "./outputs";
import { PipelineAccountStack } from "./pipeline-account-stack";
import { SourceAccountStack } from "./source-account-stack";

export interface BuiltApp {
  readonly app: App;
  readonly source: SourceAccountStack;
  /** One per pipeline account, in config order. */
  readonly pipelines: readonly PipelineAccountStack[];
}

/** The source-account stack and a stack per pipeline account. Nothing here reads the environment or writes files. */
export function buildApp(config: Config, paths: StackPaths): BuiltApp {
  const app = new App({ outdir: paths.outdir });
  const source = new SourceAccountStack(app, SOURCE_STACK, { config, paths });
  const pipelines = pipelineAccounts(config).map((account) => {
    const stack = new PipelineAccountStack(app, account.stack, { config, account, paths });
    // So that `cdktf deploy source-account 'pipeline-account*'` runs source-account first.
    stack.addDependency(source);
    return stack;
  });
  return { app, source, pipelines };
}
