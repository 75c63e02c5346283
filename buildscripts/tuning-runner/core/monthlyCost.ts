// What a recommendation is worth a month (functional core): production's traffic (the last 30
// days' invocations from CloudWatch, or a figure given offline) times the measured durations,
// priced per architecture and region. Only Lambda's duration charge is counted: the request
// charge is the same whatever the memory, and the free tier is the account's, not a function's.
import { z } from "zod";
import { significant } from "./numbers";
import type { PowerStat } from "./powerStat";
import { worded } from "./schema";

/** The window production's traffic is read over, taken as a month. */
export const TRAFFIC_DAYS = 30;

export type Architecture = "x86_64" | "arm64";

/**
 * Lambda's duration price, USD per GB-second, first tier (the discounts above 6 billion GB-seconds
 * a month are left out), from https://aws.amazon.com/lambda/pricing/ (as transcribed in artillery's
 * lib/platform/aws-lambda/prices.js). Regions not listed charge the standard price.
 */
export const DURATION_PRICE_PER_GB_SECOND = {
    standard: { x86_64: 0.0000166667, arm64: 0.0000133334 },
    "af-south-1": { x86_64: 0.0000221, arm64: 0.00001768 },
    "ap-east-1": { x86_64: 0.00002292, arm64: 0.0000183 },
    "eu-south-1": { x86_64: 0.0000195172, arm64: 0.0000156138 },
    "me-south-1": { x86_64: 0.0000206667, arm64: 0.0000165334 },
    "me-central-1": { x86_64: 0.0000206667, arm64: 0.0000165334 },
} as const satisfies Record<string, Record<Architecture, number>>;

/** The duration price for a function in `region` (undefined: unknown, the standard price). */
export function durationPricePerGbSecond(region: string | undefined, architecture: Architecture): number {
    const regional =
        region === undefined ? undefined : (DURATION_PRICE_PER_GB_SECOND as Record<string, Record<Architecture, number>>)[region];
    return (regional ?? DURATION_PRICE_PER_GB_SECOND.standard)[architecture];
}

/** The power-tuning tool's price of a millisecond at 128 MB, by which its costs tell the architecture. */
const TOOL_PRICE_PER_MS_AT_128_MB: Record<Architecture, number> = { x86_64: 2.1e-9, arm64: 1.7e-9 };

/**
 * The architecture the tool priced `stats` for: its cost is ⌈average billed ms⌉ × its price × MB/128,
 * so cost over duration tells its price; read at the longest duration, where the billing ceiling
 * matters least, and taken to the nearer of the two prices (they are 24 % apart).
 */
export function architectureOfStats(stats: readonly PowerStat[]): Architecture | undefined {
    const longest = [...stats]
        .filter((stat) => stat.averageDurationMs > 0 && stat.averageCostUsd > 0)
        .sort((a, b) => b.averageDurationMs - a.averageDurationMs)[0];
    if (longest === undefined) return undefined;
    const pricePerMs = longest.averageCostUsd / Math.ceil(longest.averageDurationMs) / (longest.memoryMB / 128);
    return Math.abs(Math.log(pricePerMs / TOOL_PRICE_PER_MS_AT_128_MB.arm64)) <
        Math.abs(Math.log(pricePerMs / TOOL_PRICE_PER_MS_AT_128_MB.x86_64))
        ? "arm64"
        : "x86_64";
}

/**
 * Production's traffic for one function, as the results file keeps it: measured in CloudWatch,
 * given on the command line, none (no production counterpart), or unknown (and why).
 */
export const PRODUCTION_TRAFFIC = worded(
    z.discriminatedUnion("status", [
        z.object({
            status: z.literal("measured"),
            /** Production's function the metrics are of. */
            functionName: z.string(),
            invocations: z.number(),
            /** CloudWatch's average Duration over the window (ms), when it reported one. */
            averageDurationMs: z.number().optional(),
            /** Production's configured memory (MB), when known. */
            memoryMB: z.number().optional(),
        }),
        z.object({ status: z.literal("given"), invocationsPerMonth: z.number() }),
        z.object({ status: z.literal("none"), reason: z.string() }),
        z.object({ status: z.literal("unknown"), reason: z.string() }),
    ]),
    '{status: "measured", functionName, invocations, averageDurationMs?, memoryMB?}, {status: "given", invocationsPerMonth}, {status: "none", reason} or {status: "unknown", reason}',
);
export type ProductionTraffic = z.infer<typeof PRODUCTION_TRAFFIC>;

/** What a function without production's counterpart shows. */
export const NO_PRODUCTION_TRAFFIC = "no production traffic yet";

/** One memory size's monthly duration cost. */
export interface MonthlyPoint {
    readonly memoryMB: number;
    readonly durationMs: number;
    readonly costUsd: number;
}

