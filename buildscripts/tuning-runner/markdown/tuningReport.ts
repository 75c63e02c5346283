// Markdown for pull request comments and `report` (functional core). Numbers are written for
// people: three significant digits, with units.

import { renderHistorySection, renderHistoryStatus } from "../core/baseline";
import { costPerMillionInvocations, tuningRunCostUsd } from "../core/cost";
import { code, formatDurationMs, formatUsd, groupThousands, plural } from "./format";
import { REFINED_ROW_MARK, refinedMemorySizes, renderRefinement } from "./refineReport";
import type { HistoryStatus, PlanAction, PlanSummary, PowerStat, Strategy, TuningResult, TuningStatus } from "../core/types";

export { formatDurationMs, formatUsd };

/** CodeCommit rejects longer comments (CommentContentSizeLimitExceededException). */
export const COMMENT_CHARACTER_LIMIT = 10240;

const MAX_CAUSE_CHARACTERS = 1000;

export interface ReportContext {
    readonly buildUrl?: string;
    readonly history?: HistoryStatus;
    /** The quality gate's verdict and suggested change (gateReport.ts), placed right under the summary. */
    readonly gate?: readonly string[];
}

/** The tuning comment for a pull request, cut to CodeCommit's limit. */
export function renderTuningComment(results: readonly TuningResult[], context: ReportContext): string {
    return fitToCommentLimit(renderReport(results, context), COMMENT_CHARACTER_LIMIT, "the results file and the build log");
}

/** The same Markdown in full, for `report` (stdout has no size limit). */
export function renderReport(results: readonly TuningResult[], context: ReportContext): string {
    // Failures first: if the comment has to be cut, what went wrong is never what is lost.
    const ordered = [...results].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
    return [
        "## Lambda power tuning",
        "",
        withBuildLink(tuningSummary(results), context.buildUrl),
        ...(context.gate === undefined || context.gate.length === 0 ? [] : ["", ...context.gate]),
        ...renderHistoryStatus(results, context.history),
        ...ordered.flatMap((result) => ["", ...resultSection(result)]),
        ...(results.some((result) => result.status === "succeeded") ? ["", "---", REQUEST_CHARGE_FOOTNOTE] : []),
        "",
    ].join("\n");
}

const STATUS_ORDER: readonly TuningStatus[] = ["failed", "timed-out", "aborted", "succeeded", "dry-run"];

const STATUS_LABELS: Record<TuningStatus, { count: string; heading: string; icon: string }> = {
    failed: { count: "failed", heading: "tuning failed", icon: "❌" },
    "timed-out": { count: "timed out", heading: "tuning timed out", icon: "⌛" },
    aborted: { count: "aborted", heading: "tuning aborted", icon: "⛔" },
    succeeded: { count: "tuned", heading: "", icon: "✅" },
    "dry-run": { count: "dry run", heading: "dry run, nothing measured", icon: "ℹ️" },
};

const STRATEGY_LABELS: Record<Strategy, string> = {
    cost: "cost (the cheapest memory size)",
    speed: "speed (the fastest memory size)",
    balanced: "balanced (a weighted mix of cost and speed)",
};

const REQUEST_CHARGE_FOOTNOTE =
    "\\* Includes Lambda's request charge of $0.20 per 1M invocations, which the tool's per-invocation cost leaves out. " +
    "Durations and costs are the tool's averages over its invocations.";

function tuningSummary(results: readonly TuningResult[]): string {
    if (results.length === 0) return "No functions were tuned.";
    const counts = STATUS_ORDER.filter((status) => results.some((result) => result.status === status)).map(
        (status) => `${results.filter((result) => result.status === status).length} ${STATUS_LABELS[status].count}`,
    );
    return `${plural(results.length, "function")}: ${counts.join(", ")}.`;
}

function resultSection(result: TuningResult): string[] {
    const label = STATUS_LABELS[result.status];
    if (result.status !== "succeeded") {
        const heading = `### ${label.icon} ${code(result.name)}: ${label.heading}`;
        return result.error === undefined ? [heading] : [heading, "", `Reason (${code(result.error.error)}):`, ...fenced(shorten(result.error.cause, MAX_CAUSE_CHARACTERS))];
    }
    const runCost = tuningRunCostUsd(result);
    const details = [
        `Strategy: ${STRATEGY_LABELS[result.strategy]}`,
        runCost === undefined
            ? undefined
            : `this tuning run cost ${formatUsd(runCost)} (Step Functions ${formatUsd(result.stateMachineCostUsd ?? 0)} + Lambda ${formatUsd(result.lambdaCostUsd ?? 0)})`,
        result.visualization === undefined ? undefined : `[chart on lambda-power-tuning.show](${result.visualization})`,
    ].filter((detail) => detail !== undefined);
    return [
        `### ${label.icon} ${code(result.name)}: ${result.power} MB recommended`,
        "",
        ...statsTable(result),
        ...(result.statsSource === "visualization" ? ["", STATS_FROM_VISUALIZATION_NOTE] : []),
        "",
        `${details.join(" · ")}.`,
        ...renderRefinement(result),
        ...renderHistorySection(result),
    ];
}

const STATS_FROM_VISUALIZATION_NOTE =
    "Figures decoded from the lambda-power-tuning.show link: the state machine output had no `stats` " +
    "(its input did not set `includeOutputResults`), and the link keeps durations and costs at float32 precision.";

