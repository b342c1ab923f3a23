/** The docs' blocks that `npm run docs` generates (no Terraform needed), each with its generator. */
import * as path from "path";
import { doctorPolicy, type Side } from "../doctor/permissions";
import { CONFIG_FIELDS_BLOCK, configFieldsBlock } from "./config-fields-doc";
import { DEPLOY_PERMISSIONS_BLOCK, deployPermissionsBlock } from "./deploy-permissions-doc";
import type { BlockName } from "./doc-blocks";

/** The policy doctor needs in one account, as docs/doctor.md shows it. */
export function doctorPolicyBlock(side: Side): string {
  return `\`\`\`json\n${JSON.stringify(doctorPolicy(side), null, 2)}\n\`\`\``;
}

export const GENERATED: readonly (readonly [BlockName, () => string])[] = [
  [CONFIG_FIELDS_BLOCK, configFieldsBlock],
  [DEPLOY_PERMISSIONS_BLOCK, () => deployPermissionsBlock(path.join(__dirname, ".."))],
  ["doctor-policy:source", () => doctorPolicyBlock("source")],
  ["doctor-policy:pipeline", () => doctorPolicyBlock("pipeline")],
];
