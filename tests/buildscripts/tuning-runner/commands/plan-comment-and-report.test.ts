// plan-comment, report and the command line's own errors, in process: main.ts's command line and
// the commands against InMemoryAws. The bundle's offline report, --help, --version, the missing
// region and the installed command are in ../wire/commands.test.ts.
import * as assert from "node:assert/strict";
import { commentRequestToken } from "../../../../buildscripts/tuning-runner/core/commentToken";
import { loadFixture, readFixtureText } from "../../../fixtures";
import { InMemoryAws } from "../../../support/in-memory-aws";
import { freshInMemoryAwsForEachTest, RunnerWorkspace, TEST_PULL_REQUEST as PULL_REQUEST } from "../../../support/runner-workspace";
import { PULL_REQUEST_FLAGS, tableRows } from "../../../support/tune-scenario";

const PLAN = readFixtureText("terraform/plan-add-update-replace-delete.json");
describe("runner commands besides tune", () => {
    describe("plan-comment", () => {
        let fake: InMemoryAws;
        freshInMemoryAwsForEachTest((started) => (fake = started));

        it("posts the plan summary on the pull request with the commits in CodeCommit's order", async () => {
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            const run = await work.run(["plan-comment", "--plan", "plan.json", ...PULL_REQUEST_FLAGS], { CODEBUILD_BUILD_ID: "" }, fake);
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
            const run = await work.run(["plan-comment", "--plan", "plan.json"], {}, fake);
            assert.deepEqual(fake.requests, []);
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /^## Terraform plan/);
            assert.match(run.stdout, /create \| `aws_lambda_function.function\["thumbnail"\]`/);
        });

        it("exits 2 without posting when the plan file is not JSON", async () => {
            const work = new RunnerWorkspace({ "plan.json": "Terraform will perform the following actions:" });
            const run = await work.run(["plan-comment", "--plan", "plan.json", ...PULL_REQUEST_FLAGS], {}, fake);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /plan.json: invalid JSON at line 1, column 1/);
            assert.equal(fake.requests.length, 0);
        });

        it("after a failed deploy, replaces the tuning section with 'not tuned' and a link, next to the plan", async () => {
            const url =
                "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/arn:aws:states:us-east-1:123456789012:execution:pr:7";
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            const run = await work.run(["plan-comment", "--plan", "plan.json", "--deploy-failed", url, ...PULL_REQUEST_FLAGS], {}, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.comments.length, 1, "one living comment, updated for the second section");
            const content = fake.comments[0].content;
            assert.match(content, /Plan: 5 to add, 1 to change, 5 to destroy\./);
            assert.match(
                content,
                new RegExp(`Not tuned:\\*\\* the throw-away copy of \`${PULL_REQUEST.sourceCommit.slice(0, 7)}\` could not be deployed`),
            );
            assert.ok(content.includes(`[Workflow execution](${url})`), content);
            assert.match(content, /tuning: not tuned: the copy could not be deployed/);
        });

        it("says the copy could not be deployed even without a plan", async () => {
            const url = "https://example.com/execution";
            const run = await new RunnerWorkspace().run(["plan-comment", "--deploy-failed", url, ...PULL_REQUEST_FLAGS], {}, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.comments.length, 1);
            assert.doesNotMatch(fake.comments[0].content, /Terraform plan/);
            assert.match(fake.comments[0].content, /could not be deployed/);
        });

        it("exits 1 and prints the summary when the comment cannot be posted", async () => {
            fake.failNext("PostCommentForPullRequest", 1, {
                status: 400,
                type: "PullRequestDoesNotExistException",
                message: "pull request 7 does not exist",
            });
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            const run = await work.run(["plan-comment", "--plan", "plan.json", ...PULL_REQUEST_FLAGS], {}, fake);
            assert.equal(run.code, 1);
            assert.match(run.stderr, /PullRequestDoesNotExistException: pull request 7 does not exist/);
            assert.match(run.stdout, /Plan: 5 to add/);
        });
    });

    describe("report", () => {
        let fake: InMemoryAws;
        freshInMemoryAwsForEachTest((started) => (fake = started));

        it("renders a raw state machine output", async () => {
            const work = new RunnerWorkspace({ "output.json": readFixtureText("power-tuning/output-balanced-arm64-6-powers.json") });
            const run = await work.run(["report", "--output", "output.json"], {}, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(
                tableRows(run.stdout).map((row) => row[0]),
                ["128", "256", "512", "1024", "**1536** ✅", "3008"],
            );
            assert.match(run.stdout, /Strategy: balanced/);
        });

        it("renders the full table of an output without stats from its visualization link, saying so", async () => {
            const { stats: _omitted, ...output } = loadFixture("power-tuning/output-cost-x86-4-powers.json");
            const run = await new RunnerWorkspace({ "output.json": JSON.stringify(output) }).run(
                ["report", "--output", "output.json"],
                {},
                fake,
            );
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(
                tableRows(run.stdout).map((row) => row[0]),
                ["128", "**256** ✅", "512", "1024"],
            );
            assert.match(
                run.stdout,
                /Figures decoded from the lambda-power-tuning\.show link: the state machine output had no `stats`.*float32 precision/,
            );
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
                        stats: output.stats.map((s: any) => ({
                            memoryMB: s.value,
                            averageDurationMs: s.averageDuration,
                            averageCostUsd: s.averagePrice,
                        })),
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
            const run = await work.run(["report", "--results", "results.json"], {}, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /`resize`: tuning timed out/);
            assert.match(run.stdout, /still running after --timeout 900 s/);
            assert.match(run.stdout, /`digest`: 256 MB recommended/);
            assert.match(run.stdout, /\[Build log\]\(https:\/\/console.aws.amazon.com\/codesuite\/codebuild\/build\/1\)/);
        });

        it("exits 2 naming the problem for a link that is not a visualization", async () => {
            const run = await new RunnerWorkspace().run(["report", "--url", "https://lambda-power-tuning.show/#abc"], {}, fake);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /visualization URL is "https:\/\/lambda-power-tuning.show\/#abc"/);
            assert.equal(run.stdout, "");
        });

        it("exits 2 pointing to --output when --results names a raw state machine output", async () => {
            const work = new RunnerWorkspace({ "output.json": readFixtureText("power-tuning/output-cost-x86-4-powers.json") });
            const run = await work.run(["report", "--results", "output.json"], {}, fake);
            assert.equal(run.code, 2);
            assert.match(
                run.stderr,
                /output\.json is a state machine output, not a results file written by `tune`; render it with `report --output output\.json`/,
            );
            assert.equal(run.stdout, "");
        });

        it("exits 2 pointing to --results when --output names a results file", async () => {
            const results = { version: 1, generatedAt: "2026-11-26T17:00:00.000Z", functions: [] };
            const run = await new RunnerWorkspace({ "results.json": JSON.stringify(results) }).run(
                ["report", "--output", "results.json"],
                {},
                fake,
            );
            assert.equal(run.code, 2);
            assert.match(
                run.stderr,
                /results\.json is a results file written by `tune`, not a state machine output; render it with `report --results results\.json`/,
            );
        });

        it("exits 2 naming the flag when given a directory instead of a file", async () => {
            const work = new RunnerWorkspace();
            for (const flag of ["--results", "--output"]) {
                const run = await work.run(["report", flag, "."], {}, fake);
                assert.equal(run.code, 2);
                assert.match(run.stderr, new RegExp(`^error: ${flag}: "\\." is a directory; name a file\n`));
            }
        });

        // The cost fixture's link: 128, 256, 512 and 1024 MB, cheapest at 256, fastest at 1024.
        const COST_LINK = "https://lambda-power-tuning.show/#gAAAAQACAAQ=;IlJNRAAAyUMiYkpD3l3bQg==;yK/nNUst4zU63uQ1zAj4NQ==";

        it("recommends from a link by the strategy given (--strategy), under the function's name (--name)", async () => {
            const work = new RunnerWorkspace();
            const speed = await work.run(["report", "--url", COST_LINK, "--strategy", "speed", "--name", "digest"], {}, fake);
            assert.equal(speed.code, 0, speed.stderr);
            assert.match(speed.stdout, /### ✅ `digest`: 1024 MB recommended/);
            assert.match(speed.stdout, /Strategy: speed/);
            const byDefault = await work.run(["report", "--url", COST_LINK], {}, fake);
            assert.match(byDefault.stdout, /### ✅ `function`: 256 MB recommended/);
            assert.match(byDefault.stdout, /Strategy: cost/);
        });

        it("draws the chart (--chart) of what it renders, and prints the same Markdown", async () => {
            const work = new RunnerWorkspace({ "output.json": readFixtureText("power-tuning/output-balanced-arm64-6-powers.json") });
            const run = await work.run(["report", "--output", "output.json", "--chart", "chart.svg"], {}, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /\*\*1536\*\* ✅/);
            const svg = work.read("chart.svg");
            assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
            assert.match(svg, /data-recommended="1536"/);
        });

        it("exits 2 naming the file, with only the start of its content, when --output holds something else", async () => {
            const event = readFixtureText("codecommit/pull-request-created-event.json");
            const run = await new RunnerWorkspace({ "event.json": event }).run(["report", "--output", "event.json"], {}, fake);
            assert.equal(run.code, 2);
            assert.match(
                run.stderr,
                /^error: event\.json: state machine output is \{"version":"0".{150,230}… \(\d[\d,]* characters in all\); allowed: the output of a successful tuning execution/,
            );
            assert.ok(run.stderr.length < 600, `${run.stderr.length} characters of error`);
            assert.equal(run.stdout, "");
        });

        it("exits 2 before writing anything when the chart has nothing to draw or is not an .svg file", async () => {
            const work = new RunnerWorkspace({ "output.json": "null" });
            const nothing = await work.run(["report", "--output", "output.json", "--chart", "chart.svg"], {}, fake);
            assert.equal(nothing.code, 2);
            assert.equal(work.exists("chart.svg"), false);
            const png = await work.run(["report", "--url", COST_LINK, "--chart", "chart.png"], {}, fake);
            assert.equal(png.code, 2);
            assert.match(png.stderr, /--chart must name an \.svg file \(the chart is SVG\); got "chart\.png"/);
        });

        it("exits 2 for an output that is the tool's silent-failure {}", async () => {
            const run = await new RunnerWorkspace({ "output.json": "{}" }).run(["report", "--output", "output.json"], {}, fake);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /the tuning failed; its reason is in the execution history/);
        });
    });

    describe("the command line", () => {
        it("exits 2 with a pointer to --help for a command it does not know", async () => {
            const run = await new RunnerWorkspace().run(["deploy"], {}, new InMemoryAws());
            assert.equal(run.code, 2);
            assert.match(run.stderr, /unknown command 'deploy'[\s\S]*Run with --help/);
        });
    });
});
