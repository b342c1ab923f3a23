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
  /** One per pipeline account, by key. */
  readonly pipelines: readonly PipelineAccountStack[];
}

/**
 * The source-account stack and a stack per pipeline account. Nothing here reads the environment or
 * writes files. The stacks see the config in a canonical order (pipelines by name, pipeline
 * accounts by key), so any order of its lists synthesizes the same files.
 */
export function buildApp(given: Config, paths: StackPaths): BuiltApp {
  const config = canonicalOrder(given);
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

/** The same config with its pipelines sorted by name and its pipeline accounts by key. */
export function canonicalOrder(config: Config): Config {
  const byName = <T>(entries: [string, T][]) => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    ...config,
    pipelines: byName(config.pipelines.map((p) => [p.name, p] as [string, typeof p])).map(([, p]) => p),
    ...(config.pipelineAccounts && { pipelineAccounts: Object.fromEntries(byName(Object.entries(config.pipelineAccounts))) }),
  };
}
