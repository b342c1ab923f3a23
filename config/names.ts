/**
 * Every AWS name the naming module derives from a config, per account, and the check that no two
 * things of a config get the same one. IAM role names, pipeline names, CodeBuild projects, log
 * groups, rules and statement ids are unique in their account (or document): a second CreateRole
 * of a name fails mid-apply, a duplicate Sid only when AWS reads the policy. Refused here, from the
 * config, before anything is synthesized.
 *
 * What a single config cannot see, another project in the same account, is the deploy's preflight
 * business (names free in the account) and docs/config.md's ("Names": a second project in the same account).
 */
import { pipelineAccounts } from "./accounts";
import { type Config, type PipelineConfig, type RelationProblem } from "./schema";
import * as naming from "../lib/naming";

/** A namespace in which AWS requires names to be unique: per account, or per document. */
type Namespace = "IAM role" | "pipeline" | "CodeBuild project" | "log group" | "rule on the project's bus" | "rule on the default bus" | "bucket policy statement id";

/** One derived name, and what has it. */
interface Derived {
  readonly account: string;
  readonly namespace: Namespace;
  readonly name: string;
  /** Index of the pipeline it belongs to; undefined for the project's own (one per account). */
  readonly pipeline?: number;
  /** What it is, e.g. "service role". */
  readonly what: string;
}

/**
 * Construct ids the stacks give their own resources next to the pipelines' (whose ids are their
 * names): a pipeline of that name would collide with them. A test holds this list against the
 * synthesized stacks.
 */
export const RESERVED_PIPELINE_NAMES = ["aws", "backend", "artifact-store", "event-bus-access", "push-forwarding", "source-account-state"] as const;

/** Every name the app derives for `config`, with its account and namespace. */
export function derivedNames(config: Config): Derived[] {
  const { project } = config;
  const A = config.sourceAccount.accountId;
  const index = new Map(config.pipelines.map((p, i) => [p, i]));
  const names: Derived[] = [];
  const add = (account: string, namespace: Namespace, name: string, what: string, p?: PipelineConfig) =>
    names.push({ account, namespace, name, what, pipeline: p === undefined ? undefined : index.get(p) });

  if (config.pipelines.some((p) => p.trigger === "push")) add(A, "IAM role", naming.pushForwarderRoleName(project), "push forwarder role");
  for (const account of pipelineAccounts(config)) {
    const B = account.accountId;
    if (account.pipelines.some((p) => p.trigger === "push")) add(A, "rule on the default bus", naming.pushForwardRuleName(project, B), "forwarding rule");
    for (const p of account.pipelines) {
      const ref = { project, name: p.name };
      add(A, "IAM role", naming.sourceAccessRoleName(ref), "source-access role", p);
      add(B, "IAM role", naming.pipelineServiceRoleName(ref), "service role", p);
      add(B, "pipeline", naming.pipelineName(ref), "pipeline", p);
      add(B, "bucket policy statement id", naming.sourceAccessWriteSid(p.name), "artifact bucket statement", p);
      if (p.trigger === "push") {
        add(B, "IAM role", naming.startPipelineRoleName(ref), "start role", p);
        add(B, "rule on the project's bus", naming.pushRuleName(ref), "push rule", p);
      }
      if (p.deploy.type === "ecs") {
        const buildProject = naming.imageDefinitionsProjectName(ref);
        add(B, "IAM role", naming.imageDefinitionsRoleName(ref), "CodeBuild role", p);
        add(B, "CodeBuild project", buildProject, "CodeBuild project", p);
        add(B, "log group", naming.buildLogGroupName(buildProject), "CodeBuild log group", p);
      }
    }
  }
  return names;
}

const quoted = (config: Config, i: number) => `pipelines[${i}] ("${config.pipelines[i].name}")`;

/**
 * Two things of the config that would get one name in one account (each pair once, pointing at the
 * later pipeline's name); pipeline names the stacks reserve; and a task execution role given with
 * two different paths. Run on a config whose relations are sound (every pipeline has its account).
 */
export function nameProblems(config: Config): RelationProblem[] {
  const problems: RelationProblem[] = [];
  config.pipelines.forEach((p, i) => {
    if ((RESERVED_PIPELINE_NAMES as readonly string[]).includes(p.name)) {
      problems.push({
        path: ["pipelines", i, "name"],
        expected: `a name other than ${RESERVED_PIPELINE_NAMES.map((n) => `"${n}"`).join(", ")} (the stacks name their own resources so)`,
      });
    }
  });

  const first = new Map<string, Derived>();
  const reported = new Set<string>();
  for (const d of derivedNames(config)) {
    const key = `${d.account}\n${d.namespace}\n${d.name}`;
    const before = first.get(key);
    if (!before) {
      first.set(key, d);
      continue;
    }
    if (d.pipeline === undefined) continue;
    // The problem points at the later pipeline of the two (accounts are visited one by one, so `d` may be the earlier).
    const [a, b] = before.pipeline !== undefined && before.pipeline > d.pipeline ? [d, before] : [before, d];
    const pair = `${a.pipeline ?? "project"},${b.pipeline}`;
    if (reported.has(pair)) continue;
    reported.add(pair);
    const owner = (x: Derived) => (x.pipeline === undefined ? `the project's ${x.what}` : `the ${x.what} of ${quoted(config, x.pipeline)}`);
    problems.push({
      path: ["pipelines", b.pipeline!, "name"],
      expected: `a name whose AWS names differ from those of ${a.pipeline === undefined ? "the project" : quoted(config, a.pipeline)}: the ${d.namespace} "${d.name}" in account ${d.account} would be both ${owner(a)} and ${owner(b)}`,
    });
  }

  // A role has one ARN: given by name for one pipeline and by ARN with a path for another, the
  // name-only form would pass the wrong ARN (roles under /service-role/ differ).
  for (const account of pipelineAccounts(config)) {
    const given = new Map<string, { arn: string; index: number }>();
    for (const p of account.pipelines) {
      if (p.deploy.type !== "ecs") continue;
      for (const field of ["executionRoleName", "taskRoleName"] as const) {
        const value = p.deploy[field];
        if (value === undefined) continue;
        const arn = naming.namedRoleArn(account.accountId, value);
        const role = naming.roleNameOf(value);
        const i = config.pipelines.indexOf(p);
        const before = given.get(role);
        if (before && before.arn !== arn) {
          problems.push({
            path: ["pipelines", i, "deploy", field],
            expected: `the role ${role} as pipelines[${before.index}] gives it ("${before.arn}"): a role has one path, so one ARN`,
          });
        } else if (!before) {
          given.set(role, { arn, index: i });
        }
      }
    }
  }
  return problems;
}
