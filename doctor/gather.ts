/**
 * What doctor reads, in which account, for a config (everything the app deploys, plus whatever the
 * live pipelines name instead) and for one pipeline the app did not create (what its definition
 * names). The result is a WorldBuilder: the access model's World plus findings on the wiring.
 */
import { pipelineAccounts } from "../config/accounts";
import { type Config, type PipelineConfig, specificTag } from "../config/schema";
import { packPushes } from "../lib/events";
import * as naming from "../lib/naming";
import type { LivePipeline } from "./read";
import { all, type LiveAccount, type PipelineState, unknownKeyArn, WorldBuilder } from "./live";

export interface Gathered {
  readonly builder: WorldBuilder;
  readonly pipelines: PipelineState[];
}

function ruleArn(region: string, accountId: string, rule: string, bus?: string): string {
  return `arn:aws:events:${region}:${accountId}:rule/${bus ? `${bus}/` : ""}${rule}`;
}

function accountOfArn(arn: string | undefined): string | undefined {
  return arn?.split(":")[4];
}

/** Config mode: `source` is account A, `targets` the pipeline accounts keyed by their config key. */
export async function gatherConfig(config: Config, source: LiveAccount, targets: ReadonlyMap<string, LiveAccount>): Promise<Gathered> {
  const { region, project } = config;
  const b = new WorldBuilder();
  const ref = (p: PipelineConfig) => ({ project, name: p.name });
  const accounts = pipelineAccounts(config);
  const pipelines: PipelineState[] = [];

  // 1. The pipelines: what they name decides what else to read.
  await all(
    accounts.flatMap((account) =>
      account.pipelines.map((p) => async () => {
        const live = targets.get(account.key)!;
        const name = naming.pipelineName(ref(p));
        const arn = naming.pipelineArn(region, account.accountId, ref(p));
        const [definition, lastFailure] = await Promise.all([live.reader.pipeline(name, arn), live.reader.lastFailure(name, arn)]);
        pipelines.push({ label: p.name, name, arn, account: live, definition, lastFailure });
      }),
    ),
  );
  pipelines.sort((x, y) => config.pipelines.findIndex((p) => p.name === x.label) - config.pipelines.findIndex((p) => p.name === y.label));
  const stateOf = (p: PipelineConfig) => pipelines.find((s) => s.label === p.name)!;

  const reads: (() => Promise<unknown>)[] = [];
  const roleIn = (arn: string | undefined) => {
    if (!arn) return;
    const owner = accountOfArn(arn) === source.accountId ? source : [...targets.values()].find((t) => t.accountId === accountOfArn(arn));
    if (owner) reads.push(() => b.role(arn, owner));
  };

  // 2. Each pipeline account: its roles, key, bucket and push bus.
  for (const account of accounts) {
    const live = targets.get(account.key)!;
    const B = account.accountId;
    const L = account.label;
    for (const p of account.pipelines) {
      const def = stateOf(p).definition;
      roleIn(naming.roleArn(B, naming.pipelineServiceRoleName(ref(p))));
      if (def.ok && def.value) roleIn(def.value.roleArn);
      if (p.deploy.type === "ecs") {
        roleIn(naming.roleArn(B, naming.imageDefinitionsRoleName(ref(p))));
        if (p.deploy.grantExecutionRolePull) roleIn(naming.roleArn(B, p.deploy.executionRoleName));
      }
      if (p.trigger === "push") roleIn(naming.roleArn(B, naming.startPipelineRoleName(ref(p))));
      for (const s of def.ok && def.value ? def.value.sources : []) roleIn(s.roleArn);
    }
    const bucket = naming.artifactBucketName(project, B, region);
    reads.push(() => b.bucket(bucket, live));
    reads.push(async () => {
      const alias = naming.artifactKeyAliasName(project);
      const aliasTarget = await b.key(alias, live, region);
      const storeKeys = account.pipelines.flatMap((p) => {
        const d = stateOf(p).definition;
        return d.ok && d.value?.keyId ? [{ p, keyId: d.value.keyId }] : [];
      });
      let storeKey: string | undefined;
      for (const { p, keyId } of storeKeys) {
        const arn = await b.key(keyId, live, region);
        storeKey ??= arn;
        if (arn && aliasTarget && arn !== aliasTarget) {
          b.find({
            row: "5",
            pipeline: p.name,
            account: L,
            // No hop depends on the alias (the source-access roles are not narrowed by
            // kms:ResourceAliases, see constructs/source-access-role.ts), so this is a finding,
            // not a denied hop: the name that finds the artifact key finds another key.
            problem: `${alias} points at key ${aliasTarget}, but the pipeline encrypts its artifacts with key ${arn}: the alias no longer names the artifact key (no hop depends on it today)`,
            fix: `point the alias back at the pipeline's key: aws kms update-alias --alias-name ${alias} --target-key-id ${arn} (in ${L}, or redeploy ${account.stack})`,
          });
        }
      }
      if (!aliasTarget && b.resources.get(`arn:aws:kms:${region}:${B}:${alias}`)?.state === "missing") {
        b.find({ row: "5", account: L, problem: `the artifact key alias ${alias} does not exist in ${L}`, fix: `redeploy ${account.stack}: npm run deploy -- --stack ${account.stack}` });
      }
      b.artifactKeys.set(B, storeKey ?? aliasTarget ?? unknownKeyArn(region, B));
    });
    const pushed = account.pipelines.filter((p) => p.trigger === "push");
    if (pushed.length > 0) {
      const bus = naming.pushEventBusName(project);
      reads.push(() => b.bus(region, bus, live));
      for (const p of pushed) {
        reads.push(async () => {
          const rule = naming.pushRuleName(ref(p));
          const targets = await live.reader.ruleTargets(rule, ruleArn(region, B, rule, bus), bus);
          const pipelineArn = naming.pipelineArn(region, B, ref(p));
          const starter = naming.roleArn(B, naming.startPipelineRoleName(ref(p)));
          if (!targets.ok && targets.missing) {
            b.find({ row: "8", pipeline: p.name, account: L, problem: `rule ${rule} on bus ${bus} does not exist in ${L}: pushes never start the pipeline`, fix: `redeploy ${account.stack}: npm run deploy -- --stack ${account.stack}` });
          } else if (targets.ok && !(targets.value ?? []).some((t) => t.arn === pipelineArn && t.roleArn === starter)) {
            b.find({
              row: "8",
              pipeline: p.name,
              account: L,
              problem: `rule ${rule} on bus ${bus} does not target pipeline ${pipelineArn} with role ${starter} (targets: ${(targets.value ?? []).map((t) => `${t.arn} as ${t.roleArn ?? "no role"}`).join(", ") || "none"})`,
              fix: `redeploy ${account.stack}: npm run deploy -- --stack ${account.stack}`,
            });
          }
        });
      }
    }
  }

  // 3. The source account: source-access roles, repositories, the push forwarder and its rules.
  for (const p of config.pipelines) {
    const account = accounts.find((a) => a.pipelines.includes(p))!;
    const def = stateOf(p).definition;
    roleIn(naming.roleArn(source.accountId, naming.sourceAccessRoleName(ref(p))));
    reads.push(() => b.repository(region, p.repository.name, source));
    for (const s of def.ok && def.value ? def.value.sources : []) {
      if (s.repositoryName && s.repositoryName !== p.repository.name) reads.push(() => b.repository(region, s.repositoryName!, source));
    }
    if (!def.ok) {
      if (def.missing) {
        b.find({ row: "1", pipeline: p.name, account: account.label, problem: `pipeline ${naming.pipelineName(ref(p))} does not exist in ${account.label}`, fix: `deploy ${account.stack}: npm run deploy -- --stack ${account.stack}` });
      }
      continue;
    }
    checkDefinition(b, config, p, account.label, account.stack, account.accountId, def.value!);
    if (p.trigger === "push") {
      reads.push(async () => {
        const rule = forwardingRuleOf(config, account.accountId, account.pipelines, p);
        const targets = await source.reader.ruleTargets(rule, ruleArn(region, source.accountId, rule));
        const bus = naming.eventBusArn(region, account.accountId, naming.pushEventBusName(project));
        const forwarder = naming.roleArn(source.accountId, naming.pushForwarderRoleName(project));
        if (!targets.ok && targets.missing) {
          b.find({ row: "8", pipeline: p.name, account: "A", problem: `rule ${rule} does not exist in A: pushes are never forwarded`, fix: `redeploy ${naming.SOURCE_STACK}: npm run deploy -- --stack ${naming.SOURCE_STACK}` });
        } else if (targets.ok && !(targets.value ?? []).some((t) => t.arn === bus && t.roleArn === forwarder)) {
          b.find({ row: "8", pipeline: p.name, account: "A", problem: `rule ${rule} in A does not forward to ${bus} as ${forwarder}`, fix: `redeploy ${naming.SOURCE_STACK}: npm run deploy -- --stack ${naming.SOURCE_STACK}` });
        }
      });
    }
  }
  if (config.pipelines.some((p) => p.trigger === "push")) roleIn(naming.roleArn(source.accountId, naming.pushForwarderRoleName(project)));

  await all(reads);
  return { builder: b, pipelines };
}

