// Command line → validated command objects. Pure: it sees argv, the environment and file
// contents handed to it, never the file system or AWS, so every usage error is a unit test.
// Each command is one entry of COMMANDS: its options table (commander Options: value, default,
// environment variable, choices, conflicts), from which commander parses argv and writes --help,
// and the function that turns the parsed values into the command the shell runs.
import { Command as Program, CommanderError, Option, type OptionValues } from "commander";
import { version } from "../../package.json";
import {
    COMMIT_ID_RULE,
    PULL_REQUEST_BOT_SESSION_NAME,
    PULL_REQUEST_ID_RULE,
    PULL_REQUEST_BUILD_FILES,
    RUNNER_ENVIRONMENT,
    SCHEDULE_EXPRESSION_RULE,
    TUNING_FILES,
    TUNING_STRATEGIES,
} from "../contract";
import { INVOCATIONS_PER_MONTH_RULE } from "./core/monthlyCost";
import { InputError, UsageError } from "./core/errors";
import { checkFunctionInScope, functionScopeOf, validateNamePrefix } from "./core/functionScope";
import { parseJsonFile, withoutUndefined } from "./core/json";
import { parseNonFunctionPathsVariable, validateNonFunctionPaths } from "./core/copyDecision";
import type { DecideCopyRequest, RecordRequest, SweepRequest, TuneRequest } from "./core/requests";
import { repositoryPath } from "./core/settings";
import type { PullRequestContext } from "./core/resultsFile";
import {
    functionsFromTerraformOutputs,
    mergeTargetFunctions,
    parseLambdaArnSpec,
    validateRoleArn,
    validateStateMachineArn,
    type CopyOfFunctions,
} from "./core/targets";
import { parseTuningInput, type Strategy } from "./core/tuningInput";
import { parseS3Uri } from "./core/s3Location";
import { validateSweepPrefixes } from "./core/sweep";
import { feedbackStepFrom, pullRequestSweepCommandLine } from "./core/pullRequestSteps";
import type { PullRequestFeedbackRequest } from "./commands/pullRequestFeedback";
import type { TuningHistoryLocation } from "./core/tuningHistory";
import type { BuildContext, TargetFunction } from "./core/types";

export type Environment = Readonly<Record<string, string | undefined>>;

export const DEFAULT_INPUT_FILE = TUNING_FILES.input;
export const DEFAULT_RESULTS_FILE = TUNING_FILES.results;
export const DEFAULT_TIMEOUT_SECONDS = 900;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_REPORT_FILE = PULL_REQUEST_BUILD_FILES.sweepReport;
/** A pull request's copy lives for hours; a sweep's default age keeps what running builds may still use. */
export const DEFAULT_OLDER_THAN_HOURS = 6;
const MAX_HOURS = 8760;
const MAX_TIMEOUT_SECONDS = 86_400;
// Each execution already runs `num` invocations per power value, in parallel when asked to:
// beyond this the account's Lambda concurrency, not the runner, is the bottleneck.
const MAX_CONCURRENCY = 32;
/** Lambda's own limit on a function's timeout. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** A function cap beyond this is no cap. */
const MAX_FUNCTIONS = 1000;
/** Beyond this a budget is no cap: Lambda's own concurrency quotas are of this order. */
const MAX_BUDGET = 100_000;
const HELP_WIDTH = 100;

/** CodeBuild's own variables the runner reads: the build, and for `record` the commit it built. */
const CODEBUILD = {
    buildId: "CODEBUILD_BUILD_ID",
    buildUrl: "CODEBUILD_BUILD_URL",
    sourceVersion: "CODEBUILD_RESOLVED_SOURCE_VERSION",
} as const;

/** Options a command may be given more than once, each value collected; any other given twice is refused. */
const REPEATABLE = new WeakSet<Option>();

/** How an error names an option: with its environment variable when it has one. */
function fieldOf(option: Option): string {
    return option.envVar === undefined ? option.long! : `${option.long} (env ${option.envVar})`;
}

/**
 * An option that takes a value (`flags` as commander spells them, e.g. `--input <FILE>`), refused
 * empty or swallowing the next option; `convert` validates it with our own message, naming the field.
 */
function option<T = string>(flags: string, description: string, convert?: (text: string, field: string) => T): Option {
    const created = new Option(flags, description);
    return created.argParser((text: string) => {
        if (text === "" || text.startsWith("--")) throw new UsageError(`${created.long} needs a value`);
        return convert === undefined ? text : convert(text, fieldOf(created));
    });
}

/** A value option that may be given again: the values, in order. */
function repeatable(flags: string, description: string): Option {
    const created = option(flags, description);
    const one = created.parseArg as (text: string, previous: undefined) => string;
    created.argParser((text: string, previous: string[] | undefined) => [...(previous ?? []), one(text, undefined)]);
    REPEATABLE.add(created);
    return created;
}

