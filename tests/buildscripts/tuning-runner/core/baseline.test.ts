import * as assert from "node:assert/strict";

import { figureDelta, type FoundBaseline, withBaseline } from "../../../../buildscripts/tuning-runner/core/baseline";
import { classifyExecution } from "../../../../buildscripts/tuning-runner/core/execution";
import { tuningResultFromOutcome } from "../../../../buildscripts/tuning-runner/core/results";
import { parseResultsFile, type PullRequestContext, type TuningResult } from "../../../../buildscripts/tuning-runner/core/resultsFile";
import { decodeComparisonUrl } from "../../../../buildscripts/tuning-runner/core/visualization";
import { renderTuningComment } from "../../../../buildscripts/tuning-runner/markdown/tuningReport";
import { loadFixture } from "../../../fixtures";

const PULL_REQUEST: PullRequestContext = {
    repositoryName: "TargetLambdaFunctionRepository",
    pullRequestId: "7",
    sourceCommit: `def5678${"a".repeat(33)}`,
    destinationCommit: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
};
const costOutput = loadFixture("power-tuning/output-cost-x86-4-powers.json");

/** Production: output-cost-x86-4-powers.json, 256 MB recommended at 402 ms and $1.6926e-6 per invocation. */
const BASELINE: FoundBaseline = {
    status: "found",
    fingerprint: "a".repeat(64),
    productionCommit: `abc1234${"b".repeat(33)}`,
    productionRecordedAt: "2026-11-19T08:00:00.000Z",
    tunedBy: { commit: `0123456${"c".repeat(33)}`, pullRequestId: "5", recordedAt: "2026-11-18T16:30:00.000Z" },
    strategy: "cost",
    power: 256,
    cost: 0.0000016926000000000001,
    duration: 402,
    stats: costOutput.stats.map((stat: any) => ({
        memoryMB: stat.value,
        averageDurationMs: stat.averageDuration,
        averageCostUsd: stat.averagePrice,
    })),
};

/** This PR: the same measurements, but its code made 512 MB the cheapest (the fixture's 512 MB row, cheapened). */
function pullRequestResult(): TuningResult {
    const output = { ...costOutput, power: 512, cost: 0.0000017052000000000002, duration: 202.38333333333333 };
    output.stats = costOutput.stats.map((stat: any) => (stat.value === 512 ? stat : { ...stat, averagePrice: stat.averagePrice * 2 }));
    return tuningResultFromOutcome(
        { name: "digest", arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest-pr-7-def5678" },
        classifyExecution({ status: "SUCCEEDED", output: JSON.stringify(output) }),
        {
            strategy: "cost",
        },
    );
}

function assertClose(actual: number | undefined, expected: number, what: string): void {
    assert.ok(
        actual !== undefined && Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)),
        `${what}: ${actual} ≠ ${expected}`,
    );
}

