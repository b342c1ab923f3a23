/** `npm run docs`: rewrites README.md's generated deploy-permissions block (a unit test checks it is current). */
import * as fs from "fs";
import * as path from "path";
import { DEPLOY_PERMISSIONS_BLOCK, deployPermissionsBlock } from "./deploy-permissions-doc";
import { README, readReadme, writeBlock } from "./readme";

if (process.argv.slice(2).some((a) => a === "--help" || a === "-h")) {
  console.log("Usage: npm run docs\n\nRewrites README.md's generated deploy-permissions block from the example configs' stacks.");
} else if (process.argv.length > 2) {
  console.error(`npm run docs: unknown argument ${JSON.stringify(process.argv[2])}; expected none (or --help)`);
  process.exitCode = 1;
} else {
  fs.writeFileSync(README, writeBlock(readReadme(), DEPLOY_PERMISSIONS_BLOCK, deployPermissionsBlock(path.join(__dirname, ".."))));
  console.log(`wrote the ${DEPLOY_PERMISSIONS_BLOCK} block of README.md`);
}
