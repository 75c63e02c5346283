// The runner's own files: the results file is written whole or not at all, and a path it
// cannot write is refused before any tuning starts.
import * as assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../../buildscripts/tuning-runner/core/errors";
import { localFiles } from "../../../buildscripts/tuning-runner/io";
import { scratchDirectory } from "../../support/scratch";

const scratch = () => scratchDirectory("runner-files-");

describe("runner files", () => {
    describe("writing the results file", () => {
        it("replaces the file whole", () => {
            const directory = scratch();
            const file = join(directory, "results.json");
            localFiles(directory).writeAtomically("results.json", "first");
            localFiles(directory).writeAtomically("results.json", "second");
            assert.equal(readFileSync(file, "utf8"), "second");
            assert.deepEqual(readdirSync(directory), ["results.json"]);
        });

        it("removes its temporary file when the rename fails, leaving the directory as it was", () => {
            const directory = scratch();
            mkdirSync(join(directory, "results.json"));
            assert.throws(() => localFiles(directory).writeAtomically("results.json", "{}"), /EISDIR|ENOTEMPTY|EEXIST/);
            assert.deepEqual(readdirSync(directory), ["results.json"]);
        });
    });

    describe("checking that the results file can be written", () => {
        const refused = (path: string, pattern: RegExp) =>
            assert.throws(
                () => localFiles(scratch()).checkWritable(path, "--results"),
                (error: Error) => error instanceof UsageError && pattern.test(error.message),
            );

        it("accepts a new file in a writable directory and leaves nothing behind", () => {
            const directory = scratch();
            localFiles(directory).checkWritable("results.json", "--results");
            assert.deepEqual(readdirSync(directory), []);
        });

        it("refuses a directory, naming the flag", () => {
            const directory = scratch();
            refused(directory, new RegExp(`^--results: "${directory}" is a directory; name a file$`));
        });

        it("refuses a place where no file can be created, even for root", () => {
            refused("/sys/power-tuning-results.json", /^--results: cannot write "\/sys\/power-tuning-results\.json": E(ACCES|ROFS|PERM)/);
            refused(join(scratch(), "missing", "results.json"), /cannot write ".*missing\/results\.json": ENOENT/);
        });

        it("names the file the user gave, never the temporary file it tried", () => {
            refused(
                "/nonexistent/dir/r.json",
                /^--results: cannot write "\/nonexistent\/dir\/r\.json": ENOENT: no such file or directory, open '\/nonexistent\/dir\/r\.json'$/,
            );
            const directory = scratch();
            mkdirSync(join(directory, "results.json"));
            assert.throws(
                () => localFiles(directory).writeAtomically("results.json", "{}"),
                (error: Error) => !/\.tmp/.test(error.message) && error.message.includes(join(directory, "results.json")),
            );
        });
    });
});