/** A whole number from `min` to `max` (`otherwise` names what else the option accepts). */
function wholeNumber(min: number, max: number, unit: string, otherwise = ""): (text: string, field: string) => number {
    return (text, field) => {
        const value = /^\d+$/.test(text) ? Number(text) : NaN;
        if (!(value >= min && value <= max))
            throw new UsageError(`${field} must be a whole number of ${unit} from ${min} to ${max}${otherwise}; got "${text}"`);
        return value;
    };
}

const s3Location = (text: string, field: string) => parseS3Uri(text, field);

const PULL_REQUEST_HEADING = "Pull request; without it nothing is posted and the Markdown goes to stdout:";

/** The pull request a command comments on; without it nothing is posted and the Markdown goes to stdout. */
function pullRequestOptions(): Option[] {
    return [
        option("--repository <NAME>", "").env(RUNNER_ENVIRONMENT.repositoryName),
        option("--pull-request-id <ID>", "").env(RUNNER_ENVIRONMENT.pullRequestId),
        option("--source-commit <SHA>", "").env(RUNNER_ENVIRONMENT.sourceCommit),
        option("--destination-commit <SHA>", "").env(RUNNER_ENVIRONMENT.destinationCommit),
        option(
            "--comment-role-arn <ARN>",
            `comment and approve as this IAM role, assumed with the fixed session name ${PULL_REQUEST_BOT_SESSION_NAME}; everything else keeps the build's own credentials`,
            validateRoleArn,
        ).env(RUNNER_ENVIRONMENT.pullRequestBotRoleArn),
    ].map((each) => each.helpGroup(PULL_REQUEST_HEADING));
}

const chartOption = () =>
    option(
        "--chart <FILE.svg>",
        "also draw each tuned function's memory against average duration and cost per 1M invocations, the recommendation marked, as an SVG",
        (file) => {
            if (!file.endsWith(".svg")) throw new UsageError(`--chart must name an .svg file (the chart is SVG); got "${file}"`);
            return file;
        },
    );

const historyOption = (description: string) =>
    option("--history <URI>", `tuning history s3://BUCKET/PREFIX${description}`, s3Location).env(RUNNER_ENVIRONMENT.tuningHistoryUri);

const AWS_CONFIGURATION = `Region, credentials and endpoints come from the AWS SDK's standard configuration
(AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL_CODECOMMIT, AWS_ENDPOINT_URL_STS, ...),
and so do its retries (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS; by default adaptive, 8 attempts);
without a region, tune and record take it from the state machine's or the functions' ARNs.
`;

const EXIT_CODES = `Exit codes: 0 all tuned; 1 a tuning failed, timed out or was aborted, or an AWS call failed;
2 usage or input error (nothing was started).
`;

const SWEEP_EXIT_CODES = `Exit codes: 0 everything old enough was removed (or, on a dry run, listed); 1 something could
not be removed or listed, or the comment failed; 2 usage or input error (no AWS call was made).
`;

/** What a command's parse step gets: the option values commander read, where each came from, the environment. */
interface Parsed {
    readonly values: OptionValues;
    readonly source: (name: string) => string | undefined;
    readonly env: Environment;
    readonly build: BuildContext;
}

