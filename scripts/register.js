// Transpile-only TypeScript loader for the cdktf app command and our scripts:
// `node -r ./scripts/register.js main.ts`. ts-node type-checks the whole program on every synth
// (seconds); this strips types with swc, and `tsc --noEmit` type-checks once, in `npm test`.
//
// Output is cached by content hash in node_modules/.cache, so a synth whose sources did not
// change neither loads swc nor transpiles anything (about 40 ms of a 0.5 s synth).
//
// Each file's source map is cached beside it but not loaded: `node --enable-source-maps` would
// decode every map of every module on each start (about 0.3 s). mapStack() maps a stack that is
// about to be printed, reading only the maps of the files it names.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const options = require("./swc-options");

const root = path.join(__dirname, "..");
const cacheDir = path.join(root, "node_modules", ".cache", "ts-transpile");
const optionsKey = `${JSON.stringify(options)}${require("@swc/core/package.json").version}+maps`;
let swc;
/** Where the source map of each file loaded so far is cached. */
const mapFiles = new Map();

function transpile(source, filename) {
  // The path from the project root, not the absolute one: a copy of the checkout (the e2e tests
  // make some) reuses the cache instead of adding to it on every run.
  const hash = crypto.createHash("sha256").update(optionsKey).update(path.relative(root, filename)).update(source).digest("hex");
  const cached = path.join(cacheDir, `${hash}.js`);
  mapFiles.set(filename, `${cached}.map`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    swc ??= require("@swc/core");
    const { code, map } = swc.transformSync(source, { ...options, sourceMaps: true, filename });
    fs.mkdirSync(cacheDir, { recursive: true });
    // Write-then-rename: a concurrent run never reads a half-written file. The map goes first, so
    // that a cached file always has its map.
    for (const [file, content] of [[`${cached}.map`, map], [cached, code]]) {
      const partial = `${file}.${process.pid}`;
      fs.writeFileSync(partial, content);
      fs.renameSync(partial, file);
    }
    return code;
  }
}

/** `stack` with each position in a file this loader transpiled mapped back to the TypeScript source. */
function mapStack(stack) {
  const { SourceMap } = require("module");
  const maps = new Map();
  const mapOf = (file) => {
    if (!maps.has(file)) {
      let map;
      try {
        map = new SourceMap(JSON.parse(fs.readFileSync(mapFiles.get(file), "utf8")));
      } catch {
        map = undefined;
      }
      maps.set(file, map);
    }
    return maps.get(file);
  };
  return stack.replace(/(\(|at )([^\s()]+\.ts):(\d+):(\d+)/g, (whole, before, file, line, column) => {
    const map = mapFiles.has(file) ? mapOf(file) : undefined;
    const entry = map?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || entry.originalLine === undefined) return whole;
    return `${before}${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

module.exports = { mapStack };

require.extensions[".ts"] = (module, filename) => {
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};