/**
 * The rule on A's default bus that forwards `p`'s pushes: its account's forwarding rule, or, when
 * the account's repositories fill more than one event pattern, the one whose pattern holds it
 * (constructs/push-events.ts packs them the same way).
 */
function forwardingRuleOf(config: Config, accountId: string, pipelines: readonly PipelineConfig[], p: PipelineConfig): string {
  const pushes = pipelines.filter((q) => q.trigger === "push").map((q) => ({ repositoryName: q.repository.name, imageTag: specificTag(q) }));
  const index = Math.max(0, packPushes(pushes).findIndex((group) => group.some((push) => push.repositoryName === p.repository.name)));
  return `${naming.pushForwardRuleName(config.project, accountId)}${index === 0 ? "" : `-${index + 1}`}`;
}

/** Whether a live pipeline still uses what the config gives it. */
function checkDefinition(b: WorldBuilder, config: Config, p: PipelineConfig, L: string, stack: string, B: string, def: LivePipeline): void {
  const { project, region } = config;
  const ref = { project, name: p.name };
  const redeploy = `redeploy ${stack}: npm run deploy -- --stack ${stack}`;
  const serviceRole = naming.roleArn(B, naming.pipelineServiceRoleName(ref));
  if (def.roleArn !== serviceRole) {
    b.find({ row: "1", pipeline: p.name, account: L, problem: `pipeline ${def.name} runs as ${def.roleArn ?? "no role"}, not ${serviceRole}`, fix: redeploy });
  }
  const sourceRole = naming.roleArn(config.sourceAccount.accountId, naming.sourceAccessRoleName(ref));
  if (def.sources.length === 0) {
    b.find({ row: "3", pipeline: p.name, account: L, problem: `pipeline ${def.name} has no ECR source action`, fix: redeploy });
  }
  for (const s of def.sources) {
    if (s.roleArn !== sourceRole) {
      b.find({
        row: "2",
        pipeline: p.name,
        account: L,
        problem: `the ECR action ${s.stage}/${s.action} of ${def.name} runs as ${s.roleArn ?? "the pipeline's own role"}, not the source-access role ${sourceRole}`,
        fix: `set the action's role back: ${redeploy}`,
      });
    }
    if (s.repositoryName !== p.repository.name) {
      b.find({ row: "3", pipeline: p.name, account: L, problem: `the ECR action ${s.stage}/${s.action} of ${def.name} reads repository ${s.repositoryName ?? "(none)"}, not ${p.repository.name}`, fix: redeploy });
    }
  }
  const bucket = naming.artifactBucketName(project, B, region);
  if (def.bucket !== bucket) {
    b.find({ row: "4", pipeline: p.name, account: L, problem: `pipeline ${def.name} stores artifacts in ${def.bucket ?? "no bucket"}, not ${bucket}`, fix: redeploy });
  }
  if (!def.keyId) {
    b.find({ row: "5", pipeline: p.name, account: L, problem: `pipeline ${def.name} has no artifact key: S3 would use its AWS managed key, which account A cannot use`, fix: redeploy });
  }
}

