// Stands in for cdktf's tokens/private/stack-trace under jest (see jest.config.js). CDKTF records a
// full stack trace for every token it creates, only to print it if the token cannot be resolved;
// under jest each trace is also source-mapped, about a third of a 50-pipeline synthesis.
exports.captureStackTrace = () => [];