/** One command: what it does, its options table, what its --help ends with, and its command object. */
interface CommandSpec {
    readonly summary: string;
    /** The heading of its own options in --help. */
    readonly heading?: string;
    readonly options: () => readonly Option[];
    readonly epilogue: string;
    readonly parse: (parsed: Parsed) => Command;
}

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
    tune: {
        summary:
            "run AWS Lambda Power Tuning for each function, write the results file, comment on the pull request (or print the Markdown)",
        options: () => [
            option("--state-machine-arn <ARN>", "power-tuning state machine").env(RUNNER_ENVIRONMENT.stateMachineArn),
            option("--input <FILE>", "tuning input without lambdaARN").default(DEFAULT_INPUT_FILE),
            repeatable("--lambda-arn <[NAME=]ARN>", "a function to tune, unqualified ARN; repeatable"),
            option("--terraform-outputs <FILE>", "`terraform output -json`: every Lambda function ARN in it is tuned"),
            option("--results <FILE>", "machine-readable results").default(DEFAULT_RESULTS_FILE),
            chartOption(),
            option("--timeout <SECONDS>", "per execution, then StopExecution", wholeNumber(1, MAX_TIMEOUT_SECONDS, "seconds")).default(
                DEFAULT_TIMEOUT_SECONDS,
            ),
            option(
                "--concurrency <N|auto>",
                `executions at once, 1-${MAX_CONCURRENCY}; auto: as many as fit the account's unreserved Lambda concurrency (GetAccountSettings), at least 1, at most one per function`,
                (text, field) => (text === "auto" ? "auto" : wholeNumber(1, MAX_CONCURRENCY, "executions", ", or auto")(text, field)),
            ).default(DEFAULT_CONCURRENCY),
            option(
                "--policy <FILE>",
                `quality gate (${TUNING_FILES.policy}): violations fail the run; on a pull request the build approves it when the gate passes, revokes when not`,
            ),
            option("--terraform-dir <DIR>", "where the *.tf files are, for the suggested memory_size change").default("."),
            historyOption(
                ": reuse the stored result of a function whose code and input are unchanged, store new results, compare each with production's",
            ),
            new Option("--force", "with --history: tune every function, even when a result is stored"),
            option(
                "--budget <N>",
                `the stack-wide tuning budget: Lambda invocations in flight for all tunings together, 1-${MAX_BUDGET}, at most a tenth of the account's unreserved concurrency; an execution that needs more is not started`,
                wholeNumber(1, MAX_BUDGET, "invocations"),
            ).env(RUNNER_ENVIRONMENT.tuningBudget),
            option(
                "--max-functions <N>",
                "tune nothing when more than N functions are to be tuned",
                wholeNumber(1, MAX_FUNCTIONS, "functions"),
            ).env(RUNNER_ENVIRONMENT.maxFunctions),
            option(
                "--max-function-timeout <SECONDS>",
                "tune nothing when a function's timeout is longer",
                wholeNumber(1, LAMBDA_MAX_TIMEOUT_SECONDS, "seconds"),
            ).env(RUNNER_ENVIRONMENT.maxFunctionTimeoutSeconds),
            option(
                "--budget-leases <s3://BUCKET/KEY>",
                "with --budget: the S3 object all tunings share the budget through",
                (text, field) => {
                    const location = parseS3Uri(text, field);
                    if (location.prefix === "") throw InputError.invalid(field, text, "s3://<bucket>/<key> of one object");
                    return location;
                },
            ).env(RUNNER_ENVIRONMENT.tuningBudgetLeasesUri),
            option(
                "--allowed-name-prefix <PREFIX>",
                "the pull-request namespace. With a pull request, the functions tuned are the ones its own copy (PREFIX-<id>-<commit>-…) holds, listed with ListFunctions, and an ARN elsewhere is refused before any AWS call; without one, any PREFIX-…. A function outside the state machine's account and region is always refused.",
                validateNamePrefix,
            ).env(RUNNER_ENVIRONMENT.pullRequestNamePrefix),
            option(
                "--production-name-prefix <PREFIX>",
                "production's namePrefix: the comment maps each copy's function <copy>-<key> to production's PREFIX-<key>",
                validateNamePrefix,
            ).env(RUNNER_ENVIRONMENT.productionNamePrefix),
            new Option(
                "--settings-from-repository",
                "read --input and --policy from the pull request's destination commit and the *.tf files of --terraform-dir from its source commit, in CodeCommit, not from local files: a pull request cannot loosen its own quality gate (no policy at the destination commit: the gate is off)",
            ),
            ...pullRequestOptions(),
        ],
        epilogue: `${AWS_CONFIGURATION}\n${EXIT_CODES}`,
        parse: (parsed) => ({ kind: "tune", args: tuneArgumentsFrom(parsed) }),
    },
    "plan-comment": {
        summary: "summarise a Terraform JSON plan on the pull request (or print it)",
        heading: "Options (--plan, --deploy-failed or both):",
        options: () => [
            option("--plan <FILE>", "`terraform show -json` output"),
            option(
                "--deploy-failed <URL>",
                "the pull request's copy could not be deployed: the comment says nothing was tuned for this push and links URL (the workflow execution)",
                (url) => {
                    if (!/^https:\/\/[^\s()<>]+$/.test(url)) {
                        throw new UsageError(
                            `--deploy-failed must be an https:// URL without spaces, parentheses or angle brackets (it becomes a Markdown link); got "${url}"`,
                        );
                    }
                    return url;
                },
            ),
            ...pullRequestOptions(),
        ],
        epilogue: `${AWS_CONFIGURATION}\n${EXIT_CODES}`,
        parse: ({ values, build }) => {
            const { plan: planFile, deployFailed: deployFailedUrl } = values;
            if (planFile === undefined && deployFailedUrl === undefined)
                throw new UsageError("plan-comment needs --plan FILE, --deploy-failed URL, or both");
            return {
                kind: "plan-comment",
                args: { planFile, deployFailedUrl, pullRequest: pullRequestFrom(values), commentRoleArn: values.commentRoleArn, build },
            };
        },
    },
    report: {
        summary: "render Markdown offline from a results file, a state machine output or a URL",
        heading: "Options (exactly one of --results, --output and --url):",
        options: () => [
            option("--results <FILE>", "a results file written by tune").conflicts(["output", "url"]),
            option("--output <FILE>", "a raw state machine output").conflicts("url"),
            option("--url <URL>", "a lambda-power-tuning.show link"),
            option(
                "--invocations-per-month <N>",
                "with any of them: each function's monthly cost at N invocations a month",
                (text, field) => {
                    const value = /^\d+$/.test(text) ? Number(text) : NaN;
                    if (!Number.isSafeInteger(value))
                        throw new UsageError(`${field} must be ${INVOCATIONS_PER_MONTH_RULE.allowed}; got "${text}"`);
                    return value;
                },
            ),
            new Option(
                "--strategy <STRATEGY>",
                "with --url: what the tuning was for (default cost, the tool's default); the link holds only the measurements",
            ).choices(TUNING_STRATEGIES),
            option("--name <NAME>", "with --url: the function's name in the report (default function)", (name) => {
                if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
                    throw new UsageError(`--name must be a function name, 1-64 letters, digits, '-' or '_'; got ${JSON.stringify(name)}`);
                return name;
            }),
            chartOption(),
        ],
        // `report` calls no AWS API.
        epilogue: EXIT_CODES,
        parse: ({ values }) =>
            withoutUndefined({
                kind: "report",
                source: reportSourceFrom(values),
                invocationsPerMonth: values.invocationsPerMonth,
                chartFile: values.chart,
            }),
    },
    "decide-copy": {
        summary:
            "decide from the repository whether a pull request needs a copy: only when it changes a path no --non-function-path matches; when not, comment what production runs and approve (with a policy at the destination commit). Prints the decision",
        options: () => [
            repeatable(
                "--non-function-path <GLOB>",
                "a path that cannot change a function, e.g. docs/**; repeatable (the variable: a JSON list); none: every change needs a copy",
            ).env(RUNNER_ENVIRONMENT.nonFunctionPaths),
            option("--policy <PATH>", "the quality gate's policy at the destination commit", (path) =>
                repositoryPath(path, "--policy", "file"),
            ).default(TUNING_FILES.policy),
            historyOption(": production's results"),
            ...pullRequestOptions(),
        ],
        epilogue: `${AWS_CONFIGURATION}\n${EXIT_CODES}`,
        parse: ({ values, source, build }) => {
            const paths: string[] | undefined = values.nonFunctionPath;
            const request: DecideCopyRequest = {
                // The command line requires all four values, so a pull request is always named.
                pullRequest: pullRequestFrom(values, "decide-copy")!,
                nonFunctionPaths:
                    paths === undefined
                        ? []
                        : source("nonFunctionPath") === "env"
                          ? parseNonFunctionPathsVariable(paths[0])
                          : validateNonFunctionPaths(paths, "--non-function-path"),
                policyFile: values.policy,
                history: values.history,
                build,
            };
            return { kind: "decide-copy", request, commentRoleArn: values.commentRoleArn };
        },
    },
    record: {
        summary:
            "after a deployment of main: store the tuning fingerprint production runs, per function, as the baseline pull requests are compared with",
        options: () => [
            option("--terraform-outputs <FILE>", "production's `terraform output -json`").makeOptionMandatory(),
            historyOption(""),
            option("--input <FILE>", "the tuning input pull requests use").default(DEFAULT_INPUT_FILE),
            option("--source-commit <SHA>", "the deployed commit of main", (commit) => {
                if (!COMMIT_ID_RULE.pattern.test(commit))
                    throw new UsageError(`--source-commit must be ${COMMIT_ID_RULE.allowed}; got "${commit}"`);
                return commit;
            }),
        ],
        epilogue: `${AWS_CONFIGURATION}\n${EXIT_CODES}`,
        parse: ({ values, env }) => {
            if (values.history === undefined)
                throw InputError.invalid(
                    HISTORY_FIELD,
                    undefined,
                    "s3://<bucket>/<prefix>, where pull requests find production's fingerprints",
                );
            // CodePipeline passes its source revision here; anything but a commit id is left out.
            const revision = env[CODEBUILD.sourceVersion];
            const commit = values.sourceCommit ?? (revision !== undefined && COMMIT_ID_RULE.pattern.test(revision) ? revision : undefined);
            return {
                kind: "record",
                args: { terraformOutputsFile: values.terraformOutputs, inputFile: values.input, history: values.history, commit },
            };
        },
    },
    sweep: {
        summary:
            "remove what pull requests' throw-away copies left behind, by name and age: Lambda functions and IAM roles PREFIX-*, log groups /aws/lambda/PREFIX-*, state objects; write a report, and on a pull request say in its comment what became of the copy",
        options: () => [
            option(
                "--name-prefix <PREFIX>",
                "what to remove: functions and roles named PREFIX-…, log groups /aws/lambda/PREFIX-…; 3-64 letters, digits or '-', starting with a letter and not ending with '-'. Required, and never taken from the environment: a command that deletes names what it deletes",
            ).makeOptionMandatory(),
            option(
                "--protect-prefix <PREFIX>",
                "never to be reached (production's namePrefix): the sweep refuses to run when PREFIX-* and --name-prefix's PREFIX-* could name one thing",
            ),
            option(
                "--older-than <HOURS>",
                `only what is at least HOURS old, 0-${MAX_HOURS}: a function by its LastModified, a role by its CreateDate, a log group by its creationTime, an object by its LastModified; the rest is kept`,
                wholeNumber(0, MAX_HOURS, "hours"),
            ).default(DEFAULT_OLDER_THAN_HOURS),
            option(
                "--owner-workflow <ARN>",
                "the pull-request workflow (state machine) whose RUNNING executions own copies (--name-prefix is then the pull-request namespace): functions, roles and log groups go when no running execution owns their copy, or when it started --older-than ago; their own timestamps play no part",
                validateStateMachineArn,
            ),
            option(
                "--state-uri <s3://BUCKET/PREFIX>",
                "also remove the objects under PREFIX/ (the copies' Terraform state)",
                (text, field) => {
                    const state = parseS3Uri(text, field);
                    if (state.prefix === "")
                        throw InputError.invalid(
                            field,
                            text,
                            "s3://<bucket>/<prefix> with a key prefix",
                            "a sweep never removes every object of a bucket",
                        );
                    return state;
                },
            ),
            new Option("--dry-run", "list and report what would be removed, and make no write call at all (nor a comment)"),
            option("--report <FILE>", "what was found and what became of it").default(DEFAULT_REPORT_FILE),
            option(
                "--retry-schedule <EXPRESSION>",
                "the scheduled sweep's EventBridge schedule: the comment names it as what tries again what this sweep could not remove",
                (schedule, field) => {
                    if (!SCHEDULE_EXPRESSION_RULE.pattern.test(schedule))
                        throw InputError.invalid(field, schedule, SCHEDULE_EXPRESSION_RULE.allowed);
                    return schedule;
                },
            ).env(RUNNER_ENVIRONMENT.sweepSchedule),
            option(
                "--retry-older-than <HOURS>",
                "the scheduled sweep's --older-than: the comment says when what is left is old enough for it",
                wholeNumber(1, MAX_HOURS, "hours"),
            ).env(RUNNER_ENVIRONMENT.pullRequestCopyTtlHours),
            ...pullRequestOptions(),
        ],
        epilogue: `${AWS_CONFIGURATION}\n${SWEEP_EXIT_CODES}`,
        parse: ({ values, build }) => {
            validateSweepPrefixes(values.namePrefix, values.protectPrefix);
            const args: SweepArguments = {
                namePrefix: values.namePrefix,
                ...(values.protectPrefix === undefined ? {} : { protectPrefix: values.protectPrefix }),
                olderThanHours: values.olderThan,
                ...(values.ownerWorkflow === undefined ? {} : { ownerWorkflowArn: values.ownerWorkflow }),
                ...(values.stateUri === undefined ? {} : { state: values.stateUri }),
                dryRun: values.dryRun === true,
                reportFile: values.report,
                scheduledSweep: withoutUndefined({ schedule: values.retrySchedule, olderThanHours: values.retryOlderThan }),
                pullRequest: pullRequestFrom(values),
                commentRoleArn: values.commentRoleArn,
                build,
            };
            return { kind: "sweep", args };
        },
    },
    "pull-request-feedback": {
        summary:
            "the feedback build: the deploy build's plan and outputs from S3, then plan-comment and, for a deployed copy, tune, as the workflow's values decide",
        heading: `Options (with ${RUNNER_ENVIRONMENT.deployOutcome}, ${RUNNER_ENVIRONMENT.deployBuildArn}, ${RUNNER_ENVIRONMENT.workflowExecutionArn} and plan-comment's and tune's variables):`,
        options: () => [
            option("--deploy-files <DIR>", "where the deploy build's files are put").makeOptionMandatory(),
            option("--results <FILE>", "tune's results file").makeOptionMandatory(),
        ],
        epilogue: `${AWS_CONFIGURATION}\n${EXIT_CODES}`,
        parse: ({ values, env }) => ({
            kind: "pull-request-feedback",
            request: { step: feedbackStepFrom(env), deployFilesDirectory: values.deployFiles, resultsFile: values.results },
        }),
    },
    "pull-request-sweep": {
        summary: "the sweep build: the whole pull-request namespace on the schedule, exactly the copy the workflow names after a destroy",
        heading: `Options (with ${RUNNER_ENVIRONMENT.pullRequestId}, ${RUNNER_ENVIRONMENT.sourceCommit} after a destroy, and sweep's variables):`,
        options: () => [
            option("--state-uri <s3://BUCKET/PREFIX>", "where every copy's Terraform state is").makeOptionMandatory(),
            option("--protect-prefix <PREFIX>", "production's names, never removed").makeOptionMandatory(),
            option("--report <FILE>", "sweep's report").makeOptionMandatory(),
        ],
        epilogue: `${AWS_CONFIGURATION}\n${SWEEP_EXIT_CODES}`,
        parse: ({ values, env }) =>
            parseCommandLine(
                pullRequestSweepCommandLine(env, {
                    statesUri: values.stateUri,
                    protectPrefix: values.protectPrefix,
                    reportFile: values.report,
                }),
                env,
            ),
    },
};

