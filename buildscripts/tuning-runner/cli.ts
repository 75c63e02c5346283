// Command line → validated command objects. Pure: it sees argv, the environment and file
// contents handed to it, never the file system or AWS, so every usage error is a unit test.
// Each command's options are one table: Node's util.parseArgs reads argv with it (strictly,
// per command), and the same table writes the command's --help.
import { parseArgs } from "node:util";
import { COMMIT_ID_RULE, PULL_REQUEST_BOT_SESSION_NAME, PULL_REQUEST_ID_RULE, PULL_REQUEST_BUILD_FILES, RUNNER_ENVIRONMENT, SCHEDULE_EXPRESSION_RULE, TUNING_FILES, TUNING_STRATEGIES } from "../contract";
import { INVOCATIONS_PER_MONTH_RULE } from "./core/monthlyCost";
import { InputError, UsageError } from "./core/errors";
import { ALLOWED_NAME_PREFIX_FIELD, checkFunctionInScope, functionScopeOf, validateNamePrefix } from "./core/functionScope";
import { parseJsonFile, withoutUndefined } from "./core/json";
import { parseNonFunctionPathsVariable, validateNonFunctionPaths } from "./core/copyDecision";
import type { DecideCopyRequest, RecordRequest, SweepRequest, TuneRequest } from "./core/requests";
import { repositoryPath } from "./core/settings";
import type { PullRequestContext } from "./core/resultsFile";
import { functionsFromTerraformOutputs, mergeTargetFunctions, parseLambdaArnSpec, validateRoleArn, validateStateMachineArn, type CopyOfFunctions } from "./core/targets";
import { parseTuningInput, type Strategy } from "./core/tuningInput";
import { parseS3Uri } from "./core/s3Location";
import { feedbackStepFrom, pullRequestSweepCommandLine } from "./core/pullRequestSteps";
import type { PullRequestFeedbackRequest } from "./commands/pullRequestFeedback";
import { NAME_PREFIX_FIELD, PROTECT_PREFIX_FIELD, validateSweepPrefixes } from "./core/sweep";
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

/** CodeBuild's own variables the runner reads: the build, and for `record` the commit it built. */
const CODEBUILD = { buildId: "CODEBUILD_BUILD_ID", buildUrl: "CODEBUILD_BUILD_URL", sourceVersion: "CODEBUILD_RESOLVED_SOURCE_VERSION" } as const;

/** One option of a command: its value's placeholder (none for a switch), and what it does, for --help. */
interface OptionSpec {
    readonly value?: string;
    readonly repeatable?: boolean;
    /** Lines of --help; the first starts on the option's own line. */
    readonly help: readonly string[];
}

type OptionTable = Readonly<Record<string, OptionSpec>>;

const env = (variable: string) => `(env ${variable})`;

/** The pull request a command comments on; without it nothing is posted and the Markdown goes to stdout. */
const PULL_REQUEST_OPTIONS = {
    repository: { value: "NAME", help: [env(RUNNER_ENVIRONMENT.repositoryName)] },
    "pull-request-id": { value: "ID", help: [env(RUNNER_ENVIRONMENT.pullRequestId)] },
    "source-commit": { value: "SHA", help: [env(RUNNER_ENVIRONMENT.sourceCommit)] },
    "destination-commit": { value: "SHA", help: [env(RUNNER_ENVIRONMENT.destinationCommit)] },
    "comment-role-arn": {
        value: "ARN",
        help: [
            "comment and approve as this IAM role, assumed with the fixed session",
            `name ${PULL_REQUEST_BOT_SESSION_NAME} ${env(RUNNER_ENVIRONMENT.pullRequestBotRoleArn)};`,
            "everything else keeps the build's own credentials",
        ],
    },
} satisfies OptionTable;

/** `--chart` of tune and report. */
const CHART_OPTION = { value: "FILE.svg", help: ["also draw each tuned function's memory against average duration and", "cost per 1M invocations, the recommendation marked, as an SVG"] };

