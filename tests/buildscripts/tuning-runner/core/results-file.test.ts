import * as assert from "node:assert/strict";

import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import { classifyExecution } from "../../../../buildscripts/tuning-runner/core/execution";
import {
    resultFromStateMachineOutput,
    resultFromVisualizationUrl,
    tuningResultFromOutcome,
} from "../../../../buildscripts/tuning-runner/core/results";
import {
    buildResultsFile,
    exitCodeFor,
    parseResultsFile,
    type TuningResult,
} from "../../../../buildscripts/tuning-runner/core/resultsFile";
import { loadFixture, readFixtureText } from "../../../fixtures";

const FN = { name: "hello", arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-hello" };
const META = {
    strategy: "cost" as const,
    executionArn: "arn:aws:states:us-east-1:123456789012:execution:tuner:pr-7-3f2a9c1-hello-b1",
    startedAt: "2026-11-20T17:05:00.000Z",
    stoppedAt: "2026-11-20T17:05:42.000Z",
};
const costOutput = loadFixture("power-tuning/output-cost-x86-4-powers.json");
const balancedOutput = loadFixture("power-tuning/output-balanced-arm64-6-powers.json");
const failedFixture = loadFixture("power-tuning/execution-failed.json");
const ORIGINAL_DESIGN_URL = "https://lambda-power-tuning.show/#gAAAAQACAAQ=;AAAAQAAAAEAAAABAAAAAQA==;b6VpMW+l6TFvpWkyb6XpMg==";

function succeededResult(): TuningResult {
    return tuningResultFromOutcome(
        FN,
        classifyExecution({ status: "SUCCEEDED", output: readFixtureText("power-tuning/output-cost-x86-4-powers.json") }),
        META,
    );
}

function assertInputError(run: () => unknown, pattern: RegExp): void {
    assert.throws(run, (error: unknown) => error instanceof InputError && pattern.test(error.message));
}

describe("results entries", () => {
    it("records a success with the recommendation, stats, link and the run's own cost", () => {
        const result = succeededResult();
        assert.equal(result.status, "succeeded");
        assert.equal(result.name, "hello");
        assert.equal(result.arn, FN.arn);
        assert.equal(result.executionArn, META.executionArn);
        assert.equal(result.strategy, "cost");
        assert.equal(result.power, 256);
        assert.equal(result.cost, 0.0000016926000000000001);
        assert.equal(result.duration, 402);
        assert.equal(result.stats.length, 4);
        assert.equal(result.visualization, costOutput.stateMachine.visualization);
        assert.equal(result.stateMachineCostUsd, 0.00045);
        assert.equal(result.lambdaCostUsd, 0.00007508550000000001);
        assert.equal(result.startedAt, META.startedAt);
        assert.equal(result.stoppedAt, META.stoppedAt);
        assert.equal(result.error, undefined);
    });

    it("records a failure with its reason and no measurements", () => {
        const result = tuningResultFromOutcome(FN, classifyExecution(failedFixture.DescribeExecution), META);
        assert.deepEqual(result, {
            name: "hello",
            arn: FN.arn,
            executionArn: META.executionArn,
            status: "failed",
            strategy: "cost",
            stats: [],
            error: {
                error: "ResourceNotFoundException",
                cause: "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:target-fn-pr-7",
            },
            startedAt: META.startedAt,
            stoppedAt: META.stoppedAt,
        });
    });

    it("records timed-out, aborted and dry-run under their own status", () => {
        assert.equal(tuningResultFromOutcome(FN, classifyExecution({ status: "TIMED_OUT" }), META).status, "timed-out");
        assert.equal(tuningResultFromOutcome(FN, classifyExecution({ status: "ABORTED" }), META).status, "aborted");
        assert.deepEqual(tuningResultFromOutcome(FN, { kind: "dry-run" }, { strategy: "speed" }), {
            name: "hello",
            arn: FN.arn,
            status: "dry-run",
            strategy: "speed",
            stats: [],
        });
    });

    it("refuses to record an execution that has not finished", () => {
        assert.throws(
            () => tuningResultFromOutcome(FN, { kind: "running" }, META),
            /hello: an execution that is running has no result yet/,
        );
        assert.throws(() => tuningResultFromOutcome(FN, { kind: "needs-events" }, META), /needs-events/);
    });
});

describe("exit code", () => {
    const withStatus = (status: TuningResult["status"]): TuningResult => ({ ...FN, status, strategy: "cost", stats: [] });

    it("is 0 when every function was tuned or dry-run", () => {
        assert.equal(exitCodeFor([withStatus("succeeded"), withStatus("succeeded")]), 0);
        assert.equal(exitCodeFor([withStatus("succeeded"), withStatus("dry-run")]), 0);
    });

    it("is 1 when any tuning failed, timed out or was aborted", () => {
        for (const status of ["failed", "timed-out", "aborted"] as const)
            assert.equal(exitCodeFor([withStatus("succeeded"), withStatus(status)]), 1, status);
    });

    it("is 1 when nothing was tuned at all", () => {
        assert.equal(exitCodeFor([]), 1);
    });
});

describe("results file", () => {
    const meta = {
        generatedAt: "2026-11-20T17:06:00.000Z",
        stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:tuner",
        pullRequest: {
            repositoryName: "TargetLambdaFunctionRepository",
            pullRequestId: "7",
            sourceCommit: "3f2a9c1",
            destinationCommit: "9c1d2e3",
        },
        buildUrl: "https://console.aws.amazon.com/codesuite/codebuild/projects/pr/build/pr:1",
    };

    it("holds version 1, the run's context and every function", () => {
        const failed = tuningResultFromOutcome(FN, classifyExecution(failedFixture.DescribeExecution), META);
        const file = buildResultsFile([succeededResult(), failed], meta);
        assert.equal(file.version, 1);
        assert.equal(file.generatedAt, meta.generatedAt);
        assert.deepEqual(file.pullRequest, meta.pullRequest);
        assert.deepEqual(
            file.functions.map((fn) => fn.status),
            ["succeeded", "failed"],
        );
    });

    it("reads back what it wrote", () => {
        const file = buildResultsFile([succeededResult()], meta);
        assert.deepEqual(parseResultsFile(JSON.stringify(file, null, 2), "power-tuning-results.json"), file);
    });

    it("reads back the configured memory size the quality gate compared, and rejects one that is not a number", () => {
        const file = buildResultsFile([{ ...succeededResult(), configuredMemoryMB: 128 }], meta);
        assert.deepEqual(parseResultsFile(JSON.stringify(file), "results.json"), file);
        const changed = { ...file, functions: [{ ...file.functions[0], configuredMemoryMB: "128" }] };
        assertInputError(
            () => parseResultsFile(JSON.stringify(changed), "results.json"),
            /"functions\[0\]\.configuredMemoryMB" is "128"; allowed: a number/,
        );
    });

    it("reads back stats decoded from the visualization link as such, and rejects another source", () => {
        const file = buildResultsFile([{ ...succeededResult(), statsSource: "visualization" }], meta);
        assert.deepEqual(parseResultsFile(JSON.stringify(file), "results.json"), file);
        const changed = { ...file, functions: [{ ...file.functions[0], statsSource: "guess" }] };
        assertInputError(
            () => parseResultsFile(JSON.stringify(changed), "results.json"),
            /"functions\[0\]\.statsSource" is "guess"; allowed: "visualization"/,
        );
    });

    it("leaves out context that is not known", () => {
        assert.deepEqual(Object.keys(buildResultsFile([], { generatedAt: meta.generatedAt })), ["version", "generatedAt", "functions"]);
    });

    it("rejects other versions and malformed entries, naming the field", () => {
        const file = JSON.parse(JSON.stringify(buildResultsFile([succeededResult()], meta)));
        const parse = (changed: unknown) => () => parseResultsFile(JSON.stringify(changed), "results.json");
        assertInputError(parse({ ...file, version: 2 }), /^results\.json: "version" is 2; allowed: 1/);
        assertInputError(parse({ ...file, functions: {} }), /"functions" is \{\}; allowed: a list/);
        assertInputError(
            parse({ ...file, functions: [{ ...file.functions[0], status: "ok" }] }),
            /"functions\[0\]\.status" is "ok"; allowed: succeeded, failed, timed-out, aborted, dry-run/,
        );
        assertInputError(
            parse({ ...file, functions: [{ ...file.functions[0], stats: [{ memoryMB: "128" }] }] }),
            /"functions\[0\]\.stats"/,
        );
        assertInputError(
            parse({ ...file, functions: [{ ...file.functions[0], power: undefined }] }),
            /"functions\[0\]\.power" is missing; allowed: a number \(the entry succeeded\)/,
        );
        assertInputError(parse({ ...file, functions: [{ ...file.functions[0], error: { error: "E" } }] }), /"functions\[0\]\.error"/);
        assertInputError(parse([]), /results\.json: the file is \[\]/);
        assertInputError(() => parseResultsFile("{", "results.json"), /results\.json: invalid JSON at line 1, column 2/);
    });
});

describe("results for report", () => {
    it("rebuilds a result from a raw state machine output", () => {
        const result = resultFromStateMachineOutput(costOutput, "orders");
        assert.equal(result.name, "orders");
        assert.equal(result.status, "succeeded");
        assert.equal(result.power, 256);
        assert.deepEqual(
            result.stats.map((stat) => stat.memoryMB),
            [128, 256, 512, 1024],
        );
    });

    it("infers the strategy from the row the tool chose", () => {
        assert.equal(resultFromStateMachineOutput(costOutput).strategy, "cost");
        assert.equal(resultFromStateMachineOutput(balancedOutput).strategy, "balanced");
        assert.equal(resultFromStateMachineOutput({ ...costOutput, power: 1024 }).strategy, "speed");
    });

    it("rejects outputs that hold no result, saying why", () => {
        assertInputError(
            () => resultFromStateMachineOutput(null),
            /state machine output is null \(a dry run's output: nothing was measured\)/,
        );
        assertInputError(
            () => resultFromStateMachineOutput({}),
            /is \{\} \(the tuning failed; its reason is in the execution history \(CleanUpOnError\)\)/,
        );
        assertInputError(
            () => resultFromStateMachineOutput({ results: costOutput }),
            /allowed: the output of a successful tuning execution, with a numeric "power"/,
        );
    });

    it("rebuilds a result from the original design's visualization link, recommending the cheapest memory", () => {
        const result = resultFromVisualizationUrl(ORIGINAL_DESIGN_URL);
        assert.equal(result.strategy, "cost");
        assert.equal(result.power, 128);
        assert.equal(result.duration, 2);
        assert.equal(result.visualization, ORIGINAL_DESIGN_URL);
        assert.deepEqual(
            result.stats.map((stat) => stat.memoryMB),
            [128, 256, 512, 1024],
        );
    });

    it("breaks a cost tie in favour of the faster memory size, as the tool does", () => {
        const tie = "https://lambda-power-tuning.show/#gAAAAQ==;AABIQwAAyEI=;vTeGNb03hjU=";
        const stats = resultFromVisualizationUrl(tie).stats;
        assert.deepEqual(
            stats.map((stat) => [stat.memoryMB, stat.averageDurationMs]),
            [
                [128, 200],
                [256, 100],
            ],
        );
        assert.equal(stats[0].averageCostUsd, stats[1].averageCostUsd);
        assert.equal(resultFromVisualizationUrl(tie).power, 256);
    });
});
