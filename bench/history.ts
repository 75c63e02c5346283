// The tuning history's benchmark: what it saves. A pull request with N functions of which
// K changed, tuned by the bundled runner against FakeAws (every execution scripted to take T),
// without a history and with one that already holds the unchanged functions' results.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { RUNNER_BUNDLE_PATH } from "../buildscripts/bundle";
import { FakeAws } from "../tests/support/fake-aws";
import type { Benchmark, BenchRow } from "./benchmark";
import { formatMs, measureSuccessfulProcess, type ProcessRun } from "./measure";

const T_MS = 3_000;
const FUNCTION_COUNTS = [1, 4, 8];
/** The runner's default: with more functions than this, executions queue. */
const CONCURRENCY = 4;
const BUCKET = "power-tuned-artifacts-bench";
const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-bench";
const TUNING_INPUT = { powerValues: [128, 256, 512, 1024], num: 50, payload: {}, parallelInvocation: true, strategy: "cost" };
const EXECUTION_OUTPUT = readFileSync(
    path.join(__dirname, "..", "tests", "fixtures", "power-tuning", "output-cost-x86-4-powers.json"),
    "utf8",
);

const functionArn = (index: number) => `arn:aws:lambda:us-east-1:123456789012:function:power-tuned-bench-${index}`;
const configuration = (version: string) => ({
    CodeSha256: Buffer.from(`bench package ${version}`).toString("base64"),
    Runtime: "nodejs22.x",
    Architectures: ["arm64"],
    Handler: "index.handler",
});

interface HistoryRun {
    readonly label: string;
    /** Functions that need tuning: all of them without a stored result, else the changed ones. */
    readonly toTune: number;
    readonly process: ProcessRun;
    readonly starts: number;
    readonly historyRequests: number;
}

/**
 * Runs, on one server, for N functions: without history; with an empty history (the first build
 * pays the lookups and stores everything); then with K = 0 and K = ⌈N/4⌉ functions changed.
 */
async function runsFor(count: number): Promise<HistoryRun[]> {
    const fake = await FakeAws.start();
    const workspace = mkdtempSync(path.join(tmpdir(), "power-tuned-bench-history-"));
    try {
        fake.scriptExecution(/:function:power-tuned-bench-\d+$/, { status: "SUCCEEDED", runningMs: T_MS, output: EXECUTION_OUTPUT });
        writeFileSync(path.join(workspace, "power-tuning-input.json"), JSON.stringify(TUNING_INPUT));
        const arns = Array.from({ length: count }, (_, index) => functionArn(index + 1));
        for (const arn of arns) fake.setFunctionConfiguration(arn, configuration("v1"));
        const args = [
            RUNNER_BUNDLE_PATH,
            "tune",
            ...arns.flatMap((arn, index) => ["--lambda-arn", `bench-${index + 1}=${arn}`]),
            "--concurrency",
            String(CONCURRENCY),
        ];
        const env = fake.env({ STATE_MACHINE_ARN, TUNING_HISTORY_URI: "" });
        const historyEnv = { ...env, TUNING_HISTORY_URI: `s3://${BUCKET}/tuning-history/` };

        const runs: HistoryRun[] = [];
        const measure = async (label: string, toTune: number, runEnv: NodeJS.ProcessEnv) => {
            const before = { starts: fake.calls("StartExecution").length, requests: fake.requests.length };
            const run = await measureSuccessfulProcess(`tune ${label}`, process.execPath, args, { cwd: workspace, env: runEnv });
            const historyRequests = fake.requests
                .slice(before.requests)
                .filter((request) => request.service === "s3" || request.service === "lambda").length;
            runs.push({ label, toTune, process: run, starts: fake.calls("StartExecution").length - before.starts, historyRequests });
        };
        await measure("without history", count, env);
        await measure("history empty (first build)", count, historyEnv);
        await measure("history, K = 0 changed", 0, historyEnv);
        const changed = Math.ceil(count / 4);
        for (const arn of arns.slice(0, changed)) fake.setFunctionConfiguration(arn, configuration("v2"));
        await measure(`history, K = ${changed} changed`, changed, historyEnv);
        return runs;
    } finally {
        await fake.stop();
        rmSync(workspace, { recursive: true, force: true });
    }
}

export const historyBenchmark: Benchmark = {
    id: "history",
    async run() {
        const rows: BenchRow[] = [];
        const details: string[] = [];
        for (const count of FUNCTION_COUNTS) {
            const runs = await runsFor(count);
            const withoutHistory = runs[0];
            for (const run of runs) {
                rows.push({
                    benchmark: `History: N = ${count}, ${run.label}`,
                    target: `StartExecution = ${run.toTune}`,
                    measured:
                        `wall ${formatMs(run.process.wallMs)} (${(run.process.wallMs / withoutHistory.process.wallMs).toFixed(2)} × without history); ` +
                        `StartExecution ${run.starts}; S3 + Lambda requests ${run.historyRequests}`,
                    verdict: run.starts === run.toTune ? "met" : "missed",
                    method: `T = ${T_MS / 1000} s per execution, \`tune --concurrency ${CONCURRENCY}\` on one FakeAws, runs in the order listed (the history fills up as it would across builds)`,
                });
                details.push(
                    `N = ${count}, ${run.label}: wall ${formatMs(run.process.wallMs)}, CPU ${formatMs(run.process.cpuMs)}, StartExecution ${run.starts}, S3 + Lambda ${run.historyRequests}`,
                );
            }
        }
        return { rows, details };
    },
};
