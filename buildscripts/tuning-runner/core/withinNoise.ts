// Which measured sizes next to a recommendation are as good as it within measurement noise
// (functional core). The benchmark's every-64-MB search, which measures every candidate, still
// misses the true optimum by about 2 % at its 90th percentile on the formula model (bench/RESULTS.md):
// differences that small are decided by noise, and the comment should say that either size is fine.
import { REQUEST_CHARGE_USD } from "./cost";
import type { PowerStat } from "./powerStat";
import type { Strategy } from "./tuningInput";

/** Measured figures this close to the recommendation's (%) are taken as equal. */
export const NOISE_PERCENT = 2;

/**
 * The recommendation's measured neighbours (the next size below and above) whose figures are
 * within NOISE_PERCENT of its own: cost (request charge included) for `cost`, duration for
 * `speed`, and both for `balanced` (then any weighting of the two is within it too).
 */
export function neighboursWithinNoise(stats: readonly PowerStat[], powerMB: number, strategy: Strategy): number[] {
    const rows = [...stats].filter((stat) => stat.averageDurationMs !== 0).sort((a, b) => a.memoryMB - b.memoryMB);
    const at = rows.findIndex((stat) => stat.memoryMB === powerMB);
    if (at === -1) return [];
    const close = (a: number, b: number) => Math.abs(a - b) <= (NOISE_PERCENT / 100) * b;
    const winner = rows[at];
    const similar = (row: PowerStat) => {
        const cost = close(row.averageCostUsd + REQUEST_CHARGE_USD, winner.averageCostUsd + REQUEST_CHARGE_USD);
        const duration = close(row.averageDurationMs, winner.averageDurationMs);
        return strategy === "cost" ? cost : strategy === "speed" ? duration : cost && duration;
    };
    return [rows[at - 1], rows[at + 1]].filter((row): row is PowerStat => row !== undefined && similar(row)).map((row) => row.memoryMB);
}
