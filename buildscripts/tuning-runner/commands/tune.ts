// `tune`: one power-tuning execution per function, followed to its end. The shell part of
// the runner: it starts, polls, stops and pages through AWS, and leaves every judgement
// (what an execution's end means, when to poll, what to name it, what to write) to the core.
import { randomBytes } from "crypto";
import {
    historyObjectsClient,
    lambdaFunctionsClient,
    pullRequestApprovalsClient,
    pullRequestCodeCommit,
    pullRequestCommentsClient,
    stepFunctionsClient,
    type StartedExecution,
    type StepFunctions,
} from "../aws";
import { EXIT_TUNING_FAILED, type BuildContext } from "../cli";
import { publishMarkdown } from "./publish";
import { classifyExecution, executionName, isCleanUpOnErrorEntry, pollDelayMs } from "../core/execution";
import { buildLog, explainError, sleep, writeFileAtomically, type Log } from "../io";
import { applyQualityGate, configuredMemorySizes, type QualityGateSetup } from "./qualityGate";
import { tuneInPasses, type FinishedPass, type RefineStep } from "../core/refine";
import { stateMachineInput } from "../core/refineSettings";
import { renderTuningComment } from "../markdown/tuningReport";
import { buildResultsFile, exitCodeFor } from "../core/results";
import { tuneWithHistory } from "./tuningHistoryStore";
import type { ExecutionOutcome, HistoryEvent, TargetFunction, TuningRequest, TuningResult } from "../core/types";

export interface TuningSession {
    readonly stepFunctions: StepFunctions;
    readonly log: Log;
    /** Aborted when the build is stopped (SIGTERM/SIGINT): running executions are stopped, no new ones start. */
    readonly signal: AbortSignal;
}

/**
 * Tunes every function, at most `concurrency` at a time, and returns one result per function
 * in request order. Functions are unique by ARN (tuningRequestFrom merges duplicates), so no
 * function ever has two executions at once: the tool mutates $LATEST and its aliases.
 */
export async function tuneFunctions(request: TuningRequest, session: TuningSession): Promise<TuningResult[]> {
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

async function tuneFunction(request: TuningRequest, fn: TargetFunction, session: TuningSession): Promise<TuningResult> {
    const result = await tuneInPasses(fn, request.input, (step) => runExecution(request, fn, step, session));
    const refinement = result.refinement;
    if (refinement?.status === "refined") session.log(`${fn.name}: ${result.power} MB recommended over both passes (first pass: ${refinement.firstPass.power} MB)`);
    if (refinement?.status === "skipped") session.log(`${fn.name}: refinement skipped: ${refinement.reason}`);
    if (refinement?.status === "failed") session.log(`${fn.name}: refinement failed, keeping the first pass's ${result.power} MB`);
    return result;
}

/** One execution for `fn`, followed to its end: on the input's powerValues, or on a refinement's sizes. */
async function runExecution(request: TuningRequest, fn: TargetFunction, step: RefineStep | undefined, session: TuningSession): Promise<FinishedPass> {
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
    if (step !== undefined) log(`${fn.name}: refining between ${step.betweenMB[0]} and ${step.betweenMB[1]} MB on ${step.memorySizesMB.join(", ")} MB`);
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
    log(`${fn.name}: ${step === undefined ? describeOutcome(outcome) : `refinement ${outcome.kind === "succeeded" ? "measured" : describeOutcome(outcome)}`}`);
    return { outcome, executionArn: started.executionArn, startedAt: started.startDate.toISOString(), stoppedAt: stoppedAt.toISOString() };
}

/** Polls until the execution ends, the timeout passes or the build is stopped. */
async function followExecution(
    fn: TargetFunction,
    started: StartedExecution,
    timeoutSeconds: number,
    session: TuningSession,
): Promise<{ outcome: ExecutionOutcome; stoppedAt: Date }> {
    const { stepFunctions, log, signal } = session;
    // Our own clock, not the service's startDate: a skewed build host must not cut runs short.
    const startedAt = Date.now();
    const deadline = startedAt + timeoutSeconds * 1000;
    let lastStatus = "RUNNING";
    for (;;) {
        await sleep(Math.max(0, Math.min(pollDelayMs(Date.now() - startedAt), deadline - Date.now())), signal);
        if (signal.aborted) {
            return stopExecution(started, "TuningRunnerInterrupted", "the build was stopped (SIGTERM/SIGINT) while the tuning ran", "aborted", session);
        }
        let description;
        try {
            description = await stepFunctions.describeExecution(started.executionArn);
        } catch (error) {
            if (signal.aborted) continue;
            const failure = awsFailure("DescribeExecution", error);
            log(`${fn.name}: lost track of ${started.executionArn}: ${failure.error}: ${failure.cause}`);
            return stopExecution(started, failure.error, `the tuning runner could not follow the execution: ${failure.cause}`, "failed", session);
        }
        if (description.status !== lastStatus) {
            log(`${fn.name}: ${description.status}`);
            lastStatus = description.status;
        }
        let outcome = classifyExecution(description);
        if (outcome.kind === "needs-history") {
            log(`${fn.name}: SUCCEEDED without a result; reading the execution history for the reason`);
            outcome = classifyExecution(description, await historyUntilCleanUp(started.executionArn, session));
        }
        if (outcome.kind !== "running") return { outcome, stoppedAt: description.stopDate ?? new Date() };
        if (Date.now() >= deadline) {
            return stopExecution(started, "TuningRunnerTimeout", `still running after --timeout ${timeoutSeconds} s`, "timed-out", session);
        }
    }
}

/**
 * Reads the history newest first until the CleanUpOnError state's entry is in hand: the
 * reason a "successful" execution produced no result is recorded there, near the end.
 */
async function historyUntilCleanUp(executionArn: string, session: TuningSession): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
        const page = await session.stepFunctions.historyPageNewestFirst(executionArn, nextToken);
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
    return { outcome: { kind, error: { error, cause: reported } }, stoppedAt: new Date() };
}

