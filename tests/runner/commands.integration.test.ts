// plan-comment, report, --help and --version end to end: the built bundle as a child process.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { RUNNER_BUNDLE_PATH } from "../../buildscripts/bundle";
import { commentRequestToken } from "../../buildscripts/tuning-runner/core/commentToken";
import { FakeAws } from "../support/fake-aws";
import { freshFakeAwsForEachTest, RunnerWorkspace, runnerBundle, TEST_PULL_REQUEST as PULL_REQUEST } from "../support/runner-process";
import { loadFixture, readFixtureText } from "../fixtures";

const ROOT = join(__dirname, "..", "..");
const SEED_URL = "https://lambda-power-tuning.show/#gAAAAQACAAQ=;AAAAQAAAAEAAAABAAAAAQA==;b6VpMW+l6TFvpWkyb6XpMg==";
const PLAN = readFixtureText("terraform/plan-add-update-replace-delete.json");
const PULL_REQUEST_FLAGS = [
    "--repository", PULL_REQUEST.repositoryName,
    "--pull-request-id", PULL_REQUEST.pullRequestId,
    "--source-commit", PULL_REQUEST.sourceCommit,
    "--destination-commit", PULL_REQUEST.destinationCommit,
];

/** Nothing AWS at all: no region, no credentials, no endpoints, no config files. */
const OFFLINE_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: "/nonexistent" };

/** The Markdown table rows of a rendered report, as cell lists (header and separator left out). */
function tableRows(markdown: string): string[][] {
    return markdown
        .split("\n")
        .filter((line) => /^\| (\*\*)?\d/.test(line))
        .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
}

