// The contract between the stack (components/) and the tuning runner (buildscripts/tuning-runner/):
// the names both sides must agree on. Each string is written here once and imported by both,
// so renaming one cannot leave the other behind.

import { z } from "zod";

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

/**
 * An AWS region name as it appears in `aws:region` and in ARNs: `us-east-1`, `us-gov-west-1`,
 * `eusc-de-east-1`.
 */
export const REGION_NAME_RULE = {
    pattern: /^[a-z]{2,4}(-[a-z]+)+-\d+$/,
    allowed: "an AWS region name such as us-east-1",
} as const;

/**
 * The tuning input's fields whose rules the stack shares with the runner: the stack seeds a
 * power-tuning-input.json (and passes power values to the state machine) that the runner must
 * accept. Each rule is a schema and the words an error uses for what is allowed.
 */
export const TUNING_INPUT_RULES = {
    /** Lambda's own memory range; an account may be capped lower (often 3008 MB on new accounts). */
    powerValue: {
        schema: z.number().int().min(128).max(10240),
        allowed: "a whole number of MB from 128 to 10240",
    },
    /** The power-tuning state machine refuses fewer than 5 invocations per memory size. */
    num: {
        schema: z.number().int().min(5),
        allowed: "a whole number of invocations per memory size, at least 5",
    },
    strategy: {
        schema: z.enum(["cost", "speed", "balanced"]),
        allowed: "one of cost, speed, balanced",
    },
    /** 0 weighs only speed, 1 only cost. */
    balancedWeight: {
        schema: z.number().min(0).max(1),
        allowed: "a number from 0 (speed) to 1 (cost)",
    },
    parallelInvocation: {
        schema: z.boolean(),
        allowed: "true or false",
    },
} as const;
