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
import { type AccountAccess, type AccountClients, accountClients } from "../../doctor/clients";
import { answer, type FakeAws } from "./fake-aws";
import { type Commands, mockEach } from "../mock-clients";

/** Every command doctor may send, by client. */
const COMMANDS: Commands<AccountClients> = {
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
    const accountId = as(access);
    return mockEach("doctor", accountClients(access, region), COMMANDS, accountId, (operation, input) => answer(fake, accountId, operation, input), sent);
  };
  return { factory, sent };
}
