// The contract between the stack (components/) and the tuning runner (buildscripts/tuning-runner/):
// the names both sides must agree on. Each string is written here once and imported by both,
// so renaming one cannot leave the other behind.

import { posix } from "node:path";
import { z } from "zod";

/**
 * The fixed session name under which the trusted pull-request step assumes the pull-request
 * bot role. CodeCommit lets only a comment's author edit it, and CodeBuild's own session name
 * changes with every build, so comments and approvals come from this one stable session; the
 * approval rule's pool names exactly this session.
 */
export const PULL_REQUEST_BOT_SESSION_NAME = "lambda-power-tuned-bot";

/**
 * The ARN AWS names a session of the role `roleArn` by, without the role's path:
 * `arn:<partition>:sts::<account>:assumed-role/<role name>/<session name>`. For the bot's session it
 * is the approval pool's member and the author of every comment the runner may update.
 */
export function assumedRoleSessionArn(roleArn: string, sessionName: string): string {
    const [, partition, , , account, resource] = roleArn.split(":");
    return `arn:${partition}:sts::${account}:assumed-role/${resource.split("/").at(-1)}/${sessionName}`;
}

/** Environment variables the stack sets for the runner (each also has a command-line flag). */
export const RUNNER_ENVIRONMENT = {
    /**
     * The pull-request namespace: a pull request's tuning touches only its own copy's functions,
     * named `copyNamePrefix(<this>, pull request)-<key>`; any other ARN is refused.
     */
    pullRequestNamePrefix: "PULL_REQUEST_NAME_PREFIX",
    /** Production's namePrefix: a copy's function `<copy prefix>-<key>` stands for production's `<this>-<key>`. */
    productionNamePrefix: "PRODUCTION_NAME_PREFIX",
    /** The role comments and approvals are made with, assumed as PULL_REQUEST_BOT_SESSION_NAME. */
    pullRequestBotRoleArn: "PULL_REQUEST_BOT_ROLE_ARN",
    /** The power-tuning state machine `tune` starts executions of (`--state-machine-arn`). */
    stateMachineArn: "STATE_MACHINE_ARN",
    /** `s3://<bucket>/<prefix>` of the tuning history (`--history`), laid out as TUNING_HISTORY_LAYOUT. */
    tuningHistoryUri: "TUNING_HISTORY_URI",
    /** The CodeCommit repository of the pull request (`--repository`). */
    repositoryName: "REPOSITORY_NAME",
    /** The pull request a build comments on (`--pull-request-id`); with the two commits below. */
    pullRequestId: "PULL_REQUEST_ID",
    /** The pull request's source branch tip: what is tuned (`--source-commit`). */
    sourceCommit: "SOURCE_COMMIT",
    /**
     * A JSON list of path globs that cannot change a function (`--non-function-path`): a pull request
     * that changes nothing else needs no copy. See NON_FUNCTION_PATH_RULE.
     */
    nonFunctionPaths: "NON_FUNCTION_PATHS",
    /** The destination branch's commit: where the settings are read (`--destination-commit`). */
    destinationCommit: "DESTINATION_COMMIT",
    /** The stack-wide tuning concurrency budget (`tune --budget`): Lambda invocations in flight for all tunings together. */
    tuningBudget: "TUNING_CONCURRENCY_BUDGET",
    /** `s3://<bucket>/<key>` of the budget's lease table (`tune --budget-leases`), ARTIFACT_LAYOUT.tuningBudgetLeasesKey. */
    tuningBudgetLeasesUri: "TUNING_BUDGET_LEASES_URI",
    /** The most functions one pull request's tuning may tune (`tune --max-functions`). */
    maxFunctions: "TUNING_MAX_FUNCTIONS",
    /** The longest timeout a copy's function may have to be tuned (`tune --max-function-timeout`), in seconds. */
    maxFunctionTimeoutSeconds: "TUNING_MAX_FUNCTION_TIMEOUT_SECONDS",
    /** The pull-request workflow whose running executions own their copies (the scheduled `sweep --owner-workflow`). */
    pullRequestWorkflowArn: "PULL_REQUEST_WORKFLOW_ARN",
    /** The scheduled sweep's EventBridge schedule, which a pull request's comment names (`sweep --retry-schedule`). */
    sweepSchedule: "SWEEP_SCHEDULE",
    /** The age in hours from which the scheduled sweep removes a copy's leftovers (`sweep --retry-older-than`). */
    pullRequestCopyTtlHours: "PULL_REQUEST_COPY_TTL_HOURS",
    /** The artifact bucket, under whose ARTIFACT_LAYOUT.pullRequestBuildsPrefix the pull-request builds hand files on. */
    artifactBucket: "ARTIFACT_BUCKET",
    /** The deploy build whose state the destroy undoes and whose files the feedback reads ("" when none ran); set by the workflow. */
    deployBuildArn: "DEPLOY_BUILD_ARN",
    /** DEPLOY_OUTCOMES: whether the copy was deployed; set by the workflow. */
    deployOutcome: "DEPLOY_OUTCOME",
    /** The workflow execution, linked from the comment when the copy could not be deployed; set by the workflow. */
    workflowExecutionArn: "WORKFLOW_EXECUTION_ARN",
    /**
     * When the copies have an account of their own: the role there the trusted step or the sweep
     * assumes for everything of the copies (their functions, the power-tuning state machine, the copy
     * bucket). Unset when the copies share production's account.
     */
    copyAccountRoleArn: "COPY_ACCOUNT_ROLE_ARN",
    /** The external ID that role's trust policy requires (`sts:ExternalId`). */
    copyAccountExternalId: "COPY_ACCOUNT_EXTERNAL_ID",
    /**
     * The bucket the deploy build handed its files on in, when it is not the artifact bucket: the copy
     * bucket of the copies' own account (read with COPY_ACCOUNT_ROLE_ARN's session).
     */
    deployFilesBucket: "DEPLOY_FILES_BUCKET",
} as const;

