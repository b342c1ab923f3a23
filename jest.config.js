/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Jest's default is one worker per core but one: a single worker on a 2-core machine. Each test
  // file loads cdktf and the provider classes again, so two workers nearly halve the suite.
  maxWorkers: "100%",
  // Only *.test.ts: helpers live in test-support/, outside __tests__.
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  // Process-level and real-Terraform checks run separately (jest.e2e.config.js): they take tens of seconds.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/e2e/"],
  transform: { "^.+\\.ts$": ["@swc/jest", require("./scripts/swc-options")] },
  setupFilesAfterEnv: ["<rootDir>/test-support/setup.ts"],
};
