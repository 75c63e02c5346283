// `tune` in process: main.ts's command line and the tune command against InMemoryAws, whose clock
// never waits. Each spec asserts what AWS received (the model's request log) and what the runner
// left behind (exit code, results file, comment, log). The paths the SDK and the process take
// part in (an execution history the SDK parses, retries, signals) are in ../wire/tune.test.ts.
import * as assert from "node:assert/strict";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { commentRequestToken } from "../../../../buildscripts/tuning-runner/core/commentToken";
import { loadFixture } from "../../../fixtures";
import { executionFromFixture } from "../../../support/aws-model";
import type { InMemoryAws } from "../../../support/in-memory-aws";
import { freshInMemoryAwsForEachTest, TEST_PULL_REQUEST as PULL_REQUEST } from "../../../support/runner-workspace";
import {
    BUILD_ID,
    codeBuildEnv,
    FUNCTION_A,
    FUNCTION_B,
    FUNCTION_C,
    functionArn,
    INPUT,
    localEnv,
    STATE_MACHINE,
    stillRunning,
    succeeded,
    workspace,
} from "../../../support/tune-scenario";

describe("tune", () => {
    let fake: InMemoryAws;

    freshInMemoryAwsForEachTest((started) => (fake = started));

    describe("successful tuning", () => {
        it("tunes functions in parallel up to --concurrency, never one function twice at once", async () => {
            for (const arn of [FUNCTION_A, FUNCTION_B, FUNCTION_C]) fake.scriptExecution(arn, succeeded(1000));
            const run = await workspace().run(
                ["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--lambda-arn", FUNCTION_C, "--concurrency", "2"],
                codeBuildEnv(),
                fake,
            );
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.calls("StartExecution").length, 3);
            assert.equal(fake.peakConcurrentExecutions(), 2);
            for (const arn of [FUNCTION_A, FUNCTION_B, FUNCTION_C]) assert.equal(fake.peakConcurrentExecutions(arn), 1);
            assert.match(
                run.stderr,
                /up to 408 Lambda invocations at once \(2 × 4 power values × \(1 Executor \+ 50 parallel invocations\)\)/,
            );
        });

        describe("--concurrency auto", () => {
            // INPUT keeps 4 × (1 + 50) = 204 invocations in flight per execution.
            const tuneThree = () =>
                workspace().run(
                    ["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--lambda-arn", FUNCTION_C, "--concurrency", "auto"],
                    codeBuildEnv(),
                    fake,
                );
            beforeEach(() => {
                for (const arn of [FUNCTION_A, FUNCTION_B, FUNCTION_C]) fake.scriptExecution(arn, succeeded(1000));
            });

            it("tunes one function at a time when the account's unreserved concurrency fits one execution", async () => {
                fake.setLambdaConcurrency(500, 300);
                const run = await tuneThree();
                assert.equal(run.code, 0, run.stderr);
                assert.equal(fake.peakConcurrentExecutions(), 1);
                assert.match(
                    run.stderr,
                    /--concurrency auto: 1 at once \(the account's unreserved Lambda concurrency is 300; one execution keeps up to 204 invocations in flight; 3 functions\)/,
                );
            });

            it("tunes every function at once on an account with room for all (1,000)", async () => {
                fake.setLambdaConcurrency(1000);
                const run = await tuneThree();
                assert.equal(fake.peakConcurrentExecutions(), 3);
                assert.equal(fake.calls("GetAccountSettings").length, 1);
                assert.match(run.stderr, /--concurrency auto: 3 at once/);
            });

            it("tunes one at a time, and says why, when the account's settings cannot be read", async () => {
                fake.failNext("GetAccountSettings", 1, { status: 403, type: "AccessDeniedException" });
                const run = await tuneThree();
                assert.equal(run.code, 0, run.stderr);
                assert.equal(fake.peakConcurrentExecutions(), 1);
                assert.match(
                    run.stderr,
                    /--concurrency auto: the account's Lambda concurrency could not be read \(AccessDeniedException: .*\); tuning one function at a time/,
                );
            });
        });

        it("says in the comment what this push's tuning cost: every execution's Step Functions and Lambda cost, as the tool reports them", async () => {
            for (const arn of [FUNCTION_A, FUNCTION_B]) fake.scriptExecution(arn, succeeded());
            const run = await workspace().run(["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B], codeBuildEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            // The cost fixture: Step Functions $0.00045 + Lambda $0.0000751 per execution.
            assert.match(
                fake.comments[0].content,
                /\nThis push's tuning cost \$0\.00105 \(Step Functions \$0\.000900 \+ Lambda \$0\.000150, as the tool reports them\) for 2 functions\.\n/,
            );
        });

        it("sends the input file plus lambdaARN and includeOutputResults, under a valid name from PR, commit and function", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            const run = await workspace().run(["tune", "--lambda-arn", `digest=${FUNCTION_A}`], codeBuildEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            const [start] = fake.calls("StartExecution");
            assert.equal(start.stateMachineArn, STATE_MACHINE);
            assert.deepEqual(JSON.parse(start.input), { ...INPUT, lambdaARN: FUNCTION_A, includeOutputResults: true });
            assert.match(start.name, /^pr-7-3f2a9c1-digest-[A-Za-z0-9_-]+$/);
            assert.ok(start.name.length <= 80);
        });

        it("draws the chart of every tuned function (--chart) beside the results file, leaving a failed one out", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded(500));
            fake.scriptExecution(FUNCTION_B, executionFromFixture(loadFixture("power-tuning/execution-failed.json")));
            const work = workspace();
            const run = await work.run(
                ["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--chart", "chart.svg"],
                localEnv(),
                fake,
            );
            assert.equal(run.code, 1, run.stderr);
            const svg = work.read("chart.svg");
            assert.match(svg, /data-function="power-tuned-digest"/);
            assert.doesNotMatch(svg, /data-function="power-tuned-resize"/);
            assert.match(run.stderr, /chart written to chart\.svg/);
        });

        it("writes the results file, then posts one comment: destination commit before, source commit after, idempotency token", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded(500));
            fake.scriptExecution(FUNCTION_B, succeeded(500));
            const work = workspace();
            const run = await work.run(
                ["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--results", "out.json"],
                codeBuildEnv(),
                fake,
            );
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
            assert.deepEqual(
                results.functions.map((f: any) => executionArns.includes(f.executionArn)),
                [true, true],
            );

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

        it("prints the Markdown and posts nothing without a pull request", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            const run = await workspace().run(["tune", "--lambda-arn", FUNCTION_A], localEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /power-tuned-digest/);
            assert.match(run.stdout, /256/);
            assert.equal(fake.requests.filter((r) => r.service === "codecommit").length, 0);
        });

        it("tunes every function of `terraform output -json` once, named by the functions map", async () => {
            fake.scriptExecution(/function:power-tuned-/, succeeded());
            const outputs = {
                arn: { sensitive: false, type: "string", value: FUNCTION_A },
                functions: {
                    sensitive: false,
                    type: ["object", { digest: "string", resize: "string" }],
                    value: { digest: FUNCTION_A, resize: FUNCTION_B },
                },
            };
            const work = workspace();
            work.write("outputs.json", JSON.stringify(outputs));
            const run = await work.run(["tune", "--terraform-outputs", "outputs.json"], localEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            const tuned = fake.calls("StartExecution").map((call) => JSON.parse(call.input).lambdaARN);
            assert.deepEqual(tuned.sort(), [FUNCTION_A, FUNCTION_B]);
            assert.deepEqual(
                work.readJson("power-tuning-results.json").functions.map((f: any) => f.name),
                ["digest", "resize"],
            );
        });
    });

    describe("failed tuning", () => {
        it("pages through the whole execution history when no CleanUpOnError state is found", async () => {
            const filler = Array.from({ length: 150 }, (_, index) => ({
                timestamp: 1764160000 + index,
                type: "LambdaFunctionSucceeded",
                id: index + 2,
                previousEventId: index + 1,
                lambdaFunctionSucceededEventDetails: { output: "{}" },
            }));
            fake.scriptExecution(FUNCTION_A, { status: "SUCCEEDED", output: "{}", history: filler });
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], localEnv(), fake);
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
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(), fake);
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
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], localEnv(), fake);
            assert.equal(run.code, 1, run.stderr);
            const [result] = work.readJson("power-tuning-results.json").functions;
            assert.equal(result.status, "timed-out");
            assert.equal(result.error.error, "States.Timeout");
        });

        it("stops an execution that outlives --timeout and reports it as timed out", async () => {
            fake.scriptExecution(FUNCTION_A, stillRunning);
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A, "--timeout", "120"], localEnv(), fake);
            assert.equal(run.code, 1, run.stderr);
            const [start] = fake.requests.filter((r) => r.operation === "StartExecution");
            const stops = fake.calls("StopExecution");
            assert.equal(stops.length, 1);
            assert.match(stops[0].executionArn, new RegExp(`:execution:powerTuningStateMachine-1a2b3c4d:${start.body.name}$`));
            assert.equal(stops[0].error, "TuningRunnerTimeout");
            const [result] = work.readJson("power-tuning-results.json").functions;
            assert.equal(result.status, "timed-out");
            assert.match(result.error.cause, /--timeout 120 s; stopped with StopExecution/);
            // The poll schedule: every second for 10 s, then growing to every 5 s — 37 polls for a
            // 120 s tuning, where a once-a-second loop makes 120.
            assert.equal(fake.calls("DescribeExecution").length, 37);
        });

        it("reports a function whose execution could not be started, with the AWS error", async () => {
            fake.failNext("StartExecution", 1, { status: 400, type: "StateMachineDoesNotExist", message: "State Machine Does Not Exist" });
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(), fake);
            assert.equal(run.code, 1, run.stderr);
            const [result] = work.readJson("power-tuning-results.json").functions;
            assert.equal(result.status, "failed");
            assert.deepEqual(result.error, {
                error: "StateMachineDoesNotExist",
                cause: "StartExecution failed: State Machine Does Not Exist",
            });
            assert.match(fake.comments[0].content, /StateMachineDoesNotExist/);
        });

        it("keeps going when one of several functions fails, and still exits 1", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            fake.scriptExecution(FUNCTION_B, executionFromFixture(loadFixture("power-tuning/execution-failed.json")));
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B], localEnv(), fake);
            assert.equal(run.code, 1, run.stderr);
            assert.deepEqual(
                work.readJson("power-tuning-results.json").functions.map((f: any) => f.status),
                ["succeeded", "failed"],
            );
        });
    });

    describe("the comment", () => {
        it("fits many long-named functions into 10,240 characters and says what was left out", async () => {
            const names = Array.from(
                { length: 40 },
                (_, index) => `power-tuned-${"very-long-function-name-".repeat(2)}${String(index).padStart(2, "0")}`,
            );
            fake.scriptExecution(/function:power-tuned-very-long/, succeeded());
            const work = workspace();
            const run = await work.run(
                ["tune", ...names.flatMap((name) => ["--lambda-arn", functionArn(name)]), "--concurrency", "32"],
                codeBuildEnv(),
                fake,
            );
            assert.equal(run.code, 0, run.stderr);
            assert.equal(work.readJson("power-tuning-results.json").functions.length, 40, "the results file keeps everything");
            assert.equal(fake.comments.length, 1);
            const { content } = fake.comments[0];
            assert.ok(content.length <= 10_240, `comment has ${content.length} characters`);
            assert.ok(!names.every((name) => content.includes(name)), "something had to be cut");
            assert.match(content, /omitted|left out|truncated|not shown/i);
        });

        it("still writes the results file when posting fails, prints the Markdown and exits 1", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            fake.failNext("PostCommentForPullRequest", 1, {
                status: 400,
                type: "EncryptionKeyAccessDeniedException",
                message: "no access to the key",
            });
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(), fake);
            assert.equal(run.code, 1);
            assert.equal(work.readJson("power-tuning-results.json").functions[0].status, "succeeded");
            assert.match(run.stderr, /EncryptionKeyAccessDeniedException: no access to the key/);
            assert.match(run.stdout, /power-tuned-digest/, "the comment is in the build log");
            assert.equal(fake.comments.length, 0);
        });

        it("updates its comment on a rerun of the same build instead of posting a second one", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            const work = workspace();
            const first = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(), fake);
            const second = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(), fake);
            assert.deepEqual([first.code, second.code], [0, 0], second.stderr);
            assert.equal(fake.calls("PostCommentForPullRequest").length, 1);
            assert.deepEqual(
                fake.calls("UpdateComment").map((call) => call.commentId),
                [fake.comments[0].commentId],
            );
            assert.equal(fake.comments.length, 1);
        });
    });

    describe("a stop of the build", () => {
        it("stops the running executions, starts no more, writes the results and exits 1 without commenting", async () => {
            for (const arn of [FUNCTION_A, FUNCTION_B, FUNCTION_C]) fake.scriptExecution(arn, stillRunning);
            const work = workspace();
            const args = ["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--lambda-arn", FUNCTION_C, "--concurrency", "2"];
            const run = await work.run(args, codeBuildEnv(), fake, { stopAfterMs: 30_000 });
            assert.equal(run.code, 1, run.stderr);
            const started = fake.calls("StartExecution").map((call) => call.name);
            assert.equal(started.length, 2, "the queued third function is not started");
            const stopped = fake.calls("StopExecution").map((call) => call.executionArn.split(":").pop());
            assert.deepEqual(stopped.sort(), started.sort());
            const results = work.readJson("power-tuning-results.json").functions;
            assert.deepEqual(
                results.map((f: any) => [f.status, f.error.error]),
                [
                    ["aborted", "TuningRunnerInterrupted"],
                    ["aborted", "TuningRunnerInterrupted"],
                    ["aborted", "NotStarted"],
                ],
            );
            assert.equal(fake.comments.length, 0);
            assert.match(
                run.stderr,
                /SIGTERM: stopping running executions, then writing power-tuning-results\.json\n[\s\S]*interrupted: no comment posted/,
            );
        });
    });

    describe("invalid input: exit 2 before any AWS request", () => {
        const cases: Array<{
            what: string;
            args: string[];
            input?: unknown;
            env?: Record<string, string>;
            files?: Record<string, string>;
            directories?: string[];
            message: RegExp;
        }> = [
            {
                what: "num below 5",
                args: ["--lambda-arn", FUNCTION_A],
                input: { ...INPUT, num: 3 },
                message: /"num" is 3; allowed: an integer ≥ 5/,
            },
            {
                what: "memory size out of range",
                args: ["--lambda-arn", FUNCTION_A],
                input: { ...INPUT, powerValues: [64, 128] },
                message: /"powerValues\[0\]" is 64/,
            },
            {
                what: "unknown strategy",
                args: ["--lambda-arn", FUNCTION_A],
                input: { ...INPUT, strategy: "cheapest" },
                message: /"strategy" is "cheapest"; allowed: cost, speed, balanced/,
            },
            {
                what: "balancedWeight above 1",
                args: ["--lambda-arn", FUNCTION_A],
                input: { ...INPUT, strategy: "balanced", balancedWeight: 2 },
                message: /"balancedWeight" is 2/,
            },
            {
                what: "a misspelt input key (the run would silently use the cost strategy)",
                args: ["--lambda-arn", FUNCTION_A],
                input: { ...INPUT, stratgey: "speed" },
                message:
                    /"stratgey" is "speed" \(unknown key; did you mean "strategy"\?\); allowed: only the keys num, powerValues, strategy, /,
            },
            {
                what: "qualified function ARN",
                args: ["--lambda-arn", `${FUNCTION_A}:live`],
                message: /--lambda-arn is ".*:live" \(qualified with the version or alias "live"/,
            },
            {
                what: "function name instead of ARN",
                args: ["--lambda-arn", "power-tuned-digest"],
                message: /--lambda-arn is "power-tuned-digest" \(a function name, not an ARN\)/,
            },
            {
                what: "missing state machine ARN",
                args: ["--lambda-arn", FUNCTION_A],
                env: { STATE_MACHINE_ARN: "" },
                message: /--state-machine-arn \(env STATE_MACHINE_ARN\) is missing/,
            },
            {
                what: "missing input file",
                args: ["--lambda-arn", FUNCTION_A, "--input", "nope.json"],
                message: /--input: cannot read "nope.json": no such file/,
            },
            {
                what: "a results file in a missing directory",
                args: ["--lambda-arn", FUNCTION_A, "--results", "missing/results.json"],
                message: /--results: cannot write "missing\/results.json": ENOENT/,
            },
            {
                what: "a results path that is a directory",
                args: ["--lambda-arn", FUNCTION_A, "--results", "out"],
                directories: ["out"],
                message: /--results: "out" is a directory; name a file/,
            },
            // /sys refuses new files even to root, whom permission bits never stop.
            {
                what: "a results file where no file can be created",
                args: ["--lambda-arn", FUNCTION_A, "--results", "/sys/power-tuning-results.json"],
                message: /--results: cannot write "\/sys\/power-tuning-results.json": E(ACCES|ROFS|PERM)/,
            },
            {
                what: "--force without a tuning history",
                args: ["--lambda-arn", FUNCTION_A, "--force"],
                message: /--force needs --history \(env TUNING_HISTORY_URI\)/,
            },
            { what: "no function to tune", args: [], message: /nothing to tune/ },
            {
                what: "Terraform outputs without a function ARN",
                args: ["--terraform-outputs", "outputs.json"],
                files: { "outputs.json": '{"bucket": {"sensitive": false, "type": "string", "value": "my-bucket"}}' },
                message: /outputs.json: no output holds a Lambda function ARN \(outputs seen: "bucket"\)/,
            },
            {
                what: "unknown flag",
                args: ["--lambda-arn", FUNCTION_A, "--endpoint-url", "http://localhost"],
                message: /unknown option '--endpoint-url'/,
            },
            {
                what: "bad --concurrency",
                args: ["--lambda-arn", FUNCTION_A, "--concurrency", "0"],
                message: /--concurrency must be a whole number of executions from 1 to 32, or auto; got "0"/,
            },
            {
                what: "half a pull request",
                args: ["--lambda-arn", FUNCTION_A],
                env: { PULL_REQUEST_ID: "7" },
                message: /missing --repository \(env REPOSITORY_NAME\), --source-commit/,
            },
        ];
        for (const scenario of cases) {
            it(`rejects ${scenario.what}`, async () => {
                const work = workspace();
                if (scenario.input !== undefined) work.write("power-tuning-input.json", JSON.stringify(scenario.input));
                for (const [name, content] of Object.entries(scenario.files ?? {})) work.write(name, content);
                for (const name of scenario.directories ?? []) mkdirSync(join(work.directory, name));
                const before = readdirSync(work.directory, { recursive: true }).sort();
                const run = await work.run(["tune", ...scenario.args], localEnv(scenario.env), fake);
                assert.equal(run.code, 2, run.stderr);
                assert.match(run.stderr, scenario.message);
                assert.equal(fake.requests.length, 0);
                assert.deepEqual(
                    readdirSync(work.directory, { recursive: true }).sort(),
                    before,
                    "nothing written, not even a temporary file",
                );
            });
        }
    });
});
