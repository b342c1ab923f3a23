/**
 * Regenerates rendered-example.json: the example config's stacks as the real AWS provider renders
 * them (terraform/render.ts, about 8 s), trimmed to the resources and attributes the fake AWS
 * serves. Run after changing a stack or a policy:
 *   node -r ./scripts/register.js test-support/doctor/write-fixture.ts
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { renderStacks } from "../../terraform/render";
import { ROOT } from "../config";
import { RENDERED_EXAMPLE } from "./fake-aws";

const KEEP: Record<string, string[]> = {
  aws_iam_role: ["arn", "name", "assume_role_policy"],
  aws_iam_role_policy: ["role", "name", "policy"],
  aws_ecr_repository: ["name"],
  aws_ecr_repository_policy: ["repository", "policy"],
  aws_kms_key: ["arn", "id", "policy"],
  aws_kms_alias: ["name", "target_key_id"],
  aws_s3_bucket: ["bucket"],
  aws_s3_bucket_policy: ["bucket", "policy"],
  aws_s3_bucket_server_side_encryption_configuration: ["bucket", "rule"],
  aws_s3_bucket_public_access_block: ["bucket", "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"],
  aws_codepipeline: ["name", "arn", "role_arn", "artifact_store", "stage"],
  aws_cloudwatch_event_bus: ["name"],
  aws_cloudwatch_event_bus_policy: ["event_bus_name", "policy"],
  aws_cloudwatch_event_rule: ["name", "event_bus_name"],
  aws_cloudwatch_event_target: ["rule", "event_bus_name", "arn", "role_arn", "target_id"],
};

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-fixture-"));
  try {
    const rendered = await renderStacks(loadConfig(path.join(ROOT, "config", "example.json")), work, ROOT);
    const trimmed = rendered.map((s) => ({
      stack: s.stack,
      outputs: {},
      resources: s.resources
        .filter((r) => r.mode === "managed" && KEEP[r.type])
        .map((r) => ({ ...r, values: Object.fromEntries(KEEP[r.type].map((k) => [k, r.values[k]])) })),
    }));
    fs.writeFileSync(RENDERED_EXAMPLE, `${JSON.stringify(trimmed, null, 1)}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
