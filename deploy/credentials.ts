/**
 * Before deploy synthesizes or plans anything against AWS: each account it deploys to has working
 * credentials, for that account (STS GetCallerIdentity, which needs no permission: "GetCallerIdentity",
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html). Without them a
 * deploy stops in seconds with one line, instead of after synth, init and a plan that fails.
 * The clients are doctor's (doctor/clients.ts): the credentials the config names, the same way.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { AccountConfig, Config } from "../config/schema";
import { accountClients, destroyClients } from "../doctor/clients";
import { isCredentialsFailure } from "../doctor/read";

export interface DeployAccount {
  readonly stack: string;
  readonly account: Pick<AccountConfig, "accountId" | "profile" | "assumeRoleArn">;
}

/** A credentials problem, one line naming the stack, the account and how it is reached. */
export class CredentialsProblem extends Error {
  override name = "CredentialsProblem";
}

function describe(a: DeployAccount["account"]): string {
  return a.profile ? `profile "${a.profile}"` : a.assumeRoleArn ? `role ${a.assumeRoleArn}` : "the default credential chain";
}

function within<T>(promise: Promise<T>, seconds: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CredentialsProblem(message)), seconds * 1000);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check({ stack, account }: DeployAccount, region: string, seconds: number, env: NodeJS.ProcessEnv): Promise<void> {
  const where = `${stack} (account ${account.accountId}, with ${describe(account)})`;
  const clients = accountClients(account, region, env);
  try {
    let actual: string | undefined;
    try {
      actual = (await within(clients.sts.send(new GetCallerIdentityCommand({})), seconds, `${where}: no answer from STS within ${seconds} s`)).Account;
    } catch (e) {
      if (e instanceof CredentialsProblem) throw e;
      const err = e as { name?: string; message?: string };
      const kind = !isCredentialsFailure(err)
        ? "cannot check its credentials"
        : /Expired/.test(err.name ?? "")
          ? "expired credentials"
          : /ProviderError/.test(err.name ?? "")
            ? "no credentials"
            : "credentials AWS does not accept";
      throw new CredentialsProblem(`${where}: ${kind}: ${(err.message ?? String(e)).replace(/\s+/g, " ").trim()}`);
    }
    if (actual !== account.accountId) throw new CredentialsProblem(`${where}: the credentials are for account ${actual ?? "(unknown)"}, not ${account.accountId}`);
  } finally {
    destroyClients(clients);
  }
}

/** Checks every account, side by side; throws the first problem (in deploy order). */
export async function checkCredentials(config: Config, accounts: readonly DeployAccount[], env: NodeJS.ProcessEnv = process.env, seconds = 20): Promise<void> {
  const results = await Promise.allSettled(accounts.map((a) => check(a, config.region, seconds, env)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
