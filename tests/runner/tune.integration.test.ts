// `tune` end to end: the built bundle as a child process, the real SDK v3 clients inside it,
// FakeAws answering on the wire. Each test asserts what the server received and what the
// runner left behind (exit code, results file, comment). Tuning outcomes here; the comment,
// interruption and input errors in tune-reporting.integration.test.ts (two files, so mocha's
// parallel workers share the waiting).
import * as assert from "node:assert/strict";
import { commentRequestToken } from "../../buildscripts/tuning-runner/core/commentToken";
import { executionFromFixture, FakeAws } from "../support/fake-aws";
import { freshFakeAwsForEachTest, TEST_PULL_REQUEST as PULL_REQUEST } from "../support/runner-process";
import { BUILD_ID, STATE_MACHINE, codeBuildEnv, FUNCTION_A, FUNCTION_B, FUNCTION_C, INPUT, localEnv, stillRunning, succeeded, workspace } from "../support/tune-scenario";
import { loadFixture } from "../fixtures";

describe("tune, run as the bundled CLI against the AWS wire protocols", function () {
    this.timeout(60_000);
    let fake: FakeAws;

    freshFakeAwsForEachTest((started) => (fake = started));

    describe("successful tuning", () => {
        it("tunes functions in parallel up to --concurrency, never one function twice at once", async () => {
            for (const arn of [FUNCTION_A, FUNCTION_B, FUNCTION_C]) fake.scriptExecution(arn, succeeded(1000));
            const run = await workspace().run(["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--lambda-arn", FUNCTION_C, "--concurrency", "2"], codeBuildEnv(fake));
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.calls("StartExecution").length, 3);
            assert.equal(fake.peakConcurrentExecutions(), 2);
            for (const arn of [FUNCTION_A, FUNCTION_B, FUNCTION_C]) assert.equal(fake.peakConcurrentExecutions(arn), 1);
            assert.match(run.stderr, /up to 408 Lambda invocations at once \(2 × 4 power values × \(1 Executor \+ 50 parallel invocations\)\)/);
        });

        it("sends the input file plus lambdaARN and includeOutputResults, under a valid name from PR, commit and function", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            const run = await workspace().run(["tune", "--lambda-arn", `digest=${FUNCTION_A}`], codeBuildEnv(fake));
            assert.equal(run.code, 0, run.stderr);
            const [start] = fake.calls("StartExecution");
            assert.equal(start.stateMachineArn, STATE_MACHINE);
            assert.deepEqual(JSON.parse(start.input), { ...INPUT, lambdaARN: FUNCTION_A, includeOutputResults: true });
            assert.match(start.name, /^pr-7-3f2a9c1-digest-[A-Za-z0-9_-]+$/);
            assert.ok(start.name.length <= 80);
        });

        it("writes the results file, then posts one comment: destination commit before, source commit after, idempotency token", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded(500));
            fake.scriptExecution(FUNCTION_B, succeeded(500));
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--results", "out.json"], codeBuildEnv(fake));
            assert.equal(run.code, 0, run.stderr);

            const results = work.readJson("out.json");
            assert.equal(results.version, 1);
            assert.equal(results.stateMachineArn, STATE_MACHINE);
            assert.deepEqual(results.pullRequest, PULL_REQUEST);
            assert.deepEqual(
                results.functions.map((f: any) => [f.name, f.arn, f.status, f.power, f.stats.length]),
                [
                    ["power-tuned-digest", FUNCTION_A, "succeeded", 256, 4],
                    ["power-tuned-resize", FUNCTION_B, "succeeded", 256, 4],
                ],
            );
            const executionArns = fake.requests.filter((r) => r.operation === "DescribeExecution").map((r) => r.body.executionArn);
            assert.deepEqual(results.functions.map((f: any) => executionArns.includes(f.executionArn)), [true, true]);

            assert.equal(fake.comments.length, 1);
            const [comment] = fake.comments;
            assert.equal(comment.repositoryName, PULL_REQUEST.repositoryName);
            assert.equal(comment.pullRequestId, "7");
            assert.equal(comment.beforeCommitId, PULL_REQUEST.destinationCommit);
            assert.equal(comment.afterCommitId, PULL_REQUEST.sourceCommit);
            assert.equal(comment.clientRequestToken, commentRequestToken(PULL_REQUEST, { buildId: BUILD_ID }, comment.content));
            assert.match(comment.content, /power-tuned-digest/);
            assert.match(comment.content, /power-tuned-resize/);
            assert.equal(run.stdout, "", "the Markdown went to the PR, not stdout");
            const requestOrder = fake.requests.map((r) => r.operation);
            assert.equal(requestOrder[requestOrder.length - 1], "PostCommentForPullRequest");
        });

        it("prints no Node.js version warning from the AWS SDK, whichever of its clients it uses", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            const env = codeBuildEnv(fake, { TUNING_HISTORY_URI: "s3://power-tuned-artifacts/tuning-history/" });
            // The SDK's own switch for that warning must not be what keeps stderr clean.
            delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
            const run = await workspace().run(["tune", "--lambda-arn", FUNCTION_A], env);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual([...new Set(fake.requests.map((request) => request.service))].sort(), ["codecommit", "lambda", "s3", "sfn"]);
            assert.doesNotMatch(run.stderr, /\(node:\d+\)|NodeVersionSupportWarning|NodeDeprecationWarning|upgrade to node/i);
        });

        it("prints the Markdown and posts nothing without a pull request", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            const run = await workspace().run(["tune", "--lambda-arn", FUNCTION_A], localEnv(fake));
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /power-tuned-digest/);
            assert.match(run.stdout, /256/);
            assert.equal(fake.requests.filter((r) => r.service === "codecommit").length, 0);
        });

        it("tunes every function of `terraform output -json` once, named by the functions map", async () => {
            fake.scriptExecution(/function:power-tuned-/, succeeded());
            const outputs = {
                arn: { sensitive: false, type: "string", value: FUNCTION_A },
                functions: { sensitive: false, type: ["object", { digest: "string", resize: "string" }], value: { digest: FUNCTION_A, resize: FUNCTION_B } },
            };
            const work = workspace();
            work.write("outputs.json", JSON.stringify(outputs));
            const run = await work.run(["tune", "--terraform-outputs", "outputs.json"], localEnv(fake));
            assert.equal(run.code, 0, run.stderr);
            const tuned = fake.calls("StartExecution").map((call) => JSON.parse(call.input).lambdaARN);
            assert.deepEqual(tuned.sort(), [FUNCTION_A, FUNCTION_B]);
            assert.deepEqual(work.readJson("power-tuning-results.json").functions.map((f: any) => f.name), ["digest", "resize"]);
        });

        it("leaves throttling to the SDK, whose adaptive retries get a throttled start and poll through", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            fake.failNext("StartExecution", 2, { status: 400, type: "ThrottlingException", message: "Rate exceeded" });
            fake.failNext("DescribeExecution", 1, { status: 400, type: "ThrottlingException", message: "Rate exceeded" });
            const run = await workspace().run(["tune", "--lambda-arn", FUNCTION_A], localEnv(fake));
            assert.equal(run.code, 0, run.stderr);
            const attempts = (operation: string) => fake.requests.filter((request) => request.operation === operation).map((request) => request.injectedError ?? "answered");
            assert.deepEqual(attempts("StartExecution"), ["ThrottlingException", "ThrottlingException", "answered"], "two throttled attempts, then the real start, in one call");
            assert.deepEqual(attempts("DescribeExecution").slice(0, 2), ["ThrottlingException", "answered"]);
            assert.doesNotMatch(run.stderr, /ThrottlingException|retrying/, "the runner neither waits nor logs on its own");
        });

        it("makes only as many attempts as AWS_MAX_ATTEMPTS allows, which wins over the runner's default", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            fake.failNext("StartExecution", 1, { status: 400, type: "ThrottlingException", message: "Rate exceeded" });
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], localEnv(fake, { AWS_MAX_ATTEMPTS: "1" }));
            assert.equal(run.code, 1, run.stderr);
            assert.equal(fake.calls("StartExecution").length, 1);
            assert.deepEqual(work.readJson("power-tuning-results.json").functions[0].error, { error: "ThrottlingException", cause: "StartExecution failed: Rate exceeded" });
        });
    });

    describe("failed tuning", () => {
        it("treats SUCCEEDED with output {} as a failure, with the reason from CleanUpOnError in the history", async () => {
            fake.scriptExecution(FUNCTION_A, executionFromFixture(loadFixture("power-tuning/execution-succeeded-empty-output.json")));
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(fake));
            assert.equal(run.code, 1, run.stderr);
            const history = fake.calls("GetExecutionHistory");
            assert.equal(history.length, 1, "CleanUpOnError is on the first page when read newest first");
            assert.equal(history[0].reverseOrder, true);
            const [result] = work.readJson("power-tuning-results.json").functions;
            assert.equal(result.status, "failed");
            assert.match(result.error.cause, /Runtime exited with error: signal: killed/);
            assert.match(fake.comments[0].content, /Runtime exited with error: signal: killed/);
        });

        it("pages through the whole history when no CleanUpOnError state is found", async () => {
            const filler = Array.from({ length: 150 }, (_, index) => ({
                timestamp: 1764160000 + index,
                type: "LambdaFunctionSucceeded",
                id: index + 2,
                previousEventId: index + 1,
                lambdaFunctionSucceededEventDetails: { output: "{}" },
            }));
            fake.scriptExecution(FUNCTION_A, { status: "SUCCEEDED", output: "{}", history: filler });
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], localEnv(fake));
            assert.equal(run.code, 1, run.stderr);
            const pages = fake.calls("GetExecutionHistory");
            assert.equal(pages.length, 2);
            assert.equal(pages[0].nextToken, undefined);
            assert.equal(typeof pages[1].nextToken, "string");
            assert.ok(pages.every((page) => page.reverseOrder === true));
            assert.equal(work.readJson("power-tuning-results.json").functions[0].error.error, "NoResult");
        });

        it("reports FAILED with the error and the parsed JSON cause", async () => {
            fake.scriptExecution(FUNCTION_A, executionFromFixture(loadFixture("power-tuning/execution-failed.json")));
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(fake));
            assert.equal(run.code, 1, run.stderr);
            const [result] = work.readJson("power-tuning-results.json").functions;
            assert.equal(result.status, "failed");
            assert.deepEqual(result.error, {
                error: "ResourceNotFoundException",
                cause: "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:target-fn-pr-7",
            });
            assert.match(fake.comments[0].content, /Function not found/);
        });

        it("reports an execution that TIMED_OUT in the state machine as timed out", async () => {
            fake.scriptExecution(FUNCTION_A, { status: "TIMED_OUT", error: "States.Timeout", cause: "The execution timed out." });
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], localEnv(fake));
            assert.equal(run.code, 1, run.stderr);
            const [result] = work.readJson("power-tuning-results.json").functions;
            assert.equal(result.status, "timed-out");
            assert.equal(result.error.error, "States.Timeout");
        });

        it("stops an execution that outlives --timeout and reports it as timed out", async () => {
            fake.scriptExecution(FUNCTION_A, stillRunning);
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A, "--timeout", "2"], localEnv(fake));
            assert.equal(run.code, 1, run.stderr);
            const [start] = fake.requests.filter((r) => r.operation === "StartExecution");
            const stops = fake.calls("StopExecution");
            assert.equal(stops.length, 1);
            assert.match(stops[0].executionArn, new RegExp(`:execution:powerTuningStateMachine-1a2b3c4d:${start.body.name}$`));
            assert.equal(stops[0].error, "TuningRunnerTimeout");
            const [result] = work.readJson("power-tuning-results.json").functions;
            assert.equal(result.status, "timed-out");
            assert.match(result.error.cause, /--timeout 2 s; stopped with StopExecution/);
        });

        it("reports a function whose execution could not be started, with the AWS error", async () => {
            fake.failNext("StartExecution", 1, { status: 400, type: "StateMachineDoesNotExist", message: "State Machine Does Not Exist" });
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(fake));
            assert.equal(run.code, 1, run.stderr);
            const [result] = work.readJson("power-tuning-results.json").functions;
            assert.equal(result.status, "failed");
            assert.deepEqual(result.error, { error: "StateMachineDoesNotExist", cause: "StartExecution failed: State Machine Does Not Exist" });
            assert.match(fake.comments[0].content, /StateMachineDoesNotExist/);
        });

        it("keeps going when one of several functions fails, and still exits 1", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            fake.scriptExecution(FUNCTION_B, executionFromFixture(loadFixture("power-tuning/execution-failed.json")));
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B], localEnv(fake));
            assert.equal(run.code, 1, run.stderr);
            assert.deepEqual(work.readJson("power-tuning-results.json").functions.map((f: any) => f.status), ["succeeded", "failed"]);
        });
    });
});
