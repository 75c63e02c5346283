// What a power-tuning execution's status, output and event history mean (functional core), when
// to look again, and what to call it.

import { createHash } from "node:crypto";
import { isRecord, parseJsonOrUndefined } from "./json";
import type { TuningError } from "./resultsFile";
import { analysisFromOutput } from "./stateMachineOutput";
import type { ExecutionDescription, ExecutionEvent, ExecutionOutcome } from "./types";

/**
 * Classifies a DescribeExecution result. The tool ends many failures *successfully* with output
 * `{}` (its CleanUpOnError state swallows the error), so a SUCCEEDED without a numeric `power` is
 * a failure: without `events` the answer is `needs-events`, and the shell reads the execution's
 * event history (GetExecutionHistory) and asks again.
 */
export function classifyExecution(description: ExecutionDescription, events?: readonly ExecutionEvent[]): ExecutionOutcome {
    switch (description.status) {
        case "RUNNING":
        case "PENDING_REDRIVE":
            return { kind: "running" };
        case "FAILED":
            return { kind: "failed", error: describeCause(description.error, description.cause) };
        case "TIMED_OUT":
            return {
                kind: "timed-out",
                error: describeCause(
                    description.error ?? "States.Timeout",
                    description.cause ?? "the execution ran longer than the state machine's totalExecutionTimeout",
                ),
            };
        case "ABORTED":
            return {
                kind: "aborted",
                error: describeCause(
                    description.error ?? "ExecutionAborted",
                    description.cause ?? "the execution was stopped (StopExecution)",
                ),
            };
        case "SUCCEEDED":
            return classifySucceeded(description.output, events);
    }
}

function classifySucceeded(outputText: string | undefined, events: readonly ExecutionEvent[] | undefined): ExecutionOutcome {
    let output: unknown;
    try {
        output = outputText === undefined ? undefined : JSON.parse(outputText);
    } catch {
        return {
            kind: "failed",
            error: { error: "InvalidOutput", cause: `the execution's output is not JSON: ${outputText!.slice(0, 200)}` },
        };
    }
    if (output === null) return { kind: "dry-run" };
    const analysis = analysisFromOutput(output);
    if (analysis !== undefined) return { kind: "succeeded", analysis };
    if (events === undefined) return { kind: "needs-events" };
    return { kind: "failed", error: errorFromEvents(events) };
}

/** The event that holds the reason of a tuning that ended SUCCEEDED with `{}`. */
export function isCleanUpOnErrorEntry(event: ExecutionEvent): boolean {
    return event.type === "TaskStateEntered" && event.stateEnteredEventDetails?.name === "CleanUpOnError";
}

/** The reason recorded by the latest CleanUpOnError state: its input carries `error: {Error, Cause}`. */
function errorFromEvents(events: readonly ExecutionEvent[]): TuningError {
    const cleanUp = events
        .filter(isCleanUpOnErrorEntry)
        .reduce<ExecutionEvent | undefined>((latest, event) => (latest === undefined || event.id > latest.id ? event : latest), undefined);
    if (cleanUp === undefined) {
        return {
            error: "NoResult",
            cause: "the execution ended SUCCEEDED without a result and no CleanUpOnError state in its history",
        };
    }
    const caught = parseJsonOrUndefined(cleanUp.stateEnteredEventDetails?.input ?? "");
    const error = isRecord(caught) && isRecord(caught.error) ? caught.error : undefined;
    if (error === undefined) {
        return { error: "NoResult", cause: "the execution ended in CleanUpOnError, whose input names no error" };
    }
    return describeCause(stringOr(error.Error), stringOr(error.Cause));
}

/**
 * A readable reason from a Step Functions error and cause. Lambda errors arrive as a JSON cause
 * `{errorType, errorMessage, trace}`, shown as `errorType: errorMessage`; other causes as they are.
 */
export function describeCause(error: string | undefined, cause: string | undefined): TuningError {
    const name = error?.trim() || "UnknownError";
    if (cause === undefined || cause.trim() === "") return { error: name, cause: "no cause reported" };
    const parsed = parseJsonOrUndefined(cause);
    if (isRecord(parsed) && typeof parsed.errorMessage === "string") {
        return { error: name, cause: `${stringOr(parsed.errorType) ?? name}: ${parsed.errorMessage}` };
    }
    return { error: name, cause: cause.trim() };
}

// Poll schedule. Most failures (bad ARN, missing function, input rejected by the Initializer)
// end within a few seconds, so the first 10 s are polled every second. After that a tuning
// usually runs for tens of seconds to minutes, so the delay grows with the time already waited
// (a fifth of it, i.e. noticing the end costs at most ~20% extra wall time) up to a 5 s cap,
// reached at 30 s. That is ~37 DescribeExecution calls for a 2-minute run instead of a
// once-a-second loop's 120, and never more than one call per second per execution.
const QUICK_PHASE_MS = 10_000;
const MIN_POLL_DELAY_MS = 1_000;
const MAX_POLL_DELAY_MS = 5_000;
const DELAY_PER_ELAPSED = 0.2;

/** Milliseconds to wait before the next DescribeExecution, given the time since the execution started. */
export function pollDelayMs(elapsedMs: number): number {
    const grown = MIN_POLL_DELAY_MS + Math.max(0, elapsedMs - QUICK_PHASE_MS) * DELAY_PER_ELAPSED;
    return Math.round(Math.min(MAX_POLL_DELAY_MS, grown));
}

const EXECUTION_NAME_LIMIT = 80;
// A PR id is a small number and a suffix a build id or UUID; bounding them leaves the function
// name at least 12 characters however long the others are.
const PULL_REQUEST_ID_LIMIT = 20;
const SUFFIX_LIMIT = 36;
const FUNCTION_HASH_LENGTH = 8;

/**
 * A Step Functions execution name `pr-<id>-<short sha>-<function>-<suffix>`: only `[A-Za-z0-9-_]`,
 * at most 80 characters. The function part is shortened first; the suffix is kept whole because
 * it is what keeps names unique across builds.
 */
export function executionName(parts: {
    pullRequestId?: string;
    sourceCommit?: string;
    functionName: string;
    uniqueSuffix: string;
}): string {
    const prefix = [
        parts.pullRequestId ? `pr-${safeName(parts.pullRequestId).slice(0, PULL_REQUEST_ID_LIMIT)}` : undefined,
        parts.sourceCommit ? safeName(parts.sourceCommit).slice(0, 7) : undefined,
    ].filter((part): part is string => part !== undefined && part !== "");
    const suffix = safeName(parts.uniqueSuffix).slice(-SUFFIX_LIMIT);
    const separators = prefix.length + 1;
    const room = EXECUTION_NAME_LIMIT - separators - suffix.length - prefix.reduce((sum, part) => sum + part.length, 0);
    return [...prefix, shortenedFunctionPart(safeName(parts.functionName), room), suffix].join("-");
}

/**
 * Cuts a function name to `room` characters. Cut names end in a hash of the whole name, so two
 * long names that share a prefix still get different execution names within one build.
 */
function shortenedFunctionPart(name: string, room: number): string {
    if (name.length <= room) return name;
    const hash = createHash("sha256").update(name).digest("hex").slice(0, FUNCTION_HASH_LENGTH);
    return `${name.slice(0, Math.max(0, room - FUNCTION_HASH_LENGTH - 1))}-${hash}`;
}

function safeName(text: string): string {
    return text.replace(/[^A-Za-z0-9_-]/g, "-");
}

function stringOr(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}
