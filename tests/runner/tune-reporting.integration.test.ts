// `tune` end to end, continued: the PR comment, interruption by CodeBuild, and invalid input
// that must stop the runner before its first AWS request.
import * as assert from "node:assert/strict";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { FakeAws } from "../support/fake-aws";
import { startHtmlServer, type HtmlServer } from "../support/html-server";
import { freshFakeAwsForEachTest, waitFor } from "../support/runner-process";
import { codeBuildEnv, FUNCTION_A, FUNCTION_B, FUNCTION_C, functionArn, INPUT, localEnv, stillRunning, succeeded, workspace } from "../support/tune-scenario";

describe("tune, run as the bundled CLI: comment, interruption and input errors", function () {
    this.timeout(60_000);
    let fake: FakeAws;

    freshFakeAwsForEachTest((started) => (fake = started));

    describe("the comment", () => {
        it("fits many long-named functions into 10,240 characters and says what was left out", async () => {
            const names = Array.from({ length: 40 }, (_, index) => `power-tuned-${"very-long-function-name-".repeat(2)}${String(index).padStart(2, "0")}`);
            fake.scriptExecution(/function:power-tuned-very-long/, succeeded());
            const work = workspace();
            const run = await work.run(["tune", ...names.flatMap((name) => ["--lambda-arn", functionArn(name)]), "--concurrency", "32"], codeBuildEnv(fake));
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
            fake.failNext("PostCommentForPullRequest", 1, { status: 400, type: "EncryptionKeyAccessDeniedException", message: "no access to the key" });
            const work = workspace();
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(fake));
            assert.equal(run.code, 1);
            assert.equal(work.readJson("power-tuning-results.json").functions[0].status, "succeeded");
            assert.match(run.stderr, /EncryptionKeyAccessDeniedException: no access to the key/);
            assert.match(run.stdout, /power-tuned-digest/, "the comment is in the build log");
            assert.equal(fake.comments.length, 0);
        });

        it("updates its comment on a rerun of the same build instead of posting a second one", async () => {
            fake.scriptExecution(FUNCTION_A, succeeded());
            const work = workspace();
            const first = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(fake));
            const second = await work.run(["tune", "--lambda-arn", FUNCTION_A], codeBuildEnv(fake));
            assert.deepEqual([first.code, second.code], [0, 0], second.stderr);
            assert.equal(fake.calls("PostCommentForPullRequest").length, 1);
            assert.deepEqual(fake.calls("UpdateComment").map((call) => call.commentId), [fake.comments[0].commentId]);
            assert.equal(fake.comments.length, 1);
        });
    });

    describe("interruption", () => {
        it("on SIGTERM stops the running executions, starts no more, writes the results and exits 1 without commenting", async () => {
            for (const arn of [FUNCTION_A, FUNCTION_B, FUNCTION_C]) fake.scriptExecution(arn, stillRunning);
            const work = workspace();
            const args = ["tune", "--lambda-arn", FUNCTION_A, "--lambda-arn", FUNCTION_B, "--lambda-arn", FUNCTION_C, "--concurrency", "2"];
            const run = await work.run(args, codeBuildEnv(fake), async (child) => {
                await waitFor(() => fake.calls("StartExecution").length === 2, "the first two executions to start");
                child.kill("SIGTERM");
            });
            assert.equal(run.code, 1, run.stderr);
            const started = fake.calls("StartExecution").map((call) => call.name);
            assert.equal(started.length, 2, "the queued third function is not started");
            const stopped = fake.calls("StopExecution").map((call) => call.executionArn.split(":").pop());
            assert.deepEqual(stopped.sort(), started.sort());
            const results = work.readJson("power-tuning-results.json").functions;
            assert.deepEqual(results.map((f: any) => [f.status, f.error.error]), [
                ["aborted", "TuningRunnerInterrupted"],
                ["aborted", "TuningRunnerInterrupted"],
                ["aborted", "NotStarted"],
            ]);
            assert.equal(fake.comments.length, 0);
        });
    });

    describe("an endpoint that does not answer like AWS", () => {
        const PAGE = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The proxy could not reach the upstream server.</p></body>\n</html>\n";
        let proxy: HtmlServer;
        beforeEach(async () => (proxy = await startHtmlServer(502, PAGE)));
        afterEach(() => proxy.stop());

        it("is reported with the HTTP status and the start of its page, in the log and the results file", async () => {
            const work = workspace();
            const env = localEnv(fake, { AWS_ENDPOINT_URL_SFN: proxy.url, AWS_ENDPOINT_URL_LAMBDA: proxy.url, AWS_MAX_ATTEMPTS: "1" });
            const run = await work.run(["tune", "--lambda-arn", FUNCTION_A], env);
            assert.equal(run.code, 1, run.stderr);
            assert.ok(proxy.requests() >= 2, "both the memory size and the start went to the proxy");
            const explained = 'HTTP 502 (text/html; charset=utf-8) with a body starting "<html> <head><title>502 Bad Gateway</title></head> <body><h1>Bad Gateway</h1>';
            assert.ok(run.stderr.includes(`power-tuned-digest: could not start: NotAnAwsResponse: StartExecution failed: ${explained}`), run.stderr);
            assert.match(run.stderr, /not an answer from the AWS API; a proxy or firewall in between, or a wrong endpoint \(check HTTPS_PROXY and AWS_ENDPOINT_URL_\*\)/);
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
            const run = await workspace().run(["tune", "--lambda-arn", IRELAND_FUNCTION], localEnv(fake, NO_REGION));
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stderr, /region eu-west-1, from --state-machine-arn/);
            assert.equal(fake.calls("StartExecution").length, 1);
            assert.deepEqual([...new Set(fake.requests.map((request) => request.signingRegion))], ["eu-west-1"]);
        });

        it("is the SDK's own when AWS_REGION names one", async () => {
            fake.scriptExecution(IRELAND_FUNCTION, succeeded());
            const run = await workspace().run(["tune", "--lambda-arn", IRELAND_FUNCTION], localEnv(fake, { STATE_MACHINE_ARN: IRELAND_STATE_MACHINE, AWS_REGION: "us-east-1" }));
            assert.equal(run.code, 0, run.stderr);
            assert.doesNotMatch(run.stderr, /region .*, from/);
            assert.deepEqual([...new Set(fake.requests.map((request) => request.signingRegion))], ["us-east-1"]);
        });
    });

    describe("invalid input: exit 2 before any AWS request", () => {
        const cases: Array<{ what: string; args: string[]; input?: unknown; env?: Record<string, string>; files?: Record<string, string>; directories?: string[]; message: RegExp }> = [
            { what: "unparseable input file", args: ["--lambda-arn", FUNCTION_A], input: '{\n  "num": 50,\n  "powerValues": [128,]\n}', message: /power-tuning-input.json: invalid JSON at line 3, column 23/ },
            { what: "num below 5", args: ["--lambda-arn", FUNCTION_A], input: { ...INPUT, num: 3 }, message: /"num" is 3; allowed: an integer ≥ 5/ },
            { what: "memory size out of range", args: ["--lambda-arn", FUNCTION_A], input: { ...INPUT, powerValues: [64, 128] }, message: /"powerValues\[0\]" is 64/ },
            { what: "unknown strategy", args: ["--lambda-arn", FUNCTION_A], input: { ...INPUT, strategy: "cheapest" }, message: /"strategy" is "cheapest"; allowed: cost, speed, balanced/ },
            { what: "balancedWeight above 1", args: ["--lambda-arn", FUNCTION_A], input: { ...INPUT, strategy: "balanced", balancedWeight: 2 }, message: /"balancedWeight" is 2/ },
            { what: "qualified function ARN", args: ["--lambda-arn", `${FUNCTION_A}:live`], message: /--lambda-arn is ".*:live" \(qualified with the version or alias "live"/ },
            { what: "function name instead of ARN", args: ["--lambda-arn", "power-tuned-digest"], message: /--lambda-arn is "power-tuned-digest" \(a function name, not an ARN\)/ },
            { what: "missing state machine ARN", args: ["--lambda-arn", FUNCTION_A], env: { STATE_MACHINE_ARN: "" }, message: /--state-machine-arn \(env STATE_MACHINE_ARN\) is missing/ },
            { what: "missing input file", args: ["--lambda-arn", FUNCTION_A, "--input", "nope.json"], message: /--input: cannot read "nope.json": no such file/ },
            { what: "a results file in a missing directory", args: ["--lambda-arn", FUNCTION_A, "--results", "missing/results.json"], message: /--results: cannot write "missing\/results.json": ENOENT/ },
            { what: "a results path that is a directory", args: ["--lambda-arn", FUNCTION_A, "--results", "out"], directories: ["out"], message: /--results: "out" is a directory; name a file/ },
            // /sys refuses new files even to root, whom permission bits never stop.
            { what: "a results file where no file can be created", args: ["--lambda-arn", FUNCTION_A, "--results", "/sys/power-tuning-results.json"], message: /--results: cannot write "\/sys\/power-tuning-results.json": E(ACCES|ROFS|PERM)/ },
            { what: "--force without a tuning history", args: ["--lambda-arn", FUNCTION_A, "--force"], message: /--force needs --history \(env TUNING_HISTORY_URI\)/ },
            { what: "no function to tune", args: [], message: /nothing to tune/ },
            { what: "Terraform outputs without a function ARN", args: ["--terraform-outputs", "outputs.json"], files: { "outputs.json": '{"bucket": {"sensitive": false, "type": "string", "value": "my-bucket"}}' }, message: /outputs.json: no output holds a Lambda function ARN \(outputs seen: "bucket"\)/ },
            { what: "unknown flag", args: ["--lambda-arn", FUNCTION_A, "--endpoint-url", "http://localhost"], message: /unknown option --endpoint-url for tune/ },
            { what: "bad --concurrency", args: ["--lambda-arn", FUNCTION_A, "--concurrency", "0"], message: /--concurrency must be a whole number of executions from 1 to 32; got "0"/ },
            { what: "half a pull request", args: ["--lambda-arn", FUNCTION_A], env: { PULL_REQUEST_ID: "7" }, message: /missing --repository \(env REPOSITORY_NAME\), --source-commit/ },
        ];
        for (const scenario of cases) {
            it(`rejects ${scenario.what}`, async () => {
                const work = workspace();
                if (scenario.input !== undefined) {
                    work.write("power-tuning-input.json", typeof scenario.input === "string" ? scenario.input : JSON.stringify(scenario.input));
                }
                for (const [name, content] of Object.entries(scenario.files ?? {})) work.write(name, content);
                for (const name of scenario.directories ?? []) mkdirSync(join(work.directory, name));
                const before = readdirSync(work.directory, { recursive: true }).sort();
                const run = await work.run(["tune", ...scenario.args], localEnv(fake, scenario.env));
                assert.equal(run.code, 2, run.stderr);
                assert.match(run.stderr, scenario.message);
                assert.equal(fake.requests.length, 0);
                assert.deepEqual(readdirSync(work.directory, { recursive: true }).sort(), before, "nothing written, not even a temporary file");
            });
        }
    });
});
