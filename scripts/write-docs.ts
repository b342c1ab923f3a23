/** `npm run docs`: rewrites README.md's generated deploy-permissions block (a unit test checks it is current). */
import * as fs from "fs";
import * as path from "path";
import { parseCommandLine, runCommand } from "../commands/cli";
import { DEPLOY_PERMISSIONS_BLOCK, deployPermissionsBlock } from "./deploy-permissions-doc";
import { README, readReadme, writeBlock } from "./readme";

const SPEC = {
  name: "npm run docs",
  usage: `Usage: npm run docs

Rewrites README.md's generated deploy-permissions block from the example configs' stacks.

  -h, --help  This text.
`,
  options: {},
} as const;

runCommand(SPEC, () => {
  if (!parseCommandLine(SPEC, process.argv.slice(2))) return 0;
  fs.writeFileSync(README, writeBlock(readReadme(), DEPLOY_PERMISSIONS_BLOCK, deployPermissionsBlock(path.join(__dirname, ".."))));
  console.log(`wrote the ${DEPLOY_PERMISSIONS_BLOCK} block of README.md`);
  return 0;
});
