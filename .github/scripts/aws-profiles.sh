#!/usr/bin/env bash
# Gives every account of the config its credentials in CI, however many pipeline accounts it has:
# for each entry of PLAN_ROLES, a JSON object {"<AWS CLI profile>": "<role ARN>", ...}, exchanges
# the job's GitHub OIDC token for that role's credentials and writes them as that profile. The
# entry "default" becomes the default profile, which providers with an assumeRoleArn and no
# profile start from. Name the profiles as the config does (sourceAccount.profile,
# pipelineAccounts.<key>.profile); a role of an account the config reaches by assumeRoleArn must
# be allowed to assume that role.
#
# Needs: the job's `id-token: write` permission, and the aws CLI, curl and jq (on GitHub's runners).
set -euo pipefail

: "${PLAN_ROLES:?set the repository variable PLAN_ROLES: {\"<profile>\": \"<role ARN>\", ...}}"
: "${ACTIONS_ID_TOKEN_REQUEST_URL:?no OIDC token: the job needs permissions: id-token: write}"
: "${AWS_REGION:?set AWS_REGION}"

profiles=$(jq -r 'if type == "object" and length > 0 then keys[] else error("PLAN_ROLES must be a non-empty JSON object") end' <<<"$PLAN_ROLES")
token=$(curl -sSf -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" | jq -r .value)
# The token is a secret: keep it out of the log even if a command echoes it.
echo "::add-mask::$token"

for profile in $profiles; do
  role=$(jq -r --arg p "$profile" '.[$p]' <<<"$PLAN_ROLES")
  credentials=$(aws sts assume-role-with-web-identity --role-arn "$role" \
    --role-session-name "plan-${profile}-${GITHUB_RUN_ID:-local}" --web-identity-token "$token" \
    --duration-seconds 3600 --output json)
  for key in AccessKeyId SecretAccessKey SessionToken; do
    echo "::add-mask::$(jq -r ".Credentials.$key" <<<"$credentials")"
  done
  aws configure set aws_access_key_id "$(jq -r .Credentials.AccessKeyId <<<"$credentials")" --profile "$profile"
  aws configure set aws_secret_access_key "$(jq -r .Credentials.SecretAccessKey <<<"$credentials")" --profile "$profile"
  aws configure set aws_session_token "$(jq -r .Credentials.SessionToken <<<"$credentials")" --profile "$profile"
  aws configure set region "$AWS_REGION" --profile "$profile"
  echo "profile $profile: $role"
done