const COMMAND_NAMES = Object.keys(COMMANDS);

/**
 * The runner's program: every command of COMMANDS with its options. Its output goes to `print`
 * (help) and nowhere else: errors are thrown, and the shell prints them with the exit code.
 */
function runnerProgram(print: (text: string) => void, env: Environment, run: (command: Command) => void): Program {
    const program = new Program("tuning-runner")
        .description("Tunes the memory of AWS Lambda functions on pull requests, and keeps their copies tidy.")
        .version(`${version}`, "--version", "print the version")
        .helpCommand(false)
        .exitOverride()
        .configureOutput({ writeOut: print, writeErr: () => {}, outputError: () => {} })
        .configureHelp({ helpWidth: HELP_WIDTH, sortOptions: false })
        .addHelpText("after", `\n${AWS_CONFIGURATION}\n${EXIT_CODES}`);
    for (const [name, spec] of Object.entries(COMMANDS)) {
        const command = program.command(name).description(spec.summary);
        if (spec.heading !== undefined) command.optionsGroup(spec.heading);
        for (const each of spec.options()) command.addOption(each);
        refuseRepeats(command);
        command.addHelpText("after", `\n${spec.epilogue}`);
        command.action((values: OptionValues, self: Program) => {
            run(spec.parse({ values, source: (key) => self.getOptionValueSource(key), env, build: buildContextFrom(env) }));
        });
    }
    return program;
}

