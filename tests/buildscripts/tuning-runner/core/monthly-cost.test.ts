import * as assert from "node:assert/strict";
import {
    architectureOfStats,
    durationPricePerGbSecond,
    monthlyCostUsd,
    monthlyFigures,
    type MonthlyInput,
} from "../../../../buildscripts/tuning-runner/core/monthlyCost";
import { trafficFromMetricData, trafficWindow } from "../../../../buildscripts/tuning-runner/core/productionMetrics";
import { neighboursWithinNoise } from "../../../../buildscripts/tuning-runner/core/withinNoise";

const ARN = "arn:aws:lambda:eu-south-1:123456789012:function:pr-7-digest";
// Priced by the tool at arm64's 1.7e-9 per ms at 128 MB: ⌈duration⌉ × 1.7e-9 × MB/128.
const ARM_STATS = [
    { memoryMB: 128, averageDurationMs: 800, averageCostUsd: 800 * 1.7e-9 },
    { memoryMB: 256, averageDurationMs: 390, averageCostUsd: 390 * 1.7e-9 * 2 },
    { memoryMB: 512, averageDurationMs: 200, averageCostUsd: 200 * 1.7e-9 * 4 },
];

describe("monthly cost", () => {
    it("prices a GB-second by region and architecture, the standard price where the table lists no region", () => {
        assert.equal(durationPricePerGbSecond("us-east-1", "x86_64"), 0.0000166667);
        assert.equal(durationPricePerGbSecond("eu-south-1", "arm64"), 0.0000156138);
        assert.equal(durationPricePerGbSecond("af-south-1", "x86_64"), 0.0000221);
        assert.equal(durationPricePerGbSecond(undefined, "arm64"), 0.0000133334);
    });

    it("counts invocations × seconds × GB × price", () => {
        // 1M invocations of 1 s at 1,024 MB: a million GB-seconds.
        assert.ok(Math.abs(monthlyCostUsd(1_000_000, 1024, 1000, 0.0000166667) - 16.6667) < 1e-9);
    });

    it("tells the architecture from the tool's own prices, also for a function of a few milliseconds", () => {
        assert.equal(architectureOfStats(ARM_STATS), "arm64");
        assert.equal(architectureOfStats([{ memoryMB: 1024, averageDurationMs: 3.2, averageCostUsd: 4 * 2.1e-9 * 8 }]), "x86_64");
        assert.equal(architectureOfStats([]), undefined);
    });

    describe("a function's figures", () => {
        const measured: MonthlyInput = {
            arn: ARN,
            power: 256,
            duration: 390,
            stats: ARM_STATS,
            configuredMemoryMB: 512,
            productionTraffic: {
                status: "measured",
                functionName: "digest",
                invocations: 2_000_000,
                averageDurationMs: 820,
                memoryMB: 128,
            },
        };
        const price = 0.0000156138;

        it("prices now at production's memory and CloudWatch's duration, this pull request's memory and the recommendation at the measured ones", () => {
            const figures = monthlyFigures(measured)!;
            assert.equal(figures.architecture, "arm64");
            assert.equal(figures.region, "eu-south-1");
            assert.ok(Math.abs(figures.now!.costUsd - 2e6 * 0.82 * 0.125 * price) < 1e-9);
            assert.ok(Math.abs(figures.configured!.costUsd - 2e6 * 0.2 * 0.5 * price) < 1e-9);
            assert.ok(Math.abs(figures.recommended.costUsd - 2e6 * 0.39 * 0.25 * price) < 1e-9);
            assert.ok(Math.abs(figures.configuredChange!.usd - (figures.configured!.costUsd - figures.now!.costUsd)) < 1e-12);
            assert.ok(Math.abs(figures.recommendedChange!.percent! - ((0.39 * 0.25) / (0.82 * 0.125) - 1) * 100) < 1e-9);
        });

        it("leaves this pull request's figure out when its memory was not measured, and compares the recommendation with now", () => {
            const figures = monthlyFigures({ ...measured, configuredMemoryMB: 384 })!;
            assert.equal(figures.configured, undefined);
            assert.equal(figures.configuredChange, undefined);
            assert.notEqual(figures.recommendedChange, undefined);
        });

        it("compares the recommendation with this pull request's memory when production's is unknown (a figure given offline)", () => {
            const figures = monthlyFigures({ ...measured, productionTraffic: { status: "given", invocationsPerMonth: 1000 } })!;
            assert.equal(figures.now, undefined);
            assert.ok(Math.abs(figures.recommendedChange!.usd - (figures.recommended.costUsd - figures.configured!.costUsd)) < 1e-12);
        });

        it("has none without known traffic", () => {
            assert.equal(
                monthlyFigures({ ...measured, productionTraffic: { status: "none", reason: "no production traffic yet" } }),
                undefined,
            );
            assert.equal(monthlyFigures({ ...measured, productionTraffic: undefined }), undefined);
        });
    });

    describe("production's traffic from GetMetricData", () => {
        it("sums the invocations and keeps the average duration and production's memory", () => {
            const answers = [
                { Id: "invocations", Values: [1000, 200] },
                { Id: "duration", Values: [35] },
            ];
            assert.deepEqual(trafficFromMetricData("digest", 512, answers), {
                status: "measured",
                functionName: "digest",
                invocations: 1200,
                averageDurationMs: 35,
                memoryMB: 512,
            });
        });

        it("calls a function without Invocations data unknown, not unused", () => {
            assert.equal(
                trafficFromMetricData("digest", 512, [
                    { Id: "invocations", Values: [] },
                    { Id: "duration", Values: [] },
                ]).status,
                "unknown",
            );
        });

        it("reads the last 30 days up to the current minute", () => {
            const { from, to } = trafficWindow(Date.UTC(2026, 11, 7, 12, 0, 59, 999));
            assert.equal(to.toISOString(), "2026-12-07T12:00:00.000Z");
            assert.equal(from.toISOString(), "2026-11-07T12:00:00.000Z");
        });
    });

    describe("neighbours within measurement noise", () => {
        it("are the measured sizes next to the recommendation within 2 % on the strategy's measure", () => {
            assert.deepEqual(neighboursWithinNoise(ARM_STATS, 256, "cost"), []);
            const flat = ARM_STATS.map((stat) => ({ ...stat, averageCostUsd: 1e-6 * (stat.memoryMB === 256 ? 1 : 1.015) }));
            assert.deepEqual(neighboursWithinNoise(flat, 256, "cost"), [128, 512]);
            assert.deepEqual(neighboursWithinNoise(flat, 256, "balanced"), [], "balanced needs the durations close too");
            assert.deepEqual(neighboursWithinNoise(flat, 384, "cost"), [], "a size that was not measured has no neighbours");
        });
    });
});
