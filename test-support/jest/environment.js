// jest's node environment, with the framework (lib/cdktf.ts and lib/aws.ts: cdktf, constructs and
// the provider classes) loaded once per worker process instead of once per test file.
//
// jest gives each test file a module registry of its own, so each file that synthesizes would
// load and compile cdktf and the provider classes again: about 0.4 s of a 0.6 s file. Here they
// are loaded by Node's own require, outside any registry (shared.js lists them), and resolver.js
// hands every test file these exports. What a test file loads of this project is still loaded
// afresh for it; the framework keeps no state between syntheses that a test could see (each
// builds its own App).
"use strict";
const Module = require("module");
const path = require("path");
const { TestEnvironment } = require("jest-environment-node");

const { KEY, SHARED } = require("./shared");

let shared;

/**
 * CDKTF records a full stack trace for every token, only to print it if the token cannot be
 * resolved, and under jest each is source-mapped: a third of a 50-pipeline synthesis. Tests never
 * print them. constructs' own is only used for metadata we never ask for. Both modules are stubbed
 * (no-stack-trace.js) before the framework loads them.
 */
function stubStackTraces() {
  const stub = require("./no-stack-trace");
  const libs = [path.dirname(require.resolve("cdktf")), path.dirname(require.resolve("constructs"))];
  for (const file of [path.join(libs[0], "tokens", "private", "stack-trace.js"), path.join(libs[1], "private", "stack-trace.js")]) {
    const module = new Module(file);
    module.filename = file;
    module.loaded = true;
    module.exports = stub;
    require.cache[file] = module;
  }
}

function loadShared() {
  if (!shared) {
    stubStackTraces();
    // Node's require of the TypeScript sources: the transpile-only loader the commands use.
    require("../../scripts/register.js");
    shared = Object.fromEntries(Object.entries(SHARED).map(([name, file]) => [name, require(file)]));
  }
  return shared;
}

class SharedModulesEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global[KEY] = loadShared();
  }
}

module.exports = SharedModulesEnvironment;
