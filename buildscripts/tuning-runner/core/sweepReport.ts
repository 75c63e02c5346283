// The sweep report, sweep-report.json (functional core): everything a sweep found in its
// namespace and what became of each (removed, would be removed on a dry run, kept, or could not be
// removed), and every kind it could not list. Written whole before any comment, like the results file.
import { z } from "zod";
import type { PullRequestContext } from "./resultsFile";
import { parseJsonFile, withoutUndefined } from "./json";
import { parseWith, worded } from "./schema";
import { SWEPT_KINDS } from "./sweep";

const KIND = worded(z.enum(SWEPT_KINDS), SWEPT_KINDS.join(", "));
const TIMESTAMP = worded(z.iso.datetime(), "an ISO-8601 timestamp");

export const SWEEP_OUTCOMES = ["deleted", "would-delete", "kept", "failed"] as const;
export type SweepOutcome = (typeof SWEEP_OUTCOMES)[number];

const SWEPT_ITEM = worded(
    z.object({
        kind: KIND,
        /** A function's, role's or log group's name; a state object's s3:// URI. */
        name: z.string(),
        /** What its age was judged by: Lambda LastModified, role CreateDate, log group creationTime, object LastModified. */
        createdAt: TIMESTAMP.optional(),
        outcome: worded(z.enum(SWEEP_OUTCOMES), SWEEP_OUTCOMES.join(", ")),
        /** What goes (or went) first: a function's event source mappings, a role's policies and instance-profile links. */
        removedWithIt: z.array(z.string()).optional(),
        /** Why it was kept. */
        reason: z.string().optional(),
        /** The call that failed, `Operation target: Name: message`. */
        error: z.string().optional(),
    }),
    "an object {kind, name, outcome, createdAt?, removedWithIt?, reason?, error?}",
);
export type SweptItem = z.infer<typeof SWEPT_ITEM>;

/** A kind whose listing failed: what is left of it is unknown. */
const UNLISTED = z.object({ kind: KIND, error: z.string() });
export type Unlisted = z.infer<typeof UNLISTED>;

const SWEEP_REPORT = worded(
    z.object({
        version: worded(z.literal(1), "1 (written by this runner)"),
        namePrefix: z.string(),
        protectPrefix: z.string().optional(),
        olderThanHours: z.number(),
        /** Items created or changed after this were kept. */
        cutoff: TIMESTAMP,
        dryRun: z.boolean(),
        /** `s3://<bucket>/<prefix>/` whose objects were swept, when given. */
        stateUri: z.string().optional(),
        pullRequest: z
            .object({ repositoryName: z.string(), pullRequestId: z.string(), sourceCommit: z.string(), destinationCommit: z.string() })
            .optional(),
        startedAt: TIMESTAMP,
        finishedAt: TIMESTAMP,
        items: z.array(SWEPT_ITEM),
        unlisted: z.array(UNLISTED),
    }),
    "a sweep report written by `sweep` (a JSON object with version 1)",
);
export type SweepReport = z.infer<typeof SWEEP_REPORT>;

export interface SweepReportMeta {
    readonly namePrefix: string;
    readonly protectPrefix?: string;
    readonly olderThanHours: number;
    readonly cutoff: string;
    readonly dryRun: boolean;
    readonly stateUri?: string;
    readonly pullRequest?: PullRequestContext;
    readonly startedAt: string;
    readonly finishedAt: string;
}

export function buildSweepReport(meta: SweepReportMeta, items: readonly SweptItem[], unlisted: readonly Unlisted[]): SweepReport {
    return withoutUndefined({ version: 1 as const, ...meta, items: [...items], unlisted: [...unlisted] });
}

/** A report read back (tests, a person's tooling): its shape checked against the schema. */
export function parseSweepReport(text: string, fileName: string): SweepReport {
    return parseWith(SWEEP_REPORT, parseJsonFile(text, fileName), fileName);
}

/** Exit code of `sweep`: 1 when anything could not be removed or listed. */
export function sweepExitCode(report: Pick<SweepReport, "items" | "unlisted">): 0 | 1 {
    return report.unlisted.length > 0 || report.items.some((item) => item.outcome === "failed") ? 1 : 0;
}

/** How many items had each outcome. */
export function countOutcomes(items: readonly SweptItem[]): Record<SweepOutcome, number> {
    const counts = Object.fromEntries(SWEEP_OUTCOMES.map((outcome) => [outcome, 0])) as Record<SweepOutcome, number>;
    for (const item of items) counts[item.outcome]++;
    return counts;
}
