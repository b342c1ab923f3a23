// Resolves each module of shared.js, wherever a test file or the code it tests imports it from,
// to its shim in shared/, which hands out the exports environment.js loaded once per worker.
"use strict";
const path = require("path");
const { SHARED } = require("./shared");

const SHIMS = new Map(Object.entries(SHARED).map(([name, file]) => [file, path.join(__dirname, "shared", `${name}.js`)]));

module.exports = (request, options) => {
  const resolved = options.defaultResolver(request, options);
  return SHIMS.get(resolved) ?? resolved;
};
