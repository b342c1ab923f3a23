/**
 * Every AWS API call doctor makes, the IAM action that allows it, and the account it is made in.
 * The policies of docs/doctor.md ("The permissions doctor needs") are generated from this list (and a test checks
 * that every SDK command doctor's code sends is here, and that each one only reads).
 */

export type Side = "source" | "pipeline";

export interface ReadCall {
  /** The SDK command's name without "Command". */
  readonly command: string;
  /** The IAM action that authorizes it ("" when none is needed). */
  readonly action: string;
  readonly accounts: readonly Side[];
}

const BOTH: readonly Side[] = ["source", "pipeline"];

export const READ_CALLS: readonly ReadCall[] = [
  // GetCallerIdentity needs no permission: "No permissions are required to perform this operation"
  // (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
  { command: "GetCallerIdentity", action: "", accounts: BOTH },
  { command: "GetRole", action: "iam:GetRole", accounts: BOTH },
  { command: "ListRolePolicies", action: "iam:ListRolePolicies", accounts: BOTH },
  { command: "GetRolePolicy", action: "iam:GetRolePolicy", accounts: BOTH },
  { command: "ListAttachedRolePolicies", action: "iam:ListAttachedRolePolicies", accounts: BOTH },
  { command: "GetPolicy", action: "iam:GetPolicy", accounts: BOTH },
  { command: "GetPolicyVersion", action: "iam:GetPolicyVersion", accounts: BOTH },
  { command: "GetRepositoryPolicy", action: "ecr:GetRepositoryPolicy", accounts: ["source"] },
  { command: "ListTargetsByRule", action: "events:ListTargetsByRule", accounts: BOTH },
  { command: "DescribeEventBus", action: "events:DescribeEventBus", accounts: ["pipeline"] },
  { command: "GetPipeline", action: "codepipeline:GetPipeline", accounts: ["pipeline"] },
  { command: "ListPipelineExecutions", action: "codepipeline:ListPipelineExecutions", accounts: ["pipeline"] },
  { command: "ListActionExecutions", action: "codepipeline:ListActionExecutions", accounts: ["pipeline"] },
  { command: "DescribeKey", action: "kms:DescribeKey", accounts: ["pipeline"] },
  { command: "GetKeyPolicy", action: "kms:GetKeyPolicy", accounts: ["pipeline"] },
  { command: "ListAliases", action: "kms:ListAliases", accounts: ["pipeline"] },
  { command: "GetBucketPolicy", action: "s3:GetBucketPolicy", accounts: ["pipeline"] },
  // GetBucketEncryption is authorized by s3:GetEncryptionConfiguration
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html).
  { command: "GetBucketEncryption", action: "s3:GetEncryptionConfiguration", accounts: ["pipeline"] },
  { command: "GetPublicAccessBlock", action: "s3:GetBucketPublicAccessBlock", accounts: ["pipeline"] },
];

export function actionFor(command: string): string {
  const call = READ_CALLS.find((c) => c.command === command);
  if (!call) throw new Error(`doctor sends ${command}, which READ_CALLS does not list`);
  return call.action;
}

/** The identity policy doctor needs in one account: every read it makes there, on any resource. */
export function doctorPolicy(side: Side): { Version: string; Statement: unknown[] } {
  const actions = [...new Set(READ_CALLS.filter((c) => c.action && c.accounts.includes(side)).map((c) => c.action))].sort();
  return {
    Version: "2012-10-17",
    // Resource "*": doctor reads whatever the pipeline names, in roles and keys it cannot predict;
    // every action here only reads.
    Statement: [{ Sid: "PipelineDoctorReadsOnly", Effect: "Allow", Action: actions, Resource: "*" }],
  };
}
