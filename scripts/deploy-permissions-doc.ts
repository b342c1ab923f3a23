/** docs/deploying.md's "what the deploying identity needs" block, from the resource types the example configs' stacks have. */
import * as fs from "fs";
import * as path from "path";
import { parseConfig } from "../config/load";
import { SOURCE_STACK } from "../lib/naming";
import { buildApp } from "../stacks/app";
import { deployActions } from "../stacks/deploy-permissions";

export const DEPLOY_PERMISSIONS_BLOCK = "deploy-permissions" as const;

/** The resource types of every stack of the example configs, by the account they deploy to. */
export function exampleResourceTypes(root: string): { source: Set<string>; pipeline: Set<string> } {
  const found = { source: new Set<string>(), pipeline: new Set<string>() };
  for (const file of ["config/example.json", "config/examples/two-accounts.json"]) {
    const config = parseConfig(JSON.parse(fs.readFileSync(path.join(root, file), "utf8")), file);
    const { source, pipelines } = buildApp(config, { outdir: path.join(root, "cdktf.out"), projectRoot: root });
    for (const stack of [source, ...pipelines]) {
      const types = Object.keys((stack.toTerraform() as { resource?: Record<string, unknown> }).resource ?? {});
      types.forEach((t) => (stack.node.id === SOURCE_STACK ? found.source : found.pipeline).add(t));
    }
  }
  return found;
}

export function deployPermissionsBlock(root: string): string {
  const { source, pipeline } = exampleResourceTypes(root);
  const list = (actions: string[]) => actions.map((a) => `\`${a}\``).join(", ");
  return [
    "| account | resource types | actions |",
    "|---|---|---|",
    `| source account (stack \`source-account\`) | ${[...source].sort().map((t) => `\`${t}\``).join(", ")} | ${list(deployActions(source))} |`,
    `| each pipeline account (\`pipeline-account*\`) | ${[...pipeline].sort().map((t) => `\`${t}\``).join(", ")} | ${list(deployActions(pipeline))} |`,
  ].join("\n");
}
