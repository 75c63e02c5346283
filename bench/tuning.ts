// One PR tuning, end to end, against a fresh FakeAws: either the bundled runner or the original design's
// AWS CLI loop as the client. The server scripts every execution to run for `executionMs` and
// then succeed with a real power-tuning output; its request log gives the API call counts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { RUNNER_BUNDLE_PATH } from "../buildscripts/bundle";
import { FakeAws } from "../tests/support/fake-aws";
import { formatMs, measureSuccessfulProcess, type ProcessRun } from "./measure";

export type TuningClient = "runner" | "aws-cli-loop";

export interface TuningOptions {
    readonly functions: number;
    /** How long each execution runs, in simulated ms. */
    readonly executionMs: number;
    /** Runs the server's and the runner's clocks this many times faster (runner only). Default 1. */
    readonly clockFactor?: number;
}

export interface TuningRun {
    readonly client: TuningClient;
    readonly process: ProcessRun;
    readonly apiCalls: number;
    readonly callsByOperation: Readonly<Record<string, number>>;
    /** From spawning the client to its first API call (real ms): start-up, input reading, client set-up. */
    readonly startupMs: number;
    /** Longest delay between an execution ending on the server and a DescribeExecution seeing it (real ms). */
    readonly detectionLatencyMs: number;
    /** From the last execution's end being seen to the process exiting: results, comment, exit (real ms). */
    readonly finishMs: number;
    readonly peakConcurrentExecutions: number;
}

const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-bench";
const PULL_REQUEST_ENV = {
    REPOSITORY_NAME: "TargetLambdaFunctionRepository",
    PULL_REQUEST_ID: "7",
    SOURCE_COMMIT: "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080",
    DESTINATION_COMMIT: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
};
/** The sample repository's power-tuning-input.json. */
const TUNING_INPUT = { powerValues: [128, 256, 512, 1024], num: 50, payload: {}, parallelInvocation: true, strategy: "cost" };
const FUNCTION_CONFIGURATION = {
    CodeSha256: "a8c1YmVuY2gtZnVuY3Rpb24tY29kZS1oYXNoLTAwMDA=",
    Runtime: "nodejs22.x",
    Architectures: ["arm64"],
    Handler: "index.handler",
    MemorySize: 128,
};
const EXECUTION_OUTPUT = readFileSync(
    path.join(__dirname, "..", "tests", "fixtures", "power-tuning", "output-cost-x86-4-powers.json"),
    "utf8",
);
const AWS_CLI_LOOP = path.join(__dirname, "aws-cli-loop.sh");
const SCALED_CLOCK = path.join(__dirname, "scaled-clock.js");

const functionArn = (index: number) => `arn:aws:lambda:us-east-1:123456789012:function:power-tuned-bench-${index}`;

