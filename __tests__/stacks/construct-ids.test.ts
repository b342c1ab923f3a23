/**
 * A pipeline's resources live under a construct named after the pipeline, next to the stacks' own
 * (the provider, the artifact store, ...). The config refuses pipeline names that would collide with
 * those (config/names.ts, RESERVED_PIPELINE_NAMES): this holds that list against what the stacks
 * really create, for both examples, with every feature (push, ECS, adopted repositories) in use.
 */
import * as path from "path";
import { loadConfig } from "../../config/load";
import { RESERVED_PIPELINE_NAMES } from "../../config/names";
import { buildApp } from "../../stacks/app";
import { PATHS } from "../../test-support/synth";
import { ROOT } from "../../test-support/config";

describe.each(["config/example.json", "config/examples/two-accounts.json"])("the stacks of %s", (file) => {
  const config = loadConfig(path.join(ROOT, file));
  const { source, pipelines } = buildApp(config, PATHS);

  it("name their own constructs only with reserved names, ids no pipeline can have, or the pipelines' names", () => {
    const names = new Set(config.pipelines.map((p) => p.name));
    const pipelineNamePattern = /^[a-z](?:[a-z0-9-]{0,26}[a-z0-9])?$/;
    for (const stack of [source, ...pipelines]) {
      const own = stack.node.children.map((c) => c.node.id).filter((id) => !names.has(id) && pipelineNamePattern.test(id));
      expect([stack.node.id, own.filter((id) => !(RESERVED_PIPELINE_NAMES as readonly string[]).includes(id))]).toEqual([stack.node.id, []]);
    }
  });
});
