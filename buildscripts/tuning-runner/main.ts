// Entry point of dist/tuning-runner.js: argv → command → exit code. It reads the user's files,
// builds the run's AWS clients and runtime, dispatches to the command, turns errors into exit
// codes and a stop of the build (SIGTERM/SIGINT) into the command's stop signal.
import { PULL_REQUEST_EVENT_FIELDS, type PullRequestEvent, RUNNER_ENVIRONMENT } from "../contract";
import { awsClients, ensureRegion } from "./aws";
import type { AwsClients } from "./aws/ports";
import { parseCommandLine, recordRequestFrom, tuneRequestFrom, tuneTargetsFrom, type Command, type TuneArguments } from "./cli";
import { runDecideCopy } from "./commands/decideCopy";
import { runPlanComment } from "./commands/planComment";
import { runPullRequestFeedback } from "./commands/pullRequestFeedback";
import { runRecord } from "./commands/record";
import { runReport } from "./commands/report";
import { runSweep } from "./commands/sweep";
import type { Runtime } from "./commands/runtime";
import { runTune } from "./commands/tune";
import { copyNameFor, decisionSummary } from "./core/copyDecision";
import { copyAccountRoleFrom, type CopyAccountRole, HANDED_ON_FILES } from "./core/pullRequestSteps";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, InputError, UsageError } from "./core/errors";
import { DEFAULT_POLICY_FILE } from "./core/policy";
import type { TuneSettings } from "./core/settings";
import { buildLog, localFiles, sleep, type LocalFiles } from "./io";

/** What a run needs of the machine it runs on: the process's own here, an in-process one in tests. */
export interface Shell {
    readonly files: LocalFiles;
    /** The run's AWS clients; comments and approvals as `commentRoleArn` when given, the copies through `copyAccount`'s role when given. */
    readonly awsClients: (commentRoleArn: string | undefined, copyAccount?: CopyAccountRole) => AwsClients;
    /** Gives the AWS clients a region before the first call (aws/index.ts ensureRegion). */
    readonly ensureRegion: (arns: readonly string[], from: string) => Promise<void>;
    /** The runtime of a command that does not stop early: its signal never aborts. */
    readonly runtime: Runtime;
    /**
     * A signal that aborts when the build is stopped, for as long as `run` takes; the stop is
     * announced in the log with `announcement`. Without it a stop ends the process at once.
     */
    readonly untilStopped: <T>(announcement: string, run: (signal: AbortSignal) => Promise<T>) => Promise<T>;
    /** Where usage and error messages go (stderr). */
    readonly printError: (text: string) => void;
}

