// Tuning results as data (functional core): one entry per function from its execution's outcome,
// the results file `tune` always writes, and the same entries rebuilt for `report` from a results
// file, a raw state machine output or a visualization link.

import { analysisFromOutput } from "./execution";
import { InputError, describeInvalid, parseJsonFile } from "./input";
import { isFiniteNumber, isRecord, withoutUndefined } from "./json";
import {
    STRATEGIES,
    type Baseline,
    type BaselineDelta,
    type ExecutionOutcome,
    type HistoryStatus,
    type PowerStat,
    type PullRequestContext,
    type Refinement,
    type ResultsFile,
    type StoredResultOrigin,
    type Strategy,
    type TargetFunction,
    type TuningAnalysis,
    type TuningResult,
    type TuningStatus,
} from "./types";
import { decodeComparisonUrl, decodeVisualizationUrl } from "./visualization";

/** The results entry for a finished execution. `running` and `needs-history` are not finished. */
export function tuningResultFromOutcome(
    fn: TargetFunction,
    outcome: ExecutionOutcome,
    meta: { strategy: Strategy; executionArn?: string; startedAt?: string; stoppedAt?: string },
): TuningResult {
    const common = { name: fn.name, arn: fn.arn, executionArn: meta.executionArn, strategy: meta.strategy, startedAt: meta.startedAt, stoppedAt: meta.stoppedAt };
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
        case "needs-history":
            throw new Error(`${fn.name}: an execution that is ${outcome.kind} has no result yet`);
    }
}

/** The results file's content; `generatedAt` comes from the shell (the core reads no clock). */
export function buildResultsFile(
    results: readonly TuningResult[],
    meta: { generatedAt: string; stateMachineArn?: string; pullRequest?: PullRequestContext; buildUrl?: string; history?: HistoryStatus },
): ResultsFile {
    return withoutUndefined({ version: 1, ...meta, functions: results });
}

/**
 * Exit code of `tune`: 1 when any tuning failed, timed out or was aborted, or nothing was tuned
 * at all. A dry run (`dryRun: true` in the input) is a deliberate check of the setup that
 * measures nothing; it succeeded, so it counts as 0 — the comment says nothing was measured.
 */
export function exitCodeFor(results: readonly TuningResult[]): 0 | 1 {
    const failed = results.some((result) => result.status === "failed" || result.status === "timed-out" || result.status === "aborted");
    return results.length === 0 || failed ? 1 : 0;
}

/** A results file read back for `report`, its shape checked so rendering never meets a surprise. */
export function parseResultsFile(text: string, fileName: string): ResultsFile {
    const file = parseJsonFile(text, fileName);
    const check = new ShapeCheck(fileName);
    if (!isRecord(file)) throw check.fail("the file", file, "a results file written by `tune` (a JSON object with version 1)");
    if (file.version === undefined && analysisFromOutput(file) !== undefined) {
        throw new InputError(`${fileName} is a state machine output, not a results file written by \`tune\`; render it with \`report --output ${fileName}\``);
    }
    if (file.version !== 1) throw check.fail(`"version"`, file.version, "1 (written by this runner)");
    check.field(file, "generatedAt", "", isString, "an ISO-8601 timestamp");
    check.optional(file, "stateMachineArn", "", isString, "a state machine ARN");
    check.optional(file, "buildUrl", "", isString, "a URL");
    check.optional(file, "pullRequest", "", isPullRequest, "{repositoryName, pullRequestId, sourceCommit, destinationCommit} (strings)");
    check.optional(file, "history", "", isHistoryStatus, "{uri, problems} (a string and a list of strings)");
    check.field(file, "functions", "", Array.isArray, "a list of function results");
    (file.functions as unknown[]).forEach((entry, index) => checkResult(check, entry, `functions[${index}]`));
    return file as unknown as ResultsFile;
}

/** Whether a parsed file is a results file written by `tune` (version 1 and a function list), whatever else it holds. */
export function looksLikeResultsFile(value: unknown): boolean {
    return isRecord(value) && value.version === 1 && Array.isArray(value.functions);
}

const TUNING_STATUSES: readonly TuningStatus[] = ["succeeded", "failed", "timed-out", "aborted", "dry-run"];

