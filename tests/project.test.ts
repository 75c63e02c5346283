// Checks on the project as a whole. The type check runs as a test, not as a step before the
// suite, so that in mocha's parallel mode its compiler time overlaps the integration tests'
// waiting instead of adding to it.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(__dirname, "..");

/** Every `*.test.ts` below tests/, found by walking the tree (not by the globs under test). */
function testFiles(directory: string): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) return testFiles(path);
        return entry.name.endsWith(".test.ts") ? [relative(ROOT, path)] : [];
    });
}

describe("the project", () => {
    it("type-checks under the strict tsconfig (tsc --noEmit)", async function () {
        this.timeout(180_000);
        const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
        const errors = await new Promise<string>((resolve) => {
            execFile(process.execPath, [tsc, "--noEmit", "-p", ROOT], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
                resolve(error ? `${stdout}${stderr}`.trim() || String(error) : ""),
            );
        });
        assert.equal(errors, "", `tsc reported:\n${errors}`);
    });

    it("runs on the Node.js that package.json's engines field requires (the CodeBuild runtime, 22)", () => {
        const { engines } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
        const required = Number(/^>=(\d+)$/.exec(engines.node)?.[1]);
        assert.ok(required >= 22, `engines.node is ${engines.node}`);
        assert.ok(Number(process.versions.node.split(".")[0]) >= required, `Node ${process.version} runs the suite; engines.node is ${engines.node}`);
    });

    // .mocharc.json lists the slow files first so parallel workers start them early; mocha neither
    // de-duplicates overlapping globs nor warns about files no glob matches, so this does.
    it("runs every test file exactly once: the spec globs cover tests/ without overlap", () => {
        // mocha's own expansion, so the check means what mocha will do
        // (a plain file path comes back as a string, a glob as a list)
        const lookupFiles: (pattern: string, extensions: string[], recursive: boolean) => string | string[] = require("mocha/lib/cli/lookup-files");
        const { spec } = require(join(ROOT, ".mocharc.json")) as { spec: string[] };
        const matched = spec.flatMap((pattern) => ([] as string[]).concat(lookupFiles(join(ROOT, pattern), ["ts"], false)).map((file) => relative(ROOT, file)));
        const duplicated = matched.filter((file, index) => matched.indexOf(file) !== index);
        assert.deepEqual(duplicated, [], "matched by more than one spec glob");
        assert.deepEqual([...matched].sort(), testFiles(join(ROOT, "tests")).sort());
    });
});
