// The refinement pass (functional core). A first execution measures a coarse list of memory sizes;
// the optimum often lies between two of them (where a function reaches a full vCPU at 1,769 MB,
// or where billing's 1 ms ceiling bites). The refinement measures a few more sizes between the
// first pass's pick and its measured neighbours, and the recommendation is decided over both
// passes with the tool's own strategy rules. Sizes stay between sizes the first pass measured,
// so they are within 128–10,240 MB and within the account's memory limit without knowing it
// (Lambda's API does not report that limit). The settings are in refineSettings.ts.

import { REQUEST_CHARGE_USD } from "./cost";
import { withoutUndefined } from "./json";
import { significant } from "./numbers";
import { refineSettingsOf, type RefineSettings } from "./refineSettings";
import { tuningResultFromOutcome } from "./results";
import { recommendedStat, strategyChoiceOf, strategyScore, type StrategyChoice } from "./strategy";
import type { PowerStat } from "./powerStat";
import type { TuningError, TuningResult } from "./resultsFile";
import type { PowerTuningInput } from "./tuningInput";
import type { ExecutionOutcome, TargetFunction } from "./types";
import { encodeVisualizationUrl } from "./visualization";

/** How one execution of the state machine ended. */
export interface FinishedPass {
    readonly outcome: ExecutionOutcome;
    readonly executionArn?: string;
    /** ISO-8601. */
    readonly startedAt?: string;
    readonly stoppedAt?: string;
}

/**
 * Runs one execution for the function and follows it to its end: on the input's powerValues
 * (no step), or on a refinement's sizes. Never called twice at once for one function.
 */
export type RunPass = (step?: RefineStep) => Promise<FinishedPass>;

/**
 * One function's tuning: the first pass and, when the input asks for it and the plan finds it
 * worthwhile, the refinement — the same sequence for the runner and for the benchmark's
 * simulated state machine, which differ only in `runPass`.
 */
export async function tuneInPasses(fn: TargetFunction, input: PowerTuningInput, runPass: RunPass): Promise<TuningResult> {
    const choice = strategyChoiceOf(input);
    const { outcome, ...times } = await runPass();
    const first = tuningResultFromOutcome(fn, outcome, { strategy: choice.strategy, ...times });
    const settings = refineSettingsOf(input);
    if (settings === undefined || !isRecommendation(first)) return first;
    const plan = planRefinement(first.stats, first.power, choice, settings);
    if (plan.kind === "skip") return withSkippedRefinement(first, plan.reason);
    const second = await runPass(plan);
    return resultAfterRefinement(first, plan, second.outcome, {
        executionArn: second.executionArn,
        stoppedAt: second.stoppedAt,
        num: input.num,
        choice,
    });
}

/** Whether to run a second execution for a function, and on which sizes. */
export type RefinePlan = RefineStep | { readonly kind: "skip"; readonly reason: string };

/** A planned second execution: the sizes it measures and the measured sizes they lie between. */
export interface RefineStep {
    readonly kind: "refine";
    readonly memorySizesMB: readonly number[];
    readonly betweenMB: readonly [number, number];
}

/**
 * Plans the refinement of a first pass that picked `winnerMB` from `stats`. The candidates are
 * the multiples of `stepMB` strictly inside the gaps between the winner and its measured
 * neighbours (so never a measured size). A gap is worth measuring when even the best curve the
 * measurements allow there could beat the winner by `minSavingPercent`; at most `maxSizes` sizes
 * are spread evenly over the gaps worth it, the wider gap getting more.
 */