describe("baseline comparison", () => {
    it("computes a change as current − baseline and its percentage of the baseline", () => {
        assert.deepEqual(figureDelta(256, 512), { baseline: 256, current: 512, absolute: 256, percent: 100 });
        assert.deepEqual(figureDelta(400, 300), { baseline: 400, current: 300, absolute: -100, percent: -25 });
        // A percentage of nothing means nothing: only the absolute change is given.
        assert.deepEqual(figureDelta(0, 5), { baseline: 0, current: 5, absolute: 5 });
    });

    it("compares recommended memory, cost per 1M invocations with the request charge, and duration at the recommended memory", () => {
        const { delta } = withBaseline(pullRequestResult(), BASELINE, PULL_REQUEST);
        assert.ok(delta);
        assert.deepEqual(delta.memoryMB, { baseline: 256, current: 512, absolute: 256, percent: 100 });
        // (1.6926e-6 + 2e-7) × 1e6 = 1.8926 → (1.7052e-6 + 2e-7) × 1e6 = 1.9052: +0.0126, 0.0126 / 1.8926 = +0.66575%
        assertClose(delta.costPerMillionUsd.baseline, 1.8926, "baseline cost per 1M");
        assertClose(delta.costPerMillionUsd.current, 1.9052, "current cost per 1M");
        assertClose(delta.costPerMillionUsd.absolute, 0.0126, "cost change");
        assertClose(delta.costPerMillionUsd.percent, 0.665750819, "cost change %");
        // 402 ms → 202.3833 ms: −199.6167 ms, −199.6167 / 402 = −49.6559%
        assertClose(delta.durationMs.absolute, -199.61666666666667, "duration change");
        assertClose(delta.durationMs.percent, -49.6558872305141, "duration change %");
    });

    it("links a chart of both runs that decodes back to production's and this PR's measurements, with legends", () => {
        const result = pullRequestResult();
        const { delta } = withBaseline(result, BASELINE, PULL_REQUEST);
        const [baseline, current] = decodeComparisonUrl(delta!.comparisonUrl);
        assert.equal(baseline.legend, "main@abc1234");
        assert.equal(current.legend, "PR 7@def5678");
        assert.deepEqual(
            baseline.stats.map((stat) => stat.memoryMB),
            [128, 256, 512, 1024],
        );
        assert.deepEqual(
            current.stats.map((stat) => stat.memoryMB),
            [128, 256, 512, 1024],
        );
        // float32 in the link: equal to the runs' own figures to about 7 digits.
        for (const [index, stat] of baseline.stats.entries())
            assert.ok(Math.abs(stat.averageCostUsd / BASELINE.stats[index].averageCostUsd - 1) < 1e-6);
        for (const [index, stat] of current.stats.entries()) {
            assert.ok(Math.abs(stat.averageDurationMs / result.stats[index].averageDurationMs - 1) < 1e-6);
        }
        assert.ok(
            Math.abs(current.stats[0].averageCostUsd / baseline.stats[0].averageCostUsd - 2) < 1e-6,
            "this PR's 128 MB row costs twice production's",
        );
    });

    it("names the sides 'main' and 'this run' when there is no production commit or pull request", () => {
        const { productionCommit: _commit, ...withoutCommit } = BASELINE;
        const [baseline, current] = decodeComparisonUrl(withBaseline(pullRequestResult(), withoutCommit, undefined).delta!.comparisonUrl);
        assert.deepEqual([baseline.legend, current.legend], ["main", "this run"]);
    });

    it("keeps the baseline but compares nothing when this run's tuning failed", () => {
        const failed: TuningResult = {
            name: "digest",
            arn: "arn:aws:lambda:us-east-1:123456789012:function:digest",
            status: "failed",
            strategy: "cost",
            stats: [],
            error: { error: "States.TaskFailed", cause: "boom" },
        };
        const compared = withBaseline(failed, BASELINE, PULL_REQUEST);
        assert.equal(compared.baseline, BASELINE);
        assert.equal(compared.delta, undefined);
    });
});

