import * as assert from "node:assert/strict";

import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import { tuningFingerprint } from "../../../../buildscripts/tuning-runner/core/fingerprint";
import type { PowerStat } from "../../../../buildscripts/tuning-runner/core/powerStat";
import {
    type FinishedPass,
    planRefinement,
    type RefineStep,
    resultAfterRefinement,
    tuneInPasses,
} from "../../../../buildscripts/tuning-runner/core/refine";
import { DEFAULT_REFINE_SETTINGS, refineSettingsOf } from "../../../../buildscripts/tuning-runner/core/refineSettings";
import { stateMachineInput } from "../../../../buildscripts/tuning-runner/core/tuningInput";
import { tuningResultFromOutcome } from "../../../../buildscripts/tuning-runner/core/results";
import { analysisFromOutput, type TuningAnalysis } from "../../../../buildscripts/tuning-runner/core/stateMachineOutput";
import { parseTuningInput, type PowerTuningInput } from "../../../../buildscripts/tuning-runner/core/tuningInput";
import type { ExecutionOutcome } from "../../../../buildscripts/tuning-runner/core/types";
import { decodeVisualizationUrl } from "../../../../buildscripts/tuning-runner/core/visualization";
import { loadFixture } from "../../../fixtures";

const fixture = (name: string): TuningAnalysis => analysisFromOutput(loadFixture(`power-tuning/${name}`))!;
const costRun = fixture("output-cost-x86-4-powers.json"); // 128–1024 MB, 256 MB cheapest
const balancedRun = fixture("output-balanced-arm64-6-powers.json"); // the tool's default six sizes, 1536 MB balanced
const row = (memoryMB: number, averageCostUsd: number, averageDurationMs: number): PowerStat => ({
    memoryMB,
    averageCostUsd,
    averageDurationMs,
});
const cost = { strategy: "cost" as const, balancedWeight: 0.5 };
const speed = { strategy: "speed" as const, balancedWeight: 0.5 };
const balanced = { strategy: "balanced" as const, balancedWeight: 0.5 };

describe("refinement planning", () => {
    describe("which sizes", () => {
        it("measures multiples of 64 MB between the winner's neighbours, at most 6, the wider gap getting more", () => {
            // 1536 MB won between 1024 and 3008: 1 size in the 512 MB gap, 5 in the 1472 MB one.
            assert.deepEqual(planRefinement(balancedRun.stats, 1536, balanced, DEFAULT_REFINE_SETTINGS), {
                kind: "refine",
                memorySizesMB: [1280, 1792, 2048, 2304, 2496, 2752],
                betweenMB: [1024, 3008],
            });
        });

        it("measures only the gap where a size could beat the winner", () => {
            // 256 MB won: between 128 and 256 the line through 256 and 512 MB keeps the cost within
            // 0.33 % of the winner's, so only the gap up to 512 MB is measured, all of its room.
            assert.deepEqual(planRefinement(costRun.stats, 256, cost, DEFAULT_REFINE_SETTINGS), {
                kind: "refine",
                memorySizesMB: [320, 384, 448],
                betweenMB: [256, 512],
            });
        });

        it("follows stepMB and maxSizes", () => {
            assert.deepEqual(planRefinement(balancedRun.stats, 1536, balanced, { ...DEFAULT_REFINE_SETTINGS, stepMB: 128, maxSizes: 2 }), {
                kind: "refine",
                memorySizesMB: [2048, 2560],
                betweenMB: [1024, 3008],
            });
        });

        it("never measures a size the first pass measured, even one without a result", () => {
            const stats = [...costRun.stats, row(384, 0, 0)];
            const plan = planRefinement(stats, 256, cost, DEFAULT_REFINE_SETTINGS);
            assert.deepEqual(plan, { kind: "refine", memorySizesMB: [320, 448], betweenMB: [256, 512] });
        });

        it("stays between measured sizes, so never below the smallest or above the largest the first pass reached", () => {
            for (const winner of balancedRun.stats.map((stat) => stat.memoryMB)) {
                for (const choice of [cost, balanced]) {
                    const plan = planRefinement(balancedRun.stats, winner, choice, { ...DEFAULT_REFINE_SETTINGS, minSavingPercent: 0 });
                    if (plan.kind === "skip") continue;
                    assert.ok(
                        plan.memorySizesMB.every((size) => size > 128 && size < 3008 && size % 64 === 0),
                        `${winner}: ${plan.memorySizesMB}`,
                    );
                    assert.ok(plan.memorySizesMB.length <= 6);
                }
            }
        });
    });

    describe("when to skip", () => {
        it("skips when the first pass already measured every multiple between the neighbours (the ALL list)", () => {
            const everySize = Array.from({ length: 46 }, (_, index) => 128 + 64 * index).map((memoryMB) =>
                row(memoryMB, 1e-6 + Math.abs(memoryMB - 1024) * 1e-9, 100),
            );
            assert.deepEqual(planRefinement(everySize, 1024, cost, DEFAULT_REFINE_SETTINGS), {
                kind: "skip",
                reason: "the first pass already measured every multiple of 64 MB between 960 and 1088 MB",
            });
        });

        it("skips a first pass that measured one size", () => {
            assert.equal(planRefinement([row(512, 1e-6, 10)], 512, cost, DEFAULT_REFINE_SETTINGS).kind, "skip");
        });

        it("skips speed: more memory never makes a function slower, so nothing between two sizes beats the faster", () => {
            assert.deepEqual(planRefinement(balancedRun.stats, 3008, speed, DEFAULT_REFINE_SETTINGS), {
                kind: "skip",
                reason: "the sizes between 1536 and 3008 MB could beat 3008 MB by at most 0 % (duration), below minSavingPercent 1 %",
            });
        });

        it("skips cost when the request charge leaves too little to save", () => {
            // 1.5 ms at every size: duration costs of a few nano-dollars against the 200 nano-dollar request charge.
            const fast = [128, 256, 512, 1024].map((memoryMB) => row(memoryMB, 1.7e-9 * (memoryMB / 128) * 2, 1.5));
            assert.match(
                String((planRefinement(fast, 128, cost, DEFAULT_REFINE_SETTINGS) as { reason: string }).reason),
                /at most 0 % \(cost per invocation including the request charge\)/,
            );
        });

        it("skips below minSavingPercent and refines at or above it", () => {
            // At 256 MB of the balanced run the cost strategy could save at most 0.53 %.
            assert.deepEqual(planRefinement(balancedRun.stats, 256, cost, DEFAULT_REFINE_SETTINGS), {
                kind: "skip",
                reason: "the sizes between 128 and 512 MB could beat 256 MB by at most 0.53 % (cost per invocation including the request charge), below minSavingPercent 1 %",
            });
            assert.equal(
                planRefinement(balancedRun.stats, 256, cost, { ...DEFAULT_REFINE_SETTINGS, minSavingPercent: 0.5 }).kind,
                "refine",
            );
        });
    });
});

