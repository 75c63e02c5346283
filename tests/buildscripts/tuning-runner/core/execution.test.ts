import * as assert from "node:assert/strict";

import { classifyExecution, describeCause, executionName, pollDelayMs } from "../../../../buildscripts/tuning-runner/core/execution";
import type { ExecutionDescription, ExecutionEvent, ExecutionOutcome } from "../../../../buildscripts/tuning-runner/core/types";
import { loadFixture, readFixtureText } from "../../../fixtures";

const emptyOutputFixture = loadFixture("power-tuning/execution-succeeded-empty-output.json");
const failedFixture = loadFixture("power-tuning/execution-failed.json");
const costOutputText = readFixtureText("power-tuning/output-cost-x86-4-powers.json");

const succeeded = (output: string): ExecutionDescription => ({ status: "SUCCEEDED", output });

function failureOf(outcome: ExecutionOutcome) {
    assert.ok(outcome.kind === "failed" || outcome.kind === "timed-out" || outcome.kind === "aborted", `unexpected ${outcome.kind}`);
    return outcome.error;
}

function cleanUpOnError(id: number, error: unknown): ExecutionEvent {
    return {
        id,
        type: "TaskStateEntered",
        stateEnteredEventDetails: { name: "CleanUpOnError", input: JSON.stringify({ num: 10, error }) },
    };
}