/** What the pull-request workflow says of the copy's deploy (DEPLOY_OUTCOME): only a deployed copy is tuned. */
export const DEPLOY_OUTCOMES = ["SUCCEEDED", "FAILED"] as const;
export type DeployOutcome = (typeof DEPLOY_OUTCOMES)[number];

/** A CodeBuild build's ARN, as the workflow passes the deploy build's (it keys the files the build handed on). */
export const BUILD_ARN_RULE = {
    pattern: /^arn:aws[a-z-]*:codebuild:[a-z0-9-]+:\d{12}:build\/[A-Za-z0-9_-]+:[0-9a-f-]+$/,
    allowed: "a CodeBuild build ARN (arn:aws:codebuild:<region>:<account>:build/<project>:<id>)",
} as const;

/** A Step Functions execution's ARN, as the workflow passes its own. */
export const EXECUTION_ARN_RULE = {
    pattern: /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:execution:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/,
    allowed: "a Step Functions execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)",
} as const;

/**
 * The pull request as the pull-request workflow carries it: the fields of CodeCommit's event it is
 * started with, of its input, and of the event the decision function (the runner's Lambda entry)
 * is invoked with. Each field's environment variable for the builds is RUNNER_ENVIRONMENT's entry
 * of the same name.
 */
export const PULL_REQUEST_EVENT_FIELDS = ["pullRequestId", "sourceCommit", "destinationCommit"] as const;
export type PullRequestEvent = { readonly [Field in (typeof PULL_REQUEST_EVENT_FIELDS)[number]]: string };

/**
 * A pull request's id as the flow accepts it. At most 16 digits: a copy's names carry it
 * (`<prefix>-<id>-<commit>-<key>`, terraform-lambda's name_suffix rule) within AWS's 64 characters.
 */
export const PULL_REQUEST_ID_RULE = {
    pattern: /^[1-9]\d{0,15}$/,
    allowed: "a positive whole number of at most 16 digits",
} as const;

/**
 * The prefix of every name one pull request's copy of one commit carries
 * (`<pullRequestNamePrefix>-<id>-<first 7 of the source commit>`): what that copy's names, and
 * nothing else's, start with, so the stack and the runner can confine a copy to itself.
 */