describe("the merged decision", () => {
    const first = {
        ...tuningResultFromOutcome(
            { name: "digest", arn: "" },
            { kind: "succeeded", analysis: costRun },
            { strategy: "cost", executionArn: "arn:first" },
        ),
    } as const;
    const firstPass = first as typeof first & { power: number; cost: number; duration: number };
    const step: RefineStep = { kind: "refine", memorySizesMB: [320, 384, 448], betweenMB: [256, 512] };
    const refinedRun = (stats: PowerStat[]): ExecutionOutcome => ({
        kind: "succeeded",
        analysis: {
            power: stats[0].memoryMB,
            cost: stats[0].averageCostUsd,
            duration: stats[0].averageDurationMs,
            stats,
            stateMachineCostUsd: 0.000375,
            lambdaCostUsd: 0.00006,
        },
    });
    const cheaperAt384 = [row(320, 1.7e-6, 330), row(384, 1.65e-6, 270), row(448, 1.69e-6, 230)];

    it("decides over both passes' figures with the same strategy, and charts and costs both", () => {
        const result = resultAfterRefinement(firstPass, step, refinedRun(cheaperAt384), {
            executionArn: "arn:second",
            num: 50,
            choice: cost,
        });
        assert.deepEqual([result.power, result.cost, result.duration], [384, 1.65e-6, 270]);
        assert.deepEqual(
            result.stats.map((stat) => stat.memoryMB),
            [128, 256, 320, 384, 448, 512, 1024],
        );
        assert.deepEqual(
            decodeVisualizationUrl(result.visualization!).map((stat) => stat.memoryMB),
            [128, 256, 320, 384, 448, 512, 1024],
        );
        assert.ok(Math.abs(result.stateMachineCostUsd! - (0.00045 + 0.000375)) < 1e-12);
        assert.ok(Math.abs(result.lambdaCostUsd! - (0.0000750855 + 0.00006)) < 1e-12);
        assert.equal(result.executionArn, "arn:first");
        assert.deepEqual(result.refinement, {
            status: "refined",
            betweenMB: [256, 512],
            memorySizesMB: [320, 384, 448],
            executionArn: "arn:second",
            invocations: 150,
            stateMachineCostUsd: 0.000375,
            lambdaCostUsd: 0.00006,
            firstPass: { power: 256, cost: costRun.cost, duration: costRun.duration },
        });
    });

    it("keeps the first pass's pick when no new size beats it", () => {
        const dearer = cheaperAt384.map((stat) => ({ ...stat, averageCostUsd: stat.averageCostUsd + 1e-7 }));
        const result = resultAfterRefinement(firstPass, step, refinedRun(dearer), { num: 50, choice: cost });
        assert.equal(result.power, 256);
        assert.equal(result.stats.length, 7);
    });

    it("balanced: decides the weighted mix over both passes", () => {
        // Over the first pass alone 1024 MB scores best (0.567 = 0.5·1.848/1.848 + 0.5·110/821);
        // 896 MB scores 0.547 (0.5·1.75/1.848 + 0.5·120/821).
        const balancedFirst = { ...firstPass, strategy: "balanced" as const, power: 1024, cost: 1.848e-6, duration: 109.68333333333334 };
        const towards1024: RefineStep = { kind: "refine", memorySizesMB: [640, 768, 896], betweenMB: [512, 1024] };
        const refined = [row(640, 1.79e-6, 175), row(768, 1.8e-6, 150), row(896, 1.75e-6, 120)];
        assert.equal(resultAfterRefinement(balancedFirst, towards1024, refinedRun(refined), { num: 50, choice: balanced }).power, 896);
        assert.equal(resultAfterRefinement(balancedFirst, towards1024, refinedRun(refined), { num: 50, choice: cost }).power, 256);
    });

    it("keeps the first pass's recommendation, and the reason, when the refinement failed", () => {
        const error = { error: "States.Timeout", cause: "the execution ran longer than the state machine's totalExecutionTimeout" };
        const result = resultAfterRefinement(
            firstPass,
            step,
            { kind: "timed-out", error },
            { executionArn: "arn:second", num: 50, choice: cost },
        );
        assert.equal(result.status, "succeeded");
        assert.equal(result.power, 256);
        assert.deepEqual(result.stats, costRun.stats);
        assert.deepEqual(result.refinement, {
            status: "failed",
            betweenMB: [256, 512],
            memorySizesMB: [320, 384, 448],
            executionArn: "arn:second",
            error,
        });
    });

    it("counts a refinement that reported no new sizes as failed", () => {
        const result = resultAfterRefinement(firstPass, step, refinedRun([row(256, 1e-6, 1)]), { num: 50, choice: cost });
        assert.equal(result.refinement?.status, "failed");
        assert.equal(result.power, 256);
    });
});