const COMMANDS = {
    tune: {
        summary: ["run AWS Lambda Power Tuning for each function, write the results file,", "comment on the pull request (or print the Markdown)"],
        options: {
            "state-machine-arn": { value: "ARN", help: [`power-tuning state machine ${env(RUNNER_ENVIRONMENT.stateMachineArn)}`] },
            input: { value: "FILE", help: [`tuning input without lambdaARN (default ${DEFAULT_INPUT_FILE})`] },
            "lambda-arn": { value: "[NAME=]ARN", repeatable: true, help: ["a function to tune, unqualified ARN; repeatable"] },
            "terraform-outputs": { value: "FILE", help: ["`terraform output -json`: every Lambda function ARN in it is tuned"] },
            results: { value: "FILE", help: [`machine-readable results (default ${DEFAULT_RESULTS_FILE})`] },
            chart: CHART_OPTION,
            timeout: { value: "SECONDS", help: [`per execution, then StopExecution (default ${DEFAULT_TIMEOUT_SECONDS})`] },
            concurrency: {
                value: "N|auto",
                help: [
                    `executions at once, 1-${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY}); auto: as many as fit the`,
                    "account's unreserved Lambda concurrency (GetAccountSettings), at least 1,",
                    "at most one per function",
                ],
            },
            policy: {
                value: "FILE",
                help: [`quality gate (${TUNING_FILES.policy}): violations fail the run; on a`, "pull request the build approves it when the gate passes, revokes when not"],
            },
            "terraform-dir": { value: "DIR", help: ["where the *.tf files are, for the suggested memory_size change (default .)"] },
            history: {
                value: "URI",
                help: [
                    `tuning history s3://BUCKET/PREFIX ${env(RUNNER_ENVIRONMENT.tuningHistoryUri)}: reuse the`,
                    "stored result of a function whose code and input are unchanged, store",
                    "new results, compare each with production's",
                ],
            },
            force: { help: ["with --history: tune every function, even when a result is stored"] },
            budget: {
                value: "N",
                help: [
                    `the stack-wide tuning budget ${env(RUNNER_ENVIRONMENT.tuningBudget)}: Lambda invocations`,
                    `in flight for all tunings together, 1-${MAX_BUDGET}, at most a tenth of the account's`,
                    "unreserved concurrency; an execution that needs more is not started",
                ],
            },
            "max-functions": { value: "N", help: [`tune nothing when more than N functions are to be tuned ${env(RUNNER_ENVIRONMENT.maxFunctions)}`] },
            "max-function-timeout": {
                value: "SECONDS",
                help: [`tune nothing when a function's timeout is longer ${env(RUNNER_ENVIRONMENT.maxFunctionTimeoutSeconds)}`],
            },
            "budget-leases": { value: "s3://BUCKET/KEY", help: [`with --budget: the S3 object all tunings share the budget through ${env(RUNNER_ENVIRONMENT.tuningBudgetLeasesUri)}`] },
            "allowed-name-prefix": {
                value: "PREFIX",
                help: [
                    `the pull-request namespace ${env(RUNNER_ENVIRONMENT.pullRequestNamePrefix)}. With a pull`,
                    "request, the functions tuned are the ones its own copy",
                    "(PREFIX-<id>-<commit>-…) holds, listed with ListFunctions, and an ARN",
                    "elsewhere is refused before any AWS call; without one, any PREFIX-….",
                    "A function outside the state machine's account and region is always refused.",
                ],
            },
            "production-name-prefix": {
                value: "PREFIX",
                help: [
                    `production's namePrefix ${env(RUNNER_ENVIRONMENT.productionNamePrefix)}: the comment maps each`,
                    "copy's function <copy>-<key> to production's PREFIX-<key>",
                ],
            },
            "settings-from-repository": {
                help: [
                    "read --input and --policy from the pull request's destination commit and",
                    "the *.tf files of --terraform-dir from its source commit, in CodeCommit,",
                    "not from local files: a pull request cannot loosen its own quality gate",
                    "(no policy at the destination commit: the gate is off)",
                ],
            },
            ...PULL_REQUEST_OPTIONS,
        },
    },
    "plan-comment": {
        summary: ["summarise a Terraform JSON plan on the pull request (or print it)"],
        options: {
            plan: { value: "FILE", help: ["`terraform show -json` output"] },
            "deploy-failed": {
                value: "URL",
                help: ["the pull request's copy could not be deployed: the comment says nothing", "was tuned for this push and links URL (the workflow execution)"],
            },
            ...PULL_REQUEST_OPTIONS,
        },
    },
    report: {
        summary: ["render Markdown offline from a results file, a state machine output or a URL"],
        options: {
            results: { value: "FILE", help: ["a results file written by tune"] },
            output: { value: "FILE", help: ["a raw state machine output"] },
            url: { value: "URL", help: ["a lambda-power-tuning.show link"] },
            "invocations-per-month": { value: "N", help: ["with any of them: each function's monthly cost at N invocations a month"] },
            strategy: { value: "STRATEGY", help: [`with --url: ${TUNING_STRATEGIES.join(", ")} (default cost, the tool's default); the link`, "holds only the measurements, not what the tuning was for"] },
            name: { value: "NAME", help: ["with --url: the function's name in the report (default function)"] },
            chart: CHART_OPTION,
        },
    },
    "decide-copy": {
        summary: [
            "decide from the repository whether a pull request needs a copy: only when it",
            "changes a path no --non-function-path matches; when not, comment what production",
            "runs and approve (with a policy at the destination commit). Prints the decision",
        ],
        options: {
            "non-function-path": {
                value: "GLOB",
                repeatable: true,
                help: [
                    `a path that cannot change a function, e.g. docs/**; repeatable ${env(RUNNER_ENVIRONMENT.nonFunctionPaths)},`,
                    "a JSON list); none: every change needs a copy",
                ],
            },
            policy: { value: "PATH", help: [`the quality gate's policy at the destination commit (default ${TUNING_FILES.policy})`] },
            history: { value: "URI", help: [`tuning history s3://BUCKET/PREFIX ${env(RUNNER_ENVIRONMENT.tuningHistoryUri)}: production's results`] },
            ...PULL_REQUEST_OPTIONS,
        },
    },
    record: {
        summary: ["after a deployment of main: store the tuning fingerprint production runs, per", "function, as the baseline pull requests are compared with"],
        options: {
            "terraform-outputs": { value: "FILE", help: ["production's `terraform output -json`"] },
            history: { value: "URI", help: [`tuning history s3://BUCKET/PREFIX ${env(RUNNER_ENVIRONMENT.tuningHistoryUri)}`] },
            input: { value: "FILE", help: [`the tuning input pull requests use (default ${DEFAULT_INPUT_FILE})`] },
            "source-commit": { value: "SHA", help: [`the deployed commit of main ${env(CODEBUILD.sourceVersion)}`] },
        },
    },
    sweep: {
        summary: [
            "remove what pull requests' throw-away copies left behind, by name and age: Lambda",
            "functions and IAM roles PREFIX-*, log groups /aws/lambda/PREFIX-*, state objects;",
            "write a report, and on a pull request say in its comment what became of the copy",
        ],
        options: {
            "name-prefix": {
                value: "PREFIX",
                help: [
                    "what to remove: functions and roles named PREFIX-…, log groups",
                    "/aws/lambda/PREFIX-…; 3-64 letters, digits or '-', starting with a",
                    "letter and not ending with '-'. Required, and never taken from the",
                    "environment: a command that deletes names what it deletes",
                ],
            },
            "protect-prefix": {
                value: "PREFIX",
                help: [
                    "never to be reached (production's namePrefix): the sweep refuses to",
                    "run when PREFIX-* and --name-prefix's PREFIX-* could name one thing",
                ],
            },
            "older-than": {
                value: "HOURS",
                help: [
                    `only what is at least HOURS old, 0-${MAX_HOURS} (default ${DEFAULT_OLDER_THAN_HOURS}): a function`,
                    "by its LastModified, a role by its CreateDate, a log group by its",
                    "creationTime, an object by its LastModified; the rest is kept",
                ],
            },
            "owner-workflow": {
                value: "ARN",
                help: [
                    "the pull-request workflow (state machine) whose RUNNING executions own",
                    "copies (--name-prefix is then the pull-request namespace): functions,",
                    "roles and log groups go when no running execution owns their copy, or",
                    "when it started --older-than ago; their own timestamps play no part",
                ],
            },
            "state-uri": { value: "s3://BUCKET/PREFIX", help: ["also remove the objects under PREFIX/ (the copies' Terraform state)"] },
            "dry-run": { help: ["list and report what would be removed, and make no write call at all", "(nor a comment)"] },
            report: { value: "FILE", help: [`what was found and what became of it (default ${DEFAULT_REPORT_FILE})`] },
            "retry-schedule": {
                value: "EXPRESSION",
                help: [
                    `the scheduled sweep's EventBridge schedule ${env(RUNNER_ENVIRONMENT.sweepSchedule)}:`,
                    "the comment names it as what tries again what this sweep could not",
                    "remove",
                ],
            },
            "retry-older-than": {
                value: "HOURS",
                help: [`the scheduled sweep's --older-than ${env(RUNNER_ENVIRONMENT.pullRequestCopyTtlHours)}:`, "the comment says when what is left is old enough for it"],
            },
            ...PULL_REQUEST_OPTIONS,
        },
    },
    "pull-request-feedback": {
        summary: ["the feedback build: the deploy build's plan and outputs from S3, then", "plan-comment and, for a deployed copy, tune, as the workflow's values decide"],
        options: {
            "deploy-files": { value: "DIR", help: ["where the deploy build's files are put"] },
            results: { value: "FILE", help: ["tune's results file"] },
        },
    },
    "pull-request-sweep": {
        summary: ["the sweep build: the whole pull-request namespace on the schedule, exactly", "the copy the workflow names after a destroy"],
        options: {
            "state-uri": { value: "s3://BUCKET/PREFIX", help: ["where every copy's Terraform state is"] },
            "protect-prefix": { value: "PREFIX", help: ["production's names, never removed"] },
            report: { value: "FILE", help: ["sweep's report"] },
        },
    },
} satisfies Record<string, { summary: readonly string[]; options: OptionTable }>;

