// Following `tune`'s executions: one power-tuning execution per function (two with a
// refinement), started, polled, stopped on --timeout or a stop of the build, and its event
// history paged through when it ended without a result. Every judgement (what an execution's end
// means, when to poll, what to call it) is the core's.
import { randomBytes } from "node:crypto";
import type { DescribedExecution, StartedExecution, StepFunctions } from "../aws/ports";
import { classifyExecution, executionName, isCleanUpOnErrorEntry, pollDelayMs } from "../core/execution";
import { tuneInPasses, type FinishedPass, type RefineStep } from "../core/refine";
import { peakPerExecution, stateMachineInput } from "../core/tuningInput";
import type { PullRequestContext, TuningError, TuningResult } from "../core/resultsFile";
import type { PowerTuningInput } from "../core/tuningInput";
import type { ExecutionEvent, ExecutionOutcome, TargetFunction } from "../core/types";
import { describeError } from "../core/errors";
import type { ConcurrencyBudget } from "./budget";
import type { Runtime } from "./runtime";

/** What the executions need: the request with its settings read and its input parsed. */
export interface Tuning {
    readonly stateMachineArn: string;
    readonly input: PowerTuningInput;
    readonly functions: readonly TargetFunction[];
    readonly pullRequest?: PullRequestContext;
    readonly timeoutSeconds: number;
    readonly concurrency: number;
}

/** The executions' clients and runtime. */
export interface TuningSession extends Pick<Runtime, "log" | "now" | "sleep" | "signal"> {
    readonly stepFunctions: StepFunctions;
    /** The stack-wide budget each execution holds its share of while it runs; none: no limit but --concurrency. */
    readonly budget?: ConcurrencyBudget;
    /** Called with each function's result as soon as its last execution has ended; what it returns is the result. */
    readonly afterTuning?: (fn: TargetFunction, result: TuningResult) => Promise<TuningResult>;
}

/** A lease outlives its execution's --timeout by this much: the time to stop it. */
const LEASE_MARGIN_MS = 120_000;

/**
 * Tunes every function, at most `concurrency` at a time, and returns one result per function
 * in request order. Functions are unique by ARN (tuningRequestFrom merges duplicates), so no
 * function ever has two executions at once: the tool mutates $LATEST and its aliases.
 */
export async function tuneFunctions(request: Tuning, session: TuningSession): Promise<TuningResult[]> {
    const results: TuningResult[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < request.functions.length) {
            const index = next++;
            results[index] = await tuneFunction(request, request.functions[index], session);
        }
    };
    const workers = Math.min(request.concurrency, request.functions.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return results;
}

async function tuneFunction(request: Tuning, fn: TargetFunction, session: TuningSession): Promise<TuningResult> {
    const result = await tuneInPasses(fn, request.input, (step) => runExecution(request, fn, step, session));
    const refinement = result.refinement;
    if (refinement?.status === "refined")
        session.log(`${fn.name}: ${result.power} MB recommended over both passes (first pass: ${refinement.firstPass.power} MB)`);
    if (refinement?.status === "skipped") session.log(`${fn.name}: refinement skipped: ${refinement.reason}`);
    if (refinement?.status === "failed") session.log(`${fn.name}: refinement failed, keeping the first pass's ${result.power} MB`);
    return session.afterTuning === undefined ? result : session.afterTuning(fn, result);
}

/** One execution for `fn` while it holds its share of the budget (when there is one). */
async function runExecution(
    request: Tuning,
    fn: TargetFunction,
    step: RefineStep | undefined,
    session: TuningSession,
): Promise<FinishedPass> {
    const { budget, log } = session;
    if (budget === undefined) return runLeasedExecution(request, fn, step, session);
    let leaseId: string | undefined;
    try {
        leaseId = await budget.acquire(peakPerExecution(request.input), session.now() + request.timeoutSeconds * 1000 + LEASE_MARGIN_MS);
    } catch (error) {
        const failure = awsFailure("TuningBudget", error);
        log(`${fn.name}: the tuning budget could not be read: ${failure.cause}`);
        return { outcome: { kind: "failed", error: failure } };
    }
    if (leaseId === undefined) {
        return {
            outcome: {
                kind: "aborted",
                error: { error: "NotStarted", cause: "the build was stopped while this function waited for the tuning budget" },
            },
        };
    }
    try {
        return await runLeasedExecution(request, fn, step, session);
    } finally {
        await budget
            .release(leaseId)
            .catch((error) =>
                log(`${fn.name}: the tuning budget's lease was not given back (${describeError(error)}); it expires by itself`),
            );
    }
}