export function planRefinement(
    stats: readonly PowerStat[],
    winnerMB: number,
    choice: StrategyChoice,
    settings: RefineSettings,
): RefinePlan {
    // The rows the tool decides among; a row without a duration was not a measurement.
    const rows = [...stats].filter((stat) => stat.averageDurationMs !== 0).sort((a, b) => a.memoryMB - b.memoryMB);
    const at = rows.findIndex((stat) => stat.memoryMB === winnerMB);
    if (at === -1) return { kind: "skip", reason: `the first pass reported no figures for its pick, ${winnerMB} MB` };
    if (rows.length === 1)
        return { kind: "skip", reason: `the first pass measured only ${winnerMB} MB, so there is nothing to refine between` };
    const measured = new Set(stats.map((stat) => stat.memoryMB));
    const floor = savingFloor(rows, choice);
    const gaps = [at - 1, at]
        .filter((gap) => gap >= 0 && gap + 1 < rows.length)
        .map((gap) => ({
            fromMB: rows[gap].memoryMB,
            toMB: rows[gap + 1].memoryMB,
            sizes: multiplesBetween(rows[gap].memoryMB, rows[gap + 1].memoryMB, settings.stepMB).filter((size) => !measured.has(size)),
            possibleSavingPercent: floor.possibleSavingPercent(gap, at),
        }))
        .filter((gap) => gap.sizes.length > 0);
    const neighbours = `between ${rows[Math.max(0, at - 1)].memoryMB} and ${rows[Math.min(rows.length - 1, at + 1)].memoryMB} MB`;
    if (gaps.length === 0)
        return { kind: "skip", reason: `the first pass already measured every multiple of ${settings.stepMB} MB ${neighbours}` };
    const worthIt = gaps.filter((gap) => gap.possibleSavingPercent >= settings.minSavingPercent);
    if (worthIt.length === 0) {
        const saving = Math.max(...gaps.map((gap) => gap.possibleSavingPercent));
        return {
            kind: "skip",
            reason:
                `the sizes ${neighbours} could beat ${winnerMB} MB by at most ${significant(saving, 2)} % ` +
                `(${SAVING_MEASURES[choice.strategy]}), below minSavingPercent ${settings.minSavingPercent} %`,
        };
    }
    const counts = allocate(worthIt, settings.maxSizes);
    return {
        kind: "refine",
        memorySizesMB: worthIt.flatMap((gap, index) => evenlySpread(gap.sizes, counts[index])),
        betweenMB: [worthIt[0].fromMB, worthIt[worthIt.length - 1].toMB],
    };
}

const SAVING_MEASURES: Record<StrategyChoice["strategy"], string> = {
    cost: "cost per invocation including the request charge",
    speed: "duration",
    balanced: "the balanced score",
};

/** Multiples of `step` strictly between `from` and `to`, ascending. */
function multiplesBetween(from: number, to: number, step: number): number[] {
    const sizes: number[] = [];
    for (let size = (Math.floor(from / step) + 1) * step; size < to; size += step) sizes.push(size);
    return sizes;
}

/**
 * How many sizes each gap gets: one at a time to the gap whose points would otherwise stand
 * furthest apart (width / (sizes + 1)), never more than it has room for.
 */
function allocate(
    gaps: ReadonlyArray<{ readonly fromMB: number; readonly toMB: number; readonly sizes: readonly number[] }>,
    budget: number,
): number[] {
    const width = (index: number) => gaps[index].toMB - gaps[index].fromMB;
    const counts = gaps.map(() => 0);
    const total = Math.min(
        budget,
        gaps.reduce((sum, gap) => sum + gap.sizes.length, 0),
    );
    for (let given = 0; given < total; given++) {
        let widest = -1;
        gaps.forEach((gap, index) => {
            if (counts[index] === gap.sizes.length) return;
            if (widest === -1 || width(index) / (counts[index] + 1) > width(widest) / (counts[widest] + 1)) widest = index;
        });
        counts[widest]++;
    }
    return counts;
}

/** `count` of `sizes` (ascending, evenly spaced), spread evenly with room at both ends. */
function evenlySpread(sizes: readonly number[], count: number): number[] {
    // Positions (i+1)(n+1)/(count+1) are at least 1 apart, so the rounded indices are distinct.
    return Array.from({ length: count }, (_, i) => sizes[Math.round(((i + 1) * (sizes.length + 1)) / (count + 1)) - 1]);
}

/**
 * How much (%) a size inside a gap between measured rows could improve on the winner by the
 * strategy's measure, at most. Two facts bound it inside a gap from a to b. More memory never
 * makes a function slower (it only adds CPU), so there the duration is at least b's, and the
 * cost, which grows with memory × duration, at least b's × a/b. And a measure without bumps
 * between measured points (convex) lies above the straight line through any two of them beyond
 * them.
 */
function savingFloor(rows: readonly PowerStat[], choice: StrategyChoice): { possibleSavingPercent(gap: number, winner: number): number } {
    const score = strategyScore(rows, choice);
    const measure = (stat: PowerStat) => (choice.strategy === "cost" ? stat.averageCostUsd + REQUEST_CHARGE_USD : score(stat));
    const points = rows.map((stat) => ({ x: stat.memoryMB, y: measure(stat) }));
    return {
        possibleSavingPercent(gap, winner) {
            const [lower, upper] = [rows[gap], rows[gap + 1]];
            const atLeast = measure({
                memoryMB: lower.memoryMB,
                averageDurationMs: upper.averageDurationMs,
                averageCostUsd: (upper.averageCostUsd * lower.memoryMB) / upper.memoryMB,
            });
            const floor = Math.max(atLeast, convexFloor(points, gap));
            return Math.max(0, ((points[winner].y - floor) / points[winner].y) * 100);
        },
    };
}

