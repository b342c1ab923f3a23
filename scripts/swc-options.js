// One transpile-only configuration for the app command (scripts/register.js) and for jest
// (jest.config.js). Type errors are caught by `tsc --noEmit`, a separate step of `npm test`.
module.exports = {
  jsc: {
    parser: { syntax: "typescript" },
    target: "es2022",
  },
  module: { type: "commonjs" },
  sourceMaps: "inline",
};
