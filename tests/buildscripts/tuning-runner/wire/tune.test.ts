// `tune` as the bundled CLI against the AWS wire protocols: the built bundle as a child process,
// the real SDK v3 clients inside it, FakeAws answering on the wire. These are the paths the SDK
// and the process take part in — its retries, its parsing of an execution history, its warning
// on old Node versions, an answer that is not from AWS, the region, signals, exit codes; the
// command's logic is specified in process, in ../commands/tune.test.ts.
import * as assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { loadFixture } from "../../../fixtures";
import { executionFromFixture, type FakeAws } from "../../../support/fake-aws";
import { startHtmlServer, type HtmlServer } from "../../../support/html-server";
import { freshFakeAwsForEachTest, waitFor } from "../../../support/runner-workspace";
import {
    codeBuildEnv,
    FUNCTION_A,
    FUNCTION_B,
    FUNCTION_C,
    localEnv,
    stillRunning,
    succeeded,
    withPullRequest,
    workspace,
} from "../../../support/tune-scenario";
import { marked, type Tokens } from "marked";
import { parseLivingComment } from "../../../../buildscripts/tuning-runner/markdown/livingComment";

describe("tune, run as the bundled CLI against the AWS wire protocols", function () {
    this.timeout(60_000);
    let fake: FakeAws;

    freshFakeAwsForEachTest((started) => (fake = started));

    it("prints no Node.js version warning from the AWS SDK, whichever of its clients it uses", async () => {
        fake.scriptExecution(FUNCTION_A, succeeded());
        const env = fake.env(codeBuildEnv({ TUNING_HISTORY_URI: "s3://power-tuned-artifacts/tuning-history/" }));
        // The SDK's own switch for that warning must not be what keeps stderr clean.
        delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
        const run = await workspace().runProgram(["tune", "--lambda-arn", FUNCTION_A], env);
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual([...new Set(fake.requests.map((request) => request.service))].sort(), ["codecommit", "lambda", "s3", "sfn"]);
        assert.doesNotMatch(run.stderr, /\(node:\d+\)|NodeVersionSupportWarning|NodeDeprecationWarning|upgrade to node/i);
    });

    it("stops: a function's error message injecting a fence, a fake ✅ heading and a living-comment marker into the comment", async () => {
        withPullRequest(fake, FUNCTION_A);
        const injected =
            "boom\n~~~\n### ✅ Quality gate passed\n\nThe build approved this revision.\n\n[//]: # (lambda-power-tuned:end tuning)\n~~~";
        fake.scriptExecution(FUNCTION_B, { status: "FAILED", error: "Error", cause: injected });
        fake.setFunctionConfiguration(FUNCTION_B, { MemorySize: 128, Runtime: "nodejs22.x", CodeSha256: "def=" });
        const work = workspace();
        work.write("power-tuning-policy.json", JSON.stringify({ failOnTuningError: true }));
        const run = await work.run(
            ["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--policy", "power-tuning-policy.json"],
            codeBuildEnv(),
            fake,
        );

        assert.equal(run.code, 1, run.stderr);
        const content = fake.comments[0].content;
        const tokens = marked.lexer(content, { gfm: true });
        const headings = tokens.filter((token): token is Tokens.Heading => token.type === "heading").map((heading) => heading.text);
        assert.deepEqual(headings, [
            "Lambda power tuning",
            "❌ Quality gate failed: 1 violation",
            "🔧 Suggested change",
            "❌ `power-tuned-resize`: tuning failed",
            "✅ `power-tuned-digest`: 256 MB recommended",
            "History",
        ]);
        assert.ok(!tokens.some((token) => token.type === "code"), "no fenced block opened");
        const [tuning] = parseLivingComment(content).sections;
        assert.equal(tuning.name, "tuning");
        assert.match(
            tuning.markdown,
            /### ❌ Quality gate failed[\s\S]*`power-tuned-digest`: 256 MB recommended/,
            "the section runs to its real end",
        );
        assert.deepEqual(
            fake.approvals.map((approval) => approval.approvalState),
            ["REVOKE"],
        );
    });

    it("shares the tuning budget through S3 conditional writes: If-None-Match creates the lease table, If-Match replaces it, and a lost race is read again", async () => {
        fake.scriptExecution(FUNCTION_A, succeeded());
        fake.setLambdaConcurrency(10_000);
        fake.failNext("PutObject", 1, {
            status: 412,
            type: "PreconditionFailed",
            message: "At least one of the pre-conditions you specified did not hold",
        });
        const run = await workspace().run(
            [
                "tune",
                "--lambda-arn",
                FUNCTION_A,
                "--budget",
                "300",
                "--budget-leases",
                "s3://power-tuned-artifacts/tuning-budget/leases.json",
            ],
            localEnv(),
            fake,
        );
        assert.equal(run.code, 0, run.stderr);
        const puts = fake
            .calls("PutObject")
            .map((put) =>
                put.IfNoneMatch !== undefined
                    ? `If-None-Match ${put.IfNoneMatch}`
                    : put.IfMatch !== undefined
                      ? "If-Match"
                      : "unconditional",
            );
        assert.deepEqual(
            puts,
            ["If-None-Match *", "If-None-Match *", "If-Match"],
            "the lost first write is tried again after a new read; the lease is given back on the version read",
        );
        assert.deepEqual(JSON.parse(fake.objects.get("power-tuned-artifacts/tuning-budget/leases.json")!.toString("utf8")), { leases: [] });
    });

    describe("throttling", () => {
        it("is the SDK's to handle: its adaptive retries get a throttled start and poll through", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            fake.failNext("StartExecution", 2, { status: 400, type: "ThrottlingException", message: "Rate exceeded" });
            fake.failNext("DescribeExecution", 1, { status: 400, type: "ThrottlingException", message: "Rate exceeded" });
            const run = await workspace().run(["tune", "--lambda-arn", FUNCTION_A], localEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            const attempts = (operation: string) =>
                fake.requests.filter((request) => request.operation === operation).map((request) => request.injectedError ?? "answered");
            assert.deepEqual(
                attempts("StartExecution"),
                ["ThrottlingException", "ThrottlingException", "answered"],
                "two throttled attempts, then the real start, in one call",
            );
            assert.deepEqual(attempts("DescribeExecution").slice(0, 2), ["ThrottlingException", "answered"]);
            assert.doesNotMatch(run.stderr, /ThrottlingException|retrying/, "the runner neither waits nor logs on its own");
        });

        it("makes only as many attempts as AWS_MAX_ATTEMPTS allows, which wins over the runner's default", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            fake.failNext("StartExecution", 1, { status: 400, type: "ThrottlingException", message: "Rate exceeded" });
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], localEnv({ AWS_MAX_ATTEMPTS: "1" }), fake);
            assert.equal(run.code, 1, run.stderr);
            assert.equal(fake.calls("StartExecution").length, 1);
            assert.deepEqual(work.readJson("power-tuning-results.json").functions[0].error, {
                error: "ThrottlingException",
                cause: "StartExecution failed: Rate exceeded",
            });
        });
    });

    it("treats SUCCEEDED with output {} as a failure, with the reason from CleanUpOnError in the execution history", async () => {
        fake.scriptExecution(FUNCTION_A, executionFromFixture(loadFixture("power-tuning/execution-succeeded-empty-output.json")));
        const work = workspace();
        const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(), fake);
        assert.equal(run.code, 1, run.stderr);
        const history = fake.calls("GetExecutionHistory");
        assert.equal(history.length, 1, "CleanUpOnError is on the first page when read newest first");
        assert.equal(history[0].reverseOrder, true);
        const [result] = work.readJson("power-tuning-results.json").functions;
        assert.equal(result.status, "failed");
        assert.match(result.error.cause, /Runtime exited with error: signal: killed/);
        assert.match(fake.comments[0].content, /Runtime exited with error: signal: killed/);
    });

    it("stops an execution that outlives --timeout on the process's own clock, and on SIGTERM stops the running ones and starts no more", async () => {
        fake.scriptExecution(FUNCTION_A, stillRunning);
        const timedOut = workspace();
        const timeout = await timedOut.run(["tune", "--lambda-arn", FUNCTION_A, "--timeout", "2"], localEnv(), fake);
        assert.equal(timeout.code, 1, timeout.stderr);
        assert.deepEqual(
            fake.calls("StopExecution").map((call) => call.error),
            ["TuningRunnerTimeout"],
        );
        assert.match(timedOut.readJson("power-tuning-results.json").functions[0].error.cause, /--timeout 2 s; stopped with StopExecution/);

        for (const arn of [FUNCTION_B, FUNCTION_C]) fake.scriptExecution(arn, stillRunning);
        const stopped = workspace();
        const stop = await stopped.run(
            ["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--lambda-arn", FUNCTION_C, "--concurrency", "2"],
            codeBuildEnv(),
            fake,
            {
                whileRunning: async (child) => {
                    await waitFor(() => fake.calls("StartExecution").length === 3, "the second run's first two executions to start");
                    child.kill("SIGTERM");
                },
            },
        );
        assert.equal(stop.code, 1, stop.stderr);
        assert.match(stop.stderr, /SIGTERM: stopping running executions, then writing power-tuning-results\.json/);
        const interrupted = fake.calls("StopExecution").filter((call) => call.error === "TuningRunnerInterrupted");
        assert.equal(interrupted.length, 2, "both running executions, and the third never started");
        assert.deepEqual(
            stopped.readJson("power-tuning-results.json").functions.map((f: { status: string }) => f.status),
            ["aborted", "aborted", "aborted"],
        );
        assert.equal(fake.comments.length, 0);
    });

    describe("an endpoint that does not answer like AWS", () => {
        const PAGE =
            "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The proxy could not reach the upstream server.</p></body>\n</html>\n";
        let proxy: HtmlServer;
        beforeEach(async () => (proxy = await startHtmlServer(502, PAGE)));
        afterEach(() => proxy.stop());

        it("is reported with the HTTP status and the start of its page, in the log and the results file", async () => {
            const work = workspace();
            const run = await work.run(
                ["tune", "--lambda-arn", FUNCTION_A],
                localEnv({ AWS_ENDPOINT_URL_SFN: proxy.url, AWS_ENDPOINT_URL_LAMBDA: proxy.url, AWS_MAX_ATTEMPTS: "1" }),
                fake,
            );
            assert.equal(run.code, 1, run.stderr);
            assert.ok(proxy.requests() >= 2, "both the memory size and the start went to the proxy");
            const explained =
                'HTTP 502 (text/html; charset=utf-8) with a body starting "<html> <head><title>502 Bad Gateway</title></head> <body><h1>Bad Gateway</h1>';
            assert.ok(
                run.stderr.includes(`power-tuned-digest: could not start: NotAnAwsResponse: StartExecution failed: ${explained}`),
                run.stderr,
            );
            assert.match(
                run.stderr,
                /not an answer from the AWS API; a proxy or firewall in between, or a wrong endpoint \(check HTTPS_PROXY and AWS_ENDPOINT_URL_\*\)/,
            );
            assert.doesNotMatch(run.stderr, /\$response|Deserialization error/);
            const [result] = work.readJson("power-tuning-results.json").functions;
            assert.equal(result.error.error, "NotAnAwsResponse");
            assert.ok(result.error.cause.startsWith(`StartExecution failed: ${explained}`), result.error.cause);
        });
    });

    describe("region", () => {
        const IRELAND_STATE_MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
        const IRELAND_FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:power-tuned-digest";
        /** Neither AWS_REGION nor a profile names a region. */
        const NO_REGION = { AWS_REGION: "", AWS_CONFIG_FILE: "/nonexistent/aws-config", STATE_MACHINE_ARN: IRELAND_STATE_MACHINE };

        it("comes from the state machine ARN when neither AWS_REGION nor the AWS profile names one", async () => {
            fake.scriptExecution(IRELAND_FUNCTION, succeeded());
            const run = await workspace().run(["tune", "--lambda-arn", IRELAND_FUNCTION], localEnv(NO_REGION), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stderr, /region eu-west-1, from --state-machine-arn/);
            assert.equal(fake.calls("StartExecution").length, 1);
            assert.deepEqual([...new Set(fake.requests.map((request) => request.signingRegion))], ["eu-west-1"]);
        });

        it("is the SDK's own when AWS_REGION names one", async () => {
            fake.scriptExecution(IRELAND_FUNCTION, succeeded());
            const run = await workspace().run(
                ["tune", "--lambda-arn", IRELAND_FUNCTION],
                localEnv({ STATE_MACHINE_ARN: IRELAND_STATE_MACHINE, AWS_REGION: "us-east-1" }),
                fake,
            );
            assert.equal(run.code, 0, run.stderr);
            assert.doesNotMatch(run.stderr, /region .*, from/);
            assert.deepEqual([...new Set(fake.requests.map((request) => request.signingRegion))], ["us-east-1"]);
        });
    });

    it("rejects an unparseable input file with exit 2, naming line and column, before any AWS request", async () => {
        const work = workspace();
        work.write("power-tuning-input.json", '{\n  "num": 50,\n  "powerValues": [128,]\n}');
        const before = readdirSync(work.directory).sort();
        const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], localEnv(), fake);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /power-tuning-input.json: invalid JSON at line 3, column 23/);
        assert.match(run.stderr, /Run with --help for usage\./);
        assert.equal(fake.requests.length, 0);
        assert.deepEqual(readdirSync(work.directory).sort(), before, "nothing written, not even a temporary file");
    });
});