interface Point {
    readonly x: number;
    readonly y: number;
}

/** The lowest a convex curve through `points` can go between points[gap] and points[gap + 1]. */
function convexFloor(points: readonly Point[], gap: number): number {
    const lines = [
        gap >= 1 ? lineThrough(points[gap - 1], points[gap]) : undefined,
        gap + 2 < points.length ? lineThrough(points[gap + 1], points[gap + 2]) : undefined,
    ].filter((line): line is Line => line !== undefined);
    if (lines.length === 0) return -Infinity;
    const from = points[gap].x;
    const to = points[gap + 1].x;
    const xs = [from, to];
    if (lines.length === 2 && lines[0].slope !== lines[1].slope) {
        const crossing = (lines[1].at(0) - lines[0].at(0)) / (lines[0].slope - lines[1].slope);
        if (crossing > from && crossing < to) xs.push(crossing);
    }
    return Math.min(...xs.map((x) => Math.max(...lines.map((line) => line.at(x)))));
}

interface Line {
    readonly slope: number;
    at(x: number): number;
}

function lineThrough(a: Point, b: Point): Line {
    const slope = (b.y - a.y) / (b.x - a.x);
    return { slope, at: (x) => a.y + slope * (x - a.x) };
}

/** A first pass that produced a recommendation: what a refinement starts from. */
export type FirstPassResult = TuningResult & Required<Pick<TuningResult, "power" | "cost" | "duration">>;

/** Whether `result` is a first pass a refinement can start from. */
function isRecommendation(result: TuningResult): result is FirstPassResult {
    return result.status === "succeeded" && result.power !== undefined && result.cost !== undefined && result.duration !== undefined;
}

/**
 * The function's result once the refinement's execution ended. Succeeded: both passes' stats,
 * the recommendation decided over all of them with the same strategy, the link charting all of
 * them, and the costs of both executions. Anything else: the first pass's result stands (it
 * was measured and is valid) and the refinement keeps its reason.
 */
export function resultAfterRefinement(
    first: FirstPassResult,
    plan: RefineStep,
    outcome: ExecutionOutcome,
    meta: { readonly executionArn?: string; readonly stoppedAt?: string; readonly num: number; readonly choice: StrategyChoice },
): TuningResult {
    const failed = (error: TuningError): TuningResult => ({
        ...first,
        refinement: withoutUndefined({
            status: "failed" as const,
            betweenMB: plan.betweenMB,
            memorySizesMB: plan.memorySizesMB,
            executionArn: meta.executionArn,
            error,
        }),
    });
    switch (outcome.kind) {
        case "failed":
        case "timed-out":
        case "aborted":
            return failed(outcome.error);
        case "succeeded":
            break;
        default:
            return failed({ error: "NoResult", cause: `the refinement's execution ended ${outcome.kind} without a result` });
    }
    const { analysis } = outcome;
    const added = analysis.stats.filter((stat) => !first.stats.some((kept) => kept.memoryMB === stat.memoryMB));
    if (added.length === 0)
        return failed({ error: "NoResult", cause: "the refinement's execution reported no figures for new memory sizes" });
    const stats = [...first.stats, ...added].sort((a, b) => a.memoryMB - b.memoryMB);
    const pick = recommendedStat(stats, meta.choice)!;
    return withoutUndefined({
        ...first,
        power: pick.memoryMB,
        cost: pick.averageCostUsd,
        duration: pick.averageDurationMs,
        stats,
        visualization: encodeVisualizationUrl(stats),
        stateMachineCostUsd: sumOfDefined(first.stateMachineCostUsd, analysis.stateMachineCostUsd),
        lambdaCostUsd: sumOfDefined(first.lambdaCostUsd, analysis.lambdaCostUsd),
        stoppedAt: meta.stoppedAt ?? first.stoppedAt,
        refinement: withoutUndefined({
            status: "refined" as const,
            betweenMB: plan.betweenMB,
            memorySizesMB: added.map((stat) => stat.memoryMB),
            executionArn: meta.executionArn,
            invocations: meta.num * added.length,
            stateMachineCostUsd: analysis.stateMachineCostUsd,
            lambdaCostUsd: analysis.lambdaCostUsd,
            firstPass: { power: first.power, cost: first.cost, duration: first.duration },
        }),
    });
}

function sumOfDefined(a: number | undefined, b: number | undefined): number | undefined {
    return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}

/** The first pass's result, saying why no refinement ran. */
function withSkippedRefinement(first: TuningResult, reason: string): TuningResult {
    return { ...first, refinement: { status: "skipped", reason } };
}
