/**
 * The edges every command shares (commands/cli.ts), in process. How the commands behave as
 * processes (exit codes, signals, concurrency) is in __tests__/e2e/commands.test.ts and plan-*.test.ts.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  acquireLock,
  checkWritableDir,
  configPathFromEnv,
  DEFAULT_CONFIG,
  integerOption,
  makeTempDir,
  parseCommandLine,
  UsageError,
  UserError,
  userPath,
} from "../../commands/cli";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "cli-test-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const SPEC = {
  name: "npm run example",
  usage: "Usage: npm run example [-- --offline] [--plans-dir <dir>] [--runs <n>]\n",
  options: {
    offline: { type: "boolean" },
    "plans-dir": { type: "string" },
    runs: { type: "string" },
  },
} as const;

/** No npm settings in the environment: what the command gets when run without npm, or with `--`. */
const NO_NPM: NodeJS.ProcessEnv = {};

/** GIVEN these arguments (and npm's settings in `env`), WHEN they are parsed, THEN this usage error. */
function usageError(argv: string[], env: NodeJS.ProcessEnv = NO_NPM): string {
  try {
    parseCommandLine(SPEC, argv, env);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
}

describe("parseCommandLine", () => {
  it("reads booleans and string values given either way", () => {
    expect(parseCommandLine(SPEC, ["--offline", "--plans-dir", "out", "--runs=9"], NO_NPM)).toEqual({ offline: true, "plans-dir": "out", runs: "9" });
    expect(parseCommandLine(SPEC, ["--plans-dir=out"], NO_NPM)).toEqual({ "plans-dir": "out" });
    expect(parseCommandLine(SPEC, [], NO_NPM)).toEqual({});
  });

  it.each([
    [["--ofline"], 'unknown option "--ofline"; expected only: --offline, --plans-dir, --runs, --help'],
    [["-x"], 'unknown option "-x"; expected only: --offline, --plans-dir, --runs, --help'],
    [["plans"], 'unexpected argument "plans"; expected only: --offline, --plans-dir, --runs, --help'],
    [["--plans-dir"], "--plans-dir needs a value"],
    [["--plans-dir", "--offline"], '--plans-dir needs a value, got the flag "--offline"'],
    [["--plans-dir", "-h"], '--plans-dir needs a value, got the flag "-h"'],
    [["--plans-dir="], '--plans-dir needs a value, got ""'],
    [["--offline=no"], "--offline takes no value"],
    [["--runs", "5", "--runs=9"], "--runs is given twice; expected it once"],
  ])("refuses %j: %s", (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });

  it("takes a flag the spec says is repeatable (multiple) as often as given, in order", () => {
    const spec = { ...SPEC, options: { ...SPEC.options, stack: { type: "string", multiple: true } } } as const;
    expect(parseCommandLine(spec, ["--stack", "a", "--stack=b*", "--runs", "1"])).toEqual({ stack: ["a", "b*"], runs: "1" });
    expect(() => parseCommandLine(spec, ["--stack", "a", "--stack", "--runs"])).toThrow(new UsageError('--stack needs a value, got the flag "--runs"'));
  });

  it("prints the usage for --help and -h, and returns nothing to run", () => {
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      expect(parseCommandLine(SPEC, ["--help"], NO_NPM)).toBeUndefined();
      expect(parseCommandLine(SPEC, ["--offline", "-h"], NO_NPM)).toBeUndefined();
      expect(write.mock.calls).toEqual([[SPEC.usage], [SPEC.usage]]);
    } finally {
      write.mockRestore();
    }
  });

  it("refuses bad arguments even next to --help, rather than guess", () => {
    expect(usageError(["--help", "--bogus"])).toBe('unknown option "--bogus"; expected only: --offline, --plans-dir, --runs, --help');
  });
});

