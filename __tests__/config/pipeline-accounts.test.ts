import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pipelineAccountOf, pipelineAccounts, stackAccount, stackNames } from "../../config/accounts";
import { loadConfig, parseConfig } from "../../config/load";
import { configProblems, ROOT } from "../../test-support/config";

const TWO_ACCOUNTS = path.join(ROOT, "config", "examples", "two-accounts.json");

type Raw = Record<string, any>;

function twoAccounts(): Raw {
  return JSON.parse(fs.readFileSync(TWO_ACCOUNTS, "utf8"));
}

/** GIVEN the two-account example changed by `change`, WHEN it is parsed, THEN these are the problems. */
function problems(change: (c: Raw) => void, base: Raw = twoAccounts()): readonly string[] {
  change(base);
  return configProblems(base);
}

function single(): Raw {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "config", "example.json"), "utf8"));
}

describe("a config with several pipeline accounts", () => {
  const config = loadConfig(TWO_ACCOUNTS);

  it("gives each pipeline account its stack, account and pipelines, in config order", () => {
    expect(pipelineAccounts(config).map((a) => [a.key, a.stack, a.accountId, a.pipelines.map((p) => p.name), a.label])).toEqual([
      ["staging", "pipeline-account-staging", "222222222222", ["web-staging"], "staging"],
      ["prod", "pipeline-account-prod", "333333333333", ["web-prod"], "prod"],
    ]);
    expect(stackNames(config)).toEqual(["source-account", "pipeline-account-staging", "pipeline-account-prod"]);
    expect(stackAccount(config, "pipeline-account-prod")).toBe("333333333333");
    expect(pipelineAccountOf(config, config.pipelines[1]).key).toBe("prod");
  });

  it("keeps a single pipelineAccount as the one stack pipeline-account", () => {
    const one = parseConfig(single(), "example");
    expect(pipelineAccounts(one).map((a) => [a.key, a.stack, a.accountId, a.pipelines.length, a.label])).toEqual([
      ["", "pipeline-account", "222222222222", 2, "B"],
    ]);
    expect(stackNames(one)).toEqual(["source-account", "pipeline-account"]);
  });

  it("lets pipelines of different accounts share a repository", () => {
    expect(config.pipelines.map((p) => p.repository.name)).toEqual(["shop/web", "shop/web"]);
  });

  it("reads a file that starts with a UTF-8 byte-order mark", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "config-bom-")), "bom.json");
    fs.writeFileSync(file, `\uFEFF${fs.readFileSync(TWO_ACCOUNTS, "utf8")}`);
    try {
      expect(loadConfig(file).project).toBe("shop");
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});

