/**
 * A stand-in for `terraform apply <saved plan>`, run in place of Terraform's by the `terraform`
 * wrapper terraform-stand-in.ts writes: there is no AWS account to apply to here. Like a
 * successful apply, it writes the stack's state (the outputs the plan says, and those known only
 * after apply as AWS formats them: terraform/fixtures.ts), with the next serial; then it tells the
 * local AWS server which stack it applied, and prints Terraform's last line.
 *
 * STAND_IN_WAIT=1: it waits for an interrupt first, counts the interrupts it gets in the next
 * second (Terraform stops gracefully on the first, at once on a second), writes the state and
 * exits 1, as an interrupted Terraform does. Every run is logged to STAND_IN_LOG.
 */
import { spawnSync } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { resolveOutputs, type StackJson } from "../../terraform/fixtures";
import type { PlanJson } from "../../terraform/plan-summary";

const REAL = process.env.STAND_IN_TERRAFORM!;
const stack = path.basename(process.cwd());
const planFile = process.argv.slice(3).find((a) => !a.startsWith("-"))!;
const record = (line: string) => fs.appendFileSync(process.env.STAND_IN_LOG!, `${line}\n`);

function writeState(plan: PlanJson): void {
  const json = JSON.parse(fs.readFileSync("cdk.tf.json", "utf8")) as StackJson & { provider: { aws: { region: string; allowed_account_ids: string[] }[] } };
  const { region, allowed_account_ids } = json.provider.aws[0];
  let resolved: Record<string, string> | undefined;
  const outputs = Object.fromEntries(
    Object.entries(plan.planned_values?.outputs ?? {}).map(([name, o]) => {
      resolved ??= resolveOutputs(json, { accountId: allowed_account_ids[0], region });
      return [name, { value: "value" in o ? o.value : resolved[name], type: "string" }];
    }),
  );
  const backend = JSON.parse(fs.readFileSync(path.join(".terraform", "terraform.tfstate"), "utf8")).backend.config.path as string;
  const prior = fs.existsSync(backend) ? (JSON.parse(fs.readFileSync(backend, "utf8")) as { lineage: string; serial: number }) : undefined;
  const state = { version: 4, terraform_version: plan.terraform_version, serial: (prior?.serial ?? 0) + 1, lineage: prior?.lineage ?? randomUUID(), outputs, resources: [] };
  fs.mkdirSync(path.dirname(backend), { recursive: true });
  fs.writeFileSync(backend, JSON.stringify(state, null, 2));
}

async function main(): Promise<number> {
  // Deploy keeps `terraform show -json` of each plan beside it: read that, not the plan again (a
  // second of the provider's schema loading per apply).
  const beside = path.join(path.dirname(path.resolve(planFile)), `${stack}.json`);
  let plan: PlanJson;
  if (fs.existsSync(beside)) plan = JSON.parse(fs.readFileSync(beside, "utf8")) as PlanJson;
  else {
    const shown = spawnSync(REAL, ["show", "-json", planFile], { encoding: "utf8", maxBuffer: 256 << 20 });
    if (shown.status !== 0) throw new Error(shown.stderr);
    plan = JSON.parse(shown.stdout) as PlanJson;
  }
  const creates = (plan.resource_changes ?? []).filter((c) => c.change.actions.includes("create")).length;
  if (process.env.STAND_IN_WAIT) {
    let interrupts = 0;
    // A listener alone does not keep Node running: the timer does, for a minute at most.
    const timer = setTimeout(() => process.exit(3), 60_000);
    const first = new Promise<void>((resolve) => process.on("SIGINT", () => (interrupts++, resolve())));
    process.stdout.write(`stand-in: applying ${stack}, waiting for an interrupt\n`);
    await first;
    clearTimeout(timer);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    record(`apply ${stack}: ${interrupts} interrupt(s)`);
    writeState(plan);
    process.stdout.write("Stopping operation...\n\nError: execution halted\n");
    return 1;
  }
  writeState(plan);
  await fetch(`${process.env.STAND_IN_AWS}/__fake/applied`, { method: "POST", body: JSON.stringify({ stack }) });
  record(`apply ${stack}`);
  process.stdout.write(`\nApply complete! Resources: ${creates} added, 0 changed, 0 destroyed.\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`stand-in failed: ${(e as Error).stack}\n`);
    process.exit(2);
  },
);
