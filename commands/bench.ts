/**
 * `npm run bench [-- --runs N]`: how long the app's synth, `cdktf synth` and the unit suite take,
 * as whole processes, for the example configs (one and two pipeline accounts) and generated configs of 1, 10 and 50 pipelines.
 *
 * Each command runs once to warm up (transpile cache, jest cache, OS file cache), then N times
 * (default and minimum 5) under `/usr/bin/time -v`. The table gives the median wall time; its ratio
 * to the floor, node loading the framework alone (`node -e 'require("<FRAMEWORK_PACKAGE>")'`),
 * measured in the same run; the highest peak RSS of the runs (for a process tree, that of its
 * largest process); and the median CPU time (user + system), which other load on the machine
 * inflates less than wall time. Results go to bench/results/.
 * Missed targets are reported, not failed; a command that fails makes the exit code non-zero.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkWritableDir, integerOption, makeTempDir, parseCommandLine, ROOT, runCommand, UserError, type CommandContext } from "./cli";

const MIN_RUNS = 5;
const SIZES = [1, 10, 50];
const RESULTS = path.join(ROOT, "bench", "results");

const USAGE = `Usage: npm run bench [-- --runs <n>]

Times the app's synth, cdktf synth and the unit suite as whole processes, for the example configs
(config/example.json, config/examples/two-accounts.json) and generated configs of ${SIZES.join(", ")} pipelines (minutes; CONTRIBUTING.md, "Benchmarks", explains the table).
Each command runs once to warm up, then <n> times. Results go to bench/results/.

  --runs <n>   Measured runs per command (default and minimum ${MIN_RUNS}), as --runs 9 or --runs=9.
  -h, --help   This text.

Exit code: 0 when every command ran (missed targets are reported, not failed), 1 otherwise.
`;

const SPEC = {
  name: "npm run bench",
  usage: USAGE,
  options: { runs: { type: "string" } },
} as const;

interface Run {
  readonly wallSeconds: number;
  /** User + system time of the process tree: less sensitive than wall time to other load on the machine. */
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

interface Measurement {
  readonly case: string;
  /** Pipelines in the config; null where the config does not matter (floor, unit suite). */
  readonly pipelines: number | null;
  readonly command: string;
  readonly runs: readonly Run[];
  readonly medianWallSeconds: number;
  readonly medianCpuSeconds: number;
  readonly peakRssMb: number;
}

interface Command {
  readonly argv: readonly string[];
  readonly env?: Record<string, string>;
}

/** The environment every command gets: ours, without anything that would change what the app or the CLI does. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { CHECKPOINT_DISABLE: "1" };
  for (const [name, value] of Object.entries(process.env)) {
    // CDKTF_* variables are flags to the cdktf CLI and its app; PIPELINE_CONFIG picks the config.
    if (!name.startsWith("CDKTF_") && name !== "PIPELINE_CONFIG") env[name] = value;
  }
  return env;
}

/** A measured command failed: the benchmark stops and exits non-zero, with the command's output. */
class CommandFailed extends UserError {}

interface Exited {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the command under `/usr/bin/time -v`, in a process group of its own: when `signal` aborts,
 * the whole tree (npx, cdktf, the app, jest's workers) is stopped, and the promise rejects once it has.
 */
function spawnTimed(command: Command, signal: AbortSignal): Promise<Exited> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const child = spawn("/usr/bin/time", ["-v", ...command.argv], {
      cwd: ROOT,
      env: { ...baseEnv(), ...command.env },
      detached: true,
    });
    const stop = () => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // Already gone.
      }
    };
    signal.addEventListener("abort", stop, { once: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (status) => {
      signal.removeEventListener("abort", stop);
      if (signal.aborted) reject(signal.reason);
      else resolve({ status, stdout, stderr });
    });
  });
}