type CommandName = keyof typeof COMMANDS;
const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** What a command's --help says before its options. */
const OPTION_HEADINGS: Record<CommandName, string> = {
    tune: "Options:",
    "plan-comment": "Options (--plan, --deploy-failed or both):",
    "decide-copy": "Options:",
    report: "Options (exactly one of --results, --output and --url):",
    record: "Options:",
    sweep: "Options:",
    "pull-request-feedback": `Options (with ${RUNNER_ENVIRONMENT.deployOutcome}, ${RUNNER_ENVIRONMENT.deployBuildArn}, ${RUNNER_ENVIRONMENT.workflowExecutionArn} and plan-comment's and tune's variables):`,
    "pull-request-sweep": `Options (with ${RUNNER_ENVIRONMENT.pullRequestId}, ${RUNNER_ENVIRONMENT.sourceCommit} after a destroy, and sweep's variables):`,
};

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

const DESCRIPTION_COLUMN = 29;

/** `  --flag VALUE               what it does`, continued on lines of its own. */
function optionLines(name: string, spec: OptionSpec): string[] {
    const flag = `  --${name}${spec.value === undefined ? "" : ` ${spec.value}`}`;
    const indent = " ".repeat(DESCRIPTION_COLUMN);
    const [first, ...more] = spec.help;
    const head = flag.length < DESCRIPTION_COLUMN - 1 ? [`${flag.padEnd(DESCRIPTION_COLUMN)}${first}`] : [flag, `${indent}${first}`];
    return [...head, ...more.map((line) => `${indent}${line}`)];
}

/** `tuning-runner tune [--input FILE] [--lambda-arn [NAME=]ARN]... [--force]`, in lines of at most 100 characters after `indent`. */
function synopsis(command: CommandName, indent: number): string[] {
    const words = [
        `tuning-runner ${command}`,
        ...Object.entries(COMMANDS[command].options as OptionTable).map(([name, spec]) => `[--${name}${spec.value === undefined ? "" : ` ${spec.value}`}]${spec.repeatable ? "..." : ""}`),
    ];
    const lines = [words[0]];
    for (const word of words.slice(1)) {
        if (indent + lines[lines.length - 1].length + 1 + word.length > 100) lines.push(`  ${word}`);
        else lines[lines.length - 1] += ` ${word}`;
    }
    return lines.map((line) => `${" ".repeat(indent)}${line}`);
}

