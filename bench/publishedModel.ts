// A second Lambda performance model for the search-quality benchmark, built from curves other
// people measured and published rather than from a formula of ours: each function follows one
// published duration-by-memory curve (interpolated log-log between the published points, flat
// beyond the last, as the measurements beyond 3,008 MB show), scaled to a random length, with an
// I/O part added. Its noise differs from lambdaModel.ts in shape: wider per-invocation spread,
// more and longer outliers, and the first invocation at every size a cold start (the tool makes a
// new alias per size). Regret is measured against the warm mean, which production traffic sees.
//
// The published curves (memory MB → average duration ms):
// - aws-cdk S3 deployment custom resource, billed duration per memory setting, measured by
//   sobolk: https://github.com/sobolk/aws-cdk/blob/main/testapps/testapp001/hotswap_s3_summary.md
//   (128 → 37,608; 512 → 8,984; 1,024 → 4,396; 1,536 → 2,779; 2,048 → 2,551; 3,008 → 2,167).
// - The power-tuning tool's README example: "execution time goes from 35s with 128MB to less
//   than 3s with 1.5GB, while being 14% cheaper to run" (https://github.com/alexcasalboni/aws-lambda-power-tuning,
//   quoted at https://www.ashgrennan.com/post/lambda-power-tuning-case-study/): 128 → 35,000 and
//   1,536 → 2,508 (14 % cheaper: 0.86 × 128 × 35,000 / 1,536).
// - An order-processing function's power-tuning chart (https://github.com/Sathyafish/lambda-power-tool):
//   128 → 2,800; 256 → 1,600; 512 → 900; 1,024 → 600.
// - A worked example of a CPU-bound function (https://www.nitrix-reloaded.com/2022/09/05/aws-lambda-power-tuning-for-optimal-cost-performance):
//   128 → 1,000; 512 → 350; 1,024 → 150; 2,048 → 100.
import { REQUEST_CHARGE_USD } from "../buildscripts/tuning-runner/core/cost";
import { PRICE_PER_MS_AT_128_MB, type Architecture } from "../tests/support/simulated-power-tuning";
import { expectedCeiling, type Random } from "./lambdaModel";

/** One published curve: ascending memory sizes (MB) and the durations (ms) measured there. */
export interface PublishedCurve {
    readonly source: string;
    readonly points: ReadonlyArray<readonly [memoryMB: number, durationMs: number]>;
}

export const PUBLISHED_CURVES: readonly PublishedCurve[] = [
    {
        source: "aws-cdk S3 deployment (sobolk/aws-cdk hotswap_s3_summary.md)",
        points: [
            [128, 37_608],
            [512, 8_984],
            [1024, 4_396],
            [1536, 2_779],
            [2048, 2_551],
            [3008, 2_167],
        ],
    },
    {
        source: "the power-tuning tool's README example",
        points: [
            [128, 35_000],
            [1536, 2_508],
        ],
    },
    {
        source: "order processing (Sathyafish/lambda-power-tool)",
        points: [
            [128, 2_800],
            [256, 1_600],
            [512, 900],
            [1024, 600],
        ],
    },
    {
        source: "CPU-bound worked example (nitrix-reloaded.com)",
        points: [
            [128, 1_000],
            [512, 350],
            [1024, 150],
            [2048, 100],
        ],
    },
];

export interface PublishedFunction {
    readonly architecture: Architecture;
    readonly curve: PublishedCurve;
    /** The curve's durations are multiplied by this. */
    readonly scale: number;
    /** Waiting on the network or disk, whatever the memory (ms). */
    readonly ioMs: number;
    /** Per-invocation log-normal σ. */
    readonly noise: number;
    /** The extra time of a cold start at 128 MB (ms); it shrinks with CPU like the curve. */
    readonly coldStartMs: number;
}

/** The curve's duration at `memoryMB`: log-log interpolation, flat outside the published points. */
export function curveDurationMs(curve: PublishedCurve, memoryMB: number): number {
    const { points } = curve;
    if (memoryMB <= points[0][0]) return points[0][1];
    for (let index = 1; index < points.length; index++) {
        const [x1, y1] = points[index];
        if (memoryMB <= x1) {
            const [x0, y0] = points[index - 1];
            const share = Math.log(memoryMB / x0) / Math.log(x1 / x0);
            return Math.exp(Math.log(y0) + share * Math.log(y1 / y0));
        }
    }
    return points[points.length - 1][1];
}

/** The warm mean duration (ms) at `memoryMB`, without noise. */
export function publishedDurationMs(fn: PublishedFunction, memoryMB: number): number {
    return fn.ioMs + fn.scale * curveDurationMs(fn.curve, memoryMB);
}

const OUTLIER_SHARE = 0.1;
const OUTLIER_FACTORS = [1.5, 2, 3, 4];
const outlierMean = OUTLIER_FACTORS.reduce((sum, factor) => sum + factor, 0) / OUTLIER_FACTORS.length;

/** What one warm invocation costs on average at `memoryMB` (USD), billed in whole milliseconds. */
export function publishedCostUsd(fn: PublishedFunction, memoryMB: number, options: { withRequestCharge: boolean }): number {
    const mean = publishedDurationMs(fn, memoryMB);
    const billedMs = (1 - OUTLIER_SHARE) * expectedCeiling(mean, fn.noise) + OUTLIER_SHARE * (mean * outlierMean + 0.5);
    const duration = billedMs * PRICE_PER_MS_AT_128_MB[fn.architecture] * (memoryMB / 128);
    return options.withRequestCharge ? duration + REQUEST_CHARGE_USD : duration;
}

/** `count` invocations at `memoryMB`: the first a cold start, each with noise, now and then an outlier. */
export function samplePublishedDurationsMs(fn: PublishedFunction, memoryMB: number, count: number, random: Random): number[] {
    const mean = publishedDurationMs(fn, memoryMB);
    const coldStart = fn.coldStartMs * (curveDurationMs(fn.curve, memoryMB) / curveDurationMs(fn.curve, 128));
    return Array.from({ length: count }, (_, index) => {
        const outlier = random.next() < OUTLIER_SHARE ? OUTLIER_FACTORS[Math.floor(random.next() * OUTLIER_FACTORS.length)] : 1;
        return mean * Math.exp(fn.noise * random.normal() - (fn.noise * fn.noise) / 2) * outlier + (index === 0 ? coldStart : 0);
    });
}

/** A random function: one of the published curves, scaled from a few ms to its published length. */
export function randomPublishedFunction(random: Random): PublishedFunction {
    return {
        architecture: random.next() < 0.5 ? "arm64" : "x86_64",
        curve: PUBLISHED_CURVES[Math.floor(random.next() * PUBLISHED_CURVES.length)],
        scale: random.logUniform(0.002, 1),
        ioMs: random.next() < 0.3 ? 0 : random.logUniform(1, 300),
        noise: 0.05 + random.next() * 0.3,
        coldStartMs: random.logUniform(100, 1500),
    };
}
