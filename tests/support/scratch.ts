// Temporary folders for tests, removed when the test process exits (a mocha worker exits once
// its files are done): a spec takes one per run and never has to clean up after itself, and the
// machine's temporary directory is left as it was found.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const created: string[] = [];

process.once("exit", () => {
    for (const directory of created) rmSync(directory, { recursive: true, force: true });
});

/** A new empty folder under the system's temporary directory, named `<prefix>…`. */
export function scratchDirectory(prefix: string): string {
    const directory = mkdtempSync(join(tmpdir(), prefix));
    created.push(directory);
    return directory;
}