export function copyNamePrefix(
    pullRequestNamePrefix: string,
    pullRequest: Pick<PullRequestEvent, "pullRequestId" | "sourceCommit">,
): string {
    return `${pullRequestNamePrefix}-${pullRequest.pullRequestId}-${pullRequest.sourceCommit.slice(0, 7)}`;
}

/**
 * The IAM path of every role a pull request's copy creates. The copy's credentials may create a
 * role only as `role<this><copy prefix>-…` and never under a deeper path: IAM's `*` also matches
 * `/`, and a role name is unique in the account whatever its path, so a deeper path would let a
 * copy take any name, production's included.
 */
export const COPY_ROLE_PATH = "/pull-request-copies/";

/**
 * The tag every role of a copy carries, whose value is the copy's prefix (copyNamePrefix). The
 * copies' permissions boundary lets such a role write only the log groups of the copy its tag
 * and its own name agree on.
 */
export const COPY_ROLE_TAG_KEY = "power-tuned-copy";

/** A commit id as CodeCommit names one, and as the pull-request flow passes them around. */
export const COMMIT_ID_RULE = {
    pattern: /^[0-9a-f]{40}$/,
    allowed: "a full 40-character lowercase commit id",
} as const;

/** The files a repository holds for its tuning, at its root, and the file `tune` writes. */
export const TUNING_FILES = {
    /** The power-tuning tool's own input, without `lambdaARN`; read from the destination commit. */
    input: "power-tuning-input.json",
    /** The quality gate's rules; read from the destination commit; without it the gate is off. */
    policy: "power-tuning-policy.json",
    /** What `tune --results` writes by default: every function's result, before any comment. */
    results: "power-tuning-results.json",
} as const;

/** What the tuning history holds under its prefix (`TUNING_HISTORY_URI`). */
export const TUNING_HISTORY_LAYOUT = {
    /** `results/<fingerprint>.json`: one succeeded tuning per fingerprint, written by `tune`. */
    storedResults: "results/",
    /** `production/<function name>.json`: the fingerprint production runs, written by `record`. */
    productionRecords: "production/",
} as const;

/** The power-tuning tool's strategies, which the stack's config and the tuning input name. */
export const TUNING_STRATEGIES = ["cost", "speed", "balanced"] as const;

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
 * What `sweep --name-prefix` and `--protect-prefix` may be: long enough that it cannot select
 * "everything", and made of what the stack's names are made of. A copy's prefix
 * (`<pullRequestNamePrefix>-<id>-<commit>`) is longer than NAME_PREFIX_RULE's 32 characters, so this
 * rule allows up to 64 (a Lambda function's limit). The stack's own prefixes are its sweeper's
 * arguments, so they must pass it too.
 */
export const SWEEP_NAME_PREFIX_RULE = {
    pattern: /^[A-Za-z][A-Za-z0-9-]{1,62}[A-Za-z0-9]$/,
    allowed: "3-64 letters, digits or '-', starting with a letter and not ending with '-'",
} as const;

/**
 * Whether two trailing-`*` patterns can match a common name: exactly when the literal part of
 * one is a prefix of the literal part of the other. Two name prefixes `a` and `b` are disjoint
 * namespaces exactly when `a-*` and `b-*` do not overlap.
 */
export function globsOverlap(a: string, b: string): boolean {
    const literal = (glob: string) => (glob.endsWith("*") ? glob.slice(0, -1) : glob);
    const [x, y] = [literal(a), literal(b)];
    return x.startsWith(y) || y.startsWith(x);
}

/**
 * An EventBridge schedule expression (the scheduled sweep's): `rate(<n> <unit>)` with a singular
 * unit for 1 and a plural one otherwise, as EventBridge requires, or `cron(<6 fields>)` with `?`
 * in the day-of-month or the day-of-week field.
 */
export const SCHEDULE_EXPRESSION_RULE = {
    pattern: /^(rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)|cron\(\S+ \S+ (\? \S+ \S+|\S+ \S+ \?) \S+\))$/,
    allowed:
        "an EventBridge schedule expression: rate(<n> minutes|hours|days), singular for 1 (rate(1 hour)), or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with ? in day-of-month or day-of-week",
} as const;