describe("tuning in passes", () => {
    const fn = { name: "digest", arn: "arn:aws:lambda:us-east-1:123456789012:function:digest" };
    const succeeded = (analysis: TuningAnalysis): FinishedPass => ({
        outcome: { kind: "succeeded", analysis },
        executionArn: `arn:${analysis.power}`,
    });
    const secondRun: TuningAnalysis = {
        power: 384,
        cost: 1.65e-6,
        duration: 270,
        stats: [row(320, 1.7e-6, 330), row(384, 1.65e-6, 270), row(448, 1.69e-6, 230)],
    };

    /** Runs the sequence with scripted passes, recording the step each pass was asked for. */
    async function run(input: PowerTuningInput, passes: FinishedPass[]) {
        const steps: Array<RefineStep | undefined> = [];
        const result = await tuneInPasses(fn, input, async (step) => {
            steps.push(step);
            return passes.shift()!;
        });
        return { result, steps };
    }

    it("runs one pass without a refine block", async () => {
        const { result, steps } = await run({ num: 50 }, [succeeded(costRun)]);
        assert.deepEqual(steps, [undefined]);
        assert.equal(result.refinement, undefined);
        assert.equal(result.power, 256);
    });

    it("with a refine block, runs the second pass on the planned sizes and decides over both", async () => {
        const { result, steps } = await run({ num: 50, refine: {} }, [succeeded(costRun), succeeded(secondRun)]);
        assert.deepEqual(steps, [undefined, { kind: "refine", memorySizesMB: [320, 384, 448], betweenMB: [256, 512] }]);
        assert.equal(result.power, 384);
        assert.equal(result.refinement?.status, "refined");
    });

    it("records why it skipped, without a second pass", async () => {
        const fastest = balancedRun.stats.find((stat) => stat.memoryMB === 3008)!;
        const speedRun = { ...balancedRun, power: 3008, cost: fastest.averageCostUsd, duration: fastest.averageDurationMs };
        const { result, steps } = await run({ num: 50, strategy: "speed", refine: {} }, [succeeded(speedRun)]);
        assert.equal(steps.length, 1);
        assert.equal(result.refinement?.status, "skipped");
    });

    it("does not refine a first pass that failed", async () => {
        const failed: FinishedPass = { outcome: { kind: "failed", error: { error: "Lambda.Unknown", cause: "boom" } } };
        const { result, steps } = await run({ num: 50, refine: {} }, [failed]);
        assert.equal(steps.length, 1);
        assert.equal(result.status, "failed");
        assert.equal(result.refinement, undefined);
    });
});

