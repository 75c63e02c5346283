// Measuring child processes on Linux without extra tools: wall time from the parent's clock,
// CPU time from the parent's accumulated children times (/proc/self/stat cutime + cstime, which
// include every descendant the child waited for — the AWS CLI calls a shell loop makes, say),
// and peak RSS from the child's own high-water mark (/proc/<pid>/status VmHWM, sampled).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

export interface ProcessRun {
    readonly code: number | null;
    /** When the process was spawned, epoch ms (comparable with FakeAws request times). */
    readonly startedAt: number;
    readonly wallMs: number;
    /** User + system CPU of the process and its waited-for descendants. */
    readonly cpuMs: number;
    /** Peak resident set of the direct child (not its descendants), MiB; sampled every RSS_SAMPLE_MS. */
    readonly peakRssMiB: number;
    readonly stdout: string;
    readonly stderr: string;
}

export const RSS_SAMPLE_MS = 20;

const CLOCK_TICKS_PER_SECOND = (() => {
    try {
        return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
        return 100;
    }
})();

/** CPU milliseconds of this process's children that have been waited for so far. */
function childrenCpuMs(): number {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function highWaterRssKiB(pid: number): number | undefined {
    try {
        const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return match ? Number(match[1]) : undefined;
    } catch {
        return undefined; // already exited
    }
}

/**
 * Runs one process to completion and measures it. Runs must not overlap: the CPU figure is the
 * difference in this process's children times before and after.
 */
export async function measureProcess(
    command: string,
    args: readonly string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessRun> {
    const cpuBefore = childrenCpuMs();
    const startedAt = Date.now();
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    let peakRssKiB = 0;
    const sampleRss = () => (peakRssKiB = Math.max(peakRssKiB, highWaterRssKiB(child.pid ?? -1) ?? 0));
    const sampler = setInterval(sampleRss, RSS_SAMPLE_MS);
    child.once("spawn", sampleRss);
    const code = await new Promise<number | null>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", resolve);
    }).finally(() => clearInterval(sampler));
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { code, startedAt, wallMs, cpuMs: childrenCpuMs() - cpuBefore, peakRssMiB: peakRssKiB / 1024, stdout, stderr };
}

/** Runs and fails loudly on a non-zero exit: a benchmark of a broken run measures nothing. */
export async function measureSuccessfulProcess(
    label: string,
    command: string,
    args: readonly string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessRun> {
    const run = await measureProcess(command, args, options);
    if (run.code !== 0) {
        throw new Error(`${label} exited with ${run.code}\n--- stdout\n${run.stdout.slice(-2000)}\n--- stderr\n${run.stderr.slice(-4000)}`);
    }
    return run;
}

export interface Spread {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly count: number;
}

export function spread(values: readonly number[]): Spread {
    if (values.length === 0) throw new Error("spread of no values");
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    return { median, min: sorted[0], max: sorted[sorted.length - 1], count: sorted.length };
}

/** First executable named `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
    for (const directory of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(directory, name);
        if (directory !== "" && existsSync(candidate)) return candidate;
    }
    return undefined;
}

export const formatMs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

export const formatSpread = (s: Spread, format: (value: number) => string = formatMs): string =>
    `median ${format(s.median)} (min ${format(s.min)}, max ${format(s.max)}, n=${s.count})`;

export const formatRatio = (ratio: number): string => (ratio >= 10 ? `${ratio.toFixed(0)}×` : `${ratio.toFixed(2)}×`);