describe("runner commands besides tune, run as the bundled CLI", function () {
    this.timeout(30_000);
    before(() => runnerBundle());

    describe("plan-comment", () => {
        let fake: FakeAws;
        freshFakeAwsForEachTest((started) => (fake = started));

        it("posts the plan summary on the pull request with the commits in CodeCommit's order", async () => {
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            const run = await work.run(["plan-comment", "--plan", "plan.json", ...PULL_REQUEST_FLAGS], fake.env({ CODEBUILD_BUILD_ID: "" }));
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.comments.length, 1);
            const [comment] = fake.comments;
            assert.equal(comment.beforeCommitId, PULL_REQUEST.destinationCommit);
            assert.equal(comment.afterCommitId, PULL_REQUEST.sourceCommit);
            assert.equal(comment.clientRequestToken, commentRequestToken(PULL_REQUEST, {}, comment.content));
            assert.match(comment.content, /Plan: 5 to add, 1 to change, 5 to destroy\./);
            assert.match(comment.content, /replace \| `aws_iam_role_policy.write_own_logs\["digest"\]`/);
            assert.match(comment.content, /destroy \| `aws_lambda_function.function\["resize"\]`/);
            assert.doesNotMatch(comment.content, /aws_iam_role.function\["digest"\]/, "no-ops are left out");
            assert.equal(fake.requests.filter((r) => r.service === "sfn").length, 0);
        });

        it("prints the summary, offline, when no pull request is named", async () => {
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            const run = await work.run(["plan-comment", "--plan", "plan.json"], OFFLINE_ENV);
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /^## Terraform plan/);
            assert.match(run.stdout, /create \| `aws_lambda_function.function\["thumbnail"\]`/);
        });

        it("exits 2 without posting when the plan file is not JSON", async () => {
            const work = new RunnerWorkspace({ "plan.json": "Terraform will perform the following actions:" });
            const run = await work.run(["plan-comment", "--plan", "plan.json", ...PULL_REQUEST_FLAGS], fake.env());
            assert.equal(run.code, 2);
            assert.match(run.stderr, /plan.json: invalid JSON at line 1, column 1/);
            assert.equal(fake.requests.length, 0);
        });

        it("after a failed deploy, replaces the tuning section with 'not tuned' and a link, next to the plan", async () => {
            const url = "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/arn:aws:states:us-east-1:123456789012:execution:pr:7";
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            const run = await work.run(["plan-comment", "--plan", "plan.json", "--deploy-failed", url, ...PULL_REQUEST_FLAGS], fake.env());
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.comments.length, 1, "one living comment, updated for the second section");
            const content = fake.comments[0].content;
            assert.match(content, /Plan: 5 to add, 1 to change, 5 to destroy\./);
            assert.match(content, new RegExp(`Not tuned:\\*\\* the throw-away copy of \`${PULL_REQUEST.sourceCommit.slice(0, 7)}\` could not be deployed`));
            assert.ok(content.includes(`[Workflow execution](${url})`), content);
            assert.match(content, /tuning: not tuned: the copy could not be deployed/);
        });

        it("says the copy could not be deployed even without a plan", async () => {
            const url = "https://example.com/execution";
            const run = await new RunnerWorkspace().run(["plan-comment", "--deploy-failed", url, ...PULL_REQUEST_FLAGS], fake.env());
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.comments.length, 1);
            assert.doesNotMatch(fake.comments[0].content, /Terraform plan/);
            assert.match(fake.comments[0].content, /could not be deployed/);
        });

        it("exits 2 before any request when no region is configured: a pull request names none", async () => {
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            const run = await work.run(["plan-comment", "--plan", "plan.json", ...PULL_REQUEST_FLAGS], fake.env({ AWS_REGION: "", AWS_CONFIG_FILE: "/nonexistent/aws-config" }));
            assert.equal(run.code, 2);
            assert.match(run.stderr, /no AWS region: set AWS_REGION \(e\.g\. AWS_REGION=us-east-1\) or a region in your AWS profile\n/);
            assert.equal(fake.requests.length, 0);
        });

        it("exits 1 and prints the summary when the comment cannot be posted", async () => {
            fake.failNext("PostCommentForPullRequest", 1, { status: 400, type: "PullRequestDoesNotExistException", message: "pull request 7 does not exist" });
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            const run = await work.run(["plan-comment", "--plan", "plan.json", ...PULL_REQUEST_FLAGS], fake.env());
            assert.equal(run.code, 1);
            assert.match(run.stderr, /PullRequestDoesNotExistException: pull request 7 does not exist/);
            assert.match(run.stdout, /Plan: 5 to add/);
        });
    });

    describe("report (offline)", () => {
        it("renders the seed's visualization link: four sizes, 2 ms each, 128 MB cheapest", async () => {
            const run = await new RunnerWorkspace().run(["report", "--url", SEED_URL], OFFLINE_ENV);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(tableRows(run.stdout), [
                ["**128** ✅", "**2.00 ms**", "**$0.00000000340**", "**$0.203**"],
                ["256", "2.00 ms", "$0.00000000680", "$0.207"],
                ["512", "2.00 ms", "$0.0000000136", "$0.214"],
                ["1024", "2.00 ms", "$0.0000000272", "$0.227"],
            ]);
            assert.match(run.stdout, /128 MB recommended/);
        });

        it("renders a raw state machine output", async () => {
            const work = new RunnerWorkspace({ "output.json": readFixtureText("power-tuning/output-balanced-arm64-6-powers.json") });
            const run = await work.run(["report", "--output", "output.json"], OFFLINE_ENV);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(tableRows(run.stdout).map((row) => row[0]), ["128", "256", "512", "1024", "**1536** ✅", "3008"]);
            assert.match(run.stdout, /Strategy: balanced/);
        });

        it("renders the full table of an output without stats from its visualization link, saying so", async () => {
            const { stats: _omitted, ...output } = loadFixture("power-tuning/output-cost-x86-4-powers.json");
            const run = await new RunnerWorkspace({ "output.json": JSON.stringify(output) }).run(["report", "--output", "output.json"], OFFLINE_ENV);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(tableRows(run.stdout).map((row) => row[0]), ["128", "**256** ✅", "512", "1024"]);
            assert.match(run.stdout, /Figures decoded from the lambda-power-tuning\.show link: the state machine output had no `stats`.*float32 precision/);
        });

        it("renders a results file, failures included", async () => {
            const output = loadFixture("power-tuning/output-cost-x86-4-powers.json");
            const results = {
                version: 1,
                generatedAt: "2026-11-26T17:00:00.000Z",
                buildUrl: "https://console.aws.amazon.com/codesuite/codebuild/build/1",
                functions: [
                    {
                        name: "digest",
                        arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest",
                        status: "succeeded",
                        strategy: "cost",
                        power: output.power,
                        cost: output.cost,
                        duration: output.duration,
                        stats: output.stats.map((s: any) => ({ memoryMB: s.value, averageDurationMs: s.averageDuration, averageCostUsd: s.averagePrice })),
                    },
                    {
                        name: "resize",
                        arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-resize",
                        status: "timed-out",
                        strategy: "cost",
                        stats: [],
                        error: { error: "TuningRunnerTimeout", cause: "still running after --timeout 900 s; stopped with StopExecution" },
                    },
                ],
            };
            const work = new RunnerWorkspace({ "results.json": JSON.stringify(results) });
            const run = await work.run(["report", "--results", "results.json"], OFFLINE_ENV);
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /`resize`: tuning timed out/);
            assert.match(run.stdout, /still running after --timeout 900 s/);
            assert.match(run.stdout, /`digest`: 256 MB recommended/);
            assert.match(run.stdout, /\[Build log\]\(https:\/\/console.aws.amazon.com\/codesuite\/codebuild\/build\/1\)/);
        });

        it("exits 2 naming the problem for a link that is not a visualization", async () => {
            const run = await new RunnerWorkspace().run(["report", "--url", "https://lambda-power-tuning.show/#abc"], OFFLINE_ENV);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /visualization URL is "https:\/\/lambda-power-tuning.show\/#abc"/);
            assert.equal(run.stdout, "");
        });

        it("exits 2 pointing to --output when --results names a raw state machine output", async () => {
            const work = new RunnerWorkspace({ "output.json": readFixtureText("power-tuning/output-cost-x86-4-powers.json") });
            const run = await work.run(["report", "--results", "output.json"], OFFLINE_ENV);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /output\.json is a state machine output, not a results file written by `tune`; render it with `report --output output\.json`/);
            assert.equal(run.stdout, "");
        });

        it("exits 2 pointing to --results when --output names a results file", async () => {
            const results = { version: 1, generatedAt: "2026-11-26T17:00:00.000Z", functions: [] };
            const run = await new RunnerWorkspace({ "results.json": JSON.stringify(results) }).run(["report", "--output", "results.json"], OFFLINE_ENV);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /results\.json is a results file written by `tune`, not a state machine output; render it with `report --results results\.json`/);
        });

        it("exits 2 naming the flag when given a directory instead of a file", async () => {
            const work = new RunnerWorkspace();
            for (const flag of ["--results", "--output"]) {
                const run = await work.run(["report", flag, "."], OFFLINE_ENV);
                assert.equal(run.code, 2);
                assert.match(run.stderr, new RegExp(`^error: ${flag}: "\\." is a directory; name a file\n`));
            }
        });

        it("exits 2 for an output that is the tool's silent-failure {}", async () => {
            const run = await new RunnerWorkspace({ "output.json": "{}" }).run(["report", "--output", "output.json"], OFFLINE_ENV);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /the tuning failed; its reason is in the execution history/);
        });
    });

    describe("as a command installed by npm", () => {
        it("is package.json's bin `tuning-runner`: npm links it onto PATH and it runs as a program of its own", async () => {
            const manifest = require("../../package.json");
            assert.deepEqual(manifest.bin, { "tuning-runner": relative(ROOT, RUNNER_BUNDLE_PATH) });
            const bundle = runnerBundle();
            assert.equal(readFileSync(bundle, "utf8").split("\n", 1)[0], "#!/usr/bin/env node");
            assert.equal(statSync(bundle).mode & 0o111, 0o111, "executable");
            // The package as a user has it after `npm ci` (the prepare script built the bundle),
            // installed the way `npm install -g .` does, into a prefix of its own.
            const project = mkdtempSync(join(tmpdir(), "tuning-runner-package-"));
            writeFileSync(join(project, "package.json"), JSON.stringify(manifest));
            mkdirSync(join(project, "dist"));
            copyFileSync(bundle, join(project, manifest.bin["tuning-runner"]));
            chmodSync(join(project, manifest.bin["tuning-runner"]), statSync(bundle).mode);
            const prefix = mkdtempSync(join(tmpdir(), "tuning-runner-prefix-"));
            execFileSync("npm", ["install", "--global", "--prefix", prefix, "--offline", "--ignore-scripts", "--no-audit", "--no-fund", project], { stdio: "pipe" });
            const run = await new RunnerWorkspace().run(["--version"], { ...OFFLINE_ENV, PATH: `${join(prefix, "bin")}:${process.env.PATH}` }, undefined, "tuning-runner");
            assert.deepEqual([run.code, run.stdout, run.stderr], [0, `${manifest.version}\n`, ""]);
        });
    });

    describe("--help and --version", () => {
        it("prints the version from package.json", async () => {
            const run = await new RunnerWorkspace().run(["--version"], OFFLINE_ENV);
            assert.deepEqual([run.code, run.stdout], [0, `${require("../../package.json").version}\n`]);
        });

        it("prints usage naming every command and exit code", async () => {
            const run = await new RunnerWorkspace().run(["--help"], OFFLINE_ENV);
            assert.equal(run.code, 0);
            for (const text of ["tune", "plan-comment", "report", "--terraform-outputs FILE", "--timeout SECONDS", "Exit codes: 0"]) {
                assert.ok(run.stdout.includes(text), `usage mentions ${text}`);
            }
        });

        it("exits 2 with a pointer to --help for a command it does not know", async () => {
            const run = await new RunnerWorkspace().run(["deploy"], OFFLINE_ENV);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /unknown command "deploy"[\s\S]*Run with --help/);
        });
    });
});
