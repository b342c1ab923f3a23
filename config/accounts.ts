/**
 * The pipeline accounts of a validated config, one shape whether it gives one `pipelineAccount`
 * or a map of `pipelineAccounts`: stacks, access cases, plans and doctor iterate this list.
 */
import { pipelineStackName, SOURCE_STACK } from "../lib/naming";
import { type AccountConfig, accountKeyOf, type Config, type PipelineConfig, SINGLE_ACCOUNT } from "./schema";

export interface PipelineAccount {
  /** Its key in `pipelineAccounts`; "" for the one `pipelineAccount`. */
  readonly key: string;
  /** The stack that deploys it. */
  readonly stack: string;
  readonly account: AccountConfig;
  readonly accountId: string;
  /** The pipelines that run in it, in config order. */
  readonly pipelines: readonly PipelineConfig[];
  /** How reports name it: "B" for the one pipeline account, else its key. */
  readonly label: string;
}

export function pipelineAccounts(config: Config): PipelineAccount[] {
  const entries: [string, AccountConfig][] = config.pipelineAccount
    ? [[SINGLE_ACCOUNT, config.pipelineAccount]]
    : Object.entries(config.pipelineAccounts ?? {});
  return entries.map(([key, account]) => ({
    key,
    stack: pipelineStackName(key),
    account,
    accountId: account.accountId,
    pipelines: config.pipelines.filter((p) => accountKeyOf(config, p) === key),
    label: key === SINGLE_ACCOUNT ? "B" : key,
  }));
}

/** The pipeline account a pipeline runs in. */
export function pipelineAccountOf(config: Config, p: PipelineConfig): PipelineAccount {
  const key = accountKeyOf(config, p);
  const found = pipelineAccounts(config).find((a) => a.key === key);
  if (!found) throw new Error(`pipeline ${p.name} runs in no pipeline account of the config`);
  return found;
}

/** Every stack of the config, in deploy order: source-account first. */
export function stackNames(config: Config): string[] {
  return [SOURCE_STACK, ...pipelineAccounts(config).map((a) => a.stack)];
}

/** The account a stack of this config deploys to. */
export function stackAccount(config: Config, stack: string): string {
  if (stack === SOURCE_STACK) return config.sourceAccount.accountId;
  const account = pipelineAccounts(config).find((a) => a.stack === stack);
  if (!account) throw new Error(`stack ${stack} is not a stack of this config`);
  return account.accountId;
}
