/** @type {import('jest').Config} */
module.exports = {
  // jest gives each test file a module registry of its own, so each file that synthesizes would
  // load cdktf and the provider classes again (about 0.4 s): they are loaded once per worker
  // instead, with CDKTF's per-token stack traces stubbed (test-support/jest/).
  testEnvironment: "<rootDir>/test-support/jest/environment.js",
  resolver: "<rootDir>/test-support/jest/resolver.js",
  // Jest's default is one worker per core but one: a single worker on a 2-core machine.
  maxWorkers: "100%",
  // Only *.test.ts: helpers live in test-support/, outside __tests__.
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  // Process-level and real-Terraform checks (jest.e2e.config.js, tens of seconds) and the in-process
  // integration tests (jest.integration.config.js, seconds each) run separately.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/e2e/", "<rootDir>/__tests__/integration/"],
  transform: { "^.+\\.ts$": ["@swc/jest", require("./scripts/swc-options")] },
};
