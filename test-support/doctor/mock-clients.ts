/**
 * Doctor's real clients (doctor/clients.ts), each instance mocked with aws-sdk-client-mock to
 * answer from a FakeAws as the account its credentials belong to. Every command sent is recorded.
 */
import { GetPipelineCommand, ListActionExecutionsCommand, ListPipelineExecutionsCommand } from "@aws-sdk/client-codepipeline";
import { GetRepositoryPolicyCommand } from "@aws-sdk/client-ecr";
import { DescribeEventBusCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyPolicyCommand, ListAliasesCommand } from "@aws-sdk/client-kms";
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { type AccountAccess, type AccountClients, accountClients } from "../../doctor/clients";
import { answer, type FakeAws } from "./fake-aws";

/** Every command doctor may send, by client. */
const COMMANDS: Record<keyof AccountClients, (new (input: never) => { input: unknown })[]> = {
  iam: [GetRoleCommand, ListRolePoliciesCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, GetPolicyCommand, GetPolicyVersionCommand],
  sts: [GetCallerIdentityCommand],
  ecr: [GetRepositoryPolicyCommand],
  kms: [DescribeKeyCommand, GetKeyPolicyCommand, ListAliasesCommand],
  s3: [GetBucketPolicyCommand, GetBucketEncryptionCommand, GetPublicAccessBlockCommand],
  codepipeline: [GetPipelineCommand, ListPipelineExecutionsCommand, ListActionExecutionsCommand],
  events: [DescribeEventBusCommand, ListTargetsByRuleCommand],
};

export interface MockedAws {
  readonly factory: (access: AccountAccess, region: string) => AccountClients;
  /** "<account id> <command name>" of every command sent, in order. */
  readonly sent: string[];
}

/**
 * `as`: which account a config entry's credentials really belong to (default: the one it names),
 * so a test can hand B's credentials to A.
 */
export function mockedAws(fake: FakeAws, as: (access: AccountAccess) => string = (a) => a.accountId): MockedAws {
  const sent: string[] = [];
  const factory = (access: AccountAccess, region: string) => {
    const clients = accountClients(access, region);
    const accountId = as(access);
    for (const [name, commands] of Object.entries(COMMANDS) as [keyof AccountClients, (typeof COMMANDS)[keyof AccountClients]][]) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const stub = mockClient(clients[name] as any);
      stub.onAnyCommand().callsFake(() => {
        throw new Error(`doctor sent a command the mock does not know (client ${name})`);
      });
      for (const command of commands) {
        const operation = command.name.replace(/Command$/, "");
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        stub.on(command as any).callsFake(async (input: Record<string, unknown>) => {
          sent.push(`${accountId} ${operation}`);
          return answer(fake, accountId, operation, input);
        });
      }
    }
    return clients;
  };
  return { factory, sent };
}