const TUNING_HISTORY_PREFIX = "tuning-history/";

/**
 * The artifact bucket's layout. The stack grants and protects these prefixes; the runner reads
 * and writes the tuning history under them.
 */
export const ARTIFACT_LAYOUT = {
    /** `tuning-runner/<sha256>.js`: runner bundles, written only by the deploying principal. */
    tuningRunnerPrefix: "tuning-runner/",
    /** The tuning history (`--history s3://<bucket>/tuning-history/`). */
    tuningHistoryPrefix: TUNING_HISTORY_PREFIX,
    /** Stored tuning results, written only by the trusted pull-request step. */
    tuningResultsPrefix: `${TUNING_HISTORY_PREFIX}${TUNING_HISTORY_LAYOUT.storedResults}`,
    /** Production's fingerprints, written only by the pipeline's apply build (`record`). */
    productionRecordsPrefix: `${TUNING_HISTORY_PREFIX}${TUNING_HISTORY_LAYOUT.productionRecords}`,
    /** The tuning budget's lease table, written only by the trusted pull-request step. */
    tuningBudgetLeasesKey: "tuning-budget/leases.json",
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
    tuningResults: TUNING_FILES.results,
    /** What `sweep --report` writes: everything a sweep found, removed, kept or could not remove. */
    sweepReport: "sweep-report.json",
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
        schema: z.enum(TUNING_STRATEGIES),
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

/**
 * What a pattern of the paths that cannot change a function (the stack's `nonFunctionPaths`, the
 * runner's `--non-function-path`) may be: a glob relative to the repository's root, as
 * `path.posix.matchesGlob` reads it (`*`, `**`, `?`, `[…]`, `{a,b}`). A pull request that changes
 * only matching paths gets no copy, so a pattern that matches a file Terraform or a function is
 * built from would let such a change through unmeasured: each pattern is tried on `functionPaths`,
 * paths of the kinds every repository of this stack has, and refused when it matches one.
 */
export const NON_FUNCTION_PATH_RULE = {
    pattern: /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._*?[\]{},!/-]{1,200}$/,
    allowed:
        "a glob relative to the repository's root such as docs/** or **/*.md (letters, digits, . _ - / and the wildcards * ** ? [] {}), no leading '/' and no '.' or '..' segment",
    functionPaths: [
        "main.tf",
        "modules/network/main.tf",
        "terraform.tfvars",
        "production.auto.tfvars",
        ".terraform.lock.hcl",
        TUNING_FILES.input,
        TUNING_FILES.policy,
        "functions/digest/index.js",
        "functions/digest/package.json",
    ],
} as const;

/** What is wrong with `glob` as a path that cannot change a function (what is allowed, and why not), or undefined. */
export function nonFunctionPathProblem(glob: string): { readonly allowed: string; readonly reason?: string } | undefined {
    if (!NON_FUNCTION_PATH_RULE.pattern.test(glob)) return { allowed: NON_FUNCTION_PATH_RULE.allowed };
    const reached = NON_FUNCTION_PATH_RULE.functionPaths.find((path) => posix.matchesGlob(path, glob));
    if (reached !== undefined)
        return {
            allowed: "a glob that matches no file a function can depend on",
            reason: `it matches ${reached}, which can change a function`,
        };
    return undefined;
}

/**
 * The name in `names` that `word` most likely misspells, for a "did you mean": the same name in
 * another case, or one at most two letters added, dropped or changed away (the nearest wins).
 * Both the stack's config keys and the runner's file fields are refused with it.
 */
export function nearestName(word: string, names: readonly string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
        for (let i = 1; i <= a.length; i++) {
            const current = [i];
            for (let j = 1; j <= b.length; j++)
                current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.length];
    };
    const scored = names.map((name) => ({ name, score: name.toLowerCase() === word.toLowerCase() ? 0 : distance(word, name) }));
    const [best] = scored.filter(({ score }) => score <= 2).sort((a, b) => a.score - b.score);
    return best?.name;
}
