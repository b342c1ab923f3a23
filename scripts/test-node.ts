/** `npm run test:node -- <major>`: the suite under another Node major, from the npm registry (scripts/node-runtime.ts). */
import * as fs from "fs";
import * as path from "path";
import { checkWritableDir, makeTempDir, onExit, parseCommandLine, runCommand, UsageError, UserError } from "../commands/cli";
import { cachedVersions, nodeCacheDir, nodePackage, nodeVersionOf, npmFailure, parseWantedNode, registryFailure, resolveVersion } from "./node-runtime";
import { copyCheckout, npmCommand, runStep } from "./steps";

const ROOT = path.join(__dirname, "..");

const STEPS = [
  ["ci", "--no-audit", "--no-fund"],
  ["run", "synth"],
  ["test"],
] as const;

const SPEC = {
  name: "npm run test:node",
  usage: `Usage: npm run test:node -- <major>    e.g. npm run test:node -- 24
       npm run test:node -- <version>  e.g. npm run test:node -- 24.22.3 (offline, once cached)

Runs npm ci, npm run synth and npm test under another Node.js, as a user with that Node would:
in a copy of this checkout (what git would commit) in a temporary directory, removed afterwards,
with that Node's bin/ first on PATH. Your checkout and its node_modules are not touched.

The Node comes from the npm registry (node-<os>-<cpu>@<major>: the newest release of that major)
and is kept in $XDG_CACHE_HOME/cross-account-ecr-pipeline/node/<version> (default ~/.cache/...),
outside the repository; it is not a dependency of the project. npm is the one that runs this
command, started by that Node.

Every package is installed afresh by npm ci under that Node. @swc/core, @parcel/watcher and
jest's unrs-resolver load N-API binaries that work on any Node. The cdktf CLI's native module
(@cdktf/node-pty-prebuilt-multiarch) has prebuilds up to Node 22: on 24 and later npm compiles it,
against that Node's headers (npm_config_nodedir is set to them), which takes a C++ toolchain; where
it cannot, npm leaves out the CLI (an optional dependency) and npm test skips its cdktf synth
comparison, printing why.

Exit codes: 0 every step passed, 1 could not run (the version, the registry, the cache), 2 a step
failed under that Node.

  -h, --help  This text.
`,
  options: {},
} as const;

/**
 * Retries of npm's registry read for the version: a few seconds offline, not npm's default of a
 * minute, unless the user's npm config sets them.
 */
const QUICK_RETRIES = process.env.npm_config_fetch_retries === undefined ? ["--fetch-retries=1", "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=3000"] : [];

runCommand(SPEC, async ({ signal }) => {
  const argv = process.argv.slice(2);
  const positionals = argv.filter((arg) => !arg.startsWith("-"));
  if (!parseCommandLine(SPEC, argv.filter((arg) => arg.startsWith("-")))) return 0;
  if (positionals.length === 0) throw new UsageError("which Node? expected a major version such as 24");
  if (positionals.length > 1) throw new UsageError(`one Node version, got ${positionals.map((p) => JSON.stringify(p)).join(" ")}`);
  const wanted = parseWantedNode(positionals[0]);
  const pkg = nodePackage();
  const cache = nodeCacheDir();
  const npm = npmCommand();

  let version = wanted.exact && cachedVersions(cache).includes(wanted.exact) ? wanted.exact : undefined;
  if (!version) {
    const view = await runStep([...npm, "view", pkg, "versions", "--json", "--loglevel=silent", ...QUICK_RETRIES], { cwd: ROOT, signal, capture: true });
    if (signal.aborted) throw signal.reason;
    if (view.code !== 0) throw registryFailure(pkg, view.output, cachedVersions(cache, wanted.major));
    version = resolveVersion(pkg, JSON.parse(view.output) as string[], wanted);
  }

  const home = path.join(cache, version);
  if (!fs.existsSync(path.join(home, "bin", "node"))) {
    checkWritableDir(cache, "the Node cache");
    fs.mkdirSync(cache, { recursive: true });
    // Unpacked beside its place, then renamed into it: no half-unpacked Node is ever found there.
    const download = fs.mkdtempSync(path.join(cache, `.${version}-`));
    const remove = onExit(() => fs.rmSync(download, { recursive: true, force: true }));
    console.log(`Downloading ${pkg}@${version} from the npm registry into ${home}`);
    const packed = await runStep([...npm, "pack", `${pkg}@${version}`, "--pack-destination", download, "--json", "--loglevel=silent"], { cwd: download, signal, capture: true });
    if (signal.aborted) throw signal.reason;
    if (packed.code !== 0) throw new UserError(`cannot download ${pkg}@${version} from the npm registry: ${npmFailure(packed.output)}`);
    const tarball = path.join(download, (JSON.parse(packed.output) as { filename: string }[])[0].filename);
    const unpacked = path.join(download, "node");
    fs.mkdirSync(unpacked);
    const tar = await runStep(["tar", "-xzf", tarball, "-C", unpacked, "--strip-components=1"], { cwd: download, signal, capture: true });
    if (signal.aborted) throw signal.reason;
    if (tar.code !== 0) throw new UserError(`cannot unpack ${tarball}: ${tar.output.trim().split("\n")[0]}`);
    const runs = nodeVersionOf(path.join(unpacked, "bin", "node"));
    if (runs.version !== version) throw new UserError(`${pkg}@${version} does not run here: ${runs.problem ?? `it says it is ${runs.version}`}`);
    try {
      fs.renameSync(unpacked, home);
    } catch (e) {
      // Another run unpacked the same version meanwhile: theirs is as good.
      if (!fs.existsSync(path.join(home, "bin", "node"))) throw e;
    }
    remove();
  }
  const bin = path.join(home, "bin");
  const runs = nodeVersionOf(path.join(bin, "node"));
  if (runs.version !== version) throw new UserError(`${path.join(bin, "node")} does not run: ${runs.problem ?? `it says it is ${runs.version}`}; remove ${home} to download it again`);

  const { dir } = makeTempDir("test-node-");
  const files = copyCheckout(ROOT, dir);
  console.log(`Node ${version} (${pkg}@${version}, ${home}), first on PATH, in a copy of this checkout (${files.length} files): ${dir}`);
  // As a user's shell would have it: that Node first on PATH, and nothing of the npm run that started us.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_(?!config_)|INIT_CWD$|NODE$)/.test(name)));
  env.PATH = `${bin}${path.delimiter}${process.env.PATH ?? ""}`;
  // What npm compiles while installing (the cdktf CLI's node-pty, from Node 24 on) is built against
  // the headers npm's `nodedir` names: this Node's own, which the package ships (include/node), not
  // those of the Node a user's npm config may name, and without downloading them.
  env.npm_config_nodedir = home;
  const npmThere = npmCommand(path.join(bin, "node"));
  for (const step of STEPS) {
    const shown = ["npm", ...step].join(" ");
    console.log(`\n== ${shown} (Node ${version})`);
    const result = await runStep([...npmThere, ...step], { cwd: dir, env, signal });
    if (signal.aborted) throw signal.reason;
    if (result.code !== 0) {
      console.log(`\nNode ${version}: ${shown} failed (exit ${result.code}).`);
      return 2;
    }
  }
  console.log(`\nNode ${version}: ${STEPS.map((s) => ["npm", ...s].join(" ")).join(", ")} passed.`);
  return 0;
});
