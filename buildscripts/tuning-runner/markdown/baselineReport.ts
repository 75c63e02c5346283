// What the comment says about the tuning history (Markdown): how the run used it, and per function
// its reuse and its comparison with production's result — or why there is nothing to compare with.
import { shortCommit, type FoundBaseline } from "../core/baseline";
import { significant } from "../core/numbers";
import type { BaselineDelta, FigureDelta, StoredResultOrigin, TuningHistoryStatus, TuningResult } from "../core/resultsFile";
import { decodeComparisonUrl } from "../core/visualization";
import { formatDurationMs, formatUsd, plural, readableTime } from "./format";
import { code } from "../core/inlineCode";

/**
 * Lines under the run's summary: problems with the tuning history (the run went on without it where
 * they occurred) and how many results were reused.
 */
export function renderTuningHistoryStatus(results: readonly TuningResult[], history: TuningHistoryStatus | undefined): string[] {
    if (history === undefined) return [];
    const reused = results.filter((result) => result.reused !== undefined);
    const borrowed = reused.filter((result) => result.reused?.functionName !== undefined).length;
    const of = `${reused.length} of ${plural(results.length, "function")}`;
    const summary =
        borrowed === 0
            ? `♻️ ${of} unchanged: stored results reused, no tuning ran for them.`
            : `♻️ ${of} with a stored result for the same code and input (${borrowed} measured on another function): reused, no tuning ran for them.`;
    const lines = reused.length === 0 ? [] : [summary];
    if (history.problems.length > 0) {
        lines.push(
            `⚠️ Tuning history unavailable in part (${history.uri}); the run went on without it there: nothing reused or compared where it could not be read, and results it could not store are only here and in the results file.`,
            "",
            ...history.problems.map((problem) => `- ${problem}`),
        );
    }
    return lines.length === 0 ? [] : ["", ...lines];
}

/** Lines for one function's section: reuse, then the comparison with production (or why there is none). */
export function renderTuningHistorySection(result: TuningResult): string[] {
    const lines: string[] = [];
    if (result.reused !== undefined) lines.push("", `♻️ ${reusedSentence(result.reused)}`);
    if (result.baseline?.status === "none") lines.push("", `No baseline: ${result.baseline.reason}.`);
    if (result.baseline?.status === "found" && result.delta !== undefined)
        lines.push("", ...comparisonLines(result.baseline, result.delta));
    return lines;
}

function reusedSentence(origin: StoredResultOrigin): string {
    if (origin.functionName !== undefined) {
        return (
            `Same code, configuration and tuning input as ${code(origin.functionName)}, so its result is borrowed ` +
            `(${describeOrigin(origin)}): nothing was run for this function.`
        );
    }
    // The commit leads the sentence, so the parenthesis does not repeat it.
    const since = origin.commit === undefined ? readableTime(origin.recordedAt) : `\`${shortCommit(origin.commit)}\``;
    return `Unchanged since ${since}, result reused (${describeOrigin({ ...origin, commit: undefined })}): same code, configuration and tuning input, so nothing was run.`;
}

function comparisonLines(baseline: FoundBaseline, delta: BaselineDelta): string[] {
    // The link is the one record of the legends; results files are checked to hold a valid one.
    const [{ legend: baselineLegend }, { legend: currentLegend }] = decodeComparisonUrl(delta.comparisonUrl);
    const row = (label: string, figure: FigureDelta, format: (value: number) => string) =>
        `| ${label} | ${format(figure.baseline)} | ${format(figure.current)} | ${formatChange(figure, format)} |`;
    const memory = (megabytes: number) => `${megabytes} MB`;
    return [
        `**Against production** (${baselineLegend}; its result ${describeOrigin(baseline.tunedBy)}):`,
        "",
        `| | ${baselineLegend} | ${currentLegend} | Change |`,
        "|---|---:|---:|---:|",
        row("Recommended memory", delta.memoryMB, memory),
        row("Cost per 1M invocations\\*", delta.costPerMillionUsd, formatUsd),
        row("Avg duration at that memory", delta.durationMs, formatDurationMs),
        "",
        `[Both charts on lambda-power-tuning.show](${delta.comparisonUrl}).`,
    ];
}

/** `+256 MB (+100%)`, `−$0.0126 (−0.666%)`, `unchanged`. */
function formatChange(figure: FigureDelta, format: (value: number) => string): string {
    if (figure.absolute === 0) return "unchanged";
    const sign = figure.absolute > 0 ? "+" : "−";
    const percent = figure.percent === undefined ? "" : ` (${sign}${significant(Math.abs(figure.percent))}%)`;
    return `${sign}${format(Math.abs(figure.absolute))}${percent}`;
}

function describeOrigin(origin: StoredResultOrigin): string {
    const by = origin.pullRequestId === undefined ? "tuned" : `tuned for PR ${origin.pullRequestId}`;
    const at = origin.commit === undefined ? "" : ` at \`${shortCommit(origin.commit)}\``;
    return `${by}${at} on ${readableTime(origin.recordedAt)}`;
}
