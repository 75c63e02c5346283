// The type check runs as a test, not as a step before the suite, so that in mocha's parallel
// mode its ~20 s of compiler time overlaps the integration tests' waiting instead of adding to it.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..");

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
});