/** A monthly cost against another: the difference in dollars and percent (undefined when the other is 0). */
export interface MonthlyChange {
    readonly usd: number;
    readonly percent?: number;
}

export interface MonthlyFigures {
    readonly invocationsPerMonth: number;
    readonly pricePerGbSecond: number;
    readonly architecture: Architecture;
    readonly region?: string;
    /** Production as it runs: its memory and CloudWatch's average duration (or the measured one at its memory). */
    readonly now?: MonthlyPoint;
    /** With the memory this pull request configures, at the duration measured there. */
    readonly configured?: MonthlyPoint;
    readonly recommended: MonthlyPoint;
    /** configured against now, recommended against now (or against configured without now). */
    readonly configuredChange?: MonthlyChange;
    readonly recommendedChange?: MonthlyChange;
}

/** What the monthly figures are computed from: a succeeded result's fields. */
export interface MonthlyInput {
    readonly arn: string;
    readonly power?: number;
    readonly duration?: number;
    readonly stats: readonly PowerStat[];
    readonly configuredMemoryMB?: number;
    readonly productionTraffic?: ProductionTraffic;
}

/** The duration cost of `invocations` at `memoryMB` and `durationMs` each. */
export function monthlyCostUsd(invocations: number, memoryMB: number, durationMs: number, pricePerGbSecond: number): number {
    return invocations * (durationMs / 1000) * (memoryMB / 1024) * pricePerGbSecond;
}

/** The monthly figures of a result, or undefined when its traffic is not known or it recommended nothing. */
export function monthlyFigures(result: MonthlyInput): MonthlyFigures | undefined {
    const traffic = result.productionTraffic;
    if (traffic === undefined || result.power === undefined || result.duration === undefined) return undefined;
    if (traffic.status !== "measured" && traffic.status !== "given") return undefined;
    const invocationsPerMonth = traffic.status === "measured" ? traffic.invocations : traffic.invocationsPerMonth;
    const architecture = architectureOfStats(result.stats.length > 0 ? result.stats : []) ?? "x86_64";
    const region = regionOfArn(result.arn);
    const pricePerGbSecond = durationPricePerGbSecond(region, architecture);
    const point = (memoryMB: number, durationMs: number): MonthlyPoint => ({
        memoryMB,
        durationMs,
        costUsd: monthlyCostUsd(invocationsPerMonth, memoryMB, durationMs, pricePerGbSecond),
    });
    const measuredAt = (memoryMB: number | undefined) =>
        memoryMB === undefined ? undefined : result.stats.find((stat) => stat.memoryMB === memoryMB)?.averageDurationMs;
    const recommended = point(result.power, result.duration);
    let now: MonthlyPoint | undefined;
    if (traffic.status === "measured" && traffic.memoryMB !== undefined) {
        const durationMs = traffic.averageDurationMs ?? measuredAt(traffic.memoryMB);
        if (durationMs !== undefined) now = point(traffic.memoryMB, durationMs);
    }
    const configuredDuration = measuredAt(result.configuredMemoryMB);
    const configured = configuredDuration === undefined ? undefined : point(result.configuredMemoryMB!, configuredDuration);
    return {
        invocationsPerMonth,
        pricePerGbSecond,
        architecture,
        region,
        now,
        configured,
        recommended,
        configuredChange: configured && now ? change(now.costUsd, configured.costUsd) : undefined,
        recommendedChange: now
            ? change(now.costUsd, recommended.costUsd)
            : configured
              ? change(configured.costUsd, recommended.costUsd)
              : undefined,
    };
}

export function change(from: number, to: number): MonthlyChange {
    return { usd: to - from, percent: from === 0 ? undefined : ((to - from) / from) * 100 };
}

/** The region of a function ARN (its fourth part), or undefined when there is none. */
function regionOfArn(arn: string): string | undefined {
    const region = arn.split(":")[3];
    return region === undefined || region === "" ? undefined : region;
}

/** `+$12.4, +8.1 %`, `−$41.0, −20 %`. */
export function describeChange(delta: MonthlyChange): string {
    const sign = delta.usd > 0 ? "+" : delta.usd < 0 ? "−" : "±";
    const percent = delta.percent === undefined ? "" : `, ${sign}${significant(Math.abs(delta.percent), 2)} %`;
    return `${sign}$${significant(Math.abs(delta.usd))}${percent}`;
}

/** `--invocations-per-month`'s rule. */
export const INVOCATIONS_PER_MONTH_RULE = {
    allowed: "a whole number of invocations a month, 0 or more (e.g. 1200000)",
    max: Number.MAX_SAFE_INTEGER,
} as const;
