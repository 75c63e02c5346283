import * as assert from "node:assert/strict";

import type { PowerStat } from "../../../../buildscripts/tuning-runner/core/powerStat";
import { type FirstPassResult, type RefineStep, resultAfterRefinement } from "../../../../buildscripts/tuning-runner/core/refine";
import { tuningResultFromOutcome } from "../../../../buildscripts/tuning-runner/core/results";
import { buildResultsFile, parseResultsFile, type TuningResult } from "../../../../buildscripts/tuning-runner/core/resultsFile";
import { analysisFromOutput } from "../../../../buildscripts/tuning-runner/core/stateMachineOutput";
import { reusedResult, storedResultEntry } from "../../../../buildscripts/tuning-runner/core/tuningHistory";
import { decodeVisualizationUrl } from "../../../../buildscripts/tuning-runner/core/visualization";
import { renderTuningComment } from "../../../../buildscripts/tuning-runner/markdown/tuningReport";
import { loadFixture } from "../../../fixtures";

const fn = { name: "digest", arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest" };
const firstRun = analysisFromOutput(loadFixture("power-tuning/output-cost-x86-4-powers.json"))!;
const first = tuningResultFromOutcome(
    fn,
    { kind: "succeeded", analysis: firstRun },
    { strategy: "cost", executionArn: "arn:first" },
) as FirstPassResult;
const step: RefineStep = { kind: "refine", memorySizesMB: [320, 384, 448], betweenMB: [256, 512] };
const row = (memoryMB: number, averageCostUsd: number, averageDurationMs: number): PowerStat => ({
    memoryMB,
    averageCostUsd,
    averageDurationMs,
});

function refinedWith(stats: PowerStat[]): TuningResult {
    const analysis = {
        power: stats[0].memoryMB,
        cost: stats[0].averageCostUsd,
        duration: stats[0].averageDurationMs,
        stats,
        stateMachineCostUsd: 0.000375,
        lambdaCostUsd: 0.00006,
    };
    return resultAfterRefinement(
        first,
        step,
        { kind: "succeeded", analysis },
        { executionArn: "arn:second", num: 50, choice: { strategy: "cost", balancedWeight: 0.5 } },
    );
}
const refined = refinedWith([row(320, 1.7e-6, 330), row(384, 1.65e-6, 270), row(448, 1.69e-6, 230)]);

/** The function's table rows, cells split. */
function tableRows(markdown: string): string[][] {
    return markdown
        .split("\n")
        .filter((line) => line.startsWith("| ") && !line.startsWith("| Memory"))
        .map((line) => line.slice(2, -2).split(" | "));
}

describe("the refinement in the comment", () => {
    it("shows one table of both passes, the refined rows marked", () => {
        const rows = tableRows(renderTuningComment([refined], {}));
        assert.deepEqual(
            rows.map((cells) => cells[0]),
            ["128", "256", "320 🔍", "**384 🔍** ✅", "448 🔍", "512", "1024"],
        );
        assert.deepEqual(rows[3], ["**384 🔍** ✅", "**270 ms**", "**$0.00000165**", "**$1.85**"]);
    });

    it("says what the refinement measured and cost, what the first pass alone picked, and when the saving pays for it", () => {
        const markdown = renderTuningComment([refined], {});
        assert.ok(
            markdown.includes(
                "🔍 Refined: 3 sizes (320, 384, 448 MB) between 256 and 512 MB (150 invocations, $0.000435: Step Functions $0.000375 + Lambda $0.0000600). " +
                    "The first pass alone picked 256 MB at $1.89 per 1M invocations\\* and 402 ms; refined: 384 MB at $1.85 (−2.3 %) per 1M invocations\\* and 270 ms (−33 %). " +
                    "The refinement pays for itself after 10,212 invocations.",
            ),
            markdown,
        );
        assert.match(markdown, /### ✅ `digest`: 384 MB recommended/);
    });

    it("costs the run as both executions and links the chart of both passes' data", () => {
        const markdown = renderTuningComment([refined], {});
        // 0.00045 + 0.0000750855 (first) + 0.000375 + 0.00006 (refinement)
        assert.match(markdown, /this tuning run cost \$0\.000960 \(Step Functions \$0\.000825 \+ Lambda \$0\.000135\)/);
        const link = /\[chart on lambda-power-tuning\.show\]\(([^)]+)\)/.exec(markdown)![1];
        assert.deepEqual(
            decodeVisualizationUrl(link).map((stat) => stat.memoryMB),
            [128, 256, 320, 384, 448, 512, 1024],
        );
    });

    it("says the first pass's pick stands when no refined size beat it, without a saving to pay back", () => {
        const markdown = renderTuningComment([refinedWith([row(320, 1.8e-6, 330), row(384, 1.75e-6, 270), row(448, 1.79e-6, 230)])], {});
        assert.match(
            markdown,
            /\(150 invocations, \$0\.000435: Step Functions \$0\.000375 \+ Lambda \$0\.0000600\)\. The first pass's pick, 256 MB, stands\./,
        );
        assert.doesNotMatch(markdown, /pays for itself/);
    });

    it("says why the refinement was skipped", () => {
        const skipped = {
            ...first,
            refinement: {
                status: "skipped" as const,
                reason: "the first pass already measured every multiple of 64 MB between 960 and 1088 MB",
            },
        };
        assert.match(
            renderTuningComment([skipped], {}),
            /\nRefinement skipped: the first pass already measured every multiple of 64 MB between 960 and 1088 MB\.\n/,
        );
    });

    it("says a failed refinement left the first pass's recommendation, which the history does not keep", () => {
        const error = { error: "States.Timeout", cause: "the execution ran longer than the state machine's totalExecutionTimeout" };
        const failed = resultAfterRefinement(
            first,
            step,
            { kind: "timed-out", error },
            { num: 50, choice: { strategy: "cost", balancedWeight: 0.5 } },
        );
        const markdown = renderTuningComment([failed], {});
        assert.match(markdown, /### ✅ `digest`: 256 MB recommended/);
        assert.ok(
            markdown.includes(
                "⚠️ Refinement failed (`States.Timeout`: `the execution ran longer than the state machine's totalExecutionTimeout`) on 3 sizes (320, 384, 448 MB): " +
                    "the recommendation is the first pass's, and it is not stored in the tuning history, so the next build refines again.",
            ),
            markdown,
        );
    });
});

describe("the refinement in the results file and the tuning history", () => {
    it("is written to the results file and read back", () => {
        const file = buildResultsFile([refined], { generatedAt: "2026-11-26T17:15:17.491Z" });
        assert.deepEqual(parseResultsFile(JSON.stringify(file), "power-tuning-results.json").functions[0], refined);
    });

    it("is checked when read back, naming the field", () => {
        const file = buildResultsFile([{ ...refined, refinement: { status: "refined", memorySizesMB: "320" } as never }], {
            generatedAt: "2026-11-26T17:15:17.491Z",
        });
        assert.throws(
            () => parseResultsFile(JSON.stringify(file), "out.json"),
            /out\.json: "functions\[0\]\.refinement" is \{"status":"refined","memorySizesMB":"320"\}; allowed: \{status: "refined", betweenMB/,
        );
    });

    const measured = {
        fingerprint: "f".repeat(64),
        facts: { codeSha256: "abc=", architectures: ["arm64"], layers: [], environmentSha256: "0".repeat(64), fileSystems: [] },
        input: { num: 50, refine: {} },
    };

    it("is stored with the merged result, and reused without the cost its run paid", () => {
        const entry = storedResultEntry(refined, measured, { recordedAt: "2026-11-26T17:15:17.491Z" })!;
        assert.deepEqual(entry.result.stats, refined.stats);
        const reused = reusedResult(fn, entry);
        assert.equal(reused.power, 384);
        assert.deepEqual(reused.refinement, {
            status: "refined",
            betweenMB: [256, 512],
            memorySizesMB: [320, 384, 448],
            invocations: 150,
            firstPass: { power: 256, cost: firstRun.cost, duration: firstRun.duration },
        });
        const markdown = renderTuningComment([reused], {});
        assert.match(
            markdown,
            /🔍 Refined: 3 sizes \(320, 384, 448 MB\) between 256 and 512 MB \(150 invocations\)\. The first pass alone picked 256 MB/,
        );
        assert.doesNotMatch(markdown, /pays for itself/);
    });

    it("is not stored when the refinement failed, so the next build refines again", () => {
        const failed = resultAfterRefinement(
            first,
            step,
            { kind: "failed", error: { error: "Lambda.TooManyRequestsException", cause: "Rate exceeded" } },
            {
                num: 50,
                choice: { strategy: "cost", balancedWeight: 0.5 },
            },
        );
        assert.equal(storedResultEntry(failed, measured, { recordedAt: "2026-11-26T17:15:17.491Z" }), undefined);
    });
});
