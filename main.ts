/**
 * The cdktf app: config file -> validated config -> two stacks -> cdktf.out.
 * The only place that reads the environment:
 *   PIPELINE_CONFIG  path of the config file (default: config/example.json)
 *   CDKTF_OUTDIR     where to synthesize (default: cdktf.out; the cdktf CLI sets it)
 */
import * as path from "path";
import { ConfigError, loadConfig } from "./config/load";
import { buildApp } from "./stacks/app";

function main(): void {
  const configPath = process.env.PIPELINE_CONFIG || path.join(__dirname, "config", "example.json");
  const config = loadConfig(configPath);
  const { app } = buildApp(config, {
    outdir: path.resolve(process.env.CDKTF_OUTDIR || "cdktf.out"),
    projectRoot: __dirname,
  });
  app.synth();
}

try {
  main();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  // Validation happens before anything is synthesized: nothing has been written.
  console.error(e.message);
  process.exitCode = 1;
}