describe("baseline and reuse in the comment", () => {
    /** One function's section of the comment, heading to the next heading or rule. */
    function section(result: TuningResult): string[] {
        const lines = renderTuningComment([result], {}).split("\n");
        const start = lines.findIndex((line) => line.startsWith("### "));
        const end = lines.findIndex((line, index) => index > start && line === "---");
        return lines.slice(start, end);
    }

    it("tabulates production against this PR with signed changes, and links the comparison chart", () => {
        const compared = withBaseline(pullRequestResult(), BASELINE, PULL_REQUEST);
        const lines = section(compared);
        assert.ok(
            lines.includes("**Against production** (main@abc1234; its result tuned for PR 5 at `0123456` on 2026-11-18 16:30 UTC):"),
            lines.join("\n"),
        );
        assert.ok(lines.includes("| | main@abc1234 | PR 7@def5678 | Change |"));
        assert.ok(lines.includes("| Recommended memory | 256 MB | 512 MB | +256 MB (+100%) |"));
        assert.ok(lines.includes("| Cost per 1M invocations\\* | $1.89 | $1.91 | +$0.0126 (+0.666%) |"));
        assert.ok(lines.includes("| Avg duration at that memory | 402 ms | 202 ms | −200 ms (−49.7%) |"));
        assert.ok(lines.includes(`[Both charts on lambda-power-tuning.show](${compared.delta!.comparisonUrl}).`));
    });

    it("says 'unchanged' for a figure that did not move", () => {
        const same = withBaseline({ ...pullRequestResult(), power: 256, cost: BASELINE.cost, duration: 402 }, BASELINE, PULL_REQUEST);
        assert.ok(section(same).includes("| Recommended memory | 256 MB | 256 MB | unchanged |"));
    });

    it("says why there is no baseline", () => {
        const result = withBaseline(
            pullRequestResult(),
            { status: "none", reason: "production has no recorded fingerprint for `digest`" },
            PULL_REQUEST,
        );
        assert.ok(section(result).includes("No baseline: production has no recorded fingerprint for `digest`."));
        assert.equal(result.delta, undefined);
    });

    it("marks a reused result as unchanged since the commit that was tuned, without a cost for this run", () => {
        const { stateMachineCostUsd: _sm, lambdaCostUsd: _lambda, ...measured } = pullRequestResult();
        const reused: TuningResult = {
            ...measured,
            reused: { commit: `0123456${"c".repeat(33)}`, pullRequestId: "5", recordedAt: "2026-11-18T16:30:00.000Z" },
        };
        const lines = section(reused);
        assert.ok(
            lines.includes(
                "♻️ Unchanged since `0123456`, result reused (tuned for PR 5 on 2026-11-18 16:30 UTC): same code, configuration and tuning input, so nothing was run.",
            ),
            lines.join("\n"),
        );
        assert.ok(!lines.some((line) => line.includes("this tuning run cost")));
    });

    it("says a result measured on another function with the same code is borrowed from it, naming it", () => {
        const borrowed: TuningResult = {
            ...pullRequestResult(),
            reused: {
                commit: `0123456${"c".repeat(33)}`,
                pullRequestId: "5",
                recordedAt: "2026-11-18T16:30:00.000Z",
                functionName: "resize",
            },
        };
        const lines = section(borrowed);
        assert.ok(
            lines.includes(
                "♻️ Same code, configuration and tuning input as `resize`, so its result is borrowed (tuned for PR 5 at `0123456` on 2026-11-18 16:30 UTC): nothing was run for this function.",
            ),
            lines.join("\n"),
        );
        assert.ok(!lines.some((line) => /unchanged|tuned before/i.test(line)), lines.join("\n"));
        const markdown = renderTuningComment([borrowed, { ...pullRequestResult(), name: "resize" }], {
            history: { uri: "s3://artifacts/tuning-history/", problems: [] },
        });
        assert.match(
            markdown,
            /^♻️ 1 of 2 functions with a stored result for the same code and input \(1 measured on another function\): reused, no tuning ran for them\.$/m,
        );
    });

    it("counts reused results and states when the history was unavailable, listing each problem", () => {
        const reused: TuningResult = { ...pullRequestResult(), reused: { recordedAt: "2026-11-18T16:30:00.000Z" } };
        const markdown = renderTuningComment([reused, { ...pullRequestResult(), name: "resize" }], {
            history: {
                uri: "s3://artifacts/tuning-history/",
                problems: ["`resize`: reading results/1a2b….json failed: AccessDenied: Access Denied"],
            },
        });
        assert.match(markdown, /^♻️ 1 of 2 functions unchanged: stored results reused, no tuning ran for them\.$/m);
        assert.match(markdown, /^⚠️ Tuning history unavailable in part \(s3:\/\/artifacts\/tuning-history\/\)/m);
        assert.match(markdown, /^- `resize`: reading results\/1a2b….json failed: AccessDenied: Access Denied$/m);
    });

    it("says nothing about a history when the run had none", () => {
        const markdown = renderTuningComment([pullRequestResult()], {});
        assert.doesNotMatch(markdown, /history|baseline|reused/i);
    });
});

describe("baseline fields in the results file", () => {
    const file = (entry: Partial<TuningResult>) =>
        JSON.stringify({ version: 1, generatedAt: "2026-11-20T17:06:00.000Z", functions: [{ ...pullRequestResult(), ...entry }] });

    it("reads back what tune wrote: baseline, deltas, reuse, fingerprint and the history's status", () => {
        const compared = {
            ...withBaseline(pullRequestResult(), BASELINE, PULL_REQUEST),
            fingerprint: "f".repeat(64),
            reused: { recordedAt: "2026-11-18T16:30:00.000Z" },
        };
        const text = JSON.stringify({
            version: 1,
            generatedAt: "2026-11-20T17:06:00.000Z",
            functions: [compared],
            history: { uri: "s3://artifacts/tuning-history/", problems: [] },
        });
        const parsed = parseResultsFile(text, "power-tuning-results.json");
        assert.deepEqual(parsed.functions[0], JSON.parse(JSON.stringify(compared)));
        assert.deepEqual(parsed.history, { uri: "s3://artifacts/tuning-history/", problems: [] });
    });

    it("names the field of a malformed baseline or delta", () => {
        assert.throws(
            () => parseResultsFile(file({ baseline: { status: "found" } as any }), "r.json"),
            /r\.json: "functions\[0\]\.baseline" is .*allowed: \{status: "found"/,
        );
        const delta = withBaseline(pullRequestResult(), BASELINE, PULL_REQUEST).delta!;
        assert.throws(
            () => parseResultsFile(file({ delta: { ...delta, comparisonUrl: "https://lambda-power-tuning.show/#a;b;c" } }), "r.json"),
            /"functions\[0\]\.delta"/,
        );
    });
});
