// Price maths (functional core). The tool's costs cover duration only; what a team pays per
// invocation also includes the request charge, which dominates for short functions.

import type { TuningResult } from "./resultsFile";

/** Lambda's request charge: $0.20 per million invocations, in every region and architecture. */
export const REQUEST_CHARGE_USD = 2e-7;

/** What a million invocations cost in USD: duration cost (as the tool reports it) plus the request charge. */
export function costPerMillionInvocations(durationCostUsd: number): number {
    return (durationCostUsd + REQUEST_CHARGE_USD) * 1e6;
}

/**
 * What the tuning run itself cost in USD (Step Functions transitions plus the Lambda invocations
 * it made), or undefined when the state machine did not report it.
 */
export function tuningRunCostUsd(result: Pick<TuningResult, "stateMachineCostUsd" | "lambdaCostUsd">): number | undefined {
    if (result.stateMachineCostUsd === undefined && result.lambdaCostUsd === undefined) return undefined;
    return (result.stateMachineCostUsd ?? 0) + (result.lambdaCostUsd ?? 0);
}
