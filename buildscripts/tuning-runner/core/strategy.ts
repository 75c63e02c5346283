// Which memory size a strategy recommends from measured figures (functional core): the rules of
// the power-tuning tool's Analyzer, written here so the runner can decide over figures of more
// than one execution (a first pass and its refinement) exactly as the tool decides over one.
//
// The tool sorts its stats with a stable sort and takes the first, so equal figures go to the
// size listed first; stats here are in ascending memory order, which is the tool's order
// whenever powerValues are listed ascending (as "ALL" and every list in this project are).

import type { PowerStat } from "./powerStat";
import { strategyOf, type PowerTuningInput, type Strategy } from "./tuningInput";

/** The tool's `balancedWeight` when the input leaves it out. */
const DEFAULT_BALANCED_WEIGHT = 0.5;

/** What the tool's strategies choose between. */
export interface StrategyChoice {
    readonly strategy: Strategy;
    /** `balanced` only: 0 = speed … 1 = cost (validated to lie in between, so never clamped as the tool clamps). */
    readonly balancedWeight: number;
}

/**
 * The recommended row of `stats`, or undefined when none counts. Rows with a zero (missing)
 * average duration are left out, as the tool leaves out empty results.
 * - cost: the lowest cost; equal costs → the shorter duration;
 * - speed: the shortest duration; equal durations → the lower cost;
 * - balanced: the lowest `w·cost/maxCost + (1−w)·duration/maxDuration`, maxima over the rows.
 */
export function recommendedStat(stats: readonly PowerStat[], choice: StrategyChoice): PowerStat | undefined {
    const rows = [...stats].filter((stat) => stat.averageDurationMs !== 0).sort((a, b) => a.memoryMB - b.memoryMB);
    if (rows.length === 0) return undefined;
    const score = strategyScore(rows, choice);
    // Strict comparison keeps the earlier row on a tie, as the tool's stable sort does.
    return rows.reduce((best, row) => (compareRows(row, best, score, choice.strategy) < 0 ? row : best));
}

/**
 * The number the strategy minimises for a row, measured against `reference` (the rows it is
 * chosen from: `balanced` divides by their largest cost and duration).
 */
export function strategyScore(reference: readonly PowerStat[], choice: StrategyChoice): (stat: PowerStat) => number {
    switch (choice.strategy) {
        case "cost":
            return (stat) => stat.averageCostUsd;
        case "speed":
            return (stat) => stat.averageDurationMs;
        case "balanced": {
            const maxCost = Math.max(...reference.map((stat) => stat.averageCostUsd));
            const maxDuration = Math.max(...reference.map((stat) => stat.averageDurationMs));
            const weight = choice.balancedWeight;
            // Same operations in the same order as the tool, so equal inputs give bit-equal scores.
            return (stat) => (weight * stat.averageCostUsd) / maxCost + ((1 - weight) * stat.averageDurationMs) / maxDuration;
        }
    }
}

function compareRows(a: PowerStat, b: PowerStat, score: (stat: PowerStat) => number, strategy: Strategy): number {
    const primary = score(a) - score(b);
    if (primary !== 0 || strategy === "balanced") return primary;
    return strategy === "cost" ? a.averageDurationMs - b.averageDurationMs : a.averageCostUsd - b.averageCostUsd;
}

/** The strategy and weight an input asks for, with the tool's defaults (cost; weight 0.5). */
export function strategyChoiceOf(
    input: Pick<PowerTuningInput, "strategy" | "balancedWeight"> & Readonly<Record<string, unknown>>,
): StrategyChoice {
    return { strategy: strategyOf(input), balancedWeight: input.balancedWeight ?? DEFAULT_BALANCED_WEIGHT };
}