describe("outcome classification", () => {
    it("keeps polling while the execution is RUNNING or PENDING_REDRIVE", () => {
        assert.deepEqual(classifyExecution({ status: "RUNNING" }), { kind: "running" });
        assert.deepEqual(classifyExecution({ status: "PENDING_REDRIVE" }), { kind: "running" });
    });

    it("reads a SUCCEEDED output with a numeric power as the analysis, stats by memory size", () => {
        const outcome = classifyExecution(succeeded(costOutputText));
        assert.equal(outcome.kind, "succeeded");
        assert.deepEqual(outcome.analysis, {
            power: 256,
            cost: 0.0000016926000000000001,
            duration: 402,
            visualization: "https://lambda-power-tuning.show/#gAAAAQACAAQ=;IlJNRAAAyUMiYkpD3l3bQg==;yK/nNUst4zU63uQ1zAj4NQ==",
            stateMachineCostUsd: 0.00045,
            lambdaCostUsd: 0.00007508550000000001,
            stats: [
                { memoryMB: 128, averageCostUsd: 0.0000017262, averageDurationMs: 821.2833333333333 },
                { memoryMB: 256, averageCostUsd: 0.0000016926000000000001, averageDurationMs: 402 },
                { memoryMB: 512, averageCostUsd: 0.0000017052000000000002, averageDurationMs: 202.38333333333333 },
                { memoryMB: 1024, averageCostUsd: 0.0000018480000000000001, averageDurationMs: 109.68333333333334 },
            ],
        });
    });

    it("decodes the stats from the visualization link when the output has none (includeOutputResults not set), and marks them so", () => {
        const { stats: _omitted, ...output } = JSON.parse(costOutputText);
        const outcome = classifyExecution(succeeded(JSON.stringify(output)));
        assert.equal(outcome.kind, "succeeded");
        assert.equal(outcome.analysis.statsSource, "visualization");
        assert.deepEqual(
            outcome.analysis.stats.map((stat) => stat.memoryMB),
            [128, 256, 512, 1024],
        );
        // float32: within a few parts in 10^7 of what the stats would have said
        const exact = JSON.parse(costOutputText).stats;
        outcome.analysis.stats.forEach((stat, index) => {
            assert.ok(Math.abs(stat.averageDurationMs / exact[index].averageDuration - 1) < 1e-6);
            assert.ok(Math.abs(stat.averageCostUsd / exact[index].averagePrice - 1) < 1e-6);
        });
        assert.equal(outcome.analysis.power, 256, "the recommendation stays the output's own");
    });

    it("keeps an analysis without stats when the link cannot be decoded either", () => {
        const { stats: _omitted, ...output } = JSON.parse(costOutputText);
        const outcome = classifyExecution(
            succeeded(JSON.stringify({ ...output, stateMachine: { visualization: "https://lambda-power-tuning.show/#broken" } })),
        );
        assert.equal(outcome.kind, "succeeded");
        assert.deepEqual([outcome.analysis.stats, outcome.analysis.statsSource], [[], undefined]);
    });

    it("sorts stats by ascending memory even when the output lists them otherwise", () => {
        const output = JSON.parse(costOutputText);
        output.stats.reverse();
        const outcome = classifyExecution(succeeded(JSON.stringify(output)));
        assert.equal(outcome.kind, "succeeded");
        assert.deepEqual(
            outcome.analysis.stats.map((stat) => stat.memoryMB),
            [128, 256, 512, 1024],
        );
    });

    it("treats SUCCEEDED with null as a dry run, not a result", () => {
        assert.deepEqual(classifyExecution(succeeded("null")), { kind: "dry-run" });
    });

    it("asks for the history when SUCCEEDED holds no analysis (numeric power, cost and duration)", () => {
        assert.deepEqual(classifyExecution(emptyOutputFixture.DescribeExecution), { kind: "needs-events" });
        assert.deepEqual(classifyExecution(succeeded('{"power": "256", "cost": 1e-6, "duration": 402}')), { kind: "needs-events" });
        assert.deepEqual(classifyExecution(succeeded('{"power": 256}')), { kind: "needs-events" });
    });

    it("treats SUCCEEDED with {} as a failure and reads the reason from CleanUpOnError", () => {
        const outcome = classifyExecution(emptyOutputFixture.DescribeExecution, emptyOutputFixture.GetExecutionHistory.events);
        assert.equal(outcome.kind, "failed");
        assert.deepEqual(outcome.error, {
            error: "Error",
            cause:
                'Error: Invocation error (running in parallel) - original error type: "Runtime.ExitError", ' +
                'original error message: "RequestId: 6f0c Error: Runtime exited with error: signal: killed",trace: "[]"',
        });
    });

    it("takes the latest CleanUpOnError event whatever order the history is in", () => {
        const older = cleanUpOnError(10, { Error: "Older", Cause: "first attempt" });
        const newer = cleanUpOnError(90, { Error: "Lambda.TooManyRequestsException", Cause: "Rate exceeded" });
        const expected = { error: "Lambda.TooManyRequestsException", cause: "Rate exceeded" };
        assert.deepEqual(failureOf(classifyExecution(succeeded("{}"), [older, newer])), expected);
        assert.deepEqual(failureOf(classifyExecution(succeeded("{}"), [newer, older])), expected);
    });

    it("says so when SUCCEEDED {} left no CleanUpOnError state in the history", () => {
        const history = emptyOutputFixture.GetExecutionHistory.events.filter(
            (event: ExecutionEvent) => event.stateEnteredEventDetails?.name !== "CleanUpOnError",
        );
        assert.deepEqual(failureOf(classifyExecution(succeeded("{}"), history)), {
            error: "NoResult",
            cause: "the execution ended SUCCEEDED without a result and no CleanUpOnError state in its history",
        });
    });

    it("says so when the CleanUpOnError input carries no error", () => {
        const event: ExecutionEvent = {
            id: 3,
            type: "TaskStateEntered",
            stateEnteredEventDetails: { name: "CleanUpOnError", input: "{}" },
        };
        assert.match(failureOf(classifyExecution(succeeded("{}"), [event])).cause, /CleanUpOnError, whose input names no error/);
    });

    it("reports an output that is not JSON as a failure instead of crashing", () => {
        const error = failureOf(classifyExecution(succeeded("<html>")));
        assert.equal(error.error, "InvalidOutput");
        assert.match(error.cause, /not JSON: <html>/);
    });

    it("reports FAILED with its error and the parsed cause", () => {
        const outcome = classifyExecution(failedFixture.DescribeExecution);
        assert.deepEqual(outcome, {
            kind: "failed",
            error: {
                error: "ResourceNotFoundException",
                cause: "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:target-fn-pr-7",
            },
        });
    });

    it("reports TIMED_OUT and ABORTED as such, explaining them when Step Functions gives no cause", () => {
        assert.deepEqual(classifyExecution({ status: "TIMED_OUT" }), {
            kind: "timed-out",
            error: { error: "States.Timeout", cause: "the execution ran longer than the state machine's totalExecutionTimeout" },
        });
        assert.deepEqual(classifyExecution({ status: "ABORTED", error: "Runner.Timeout", cause: "stopped after 900 s" }), {
            kind: "aborted",
            error: { error: "Runner.Timeout", cause: "stopped after 900 s" },
        });
        assert.deepEqual(failureOf(classifyExecution({ status: "ABORTED" })), {
            error: "ExecutionAborted",
            cause: "the execution was stopped (StopExecution)",
        });
    });
});