describe("a command's flags npm kept for itself (typed before --)", () => {
  // What npm 11 exports for each, checked with `npm run <script> <flags>` and a script printing its environment.
  it.each([
    [
      "npm run example --offline",
      [],
      { npm_config_offline: "true" },
      "npm took --offline as its own option (it set npm_config_offline=true) and did not pass it on; give npm run example's options after --: npm run example -- --offline (or unset npm_config_offline, if your environment sets it)",
    ],
    [
      "npm run example --plans-dir=my plans",
      [],
      { npm_config_plans_dir: "my plans" },
      "npm took --plans-dir as its own option (it set npm_config_plans_dir=my plans) and did not pass it on; give npm run example's options after --: npm run example -- --plans-dir 'my plans' (or unset npm_config_plans_dir, if your environment sets it)",
    ],
    [
      "npm run example --plans-dir out (npm passes out on alone)",
      ["out"],
      { npm_config_plans_dir: "true" },
      "npm took --plans-dir as its own option (it set npm_config_plans_dir=true) and did not pass it on; give npm run example's options after --: npm run example -- --plans-dir <value> (or unset npm_config_plans_dir, if your environment sets it)",
    ],
    [
      "npm run example --offline --runs=9",
      [],
      { npm_config_offline: "true", npm_config_runs: "9" },
      "npm took --offline, --runs as its own option (it set npm_config_offline=true, npm_config_runs=9) and did not pass them on; give npm run example's options after --: npm run example -- --offline --runs 9 (or unset npm_config_offline, npm_config_runs, if your environment sets them)",
    ],
  ])("refuses %s, with the spelling that works", (_, argv, env, message) => {
    expect(usageError(argv, env)).toBe(message);
  });

  it("says what to do either way when an .npmrc sets npm's own setting of that name", () => {
    const npmrc = path.join(work, "npmrc-offline");
    fs.writeFileSync(npmrc, "fund=false\noffline = true\n[section]\nruns=9\n");
    const env = { npm_config_offline: "true", npm_config_userconfig: npmrc };
    expect(usageError([], env)).toBe(
      `npm_config_offline=true comes from offline = true in ${npmrc} (npm's own setting) or from --offline typed before --, which npm keeps; ` +
        "npm run example reads neither. With --offline: npm run example -- --offline; without: npm run example --no-offline",
    );
  });

  it("takes the flags given after --, and npm's false (an empty value) as no flag", () => {
    expect(parseCommandLine(SPEC, ["--offline"], { npm_config_offline: "true" })).toEqual({ offline: true });
    expect(parseCommandLine(SPEC, [], { npm_config_offline: "", npm_config_yes: "true" })).toEqual({});
  });
});

describe("integerOption", () => {
  it("takes --runs=9 and --runs 9 alike, and the default when absent", () => {
    expect(integerOption("runs", parseCommandLine(SPEC, ["--runs=9"], NO_NPM)!.runs, 5, 5)).toBe(9);
    expect(integerOption("runs", parseCommandLine(SPEC, ["--runs", "9"], NO_NPM)!.runs, 5, 5)).toBe(9);
    expect(integerOption("runs", parseCommandLine(SPEC, [], NO_NPM)!.runs, 5, 5)).toBe(5);
  });

  it.each(["3", "nine", "5.5", "9x", "1e3", " 9"])("refuses %j, naming the minimum", (given) => {
    expect(() => integerOption("runs", given, 5, 5)).toThrow(
      new UsageError(`--runs: got ${JSON.stringify(given)}; expected a whole number of at least 5`),
    );
  });
});

describe("paths the user gives", () => {
  it("start where the user ran the command (npm's INIT_CWD), not where npm runs the script", () => {
    expect(userPath("my.json", { INIT_CWD: "/home/me/app" })).toBe("/home/me/app/my.json");
    expect(userPath("../x/plans", { INIT_CWD: "/home/me/app" })).toBe("/home/me/x/plans");
    expect(userPath("/abs/my.json", { INIT_CWD: "/home/me/app" })).toBe("/abs/my.json");
    expect(userPath("my.json", {})).toBe(path.join(process.cwd(), "my.json"));
  });

  it("give the config: PIPELINE_CONFIG from INIT_CWD, else the example", () => {
    expect(configPathFromEnv({ PIPELINE_CONFIG: "my.json", INIT_CWD: "/home/me/app" })).toBe("/home/me/app/my.json");
    expect(configPathFromEnv({})).toBe(DEFAULT_CONFIG);
  });

  it("refuse a PIPELINE_CONFIG set but empty, rather than read the example", () => {
    expect(() => configPathFromEnv({ PIPELINE_CONFIG: "", INIT_CWD: "/home/me/app" })).toThrow(
      new UserError("PIPELINE_CONFIG is set but empty; expected the path of a config file (unset it to use the example, config/example.json)"),
    );
  });
});