/** Pipeline mode: one existing pipeline and whatever its definition names. */
export async function gatherPipeline(region: string, name: string, pipelineAccount: LiveAccount, source: LiveAccount | undefined): Promise<Gathered & { sourceAccountId?: string }> {
  const b = new WorldBuilder();
  const arn = `arn:aws:codepipeline:${region}:${pipelineAccount.accountId}:${name}`;
  const [definition, lastFailure] = await Promise.all([pipelineAccount.reader.pipeline(name, arn), pipelineAccount.reader.lastFailure(name, arn)]);
  const pipelines: PipelineState[] = [{ label: name, name, arn, account: pipelineAccount, definition, lastFailure }];
  if (!definition.ok || !definition.value) return { builder: b, pipelines };
  const def = definition.value;
  const ecr = def.sources[0];
  const sourceAccountId = accountOfArn(ecr?.roleArn) ?? source?.accountId;
  const accountFor = (id: string | undefined) => (id === pipelineAccount.accountId ? pipelineAccount : id && id === source?.accountId ? source : undefined);
  const reads: (() => Promise<unknown>)[] = [];
  const noCredentials = (id: string | undefined) => `credentials for account ${id}: pass --source-account ${id} (and --source-profile)`;
  for (const roleArn of [def.roleArn, ecr?.roleArn]) {
    const owner = accountFor(accountOfArn(roleArn));
    if (roleArn && owner) reads.push(() => b.role(roleArn, owner));
    else if (roleArn) b.unreachable(roleArn, "role", roleArn.split("/").pop() ?? roleArn, accountOfArn(roleArn) ?? "?", noCredentials(accountOfArn(roleArn)));
  }
  if (def.bucket) reads.push(() => b.bucket(def.bucket!, pipelineAccount));
  reads.push(async () => {
    const key = def.keyId ? await b.key(def.keyId, pipelineAccount, region) : undefined;
    b.artifactKeys.set(pipelineAccount.accountId, key ?? unknownKeyArn(region, pipelineAccount.accountId));
  });
  const repoOwner = accountFor(sourceAccountId);
  if (ecr?.repositoryName && repoOwner) reads.push(() => b.repository(region, ecr.repositoryName!, repoOwner));
  else if (ecr?.repositoryName && sourceAccountId) {
    b.unreachable(naming.repositoryArn(region, sourceAccountId, ecr.repositoryName), "repository", ecr.repositoryName, sourceAccountId, noCredentials(sourceAccountId));
  }
  await all(reads);
  if (!ecr) b.find({ row: "3", pipeline: name, account: pipelineAccount.label, problem: `pipeline ${name} has no ECR source action`, fix: "add a Source action with provider ECR" });
  else if (!ecr.roleArn) {
    b.find({ row: "2", pipeline: name, account: pipelineAccount.label, problem: `the ECR action ${ecr.stage}/${ecr.action} has no role: it runs as the pipeline's role in ${pipelineAccount.label}, which cannot read a repository in another account without that repository's policy naming it`, fix: "give the action the role_arn of a role in the repository's account" });
  }
  if (!def.keyId) b.find({ row: "5", pipeline: name, account: pipelineAccount.label, problem: `pipeline ${name} has no artifact key: S3 uses its AWS managed key, which another account cannot use`, fix: "give the artifact store a customer managed KMS key whose policy admits the source account's role" });
  return { builder: b, pipelines, ...(sourceAccountId && { sourceAccountId }) };
}
