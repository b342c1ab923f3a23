/**
 * `npm run test:integration`: in process like the unit suite, but each file a whole system rather
 * than a unit: doctor against mocked SDK clients answering for both accounts of the rendered example,
 * and fifty pipelines synthesized at once. Seconds each; part of `npm test`.
 */
const unit = require("./jest.config");

module.exports = {
  ...unit,
  testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
};