/** The top-level --help: every command, what it does and its options in one line. */
export function usage(): string {
    const commands = COMMAND_NAMES.flatMap((command) => {
        const [first, ...more] = COMMANDS[command].summary;
        return [`  ${command.padEnd(15)}${first}`, ...more.map((line) => `${" ".repeat(17)}${line}`), ...synopsis(command, 17)];
    });
    return [
        "Usage: tuning-runner <command> [options]",
        "       tuning-runner <command> --help    what each option of the command does",
        "       tuning-runner --help | --version",
        "",
        "Commands:",
        ...commands,
        "",
        AWS_CONFIGURATION,
        EXIT_CODES,
    ].join("\n");
}

/** One command's --help: what it does and each of its options. */
export function commandUsage(command: CommandName): string {
    const options = COMMANDS[command].options as OptionTable;
    const isPullRequestOption = ([name, spec]: [string, OptionSpec]) => (PULL_REQUEST_OPTIONS as OptionTable)[name] === spec;
    const own = Object.entries(options).filter((option) => !isPullRequestOption(option));
    const pullRequest = Object.entries(options).filter(isPullRequestOption);
    return [
        `Usage: tuning-runner ${command} [options]`,
        "",
        `${COMMANDS[command].summary.join("\n").replace(/^./, (letter) => letter.toUpperCase())}.`,
        "",
        OPTION_HEADINGS[command],
        ...own.flatMap(([name, spec]) => optionLines(name, spec)),
        ...(pullRequest.length === 0
            ? []
            : ["", "Pull request; without it nothing is posted and the Markdown goes to stdout:", ...pullRequest.flatMap(([name, spec]) => optionLines(name, spec))]),
        "",
        // `report` calls no AWS API.
        ...(command === "report" ? [] : [AWS_CONFIGURATION]),
        command === "sweep" ? SWEEP_EXIT_CODES : EXIT_CODES,
    ].join("\n");
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
    | { readonly kind: "version" }
    | { readonly kind: "tune"; readonly args: TuneArguments }
    | { readonly kind: "plan-comment"; readonly args: PlanCommentArguments }
    | { readonly kind: "report"; readonly source: ReportSource; readonly invocationsPerMonth?: number; readonly chartFile?: string }
    | { readonly kind: "decide-copy"; readonly request: DecideCopyRequest; readonly commentRoleArn?: string }
    | { readonly kind: "record"; readonly args: RecordArguments }
    | { readonly kind: "sweep"; readonly args: SweepArguments }
    | { readonly kind: "pull-request-feedback"; readonly request: PullRequestFeedbackRequest };

/** The option values of one command: flag → the values given, in order (none for a switch). */
type ParsedOptions = ReadonlyMap<string, readonly string[]>;

/** Reads argv (without `node script`) and the environment into a command. Throws UsageError. */
export function parseCommandLine(argv: readonly string[], env: Environment): Command {
    const [commandName, ...rest] = argv;
    if (argv.includes("--help") || argv.includes("-h")) {
        return { kind: "help", text: commandName !== undefined && isCommandName(commandName) ? commandUsage(commandName) : usage() };
    }
    if (argv.includes("--version")) return { kind: "version" };
    if (commandName === undefined) {
        throw new UsageError(`a command is required: ${COMMAND_NAMES.join(", ")}`);
    }
    if (!isCommandName(commandName)) {
        throw new UsageError(`unknown command "${commandName}"; expected one of ${COMMAND_NAMES.join(", ")}`);
    }
    const options = parseOptions(commandName, rest);
    const build = buildContextFrom(env);
    switch (commandName) {
        case "tune":
            return { kind: "tune", args: tuneArgumentsFrom(options, env, build) };
        case "plan-comment":
            return {
                kind: "plan-comment",
                args: {
                    ...planCommentInputsFrom(options),
                    pullRequest: pullRequestFrom(options, env),
                    commentRoleArn: commentRoleArnFrom(options, env),
                    build,
                },
            };
        case "report":
            return withoutUndefined({ kind: "report", source: reportSourceFrom(options), invocationsPerMonth: invocationsPerMonthFrom(options), chartFile: chartFileFrom(options) });
        case "record":
            return { kind: "record", args: recordArgumentsFrom(options, env) };
        case "sweep":
            return { kind: "sweep", args: sweepArgumentsFrom(options, env, build) };
        case "decide-copy":
            return { kind: "decide-copy", request: decideCopyRequestFrom(options, env, build), commentRoleArn: commentRoleArnFrom(options, env) };
        case "pull-request-feedback":
            return { kind: "pull-request-feedback", request: { step: feedbackStepFrom(env), deployFilesDirectory: required(options, "--deploy-files"), resultsFile: required(options, "--results") } };
        case "pull-request-sweep":
            return parseCommandLine(
                pullRequestSweepCommandLine(env, { statesUri: required(options, "--state-uri"), protectPrefix: required(options, "--protect-prefix"), reportFile: required(options, "--report") }),
                env,
            );
    }
}

function decideCopyRequestFrom(options: ParsedOptions, env: Environment, build: BuildContext): DecideCopyRequest {
    const flags = options.get("--non-function-path");
    const variable = nonEmpty(env[RUNNER_ENVIRONMENT.nonFunctionPaths]);
    const nonFunctionPaths =
        flags !== undefined ? validateNonFunctionPaths(flags, "--non-function-path") : variable === undefined ? [] : parseNonFunctionPathsVariable(variable);
    return {
        // The command line requires all four values, so a pull request is always named.
        pullRequest: pullRequestFrom(options, env, "decide-copy")!,
        nonFunctionPaths,
        policyFile: repositoryPath(options.get("--policy")?.[0] ?? TUNING_FILES.policy, "--policy", "file"),
        history: historyFrom(options, env),
        build,
    };
}

function isCommandName(name: string): name is CommandName {
    return (COMMAND_NAMES as string[]).includes(name);
}

/**
 * util.parseArgs with the command's option table, strict: unknown options and stray arguments
 * are errors. Its own errors are reworded to name the command and what it accepts; a single
 * option given twice, and an empty value, are errors too (parseArgs would keep the last one).
 */
function parseOptions(command: CommandName, argv: readonly string[]): ParsedOptions {
    const table: OptionTable = COMMANDS[command].options;
    let tokens;
    try {
        const options = Object.fromEntries(
            Object.entries(table).map(([name, spec]) => [name, spec.value === undefined ? { type: "boolean" as const } : { type: "string" as const, multiple: spec.repeatable === true }]),
        );
        ({ tokens } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, tokens: true }));
    } catch (error) {
        throw usageErrorFrom(error, command, argv);
    }
    const values = new Map<string, string[]>();
    for (const token of tokens) {
        if (token.kind !== "option") continue;
        const flag = `--${token.name}`;
        const previous = values.get(flag);
        if (table[token.name].value === undefined) {
            if (previous !== undefined) throw new UsageError(`${flag} was given twice; give it once`);
            values.set(flag, []);
            continue;
        }
        const value = token.value ?? "";
        if (value === "") throw new UsageError(`${flag} needs a value`);
        if (previous !== undefined && table[token.name].repeatable !== true) {
            throw new UsageError(`${flag} was given twice ("${previous[0]}" and "${value}"); give it once`);
        }
        values.set(flag, [...(previous ?? []), value]);
    }
    return values;
}

