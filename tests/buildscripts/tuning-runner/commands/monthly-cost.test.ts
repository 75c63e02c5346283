// The monthly figures in process: `record` keeps production's memory size, `tune` with the tuning
// history reads production's last 30 days from CloudWatch (GetMetricData through InMemoryAws) and
// the comment prices them; a new function, a denied read and a function without data are said,
// and the run goes on. The same over CloudWatch's wire protocol is in ../wire/monthly-cost.test.ts.
import * as assert from "node:assert/strict";
import { readFixtureText } from "../../../fixtures";
import { Builds, type Build } from "../../../support/history-scenario";
import { InMemoryAws } from "../../../support/in-memory-aws";
import { RunnerWorkspace } from "../../../support/runner-workspace";
import { DIGEST_METRICS, gatedBuild, monthlyScenario, sectionOf } from "../../../support/monthly-scenario";

describe("monthly cost at production's traffic", () => {
    describe("a pull request changing two production functions and adding one", () => {
        let builds: Builds;
        let build: Build;
        before(async () => {
            builds = Builds.inProcess();
            build = await monthlyScenario(builds);
        });
        after(() => builds.stop());

        it("asks CloudWatch for the invocations' sum and the average duration of production's function over one 30-day period", () => {
            const calls = builds.fake.calls("GetMetricData");
            const digest = calls.find((call) => call.MetricDataQueries[0].MetricStat.Metric.Dimensions[0].Value === "power-tuned-digest");
            assert.ok(digest, "no GetMetricData for production's digest");
            assert.deepEqual(
                digest.MetricDataQueries.map((query: any) => [
                    query.MetricStat.Metric.Namespace,
                    query.MetricStat.Metric.MetricName,
                    query.MetricStat.Stat,
                    query.MetricStat.Period,
                ]),
                [
                    ["AWS/Lambda", "Invocations", "Sum", 2_592_000],
                    ["AWS/Lambda", "Duration", "Average", 2_592_000],
                ],
            );
            assert.equal(digest.EndTime - digest.StartTime, 30 * 24 * 60 * 60);
            assert.equal(calls.length, 2, "one call per function with a production counterpart, none for the new one");
        });

        it("keeps production's traffic in the results file, and production's memory size from record", () => {
            const digest = build.results.functions.find((fn: any) => fn.name === "digest");
            assert.deepEqual(digest.productionTraffic, {
                status: "measured",
                functionName: "power-tuned-digest",
                invocations: 1_200_000,
                averageDurationMs: 800,
                memoryMB: 128,
            });
            assert.equal(builds.stored("production/digest.json").function.memoryMB, 128);
        });

        it("prices now, this pull request's memory and the recommended memory at the measured durations, with the differences", () => {
            // now: 1.2M × 0.8 s × 0.125 GB × $0.0000166667 = $2.00; 128 MB measured 821 ms: $2.05; 256 MB, 402 ms: $2.01.
            assert.match(
                sectionOf(build.comment, "digest"),
                /Monthly at 1,200,000 invocations of production's `power-tuned-digest` in the last 30 days \(x86_64 in us-east-1\): now \$2\.00 \(128 MB, 800 ms average in CloudWatch\) · this pull request \$2\.05 \(128 MB, 821 ms measured; \+\$0\.0532, \+2\.7 %\) · recommended \$2\.01 \(256 MB, 402 ms measured; \+\$0\.0100, \+0\.50 %\)\./,
            );
        });

        it("sums the pull request up in one line at the top of the comment", () => {
            const summary = build.comment.split("\n").findIndex((line) => line.startsWith("💰"));
            const firstSection = build.comment.split("\n").findIndex((line) => line.startsWith("### "));
            assert.ok(summary >= 0 && summary < firstSection, build.comment);
            assert.match(
                build.comment,
                /💰 \*\*A month at production's traffic of the last 30 days\*\* \(1 function\): this pull request \$2\.00 → \$2\.05 \(\+\$0\.0532, \+2\.7 %\); at the recommended sizes \$2\.01 \(\+\$0\.0100, \+0\.50 % against now\)\. 2 functions without known traffic left out\./,
            );
        });

        it("says a new function has no production traffic yet", () => {
            assert.match(sectionOf(build.comment, "thumbnail"), /Monthly cost: no production traffic yet\./);
        });

        it("says when CloudWatch has no data for production's function", () => {
            assert.match(
                sectionOf(build.comment, "resize"),
                /Monthly cost: CloudWatch has no Invocations data for `power-tuned-resize` in the last 30 days\./,
            );
        });

        it("says what the figures leave out", () => {
            assert.match(
                build.comment,
                /Monthly figures count Lambda's duration charge only .* the request charge is the same at every memory size, and the free tier is the account's, so both are left out\./,
            );
        });

        it("says which neighbours of the recommendation are within measurement noise", () => {
            assert.match(
                sectionOf(build.comment, "digest"),
                /128 and 512 MB are within 2 % of the recommended 256 MB \(cost per invocation\), which is within measurement noise: any of them is fine\./,
            );
        });
    });

    describe("the gate's maxMonthlyCostIncreaseUsd", () => {
        let builds: Builds;
        before(async () => {
            builds = Builds.inProcess();
            await monthlyScenario(builds);
        });
        after(() => builds.stop());

        it("passes a pull request whose configured memory costs at most the limit more a month than production", async () => {
            const build = await gatedBuild(builds, { digest: "v3" }, 0.06);
            assert.equal(build.run.code, 0, build.run.stderr);
            assert.match(build.comment, /### ✅ Quality gate passed/);
        });

        it("fails one above it, naming the function and the increase in USD a month", async () => {
            const build = await gatedBuild(builds, { digest: "v3" }, 0.05);
            assert.equal(build.run.code, 1);
            assert.match(build.comment, /### ❌ Quality gate failed: 1 violation/);
            assert.match(
                build.comment,
                /\| `digest` \| monthly cost at production's traffic over production's \(`maxMonthlyCostIncreaseUsd`\) \| \+\$0\.0532 a month \| \$0\.0500 a month \|/,
            );
        });

        it("leaves a new function to a person: its traffic is unknown, so the rule is not evaluated", async () => {
            const build = await gatedBuild(builds, { digest: "v3", thumbnail: "v2" }, 0.06);
            assert.match(build.comment, /### ✋ Quality gate: a person decides \(1 rule not judged\)/);
            assert.match(build.comment, /no production traffic yet/);
        });
    });

    describe("when CloudWatch denies the read", () => {
        let builds: Builds;
        let build: Build;
        before(async () => {
            builds = Builds.inProcess();
            build = await monthlyScenario(builds, () =>
                builds.fake.failNext("GetMetricData", 2, {
                    status: 400,
                    type: "AccessDenied",
                    message: "not authorized to perform: cloudwatch:GetMetricData",
                }),
            );
        });
        after(() => builds.stop());

        it("says so for the function and still tunes, comments and succeeds", () => {
            assert.equal(build.run.code, 0);
            assert.match(
                sectionOf(build.comment, "digest"),
                /Monthly cost: production's metrics for `power-tuned-digest` could not be read \(AccessDenied: not authorized to perform: cloudwatch:GetMetricData\)\./,
            );
            assert.equal(build.results.functions.find((fn: any) => fn.name === "digest").power, 256);
        });

        it("leaves the summary line without known traffic", () => {
            assert.match(build.comment, /💰 \*\*A month at production's traffic of the last 30 days:\*\* not known for any function/);
        });
    });

    it("reads no metrics without a tuning history (no production counterpart is known)", async () => {
        const builds = Builds.inProcess();
        builds.fake.setLambdaMetrics("power-tuned-digest", DIGEST_METRICS);
        const build = await builds.tunePullRequest(
            { id: "9", sourceCommit: `9999999${"e".repeat(33)}` },
            { digest: "v1" },
            { env: { TUNING_HISTORY_URI: "" } },
        );
        assert.equal(build.run.code, 0, build.run.stderr);
        assert.equal(builds.fake.calls("GetMetricData").length, 0);
        assert.doesNotMatch(build.comment, /Monthly|💰/);
    });

    describe("report --invocations-per-month, offline", () => {
        it("prices the recommendation at the given traffic, without any AWS call", async () => {
            const fake = new InMemoryAws();
            const work = new RunnerWorkspace({ "output.json": readFixtureText("power-tuning/output-cost-x86-4-powers.json") });
            const run = await work.run(["report", "--output", "output.json", "--invocations-per-month", "1200000"], {}, fake);
            assert.equal(run.code, 0, run.stderr);
            // 1.2M × 0.402 s × 0.25 GB × $0.0000166667 = $2.01.
            assert.match(
                run.stdout,
                /Monthly at 1,200,000 invocations a month \(x86_64, standard price\): recommended \$2\.01 \(256 MB, 402 ms measured\)\./,
            );
            assert.match(
                run.stdout,
                /💰 \*\*A month at 1,200,000 invocations a month per function\*\* \(1 function\): at the recommended sizes \$2\.01\./,
            );
            assert.deepEqual(fake.requests, []);
        });

        it("refuses a figure that is not a whole number, naming the flag, the value and what is allowed", async () => {
            const run = await new RunnerWorkspace({ "output.json": "{}" }).run(
                ["report", "--output", "output.json", "--invocations-per-month", "12k"],
                {},
                new InMemoryAws(),
            );
            assert.equal(run.code, 2);
            assert.match(
                run.stderr,
                /--invocations-per-month must be a whole number of invocations a month, 0 or more \(e\.g\. 1200000\); got "12k"/,
            );
        });
    });
});
