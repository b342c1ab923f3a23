/**
 * Preflight's real clients (doctor/clients.ts preflightClients), each instance mocked with
 * aws-sdk-client-mock to answer from a FakeWorld as the account its credentials belong to. A
 * command the mock does not list fails the run; every command sent is recorded.
 */
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { BatchGetProjectsCommand } from "@aws-sdk/client-codebuild";
import { GetPipelineCommand } from "@aws-sdk/client-codepipeline";
import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { DescribeEventBusCommand, DescribeRuleCommand, ListRulesCommand } from "@aws-sdk/client-eventbridge";
import { GetAccountSummaryCommand, GetRoleCommand, GetRolePolicyCommand, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { ListAliasesCommand } from "@aws-sdk/client-kms";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetServiceQuotaCommand } from "@aws-sdk/client-service-quotas";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { type AccountAccess, type PreflightClients, preflightClients } from "../../doctor/clients";
import { type FakeWorld, preflightAnswer } from "./fake";
import { type Commands, mockEach } from "../mock-clients";

const COMMANDS: Commands<PreflightClients> = {
  iam: [GetRoleCommand, GetRolePolicyCommand, GetAccountSummaryCommand, SimulatePrincipalPolicyCommand],
  sts: [GetCallerIdentityCommand],
  ecr: [DescribeRepositoriesCommand],
  kms: [ListAliasesCommand],
  s3: [HeadBucketCommand],
  codepipeline: [GetPipelineCommand],
  events: [DescribeEventBusCommand, DescribeRuleCommand, ListRulesCommand],
  codebuild: [BatchGetProjectsCommand],
  logs: [DescribeLogGroupsCommand],
  quotas: [GetServiceQuotaCommand],
};

export interface MockedPreflight {
  readonly factory: (access: AccountAccess, region: string, env: NodeJS.ProcessEnv) => PreflightClients;
  /** "<account id> <command name>" of every command sent, in order. */
  readonly sent: string[];
}

/** `as`: which account a config entry's credentials really belong to (default: the one it names). */
export function mockedPreflight(world: FakeWorld, as: (access: AccountAccess) => string = (a) => a.accountId): MockedPreflight {
  const sent: string[] = [];
  const factory = (access: AccountAccess, region: string, env: NodeJS.ProcessEnv) => {
    const accountId = as(access);
    return mockEach("preflight", preflightClients(access, region, env), COMMANDS, accountId, (operation, input) => preflightAnswer(world, accountId, operation, input), sent);
  };
  return { factory, sent };
}