describe("error causes", () => {
    it("shows a Lambda JSON cause as errorType: errorMessage", () => {
        const cause = JSON.stringify({ errorType: "Error", errorMessage: "Missing num or num below 5", trace: ["at handler"] });
        assert.deepEqual(describeCause("Error", cause), { error: "Error", cause: "Error: Missing num or num below 5" });
    });

    it("falls back to the error name when the JSON cause has no errorType", () => {
        assert.deepEqual(describeCause("States.TaskFailed", '{"errorMessage": "boom"}'), {
            error: "States.TaskFailed",
            cause: "States.TaskFailed: boom",
        });
    });

    it("keeps a plain-text cause and a JSON cause without errorMessage as they are", () => {
        assert.deepEqual(describeCause("States.DataLimitExceeded", "The state/task returned a result larger than the limit"), {
            error: "States.DataLimitExceeded",
            cause: "The state/task returned a result larger than the limit",
        });
        assert.deepEqual(describeCause("States.Runtime", '{"detail": "x"}'), { error: "States.Runtime", cause: '{"detail": "x"}' });
    });

    it("copes with a missing error or cause", () => {
        assert.deepEqual(describeCause(undefined, undefined), { error: "UnknownError", cause: "no cause reported" });
        assert.deepEqual(describeCause("States.Runtime", "  "), { error: "States.Runtime", cause: "no cause reported" });
    });
});

describe("poll schedule", () => {
    it("polls every second for the first ten seconds, when most failures end", () => {
        for (const elapsed of [0, 1_000, 5_000, 10_000]) assert.equal(pollDelayMs(elapsed), 1_000);
    });

    it("never polls more than once a second", () => {
        for (let elapsed = -1_000; elapsed <= 3_600_000; elapsed += 250) assert.ok(pollDelayMs(elapsed) >= 1_000, `at ${elapsed} ms`);
    });

    it("backs off gradually to a cap of five seconds", () => {
        assert.equal(pollDelayMs(20_000), 3_000);
        assert.equal(pollDelayMs(30_000), 5_000);
        assert.equal(pollDelayMs(3_600_000), 5_000);
    });

    it("never shortens the delay as time passes", () => {
        let previous = 0;
        for (let elapsed = 0; elapsed <= 600_000; elapsed += 100) {
            const delay = pollDelayMs(elapsed);
            assert.ok(delay >= previous, `delay fell from ${previous} to ${delay} at ${elapsed} ms`);
            previous = delay;
        }
    });

    it("needs at most a third as many polls as the original design's once-a-second loop for a two-minute run", () => {
        let polls = 0;
        for (let elapsed = 0; elapsed < 120_000; elapsed += pollDelayMs(elapsed)) polls++;
        assert.ok(polls <= 40, `${polls} polls`);
        assert.ok(polls >= 30, `${polls} polls: the schedule backs off too much to notice the end promptly`);
    });
});

describe("execution names", () => {
    it("builds pr-<id>-<short sha>-<function>-<suffix>", () => {
        const name = executionName({
            pullRequestId: "7",
            sourceCommit: "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080",
            functionName: "target-fn",
            uniqueSuffix: "b12",
        });
        assert.equal(name, "pr-7-3f2a9c1-target-fn-b12");
    });

    it("leaves out the PR parts on a run outside a pull request", () => {
        assert.equal(executionName({ functionName: "target-fn", uniqueSuffix: "b12" }), "target-fn-b12");
    });

    it("replaces characters Step Functions does not allow", () => {
        assert.equal(
            executionName({ pullRequestId: "7", functionName: "api.v2 (eu)", uniqueSuffix: "build:42" }),
            "pr-7-api-v2--eu--build-42",
        );
    });

    it("stays within 80 characters by shortening the function part and keeping the whole suffix", () => {
        const suffix = "0f9e8d7c-6b5a-4321-8fed-cba987654321";
        const name = executionName({
            pullRequestId: "1234",
            sourceCommit: "3f2a9c1b7e6d",
            functionName: "f".repeat(100),
            uniqueSuffix: suffix,
        });
        assert.equal(name.length, 80);
        assert.ok(name.startsWith("pr-1234-3f2a9c1-fff"));
        assert.ok(name.endsWith(`-${suffix}`));
        assert.match(name, /^[A-Za-z0-9_-]+$/);
    });

    it("keeps distinct suffixes distinct even when every part is too long", () => {
        const long = { pullRequestId: "9".repeat(40), sourceCommit: "a".repeat(40), functionName: "f".repeat(100) };
        const first = executionName({ ...long, uniqueSuffix: `${"s".repeat(60)}-1` });
        const second = executionName({ ...long, uniqueSuffix: `${"s".repeat(60)}-2` });
        assert.ok(first.length <= 80 && second.length <= 80);
        assert.notEqual(first, second);
    });

    it("keeps long function names that share a prefix apart within one build", () => {
        const common = { pullRequestId: "7", sourceCommit: "3f2a9c1b7e6d", uniqueSuffix: "0f9e8d7c-6b5a-4321-8fed-cba987654321" };
        const prefix = "power-tuned-orders-service-".repeat(3);
        const first = executionName({ ...common, functionName: `${prefix}create` });
        const second = executionName({ ...common, functionName: `${prefix}cancel` });
        assert.ok(first.length <= 80 && second.length <= 80);
        assert.notEqual(first, second);
        assert.match(first, /^[A-Za-z0-9_-]+$/);
    });
});
