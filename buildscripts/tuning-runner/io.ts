// The process-level effects the shell shares: the user's files, written whole or not at all,
// the build log, and abortable waits.
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "./core/errors";
import type { TerraformFile } from "./core/terraformMemory";

/** One line in the build log (stderr, so stdout stays clean Markdown), with the time it was written. */
export function buildLog(message: string): void {
    process.stderr.write(`${new Date().toISOString()} ${message}\n`);
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

/**
 * The files a run reads and writes, by the paths the user typed: relative ones are taken from
 * `directory` (the working directory), and every message names the path as typed and the flag
 * that gave it, so the user knows which option to fix. Problems are usage errors (exit 2).
 */
export interface LocalFiles {
    /** The file's text. */
    read(path: string, flag: string): string;
    /** The `*.tf` files directly in `directory` (modules in subdirectories are not read). */
    terraformFiles(directory: string, flag: string): TerraformFile[];
    /**
     * Fails when `path` could not be written: checked before any execution starts, so a typo in
     * --results never costs a tuning run whose results then have nowhere to go. It tries what
     * writeAtomically will do (create the temporary file next to `path`), because permission bits
     * alone do not say it: root passes every access() check, yet cannot create a file in /sys or
     * on a read-only mount.
     */
    checkWritable(path: string, flag: string): void;
    /**
     * Writes via a temporary file and a rename, so a killed build never leaves half a file; when
     * either step fails the temporary file is removed, so a failed write leaves nothing behind.
     */
    writeAtomically(path: string, content: string): void;
}

export function localFiles(directory: string): LocalFiles {
    const at = (path: string) => resolve(directory, path);
    const read = (path: string, flag: string): string => {
        try {
            return readFileSync(at(path), "utf8");
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === "EISDIR") throw new UsageError(`${flag}: "${path}" is a directory; name a file`);
            const reason = code === "ENOENT" ? "no such file" : (error as Error).message;
            throw new UsageError(`${flag}: cannot read "${path}": ${reason}`);
        }
    };
    return {
        read,
        terraformFiles(folder, flag) {
            let names: string[];
            try {
                names = readdirSync(at(folder))
                    .filter((name) => name.endsWith(".tf"))
                    .sort();
            } catch (error) {
                throw new UsageError(`${flag}: cannot read directory "${folder}": ${(error as Error).message}`);
            }
            return names.map((name) => ({ path: name, text: read(join(folder, name), flag) }));
        },
        checkWritable(path, flag) {
            if (isDirectory(at(path))) throw new UsageError(`${flag}: "${path}" is a directory; name a file`);
            const temporary = temporaryPathFor(at(path));
            try {
                writeFileSync(temporary, "");
            } catch (error) {
                throw new UsageError(
                    `${flag}: cannot write "${path}": ${withoutTemporaryName(error as Error, temporary, at(path)).message}`,
                );
            }
            rmSync(temporary, { force: true });
        },
        writeAtomically(path, content) {
            const temporary = temporaryPathFor(at(path));
            try {
                writeFileSync(temporary, content);
                renameSync(temporary, at(path));
            } catch (error) {
                rmSync(temporary, { force: true });
                throw withoutTemporaryName(error as Error, temporary, at(path));
            }
        },
    };
}

function isDirectory(path: string): boolean {
    try {
        return statSync(path).isDirectory();
    } catch {
        return false;
    }
}

/** The error with the file's own name where it named the temporary file, which the user never asked for. */
function withoutTemporaryName(error: Error, temporary: string, path: string): Error {
    error.message = error.message.split(temporary).join(path);
    return error;
}

function temporaryPathFor(path: string): string {
    return `${path}.${process.pid}.tmp`;
}
