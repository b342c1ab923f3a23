/**
 * The cdktf app: config file -> validated config -> two stacks -> cdktf.out.
 * The only place that reads the environment:
 *   PIPELINE_CONFIG  path of the config file (default: config/example.json); a relative path starts
 *                    where the user ran the command (npm's INIT_CWD), as it does for every command
 *   CDKTF_OUTDIR     where to synthesize (default: cdktf.out; the cdktf CLI sets it)
 */
import * as path from "path";
import { configPathFromEnv, sourceMappedStack } from "./commands/cli";
import { ConfigError, loadConfig } from "./config/load";

async function main(): Promise<void> {
  const config = loadConfig(configPathFromEnv(process.env));
  // Loaded once the config is known good: a mistake in it is reported without loading the framework.
  const { buildApp } = await import("./stacks/app");
  const { app } = buildApp(config, {
    outdir: path.resolve(process.env.CDKTF_OUTDIR || "cdktf.out"),
    projectRoot: __dirname,
  });
  app.synth();
}

main().catch((e) => {
  // Validation happens before anything is synthesized: nothing has been written. Anything else is
  // a bug, shown with its stack in the TypeScript sources.
  console.error(e instanceof ConfigError ? e.message : e instanceof Error ? sourceMappedStack(e) : e);
  process.exitCode = 1;
});
