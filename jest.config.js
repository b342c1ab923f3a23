/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Jest's default is one worker per core but one: a single worker on a 2-core machine. Each test
  // file loads cdktf and the provider classes again, so two workers nearly halve the suite.
  maxWorkers: "100%",
  // Only *.test.ts: helpers live in test-support/, outside __tests__.
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  // Process-level and real-Terraform checks (jest.e2e.config.js, tens of seconds) and the in-process
  // integration tests (jest.integration.config.js, seconds each) run separately.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/e2e/", "<rootDir>/__tests__/integration/"],
  // CDKTF records a stack trace for every token, which jest source-maps: a third of the 50-pipeline
  // test. Tests never print them (test-support/no-stack-trace.js). cdktf requires the module by
  // three relative paths (tokens/private/intrinsic.js, tokens/lazy.js, and lib/*.js); constructs'
  // own private/stack-trace is matched too, and only ever used for metadata we do not ask for.
  moduleNameMapper: { "^\\./(tokens/)?(private/)?stack-trace$": "<rootDir>/test-support/no-stack-trace.js" },
  transform: { "^.+\\.ts$": ["@swc/jest", require("./scripts/swc-options")] },
};
