/**
 * How many pipelines fit in one pipeline account before each AWS limit, for the longest names the
 * config accepts and for typical ones: measured on synthesized stacks (stacks/limits.ts), not
 * estimated. `npm run limits` prints the table docs/config.md gives; the tests hold the headline figure.
 */
import { parseConfig } from "../config/load";
import type { Config, ConfigInput } from "../config/schema";
import { stackAccount } from "../config/accounts";
import { buildApp } from "./app";
import { LIMITS, type LimitName, type Measure, measureStack } from "./limits";
import type { StackJson } from "../terraform/fixtures";

export type NameStyle = "longest" | "typical";

/** The limits that grow with the number of pipelines in one account, and how a sample config exercises each. */
export const GROWING: readonly { readonly limit: LimitName; readonly what: string; readonly subject: RegExp }[] = [
  { limit: "bucketPolicy", what: "artifact bucket policy (one statement per pipeline)", subject: /^the policy of bucket / },
  { limit: "keyPolicy", what: "artifact key policy (every role of the account's pipelines)", subject: /^the key policy / },
  { limit: "roleInlinePolicies", what: "one task execution role shared by every ECS service (one repository ARN each)", subject: /role task-execution$/ },
  { limit: "rulesPerBus", what: "rules on the project's bus in the pipeline account (one per pipeline started by a push)", subject: /image-pushes of account/ },
  { limit: "rolesPerAccount", what: "roles in the pipeline account (up to three per pipeline)", subject: /in account 222222222222$/ },
];

const LONGEST_PROJECT = "abcdefghijkl";

/**
 * A config with `n` pipelines in one pipeline account, each started by a push and deploying to
 * ECS with one shared task execution role (the most roles, statements and repositories a pipeline
 * can add). Longest: a 12-character project, 28-character pipeline names, 256-character
 * repository names; typical: "shop", pipelines "orders-api-007" and repositories "shop/orders-api-007".
 */
export function sampleConfig(n: number, style: NameStyle): Config {
  return parseConfig(sampleInput(n, style), `${n} pipelines, ${style} names`);
}

/** sampleConfig as a config file gives it. */
export function sampleInput(n: number, style: NameStyle): ConfigInput {
  const pad = (i: number) => String(i).padStart(3, "0");
  const pipelines = Array.from({ length: n }, (_, i) => {
    // The first 7 characters after the project differ: CodePipeline's artifact prefix is 20 long.
    const name = style === "longest" ? `p${pad(i)}${"x".repeat(24)}` : `orders-api-${pad(i)}`;
    const repository = style === "longest" ? `r${pad(i)}/${"y".repeat(251)}` : `shop/orders-api-${pad(i)}`;
    return {
      name,
      repository: { name: repository },
      deploy: { type: "ecs", cluster: "main", service: name, containerName: "app", executionRoleName: "task-execution", grantExecutionRolePull: true },
    };
  });
  const input: ConfigInput = {
    project: style === "longest" ? LONGEST_PROJECT : "shop",
    region: "ap-northeast-1",
    sourceAccount: { accountId: "111111111111" },
    pipelineAccount: { accountId: "222222222222" },
    pipelines: pipelines as ConfigInput["pipelines"],
  };
  return input;
}

/** Every measure of every stack of `config`. */
export function measureConfig(config: Config): { stack: string; measure: Measure }[] {
  const { source, pipelines } = buildApp(config, { outdir: "/nonexistent", projectRoot: "/nonexistent" });
  return [source, ...pipelines].flatMap((s) =>
    measureStack(s.node.id, s.toTerraform() as StackJson, { accountId: stackAccount(config, s.node.id), region: config.region }).map((measure) => ({
      stack: s.node.id,
      measure,
    })),
  );
}

/** The size of the one thing of the pipeline account that grows towards `limit`. */
function sizeOf(config: Config, limit: LimitName): number {
  const { subject } = GROWING.find((g) => g.limit === limit)!;
  const found = measureConfig(config).filter(({ stack, measure }) => stack !== "source-account" && measure.limit === limit && subject.test(measure.what));
  if (found.length !== 1) throw new Error(`expected one ${limit} measure matching ${subject}, found ${found.length}`);
  return found[0].measure.size;
}

export interface Capacity {
  readonly limit: LimitName;
  /** The most pipelines of one account that stay within the limit. */
  readonly pipelines: number;
  /** The size at that many pipelines, and at one more. */
  readonly sizeAt: number;
  readonly sizeAbove: number;
}

/**
 * The most pipelines that fit. Each pipeline adds the same amount (its names have one length), so
 * the sizes at 1 and 2 pipelines give a first guess; the figure is then found by measuring: the
 * largest count within the limit, next to the smallest count over it.
 */
export function capacity(limit: LimitName, style: NameStyle): Capacity {
  const max = LIMITS[limit].limit;
  const sizes = new Map<number, number>();
  const at = (n: number) => sizes.get(n) ?? sizes.set(n, sizeOf(sampleConfig(n, style), limit)).get(n)!;
  const step = Math.max(1, at(2) - at(1));
  const guess = Math.max(1, Math.floor((max - at(1)) / step) + 1);
  // Bracket the figure, from the guess outwards in doubling steps, then halve the bracket.
  let [fits, over] = at(guess) <= max ? [guess, 0] : [0, guess];
  for (let jump = 1; over === 0; jump *= 2) {
    if (at(fits + jump) <= max) fits += jump;
    else over = fits + jump;
  }
  for (let jump = 1; fits === 0 && over > 1; jump *= 2) {
    const below = Math.max(1, over - jump);
    if (at(below) <= max) fits = below;
    else over = below;
  }
  while (over - fits > 1) {
    const mid = Math.floor((fits + over) / 2);
    if (at(mid) <= max) fits = mid;
    else over = mid;
  }
  return { limit, pipelines: fits, sizeAt: at(fits), sizeAbove: at(over) };
}