function statsTable(result: TuningResult): string[] {
    // Without includeOutputResults the tool reports only the recommended row.
    const rows: PowerStat[] =
        result.stats.length > 0
            ? [...result.stats]
            : [{ memoryMB: result.power ?? Number.NaN, averageDurationMs: result.duration ?? Number.NaN, averageCostUsd: result.cost ?? Number.NaN }];
    const refined = refinedMemorySizes(result);
    return [
        "| Memory (MB) | Avg duration | Avg cost / invocation | Cost per 1M invocations\\* |",
        "|---:|---:|---:|---:|",
        ...rows.map((stat) => {
            const cells = [
                refined.has(stat.memoryMB) ? `${stat.memoryMB} ${REFINED_ROW_MARK}` : String(stat.memoryMB),
                formatDurationMs(stat.averageDurationMs),
                formatUsd(stat.averageCostUsd),
                formatUsd(costPerMillionInvocations(stat.averageCostUsd)),
            ];
            const recommended = stat.memoryMB === result.power;
            return `| ${(recommended ? cells.map((cell, index) => `**${cell}**${index === 0 ? " ✅" : ""}`) : cells).join(" | ")} |`;
        }),
    ];
}

/** The plan comment for a pull request: counts as Terraform prints them and every change, cut to the limit. */
export function renderPlanComment(summary: PlanSummary, context: { buildUrl?: string }): string {
    const { toAdd, toChange, toDestroy, toReplace } = summary;
    const counts =
        summary.changes.length === 0
            ? "**No changes.** The infrastructure matches the configuration."
            : `**Plan: ${toAdd} to add, ${toChange} to change, ${toDestroy} to destroy.**${toReplace > 0 ? ` ${toReplace} of them replaced (destroyed and created again).` : ""}`;
    // Destructive changes first, so that cutting the comment never hides one.
    const ordered = [...summary.changes].sort((a, b) => PLAN_ACTION_ORDER.indexOf(a.action) - PLAN_ACTION_ORDER.indexOf(b.action));
    const table =
        ordered.length === 0
            ? []
            : ["", "| Action | Resource |", "|---|---|", ...ordered.map((change) => `| ${PLAN_ACTION_LABELS[change.action]} | ${code(change.address)} |`)];
    const markdown = ["## Terraform plan", "", withBuildLink(counts, context.buildUrl), ...table, ""].join("\n");
    return fitToCommentLimit(markdown, COMMENT_CHARACTER_LIMIT, "the plan in the build log");
}

/**
 * The tuning section when the pull request's copy could not be deployed: it replaces the previous
 * push's results, which would otherwise read as this push's.
 */
export function renderDeployFailedComment(detailsUrl: string, sourceCommit?: string): string {
    const copy = sourceCommit === undefined ? "the throw-away copy" : `the throw-away copy of ${code(sourceCommit.slice(0, 7))}`;
    return [
        "## Lambda power tuning",
        "",
        `❌ **Not tuned:** ${copy} could not be deployed, so nothing was measured for this push. [Workflow execution](${detailsUrl})`,
        "",
    ].join("\n");
}

/** The tuning section's history note for a push whose copy could not be deployed. */
export const DEPLOY_FAILED_NOTE = "not tuned: the copy could not be deployed";

const PLAN_ACTION_ORDER: readonly PlanAction[] = ["replace", "delete", "update", "create", "read"];

const PLAN_ACTION_LABELS: Record<PlanAction, string> = {
    replace: "`-/+` replace",
    delete: "`-` destroy",
    update: "`~` update in place",
    create: "`+` create",
    read: "`<=` read (data source)",
};

function withBuildLink(line: string, buildUrl: string | undefined): string {
    return buildUrl === undefined ? line : `${line} [Build log](${buildUrl})`;
}

/**
 * Cuts `markdown` to at most `limit` characters on whole lines (table rows, sections), closes a
 * code fence left open by the cut, and ends with a note saying how much was cut and where the
 * rest is.
 */
export function fitToCommentLimit(markdown: string, limit = COMMENT_CHARACTER_LIMIT, seeAlso = "the build log"): string {
    if (markdown.length <= limit) return markdown;
    const lines = markdown.split("\n");
    const closingFenceAfter = closingFences(lines);
    const note = (kept: number) => {
        const omitted = lines.slice(kept).filter((line) => line.trim() !== "").length;
        return `_✂️ ${plural(omitted, "more line")} omitted: CodeCommit comments are limited to ${groupThousands(String(limit))} characters; see ${seeAlso}._`;
    };
    // Characters of the first `kept` lines, each with its newline.
    let keptLength = markdown.length + 1;
    for (let kept = lines.length - 1; kept >= 0; kept--) {
        keptLength -= lines[kept].length + 1;
        if (keptLength > limit) continue;
        const closing = kept > 0 ? closingFenceAfter[kept - 1] : undefined;
        const tail = `${closing === undefined ? "" : `${closing}\n`}\n${note(kept)}`;
        if (keptLength + tail.length <= limit) return lines.slice(0, kept).map((line) => `${line}\n`).join("") + tail;
    }
    return note(0).slice(0, limit);
}

/** For each line, the fence that would close a code block still open after it (CommonMark rules). */
function closingFences(lines: readonly string[]): Array<string | undefined> {
    let open: string | undefined;
    return lines.map((line) => {
        const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
        if (open === undefined && fence !== undefined) open = fence;
        else if (open !== undefined && fence !== undefined && fence[0] === open[0] && fence.length >= open.length && line.trim() === fence) open = undefined;
        return open;
    });
}

/** A fenced block that no backtick run inside `text` can close early. */
function fenced(text: string): string[] {
    const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(Math.max(3, longestRun + 1));
    return [`${fence}text`, text, fence];
}

function shorten(text: string, maxCharacters: number): string {
    return text.length <= maxCharacters ? text : `${text.slice(0, maxCharacters - 1)}…`;
}