/** One execution for `fn`, followed to its end: on the input's powerValues, or on a refinement's sizes. */
async function runLeasedExecution(
    request: Tuning,
    fn: TargetFunction,
    step: RefineStep | undefined,
    session: TuningSession,
): Promise<FinishedPass> {
    const { stepFunctions, log, signal } = session;
    if (signal.aborted) {
        return { outcome: { kind: "aborted", error: { error: "NotStarted", cause: "the build was stopped before this function's turn" } } };
    }
    const name = executionName({
        pullRequestId: request.pullRequest?.pullRequestId,
        sourceCommit: request.pullRequest?.sourceCommit,
        functionName: step === undefined ? fn.name : `${fn.name}-refine`,
        // Per execution, not per run: long function names sharing a prefix are cut to the same
        // text, and the suffix is what keeps their names apart (and apart from earlier builds).
        uniqueSuffix: randomBytes(4).toString("hex"),
    });
    if (step !== undefined)
        log(`${fn.name}: refining between ${step.betweenMB[0]} and ${step.betweenMB[1]} MB on ${step.memorySizesMB.join(", ")} MB`);
    const input = JSON.stringify(stateMachineInput(request.input, fn.arn, step?.memorySizesMB));
    let started: StartedExecution;
    try {
        started = await stepFunctions.startExecution(request.stateMachineArn, name, input);
    } catch (error) {
        const failure = awsFailure("StartExecution", error);
        log(`${fn.name}: could not start: ${failure.error}: ${failure.cause}`);
        return { outcome: { kind: "failed", error: failure } };
    }
    log(`${fn.name}: started ${started.executionArn}`);
    const { outcome, stoppedAt } = await followExecution(fn, started, request.timeoutSeconds, session);
    // A refinement's own pick is among its sizes only; tuneFunction logs the pick over both passes.
    log(
        `${fn.name}: ${step === undefined ? describeOutcome(outcome) : `refinement ${outcome.kind === "succeeded" ? "measured" : describeOutcome(outcome)}`}`,
    );
    return { outcome, executionArn: started.executionArn, startedAt: started.startDate.toISOString(), stoppedAt: stoppedAt.toISOString() };
}

/** Polls until the execution ends, the timeout passes or the build is stopped. */
async function followExecution(
    fn: TargetFunction,
    started: StartedExecution,
    timeoutSeconds: number,
    session: TuningSession,
): Promise<{ outcome: ExecutionOutcome; stoppedAt: Date }> {
    const { stepFunctions, log, signal, now } = session;
    // Our own clock, not the service's startDate: a skewed build host must not cut runs short.
    const startedAt = now();
    const deadline = startedAt + timeoutSeconds * 1000;
    let lastStatus = "RUNNING";
    for (;;) {
        await session.sleep(Math.max(0, Math.min(pollDelayMs(now() - startedAt), deadline - now())), signal);
        if (signal.aborted) {
            return stopExecution(
                started,
                "TuningRunnerInterrupted",
                "the build was stopped (SIGTERM/SIGINT) while the tuning ran",
                "aborted",
                session,
            );
        }
        let description: DescribedExecution;
        try {
            description = await stepFunctions.describeExecution(started.executionArn);
        } catch (error) {
            if (signal.aborted) continue;
            const failure = awsFailure("DescribeExecution", error);
            log(`${fn.name}: lost track of ${started.executionArn}: ${failure.error}: ${failure.cause}`);
            return stopExecution(
                started,
                failure.error,
                `the tuning runner could not follow the execution: ${failure.cause}`,
                "failed",
                session,
            );
        }
        if (description.status !== lastStatus) {
            log(`${fn.name}: ${description.status}`);
            lastStatus = description.status;
        }
        let outcome = classifyExecution(description);
        if (outcome.kind === "needs-events") {
            log(`${fn.name}: SUCCEEDED without a result; reading the execution history for the reason`);
            outcome = classifyExecution(description, await eventsUntilCleanUp(started.executionArn, session));
        }
        if (outcome.kind !== "running") return { outcome, stoppedAt: description.stopDate ?? new Date(now()) };
        if (now() >= deadline) {
            return stopExecution(started, "TuningRunnerTimeout", `still running after --timeout ${timeoutSeconds} s`, "timed-out", session);
        }
    }
}

/**
 * Reads the execution's event history newest first until the CleanUpOnError state's entry is in
 * hand: the reason a "successful" execution produced no result is recorded there, near the end.
 */
async function eventsUntilCleanUp(executionArn: string, session: TuningSession): Promise<ExecutionEvent[]> {
    const events: ExecutionEvent[] = [];
    let nextToken: string | undefined;
    do {
        const page = await session.stepFunctions.executionEventsNewestFirst(executionArn, nextToken);
        events.push(...page.events);
        if (page.events.some(isCleanUpOnErrorEntry)) break;
        nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return events;
}

async function stopExecution(
    started: StartedExecution,
    error: string,
    cause: string,
    kind: "timed-out" | "aborted" | "failed",
    session: TuningSession,
): Promise<{ outcome: ExecutionOutcome; stoppedAt: Date }> {
    let reported = `${cause}; stopped with StopExecution`;
    try {
        await session.stepFunctions.stopExecution(started.executionArn, error, cause);
    } catch (stopError) {
        const failure = awsFailure("StopExecution", stopError);
        reported = `${cause}; StopExecution failed (${failure.error}: ${failure.cause}), so it may still be running`;
    }
    return { outcome: { kind, error: { error, cause: reported } }, stoppedAt: new Date(session.now()) };
}

function awsFailure(operation: string, error: unknown): TuningError {
    const { name, message } = error instanceof Error ? error : { name: "Error", message: String(error) };
    return { error: name, cause: `${operation} failed: ${message}` };
}

function describeOutcome(outcome: ExecutionOutcome): string {
    switch (outcome.kind) {
        case "succeeded":
            return `tuned: ${outcome.analysis.power} MB recommended`;
        case "dry-run":
            return "dry run: no result";
        case "running":
        case "needs-events":
            return outcome.kind;
        default:
            return `${outcome.kind}: ${outcome.error.error}: ${outcome.error.cause}`;
    }
}