function checkResult(check: ShapeCheck, entry: unknown, at: string): void {
    if (!isRecord(entry)) throw check.fail(`"${at}"`, entry, "an object with name, arn, status, strategy and stats");
    check.field(entry, "name", at, isString, "a string");
    check.field(entry, "arn", at, isString, "a string");
    check.field(entry, "status", at, (v) => (TUNING_STATUSES as readonly unknown[]).includes(v), TUNING_STATUSES.join(", "));
    check.field(entry, "strategy", at, (v) => (STRATEGIES as readonly unknown[]).includes(v), STRATEGIES.join(", "));
    check.field(entry, "stats", at, isPowerStatList, "a list of {memoryMB, averageDurationMs, averageCostUsd} (numbers)");
    for (const key of ["power", "cost", "duration", "stateMachineCostUsd", "lambdaCostUsd", "configuredMemoryMB"]) check.optional(entry, key, at, isFiniteNumber, "a number");
    for (const key of ["executionArn", "visualization", "startedAt", "stoppedAt"]) check.optional(entry, key, at, isString, "a string");
    check.optional(entry, "statsSource", at, (v) => v === "visualization", '"visualization" (stats decoded from the link)');
    check.optional(entry, "error", at, (v) => isRecord(v) && isString(v.error) && isString(v.cause), "{error, cause} (strings)");
    check.optional(entry, "fingerprint", at, isString, "a string");
    check.optional(entry, "reused", at, isStoredResultOrigin, "{recordedAt, commit?, pullRequestId?, executionArn?, functionName?} (strings)");
    check.optional(entry, "baseline", at, isBaseline, BASELINE_FORM);
    check.optional(entry, "delta", at, isBaselineDelta, DELTA_FORM);
    check.optional(entry, "refinement", at, isRefinement, REFINEMENT_FORM);
    if (entry.status === "succeeded") {
        for (const key of ["power", "cost", "duration"]) check.field(entry, key, at, isFiniteNumber, "a number (the entry succeeded)");
    }
}

/** One results entry read from elsewhere (the tuning history), checked like a results file's. */
export function parseTuningResult(value: unknown, fileName: string, at: string): TuningResult {
    checkResult(new ShapeCheck(fileName), value, at);
    return value as TuningResult;
}

const BASELINE_FORM =
    '{status: "found", fingerprint, productionRecordedAt, tunedBy, strategy, power, cost, duration, stats} or {status: "none", reason}';
const DELTA_FORM = "{memoryMB, costPerMillionUsd, durationMs: {baseline, current, absolute, percent?} (numbers), comparisonUrl: a comparison link}";

const REFINEMENT_FORM =
    '{status: "refined", betweenMB, memorySizesMB, invocations, firstPass: {power, cost, duration}}, {status: "skipped", reason} or {status: "failed", betweenMB, memorySizesMB, error}';

function isRefinement(value: unknown): value is Refinement {
    if (!isRecord(value)) return false;
    if (value.status === "skipped") return isString(value.reason);
    const sizes = (list: unknown) => Array.isArray(list) && list.every(isFiniteNumber);
    const measured = Array.isArray(value.betweenMB) && value.betweenMB.length === 2 && sizes(value.betweenMB) && sizes(value.memorySizesMB);
    if (value.status === "failed") return measured && isRecord(value.error) && isString(value.error.error) && isString(value.error.cause);
    return (
        value.status === "refined" &&
        measured &&
        isFiniteNumber(value.invocations) &&
        isRecord(value.firstPass) &&
        ["power", "cost", "duration"].every((key) => isFiniteNumber((value.firstPass as Record<string, unknown>)[key]))
    );
}

function isStoredResultOrigin(value: unknown): value is StoredResultOrigin {
    return (
        isRecord(value) &&
        isString(value.recordedAt) &&
        ["commit", "pullRequestId", "executionArn", "functionName"].every((key) => value[key] === undefined || isString(value[key]))
    );
}

function isBaseline(value: unknown): value is Baseline {
    if (!isRecord(value)) return false;
    if (value.status === "none") return isString(value.reason);
    return (
        value.status === "found" &&
        isString(value.fingerprint) &&
        isString(value.productionRecordedAt) &&
        (value.productionCommit === undefined || isString(value.productionCommit)) &&
        isStoredResultOrigin(value.tunedBy) &&
        (STRATEGIES as readonly unknown[]).includes(value.strategy) &&
        ["power", "cost", "duration"].every((key) => isFiniteNumber(value[key])) &&
        isPowerStatList(value.stats)
    );
}