/** parseArgs' error, reworded: which option or argument, for which command, and what it accepts. */
function usageErrorFrom(error: unknown, command: CommandName, argv: readonly string[]): unknown {
    const { code, message } = error as { code?: string; message: string };
    const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
    switch (code) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
            const known = Object.keys(COMMANDS[command].options).map((name) => `--${name}`).join(", ");
            return new UsageError(`unknown option ${quoted} for ${command}; ${command} accepts ${known}`);
        }
        case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
            return new UsageError(`unexpected argument "${quoted}" for ${command}; options start with --`);
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
            const flag = quoted.split(" ")[0];
            if (/does not take an argument/.test(message)) return new UsageError(`${flag} takes no value; got "${argv.find((argument) => argument.startsWith(`${flag}=`))}"`);
            return new UsageError(`${flag} needs a value`);
        }
        default:
            return error;
    }
}

/** A flag's value, else the environment variable's; empty environment values count as unset. */
function optionOrEnv(options: ParsedOptions, flag: string, env: Environment, variable: string): string | undefined {
    return options.get(flag)?.[0] ?? nonEmpty(env[variable]);
}

function nonEmpty(value: string | undefined): string | undefined {
    return value === undefined || value === "" ? undefined : value;
}

function required(options: ParsedOptions, flag: string): string {
    const value = options.get(flag)?.[0];
    if (value === undefined) throw new UsageError(`${flag} is required`);
    return value;
}

/** A whole number within [min, max]; `otherwise` names what else the flag accepts, for the message. */
function wholeNumber(options: ParsedOptions, flag: string, fallback: number, min: number, max: number, unit: string, otherwise = ""): number {
    const text = options.get(flag)?.[0];
    return text === undefined ? fallback : wholeNumberIn(text, flag, min, max, unit, otherwise);
}

/** `text` as a whole number from `min` to `max` (or `otherwise`); `field` names where it came from in the error. */
function wholeNumberIn(text: string, field: string, min: number, max: number, unit: string, otherwise = ""): number {
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(value >= min && value <= max)) {
        throw new UsageError(`${field} must be a whole number of ${unit} from ${min} to ${max}${otherwise}; got "${text}"`);
    }
    return value;
}

const BUDGET_FIELD = `--budget (env ${RUNNER_ENVIRONMENT.tuningBudget})`;
const BUDGET_LEASES_FIELD = `--budget-leases (env ${RUNNER_ENVIRONMENT.tuningBudgetLeasesUri})`;

/** `--max-functions` and `--max-function-timeout`, each when given. */
function capsFrom(options: ParsedOptions, env: Environment): Pick<TuneArguments, "caps"> {
    const maxFunctions = optionOrEnv(options, "--max-functions", env, RUNNER_ENVIRONMENT.maxFunctions);
    const maxTimeout = optionOrEnv(options, "--max-function-timeout", env, RUNNER_ENVIRONMENT.maxFunctionTimeoutSeconds);
    if (maxFunctions === undefined && maxTimeout === undefined) return {};
    return {
        caps: {
            ...(maxFunctions === undefined ? {} : { maxFunctions: wholeNumberIn(maxFunctions, `--max-functions (env ${RUNNER_ENVIRONMENT.maxFunctions})`, 1, MAX_FUNCTIONS, "functions") }),
            ...(maxTimeout === undefined
                ? {}
                : { maxFunctionTimeoutSeconds: wholeNumberIn(maxTimeout, `--max-function-timeout (env ${RUNNER_ENVIRONMENT.maxFunctionTimeoutSeconds})`, 1, LAMBDA_MAX_TIMEOUT_SECONDS, "seconds") }),
        },
    };
}