function awsFailure(operation: string, error: unknown): { error: string; cause: string } {
    const { name, detail } = explainError(error);
    return { error: name, cause: `${operation} failed: ${detail}` };
}

function describeOutcome(outcome: ExecutionOutcome): string {
    switch (outcome.kind) {
        case "succeeded":
            return `tuned: ${outcome.analysis.power} MB recommended`;
        case "dry-run":
            return "dry run: no result";
        case "running":
        case "needs-history":
            return outcome.kind;
        default:
            return `${outcome.kind}: ${outcome.error.error}: ${outcome.error.cause}`;
    }
}

/**
 * Runs a validated `tune`: executions (with `--history`, only for functions without a stored
 * result, and new results stored after), then the results file (always, first), then the
 * quality gate (verdict and approval), then the comment.
 * SIGTERM/SIGINT (CodeBuild stopping the build) stops the running executions and still writes
 * the results; a second signal exits at once.
 */
export async function runTune(request: TuningRequest, build: BuildContext, gate: QualityGateSetup): Promise<number> {
    const interrupted = new AbortController();
    const onSignal = (signal: NodeJS.Signals): void => {
        if (interrupted.signal.aborted) process.exit(EXIT_TUNING_FAILED);
        buildLog(`${signal}: stopping running executions, then writing ${request.resultsFile}`);
        interrupted.abort();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    try {
        const lambda = lambdaFunctionsClient();
        const configured = await configuredMemorySizes(request.functions, () => lambda, buildLog);
        const session = { stepFunctions: stepFunctionsClient(), log: buildLog, signal: interrupted.signal };
        const tune = (functions: readonly TargetFunction[]) => tuneFunctions({ ...request, functions }, session);
        const { results: tuned, history } =
            request.history === undefined
                ? { results: await tune(request.functions), history: undefined }
                : await tuneWithHistory({ ...request, history: request.history }, tune, { objects: historyObjectsClient(), functions: lambda }, buildLog, interrupted.signal);
        const results = tuned.map((result) => (configured.has(result.arn) ? { ...result, configuredMemoryMB: configured.get(result.arn) } : result));
        const file = buildResultsFile(results, {
            generatedAt: new Date().toISOString(),
            stateMachineArn: request.stateMachineArn,
            pullRequest: request.pullRequest,
            buildUrl: request.buildUrl,
            history,
        });
        writeFileAtomically(request.resultsFile, `${JSON.stringify(file, null, 2)}\n`);
        buildLog(`results written to ${request.resultsFile}`);
        if (interrupted.signal.aborted) {
            buildLog("interrupted: no comment posted");
            return EXIT_TUNING_FAILED;
        }
        const codeCommit = pullRequestCodeCommit(request.commentRoleArn);
        const verdict = await applyQualityGate(results, gate, request.pullRequest, () => pullRequestApprovalsClient(codeCommit), buildLog);
        const markdown = renderTuningComment(results, { buildUrl: request.buildUrl, gate: verdict.markdown, history });
        const publication = { markdown, pullRequest: request.pullRequest, build, section: "tuning" as const, note: verdict.historyNote, stale: verdict.stale };
        await publishMarkdown(publication, () => pullRequestCommentsClient(codeCommit), buildLog);
        return Math.max(exitCodeFor(results), verdict.exitCode);
    } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
    }
}
