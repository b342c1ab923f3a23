// What test files share instead of loading afresh each (environment.js loads these once per
// worker; resolver.js hands test files the shims in shared/): by name, the module's file.
"use strict";
const path = require("path");

const ROOT = path.join(__dirname, "..", "..");

/** Where the shims find the shared exports on a test file's global object. */
exports.KEY = Symbol.for("cross-account-ecr-pipeline.shared-modules");

// The framework: cdktf, constructs and the provider classes, about 0.4 s to load. (The policy
// simulator, tried too, loads in 0.1 s: not worth it.)
exports.SHARED = {
  cdktf: path.join(ROOT, "lib", "cdktf.ts"),
  aws: path.join(ROOT, "lib", "aws.ts"),
};
