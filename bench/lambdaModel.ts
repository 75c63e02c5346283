// A Lambda performance model for the search-quality benchmark: random functions whose duration
// at a memory size is a fixed I/O part plus a CPU part that scales with the CPU share Lambda
// allocates with memory (one full vCPU at 1,769 MB; more beyond it, which only multi-threaded
// code can use), slowed by garbage collection when memory is tight, with per-invocation noise.
// Prices: the tool's per-millisecond prices by architecture plus the request charge.
import { REQUEST_CHARGE_USD } from "../buildscripts/tuning-runner/core/cost";
import { PRICE_PER_MS_AT_128_MB, type Architecture } from "../tests/support/simulated-power-tuning";

/** Lambda gives one full vCPU at 1,769 MB, and CPU in proportion to memory below and above. */
const MB_PER_VCPU = 1769;

export interface ModelFunction {
    readonly architecture: Architecture;
    /** Waiting on the network or disk, whatever the memory (ms). */
    readonly ioMs: number;
    /** CPU work in ms on one full vCPU. */
    readonly cpuMs: number;
    /** Share of the CPU work that runs in parallel on more than one vCPU (0 = single-threaded). */
    readonly parallelShare: number;
    /** Memory the function works in (MB); below it, garbage collection slows the CPU part. */
    readonly workingSetMB: number;
    /** How hard: the CPU part grows by `gcPenalty × (workingSetMB / memory − 1)` below the working set. */
    readonly gcPenalty: number;
    /** Spread of the per-invocation noise (log-normal σ). */
    readonly noise: number;
}

/** The mean duration (ms) at `memoryMB`, without noise. */
export function expectedDurationMs(fn: ModelFunction, memoryMB: number): number {
    const vcpus = memoryMB / MB_PER_VCPU;
    // Amdahl: the serial part runs on at most one vCPU, the parallel part on all of them.
    const cpuFactor = vcpus <= 1 ? 1 / vcpus : 1 - fn.parallelShare + fn.parallelShare / vcpus;
    const gcFactor = 1 + fn.gcPenalty * Math.max(0, fn.workingSetMB / memoryMB - 1);
    return fn.ioMs + fn.cpuMs * cpuFactor * gcFactor;
}

/**
 * What one invocation costs on average at `memoryMB` (USD): every invocation is billed in whole
 * milliseconds, so the average bill is the mean of the ceiled durations, not the ceiled mean.
 */
export function expectedCostUsd(fn: ModelFunction, memoryMB: number, options: { withRequestCharge: boolean }): number {
    const duration = expectedBilledMs(fn, memoryMB) * PRICE_PER_MS_AT_128_MB[fn.architecture] * (memoryMB / 128);
    return options.withRequestCharge ? duration + REQUEST_CHARGE_USD : duration;
}

// Now and then an invocation waits on a slow dependency: this share of them takes 1.5–3.5× as long.
const OUTLIER_SHARE = 0.05;
const OUTLIER_FACTORS = [1.5, 2, 2.5, 3, 3.5];

/** E[⌈D⌉] for the noisy duration D, outliers included. */
function expectedBilledMs(fn: ModelFunction, memoryMB: number): number {
    const mean = expectedDurationMs(fn, memoryMB);
    // Outliers last long enough that ⌈D⌉ is D plus half a millisecond on average.
    const outliers = (mean * OUTLIER_FACTORS.reduce((sum, factor) => sum + factor, 0)) / OUTLIER_FACTORS.length + 0.5;
    return (1 - OUTLIER_SHARE) * expectedCeiling(mean, fn.noise) + OUTLIER_SHARE * outliers;
}

/** E[⌈D⌉] for a log-normal D with this mean and σ: the sum over k ≥ 0 of P(D > k). */
export function expectedCeiling(mean: number, sigma: number): number {
    const median = mean * Math.exp(-(sigma * sigma) / 2);
    // With milliseconds of spread the fractional part is as good as uniform: half a millisecond on average.
    if (sigma * median > 5) return mean + 0.5;
    // Below `from` D is (all but) always longer; above `to` (all but) never.
    const from = Math.floor(median * Math.exp(-8 * sigma));
    const to = Math.ceil(median * Math.exp(8 * sigma));
    let sum = from + 1;
    for (let k = from + 1; k <= to; k++) sum += 1 - normalCdf(Math.log(k / median) / sigma);
    return sum;
}

/** Φ(x), by the Abramowitz–Stegun approximation (error below 1e-7). */
function normalCdf(x: number): number {
    const t = 1 / (1 + 0.2316419 * Math.abs(x));
    const tail =
        (Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI)) *
        t *
        (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
    return x >= 0 ? 1 - tail : tail;
}

/** `count` invocation durations at `memoryMB`: the mean times log-normal noise, and now and then an outlier. */
export function sampleDurationsMs(fn: ModelFunction, memoryMB: number, count: number, random: Random): number[] {
    const mean = expectedDurationMs(fn, memoryMB);
    return Array.from({ length: count }, () => {
        const outlier = random.next() < OUTLIER_SHARE ? OUTLIER_FACTORS[Math.floor(random.next() * OUTLIER_FACTORS.length)] : 1;
        return mean * Math.exp(fn.noise * random.normal() - (fn.noise * fn.noise) / 2) * outlier;
    });
}

/**
 * A random function. The ranges cover short API handlers (a few ms, mostly I/O) to CPU-heavy
 * jobs (seconds), single- and multi-threaded, with and without memory pressure.
 */
export function randomFunction(random: Random): ModelFunction {
    const multiThreaded = random.next() < 0.35;
    return {
        architecture: random.next() < 0.5 ? "arm64" : "x86_64",
        ioMs: random.next() < 0.2 ? 0 : random.logUniform(1, 800),
        cpuMs: random.logUniform(0.5, 4000),
        parallelShare: multiThreaded ? 0.5 + random.next() * 0.45 : 0,
        workingSetMB: random.logUniform(60, 1500),
        gcPenalty: random.next() * 1.5,
        noise: 0.02 + random.next() * 0.13,
    };
}

/** A seeded pseudo-random source (mulberry32), so every run of the benchmark draws the same functions. */
export class Random {
    private state: number;

    constructor(seed: number) {
        this.state = seed >>> 0;
    }

    /** Uniform in [0, 1). */
    next(): number {
        this.state = (this.state + 0x6d2b79f5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    /** Standard normal (Box–Muller). */
    normal(): number {
        const u = 1 - this.next();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
    }

    /** Log-uniform in [min, max]: as many values between 1 and 10 as between 10 and 100. */
    logUniform(min: number, max: number): number {
        return min * Math.exp(this.next() * Math.log(max / min));
    }
}
