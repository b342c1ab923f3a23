/** `npm run test:e2e`: the app, `npm run plan` and the real Terraform as processes (slow; not in the unit suite). */
const unit = require("./jest.config");

module.exports = {
  ...unit,
  testMatch: ["<rootDir>/__tests__/e2e/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 120000,
};
