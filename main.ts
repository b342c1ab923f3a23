/**
 * The cdktf app: config file -> validated config -> two stacks -> cdktf.out.
 * The only place that reads the environment:
 *   PIPELINE_CONFIG  path of the config file (default: config/example.json); a relative path starts
 *                    where the user ran the command (npm's INIT_CWD), as it does for every command
 *   CDKTF_OUTDIR     where to synthesize (default: cdktf.out; the cdktf CLI sets it)
 */
import * as path from "path";
import { configPathFromEnv, parseCommandLine, runCommand, shownPath } from "./commands/cli";
import { writeSynthOutput } from "./commands/synth-output";
import { loadConfig } from "./config/load";

const SPEC = {
  name: "npm run synth",
  usage: `Usage: npm run synth

Synthesizes every stack of the config into cdktf.out/stacks/<stack>/cdk.tf.json (what cdktf synth
writes, without the cdktf CLI): source-account, then pipeline-account (or pipeline-account-<key>
for each of pipelineAccounts). The new output replaces the previous one whole: the directories of
stacks the config no longer has go; what Terraform keeps in a stack's directory (.terraform/) stays.
Prints the config it read and each file it wrote.

  -h, --help  This text.

Config: PIPELINE_CONFIG=path/to/config.json (default: config/example.json; relative to the
directory you run npm in). Output: CDKTF_OUTDIR (default: cdktf.out).
`,
  options: {},
} as const;

/** The cdktf CLI runs the app with its context in the environment (cdktf.json's "app"). */
function underCdktfCli(env: NodeJS.ProcessEnv): boolean {
  return env.CDKTF_CONTEXT_JSON !== undefined;
}

runCommand(SPEC, async () => {
  if (!parseCommandLine(SPEC, process.argv.slice(2))) return 0;
  const configPath = configPathFromEnv(process.env);
  const config = loadConfig(configPath);
  process.stdout.write(`Config: ${shownPath(configPath)}\n`);
  const written = await writeSynthOutput(
    config,
    { outdir: path.resolve(process.env.CDKTF_OUTDIR || "cdktf.out"), projectRoot: __dirname },
    { keepStaleStacks: underCdktfCli(process.env), source: shownPath(configPath) },
  );
  for (const file of written.files) process.stdout.write(`Wrote ${shownPath(file)}\n`);
  if (written.leftOver) process.stderr.write(`${SPEC.name}: the previous output could not be removed; it is in ${shownPath(written.leftOver)}\n`);
  return 0;
});