describe("several pipeline accounts: bad input gives one line per problem", () => {
  it("wants exactly one of pipelineAccount and pipelineAccounts", () => {
    expect(problems((c) => (c.pipelineAccount = { accountId: "444444444444" }))).toEqual([
      'pipelineAccounts: got {"staging":{"accountId":"222222222222","profile":"staging"},"prod":{"accountI...; expected either pipelineAccount (one pipeline account) or pipelineAccounts (several), not both',
    ]);
    expect(problems((c) => delete c.pipelineAccounts)).toEqual([
      'pipelineAccount: missing; expected an object with accountId and optionally profile or assumeRoleArn (or "pipelineAccounts", a map of several)',
    ]);
  });

  it("names a bad short name as the key it is", () => {
    expect(
      problems((c) => {
        c.pipelineAccounts = { Prod_1: c.pipelineAccounts.prod, staging: c.pipelineAccounts.staging };
        c.pipelines[1].account = "Prod_1";
      }),
    ).toEqual([
      'pipelineAccounts.Prod_1: got the key "Prod_1"; expected 1 to 16 lowercase letters, digits and hyphens (the short name of a pipeline account)',
    ]);
  });

  it("refuses a list or an empty map of pipeline accounts", () => {
    expect(problems((c) => (c.pipelineAccounts = [c.pipelineAccounts.prod]))).toEqual([
      'pipelineAccounts: got [{"accountId":"333333333333","assumeRoleArn":"arn:aws:iam::333333333333:role/...; expected a map from a short name (1 to 16 lowercase letters, digits and hyphens) to a pipeline account: { "accountId", "profile"?, "assumeRoleArn"? }',
    ]);
    expect(problems((c) => (c.pipelineAccounts = {}))).toEqual(["pipelineAccounts: got {}; expected at least one pipeline account"]);
  });

  it("wants every pipeline to name one of the accounts", () => {
    expect(problems((c) => delete c.pipelines[0].account)).toEqual([
      "pipelines[0].account: missing; expected the short name of the pipeline account it runs in, one of: staging, prod",
      'pipelineAccounts.staging: got {"accountId":"222222222222","profile":"staging"}; expected a pipeline account that at least one pipeline runs in (set a pipeline\'s "account" to "staging", or remove it)',
    ]);
    expect(problems((c) => (c.pipelines[1].account = "production"))).toEqual([
      'pipelines[1].account: got "production"; expected the short name of the pipeline account it runs in, one of: staging, prod',
      'pipelineAccounts.prod: got {"accountId":"333333333333","assumeRoleArn":"arn:aws:iam::333333333333:role/d...; expected a pipeline account that at least one pipeline runs in (set a pipeline\'s "account" to "prod", or remove it)',
    ]);
  });

  it("refuses account on a pipeline of a config with one pipelineAccount", () => {
    const base = single();
    expect(problems((c) => (c.pipelines[0].account = "staging"), base)).toEqual([
      'pipelines[0].account: got "staging"; expected no account: with a single pipelineAccount every pipeline runs there (account is for pipelineAccounts)',
    ]);
  });

  it("wants every account different from every other", () => {
    expect(problems((c) => (c.pipelineAccounts.prod = { accountId: "222222222222" }))).toEqual([
      'pipelineAccounts.prod.accountId: got "222222222222"; expected an account id different from pipelineAccounts.staging.accountId (each account has its own stack)',
    ]);
    expect(problems((c) => (c.pipelineAccounts.staging.accountId = "111111111111"))).toEqual([
      'pipelineAccounts.staging.accountId: got "111111111111"; expected an account id different from sourceAccount.accountId (each account has its own stack)',
    ]);
  });

  it("refuses an assumeRoleArn in another account than the one it is given for", () => {
    expect(problems((c) => (c.pipelineAccounts.prod.assumeRoleArn = "arn:aws:iam::222222222222:role/deployer"))).toEqual([
      'pipelineAccounts.prod.assumeRoleArn: got "arn:aws:iam::222222222222:role/deployer"; expected a role in account 333333333333, the account it is given for (with a role in 222222222222, Terraform would work in the wrong account)',
    ]);
    const base = single();
    expect(problems((c) => (c.sourceAccount.assumeRoleArn = "arn:aws:iam::222222222222:role/deployer"), base)).toEqual([
      'sourceAccount.assumeRoleArn: got "arn:aws:iam::222222222222:role/deployer"; expected a role in account 111111111111, the account it is given for (with a role in 222222222222, Terraform would work in the wrong account)',
    ]);
  });

  it("allows one pipeline per repository per account", () => {
    expect(
      problems((c) => c.pipelines.push({ name: "web-canary", account: "staging", repository: { name: "shop/web" }, imageTag: "canary" })),
    ).toEqual([
      'pipelines[2].repository.name: got "shop/web"; expected a repository no other pipeline of account "staging" uses (pipelines[0] uses it there; one pipeline per repository per account)',
    ]);
  });

  it("wants the pipelines that share a repository to agree on creating it", () => {
    expect(problems((c) => (c.pipelines[1].repository.create = false))).toEqual([
      "pipelines[1].repository.create: got false; expected true, as pipelines[0], which uses the same repository (it is created, or adopted, once)",
    ]);
  });

  it("keeps pipeline names unique across accounts", () => {
    expect(problems((c) => (c.pipelines[1].name = "web-staging"))).toEqual([
      'pipelines[1].name: got "web-staging"; expected a name no other pipeline has (pipelines[0] has it)',
    ]);
  });
});
