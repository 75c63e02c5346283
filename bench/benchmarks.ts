// The runner's benchmarks: start-up, one tuning end to end, a long tuning, several functions, the
// tuning history, the search quality and `npm test`. Each returns table rows (target vs measured,
// and how it was measured) plus raw per-run figures for RESULTS.md, so a reader can check the medians.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { RUNNER_BUNDLE_PATH } from "../buildscripts/bundle";
import type { Benchmark, Verdict } from "./benchmark";
import {
    findOnPath,
    formatMs,
    formatRatio,
    formatSpread,
    measureProcess,
    measureSuccessfulProcess,
    RSS_SAMPLE_MS,
    spread,
} from "./measure";
import { feedbackTimeBenchmark } from "./feedback";
import { historyBenchmark } from "./history";
import { searchQualityBenchmark } from "./searchQuality";
import { describeCalls, describeRun, runTuning, type TuningRun } from "./tuning";

const REPOSITORY_ROOT = path.join(__dirname, "..");
const COLD_START_RUNS = 15;
const COLD_START_WARMUPS = 2;
const END_TO_END_PAIRS = 3;
const T_MS = 5_000;
const LONG_RUN_MS = 120_000;
const LONG_RUN_CLOCK_FACTOR = 10;
const FUNCTION_COUNTS = [1, 4, 8];

const verdict = (met: boolean): Verdict => (met ? "met" : "missed");

/** The AWS CLI on PATH, or undefined (rows then say "not installed"). */
export const awsCli = findOnPath("aws");
/** The original design's AWS CLI loop needs jq as well as the AWS CLI. */
const shellLoopMissing = [awsCli ? undefined : "`aws`", findOnPath("jq") ? undefined : "`jq`"].filter(Boolean).join(" and ");
const notInstalled = (what: string) => `${what} not installed: no comparison`;

/** Medians of the same figure over several runs. */
const medianOf = <T>(runs: readonly T[], figure: (run: T) => number) => spread(runs.map(figure)).median;

async function repeatedWallMs(label: string, command: string, args: readonly string[]): Promise<number[]> {
    const walls: number[] = [];
    for (let i = 0; i < COLD_START_WARMUPS + COLD_START_RUNS; i++) {
        const run = await measureSuccessfulProcess(label, command, args);
        if (i >= COLD_START_WARMUPS) walls.push(run.wallMs);
    }
    return walls;
}

const coldStart: Benchmark = {
    id: "cold-start",
    async run() {
        // Information only, no target: the runner is one plain bundle that loads the whole AWS SDK
        // at start, and ~100 ms inside a build that runs for minutes is not worth machinery to
        // avoid. Bare node start-up is the floor any Node CLI pays; on a loaded machine it moves most.
        const bareNode = spread(await repeatedWallMs("node -e 0", process.execPath, ["-e", "0"]));
        const runner = spread(await repeatedWallMs("runner --version", process.execPath, [RUNNER_BUNDLE_PATH, "--version"]));
        const aws = awsCli ? spread(await repeatedWallMs("aws --version", awsCli, ["--version"])) : undefined;
        const speedup = aws ? aws.median / runner.median : undefined;
        return {
            rows: [
                {
                    benchmark: "Cold start",
                    target: "none (information: a plain bundle that loads the AWS SDK at start)",
                    measured:
                        `runner ${formatSpread(runner)}; ` +
                        (aws && speedup ? `aws ${formatSpread(aws)}; runner ${formatRatio(speedup)} faster` : notInstalled("`aws`")) +
                        `; bare \`node -e 0\` median ${formatMs(bareNode.median)}`,
                    verdict: "n/a",
                    method: `wall time of \`node dist/tuning-runner.js --version\`, \`aws --version\` (${awsCli ?? "not on PATH"}) and bare node, ${COLD_START_RUNS} runs each after ${COLD_START_WARMUPS} warm-ups`,
                },
            ],
            details: [],
        };
    },
};

const endToEnd: Benchmark = {
    id: "end-to-end",
    async run() {
        const pairs: Array<{ runner: TuningRun; shell?: TuningRun }> = [];
        for (let i = 0; i < END_TO_END_PAIRS; i++) {
            const runner = await runTuning("runner", { functions: 1, executionMs: T_MS });
            const shell = shellLoopMissing ? undefined : await runTuning("aws-cli-loop", { functions: 1, executionMs: T_MS });
            pairs.push({ runner, shell });
        }
        const overhead = (run: TuningRun) => run.process.wallMs - T_MS;
        const runners = pairs.map((pair) => pair.runner);
        const runnerOverhead = medianOf(runners, overhead);
        const compared = pairs.filter((pair): pair is { runner: TuningRun; shell: TuningRun } => pair.shell !== undefined);
        // Ratios per pair (runner and shell measured back to back), then the median of those.
        const ratio = (figure: (run: TuningRun) => number) => medianOf(compared, (pair) => figure(pair.runner) / figure(pair.shell));
        const shells = compared.map((pair) => pair.shell);
        const against = (figure: (run: TuningRun) => number, format: (value: number) => string) =>
            compared.length === 0
                ? notInstalled(shellLoopMissing)
                : `shell loop ${format(medianOf(shells, figure))}; runner/shell ${formatRatio(ratio(figure))}`;
        const method = `T = ${T_MS / 1000} s scripted execution on a fresh FakeAws; bundled runner (\`tune\`, PR env, comment posted) vs bench/aws-cli-loop.sh (AWS CLI, 1 s poll); ${END_TO_END_PAIRS} back-to-back pairs, medians`;
        return {
            rows: [
                {
                    benchmark: "End to end: time beyond T",
                    target: "≤ 1 s",
                    measured:
                        `runner ${formatMs(runnerOverhead)} (of it: start-up ${formatMs(medianOf(runners, (run) => run.startupMs))}, detection ` +
                        `${formatMs(medianOf(runners, (run) => run.detectionLatencyMs))}, finish ${formatMs(medianOf(runners, (run) => run.finishMs))}); ` +
                        against(overhead, formatMs),
                    verdict: verdict(runnerOverhead <= 1_000),
                    method: `${method}; wall − T, split with the server log: spawn → first API call, scripted end → first DescribeExecution after it, that → exit`,
                },
                {
                    benchmark: "End to end: CPU user+sys",
                    target: "runner ≤ 1/5 of the shell loop",
                    measured: `runner ${formatMs(medianOf(runners, (run) => run.process.cpuMs))}; ${against((run) => run.process.cpuMs, formatMs)}`,
                    verdict: compared.length === 0 ? "n/a" : verdict(ratio((run) => run.process.cpuMs) <= 0.2),
                    method: `${method}; children's utime+stime from /proc/self/stat (10 ms ticks), includes every aws/jq process of the loop`,
                },
                {
                    benchmark: "End to end: API calls",
                    target: "(reported)",
                    measured: `runner ${medianOf(runners, (run) => run.apiCalls)}; ${against((run) => run.apiCalls, String)}`,
                    verdict: "n/a",
                    method: `${method}; requests in the server log`,
                },
            ],
            details: pairs.map(
                ({ runner, shell }, index) =>
                    `pair ${index + 1}: runner ${describeRun(runner)}${shell ? ` | shell loop ${describeRun(shell)}` : ""}`,
            ),
        };
    },
};

