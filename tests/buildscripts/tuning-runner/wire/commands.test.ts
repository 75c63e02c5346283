// The bundle's own commands and the process around them: the built bundle as a child process — the
// report offline with no AWS configuration at all, --help and --version, plan-comment without a
// region, and the bundle installed by npm as the `tuning-runner` command.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { RUNNER_BUNDLE_PATH } from "../../../../buildscripts/bundle";
import { readFixtureText } from "../../../fixtures";
import type { FakeAws } from "../../../support/fake-aws";
import { freshFakeAwsForEachTest, RunnerWorkspace, runnerBundle } from "../../../support/runner-workspace";
import { PULL_REQUEST_FLAGS, tableRows } from "../../../support/tune-scenario";
import { scratchDirectory } from "../../../support/scratch";
import { REPOSITORY_ROOT } from "../../../support/paths";

const ORIGINAL_DESIGN_URL = "https://lambda-power-tuning.show/#gAAAAQACAAQ=;AAAAQAAAAEAAAABAAAAAQA==;b6VpMW+l6TFvpWkyb6XpMg==";
const PLAN = readFixtureText("terraform/plan-add-update-replace-delete.json");
/** Nothing AWS at all: no region, no credentials, no endpoints, no config files. */
const OFFLINE_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: "/nonexistent" };

describe("the bundled runner as a program", function () {
    this.timeout(30_000);
    before(() => runnerBundle());

    describe("plan-comment", () => {
        let fake: FakeAws;
        freshFakeAwsForEachTest((started) => (fake = started));

        it("exits 2 before any request when no region is configured: a pull request names none", async () => {
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            const run = await work.run(
                ["plan-comment", "--plan", "plan.json", ...PULL_REQUEST_FLAGS],
                { AWS_REGION: "", AWS_CONFIG_FILE: "/nonexistent/aws-config" },
                fake,
            );
            assert.equal(run.code, 2);
            assert.match(run.stderr, /no AWS region: set AWS_REGION \(e\.g\. AWS_REGION=us-east-1\) or a region in your AWS profile\n/);
            assert.equal(fake.requests.length, 0);
        });
    });

    describe("report (offline)", () => {
        it("renders the original design's visualization link: four sizes, 2 ms each, 128 MB cheapest", async () => {
            const run = await new RunnerWorkspace().runProgram(["report", "--url", ORIGINAL_DESIGN_URL], OFFLINE_ENV);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(tableRows(run.stdout), [
                ["**128** ✅", "**2.00 ms**", "**$0.00000000340**", "**$0.203**"],
                ["256", "2.00 ms", "$0.00000000680", "$0.207"],
                ["512", "2.00 ms", "$0.0000000136", "$0.214"],
                ["1024", "2.00 ms", "$0.0000000272", "$0.227"],
            ]);
            assert.match(run.stdout, /128 MB recommended/);
        });
    });

    describe("as a command installed by npm", () => {
        it("is package.json's bin `tuning-runner`: npm links it onto PATH and it runs as a program of its own", async () => {
            const manifest = require("../../../../package.json");
            assert.deepEqual(manifest.bin, { "tuning-runner": relative(REPOSITORY_ROOT, RUNNER_BUNDLE_PATH) });
            const bundle = runnerBundle();
            assert.equal(readFileSync(bundle, "utf8").split("\n", 1)[0], "#!/usr/bin/env node");
            assert.equal(statSync(bundle).mode & 0o111, 0o111, "executable");
            // The package as a user has it after `npm ci` (the prepare script built the bundle),
            // installed the way `npm install -g .` does, into a prefix of its own.
            const project = scratchDirectory("tuning-runner-package-");
            writeFileSync(join(project, "package.json"), JSON.stringify(manifest));
            mkdirSync(join(project, "dist"));
            copyFileSync(bundle, join(project, manifest.bin["tuning-runner"]));
            chmodSync(join(project, manifest.bin["tuning-runner"]), statSync(bundle).mode);
            const prefix = scratchDirectory("tuning-runner-prefix-");
            execFileSync(
                "npm",
                ["install", "--global", "--prefix", prefix, "--offline", "--ignore-scripts", "--no-audit", "--no-fund", project],
                { stdio: "pipe" },
            );
            const run = await new RunnerWorkspace().runProgram(
                ["--version"],
                { ...OFFLINE_ENV, PATH: `${join(prefix, "bin")}:${process.env.PATH}` },
                undefined,
                "tuning-runner",
            );
            assert.deepEqual([run.code, run.stdout, run.stderr], [0, `${manifest.version}\n`, ""]);
        });
    });

    describe("--help and --version", () => {
        it("prints the version from package.json", async () => {
            const run = await new RunnerWorkspace().runProgram(["--version"], OFFLINE_ENV);
            assert.deepEqual([run.code, run.stdout], [0, `${require("../../../../package.json").version}\n`]);
        });

        it("prints usage naming every command and exit code, and each command's options in its own --help", async () => {
            const run = await new RunnerWorkspace().runProgram(["--help"], OFFLINE_ENV);
            assert.equal(run.code, 0);
            for (const text of ["tune", "plan-comment", "report", "decide-copy", "record", "sweep", "Exit codes: 0"]) {
                assert.ok(run.stdout.includes(text), `usage mentions ${text}`);
            }
            const tune = await new RunnerWorkspace().runProgram(["tune", "--help"], OFFLINE_ENV);
            assert.equal(tune.code, 0);
            for (const text of ["--terraform-outputs <FILE>", "--timeout <SECONDS>", "(env: STATE_MACHINE_ARN)", "Exit codes: 0"]) {
                assert.ok(tune.stdout.includes(text), `tune --help mentions ${text}`);
            }
        });
    });
});
