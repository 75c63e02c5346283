// The runner's errors, how they are worded, and the exit codes they end a run with (functional
// core). Usage and input errors are the user's to fix and end the run with exit code 2 before
// anything was started; any other error is reported by its name and message.

/** Exit codes of the CLI contract. */
export const EXIT_OK = 0;
/** A tuning failed, timed out or was aborted, the run was interrupted, or an AWS call failed. */
export const EXIT_FAILED = 1;
/** A usage or input error: nothing was started. */
export const EXIT_USAGE = 2;

/** A mistake in how the runner was invoked. Exit code 2; nothing was started. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** Bad user input (a file, a flag's value). Exit code 2: nothing was started. */
export class InputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InputError";
    }

    static invalid(field: string, value: unknown, allowed: string, reason?: string): InputError {
        return new InputError(describeInvalid(field, value, allowed, reason));
    }
}

/** `<field> is <value> (<reason>); allowed: <allowed>` — the one shape of every input message. */
export function describeInvalid(field: string, value: unknown, allowed: string, reason?: string): string {
    return `${field} is ${excerpt(value)}${reason ? ` (${reason})` : ""}; allowed: ${allowed}`;
}

/** The longest value a message shows whole: enough for an ARN or a URL, not a whole file. */
const EXCERPT_CHARACTERS = 200;

/** A value as JSON, or its start and its size when it is longer than a message should carry. */
function excerpt(value: unknown): string {
    if (value === undefined) return "missing";
    const json = JSON.stringify(value);
    if (json.length <= EXCERPT_CHARACTERS) return json;
    return `${json.slice(0, EXCERPT_CHARACTERS)}… (${json.length.toLocaleString("en-US")} characters in all)`;
}

/**
 * `Name: message` of anything thrown, for log lines, comments and the results file. The AWS
 * clients hand every failure on as an Error whose name says what failed (the service's error
 * code, or NotAnAwsResponse when something else answered).
 */
export function describeError(error: unknown): string {
    const { name, message } = error instanceof Error ? error : { name: "Error", message: String(error) };
    return `${name || "Error"}: ${message}`;
}
