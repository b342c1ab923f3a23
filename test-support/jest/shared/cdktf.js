// lib/cdktf.ts's exports, loaded once per jest worker (../environment.js).
module.exports = globalThis[require("../shared").KEY].cdktf;