/** Runs the command once under `/usr/bin/time -v`. */
async function runOnce(command: Command, signal: AbortSignal): Promise<Run> {
  const start = process.hrtime.bigint();
  const result = await spawnTimed(command, signal);
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  // /usr/bin/time -v reports last, after anything the command wrote to stderr.
  const last = (pattern: RegExp) => [...result.stderr.matchAll(pattern)].pop()?.[1];
  const user = last(/User time \(seconds\): ([\d.]+)/g);
  const system = last(/System time \(seconds\): ([\d.]+)/g);
  const rss = last(/Maximum resident set size \(kbytes\): (\d+)/g);
  if (result.status !== 0 || !user || !system || !rss) {
    const output = `${result.stdout}${result.stderr}`.replace(/\tCommand being timed:[^]*$/, "");
    throw new CommandFailed(
      `${command.argv.join(" ")} (exit ${result.status})\n${output.trim().split("\n").slice(-60).join("\n")}`,
    );
  }
  return { wallSeconds, cpuSeconds: Number(user) + Number(system), peakRssMb: Number(rss) / 1024 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One warm-up run, then `runs` measured runs. */
async function measure(
  name: string,
  pipelines: number | null,
  command: Command,
  { runs, signal }: Settings,
  check?: () => void,
): Promise<Measurement> {
  process.stderr.write(`${name}${pipelines === null ? "" : ` (${pipelines} pipelines)`}: warm-up`);
  await runOnce(command, signal);
  check?.();
  const measured: Run[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(` ${i + 1}`);
    measured.push(await runOnce(command, signal));
  }
  process.stderr.write("\n");
  return {
    case: name,
    pipelines,
    command: command.argv.join(" "),
    runs: measured,
    medianWallSeconds: median(measured.map((r) => r.wallSeconds)),
    medianCpuSeconds: median(measured.map((r) => r.cpuSeconds)),
    peakRssMb: Math.max(...measured.map((r) => r.peakRssMb)),
  };
}

/** A valid config with `n` pipelines, on the example's project, accounts and region. */
function generatedConfig(example: string, n: number): object {
  const { $schema: _schema, ...rest } = JSON.parse(fs.readFileSync(example, "utf8"));
  const pipelines = Array.from({ length: n }, (_, i) => {
    const name = `svc-${String(i + 1).padStart(3, "0")}`;
    return { name, repository: { name: `team/${name}`, create: true }, imageTag: "latest" };
  });
  return { ...rest, pipelines };
}

function expectStacks(outdir: string, stacks: readonly string[] = ["source-account", "pipeline-account"]): () => void {
  return () => {
    for (const stack of stacks) {
      const file = path.join(outdir, "stacks", stack, "cdk.tf.json");
      if (!fs.existsSync(file)) throw new CommandFailed(`synth wrote no ${file}`);
    }
  };
}

interface Settings {
  readonly runs: number;
  readonly signal: AbortSignal;
}

/** Every measurement, in the order of the table; generated configs and outputs live in `tmp`. */
async function measureAll(settings: Settings, tmp: string, example: string): Promise<Measurement[]> {
  const node = process.execPath;
  const app = (config: string, outdir: string): Command => ({
    argv: [node, "-r", "./scripts/register.js", "main.ts"],
    env: { PIPELINE_CONFIG: config, CDKTF_OUTDIR: outdir },
  });
  const cli = (config: string, outdir: string): Command => ({
    argv: ["npx", "cdktf", "synth", "--output", outdir],
    env: { PIPELINE_CONFIG: config },
  });

  // Loaded here, not at the top (it loads the framework): --help and bad arguments answer at once.
  const { FRAMEWORK_PACKAGE } = await import("../lib/cdktf");
  const results: Measurement[] = [];
  results.push(await measure("floor", null, { argv: [node, "-e", `require(${JSON.stringify(FRAMEWORK_PACKAGE)})`] }, settings));
  const exampleOut = path.join(tmp, "out-example");
  results.push(await measure("app synth (example)", pipelinesIn(example), app(example, exampleOut), settings, expectStacks(exampleOut)));
  // Two pipeline accounts: a stack more, and a repository shared across accounts.
  const twoAccounts = path.join(ROOT, "config", "examples", "two-accounts.json");
  const twoOut = path.join(tmp, "out-two-accounts");
  const twoStacks = ["source-account", "pipeline-account-staging", "pipeline-account-prod"];
  results.push(
    await measure("app synth (two accounts)", pipelinesIn(twoAccounts), app(twoAccounts, twoOut), settings, expectStacks(twoOut, twoStacks)),
  );
  for (const n of SIZES) {
    const config = path.join(tmp, `config-${n}.json`);
    fs.writeFileSync(config, JSON.stringify(generatedConfig(example, n), null, 2));
    const appOut = path.join(tmp, `out-app-${n}`);
    const cliOut = path.join(tmp, `out-cli-${n}`);
    results.push(await measure("app synth", n, app(config, appOut), settings, expectStacks(appOut)));
    results.push(await measure("cdktf synth", n, cli(config, cliOut), settings, expectStacks(cliOut)));
  }
  // The binary `npx jest` runs, without npx's own start-up (about 0.8 s here): the suite, not npm.
  results.push(await measure("unit suite (jest)", null, { argv: [path.join(ROOT, "node_modules", ".bin", "jest")] }, settings));
  return results;
}

function pipelinesIn(config: string): number {
  return JSON.parse(fs.readFileSync(config, "utf8")).pipelines.length;
}

async function main({ signal }: CommandContext): Promise<number> {
  const args = parseCommandLine(SPEC, process.argv.slice(2));
  if (!args) return 0;
  const runs = integerOption("runs", args.runs, MIN_RUNS, MIN_RUNS);
  checkWritableDir(RESULTS, "bench/results");
  const example = path.join(ROOT, "config", "example.json");
  const tmp = makeTempDir("bench-");
  let results: Measurement[];
  try {
    results = await measureAll({ runs, signal }, tmp.dir, example);
  } finally {
    tmp.remove();
  }

  const floor = results[0].medianWallSeconds;
  const find = (name: string, pipelines: number | null) => results.find((r) => r.case === name && r.pipelines === pipelines)!;
  const exampleSynth = find("app synth (example)", pipelinesIn(example));
  const app1 = find("app synth", 1);
  const app50 = find("app synth", 50);
  const unit = find("unit suite (jest)", null);
  // Judged on wall time, as the targets are; the CPU-time ratio shows whether other load skewed it.
  const ratio = (target: string, a: Measurement, b: Measurement, limit: number) => {
    const wall = a.medianWallSeconds / b.medianWallSeconds;
    const cpu = a.medianCpuSeconds / b.medianCpuSeconds;
    const detail = `${wall.toFixed(2)}x (${a.medianWallSeconds.toFixed(2)} s vs ${b.medianWallSeconds.toFixed(2)} s); CPU time ${cpu.toFixed(2)}x`;
    return { target, pass: wall <= limit, detail };
  };
  const targets = [
    ratio("app synth of the example <= 1.5x floor", exampleSynth, results[0], 1.5),
    ratio("app synth of 50 pipelines <= 2x 1 pipeline", app50, app1, 2),
    {
      target: "app peak RSS at 50 pipelines <= 150 MB",
      pass: app50.peakRssMb <= 150,
      detail: `${app50.peakRssMb.toFixed(0)} MB`,
    },
    {
      target: "unit suite <= 5 s",
      pass: unit.medianWallSeconds <= 5,
      detail: `${unit.medianWallSeconds.toFixed(2)} s`,
    },
  ];

  const header = ["case", "pipelines", "median wall (s)", "ratio to floor", "peak RSS (MB)", "median CPU (s)"];
  const rows = results.map((r) => [
    r.case,
    r.pipelines === null ? "-" : String(r.pipelines),
    r.medianWallSeconds.toFixed(2),
    (r.medianWallSeconds / floor).toFixed(2),
    r.peakRssMb.toFixed(0),
    r.medianCpuSeconds.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  console.log(`\nmedian of ${runs} runs after one warm-up; node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "unknown"})\n`);
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  console.log([line(header), rule, ...rows.map(line)].join("\n"));
  console.log("");
  for (const t of targets) console.log(`${t.pass ? "PASS" : "MISS"}  ${t.target}: ${t.detail}`);

  const timestamp = new Date().toISOString();
  const report = {
    timestamp,
    runs,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    commit: spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout?.trim(),
    floorSeconds: floor,
    results: results.map((r) => ({ ...r, ratioToFloor: r.medianWallSeconds / floor })),
    targets,
  };
  const dir = RESULTS;
  fs.mkdirSync(dir, { recursive: true });
  // No colons in the file name: they are not allowed everywhere.
  const file = path.join(dir, `${timestamp.replace(/:/g, "-")}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  fs.copyFileSync(file, path.join(dir, "latest.json"));
  console.log(`\nwrote ${path.relative(ROOT, file)} and bench/results/latest.json`);
  return 0;
}

runCommand(SPEC, main);
