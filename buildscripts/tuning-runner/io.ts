// The few process-level effects the shell shares: the build log, files, abortable waits.
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import { join } from "path";
import { UsageError } from "./cli";

/** One line in the build log (stderr, so stdout stays clean Markdown). */
export type Log = (message: string) => void;

export const buildLog: Log = (message) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

/**
 * Reads a file the user named with `flag`. A missing or unreadable file is a usage error
 * (exit 2) that names the flag, so the user knows which option to fix.
 */
export function readNamedFile(path: string, flag: string): string {
    try {
        return readFileSync(path, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EISDIR") throw new UsageError(`${flag}: "${path}" is a directory; name a file`);
        const reason = code === "ENOENT" ? "no such file" : (error as Error).message;
        throw new UsageError(`${flag}: cannot read "${path}": ${reason}`);
    }
}

/** The `*.tf` files directly in `directory` (modules in subdirectories are not read). An unreadable directory is a usage error naming `flag`. */
export function readTerraformFiles(directory: string, flag: string): Array<{ path: string; text: string }> {
    let names: string[];
    try {
        names = readdirSync(directory).filter((name) => name.endsWith(".tf")).sort();
    } catch (error) {
        throw new UsageError(`${flag}: cannot read directory "${directory}": ${(error as Error).message}`);
    }
    return names.map((name) => ({ path: name, text: readNamedFile(join(directory, name), flag) }));
}

/**
 * Fails (usage error, exit 2) when `path` could not be written: checked before any execution
 * starts, so a typo in --results never costs a tuning run whose results then have nowhere to go.
 * It tries what writeFileAtomically will do (create the temporary file next to `path`), because
 * permission bits alone do not say it: root passes every access() check, yet cannot create a
 * file in /sys or on a read-only mount.
 */
export function checkWritable(path: string, flag: string): void {
    if (isDirectory(path)) {
        throw new UsageError(`${flag}: "${path}" is a directory; name a file`);
    }
    const temporary = temporaryPathFor(path);
    try {
        writeFileSync(temporary, "");
    } catch (error) {
        throw new UsageError(`${flag}: cannot write "${path}": ${(error as Error).message}`);
    }
    rmSync(temporary, { force: true });
}

function isDirectory(path: string): boolean {
    try {
        return statSync(path).isDirectory();
    } catch {
        return false;
    }
}

function temporaryPathFor(path: string): string {
    return `${path}.${process.pid}.tmp`;
}

/**
 * Writes via a temporary file and a rename, so a killed build never leaves half a file; when
 * either step fails the temporary file is removed, so a failed write leaves nothing behind.
 */
export function writeFileAtomically(path: string, content: string): void {
    const temporary = temporaryPathFor(path);
    try {
        writeFileSync(temporary, content);
        renameSync(temporary, path);
    } catch (error) {
        rmSync(temporary, { force: true });
        throw error;
    }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, { once: true });
        function done(): void {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            resolve();
        }
    });
}

/** What an HTTP response said that was not an AWS API answer. */
export interface UnexpectedResponse {
    readonly statusCode: number;
    readonly contentType: string;
    readonly body: string;
}

// Kept per response object by the AWS clients (aws.ts), which see the body before the SDK fails
// to parse it; the SDK's error then carries the same object as its hidden `$response`.
const unexpectedResponses = new WeakMap<object, UnexpectedResponse>();

export function rememberUnexpectedResponse(response: object, seen: UnexpectedResponse): void {
    unexpectedResponses.set(response, seen);
}

const BODY_START_CHARACTERS = 200;

/**
 * An error as a name and a detail, for log lines, comments and the results file. When the SDK
 * failed because the answer was not from AWS at all (an HTML page from a proxy or a firewall,
 * or a wrong endpoint), the detail gives the HTTP status and the start of the body instead of
 * the SDK's "inspect the hidden field $response".
 */
export function explainError(error: unknown): { name: string; detail: string } {
    const { name, message, $response } = (error ?? {}) as { name?: string; message?: string; $response?: unknown };
    const seen = typeof $response === "object" && $response !== null ? unexpectedResponses.get($response) : undefined;
    if (seen === undefined) return { name: name || "Error", detail: message ?? String(error) };
    const text = seen.body.replace(/\s+/g, " ").trim();
    const start = text === "" ? "an empty body" : `a body starting ${JSON.stringify(text.length > BODY_START_CHARACTERS ? `${text.slice(0, BODY_START_CHARACTERS)}…` : text)}`;
    return {
        name: "NotAnAwsResponse",
        detail:
            `HTTP ${seen.statusCode} (${seen.contentType || "no content type"}) with ${start}: not an answer from the AWS API; ` +
            "a proxy or firewall in between, or a wrong endpoint (check HTTPS_PROXY and AWS_ENDPOINT_URL_*)",
    };
}

/** `Name: detail` of an error (see explainError). */
export function describeError(error: unknown): string {
    const { name, detail } = explainError(error);
    return `${name}: ${detail}`;
}
