// A pull request's result against production's (functional core): the recommended memory, and
// cost per 1M invocations and duration at it, each with its change, and the comparison chart link.
// markdown/baselineReport.ts says it in the comment.
import { costPerMillionInvocations } from "./cost";
import type { PowerStat } from "./powerStat";
import type { Baseline, BaselineDelta, FigureDelta, PullRequestContext, TuningResult } from "./resultsFile";
import { encodeComparisonUrl } from "./visualization";

export type FoundBaseline = Extract<Baseline, { status: "found" }>;

/** The branch production is deployed from, as the baseline is named in legends. */
const PRODUCTION_BRANCH = "main";

export function figureDelta(baseline: number, current: number): FigureDelta {
    const absolute = current - baseline;
    return baseline === 0 ? { baseline, current, absolute } : { baseline, current, absolute, percent: (absolute / baseline) * 100 };
}

/** The chart legends: `main@abc1234` for the baseline, `PR 7@def5678` (or `this run`) for the result. */
export function comparisonLegends(
    baseline: FoundBaseline,
    pullRequest: PullRequestContext | undefined,
): { baseline: string; current: string } {
    return {
        baseline:
            baseline.productionCommit === undefined ? PRODUCTION_BRANCH : `${PRODUCTION_BRANCH}@${shortCommit(baseline.productionCommit)}`,
        current: pullRequest === undefined ? "this run" : `PR ${pullRequest.pullRequestId}@${shortCommit(pullRequest.sourceCommit)}`,
    };
}

/**
 * `result` with its baseline and, when both have a recommendation, the deltas. A result that did
 * not succeed keeps the baseline (it says what production measured) but has nothing to compare.
 */
export function withBaseline(result: TuningResult, baseline: Baseline, pullRequest: PullRequestContext | undefined): TuningResult {
    if (
        baseline.status !== "found" ||
        result.status !== "succeeded" ||
        result.power === undefined ||
        result.cost === undefined ||
        result.duration === undefined
    ) {
        return { ...result, baseline };
    }
    const legends = comparisonLegends(baseline, pullRequest);
    const delta: BaselineDelta = {
        memoryMB: figureDelta(baseline.power, result.power),
        costPerMillionUsd: figureDelta(costPerMillionInvocations(baseline.cost), costPerMillionInvocations(result.cost)),
        durationMs: figureDelta(baseline.duration, result.duration),
        comparisonUrl: encodeComparisonUrl(
            { legend: legends.baseline, stats: chartStats(baseline) },
            { legend: legends.current, stats: chartStats(result) },
        ),
    };
    return { ...result, baseline, delta };
}

/** What a chart can show: every measured memory size, or only the recommended one when that is all there is. */
function chartStats(result: { stats: readonly PowerStat[]; power?: number; cost?: number; duration?: number }): readonly PowerStat[] {
    if (result.stats.length > 0 || result.power === undefined) return result.stats;
    return [{ memoryMB: result.power, averageDurationMs: result.duration ?? Number.NaN, averageCostUsd: result.cost ?? Number.NaN }];
}

/** A commit as the comment and the chart legends show it: its first 7 characters, as git abbreviates. */
export function shortCommit(commit: string): string {
    return commit.slice(0, 7);
}