/** `--budget` and `--budget-leases`, both or neither. */
function budgetFrom(options: ParsedOptions, env: Environment): Pick<TuneArguments, "budget"> {
    const size = optionOrEnv(options, "--budget", env, RUNNER_ENVIRONMENT.tuningBudget);
    const leases = optionOrEnv(options, "--budget-leases", env, RUNNER_ENVIRONMENT.tuningBudgetLeasesUri);
    if (size === undefined && leases === undefined) return {};
    if (size === undefined || leases === undefined) throw new UsageError(`${BUDGET_FIELD} and ${BUDGET_LEASES_FIELD} go together: the budget is shared through its lease table`);
    const location = parseS3Uri(leases, BUDGET_LEASES_FIELD);
    if (location.prefix === "") throw InputError.invalid(BUDGET_LEASES_FIELD, leases, "s3://<bucket>/<key> of one object");
    return { budget: { size: wholeNumberIn(size, BUDGET_FIELD, 1, MAX_BUDGET, "invocations"), leases: location } };
}

function tuneArgumentsFrom(options: ParsedOptions, env: Environment, build: BuildContext): TuneArguments {
    const settingsFromRepository = options.has("--settings-from-repository");
    const allowedNamePrefix = optionOrEnv(options, "--allowed-name-prefix", env, RUNNER_ENVIRONMENT.pullRequestNamePrefix);
    const productionNamePrefix = optionOrEnv(options, "--production-name-prefix", env, RUNNER_ENVIRONMENT.productionNamePrefix);
    const history = historyFrom(options, env);
    if (options.has("--force") && history === undefined) {
        throw new UsageError(`--force needs ${HISTORY_FIELD}: it tunes functions whose result the history holds; without a history every function is tuned anyway`);
    }
    return {
        stateMachineArn: optionOrEnv(options, "--state-machine-arn", env, RUNNER_ENVIRONMENT.stateMachineArn),
        inputFile: options.get("--input")?.[0] ?? DEFAULT_INPUT_FILE,
        lambdaArnSpecs: options.get("--lambda-arn") ?? [],
        terraformOutputsFile: options.get("--terraform-outputs")?.[0],
        pullRequest: pullRequestFrom(options, env, settingsFromRepository ? "--settings-from-repository" : undefined),
        resultsFile: options.get("--results")?.[0] ?? DEFAULT_RESULTS_FILE,
        chartFile: chartFileFrom(options),
        timeoutSeconds: wholeNumber(options, "--timeout", DEFAULT_TIMEOUT_SECONDS, 1, MAX_TIMEOUT_SECONDS, "seconds"),
        concurrency: options.get("--concurrency")?.[0] === "auto" ? "auto" : wholeNumber(options, "--concurrency", DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY, "executions", ", or auto"),
        policyFile: options.get("--policy")?.[0],
        terraformDirectory: options.get("--terraform-dir")?.[0] ?? ".",
        history,
        force: options.has("--force"),
        ...budgetFrom(options, env),
        ...capsFrom(options, env),
        allowedNamePrefix: allowedNamePrefix === undefined ? undefined : validateNamePrefix(allowedNamePrefix, ALLOWED_NAME_PREFIX_FIELD),
        productionNamePrefix: productionNamePrefix === undefined ? undefined : validateNamePrefix(productionNamePrefix, PRODUCTION_NAME_PREFIX_FIELD),
        settingsFromRepository,
        commentRoleArn: commentRoleArnFrom(options, env),
        build,
    };
}

const PRODUCTION_NAME_PREFIX_FIELD = `--production-name-prefix (env ${RUNNER_ENVIRONMENT.productionNamePrefix})`;

const COMMENT_ROLE_FIELD = `--comment-role-arn (env ${RUNNER_ENVIRONMENT.pullRequestBotRoleArn})`;

function commentRoleArnFrom(options: ParsedOptions, env: Environment): string | undefined {
    const arn = optionOrEnv(options, "--comment-role-arn", env, RUNNER_ENVIRONMENT.pullRequestBotRoleArn);
    return arn === undefined ? undefined : validateRoleArn(arn, COMMENT_ROLE_FIELD);
}

const HISTORY_FIELD = `--history (env ${RUNNER_ENVIRONMENT.tuningHistoryUri})`;

function historyFrom(options: ParsedOptions, env: Environment): TuningHistoryLocation | undefined {
    const uri = optionOrEnv(options, "--history", env, RUNNER_ENVIRONMENT.tuningHistoryUri);
    return uri === undefined ? undefined : parseS3Uri(uri, HISTORY_FIELD);
}

function recordArgumentsFrom(options: ParsedOptions, env: Environment): RecordArguments {
    const history = historyFrom(options, env);
    if (history === undefined) throw InputError.invalid(HISTORY_FIELD, undefined, "s3://<bucket>/<prefix>, where pull requests find production's fingerprints");
    const flagCommit = options.get("--source-commit")?.[0];
    if (flagCommit !== undefined && !COMMIT_ID_RULE.pattern.test(flagCommit)) {
        throw new UsageError(`--source-commit must be ${COMMIT_ID_RULE.allowed}; got "${flagCommit}"`);
    }
    // CodePipeline passes its source revision here; anything but a commit id is left out.
    const revision = nonEmpty(env[CODEBUILD.sourceVersion]);
    return {
        terraformOutputsFile: required(options, "--terraform-outputs"),
        inputFile: options.get("--input")?.[0] ?? DEFAULT_INPUT_FILE,
        history,
        commit: flagCommit ?? (revision !== undefined && COMMIT_ID_RULE.pattern.test(revision) ? revision : undefined),
    };
}

