// The power-tuning state machine's output (functional core): what a successful execution returns,
// `{power, cost, duration, stateMachine: {executionCost, lambdaCost, visualization}, stats}`,
// read into the runner's analysis. Its schema is lenient where the tool's output varies between
// versions and inputs: a part of the wrong shape reads as absent, never as an error.
import { z } from "zod";
import { withoutUndefined } from "./json";
import type { PowerStat } from "./powerStat";
import { decodeVisualizationUrl } from "./visualization";

/** One row of the tool's `stats` (with `includeOutputResults`). */
const TOOL_STAT = z.object({ value: z.number(), averagePrice: z.number(), averageDuration: z.number() });

const STATE_MACHINE_OUTPUT = z.object({
    // The tool's analyzer writes all three together; without them the output is no tuning result.
    power: z.number(),
    cost: z.number(),
    duration: z.number(),
    stateMachine: z
        .object({
            executionCost: z.number().optional().catch(undefined),
            lambdaCost: z.number().optional().catch(undefined),
            visualization: z.string().optional().catch(undefined),
        })
        .catch({}),
    stats: z.array(TOOL_STAT.nullable().catch(null)).catch([]),
});

/** The state machine's analysis of a successful run. */
export interface TuningAnalysis {
    readonly power: number;
    readonly cost: number;
    readonly duration: number;
    readonly stats: readonly PowerStat[];
    /**
     * `"visualization"` when the output had no `stats` (`includeOutputResults` not set) and
     * they were decoded from the visualization link, at its float32 precision.
     */
    readonly statsSource?: "visualization";
    readonly visualization?: string;
    readonly stateMachineCostUsd?: number;
    readonly lambdaCostUsd?: number;
}

/**
 * The analysis in a state machine output, or undefined when the output is not a tuning result:
 * no numeric `power`, `cost` and `duration`.
 */
export function analysisFromOutput(output: unknown): TuningAnalysis | undefined {
    const parsed = STATE_MACHINE_OUTPUT.safeParse(output);
    if (!parsed.success) return undefined;
    const { power, cost, duration, stateMachine } = parsed.data;
    const stats = parsed.data.stats
        .filter((stat) => stat !== null)
        .map((stat) => ({ memoryMB: stat.value, averageDurationMs: stat.averageDuration, averageCostUsd: stat.averagePrice }))
        .sort((a, b) => a.memoryMB - b.memoryMB);
    // Without includeOutputResults the output has no stats, but its link still carries them all.
    const decoded =
        stats.length === 0 && stateMachine.visualization !== undefined ? statsFromVisualization(stateMachine.visualization) : undefined;
    return withoutUndefined({
        power,
        cost,
        duration,
        stats: decoded ?? stats,
        statsSource: decoded === undefined ? undefined : ("visualization" as const),
        visualization: stateMachine.visualization,
        stateMachineCostUsd: stateMachine.executionCost,
        lambdaCostUsd: stateMachine.lambdaCost,
    });
}

/** The stats a visualization link carries, or undefined when it is not one this runner can read. */
function statsFromVisualization(url: string): PowerStat[] | undefined {
    try {
        return decodeVisualizationUrl(url);
    } catch {
        return undefined;
    }
}