export async function runTuning(client: TuningClient, options: TuningOptions): Promise<TuningRun> {
    const clockFactor = options.clockFactor ?? 1;
    if (client === "aws-cli-loop" && (options.functions !== 1 || clockFactor !== 1)) {
        throw new Error("the AWS CLI loop tunes exactly one function in real time");
    }
    const fake = await FakeAws.start({ timeScale: clockFactor });
    const workspace = mkdtempSync(path.join(tmpdir(), "power-tuned-bench-"));
    try {
        fake.scriptExecution(/:function:power-tuned-bench-\d+$/, {
            status: "SUCCEEDED",
            runningMs: options.executionMs,
            output: EXECUTION_OUTPUT,
        });
        writeFileSync(path.join(workspace, "power-tuning-input.json"), JSON.stringify(TUNING_INPUT, null, 2));
        const arns = Array.from({ length: options.functions }, (_, index) => functionArn(index + 1));
        // What the runner may look up besides the tuning itself must exist, as it would in AWS:
        // error paths would measure something else.
        for (const arn of arns) fake.setFunctionConfiguration(arn, FUNCTION_CONFIGURATION);
        fake.setPullRequest({
            pullRequestId: PULL_REQUEST_ENV.PULL_REQUEST_ID,
            repositoryName: PULL_REQUEST_ENV.REPOSITORY_NAME,
            sourceCommit: PULL_REQUEST_ENV.SOURCE_COMMIT,
            destinationCommit: PULL_REQUEST_ENV.DESTINATION_COMMIT,
            revisionId: "bench-revision-1",
        });
        const env = fake.env({ STATE_MACHINE_ARN, ...PULL_REQUEST_ENV, BENCH_CLOCK_FACTOR: String(clockFactor), LAMBDA_ARN: arns[0] });
        const [command, args] =
            client === "runner"
                ? [
                      process.execPath,
                      [
                          ...(clockFactor === 1 ? [] : ["--require", SCALED_CLOCK]),
                          RUNNER_BUNDLE_PATH,
                          "tune",
                          ...arns.flatMap((arn, index) => ["--lambda-arn", `bench-${index + 1}=${arn}`]),
                          "--concurrency",
                          String(options.functions),
                      ],
                  ]
                : ["bash", [AWS_CLI_LOOP]];
        const run = await measureSuccessfulProcess(`${client} tuning ${options.functions} function(s)`, command, args, {
            cwd: workspace,
            env,
        });
        if (fake.calls("StartExecution").length !== options.functions || fake.comments.length !== 1) {
            throw new Error(
                `${client} made ${fake.calls("StartExecution").length} StartExecution calls and ${fake.comments.length} comments; expected ${options.functions} and 1`,
            );
        }
        const callsByOperation: Record<string, number> = {};
        for (const request of fake.requests) callsByOperation[request.operation] = (callsByOperation[request.operation] ?? 0) + 1;
        const noticed = endsNoticed(fake);
        return {
            client,
            process: run,
            apiCalls: fake.requests.length,
            callsByOperation,
            startupMs: fake.requests[0].at - run.startedAt,
            detectionLatencyMs: Math.max(...noticed.map(({ at, endsAt }) => at - endsAt)),
            finishMs: run.startedAt + run.wallMs - Math.max(...noticed.map(({ at }) => at)),
            peakConcurrentExecutions: fake.peakConcurrentExecutions(),
        };
    } finally {
        await fake.stop();
        rmSync(workspace, { recursive: true, force: true });
    }
}

/** For each execution: when it ended on the server and when a DescribeExecution first saw that. */
function endsNoticed(fake: FakeAws): Array<{ endsAt: number; at: number }> {
    const describes = fake.requests.filter((request) => request.operation === "DescribeExecution");
    return fake.executionTimeline().map((execution) => {
        const noticed = describes.find((request) => request.body.executionArn === execution.executionArn && request.at >= execution.endsAt);
        if (!noticed) throw new Error(`no DescribeExecution saw ${execution.executionArn} end`);
        return { endsAt: execution.endsAt, at: noticed.at };
    });
}

/** "Start 1, Describe 6, Comment 1": the calls in a short human form. */
export function describeCalls(run: TuningRun): string {
    const short: Record<string, string> = {
        StartExecution: "Start",
        DescribeExecution: "Describe",
        PostCommentForPullRequest: "Comment",
        GetExecutionHistory: "History",
    };
    return Object.entries(run.callsByOperation)
        .map(([operation, count]) => `${short[operation] ?? operation} ${count}`)
        .join(", ");
}

/** One run's figures on one line, for RESULTS.md's raw section. */
export function describeRun(run: TuningRun): string {
    const { wallMs, cpuMs, peakRssMiB } = run.process;
    return (
        `wall ${formatMs(wallMs)} (start-up ${formatMs(run.startupMs)}, detection ${formatMs(run.detectionLatencyMs)}, finish ${formatMs(run.finishMs)}), ` +
        // The loop's direct child is bash; its RSS says nothing about the AWS CLI processes.
        `CPU ${formatMs(cpuMs)}, ${run.client === "runner" ? `peak RSS ${peakRssMiB.toFixed(0)} MiB, ` : ""}calls: ${describeCalls(run)}`
    );
}
