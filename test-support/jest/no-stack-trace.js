// Stands in for cdktf's tokens/private/stack-trace and constructs' private/stack-trace under jest
// (environment.js): no stack trace is recorded for each token CDKTF creates.
exports.captureStackTrace = () => [];
// CDK Terrain (cdktn, the fork `npm run framework -- cdktn` installs under the name cdktf) asks this
// one for each token instead.
exports.captureCreationStack = () => [];
