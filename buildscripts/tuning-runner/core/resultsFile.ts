// The results file, power-tuning-results.json (functional core): what `tune` always writes before
// any comment, and what `report --results` and the tuning history read back. Its schema is the
// one description of the format; the types of a function's result are inferred from it.
import { z } from "zod";
import { TUNING_STRATEGIES } from "../../contract";
import { InputError } from "./errors";
import { isRecord, parseJsonFile, withoutUndefined } from "./json";
import { PRODUCTION_TRAFFIC } from "./monthlyCost";
import { POWER_STAT } from "./powerStat";
import { analysisFromOutput } from "./stateMachineOutput";
import { parseWith, worded } from "./schema";
import { decodeComparisonUrl } from "./visualization";

const A_NUMBER = worded(z.number(), "a number");
const A_STRING = worded(z.string(), "a string");

/** Why a tuning did not produce a result. `cause` is human-readable (`errorType: errorMessage`). */
const TUNING_ERROR = z.object({ error: z.string(), cause: z.string() });
export type TuningError = z.infer<typeof TUNING_ERROR>;

export const TUNING_STATUSES = ["succeeded", "failed", "timed-out", "aborted", "dry-run"] as const;
export type TuningStatus = (typeof TUNING_STATUSES)[number];

/** The first pass's own recommendation, kept when a refinement decided over more sizes. */
const RECOMMENDATION = z.object({ power: z.number(), cost: z.number(), duration: z.number() });
export type Recommendation = z.infer<typeof RECOMMENDATION>;

/** The second execution of a refinement that ran (or was started). */
const REFINEMENT_EXECUTION = {
    /** The winner's measured neighbours the new sizes lie between (one of them may be the winner itself at an end of the list). */
    betweenMB: z.tuple([z.number(), z.number()]).readonly(),
    /** The sizes the second execution measured, ascending. */
    memorySizesMB: z.array(z.number()).readonly(),
    executionArn: z.string().optional(),
};

/** What became of a function's refinement pass. */
const REFINEMENT = worded(
    z.discriminatedUnion("status", [
        z.object({
            status: z.literal("refined"),
            ...REFINEMENT_EXECUTION,
            /** `num` invocations per new size. */
            invocations: z.number(),
            /** The second execution's own cost, as the state machine reported it. */
            stateMachineCostUsd: z.number().optional(),
            lambdaCostUsd: z.number().optional(),
            firstPass: RECOMMENDATION,
        }),
        z.object({ status: z.literal("skipped"), reason: z.string() }),
        z.object({ status: z.literal("failed"), ...REFINEMENT_EXECUTION, error: TUNING_ERROR }),
    ]),
    '{status: "refined", betweenMB, memorySizesMB, invocations, firstPass: {power, cost, duration}}, {status: "skipped", reason} or {status: "failed", betweenMB, memorySizesMB, error}',
);
export type Refinement = z.infer<typeof REFINEMENT>;

/** The build that produced a stored result. */
const STORED_RESULT_ORIGIN = z.object({
    /** The PR's source commit (or the commit tuned outside a PR, when known). */
    commit: z.string().optional(),
    pullRequestId: z.string().optional(),
    /** ISO-8601: when the result was stored. */
    recordedAt: z.string(),
    executionArn: z.string().optional(),
    /**
     * The function the result was measured on, when it is not the one using it: functions with the
     * same code, configuration and tuning input have one fingerprint, so they share one stored result.
     */
    functionName: z.string().optional(),
});
export type StoredResultOrigin = z.infer<typeof STORED_RESULT_ORIGIN>;

/**
 * A function's baseline: the stored result for the fingerprint production runs (recorded by
 * `record` after each deployment of main), or the reason there is none.
 */
const BASELINE = worded(
    z.discriminatedUnion("status", [
        z.object({
            status: z.literal("found"),
            fingerprint: z.string(),
            /** The main commit production was deployed from, and when `record` saw it. */
            productionCommit: z.string().optional(),
            productionRecordedAt: z.string(),
            /** Who tuned production's code. */
            tunedBy: STORED_RESULT_ORIGIN,
            strategy: z.enum(TUNING_STRATEGIES),
            power: z.number(),
            cost: z.number(),
            duration: z.number(),
            stats: z.array(POWER_STAT).readonly(),
        }),
        /** `newFunction`: production has no record of a function by this name, so it is new (or renamed). */
        z.object({ status: z.literal("none"), reason: z.string(), newFunction: z.literal(true).optional() }),
    ]),
    '{status: "found", fingerprint, productionRecordedAt, tunedBy, strategy, power, cost, duration, stats} or {status: "none", reason, newFunction?: true}',
);
export type Baseline = z.infer<typeof BASELINE>;