const longRun: Benchmark = {
    id: "long-run",
    async run() {
        const run = await runTuning("runner", { functions: 1, executionMs: LONG_RUN_MS, clockFactor: LONG_RUN_CLOCK_FACTOR });
        // The original design's loop: start, one describe per second while RUNNING plus the one that sees
        // the end, one more for the output, and the comment.
        const onePerSecond = 1 + (LONG_RUN_MS / 1000 + 1) + 1 + 1;
        const share = run.apiCalls / onePerSecond;
        return {
            rows: [
                {
                    benchmark: `Long run: API calls, T = ${LONG_RUN_MS / 1000} s`,
                    target: "≤ 1/3 of a 1-per-second loop",
                    measured: `runner ${run.apiCalls} (${describeCalls(run)}) vs ${onePerSecond} at 1/s: ${formatRatio(share)}`,
                    verdict: verdict(share <= 1 / 3),
                    method: `the bundled runner's own polling with its clock and FakeAws's both ${LONG_RUN_CLOCK_FACTOR}× fast (bench/scaled-clock.js preloaded), so ${LONG_RUN_MS / 1000} s take ${LONG_RUN_MS / 1000 / LONG_RUN_CLOCK_FACTOR} s; the 1/s figure is the original AWS CLI loop's schedule, counted, not run`,
                },
            ],
            details: [`runner ${describeRun(run)} (real time; the clocks ran ${LONG_RUN_CLOCK_FACTOR}× fast)`],
        };
    },
};

const manyFunctions: Benchmark = {
    id: "many-functions",
    async run() {
        const runs: Array<[number, TuningRun]> = [];
        for (const count of FUNCTION_COUNTS) runs.push([count, await runTuning("runner", { functions: count, executionMs: T_MS })]);
        return {
            rows: runs.map(([count, run]) => {
                const wallPerT = run.process.wallMs / T_MS;
                return {
                    benchmark: `Many functions: N = ${count}`,
                    target: "wall ≤ 1.3 × T",
                    measured:
                        `wall ${formatMs(run.process.wallMs)} = ${wallPerT.toFixed(2)} × T; peak RSS ${run.process.peakRssMiB.toFixed(0)} MiB; ` +
                        `${run.peakConcurrentExecutions} running at once; ${run.apiCalls} API calls`,
                    verdict: verdict(wallPerT <= 1.3),
                    method: `${count} × T = ${T_MS / 1000} s executions, \`tune --concurrency ${count}\`; RSS = runner's VmHWM sampled every ${RSS_SAMPLE_MS} ms; concurrency from the server`,
                };
            }),
            details: runs.map(([count, run]) => `N = ${count}: ${describeRun(run)}`),
        };
    },
};

const testSuite: Benchmark = {
    id: "test-suite",
    async run() {
        const run = await measureProcess("npm", ["test"], { cwd: REPOSITORY_ROOT });
        const summary = run.stdout.trim().split("\n").pop() ?? "";
        if (run.code !== 0) throw new Error(`npm test exited with ${run.code}: ${summary}\n${run.stderr.slice(-2000)}`);
        return {
            rows: [
                {
                    benchmark: "Test suite",
                    target: "≤ 60 s",
                    measured: `${formatMs(run.wallMs)} (${summary})`,
                    verdict: verdict(run.wallMs <= 60_000),
                    method: "wall time of `npm test` (bundle, then mocha in 3 parallel workers; the type check and the lint are .ci/run's own steps) with node_modules already installed",
                },
            ],
            details: [],
        };
    },
};

export const BENCHMARKS: readonly Benchmark[] = [
    coldStart,
    endToEnd,
    longRun,
    manyFunctions,
    historyBenchmark,
    feedbackTimeBenchmark,
    searchQualityBenchmark,
    testSuite,
];

/** `aws --version` output, or "not installed". */
export function awsCliVersion(): string {
    if (!awsCli) return "not installed";
    // AWS CLI v1 printed its version on stderr, later versions on stdout.
    const result = spawnSync(awsCli, ["--version"], { encoding: "utf8" });
    return result.stdout.trim() || result.stderr.trim() || "unknown";
}
