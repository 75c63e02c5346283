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

/** `Name: message` of an error, for log lines and comments. */
export function describeError(error: unknown): string {
    return `${(error as Error).name}: ${(error as Error).message}`;
}
