import * as assert from "node:assert/strict";

import type { PowerStat } from "../../../../buildscripts/tuning-runner/core/powerStat";
import { analysisFromOutput } from "../../../../buildscripts/tuning-runner/core/stateMachineOutput";
import { recommendedStat, strategyChoiceOf } from "../../../../buildscripts/tuning-runner/core/strategy";
import { loadFixture } from "../../../fixtures";

const statsOf = (fixture: string): readonly PowerStat[] => analysisFromOutput(loadFixture(`power-tuning/${fixture}`))!.stats;
const row = (memoryMB: number, averageCostUsd: number, averageDurationMs: number): PowerStat => ({
    memoryMB,
    averageCostUsd,
    averageDurationMs,
});

describe("the tool's strategies, decided by the runner", () => {
    describe("on the tool's own outputs", () => {
        for (const { fixture, strategy } of [
            { fixture: "output-cost-x86-4-powers.json", strategy: "cost" as const },
            { fixture: "output-balanced-arm64-6-powers.json", strategy: "balanced" as const },
        ]) {
            it(`picks what the tool picked for ${strategy} (${fixture}), with its cost and duration`, () => {
                const output = loadFixture(`power-tuning/${fixture}`);
                const pick = recommendedStat(statsOf(fixture), { strategy, balancedWeight: 0.5 });
                assert.deepEqual(pick, row(output.power, output.cost, output.duration));
            });
        }

        it("tells the strategies apart on the same figures: cheapest, fastest and the balanced mix differ", () => {
            const stats = statsOf("output-balanced-arm64-6-powers.json");
            assert.equal(recommendedStat(stats, { strategy: "cost", balancedWeight: 0.5 })?.memoryMB, 256);
            assert.equal(recommendedStat(stats, { strategy: "speed", balancedWeight: 0.5 })?.memoryMB, 3008);
            assert.equal(recommendedStat(stats, { strategy: "balanced", balancedWeight: 0.5 })?.memoryMB, 1536);
            // The weight's ends are the other two strategies.
            assert.equal(recommendedStat(stats, { strategy: "balanced", balancedWeight: 1 })?.memoryMB, 256);
            assert.equal(recommendedStat(stats, { strategy: "balanced", balancedWeight: 0 })?.memoryMB, 3008);
        });
    });

    describe("ties and gaps, as the tool's stable sort resolves them", () => {
        it("cost: of equal costs, the shorter duration; of equal both, the smaller memory", () => {
            assert.equal(
                recommendedStat([row(128, 2e-6, 30), row(256, 2e-6, 20), row(512, 3e-6, 5)], { strategy: "cost", balancedWeight: 0.5 })
                    ?.memoryMB,
                256,
            );
            assert.equal(
                recommendedStat([row(512, 2e-6, 20), row(256, 2e-6, 20)], { strategy: "cost", balancedWeight: 0.5 })?.memoryMB,
                256,
            );
        });

        it("speed: of equal durations, the lower cost", () => {
            assert.equal(
                recommendedStat([row(1024, 3e-6, 10), row(2048, 6e-6, 10), row(1536, 4e-6, 10)], { strategy: "speed", balancedWeight: 0.5 })
                    ?.memoryMB,
                1024,
            );
        });

        it("balanced: of equal scores, the smaller memory", () => {
            // Scores 0.5·c/4 + 0.5·d/40: 128 MB 0.5·0.25 + 0.5·1 = 0.625; 256 MB 0.5·0.5 + 0.5·0.75 = 0.625.
            assert.equal(
                recommendedStat([row(256, 2, 30), row(128, 1, 40), row(512, 4, 35)], { strategy: "balanced", balancedWeight: 0.5 })
                    ?.memoryMB,
                128,
            );
        });

        it("leaves out rows without a duration, as the tool leaves out empty results", () => {
            assert.equal(recommendedStat([row(128, 0, 0), row(256, 2e-6, 20)], { strategy: "cost", balancedWeight: 0.5 })?.memoryMB, 256);
            assert.equal(recommendedStat([row(128, 0, 0)], { strategy: "cost", balancedWeight: 0.5 }), undefined);
        });
    });

    it("takes the tool's defaults from the input: cost, and weight 0.5 for balanced", () => {
        assert.deepEqual(strategyChoiceOf({ num: 10 }), { strategy: "cost", balancedWeight: 0.5 });
        assert.deepEqual(strategyChoiceOf({ num: 10, strategy: "balanced", balancedWeight: 0.8 }), {
            strategy: "balanced",
            balancedWeight: 0.8,
        });
    });
});