/** A single-valued option or a switch given twice is refused: which one was meant is not ours to guess. */
function refuseRepeats(command: Program): void {
    const seen = new Map<string, string | undefined>();
    for (const each of command.options) {
        if (REPEATABLE.has(each)) continue;
        command.on(`option:${each.name()}`, (value?: string) => {
            const flag = each.long!;
            if (seen.has(flag)) {
                throw new UsageError(
                    value === undefined
                        ? `${flag} was given twice; give it once`
                        : `${flag} was given twice ("${seen.get(flag)}" and "${value}"); give it once`,
                );
            }
            seen.set(flag, value);
        });
    }
}

/** The top-level --help: every command and what it does. */
export function usage(): string {
    let text = "";
    runnerProgram(
        (out) => {
            text += out;
        },
        {},
        () => {},
    ).outputHelp();
    return text;
}

/** Reads argv (without `node script`) and the environment into a command. Throws UsageError. */
export function parseCommandLine(argv: readonly string[], env: Environment): Command {
    let printed = "";
    let command: Command | undefined;
    // Commander reads its options' environment variables from process.env: here, the one given
    // (the build's, a test's), where an empty value counts as unset.
    const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
    const processEnv = process.env;
    process.env = given;
    try {
        runnerProgram(
            (text) => {
                printed += text;
            },
            given,
            (parsed) => (command = parsed),
        ).parse(argv, { from: "user" });
    } catch (error) {
        if (!(error instanceof CommanderError)) throw error;
        if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return { kind: "help", text: printed };
        // No command at all: commander would print the whole help as the error.
        if (error.code === "commander.help") throw new UsageError(`a command is required: ${COMMAND_NAMES.join(", ")}`);
        throw new UsageError(error.message.replace(/^error: /, ""));
    } finally {
        process.env = processEnv;
    }
    return command!;
}