const RETRY_SCHEDULE_FIELD = `--retry-schedule (env ${RUNNER_ENVIRONMENT.sweepSchedule})`;
const RETRY_OLDER_THAN_FIELD = `--retry-older-than (env ${RUNNER_ENVIRONMENT.pullRequestCopyTtlHours})`;

/**
 * `sweep`: what to remove is given by flags only, never by the environment. Every value is checked
 * here, before any AWS call: the prefixes (the protected one disjoint), the ages, the state URI
 * (never a whole bucket), the scheduled sweep's schedule, the pull request.
 */
function sweepArgumentsFrom(options: ParsedOptions, env: Environment, build: BuildContext): SweepArguments {
    const namePrefix = required(options, NAME_PREFIX_FIELD);
    const protectPrefix = options.get(PROTECT_PREFIX_FIELD)?.[0];
    validateSweepPrefixes(namePrefix, protectPrefix);
    const ownerWorkflow = options.get("--owner-workflow")?.[0];
    const stateUri = options.get("--state-uri")?.[0];
    const state = stateUri === undefined ? undefined : parseS3Uri(stateUri, "--state-uri");
    if (state !== undefined && state.prefix === "") {
        throw InputError.invalid("--state-uri", stateUri, "s3://<bucket>/<prefix> with a key prefix", "a sweep never removes every object of a bucket");
    }
    const schedule = optionOrEnv(options, "--retry-schedule", env, RUNNER_ENVIRONMENT.sweepSchedule);
    if (schedule !== undefined && !SCHEDULE_EXPRESSION_RULE.pattern.test(schedule)) throw InputError.invalid(RETRY_SCHEDULE_FIELD, schedule, SCHEDULE_EXPRESSION_RULE.allowed);
    const retryOlderThan = optionOrEnv(options, "--retry-older-than", env, RUNNER_ENVIRONMENT.pullRequestCopyTtlHours);
    return {
        namePrefix,
        ...(protectPrefix === undefined ? {} : { protectPrefix }),
        olderThanHours: wholeNumber(options, "--older-than", DEFAULT_OLDER_THAN_HOURS, 0, MAX_HOURS, "hours"),
        ...(ownerWorkflow === undefined ? {} : { ownerWorkflowArn: validateStateMachineArn(ownerWorkflow, "--owner-workflow") }),
        ...(state === undefined ? {} : { state }),
        dryRun: options.has("--dry-run"),
        reportFile: options.get("--report")?.[0] ?? DEFAULT_REPORT_FILE,
        scheduledSweep: {
            ...(schedule === undefined ? {} : { schedule }),
            ...(retryOlderThan === undefined ? {} : { olderThanHours: wholeNumberIn(retryOlderThan, RETRY_OLDER_THAN_FIELD, 1, MAX_HOURS, "hours") }),
        },
        pullRequest: pullRequestFrom(options, env),
        commentRoleArn: commentRoleArnFrom(options, env),
        build,
    };
}

function planCommentInputsFrom(options: ParsedOptions): Pick<PlanCommentArguments, "planFile" | "deployFailedUrl"> {
    const planFile = options.get("--plan")?.[0];
    const deployFailedUrl = options.get("--deploy-failed")?.[0];
    if (planFile === undefined && deployFailedUrl === undefined) {
        throw new UsageError("plan-comment needs --plan FILE, --deploy-failed URL, or both");
    }
    if (deployFailedUrl !== undefined && !/^https:\/\/[^\s()<>]+$/.test(deployFailedUrl)) {
        throw new UsageError(`--deploy-failed must be an https:// URL without spaces, parentheses or angle brackets (it becomes a Markdown link); got "${deployFailedUrl}"`);
    }
    return { planFile, deployFailedUrl };
}

/** `report --invocations-per-month N`: a traffic figure instead of production's (no AWS). */
function invocationsPerMonthFrom(options: ParsedOptions): number | undefined {
    const text = options.get(INVOCATIONS_PER_MONTH_FLAG)?.[0];
    if (text === undefined) return undefined;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value)) throw new UsageError(`${INVOCATIONS_PER_MONTH_FLAG} must be ${INVOCATIONS_PER_MONTH_RULE.allowed}; got "${text}"`);
    return value;
}

const INVOCATIONS_PER_MONTH_FLAG = "--invocations-per-month";

/** `report`'s sources; its other options say how to render one. */
const REPORT_SOURCE_FLAGS = ["--results", "--output", "--url"];

function reportSourceFrom(options: ParsedOptions): ReportSource {
    // In the order given, so that the message names them as typed.
    const given = [...options.keys()].filter((flag) => REPORT_SOURCE_FLAGS.includes(flag));
    if (given.length !== 1) {
        const what = given.length === 0 ? "none was given" : `got ${given.join(" and ")}`;
        throw new UsageError(`report needs exactly one of --results FILE, --output FILE or --url URL; ${what}`);
    }
    const value = options.get(given[0])![0];
    for (const flag of ["--strategy", "--name"]) {
        if (options.has(flag) && given[0] !== "--url") {
            throw new UsageError(`${flag} is for --url only: a link holds only the measurements, while ${given[0]}'s file says its own strategy and function names`);
        }
    }
    switch (given[0]) {
        case "--results":
            return { kind: "results", file: value };
        case "--output":
            return { kind: "output", file: value };
        default:
            return withoutUndefined({ kind: "url", url: value, strategy: reportStrategyFrom(options), name: reportNameFrom(options) });
    }
}

