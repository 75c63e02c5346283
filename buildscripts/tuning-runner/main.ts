// Entry point of dist/tuning-runner.js: argv → command → exit code. Modules that load the AWS
// SDK are imported only by the commands that call AWS, so `--help`, `--version` and `report`
// start without it.
import { version } from "../../package.json";
import { EXIT_OK, EXIT_TUNING_FAILED, EXIT_USAGE, parseCommandLine, recordRequestFrom, tuneTargetsFrom, tuningRequestFrom, UsageError, USAGE, type Command } from "./cli";
import { describeLambdaConcurrency, InputError } from "./input";
import { buildLog, checkWritable, explainError, readNamedFile } from "./io";
import { parsePolicy } from "./policy";
import { settingsFromFiles, settingsFromRepository } from "./tuneSettings";

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
            const { ensureRegion } = await import("./aws");
            await ensureRegion([targets.stateMachineArn], "--state-machine-arn", buildLog);
            // The command line refuses --settings-from-repository without a pull request.
            const settings =
                args.settingsFromRepository && args.pullRequest !== undefined
                    ? await settingsFromRepository(args, args.pullRequest, (await import("./aws")).repositoryFilesClient())
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
            const { runTune } = await import("./tune");
            return runTune(request, args.build, gate);
        }
        case "plan-comment": {
            if (command.args.pullRequest !== undefined) {
                const { ensureRegion } = await import("./aws");
                await ensureRegion([], "the pull request", buildLog);
            }
            const { runPlanComment } = await import("./planComment");
            await runPlanComment(command.args);
            return EXIT_OK;
        }
        case "report": {
            const { reportMarkdown } = await import("./report");
            process.stdout.write(`${reportMarkdown(command.source).trimEnd()}\n`);
            return EXIT_OK;
        }
        case "record": {
            const { args } = command;
            const request = recordRequestFrom(args, {
                input: readNamedFile(args.inputFile, "--input"),
                terraformOutputs: readNamedFile(args.terraformOutputsFile, "--terraform-outputs"),
            });
            const { ensureRegion } = await import("./aws");
            await ensureRegion(request.functions.map((fn) => fn.arn), "--terraform-outputs", buildLog);
            const { runRecord } = await import("./tuningHistory");
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
