/**
 * `npm run test:node` and `npm run framework` as processes, where they refuse: one line, exit 1,
 * nothing written. What they do when they run (download a Node, install packages) is checked by
 * `npm run test:framework` in CI and by hand (docs/runtime.md), not here.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../test-support/config";
import { run } from "../../test-support/process";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "runtime-commands-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A port on 127.0.0.1 that refuses connections: a registry that is not there. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("npm run test:node", () => {
  it("with the registry unreachable: one line naming the package and npm's reason, exit 1 within seconds, nothing cached", async () => {
    const port = await closedPort();
    const cache = path.join(work, "cache");
    const started = Date.now();
    // No retry: npm's own config, which the command leaves alone (its default is one quick retry).
    const env = { npm_config_registry: `http://127.0.0.1:${port}/`, npm_config_fetch_retries: "0", XDG_CACHE_HOME: cache };
    const result = await run("scripts/test-node.ts", ["24"], env);
    expect([result.status, result.stdout]).toEqual([1, ""]);
    expect(result.stderr).toBe(
      `npm run test:node: cannot read node-${process.platform}-${process.arch} from the npm registry: ` +
        `request to http://127.0.0.1:${port}/node-${process.platform}-${process.arch} failed, reason: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    // (swc, when it transpiles, keeps a directory of its own there.)
    expect(fs.existsSync(path.join(cache, "cross-account-ecr-pipeline"))).toBe(false);
  });
});

describe("npm run framework", () => {
  it("refuses a framework it does not know: the value and what it expects, exit 1, package.json and the lock file untouched", async () => {
    const files = ["package.json", "package-lock.json"].map((f) => path.join(ROOT, f));
    const before = files.map((f) => fs.statSync(f).mtimeMs);
    const result = await run("scripts/switch-framework.ts", ["terrain"]);
    expect([result.status, result.stdout]).toEqual([1, ""]);
    expect(result.stderr.split("\n")[0]).toBe('npm run framework: got "terrain"; expected cdktf or cdktn');
    expect(files.map((f) => fs.statSync(f).mtimeMs)).toEqual(before);
  });
});
