/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Only *.test.ts: helpers live in test-support/, outside __tests__.
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", require("./scripts/swc-options")] },
  setupFilesAfterEnv: ["<rootDir>/test-support/setup.ts"],
};
