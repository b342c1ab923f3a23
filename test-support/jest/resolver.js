// Resolves lib/cdktf.ts and lib/aws.ts, wherever a test file or the code it tests imports them
// from, to the shims that hand out the framework environment.js loaded once per worker.
"use strict";
const path = require("path");

const LIB = path.join(__dirname, "..", "..", "lib");
const SHARED = new Map([
  [path.join(LIB, "cdktf.ts"), path.join(__dirname, "shared-cdktf.js")],
  [path.join(LIB, "aws.ts"), path.join(__dirname, "shared-aws.js")],
]);

module.exports = (request, options) => {
  const resolved = options.defaultResolver(request, options);
  return SHARED.get(resolved) ?? resolved;
};