function reportStrategyFrom(options: ParsedOptions): Strategy | undefined {
    const strategy = options.get("--strategy")?.[0];
    if (strategy === undefined) return undefined;
    if (!(TUNING_STRATEGIES as readonly string[]).includes(strategy)) throw new UsageError(`--strategy must be one of ${TUNING_STRATEGIES.join(", ")}; got "${strategy}"`);
    return strategy as Strategy;
}

function reportNameFrom(options: ParsedOptions): string | undefined {
    const name = options.get("--name")?.[0];
    if (name !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new UsageError(`--name must be a function name, 1-64 letters, digits, '-' or '_'; got ${JSON.stringify(name)}`);
    return name;
}

function chartFileFrom(options: ParsedOptions): string | undefined {
    const file = options.get("--chart")?.[0];
    if (file !== undefined && !file.endsWith(".svg")) throw new UsageError(`--chart must name an .svg file (the chart is SVG); got "${file}"`);
    return file;
}

function buildContextFrom(env: Environment): BuildContext {
    return { buildId: nonEmpty(env[CODEBUILD.buildId]), buildUrl: nonEmpty(env[CODEBUILD.buildUrl]) };
}

const PULL_REQUEST_FIELDS = [
    { key: "repositoryName", flag: "--repository", variable: RUNNER_ENVIRONMENT.repositoryName, pattern: /^[\w.-]{1,100}$/, allowed: "1-100 letters, digits, '.', '_' or '-'" },
    { key: "pullRequestId", flag: "--pull-request-id", variable: RUNNER_ENVIRONMENT.pullRequestId, pattern: PULL_REQUEST_ID_RULE.pattern, allowed: PULL_REQUEST_ID_RULE.allowed },
    { key: "sourceCommit", flag: "--source-commit", variable: RUNNER_ENVIRONMENT.sourceCommit, ...COMMIT_ID_RULE },
    { key: "destinationCommit", flag: "--destination-commit", variable: RUNNER_ENVIRONMENT.destinationCommit, ...COMMIT_ID_RULE },
] as const;

/**
 * The pull request to comment on, or undefined when none is named. A repository alone
 * (REPOSITORY_NAME is set on every build of the PR project) does not name a pull request;
 * a PR id or either commit does, and then all four values are required. `requiredBy` names the
 * flag that cannot work without a pull request: then all four are required in any case.
 */
function pullRequestFrom(options: ParsedOptions, env: Environment, requiredBy?: string): PullRequestContext | undefined {
    const values = PULL_REQUEST_FIELDS.map((field) => optionOrEnv(options, field.flag, env, field.variable));
    const [, pullRequestId, sourceCommit, destinationCommit] = values;
    const named = pullRequestId !== undefined || sourceCommit !== undefined || destinationCommit !== undefined;
    if (!named && requiredBy === undefined) return undefined;
    const missing = PULL_REQUEST_FIELDS.filter((_, index) => values[index] === undefined);
    if (missing.length > 0) {
        const names = missing.map((field) => `${field.flag} (env ${field.variable})`).join(", ");
        const who = named ? "a pull request" : `${requiredBy} reads the pull request's commits, so it`;
        throw new UsageError(`${who} needs all four of --repository, --pull-request-id, --source-commit and --destination-commit; missing ${names}`);
    }
    PULL_REQUEST_FIELDS.forEach((field, index) => {
        if (!field.pattern.test(values[index]!)) {
            throw new UsageError(`${field.flag} must be ${field.allowed}; got "${values[index]}"`);
        }
    });
    if (sourceCommit === destinationCommit) {
        throw new UsageError(`--source-commit and --destination-commit are the same commit (${sourceCommit}); a pull request compares two different commits`);
    }
    return {
        repositoryName: values[0]!,
        pullRequestId: pullRequestId!,
        sourceCommit: sourceCommit!,
        destinationCommit: destinationCommit!,
    };
}

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
    const stateMachineArn = validateStateMachineArn(args.stateMachineArn, `--state-machine-arn (env ${RUNNER_ENVIRONMENT.stateMachineArn})`);
    const scope = functionScopeOf(stateMachineArn, args.allowedNamePrefix, args.pullRequest);
    const fromFlags = args.lambdaArnSpecs.map(parseLambdaArnSpec);
    for (const fn of fromFlags) checkFunctionInScope(scope, fn.arn, "--lambda-arn");
    const fromTerraform: TargetFunction[] =
        args.terraformOutputsFile === undefined || terraformOutputs === undefined
            ? []
            : functionsFromTerraformOutputs(parseJsonFile(terraformOutputs, args.terraformOutputsFile), args.terraformOutputsFile, (arn, origin) =>
                  checkFunctionInScope(scope, arn, origin),
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
        functions: functionsFromTerraformOutputs(parseJsonFile(files.terraformOutputs, args.terraformOutputsFile), args.terraformOutputsFile),
        input: parseTuningInput(files.input, args.inputFile),
        history: args.history,
        commit: args.commit,
    };
}
