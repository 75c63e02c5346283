// What the power-tuning state machine computes from its invocations, for tests and the benchmark:
// given each invocation's duration per memory size, the execution output in the tool's shape
// (its Executor's statistics, its Analyzer's choice, what the run cost, the visualization link).
// The Analyzer's choice is the runner's strategy.ts, itself checked against the tool's outputs.
import type { PowerStat } from "../../buildscripts/tuning-runner/core/powerStat";
import { recommendedStat } from "../../buildscripts/tuning-runner/core/strategy";
import type { Strategy } from "../../buildscripts/tuning-runner/core/tuningInput";
import { encodeVisualizationUrl } from "../../buildscripts/tuning-runner/core/visualization";

export type Architecture = "x86_64" | "arm64";

/** The tool's price of one millisecond at 128 MB (us-east-1), by architecture. */
export const PRICE_PER_MS_AT_128_MB: Record<Architecture, number> = { x86_64: 2.1e-9, arm64: 1.7e-9 };

/** Step Functions' price of one state transition (us-east-1). */
const STATE_TRANSITION_USD = 0.000025;
/** The tool's default share of the fastest and slowest invocations left out of each average. */
const DISCARD_TOP_BOTTOM = 0.2;

export interface SimulatedExecution {
    readonly powerValues: readonly number[];
    readonly num: number;
    readonly strategy?: Strategy;
    readonly balancedWeight?: number;
    readonly architecture: Architecture;
}

/** The tool's output for an execution whose invocations at `memoryMB` lasted `durationsAt(memoryMB)` ms each. */
export function simulatedOutput(
    execution: SimulatedExecution,
    durationsAt: (memoryMB: number, count: number) => readonly number[],
): Record<string, unknown> {
    const pricePerMs = PRICE_PER_MS_AT_128_MB[execution.architecture];
    const measured = execution.powerValues.map((memoryMB) => {
        const durations = durationsAt(memoryMB, execution.num);
        // Lambda bills every invocation in whole milliseconds; the tool prices the (trimmed) average bill.
        const billed = durations.map((duration) => Math.ceil(duration));
        const priceOf = (milliseconds: number) => Math.ceil(milliseconds) * pricePerMs * (memoryMB / 128);
        return {
            stat: { memoryMB, averageDurationMs: trimmedMean(durations), averageCostUsd: priceOf(trimmedMean(billed)) },
            totalCost: billed.reduce((sum, milliseconds) => sum + priceOf(milliseconds), 0),
        };
    });
    const stats = measured.map(({ stat }) => stat);
    const pick = recommendedStat(stats, { strategy: execution.strategy ?? "cost", balancedWeight: execution.balancedWeight ?? 0.5 })!;
    return {
        power: pick.memoryMB,
        cost: pick.averageCostUsd,
        duration: pick.averageDurationMs,
        stateMachine: {
            // Six transitions per run and three per memory size, rounded as the tool rounds.
            executionCost: Number((STATE_TRANSITION_USD * (6 + 3 * stats.length)).toFixed(5)),
            lambdaCost: measured.reduce((sum, { totalCost }) => sum + totalCost, 0),
            visualization: encodeVisualizationUrl(stats),
        },
        stats: stats.map((stat: PowerStat) => ({
            value: stat.memoryMB,
            averagePrice: stat.averageCostUsd,
            averageDuration: stat.averageDurationMs,
        })),
    };
}

/** The tool's trimmed mean: the fastest and slowest 20 % (rounded down) left out. */
function trimmedMean(values: readonly number[]): number {
    const discarded = Math.floor(values.length * DISCARD_TOP_BOTTOM);
    const kept = [...values].sort((a, b) => a - b).slice(discarded, values.length - discarded);
    return kept.reduce((sum, value) => sum + value, 0) / kept.length;
}