/** One figure against the baseline. `percent` is undefined when the baseline is 0. */
const FIGURE_DELTA = z.object({ baseline: z.number(), current: z.number(), absolute: z.number(), percent: z.number().optional() });
export type FigureDelta = z.infer<typeof FIGURE_DELTA>;

/** The recommended memory size, and cost and duration at it, against the baseline's. */
const BASELINE_DELTA = worded(
    z.object({
        memoryMB: FIGURE_DELTA,
        /** Including the request charge (cost.ts). */
        costPerMillionUsd: FIGURE_DELTA,
        durationMs: FIGURE_DELTA,
        /** lambda-power-tuning.show link charting the baseline against this result; its legends are read back from it. */
        comparisonUrl: z.string().refine(isComparisonUrl),
    }),
    "{memoryMB, costPerMillionUsd, durationMs: {baseline, current, absolute, percent?} (numbers), comparisonUrl: a comparison link}",
);
export type BaselineDelta = z.infer<typeof BASELINE_DELTA>;

const FIGURES_OF_A_RESULT = ["power", "cost", "duration"] as const;

/** One function's entry in the results file and in the comment. */
export const TUNING_RESULT = worded(
    z
        .object({
            name: A_STRING,
            arn: A_STRING,
            executionArn: A_STRING.optional(),
            status: worded(z.enum(TUNING_STATUSES), TUNING_STATUSES.join(", ")),
            strategy: worded(z.enum(TUNING_STRATEGIES), TUNING_STRATEGIES.join(", ")),
            /** Recommended memory (MB), cost (USD per invocation) and duration (ms); succeeded only. */
            power: A_NUMBER.optional(),
            cost: A_NUMBER.optional(),
            duration: A_NUMBER.optional(),
            stats: worded(z.array(POWER_STAT).readonly(), "a list of {memoryMB, averageDurationMs, averageCostUsd} (numbers)"),
            /**
             * `"visualization"` when the output had no `stats` (`includeOutputResults` not set) and
             * they were decoded from the visualization link, at its float32 precision.
             */
            statsSource: worded(z.literal("visualization"), '"visualization" (stats decoded from the link)').optional(),
            visualization: A_STRING.optional(),
            /** What the tuning run itself cost: Step Functions transitions and the Lambda invocations it made. */
            stateMachineCostUsd: A_NUMBER.optional(),
            lambdaCostUsd: A_NUMBER.optional(),
            error: worded(TUNING_ERROR, "{error, cause} (strings)").optional(),
            /** ISO-8601 timestamps. */
            startedAt: A_STRING.optional(),
            stoppedAt: A_STRING.optional(),
            /** With a tuning history: what the result is stored under (fingerprint.ts). */
            fingerprint: A_STRING.optional(),
            /** Set when the result was taken from the tuning history instead of running the tuning again. */
            reused: worded(
                STORED_RESULT_ORIGIN,
                "{recordedAt, commit?, pullRequestId?, executionArn?, functionName?} (strings)",
            ).optional(),
            /** With a tuning history: production's result to compare with, or why there is none. */
            baseline: BASELINE.optional(),
            /** This result against `baseline` (a found baseline and a succeeded result only). */
            delta: BASELINE_DELTA.optional(),
            /** The memory size the tuned copy was deployed with (MB), read before tuning; the quality gate compares it with `power`. */
            configuredMemoryMB: A_NUMBER.optional(),
            /**
             * With `refine` in the input: the second pass around the first pass's pick. When it ran,
             * `stats` hold both passes, `power`/`cost`/`duration` are decided over them, and the run's
             * costs are the sum of both executions.
             */
            refinement: REFINEMENT.optional(),
            /**
             * Set when the function was not the same when read again after its tuning: the facts that
             * differed (fingerprint.ts changedWhileMeasured), or why it could not be read again. Its
             * figures are then neither stored in the tuning history nor judged by the quality gate.
             */
            changedWhileMeasured: worded(z.array(z.string()).min(1).readonly(), "a non-empty list of strings").optional(),
            /** Production's traffic the monthly figures are computed at (monthlyCost.ts), or why there is none. */
            productionTraffic: PRODUCTION_TRAFFIC.optional(),
        })
        .superRefine((result, context) => {
            if (result.status !== "succeeded") return;
            for (const figure of FIGURES_OF_A_RESULT) {
                if (result[figure] === undefined)
                    context.addIssue({
                        code: "custom",
                        path: [figure],
                        message: "missing",
                        params: { allowed: "a number (the entry succeeded)" },
                    });
            }
        }),
    "an object with name, arn, status, strategy and stats",
);
export type TuningResult = z.infer<typeof TUNING_RESULT>;

