// The tuning section of the pull request's comment, and `report`'s Markdown: one table per
// function, failures first. Numbers are written for people: three significant digits, with units.

import { renderTuningHistorySection, renderTuningHistoryStatus } from "./baselineReport";
import { costPerMillionInvocations, tuningRunCostUsd } from "../core/cost";
import type { PowerStat } from "../core/powerStat";
import type { CopyDecision } from "../core/copyDecision";
import type { TuningHistoryStatus, TuningResult, TuningStatus } from "../core/resultsFile";
import type { Strategy } from "../core/tuningInput";
import type { TargetFunction } from "../core/types";
import { COMMENT_CHARACTER_LIMIT, fitToCommentLimit, withBuildLink } from "./comment";
import { formatDurationMs, formatUsd, plural } from "./format";
import { code } from "../core/inlineCode";
import { MONTHLY_FOOTNOTE, renderMonthly, renderMonthlySummary } from "./monthlyReport";
import { REFINED_ROW_MARK, refinedMemorySizes, renderRefinement } from "./refineReport";

const MAX_CAUSE_CHARACTERS = 1000;

const TUNING_HEADING = "## Lambda power tuning";

export interface ReportContext {
    readonly buildUrl?: string;
    readonly history?: TuningHistoryStatus;
    /** The quality gate's verdict and suggested change (gateReport.ts), placed right under the summary. */
    readonly gate?: readonly string[];
    /** A pull request's copy: its functions, each with the production function it stands for. */
    readonly copies?: readonly TargetFunction[];
}

/** The tuning comment for a pull request, cut to CodeCommit's limit. */
export function renderTuningComment(results: readonly TuningResult[], context: ReportContext): string {
    return fitToCommentLimit(renderReport(results, context), COMMENT_CHARACTER_LIMIT, "the results file and the build log");
}

/** The comment when a cap stopped the tuning before anything was invoked: each cap that was exceeded. */
export function renderNotTunedComment(overCaps: readonly string[], buildUrl: string | undefined): string {
    return [
        TUNING_HEADING,
        "",
        withBuildLink("**Not tuned**: nothing was invoked, because", buildUrl),
        "",
        ...overCaps.map((cap) => `- ${cap}`),
        "",
    ].join("\n");
}

/** The same Markdown in full, for `report` (stdout has no size limit). */
export function renderReport(results: readonly TuningResult[], context: ReportContext): string {
    // Failures first: if the comment has to be cut, what went wrong is never what is lost.
    const ordered = [...results].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
    return [
        TUNING_HEADING,
        "",
        withBuildLink(tuningSummary(results), context.buildUrl),
        ...runCostLine(results),
        ...renderMonthlySummary(results),
        ...copyMapping(context.copies),
        ...(context.gate === undefined || context.gate.length === 0 ? [] : ["", ...context.gate]),
        ...renderTuningHistoryStatus(results, context.history),
        ...ordered.flatMap((result) => ["", ...resultSection(result)]),
        ...(results.some((result) => result.status === "succeeded") ? ["", "---", REQUEST_CHARGE_FOOTNOTE] : []),
        ...(results.some((result) => result.productionTraffic !== undefined) ? ["", MONTHLY_FOOTNOTE] : []),
        "",
    ].join("\n");
}

