// Transpile-only TypeScript loader for the cdktf app command and our scripts:
// `node -r ./scripts/register.js main.ts`. ts-node type-checks the whole program on every synth
// (seconds); this strips types with swc, and `tsc --noEmit` type-checks once, in `npm test`.
//
// Output is cached by content hash in node_modules/.cache, so a synth whose sources did not
// change neither loads swc nor transpiles anything (about 40 ms of a 0.5 s synth).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const options = require("./swc-options");

const cacheDir = path.join(__dirname, "..", "node_modules", ".cache", "ts-transpile");
const optionsKey = JSON.stringify(options) + require("@swc/core/package.json").version;
let swc;

function transpile(source, filename) {
  const hash = crypto.createHash("sha256").update(optionsKey).update(filename).update(source).digest("hex");
  const cached = path.join(cacheDir, `${hash}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    swc ??= require("@swc/core");
    const { code } = swc.transformSync(source, { ...options, sourceMaps: false, filename });
    fs.mkdirSync(cacheDir, { recursive: true });
    // Write-then-rename: a concurrent run never reads a half-written file.
    const partial = `${cached}.${process.pid}`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, cached);
    return code;
  }
}

require.extensions[".ts"] = (module, filename) => {
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};
