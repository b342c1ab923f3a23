/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Only *.test.ts: helpers live in test-support/, outside __tests__.
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  // The real-Terraform checks run separately (jest.terraform.config.js): they take tens of seconds.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/e2e/"],
  transform: { "^.+\\.ts$": ["@swc/jest", require("./scripts/swc-options")] },
  setupFilesAfterEnv: ["<rootDir>/test-support/setup.ts"],
};