const HISTORY_FIELD = `--history (env ${RUNNER_ENVIRONMENT.tuningHistoryUri})`;
const BUDGET_FIELD = `--budget (env ${RUNNER_ENVIRONMENT.tuningBudget})`;
const BUDGET_LEASES_FIELD = `--budget-leases (env ${RUNNER_ENVIRONMENT.tuningBudgetLeasesUri})`;

function tuneArgumentsFrom({ values, build }: Parsed): TuneArguments {
    const settingsFromRepository = values.settingsFromRepository === true;
    if (values.force === true && values.history === undefined) {
        throw new UsageError(
            `--force needs ${HISTORY_FIELD}: it tunes functions whose result the history holds; without a history every function is tuned anyway`,
        );
    }
    if ((values.budget === undefined) !== (values.budgetLeases === undefined)) {
        throw new UsageError(`${BUDGET_FIELD} and ${BUDGET_LEASES_FIELD} go together: the budget is shared through its lease table`);
    }
    const caps = withoutUndefined({ maxFunctions: values.maxFunctions, maxFunctionTimeoutSeconds: values.maxFunctionTimeout });
    return {
        stateMachineArn: values.stateMachineArn,
        inputFile: values.input,
        lambdaArnSpecs: values.lambdaArn ?? [],
        terraformOutputsFile: values.terraformOutputs,
        pullRequest: pullRequestFrom(values, settingsFromRepository ? "--settings-from-repository" : undefined),
        resultsFile: values.results,
        chartFile: values.chart,
        timeoutSeconds: values.timeout,
        concurrency: values.concurrency,
        policyFile: values.policy,
        terraformDirectory: values.terraformDir,
        history: values.history,
        force: values.force === true,
        ...(values.budget === undefined ? {} : { budget: { size: values.budget, leases: values.budgetLeases } }),
        ...(Object.keys(caps).length === 0 ? {} : { caps }),
        allowedNamePrefix: values.allowedNamePrefix,
        productionNamePrefix: values.productionNamePrefix,
        settingsFromRepository,
        commentRoleArn: values.commentRoleArn,
        build,
    };
}

function reportSourceFrom(values: OptionValues): ReportSource {
    // Commander refuses two of them (conflicts); none is ours to refuse.
    const given = (["results", "output", "url"] as const).find((key) => values[key] !== undefined);
    if (given === undefined) throw new UsageError("report needs exactly one of --results FILE, --output FILE or --url URL; none was given");
    for (const key of ["strategy", "name"]) {
        if (values[key] !== undefined && given !== "url") {
            throw new UsageError(
                `--${key} is for --url only: a link holds only the measurements, while --${given}'s file says its own strategy and function names`,
            );
        }
    }
    if (given === "url")
        return withoutUndefined({ kind: "url", url: values.url, strategy: values.strategy as Strategy | undefined, name: values.name });
    return { kind: given, file: values[given] };
}

