// The tuning history (functional core): where it lives in S3, what its two kinds of object hold,
// and what a run makes of them. Layout under `s3://<bucket>/<prefix>/`:
//   results/<fingerprint>.json         one succeeded tuning per fingerprint (StoredResultEntry),
//                                      written by `tune`; read to reuse it and as a baseline
//   production/<function name>.json    the fingerprint production runs (ProductionRecord),
//                                      written by `record` after each deployment of main
// `<function name>` is the name the runner shows (the Terraform output's map key, e.g. `digest`),
// the same for production and for a pull request's copy, whose Lambda names carry a suffix.
import { z } from "zod";
import { TUNING_HISTORY_LAYOUT } from "../../contract";
import { code } from "./inlineCode";
import { FUNCTION_FACTS, tuningFingerprint, type FunctionFacts } from "./fingerprint";
import { parseJsonFile, withoutUndefined } from "./json";
import {
    TUNING_RESULT,
    type Baseline,
    type PullRequestContext,
    type Refinement,
    type StoredResultOrigin,
    type TuningResult,
} from "./resultsFile";
import type { S3Location } from "./s3Location";
import { parseWith, worded } from "./schema";
import type { PowerTuningInput } from "./tuningInput";
import type { TargetFunction } from "./types";

/** `--history s3://bucket/prefix`: where stored results and production records live. */
export type TuningHistoryLocation = S3Location;

export function storedResultKey(location: TuningHistoryLocation, fingerprint: string): string {
    return keyUnder(location, `${TUNING_HISTORY_LAYOUT.storedResults}${fingerprint}.json`);
}

export function productionRecordKey(location: TuningHistoryLocation, functionName: string): string {
    return keyUnder(location, `${TUNING_HISTORY_LAYOUT.productionRecords}${functionName}.json`);
}

/** Where production's records are: `production/` under the prefix. */
export function productionRecordsPrefix(location: TuningHistoryLocation): string {
    return keyUnder(location, TUNING_HISTORY_LAYOUT.productionRecords);
}

/** The function a key under productionRecordsPrefix records, or undefined for any other key. */
export function functionOfProductionRecordKey(location: TuningHistoryLocation, key: string): string | undefined {
    const name = /^([^/]+)\.json$/.exec(key.slice(productionRecordsPrefix(location).length))?.[1];
    return key.startsWith(productionRecordsPrefix(location)) ? name : undefined;
}

function keyUnder(location: TuningHistoryLocation, relative: string): string {
    return location.prefix === "" ? relative : `${location.prefix}/${relative}`;
}

/** Who stored an entry and when; the commit is the one tuned (or deployed, for production). */
const ORIGIN_FIELDS = {
    commit: worded(z.string(), "a string").optional(),
    pullRequestId: worded(z.string(), "a string").optional(),
    recordedAt: worded(z.string(), "an ISO-8601 timestamp"),
};

/** `results/<fingerprint>.json` for `fingerprint`: a succeeded tuning and what it measured. */
function storedResultEntrySchema(fingerprint: string) {
    return worded(
        z
            .object({
                version: worded(z.literal(2), "2 (a stored result written by this runner)"),
                fingerprint: worded(z.literal(fingerprint), `${fingerprint} (the key's own)`),
                /** As in the results file, without what only one run knows (reuse, baseline, deltas). */
                result: TUNING_RESULT.refine((result) => result.status === "succeeded", {
                    path: ["status"],
                    params: { allowed: "succeeded (only results are stored)" },
                }),
                function: FUNCTION_FACTS,
                input: worded(z.record(z.string(), z.unknown()), "the tuning input object"),
                ...ORIGIN_FIELDS,
            })
            .refine((entry) => tuningFingerprint(entry.function, entry.input as PowerTuningInput) === fingerprint, {
                path: ["function"],
                params: {
                    allowed: `the function and input whose fingerprint is ${fingerprint}`,
                    reason: "they hash to another fingerprint",
                },
            }),
        "a stored result written by this runner (a JSON object with version 2)",
    );
}
export type StoredResultEntry = Omit<z.infer<ReturnType<typeof storedResultEntrySchema>>, "fingerprint" | "input"> & {
    readonly fingerprint: string;
    readonly input: PowerTuningInput;
};

const RECORD_FIELDS = {
    fingerprint: worded(z.string().regex(/^[0-9a-f]{64}$/), "64 hexadecimal characters"),
    functionArn: worded(z.string(), "a string"),
    ...ORIGIN_FIELDS,
};

/**
 * `production/<function name>.json`: what production ran after a deployment of main, with the
 * function's facts the fingerprint covers. A version 1 record was written when the fingerprint
 * left environment, memory, timeout and more out: it is read, but names no baseline.
 */
const PRODUCTION_RECORD = worded(
    z.discriminatedUnion("version", [
        z.object({ version: z.literal(1), ...RECORD_FIELDS }),
        z.object({ version: z.literal(2), ...RECORD_FIELDS, function: FUNCTION_FACTS }),
    ]),
    "a production record written by `record` (a JSON object with version 2, or 1 from an older runner)",
);
export type ProductionRecord = z.infer<typeof PRODUCTION_RECORD>;

/** A record of what production runs now: its fingerprint covers the whole configuration. */
export function isCurrentRecord(record: ProductionRecord): record is Extract<ProductionRecord, { version: 2 }> {
    return record.version === 2;
}

/**
 * The entry to store for a tuning, or undefined when there is nothing worth reusing: it did not
 * succeed, or the function changed while it was measured, so the figures may not be the
 * fingerprint's (whoever borrows them would be judged on other code).
 */
