// Entry point of dist/tuning-runner.js: argv → command → exit code. Commands that talk to AWS
// are loaded only when run, so `--help`, `--version` and `report` start without the SDK.
import { version } from "../../package.json";
import { parseCommandLine, UsageError, USAGE } from "./cli";

/** Exit codes of the CLI contract (issue 3). */
export const EXIT_OK = 0;
export const EXIT_TUNING_FAILED = 1;
export const EXIT_USAGE = 2;

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
    const command = parseCommandLine(argv, env);
    switch (command.kind) {
        case "help":
            process.stdout.write(USAGE);
            return EXIT_OK;
        case "version":
            process.stdout.write(`${version}\n`);
            return EXIT_OK;
        default:
            process.stderr.write(`${command.kind} is not available in this build yet\n`);
            return EXIT_TUNING_FAILED;
    }
}

function exitCodeForError(error: unknown): number {
    if (error instanceof UsageError) {
        process.stderr.write(`error: ${error.message}\nRun with --help for usage.\n`);
        return EXIT_USAGE;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_TUNING_FAILED;
}

main(process.argv.slice(2), process.env).then(
    (code) => (process.exitCode = code),
    (error: unknown) => (process.exitCode = exitCodeForError(error)),
);
