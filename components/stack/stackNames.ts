// Names the stack gives its own IAM resources and the power-tuning application, kept apart
// from the `<prefix>-*` names Terraform manages: config.ts refuses a prefix whose scope would
// reach them, and policies.ts builds role ARNs under the stack's path.

/**
 * IAM path of every role and policy this stack creates. Role ARNs then read
 * `role/lambda-power-tuned/…`, which the Terraform scopes `role/<prefix>-*` cannot reach
 * (config.ts rejects prefixes that would), so Terraform can never modify the roles that run it.
 */
export const STACK_ROLE_PATH = "/lambda-power-tuned/";

/** The pull-request workflow's decision function is `<this><namePrefix>`: a name no Terraform scope may reach. */
export const DECISION_FUNCTION_NAME_PREFIX = "lambda-power-tuned-decision-";

/**
 * Names the stack owns, as seen from the builds' `<prefix>-*` scopes: its roles (by path), its
 * decision function and its log group, and the SAR application's functions, roles and log groups
 * (CloudFormation names them `serverlessrepo-<stack>-…`).
 */
export const STACK_OWNED_NAME_PATTERNS: readonly string[] = [
    `${STACK_ROLE_PATH.slice(1)}*`,
    `${DECISION_FUNCTION_NAME_PREFIX}*`,
    "serverlessrepo-*",
];