function buildContextFrom(env: Environment): BuildContext {
    return { buildId: env[CODEBUILD.buildId], buildUrl: env[CODEBUILD.buildUrl] };
}

const PULL_REQUEST_FIELDS = [
    {
        key: "repository",
        flag: "--repository",
        variable: RUNNER_ENVIRONMENT.repositoryName,
        pattern: /^[\w.-]{1,100}$/,
        allowed: "1-100 letters, digits, '.', '_' or '-'",
    },
    {
        key: "pullRequestId",
        flag: "--pull-request-id",
        variable: RUNNER_ENVIRONMENT.pullRequestId,
        pattern: PULL_REQUEST_ID_RULE.pattern,
        allowed: PULL_REQUEST_ID_RULE.allowed,
    },
    { key: "sourceCommit", flag: "--source-commit", variable: RUNNER_ENVIRONMENT.sourceCommit, ...COMMIT_ID_RULE },
    { key: "destinationCommit", flag: "--destination-commit", variable: RUNNER_ENVIRONMENT.destinationCommit, ...COMMIT_ID_RULE },
] as const;

/**
 * The pull request to comment on, or undefined when none is named. A repository alone
 * (REPOSITORY_NAME is set on every build of the PR project) does not name a pull request;
 * a PR id or either commit does, and then all four values are required. `requiredBy` names the
 * flag that cannot work without a pull request: then all four are required in any case.
 */
function pullRequestFrom(options: OptionValues, requiredBy?: string): PullRequestContext | undefined {
    const values: (string | undefined)[] = PULL_REQUEST_FIELDS.map((field) => options[field.key]);
    const [, pullRequestId, sourceCommit, destinationCommit] = values;
    const named = pullRequestId !== undefined || sourceCommit !== undefined || destinationCommit !== undefined;
    if (!named && requiredBy === undefined) return undefined;
    const missing = PULL_REQUEST_FIELDS.filter((_, index) => values[index] === undefined);
    if (missing.length > 0) {
        const names = missing.map((field) => `${field.flag} (env ${field.variable})`).join(", ");
        const who = named ? "a pull request" : `${requiredBy} reads the pull request's commits, so it`;
        throw new UsageError(
            `${who} needs all four of --repository, --pull-request-id, --source-commit and --destination-commit; missing ${names}`,
        );
    }
    PULL_REQUEST_FIELDS.forEach((field, index) => {
        if (!field.pattern.test(values[index]!)) {
            throw new UsageError(`${field.flag} must be ${field.allowed}; got "${values[index]}"`);
        }
    });
    if (sourceCommit === destinationCommit) {
        throw new UsageError(
            `--source-commit and --destination-commit are the same commit (${sourceCommit}); a pull request compares two different commits`,
        );
    }
    return {
        repositoryName: values[0]!,
        pullRequestId: pullRequestId!,
        sourceCommit: sourceCommit!,
        destinationCommit: destinationCommit!,
    };
}

/** `tune` as typed on the command line: file names not yet read, ARNs not yet validated. */
export interface TuneArguments {
    readonly stateMachineArn?: string;
    readonly inputFile: string;
    readonly lambdaArnSpecs: readonly string[];
    readonly terraformOutputsFile?: string;
    readonly pullRequest?: PullRequestContext;
    readonly resultsFile: string;
    /** `--chart`: an SVG of every tuned function's measurements, written after the results file. */
    readonly chartFile?: string;
    readonly timeoutSeconds: number;
    readonly concurrency: number | "auto";
    /** `--policy`: the quality gate's policy file; without it the gate is off. */
    readonly policyFile?: string;
    /** `--terraform-dir`: where the suggested memory_size change is looked for. */
    readonly terraformDirectory: string;
    readonly history?: TuningHistoryLocation;
    readonly force: boolean;
    readonly budget?: TuneRequest["budget"];
    readonly caps?: TuneRequest["caps"];
    /** `--allowed-name-prefix`: the pull-request namespace; with a pull request, its own copy's prefix within it is what may be tuned. */
    readonly allowedNamePrefix?: string;
    /** `--production-name-prefix`: production's namePrefix, to name the function a copy's function stands for. */
    readonly productionNamePrefix?: string;
    /** `--settings-from-repository`: input, policy and *.tf files from the pull request's commits (the CLI guarantees a pull request). */
    readonly settingsFromRepository: boolean;
    /** `--comment-role-arn`: the role comments and approvals are made as. */
    readonly commentRoleArn?: string;
    readonly build: BuildContext;
}

/** `record` as typed on the command line. */
export interface RecordArguments {
    readonly terraformOutputsFile: string;
    readonly inputFile: string;
    readonly history: TuningHistoryLocation;
    /** The commit production was deployed from, when known. */
    readonly commit?: string;
}

