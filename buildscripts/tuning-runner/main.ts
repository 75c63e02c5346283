// Entry point of dist/tuning-runner.js: argv → command → exit code.
import { version } from "../../package.json";
import { ensureRegion, repositoryFilesClient } from "./aws";
import { EXIT_OK, EXIT_TUNING_FAILED, EXIT_USAGE, parseCommandLine, recordRequestFrom, tuneTargetsFrom, tuningRequestFrom, UsageError, USAGE, type Command } from "./cli";
import { describeLambdaConcurrency, InputError } from "./core/input";
import { buildLog, checkWritable, explainError, readNamedFile } from "./io";
import { runPlanComment } from "./commands/planComment";
import { parsePolicy } from "./core/policy";
import { reportMarkdown } from "./commands/report";
import { runTune } from "./commands/tune";
import { runRecord } from "./commands/tuningHistoryStore";
import { settingsFromFiles, settingsFromRepository } from "./commands/tuneSettings";

async function run(command: Command): Promise<number> {
    switch (command.kind) {
        case "help":
            process.stdout.write(USAGE);
            return EXIT_OK;
        case "version":
            process.stdout.write(`${version}\n`);
            return EXIT_OK;
        case "tune": {
            const { args } = command;
            // Everything is read and validated here, before the first tuning starts; the functions
            // before any AWS call at all, since the settings may come from CodeCommit.
            const terraformOutputs = args.terraformOutputsFile === undefined ? undefined : readNamedFile(args.terraformOutputsFile, "--terraform-outputs");
            const targets = tuneTargetsFrom(args, terraformOutputs);
            checkWritable(args.resultsFile, "--results");
            await ensureRegion([targets.stateMachineArn], "--state-machine-arn", buildLog);
            // The command line refuses --settings-from-repository without a pull request.
            const settings =
                args.settingsFromRepository && args.pullRequest !== undefined
                    ? await settingsFromRepository(args, args.pullRequest, repositoryFilesClient())
                    : settingsFromFiles(args);
            const request = tuningRequestFrom(args, targets, settings.input);
            const gate = {
                policyFile: settings.policyFile,
                policy: settings.policy === undefined ? undefined : parsePolicy(settings.policy.text, settings.policy.name),
                policyCommit: settings.commit,
                terraformFiles: settings.terraformFiles,
            };
            const concurrency = describeLambdaConcurrency(request.input, Math.min(request.concurrency, request.functions.length));
            if (concurrency !== undefined) buildLog(concurrency);
            return runTune(request, args.build, gate);
        }
        case "plan-comment": {
            if (command.args.pullRequest !== undefined) {
                await ensureRegion([], "the pull request", buildLog);
            }
            await runPlanComment(command.args);
            return EXIT_OK;
        }
        case "report": {
            process.stdout.write(`${reportMarkdown(command.source).trimEnd()}\n`);
            return EXIT_OK;
        }
        case "record": {
            const { args } = command;
            const request = recordRequestFrom(args, {
                input: readNamedFile(args.inputFile, "--input"),
                terraformOutputs: readNamedFile(args.terraformOutputsFile, "--terraform-outputs"),
            });
            await ensureRegion(request.functions.map((fn) => fn.arn), "--terraform-outputs", buildLog);
            return runRecord(request);
        }
    }
}

function exitCodeForError(error: unknown): number {
    if (error instanceof UsageError || error instanceof InputError) {
        process.stderr.write(`error: ${error.message}\nRun with --help for usage.\n`);
        return EXIT_USAGE;
    }
    process.stderr.write(`error: ${explainError(error).detail}\n`);
    return EXIT_TUNING_FAILED;
}

Promise.resolve()
    .then(() => run(parseCommandLine(process.argv.slice(2), process.env)))
    .then(
        (code) => (process.exitCode = code),
        (error: unknown) => (process.exitCode = exitCodeForError(error)),
    );
