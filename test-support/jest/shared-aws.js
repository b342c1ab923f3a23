// lib/aws.ts's exports, loaded once per jest worker (environment.js).
module.exports = globalThis[Symbol.for("cross-account-ecr-pipeline.framework")].aws;