/** Runs one command line: argv (without `node script`) and the environment. Returns the exit code. */
export async function runCommandLine(
    argv: readonly string[],
    env: Readonly<Record<string, string | undefined>>,
    shell: Shell,
): Promise<number> {
    try {
        return await dispatch(parseCommandLine(argv, env), env, shell);
    } catch (error) {
        if (error instanceof UsageError || error instanceof InputError) {
            shell.printError(`error: ${error.message}\nRun with --help for usage.\n`);
            return EXIT_USAGE;
        }
        shell.printError(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        return EXIT_FAILED;
    }
}

async function dispatch(command: Command, env: Readonly<Record<string, string | undefined>>, shell: Shell): Promise<number> {
    const { files, runtime } = shell;
    switch (command.kind) {
        case "help":
            runtime.print(command.text);
            return EXIT_OK;
        case "tune": {
            const { args } = command;
            // The functions are checked before any AWS call at all, since the settings may come from CodeCommit.
            const terraformOutputs =
                args.terraformOutputsFile === undefined ? undefined : files.read(args.terraformOutputsFile, "--terraform-outputs");
            const targets = tuneTargetsFrom(args, terraformOutputs);
            files.checkWritable(args.resultsFile, "--results");
            if (args.chartFile !== undefined) files.checkWritable(args.chartFile, "--chart");
            await shell.ensureRegion([targets.stateMachineArn], "--state-machine-arn");
            // The command line refuses --settings-from-repository without a pull request.
            const settings: Parameters<typeof tuneRequestFrom>[2] =
                args.settingsFromRepository && args.pullRequest !== undefined
                    ? { from: "repository", paths: args, pullRequest: args.pullRequest }
                    : { from: "files", read: localSettings(files, args) };
            const request = tuneRequestFrom(args, targets, settings);
            const clients = shell.awsClients(args.commentRoleArn, copyAccountRoleFrom(env));
            return shell.untilStopped(`stopping running executions, then writing ${request.resultsFile}`, (signal) =>
                runTune(request, clients, { ...runtime, signal }),
            );
        }
        case "plan-comment": {
            const { args } = command;
            const plan = args.planFile === undefined ? undefined : { name: args.planFile, text: files.read(args.planFile, "--plan") };
            if (args.pullRequest !== undefined) await shell.ensureRegion([], "the pull request");
            await runPlanComment({ ...args, plan }, shell.awsClients(args.commentRoleArn), runtime);
            return EXIT_OK;
        }
        case "report": {
            const { source } = command;
            const flag = source.kind === "results" ? "--results" : "--output";
            if (command.chartFile !== undefined) files.checkWritable(command.chartFile, "--chart");
            const traffic = { invocationsPerMonth: command.invocationsPerMonth };
            runReport(
                source.kind === "url"
                    ? { ...source, ...traffic }
                    : { kind: source.kind, file: { name: source.file, text: files.read(source.file, flag) }, ...traffic },
                runtime,
                command.chartFile,
            );
            return EXIT_OK;
        }
        case "decide-copy": {
            await shell.ensureRegion([], "the pull request");
            const { decision, exitCode } = await runDecideCopy(command.request, shell.awsClients(command.commentRoleArn), runtime);
            runtime.print(`${JSON.stringify(decisionSummary(decision))}\n`);
            return exitCode;
        }
        case "record": {
            const { args } = command;
            const request = recordRequestFrom(args, {
                input: files.read(args.inputFile, "--input"),
                terraformOutputs: files.read(args.terraformOutputsFile, "--terraform-outputs"),
            });
            await shell.ensureRegion(
                request.functions.map((fn) => fn.arn),
                "--terraform-outputs",
            );
            return runRecord(request, shell.awsClients(undefined), runtime);
        }
        case "sweep": {
            const { args } = command;
            files.checkWritable(args.reportFile, "--report");
            // No ARN names a region here: the AWS configuration must.
            await shell.ensureRegion([], "the AWS configuration");
            return runSweep(args, shell.awsClients(args.commentRoleArn, copyAccountRoleFrom(env)), runtime);
        }
        case "pull-request-feedback": {
            const { request } = command;
            const commandLines = {
                check: (argv: readonly string[]) => void parseCommandLine(argv, env),
                run: (argv: readonly string[]) => dispatch(parseCommandLine(argv, env), env, shell),
            };
            files.checkWritable(request.resultsFile, "--results");
            for (const file of HANDED_ON_FILES) files.checkWritable(`${request.deployFilesDirectory}/${file}`, "--deploy-files");
            await shell.ensureRegion([], "the AWS configuration");
            return runPullRequestFeedback(request, shell.awsClients(undefined, copyAccountRoleFrom(env)), runtime, commandLines);
        }
    }
}

/** Local files: --input always, --policy when given, the *.tf files of --terraform-dir. */
function localSettings(files: LocalFiles, args: TuneArguments): TuneSettings {
    return {
        input: { name: args.inputFile, text: files.read(args.inputFile, "--input") },
        policy: args.policyFile === undefined ? undefined : { name: args.policyFile, text: files.read(args.policyFile, "--policy") },
        policyFile: args.policyFile ?? DEFAULT_POLICY_FILE,
        terraformFiles: files.terraformFiles(args.terraformDirectory, "--terraform-dir"),
    };
}

/** The process as a shell: its working directory, the SDK's clients, stdout (or `print`), stderr and its signals. */
function processShell(print: (text: string) => void = (text) => process.stdout.write(text)): Shell {
    const files = localFiles(process.cwd());
    return {
        files,
        awsClients,
        ensureRegion: (arns, from) => ensureRegion(arns, from, buildLog),
        runtime: {
            now: Date.now,
            sleep,
            log: buildLog,
            signal: new AbortController().signal,
            print,
            writeFile: (path, content) => files.writeAtomically(path, content),
        },
        async untilStopped(announcement, run) {
            const stopped = new AbortController();
            // CodeBuild stops a build with SIGTERM; a second signal ends the process at once.
            const onSignal = (signal: NodeJS.Signals): void => {
                if (stopped.signal.aborted) process.exit(EXIT_FAILED);
                buildLog(`${signal}: ${announcement}`);
                stopped.abort();
            };
            process.on("SIGTERM", onSignal);
            process.on("SIGINT", onSignal);
            try {
                return await run(stopped.signal);
            } finally {
                process.off("SIGTERM", onSignal);
                process.off("SIGINT", onSignal);
            }
        },
        printError: (text) => process.stderr.write(text),
    };
}

/**
 * The Lambda entry of the same bundle: `decide-copy` for the pull request the workflow names (its
 * event is the workflow's input), with the rest of its settings (repository, globs, history, bot)
 * from the function's environment, as a build's come from its project's. The decision, with the
 * copy's name prefix, is returned to the workflow; anything but a clean run throws, and the
 * workflow then deploys nothing (it cannot confine a copy it has no name for).
 */
export async function handler(event: PullRequestEvent): Promise<ReturnType<typeof decisionSummary> & { copyNamePrefix: string }> {
    const invalid = PULL_REQUEST_EVENT_FIELDS.find((field) => typeof event?.[field] !== "string");
    if (invalid !== undefined)
        throw new UsageError(
            `the event's ${invalid} is ${JSON.stringify(event?.[invalid])}; allowed: a string, as the pull-request workflow passes it`,
        );
    const copyName = copyNameFor(process.env[RUNNER_ENVIRONMENT.pullRequestNamePrefix], event);
    const argv = [
        "decide-copy",
        "--pull-request-id",
        event.pullRequestId,
        "--source-commit",
        event.sourceCommit,
        "--destination-commit",
        event.destinationCommit,
    ];
    let printed = "";
    const code = await runCommandLine(
        argv,
        process.env,
        processShell((text) => {
            printed += text;
        }),
    );
    if (code !== EXIT_OK) throw new Error(`decide-copy ended with exit code ${code}; see the log above`);
    return { ...JSON.parse(printed.trim().split("\n").at(-1)!), copyNamePrefix: copyName };
}

if (require.main === module) {
    void runCommandLine(process.argv.slice(2), process.env, processShell()).then((code) => (process.exitCode = code));
}
