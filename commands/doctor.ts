/**
 * `npm run doctor`: reads the deployed accounts (read-only), simulates the permission chain on the
 * live policies with the access model verify:access uses, and names the hop that breaks.
 */
import { loadConfig } from "../config/load";
import { AWS_REGIONS } from "../config/regions";
import { doctorPolicy } from "../doctor/permissions";
import type { Report } from "../doctor/run";
import { configPathFromEnv, Interrupted, makeTempDir, parseCommandLine, ROOT, runCommand, UsageError, UserError } from "./cli";

const USAGE = `Usage: npm run doctor [-- options]

Reads the deployed accounts read-only with the credentials the config names for each (profile,
assumeRoleArn, else the default chain), simulates every hop of the permission chain on the live
policies, and says which hop breaks and what to do. Also: drift of each managed policy from what
the app generates now (renders the stacks with Terraform, about 8 s), and each pipeline's last
failed execution. Config: PIPELINE_CONFIG, default config/example.json.

Options:
  --json                      The report as JSON (for tools) instead of text
  --skip-drift                Do not render the stacks to compare (no Terraform needed)
  --timeout <seconds>         Give up after this long (default 180)
  --print-policy <side>       Print the read-only IAM policy doctor needs in the "source" or
                              "pipeline" account, and exit

Any existing pipeline (not created by this app), from its definition alone:
  --pipeline <name>           The CodePipeline pipeline's name
  --pipeline-account <id>     Its account; credentials from --pipeline-profile or the default chain
  --pipeline-profile <name>   Profile for the pipeline account
  --source-account <id>       The repository's account (default: the account of the ECR action's role)
  --source-profile <name>     Profile for the source account
  --region <region>           Default: AWS_REGION

Endpoints: the SDK's AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> settings apply.
Exit: 0 every hop answers as it must, 1 could not run (config, flags, credentials, an account
unreachable, or hops that could not be read), 4 a hop denied, allowed when it must not be, or
something missing.
`;

const SPEC = {
  name: "npm run doctor",
  usage: USAGE,
  options: {
    json: { type: "boolean" },
    "skip-drift": { type: "boolean" },
    timeout: { type: "string" },
    "print-policy": { type: "string" },
    pipeline: { type: "string" },
    "pipeline-account": { type: "string" },
    "pipeline-profile": { type: "string" },
    "source-account": { type: "string" },
    "source-profile": { type: "string" },
    region: { type: "string" },
  },
} as const;

const ACCOUNT_ID = /^\d{12}$/;

function accountId(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !ACCOUNT_ID.test(value)) throw new UsageError(`--${flag}: got ${JSON.stringify(value)}; expected a 12-digit account id`);
  return value;
}

/**
 * The region of --pipeline: --region, else AWS_REGION or AWS_DEFAULT_REGION. A code that is not a
 * commercial region is refused with the list (the ARNs doctor builds are partition aws): an SDK
 * would otherwise try an endpoint that does not exist and fail long after.
 */
function pipelineRegion(given: string | undefined, env: NodeJS.ProcessEnv): string {
  const [from, region] =
    given !== undefined ? ["--region", given] : env.AWS_REGION ? ["AWS_REGION", env.AWS_REGION] : ["AWS_DEFAULT_REGION", env.AWS_DEFAULT_REGION];
  if (!region) throw new UsageError("--pipeline needs --region <region> (or AWS_REGION)");
  if (!(AWS_REGIONS as readonly string[]).includes(region)) {
    throw new UsageError(`${from}: got ${JSON.stringify(region)}; expected an AWS region code, one of: ${AWS_REGIONS.join(", ")}`);
  }
  return region;
}

function within<T>(promise: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UserError(`did not finish within ${seconds} s (raise --timeout, or check the endpoints)`)), seconds * 1000);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCommandLine(SPEC, argv);
  if (!args) return 0;
  if (args["print-policy"] !== undefined) {
    const side = args["print-policy"];
    if (side !== "source" && side !== "pipeline") throw new UsageError(`--print-policy: got ${JSON.stringify(side)}; expected source or pipeline`);
    process.stdout.write(`${JSON.stringify(doctorPolicy(side), null, 2)}\n`);
    return 0;
  }
  const seconds = args.timeout === undefined ? 180 : Number(args.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout: got ${JSON.stringify(args.timeout)}; expected a number of seconds`);
  const pipelineFlags = ["pipeline-account", "pipeline-profile", "source-account", "source-profile", "region"] as const;
  if (args.pipeline === undefined && pipelineFlags.some((f) => args[f] !== undefined)) {
    throw new UsageError(`--${pipelineFlags.find((f) => args[f] !== undefined)} is for --pipeline <name> only`);
  }

  // The checks that need no AWS come first; the SDK clients and the framework load only after them
  // (most of a second): a mistake is answered at once.
  const load = () => Promise.all([import("../doctor/run"), import("../doctor/report")]);
  let report: Report;
  let loaded: Awaited<ReturnType<typeof load>> | undefined;
  try {
    if (args.pipeline !== undefined) {
      const pipelineAccount = accountId("pipeline-account", args["pipeline-account"]);
      if (!pipelineAccount) throw new UsageError("--pipeline needs --pipeline-account <id>");
      const sourceAccount = accountId("source-account", args["source-account"]);
      const region = pipelineRegion(args.region, process.env);
      loaded = await load();
      report = await within(
        loaded[0].runPipeline({
          region,
          pipeline: args.pipeline,
          pipelineAccount: { accountId: pipelineAccount, ...(args["pipeline-profile"] && { profile: args["pipeline-profile"] }) },
          ...(sourceAccount && { sourceAccount: { accountId: sourceAccount, ...(args["source-profile"] && { profile: args["source-profile"] }) } }),
        }),
        seconds,
      );
    } else {
      const config = loadConfig(configPathFromEnv());
      loaded = await load();
      const work = args["skip-drift"] ? undefined : makeTempDir("doctor-");
      const drift = work ? { generated: async () => (await import("../terraform/render")).renderStacks(config, work.dir, ROOT) } : {};
      try {
        report = await within(loaded[0].runConfig(config, drift), seconds);
      } finally {
        work?.remove();
      }
    }
  } catch (e) {
    // One line a problem (each account whose credentials fail), each as the command's own.
    if (loaded && e instanceof loaded[0].DoctorError) throw new UserError(e.problems.join(`\n${SPEC.name}: `));
    throw e;
  }
  const { jsonReport, textReport } = loaded[1];
  process.stdout.write(args.json ? jsonReport(report) : textReport(report));
  return report.exitCode;
}

/**
 * With --json, a run that fails still answers in JSON on stdout, `{ "exitCode": 1, "errors": [...] }`,
 * one entry a problem (the text report's lines stay on stderr): a tool reading stdout gets JSON
 * either way.
 */
async function mainAnsweringJson(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    if (argv.includes("--json") && !(e instanceof Interrupted)) {
      const errors = e instanceof UserError || e instanceof UsageError ? e.message.split(`\n${SPEC.name}: `) : [e instanceof Error ? e.message : String(e)];
      process.stdout.write(`${JSON.stringify({ exitCode: 1, errors }, null, 2)}\n`);
    }
    throw e;
  }
}

runCommand(SPEC, () => mainAnsweringJson(process.argv.slice(2)));