export interface PlanCommentArguments {
    /** Absent only when the deploy failed before Terraform could plan. */
    readonly planFile?: string;
    /** `--deploy-failed`: where to read why the pull request's copy could not be deployed. */
    readonly deployFailedUrl?: string;
    readonly pullRequest?: PullRequestContext;
    /** `--comment-role-arn`: the role the comment is made as. */
    readonly commentRoleArn?: string;
    readonly build: BuildContext;
}

/** `sweep` as typed on the command line: the request, and who comments. */
export interface SweepArguments extends SweepRequest {
    /** `--comment-role-arn`: the role the comment is made as. */
    readonly commentRoleArn?: string;
}

export type ReportSource =
    | { readonly kind: "results"; readonly file: string }
    | { readonly kind: "output"; readonly file: string }
    | { readonly kind: "url"; readonly url: string; readonly strategy?: Strategy; readonly name?: string };

export type Command =
    | { readonly kind: "help"; readonly text: string }
    | { readonly kind: "tune"; readonly args: TuneArguments }
    | { readonly kind: "plan-comment"; readonly args: PlanCommentArguments }
    | { readonly kind: "report"; readonly source: ReportSource; readonly invocationsPerMonth?: number; readonly chartFile?: string }
    | { readonly kind: "decide-copy"; readonly request: DecideCopyRequest; readonly commentRoleArn?: string }
    | { readonly kind: "record"; readonly args: RecordArguments }
    | { readonly kind: "sweep"; readonly args: SweepArguments }
    | { readonly kind: "pull-request-feedback"; readonly request: PullRequestFeedbackRequest };

/** What `tune` tunes, with what: validated from the command line and the Terraform outputs alone. */
export interface TuneTargets {
    readonly stateMachineArn: string;
    /** The functions named by the command line and the outputs, each checked against the scope. */
    readonly functions: readonly TargetFunction[];
    /** On a pull request: its copy, whose functions the run lists and tunes instead (targets.ts copyFunctionsToTune). */
    readonly copy?: CopyOfFunctions;
}

/**
 * Validates the state machine ARN and every function ARN (`--lambda-arn`, and the Terraform outputs'
 * text when given), each error naming its flag or output (InputError, exit 2). It needs no AWS call,
 * so a function outside the allowed namespace is refused before the settings are read from CodeCommit.
 */
export function tuneTargetsFrom(args: TuneArguments, terraformOutputs: string | undefined): TuneTargets {
    const stateMachineArn = validateStateMachineArn(
        args.stateMachineArn,
        `--state-machine-arn (env ${RUNNER_ENVIRONMENT.stateMachineArn})`,
    );
    const scope = functionScopeOf(stateMachineArn, args.allowedNamePrefix, args.pullRequest);
    const fromFlags = args.lambdaArnSpecs.map(parseLambdaArnSpec);
    for (const fn of fromFlags) checkFunctionInScope(scope, fn.arn, "--lambda-arn");
    const fromTerraform: TargetFunction[] =
        args.terraformOutputsFile === undefined || terraformOutputs === undefined
            ? []
            : functionsFromTerraformOutputs(
                  parseJsonFile(terraformOutputs, args.terraformOutputsFile),
                  args.terraformOutputsFile,
                  (arn, origin) => checkFunctionInScope(scope, arn, origin),
              );
    const functions = mergeTargetFunctions(fromFlags, fromTerraform);
    if (scope.copyOf !== undefined) {
        return { stateMachineArn, functions, copy: { prefix: scope.allowedNamePrefix!, productionNamePrefix: args.productionNamePrefix } };
    }
    if (functions.length === 0) {
        throw new UsageError("nothing to tune: name the functions with --lambda-arn [NAME=]ARN or --terraform-outputs FILE");
    }
    return { stateMachineArn, functions };
}

/** The request `tune` runs: the validated targets, and its settings as main has them. */
export function tuneRequestFrom(args: TuneArguments, targets: TuneTargets, settings: TuneRequest["settings"]): TuneRequest {
    return {
        stateMachineArn: targets.stateMachineArn,
        functions: targets.functions,
        copy: targets.copy,
        settings,
        pullRequest: args.pullRequest,
        resultsFile: args.resultsFile,
        chartFile: args.chartFile,
        timeoutSeconds: args.timeoutSeconds,
        concurrency: args.concurrency,
        build: args.build,
        history: args.history,
        force: args.force,
        ...(args.budget === undefined ? {} : { budget: args.budget }),
        ...(args.caps === undefined ? {} : { caps: args.caps }),
    };
}

/** The files `record` names, read by the shell. */
export interface RecordFiles {
    readonly input: string;
    readonly terraformOutputs: string;
}

/** Validates a `record` invocation, each error naming its file and field (InputError, exit 2). */
export function recordRequestFrom(args: RecordArguments, files: RecordFiles): RecordRequest {
    return {
        functions: functionsFromTerraformOutputs(
            parseJsonFile(files.terraformOutputs, args.terraformOutputsFile),
            args.terraformOutputsFile,
        ),
        input: parseTuningInput(files.input, args.inputFile),
        history: args.history,
        commit: args.commit,
    };
}