function isBaselineDelta(value: unknown): value is BaselineDelta {
    const isFigure = (figure: unknown) =>
        isRecord(figure) &&
        ["baseline", "current", "absolute"].every((key) => isFiniteNumber(figure[key])) &&
        (figure.percent === undefined || isFiniteNumber(figure.percent));
    return (
        isRecord(value) &&
        ["memoryMB", "costPerMillionUsd", "durationMs"].every((key) => isFigure(value[key])) &&
        isString(value.comparisonUrl) &&
        isComparisonUrl(value.comparisonUrl)
    );
}

function isComparisonUrl(url: string): boolean {
    try {
        decodeComparisonUrl(url);
        return true;
    } catch {
        return false;
    }
}

function isHistoryStatus(value: unknown): value is HistoryStatus {
    return isRecord(value) && isString(value.uri) && Array.isArray(value.problems) && value.problems.every(isString);
}

/** Checks fields of a parsed file, naming `"<path>.<field>"` in the InputError. */
class ShapeCheck {
    constructor(private readonly fileName: string) {}

    fail(field: string, value: unknown, allowed: string): InputError {
        return new InputError(`${this.fileName}: ${describeInvalid(field, value, allowed)}`);
    }

    field(record: Record<string, unknown>, key: string, at: string, isValid: (value: unknown) => boolean, allowed: string): void {
        if (!isValid(record[key])) throw this.fail(`"${at ? `${at}.` : ""}${key}"`, record[key], allowed);
    }

    optional(record: Record<string, unknown>, key: string, at: string, isValid: (value: unknown) => boolean, allowed: string): void {
        if (record[key] !== undefined) this.field(record, key, at, isValid, allowed);
    }
}

function isString(value: unknown): value is string {
    return typeof value === "string";
}

function isPowerStatList(value: unknown): value is PowerStat[] {
    return (
        Array.isArray(value) &&
        value.every((stat) => isRecord(stat) && isFiniteNumber(stat.memoryMB) && isFiniteNumber(stat.averageDurationMs) && isFiniteNumber(stat.averageCostUsd))
    );
}

function isPullRequest(value: unknown): value is PullRequestContext {
    return isRecord(value) && ["repositoryName", "pullRequestId", "sourceCommit", "destinationCommit"].every((key) => isString(value[key]));
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
        const reason = isRecord(output) && Object.keys(output).length === 0 ? "the tuning failed; its reason is in the execution history (CleanUpOnError)" : undefined;
        throw InputError.invalid("state machine output", output, allowed, reason);
    }
    return withoutUndefined({ name, arn: "", status: "succeeded", strategy: inferStrategy(analysis), ...analysis });
}

/**
 * A result from a visualization link (`report --url`): the link carries only the measurements,
 * so the recommendation is the tool's default, the cheapest memory size.
 */
export function resultFromVisualizationUrl(url: string, name = "function"): TuningResult {
    const stats = decodeVisualizationUrl(url);
    const cheapest = cheapestStat(stats);
    return {
        name,
        arn: "",
        status: "succeeded",
        strategy: "cost",
        power: cheapest.memoryMB,
        cost: cheapest.averageCostUsd,
        duration: cheapest.averageDurationMs,
        stats,
        visualization: url,
    };
}

const byCost = (stat: PowerStat) => stat.averageCostUsd;
const byDuration = (stat: PowerStat) => stat.averageDurationMs;

/** The lowest by `first`, then by `then`: the tool's `cost` choice is (cost, duration), `speed` (duration, cost). */
function bestStat(stats: readonly PowerStat[], first: (stat: PowerStat) => number, then: (stat: PowerStat) => number): PowerStat {
    return stats.reduce((best, stat) => (first(stat) < first(best) || (first(stat) === first(best) && then(stat) < then(best)) ? stat : best));
}

function cheapestStat(stats: readonly PowerStat[]): PowerStat {
    return bestStat(stats, byCost, byDuration);
}

function inferStrategy(analysis: TuningAnalysis): Strategy {
    if (analysis.stats.length === 0 || cheapestStat(analysis.stats).memoryMB === analysis.power) return "cost";
    return bestStat(analysis.stats, byDuration, byCost).memoryMB === analysis.power ? "speed" : "balanced";
}