/** Where comments go. All four values are required to post. */
const PULL_REQUEST = z.object({
    repositoryName: z.string(),
    pullRequestId: z.string(),
    /** The PR's source branch tip: CodeCommit's `afterCommitId`. */
    sourceCommit: z.string(),
    /** The destination branch commit: CodeCommit's `beforeCommitId`. */
    destinationCommit: z.string(),
});
export type PullRequestContext = z.infer<typeof PULL_REQUEST>;

/** How the tuning history served a run (results file and comment). */
const TUNING_HISTORY_STATUS = z.object({
    uri: z.string(),
    /** Read or write failures: the run went on without the tuning history where they occurred. */
    problems: z.array(z.string()).readonly(),
});
export type TuningHistoryStatus = z.infer<typeof TUNING_HISTORY_STATUS>;

const RESULTS_FILE = worded(
    z.object({
        version: worded(z.literal(1), "1 (written by this runner)"),
        generatedAt: worded(z.string(), "an ISO-8601 timestamp"),
        stateMachineArn: worded(z.string(), "a state machine ARN").optional(),
        pullRequest: worded(PULL_REQUEST, "{repositoryName, pullRequestId, sourceCommit, destinationCommit} (strings)").optional(),
        buildUrl: worded(z.string(), "a URL").optional(),
        functions: worded(z.array(TUNING_RESULT).readonly(), "a list of function results"),
        /** Present when `tune` ran with `--history`. */
        history: worded(TUNING_HISTORY_STATUS, "{uri, problems} (a string and a list of strings)").optional(),
    }),
    "a results file written by `tune` (a JSON object with version 1)",
);
export type ResultsFile = z.infer<typeof RESULTS_FILE>;

/** The results file's content; `generatedAt` comes from the shell (the core reads no clock). */
export function buildResultsFile(
    results: readonly TuningResult[],
    meta: {
        generatedAt: string;
        stateMachineArn?: string;
        pullRequest?: PullRequestContext;
        buildUrl?: string;
        history?: TuningHistoryStatus;
    },
): ResultsFile {
    return withoutUndefined({ version: 1 as const, ...meta, functions: results });
}

/**
 * Exit code of `tune`: 1 when any tuning failed, timed out or was aborted, or nothing was tuned
 * at all. A dry run (`dryRun: true` in the input) is a deliberate check of the setup that
 * measures nothing; it succeeded, so it counts as 0 — the comment says nothing was measured.
 */
export function exitCodeFor(results: readonly TuningResult[]): 0 | 1 {
    const failed = results.some((result) => result.status === "failed" || result.status === "timed-out" || result.status === "aborted");
    return results.length === 0 || failed ? 1 : 0;
}

/** A results file read back for `report`, its shape checked so rendering never meets a surprise. */
export function parseResultsFile(text: string, fileName: string): ResultsFile {
    const file = parseJsonFile(text, fileName);
    if (isRecord(file) && file.version === undefined && analysisFromOutput(file) !== undefined) {
        throw new InputError(
            `${fileName} is a state machine output, not a results file written by \`tune\`; render it with \`report --output ${fileName}\``,
        );
    }
    return parseWith(RESULTS_FILE, file, fileName);
}

/** Whether a parsed file is a results file written by `tune` (version 1 and a function list), whatever else it holds. */
export function looksLikeResultsFile(value: unknown): boolean {
    return isRecord(value) && value.version === 1 && Array.isArray(value.functions);
}

function isComparisonUrl(url: string): boolean {
    try {
        decodeComparisonUrl(url);
        return true;
    } catch {
        return false;
    }
}