/** Which copy function was tuned for which key, and the production function its figures are held against. */
function copyMapping(copies: readonly TargetFunction[] | undefined): string[] {
    if (copies === undefined || copies.length === 0) return [];
    return [
        "",
        "| Function | Copy tuned | Production |",
        "|---|---|---|",
        ...copies.map(
            (fn) => `| ${code(fn.name)} | ${code(fn.arn.split(":")[6])} | ${fn.production === undefined ? "—" : code(fn.production)} |`,
        ),
    ];
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
        return result.error === undefined
            ? [heading]
            : [heading, "", `Reason (${code(result.error.error)}): ${code(shorten(result.error.cause, MAX_CAUSE_CHARACTERS))}`];
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
        ...(result.changedWhileMeasured === undefined
            ? []
            : [
                  `⚠️ The function changed while it was measured (${result.changedWhileMeasured.map(code).join(", ")}): its figures are not trusted. ` +
                      "They are not stored in the tuning history, and the quality gate judges none of them.",
                  "",
              ]),
        ...statsTable(result),
        ...(result.statsSource === "visualization" ? ["", STATS_FROM_VISUALIZATION_NOTE] : []),
        "",
        `${details.join(" · ")}.`,
        ...renderMonthly(result),
        ...renderRefinement(result),
        ...renderTuningHistorySection(result),
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
            : [
                  {
                      memoryMB: result.power ?? Number.NaN,
                      averageDurationMs: result.duration ?? Number.NaN,
                      averageCostUsd: result.cost ?? Number.NaN,
                  },
              ];
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

/**
 * The tuning section when the pull request's copy could not be deployed: it replaces the previous
 * push's results, which would otherwise read as this push's.
 */
export function renderDeployFailedComment(detailsUrl: string, sourceCommit?: string): string {
    const copy = sourceCommit === undefined ? "the throw-away copy" : `the throw-away copy of ${code(sourceCommit.slice(0, 7))}`;
    return [
        TUNING_HEADING,
        "",
        `❌ **Not tuned:** ${copy} could not be deployed, so nothing was measured for this push. [Workflow execution](${detailsUrl})`,
        "",
    ].join("\n");
}

/** The tuning section's push-log note for a push whose copy could not be deployed. */
export const DEPLOY_FAILED_PUSH_NOTE = "not tuned: the copy could not be deployed";

/**
 * What this push's tuning cost: every execution it ran (Step Functions and Lambda, the tool's own
 * figures, refinements included); a reused result ran nothing, so it costs nothing.
 */
function runCostLine(results: readonly TuningResult[]): string[] {
    const ran = results.filter((result) => result.reused === undefined && tuningRunCostUsd(result) !== undefined);
    if (ran.length === 0) return [];
    const stateMachine = ran.reduce((sum, result) => sum + (result.stateMachineCostUsd ?? 0), 0);
    const lambda = ran.reduce((sum, result) => sum + (result.lambdaCostUsd ?? 0), 0);
    const reused = results.filter((result) => result.reused !== undefined).length;
    const free = reused === 0 ? "" : `; ${plural(reused, "reused result")} cost nothing`;
    return [
        "",
        `This push's tuning cost ${formatUsd(stateMachine + lambda)} (Step Functions ${formatUsd(stateMachine)} + Lambda ${formatUsd(lambda)}, as the tool reports them) for ${plural(ran.length, "function")}${free}.`,
    ];
}

/** What the comment shows of the changed paths that need no copy. */
const LISTED_PATHS = 10;

/**
 * The tuning section when no file that can change a function changed: nothing was deployed or
 * tuned, the quality gate's verdict (`gate`), and what production runs, from the tuning history.
 */
export function renderNoCopyComment(
    decision: CopyDecision,
    context: {
        sourceCommit: string;
        gate: readonly string[];
        production?: { results: readonly TuningResult[]; untuned: readonly string[] };
        history?: TuningHistoryStatus;
    },
): string {
    const { sourceCommit, gate, production } = context;
    const { changedPaths } = decision;
    const listed = changedPaths.slice(0, LISTED_PATHS).map(code).join(", ");
    const more = changedPaths.length > LISTED_PATHS ? ` and ${changedPaths.length - LISTED_PATHS} more` : "";
    const results = production?.results ?? [];
    const productionLines =
        production === undefined
            ? ["", "No tuning history is configured, so production's results cannot be shown."]
            : [
                  "",
                  "### What production runs",
                  "",
                  results.length === 0 && production.untuned.length === 0
                      ? "The tuning history holds no record of production's functions yet (`record` runs after each deployment of main)."
                      : "The functions this pull request leaves as they are, with the results stored for the code production runs:",
                  ...results.flatMap((result) => ["", ...resultSection(result)]),
                  ...(production.untuned.length === 0
                      ? []
                      : ["", `Never tuned on the code production runs: ${production.untuned.map(code).join(", ")}.`]),
                  ...(results.length === 0 ? [] : ["", "---", REQUEST_CHARGE_FOOTNOTE]),
              ];
    const markdown = [
        TUNING_HEADING,
        "",
        `⏭️ **No copy for ${code(sourceCommit.slice(0, 7))}:** ${plural(changedPaths.length, "changed file")} (${listed}${more}), none of which can change a function, so nothing was deployed, tuned or destroyed.`,
        "The stack decided this from the repository itself (the differences between the destination and the source commit), never from the pull request's code.",
        ...(gate.length === 0 ? [] : ["", ...gate]),
        // Only the history's problems: nothing of this push was tuned or reused.
        ...renderTuningHistoryStatus([], context.history),
        ...productionLines,
        "",
    ].join("\n");
    return fitToCommentLimit(markdown, COMMENT_CHARACTER_LIMIT, "the decision function's log");
}

/** The tuning section's push-log note for a push that needed no copy. */
export const NO_COPY_PUSH_NOTE = "no copy: no function changed";

function shorten(text: string, maxCharacters: number): string {
    return text.length <= maxCharacters ? text : `${text.slice(0, maxCharacters - 1)}…`;
}
