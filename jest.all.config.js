/**
 * `npm test`'s one jest run: the unit suite (jest.config.js), the integration tests
 * (jest.integration.config.js) and the end-to-end suite (jest.e2e.config.js) in one pool of
 * workers. Run one after the other, each started jest and its workers afresh (about 2 s), and each
 * ended with a worker idle while the other finished its last file; together the short files fill
 * the gaps between the slow end-to-end ones.
 */
const unit = require("./jest.config");
const integration = require("./jest.integration.config");
const e2e = require("./jest.e2e.config");

/** A suite's config as a project: the options only the root configuration may have go there. */
function project(displayName, { maxWorkers: _workers, testTimeout: _timeout, ...config }) {
  return { ...config, displayName, rootDir: __dirname };
}

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: unit.maxWorkers,
  testTimeout: e2e.testTimeout,
  projects: [project("unit", unit), project("integration", integration), project("e2e", e2e)],
};