export function storedResultEntry(
    result: TuningResult,
    measured: { fingerprint: string; facts: FunctionFacts; input: PowerTuningInput },
    origin: { pullRequest?: PullRequestContext; commit?: string; recordedAt: string },
): StoredResultEntry | undefined {
    // Without its refinement a result is not what this input asks for: the next build refines again.
    if (result.status !== "succeeded" || result.refinement?.status === "failed" || result.changedWhileMeasured !== undefined)
        return undefined;
    const { reused: _reused, baseline: _baseline, delta: _delta, productionTraffic: _traffic, ...tuned } = result;
    return withoutUndefined({
        version: 2 as const,
        fingerprint: measured.fingerprint,
        result: { ...tuned, fingerprint: measured.fingerprint },
        function: measured.facts,
        input: measured.input,
        commit: origin.pullRequest?.sourceCommit ?? origin.commit,
        pullRequestId: origin.pullRequest?.pullRequestId,
        recordedAt: origin.recordedAt,
    });
}

export function productionRecord(
    fn: TargetFunction,
    measured: { fingerprint: string; facts: FunctionFacts },
    origin: { commit?: string; recordedAt: string },
): ProductionRecord {
    return withoutUndefined({
        version: 2 as const,
        fingerprint: measured.fingerprint,
        function: measured.facts,
        commit: origin.commit,
        recordedAt: origin.recordedAt,
        functionArn: fn.arn,
    });
}

/** A stored entry read back; `key` names it in errors. It must be the entry for `fingerprint`, and succeeded. */
export function parseStoredResultEntry(text: string, key: string, fingerprint: string): StoredResultEntry {
    return parseWith(storedResultEntrySchema(fingerprint), parseJsonFile(text, key), key) as StoredResultEntry;
}

export function parseProductionRecord(text: string, key: string): ProductionRecord {
    return parseWith(PRODUCTION_RECORD, parseJsonFile(text, key), key);
}

/**
 * The stored result as this run's result for `fn`: under this run's name and ARN, marked reused
 * (and naming the function it was measured on, when that is another one), without what belonged
 * to the run that measured it (its executions' times and costs, the refinement's included).
 */
export function reusedResult(fn: TargetFunction, entry: StoredResultEntry): TuningResult {
    const {
        executionArn,
        startedAt: _startedAt,
        stoppedAt: _stoppedAt,
        stateMachineCostUsd: _stateMachine,
        lambdaCostUsd: _lambda,
        refinement,
        ...measured
    } = entry.result;
    const origin = originOf(entry, executionArn);
    return withoutUndefined({
        ...measured,
        name: fn.name,
        arn: fn.arn,
        fingerprint: entry.fingerprint,
        reused: measured.name === fn.name ? origin : { ...origin, functionName: measured.name },
        refinement: refinement?.status === "refined" ? withoutRunCosts(refinement) : refinement,
    });
}

/** A refinement without what only its own run knows: the execution and what it cost. */
function withoutRunCosts(refinement: Extract<Refinement, { status: "refined" }>): Refinement {
    const { executionArn: _executionArn, stateMachineCostUsd: _stateMachine, lambdaCostUsd: _lambda, ...measured } = refinement;
    return measured;
}

/**
 * Per function, the stored result this run reuses instead of tuning it, or undefined to tune:
 * every function with a stored result for its fingerprint, none with `--force`.
 */
export function reusedResults(
    functions: readonly TargetFunction[],
    stored: ReadonlyArray<StoredResultEntry | undefined>,
    force: boolean,
): Array<TuningResult | undefined> {
    return functions.map((fn, index) => {
        const entry = stored[index];
        return force || entry === undefined ? undefined : reusedResult(fn, entry);
    });
}

function originOf(entry: StoredResultEntry, executionArn?: string): StoredResultOrigin {
    return withoutUndefined({ commit: entry.commit, pullRequestId: entry.pullRequestId, recordedAt: entry.recordedAt, executionArn });
}

/**
 * The baseline from what the history holds for a function: production's record and, when it
 * has one, the stored result for production's fingerprint.
 */
export function baselineFrom(functionName: string, record: ProductionRecord | undefined, entry: StoredResultEntry | undefined): Baseline {
    if (record === undefined) {
        return {
            status: "none",
            reason: `production has no recorded fingerprint for ${code(functionName)} (a new function, or \`record\` has not run after a deployment of main)`,
            newFunction: true,
        };
    }
    if (!isCurrentRecord(record)) {
        return {
            status: "none",
            reason: "production's record was written by an older runner, whose fingerprint left the environment, memory, timeout and network out; the next deployment of main records it again",
        };
    }
    if (entry === undefined) {
        const where = record.commit === undefined ? "" : ` at main@${record.commit.slice(0, 7)}`;
        return {
            status: "none",
            reason: `production's code and input${where} (fingerprint ${record.fingerprint.slice(0, 12)}) were never tuned, so there is nothing to compare with`,
        };
    }
    // parseStoredResultEntry admits succeeded results only, and those carry all three figures.
    const { strategy, power, cost, duration, stats } = entry.result;
    return withoutUndefined({
        status: "found" as const,
        fingerprint: record.fingerprint,
        productionCommit: record.commit,
        productionRecordedAt: record.recordedAt,
        tunedBy: originOf(entry, entry.result.executionArn),
        strategy,
        power: power!,
        cost: cost!,
        duration: duration!,
        stats,
    });
}
