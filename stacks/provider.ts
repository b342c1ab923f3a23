import type { AccountConfig, Config } from "../config/schema";
import { AwsProvider } from "../lib/aws";
import type { Construct } from "../lib/cdktf";

/**
 * The AWS provider for one account. `allowed_account_ids` makes Terraform refuse to run with
 * credentials for any other account, so a wrong profile cannot deploy a stack into the wrong one.
 */
export function awsProvider(scope: Construct, config: Config, account: AccountConfig): AwsProvider {
  return new AwsProvider(scope, "aws", {
    region: config.region,
    allowedAccountIds: [account.accountId],
    ...(account.profile && { profile: account.profile }),
    ...(account.assumeRoleArn && { assumeRole: [{ roleArn: account.assumeRoleArn }] }),
    defaultTags: [{ tags: { project: config.project, "managed-by": "cross-account-ecr-pipeline" } }],
  });
}
