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
import { mockClient } from "aws-sdk-client-mock";
import { type AccountAccess, type PreflightClients, preflightClients } from "../../doctor/clients";
import { type FakeWorld, preflightAnswer } from "./fake";

const COMMANDS: Record<keyof PreflightClients, (new (input: never) => { input: unknown })[]> = {
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
    const clients = preflightClients(access, region, env);
    const accountId = as(access);
    for (const [name, commands] of Object.entries(COMMANDS) as [keyof PreflightClients, (typeof COMMANDS)[keyof PreflightClients]][]) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const stub = mockClient(clients[name] as any);
      stub.onAnyCommand().callsFake((input: unknown) => {
        throw new Error(`preflight sent a command the mock does not know (client ${name}): ${JSON.stringify(input)}`);
      });
      for (const command of commands) {
        const operation = command.name.replace(/Command$/, "");
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        stub.on(command as any).callsFake(async (input: Record<string, unknown>) => {
          sent.push(`${accountId} ${operation}`);
          return preflightAnswer(world, accountId, operation, input);
        });
      }
    }
    return clients;
  };
  return { factory, sent };
}
