// Tuning results as data (functional core): one entry per function from its execution's outcome,
// and the same entries rebuilt for `report` from a raw state machine output or a visualization link.
import { InputError } from "./errors";
import { isRecord, withoutUndefined } from "./json";
import type { TuningResult } from "./resultsFile";
import { analysisFromOutput, type TuningAnalysis } from "./stateMachineOutput";
import { recommendedStat, strategyChoiceOf } from "./strategy";
import type { Strategy } from "./tuningInput";
import type { ExecutionOutcome, TargetFunction } from "./types";
import { decodeVisualizationUrl } from "./visualization";

/** The results entry for a finished execution. `running` and `needs-events` are not finished. */
export function tuningResultFromOutcome(
    fn: TargetFunction,
    outcome: ExecutionOutcome,
    meta: { strategy: Strategy; executionArn?: string; startedAt?: string; stoppedAt?: string },
): TuningResult {
    const common = {
        name: fn.name,
        arn: fn.arn,
        executionArn: meta.executionArn,
        strategy: meta.strategy,
        startedAt: meta.startedAt,
        stoppedAt: meta.stoppedAt,
    };
    switch (outcome.kind) {
        case "succeeded":
            return withoutUndefined({ ...common, status: "succeeded", ...outcome.analysis });
        case "dry-run":
            return withoutUndefined({ ...common, status: "dry-run", stats: [] });
        case "failed":
        case "timed-out":
        case "aborted":
            return withoutUndefined({ ...common, status: outcome.kind, stats: [], error: outcome.error });
        case "running":
        case "needs-events":
            throw new Error(`${fn.name}: an execution that is ${outcome.kind} has no result yet`);
    }
}

/**
 * A result from a raw state machine output (`report --output`). The output names neither the
 * function (its `arn` stays empty) nor the strategy, which is inferred from the row the tool chose.
 */
export function resultFromStateMachineOutput(output: unknown, name = "function"): TuningResult {
    const allowed = 'the output of a successful tuning execution, with a numeric "power"';
    if (output === null) throw InputError.invalid("state machine output", output, allowed, "a dry run's output: nothing was measured");
    const analysis = analysisFromOutput(output);
    if (analysis === undefined) {
        const reason =
            isRecord(output) && Object.keys(output).length === 0
                ? "the tuning failed; its reason is in the execution history (CleanUpOnError)"
                : undefined;
        throw InputError.invalid("state machine output", output, allowed, reason);
    }
    return withoutUndefined({ name, arn: "", status: "succeeded", strategy: inferStrategy(analysis), ...analysis });
}

/**
 * A result from a visualization link (`report --url`): the link carries only the measurements,
 * so the recommendation is the given strategy's pick (the tool's default, cost, unless told).
 */
export function resultFromVisualizationUrl(url: string, name = "function", strategy: Strategy = "cost"): TuningResult {
    const stats = decodeVisualizationUrl(url);
    // A link always holds a row; one without any duration still names its first size.
    const pick = recommendedStat(stats, strategyChoiceOf({ strategy })) ?? stats[0];
    return {
        name,
        arn: "",
        status: "succeeded",
        strategy,
        power: pick.memoryMB,
        cost: pick.averageCostUsd,
        duration: pick.averageDurationMs,
        stats,
        visualization: url,
    };
}

/** The strategy whose own pick is the output's: cost or speed when theirs is, else balanced. */
function inferStrategy(analysis: TuningAnalysis): Strategy {
    const pickOf = (strategy: Strategy) => recommendedStat(analysis.stats, strategyChoiceOf({ strategy }))?.memoryMB;
    if (analysis.stats.length === 0 || pickOf("cost") === analysis.power) return "cost";
    return pickOf("speed") === analysis.power ? "speed" : "balanced";
}
