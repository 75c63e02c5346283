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

/**
 * The artifact bucket's layout. The stack grants and protects these prefixes; the runner reads
 * and writes the tuning history under them.
 */
export const ARTIFACT_LAYOUT = {
    /** `tuning-runner/<sha256>.js`: runner bundles, written only by the deploying principal. */
    tuningRunnerPrefix: "tuning-runner/",
    /** The tuning history (`--history s3://<bucket>/tuning-history/`). */
    tuningHistoryPrefix: "tuning-history/",
    /** Stored tuning results, written only by the trusted pull-request step. */
    tuningResultsPrefix: "tuning-history/results/",
    /** Production's fingerprints, written only by the pipeline's apply build (`record`). */
    productionRecordsPrefix: "tuning-history/production/",
    /** `pull-request-builds/<build ARN>/…`: what each pull-request build hands on; expires. */
    pullRequestBuildsPrefix: "pull-request-builds/",
} as const;

/** Files the untrusted deploy build hands to the trusted step, as data. */
export const PULL_REQUEST_BUILD_FILES = {
    /** `terraform show -json` of the plan against production. */
    plan: "plan.json",
    /** `terraform output -json` of the deployed copy: the functions to tune. */
    terraformOutputs: "outputs.json",
    /** What `tune --results` writes. */
    tuningResults: "power-tuning-results.json",
} as const;