describe("the refine settings", () => {
    const FILE = "power-tuning-input.json";
    const parse =
        (refine: unknown, extra: object = {}) =>
        () =>
            parseTuningInput(JSON.stringify({ num: 10, refine, ...extra }), FILE);

    it("rejects a bad refine block before any AWS call, naming each field, its value and what is allowed", () => {
        assert.throws(
            parse(true),
            new InputError(
                `${FILE}: "refine" is true; allowed: an object with any of stepMB, maxSizes, minSavingPercent, such as {"maxSizes": 6}; or leave it out to measure powerValues only`,
            ),
        );
        assert.throws(
            parse({ stepMB: 0, maxSizes: 21, minSavingPercent: -1, steps: 64 }),
            new InputError(
                [
                    `${FILE}: "refine.stepMB" is 0; allowed: an integer from 1 to 1024 (MB)`,
                    `${FILE}: "refine.maxSizes" is 21; allowed: an integer from 1 to 20 (new memory sizes per function)`,
                    `${FILE}: "refine.minSavingPercent" is -1; allowed: a number from 0 to 100 (percent; 0 refines whenever there is room)`,
                    `${FILE}: "refine.steps" is 64 (unknown setting; did you mean "stepMB"?); allowed: only stepMB, maxSizes, minSavingPercent`,
                ].join("\n"),
            ),
        );
        assert.throws(parse({ maxSizes: 2.5 }), /"refine\.maxSizes" is 2\.5; allowed: an integer from 1 to 20/);
    });

    it("refuses autoOptimize with a refinement: each execution would set the memory from its own sizes only", () => {
        assert.throws(
            parse({}, { autoOptimize: true }),
            /"autoOptimize" is true \(each execution would set the function's memory from its own sizes only\); allowed: false or left out when "refine" is set/,
        );
        assert.equal(parseTuningInput(JSON.stringify({ num: 10, autoOptimize: true }), FILE).autoOptimize, true);
    });

    it("fills in the defaults: 64 MB steps, at most 6 sizes, at least 1 % to gain", () => {
        assert.deepEqual(refineSettingsOf({ num: 10, refine: {} }), { stepMB: 64, maxSizes: 6, minSavingPercent: 1 });
        assert.deepEqual(refineSettingsOf({ num: 10, refine: { maxSizes: 3 } }), { stepMB: 64, maxSizes: 3, minSavingPercent: 1 });
        assert.equal(refineSettingsOf({ num: 10 }), undefined);
    });

    it("is part of the fingerprint, so turning it on or changing it tunes again instead of reusing an unrefined result", () => {
        const facts = { codeSha256: "abc=", architectures: ["arm64"], layers: [], environmentSha256: "0".repeat(64), fileSystems: [] };
        const fingerprints = [{ num: 10 }, { num: 10, refine: {} }, { num: 10, refine: { maxSizes: 3 } }].map((input) =>
            tuningFingerprint(facts, input),
        );
        assert.equal(new Set(fingerprints).size, 3);
    });

    it("sends the state machine the tool's input only: no refine block, the pass's sizes, lambdaARN and per-size figures", () => {
        const input = { num: 10, powerValues: [128, 512], strategy: "cost" as const, refine: { maxSizes: 3 } };
        assert.deepEqual(stateMachineInput(input, "arn:fn"), {
            num: 10,
            powerValues: [128, 512],
            strategy: "cost",
            lambdaARN: "arn:fn",
            includeOutputResults: true,
        });
        assert.deepEqual(stateMachineInput(input, "arn:fn", [192, 256]), {
            num: 10,
            powerValues: [192, 256],
            strategy: "cost",
            lambdaARN: "arn:fn",
            includeOutputResults: true,
        });
    });
});
