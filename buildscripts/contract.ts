// The contract between the stack (components/) and the tuning runner (buildscripts/tuning-runner/):
// the names both sides must agree on. Each string is written here once and imported by both,
// so renaming one cannot leave the other behind.

/**
 * The fixed session name under which the trusted pull-request step assumes the pull-request
 * bot role. CodeCommit lets only a comment's author edit it, and CodeBuild's own session name
 * changes with every build, so comments and approvals come from this one stable session; the
 * approval rule's pool names exactly this session.
 */
export const PULL_REQUEST_BOT_SESSION_NAME = "lambda-power-tuned-bot";

/** Environment variables the stack sets for the runner (each also has a command-line flag). */
export const RUNNER_ENVIRONMENT = {
    /** Functions a pull-request tuning may touch are named `<this>-…`; any other ARN is refused. */
    pullRequestNamePrefix: "PULL_REQUEST_NAME_PREFIX",
    /** The role comments and approvals are made with, assumed as PULL_REQUEST_BOT_SESSION_NAME. */
    pullRequestBotRoleArn: "PULL_REQUEST_BOT_ROLE_ARN",
} as const;

/**
 * What a name prefix may be: the stack's namePrefix and pullRequestNamePrefix, and the prefix the
 * runner confines a pull request's tuning to. Functions, roles and log groups are named
 * `<prefix>-…`, so it must leave room for a suffix within AWS's 64-character names.
 */
export const NAME_PREFIX_RULE = {
    pattern: /^[A-Za-z](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/,
    allowed: "1–32 letters, digits or '-', starting with a letter and not ending with '-'",
} as const;
