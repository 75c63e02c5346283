// What the comment says about a function's refinement (functional core): which table rows it
// measured, what it cost, and what it changed against the first pass's own pick.
import { costPerMillionInvocations, tuningRunCostUsd } from "../core/cost";
import { formatDurationMs, formatUsd, plural } from "./format";
import { code } from "../core/inlineCode";
import { groupThousands, significant } from "../core/numbers";
import type { Recommendation, Refinement, TuningResult } from "../core/resultsFile";

/** Marks the rows the refinement measured, in the table and in its legend. */
export const REFINED_ROW_MARK = "🔍";

/** The memory sizes the refinement measured (their rows are marked). */
export function refinedMemorySizes(result: TuningResult): ReadonlySet<number> {
    return new Set(result.refinement?.status === "refined" ? result.refinement.memorySizesMB : []);
}

/** The lines under a succeeded function's table; none without a refinement. */
export function renderRefinement(result: TuningResult): string[] {
    const refinement = result.refinement;
    if (refinement === undefined) return [];
    switch (refinement.status) {
        case "skipped":
            return ["", `Refinement skipped: ${refinement.reason}.`];
        case "failed":
            return [
                "",
                `⚠️ Refinement failed (${code(refinement.error.error)}: ${code(refinement.error.cause)}) on ${sizes(refinement.memorySizesMB)}: ` +
                    "the recommendation is the first pass's, and it is not stored in the tuning history, so the next build refines again.",
            ];
        case "refined":
            return ["", ...refinedLines(result, refinement)];
    }
}

function refinedLines(result: TuningResult, refinement: Extract<Refinement, { status: "refined" }>): string[] {
    const runCost = tuningRunCostUsd(refinement);
    const cost =
        runCost === undefined
            ? ""
            : `, ${formatUsd(runCost)}: Step Functions ${formatUsd(refinement.stateMachineCostUsd ?? 0)} + Lambda ${formatUsd(refinement.lambdaCostUsd ?? 0)}`;
    const measured =
        `${REFINED_ROW_MARK} Refined: ${sizes(refinement.memorySizesMB)} between ${refinement.betweenMB[0]} and ${refinement.betweenMB[1]} MB ` +
        `(${groupThousands(String(refinement.invocations))} invocations${cost}).`;
    const first = refinement.firstPass;
    if (result.power === undefined || result.cost === undefined || result.duration === undefined || result.power === first.power) {
        return [`${measured} The first pass's pick, ${first.power} MB, stands.`];
    }
    const refined: Recommendation = { power: result.power, cost: result.cost, duration: result.duration };
    return [
        `${measured} The first pass alone picked ${describe(first)}; refined: ${describe(refined, first)}.${payback(runCost, first, refined)}`,
    ];
}

function sizes(memorySizesMB: readonly number[]): string {
    return `${plural(memorySizesMB.length, "size")} (${memorySizesMB.join(", ")} MB)`;
}

/** `1024 MB at $2.05 per 1M invocations* and 110 ms`, with changes against `before` when given. */
function describe(pick: Recommendation, before?: Recommendation): string {
    const perMillion = costPerMillionInvocations(pick.cost);
    const change = (now: number, then: number) =>
        before === undefined || then === 0 ? "" : ` (${now >= then ? "+" : "−"}${significant(Math.abs((now - then) / then) * 100, 2)} %)`;
    return (
        `${pick.power} MB at ${formatUsd(perMillion)}${change(perMillion, before === undefined ? 0 : costPerMillionInvocations(before.cost))} per 1M invocations\\* ` +
        `and ${formatDurationMs(pick.duration)}${change(pick.duration, before?.duration ?? 0)}`
    );
}

/** After how many invocations at the refined size the refinement has paid for itself. */
function payback(runCost: number | undefined, first: Recommendation, refined: Recommendation): string {
    const savedPerInvocation = first.cost - refined.cost;
    if (runCost === undefined || savedPerInvocation <= 0) return "";
    return ` The refinement pays for itself after ${groupThousands(String(Math.ceil(runCost / savedPerInvocation)))} invocations.`;
}
