// One measured memory size (functional core), as the runner keeps it in results, stored
// results and charts: the tool's `stats` rows in the runner's own spelling.
import { z } from "zod";

export const POWER_STAT = z.object({
    memoryMB: z.number(),
    /** Average duration in milliseconds (the tool's trimmed mean). */
    averageDurationMs: z.number(),
    /** Average duration cost of one invocation in USD, without the request charge. */
    averageCostUsd: z.number(),
});
export type PowerStat = z.infer<typeof POWER_STAT>;
