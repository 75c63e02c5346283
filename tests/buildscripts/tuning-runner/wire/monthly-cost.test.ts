// The monthly figures as the bundled CLI against FakeAws: the real @aws-sdk/client-cloudwatch speaks
// CloudWatch's JSON 1.0 protocol (x-amz-target GraniteServiceVersion20100801.GetMetricData, dates
// as epoch seconds, query-compatible errors) and the comment prices production's traffic; a denied
// read is said and the run succeeds. The logic is specified in process, ../commands/monthly-cost.test.ts.
import * as assert from "node:assert/strict";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { trafficQueries, trafficWindow } from "../../../../buildscripts/tuning-runner/core/productionMetrics";
import { FakeAws, REGION } from "../../../support/fake-aws";
import { Builds, type Build } from "../../../support/history-scenario";
import { gatedBuild, monthlyScenario, sectionOf } from "../../../support/monthly-scenario";
import { runnerBundle } from "../../../support/runner-workspace";

describe("monthly cost, run as the bundled CLI against CloudWatch's wire protocol", function () {
    this.timeout(60_000);
    before(() => runnerBundle());

    describe("production's traffic read with GetMetricData", () => {
        let builds: Builds;
        let build: Build;
        before(async () => {
            builds = await Builds.onTheWire();
            build = await monthlyScenario(builds);
        });
        after(() => builds.stop());

        it("reaches CloudWatch as JSON 1.0 with the build's credentials, one call per production function", () => {
            const calls = builds.fake.requests.filter((request) => request.operation === "GetMetricData");
            assert.equal(calls.length, 2);
            assert.ok(calls.every((call) => call.service === "cloudwatch" && call.accessKeyId !== undefined));
            assert.ok(
                calls.every(
                    (call) => typeof call.body.StartTime === "number" && call.body.EndTime - call.body.StartTime === 30 * 24 * 60 * 60,
                ),
            );
        });

        it("prices the month for the function with traffic and says the others have none or no data", () => {
            assert.match(
                sectionOf(build.comment, "digest"),
                /Monthly at 1,200,000 invocations of production's `power-tuned-digest` in the last 30 days \(x86_64 in us-east-1\): now \$2\.00/,
            );
            assert.match(sectionOf(build.comment, "thumbnail"), /Monthly cost: no production traffic yet\./);
            assert.match(sectionOf(build.comment, "resize"), /Monthly cost: CloudWatch has no Invocations data for `power-tuned-resize`/);
            assert.match(
                build.comment,
                /💰 \*\*A month at production's traffic of the last 30 days\*\* \(1 function\): this pull request \$2\.00 → \$2\.05/,
            );
        });
    });

    describe("the gate's maxMonthlyCostIncreaseUsd", () => {
        let builds: Builds;
        before(async () => {
            builds = await Builds.onTheWire();
            await monthlyScenario(builds);
        });
        after(() => builds.stop());

        it("fails, passes and leaves a new function to a person, as in process", async () => {
            const failed = await gatedBuild(builds, { digest: "v3" }, 0.05);
            assert.equal(failed.run.code, 1);
            assert.match(
                failed.comment,
                /### ❌ Quality gate failed: 1 violation[\s\S]*`maxMonthlyCostIncreaseUsd`\) \| \+\$0\.0532 a month/,
            );
            const passed = await gatedBuild(builds, { digest: "v4" }, 0.06);
            assert.equal(passed.run.code, 0, passed.run.stderr);
            assert.match(passed.comment, /### ✅ Quality gate passed/);
            const unjudged = await gatedBuild(builds, { digest: "v4", thumbnail: "v2" }, 0.06);
            assert.match(unjudged.comment, /### ✋ Quality gate: a person decides \(1 rule not judged\)[\s\S]*no production traffic yet/);
        });
    });

    describe("when CloudWatch answers AccessDenied", () => {
        let builds: Builds;
        let build: Build;
        before(async () => {
            builds = await Builds.onTheWire();
            build = await monthlyScenario(builds, () =>
                builds.fake.failNext("GetMetricData", 2, {
                    status: 403,
                    type: "AccessDenied",
                    message: "not authorized to perform: cloudwatch:GetMetricData",
                }),
            );
        });
        after(() => builds.stop());

        it("says so in the comment, with the error's name as the SDK read it, and the run succeeds", () => {
            assert.equal(build.run.code, 0, build.run.stderr);
            assert.match(
                sectionOf(build.comment, "digest"),
                /Monthly cost: production's metrics for `power-tuned-digest` could not be read \(AccessDenied: not authorized to perform: cloudwatch:GetMetricData\)\./,
            );
        });
    });

    it("answers the SDK's own client in process: values, and none for a function without figures", async () => {
        const fake = await FakeAws.start();
        try {
            fake.setLambdaMetrics("busy", { invocations: 42, averageDurationMs: 12.5 });
            const client = new CloudWatchClient({
                endpoint: fake.endpoint,
                region: REGION,
                credentials: { accessKeyId: "AKIATEST", secretAccessKey: "test" },
            });
            const { from, to } = trafficWindow(Date.UTC(2026, 11, 7, 12, 0, 30));
            const busy = await client.send(
                new GetMetricDataCommand({ MetricDataQueries: trafficQueries("busy"), StartTime: from, EndTime: to }),
            );
            assert.deepEqual(
                busy.MetricDataResults?.map((result) => [result.Id, result.Values, result.Timestamps?.[0]?.toISOString()]),
                [
                    ["invocations", [42], "2026-11-07T12:00:00.000Z"],
                    ["duration", [12.5], "2026-11-07T12:00:00.000Z"],
                ],
            );
            const idle = await client.send(
                new GetMetricDataCommand({ MetricDataQueries: trafficQueries("idle"), StartTime: from, EndTime: to }),
            );
            assert.deepEqual(
                idle.MetricDataResults?.map((result) => result.Values),
                [[], []],
            );
            await assert.rejects(
                client.send(new GetMetricDataCommand({ MetricDataQueries: trafficQueries("busy"), StartTime: to, EndTime: from })),
                /StartTime must be less than the parameter EndTime/,
            );
        } finally {
            await fake.stop();
        }
    });
});
