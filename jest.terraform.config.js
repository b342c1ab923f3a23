/** `npm run test:terraform`: the real Terraform on synthesized stacks (slow; not in the unit suite). */
const unit = require("./jest.config");

module.exports = {
  ...unit,
  testMatch: ["<rootDir>/__tests__/e2e/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 120000,
};