describe("checkWritableDir", () => {
  const file = path.join(work, "a-file");
  fs.writeFileSync(file, "");

  it("accepts an existing directory, and a path that can be created, creating nothing", () => {
    const dir = fs.mkdtempSync(path.join(work, "out-"));
    expect(() => checkWritableDir(dir, "--plans-dir")).not.toThrow();
    expect(() => checkWritableDir(path.join(dir, "a", "b"), "--plans-dir")).not.toThrow();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it.each([
    ["a file", file, `--plans-dir ${file}: it is a file; expected a directory to write into (or a path where one can be created)`],
    [
      "a path under a file",
      path.join(file, "x", "y"),
      `--plans-dir ${path.join(file, "x", "y")}: ${file} is a file; expected a directory to write into (or a path where one can be created)`,
    ],
    [
      "a directory nobody may create entries in",
      "/sys",
      "--plans-dir /sys: not writable (EPERM: operation not permitted); expected a directory this user can write to",
    ],
  ])("refuses %s in one line", (_, dir, message) => {
    expect(() => checkWritableDir(dir, "--plans-dir")).toThrow(new UserError(message));
  });
});

describe("makeTempDir", () => {
  it("makes a directory and removes it on request", () => {
    const temp = makeTempDir("cli-test-");
    expect(fs.statSync(temp.dir).isDirectory()).toBe(true);
    temp.remove();
    expect(fs.existsSync(temp.dir)).toBe(false);
  });

  it("removes the directories of its prefix whose owner is gone, and only those", async () => {
    const base = fs.mkdtempSync(path.join(work, "tmp-"));
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.on("exit", resolve));
    const owned = (name: string, owner: string | undefined) => {
      fs.mkdirSync(path.join(base, name));
      if (owner !== undefined) fs.writeFileSync(path.join(base, name, ".owner"), owner);
      return name;
    };
    owned("plan-killed", `${gone.pid} ${os.hostname()}\n`);
    const kept = [
      // The parent of this test process runs for as long as the test does.
      owned("plan-running", `${process.ppid} ${os.hostname()}\n`),
      owned("plan-elsewhere", `${gone.pid} another-machine\n`),
      owned("plan-no-owner", undefined),
      owned("bench-killed", `${gone.pid} ${os.hostname()}\n`),
    ];
    const temp = makeTempDir("plan-", base);
    expect(fs.readdirSync(base).sort()).toEqual([...kept, path.basename(temp.dir)].sort());
    expect(fs.readFileSync(temp.ownerFile, "utf8")).toBe(`${process.pid} ${os.hostname()}\n`);
    temp.remove();
  });

  it("names an unusable temporary directory in one line", () => {
    const missing = path.join(work, "missing");
    expect(() => makeTempDir("x-", missing)).toThrow(
      new UserError(`cannot create a temporary directory in ${missing}: ENOENT: no such file or directory; set TMPDIR to a writable directory`),
    );
  });
});

describe("acquireLock", () => {
  it("holds the lock with this process's id, and releases it", () => {
    const lock = path.join(work, "held.lock");
    const release = acquireLock(lock, "plan");
    expect(fs.readFileSync(lock, "utf8")).toBe(`${process.pid}\nplan\n`);
    release();
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("names what the process holding it is doing, when it is another command than this one", () => {
    const lock = path.join(work, "deploying.lock");
    fs.writeFileSync(lock, `${process.ppid}\ndeploy\n`);
    expect(() => acquireLock(lock, "plan")).toThrow(
      new UserError(`another deploy is running (pid ${process.ppid}): wait for it to finish (if none is running, remove ${lock})`),
    );
  });

  it("refuses while another running process holds it, naming that process", () => {
    const lock = path.join(work, "busy.lock");
    // The parent of this test process is running for as long as the test is.
    fs.writeFileSync(lock, `${process.ppid}\n`);
    expect(() => acquireLock(lock, "plan")).toThrow(
      new UserError(`another plan is running (pid ${process.ppid}): wait for it to finish (if none is running, remove ${lock})`),
    );
    expect(fs.readFileSync(lock, "utf8")).toBe(`${process.ppid}\n`);
  });

  it("takes over the lock of a process that is gone (a run that was killed)", async () => {
    const lock = path.join(work, "stale.lock");
    const child = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => child.on("exit", resolve));
    fs.writeFileSync(lock, `${child.pid}\n`);
    const release = acquireLock(lock, "plan");
    expect(fs.readFileSync(lock, "utf8")).toBe(`${process.pid}\nplan\n`);
    release();
  });
});
