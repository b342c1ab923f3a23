/**
 * Every AWS API call preflight makes, and the IAM action that allows it. All of them read: a test
 * checks that the commands deploy/ constructs are exactly these, and that each one only reads.
 */

export interface PreflightCall {
  /** The SDK command's name without "Command". */
  readonly command: string;
  /** The IAM action that authorizes it ("" when none is needed). */
  readonly action: string;
}

export const PREFLIGHT_CALLS: readonly PreflightCall[] = [
  // GetCallerIdentity needs no permission: "No permissions are required to perform this operation"
  // (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
  { command: "GetCallerIdentity", action: "" },
  { command: "GetRole", action: "iam:GetRole" },
  { command: "GetRolePolicy", action: "iam:GetRolePolicy" },
  { command: "GetAccountSummary", action: "iam:GetAccountSummary" },
  { command: "SimulatePrincipalPolicy", action: "iam:SimulatePrincipalPolicy" },
  // HeadBucket is authorized by s3:ListBucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html).
  { command: "HeadBucket", action: "s3:ListBucket" },
  { command: "DescribeRepositories", action: "ecr:DescribeRepositories" },
  { command: "GetPipeline", action: "codepipeline:GetPipeline" },
  { command: "DescribeEventBus", action: "events:DescribeEventBus" },
  { command: "DescribeRule", action: "events:DescribeRule" },
  { command: "ListRules", action: "events:ListRules" },
  { command: "BatchGetProjects", action: "codebuild:BatchGetProjects" },
  { command: "DescribeLogGroups", action: "logs:DescribeLogGroups" },
  { command: "ListAliases", action: "kms:ListAliases" },
  { command: "GetServiceQuota", action: "servicequotas:GetServiceQuota" },
];

/** The verbs of calls that only read. */
export const READ_ONLY = /^(Get|List|Describe|Head|BatchGet|Simulate)/;

export function actionOf(command: string): string {
  const call = PREFLIGHT_CALLS.find((c) => c.command === command);
  if (!call) throw new Error(`preflight sends ${command}, which PREFLIGHT_CALLS does not list`);
  return call.action;
}

/**
 * The IAM actions preflight needs that deploying does not (stacks/deploy-permissions.ts lists
 * those): the reads that only count or simulate.
 */
export function preflightOnlyActions(deployActions: Readonly<Record<string, readonly string[]>>): string[] {
  const deploying = new Set(Object.values(deployActions).flat());
  return [...new Set(PREFLIGHT_CALLS.map((c) => c.action).filter((a) => a && !deploying.has(a)))].sort();
}
