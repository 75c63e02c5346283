// The Node.js version guard, run as a user on Node 20 meets it: every entry point stops once, with
// the way out, before it loads or creates anything.
import * as assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const OLD_NODE = join(ROOT, "tests", "support", "old-node.js");
const MESSAGE = "lambda-power-tuned needs Node.js 22+ (this is v20.18.0): `nvm use`, or run `.ci/run`, which fetches it.\n";

/** Runs `node ARGS` in `cwd` as if the machine's Node.js were 20.18.0. */
function onNode20(args: string[], cwd = ROOT): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, args, {
        cwd,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, NODE_OPTIONS: `--require ${OLD_NODE}`, npm_config_loglevel: "error", npm_config_update_notifier: "false" },
    });
}

/** npm's own entry script, when the suite was started by npm (npm test, npm run test:one). */
const npmCli = process.env.npm_execpath?.endsWith(".js") ? process.env.npm_execpath : undefined;

describe("buildscripts/requireNode.js, the Node.js version guard", () => {
    it("lets Node 22 through without a word", () => {
        const run = spawnSync(process.execPath, [join(ROOT, "buildscripts", "requireNode.js")], { encoding: "utf8" });
        assert.equal(run.status, 0);
        assert.equal(run.stderr, "");
    });

    it("stops the Pulumi program (index.ts) on Node 20 before it loads Pulumi or reads the config", () => {
        const run = onNode20(["--require", "ts-node/register/transpile-only", "index.ts"]);
        assert.equal(run.status, 1);
        assert.equal(run.stderr, MESSAGE);
        assert.equal(run.stdout, "");
    });

    it("stops mocha with the project's configuration on Node 20 before any spec file is loaded", () => {
        const run = onNode20([join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), "tests/project.test.ts"]);
        assert.equal(run.status, 1);
        assert.equal(run.stderr, MESSAGE);
        assert.doesNotMatch(run.stdout, /passed|passing|the project/);
    });

    it("stops `npm test` on Node 20 in its pretest step, before the runner is bundled", function () {
        if (npmCli === undefined) this.skip(); // started without npm: no npm of this Node to run
        const run = onNode20([npmCli!, "test"]);
        assert.notEqual(run.status, 0);
        assert.ok(run.stderr.includes(MESSAGE), run.stderr);
        assert.doesNotMatch(run.stdout, /npm run build|bundle\.ts/);
    });

    it("stops `npm ci` on Node 20 before it installs anything (engine-strict), naming the Node it needs", function () {
        if (npmCli === undefined) this.skip();
        const clone = mkdtempSync(join(tmpdir(), "lambda-power-tuned-npm-ci-"));
        try {
            for (const file of ["package.json", "package-lock.json", ".npmrc"]) copyFileSync(join(ROOT, file), join(clone, file));
            const run = onNode20([npmCli!, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], clone);
            assert.notEqual(run.status, 0);
            assert.match(run.stderr, /EBADENGINE/);
            assert.match(run.stderr, /Required: \{"node":">=22"\}/);
            assert.equal(existsSync(join(clone, "node_modules")), false, "npm ci installed before it stopped");
        } finally {
            rmSync(clone, { recursive: true, force: true });
        }
    });

    it("asks for the same Node.js everywhere: engines, .nvmrc, .node-version", () => {
        const { engines } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
        assert.equal(engines.node, ">=22");
        assert.equal(readFileSync(join(ROOT, ".nvmrc"), "utf8"), "22\n");
        assert.equal(readFileSync(join(ROOT, ".node-version"), "utf8"), "22\n");
    });
});
