// The tuning history in a run: fingerprints from Lambda, stored results and production records
// from S3, reuse before any execution starts, storing after. The history only ever adds: whatever
// cannot be read or written becomes a logged problem, and the run goes on as without it.
import type { LambdaFunctions, TuningHistoryObjects } from "../aws/ports";
import { withBaseline } from "../core/baseline";
import { describeError } from "../core/errors";
import { functionFactsFrom, tuningFingerprint, type FunctionFacts } from "../core/fingerprint";
import type { Baseline, PullRequestContext, TuningHistoryStatus, TuningResult } from "../core/resultsFile";
import { s3Uri } from "../core/s3Location";
import type { PowerTuningInput } from "../core/tuningInput";
import {
    baselineFrom,
    functionOfProductionRecordKey,
    isCurrentRecord,
    parseProductionRecord,
    parseStoredResultEntry,
    productionRecordKey,
    productionRecordsPrefix,
    reusedResult,
    reusedResults,
    storedResultEntry,
    storedResultKey,
    type ProductionRecord,
    type StoredResultEntry,
    type TuningHistoryLocation,
} from "../core/tuningHistory";
import type { TargetFunction } from "../core/types";
import { code } from "../core/inlineCode";
import type { Runtime } from "./runtime";

export interface TuningHistoryClients {
    readonly objects: TuningHistoryObjects;
    readonly functions: LambdaFunctions;
}

/** What a run asks of the tuning history: its functions, their input, where, and whether to tune regardless. */
export interface TuningWithHistory {
    readonly functions: readonly TargetFunction[];
    readonly input: PowerTuningInput;
    readonly location: TuningHistoryLocation;
    readonly force: boolean;
    readonly pullRequest?: PullRequestContext;
}

/** What the history knows about one function before it is tuned. */
interface FunctionHistory {
    /** Undefined when the function's configuration could not be read: nothing to reuse or store. */
    readonly measured?: { readonly fingerprint: string; readonly facts: FunctionFacts };
    /** The stored result for `measured.fingerprint`, if any. */
    readonly stored?: StoredResultEntry;
    readonly baseline: Baseline;
}

/** Collects problems for the comment and logs each as it happens. */
export class Problems {
    readonly list: string[] = [];
    constructor(private readonly log: Runtime["log"]) {}

    add(problem: string): void {
        this.list.push(problem);
        this.log(`warning: tuning history: ${problem}`);
    }
}

/**
 * Tunes `request.functions` with the tuning history: functions whose fingerprint has a stored
 * result are not tuned again (unless `request.force`), new successes are stored, and every result
 * gets its baseline. `tune` runs the executions for the functions it is given and returns their
 * results in the same order.
 */
export async function tuneWithHistory(
    request: TuningWithHistory,
    tune: (functions: readonly TargetFunction[]) => Promise<TuningResult[]>,
    clients: TuningHistoryClients,
    runtime: Pick<Runtime, "log" | "now" | "signal">,
): Promise<{ results: TuningResult[]; history: TuningHistoryStatus }> {
    const { log } = runtime;
    const problems = new Problems(log);
    const store = new TuningHistoryStore(request.location, clients.objects, problems);
    const histories = await Promise.all(
        request.functions.map((fn) => readFunctionHistory(fn, request.input, store, clients.functions, problems)),
    );
    const reuse = reusedResults(
        request.functions,
        histories.map((history) => history.stored),
        request.force,
    );
    request.functions.forEach((fn, index) => {
        const stored = histories[index].stored;
        if (stored === undefined) return;
        const outcome =
            reuse[index] === undefined
                ? ", tuning again (--force)"
                : `: ${stored.result.name === fn.name ? "reusing" : "borrowing"} its result, no execution`;
        const same = stored.result.name === fn.name ? "unchanged since" : `same code and input as ${stored.result.name}, tuned at`;
        log(`${fn.name}: ${same} ${describeStored(stored)}${outcome}`);
    });
    const tuned = await tune(request.functions.filter((_, index) => reuse[index] === undefined));
    let next = 0;
    const results = reuse.map((reused) => reused ?? tuned[next++]);
    if (!runtime.signal.aborted) {
        const recordedAt = new Date(runtime.now()).toISOString();
        await Promise.all(
            results.map(async (result, index) => {
                const measured = histories[index].measured;
                if (reuse[index] !== undefined || measured === undefined) return;
                const entry = storedResultEntry(
                    result,
                    { ...measured, input: request.input },
                    { pullRequest: request.pullRequest, recordedAt },
                );
                if (entry !== undefined)
                    await store.write(
                        storedResultKey(request.location, measured.fingerprint),
                        entry,
                        `${code(result.name)}: storing its result`,
                    );
            }),
        );
    }
    const compared = results.map((result, index) => {
        const measured = histories[index].measured;
        const withFingerprint = measured === undefined ? result : { ...result, fingerprint: measured.fingerprint };
        return withBaseline(withFingerprint, histories[index].baseline, request.pullRequest);
    });
    return { results: compared, history: { uri: s3Uri(request.location), problems: problems.list } };
}

async function readFunctionHistory(
    fn: TargetFunction,
    input: PowerTuningInput,
    store: TuningHistoryStore,
    functions: LambdaFunctions,
    problems: Problems,
): Promise<FunctionHistory> {
    const [measured, record] = await Promise.all([measure(fn, input, functions, problems), store.productionRecord(fn.name)]);
    const stored: Lookup<StoredResultEntry> =
        measured === undefined ? { kind: "missing" } : await store.storedResult(measured.fingerprint, fn.name);
    const baseline = await baselineOf(fn, record, measured, stored, store);
    // An unreadable entry is tuned again, and the new result replaces it.
    return { measured, stored: stored.kind === "found" ? stored.value : undefined, baseline };
}

async function measure(
    fn: TargetFunction,
    input: PowerTuningInput,
    functions: LambdaFunctions,
    problems: Problems,
): Promise<FunctionHistory["measured"]> {
    try {
        const facts = functionFactsFrom(await functions.functionConfiguration(fn.arn), fn.arn);
        return { fingerprint: tuningFingerprint(facts, input), facts };
    } catch (error) {
        problems.add(
            `${code(fn.name)}: GetFunctionConfiguration failed (${code(describeError(error))}): no fingerprint, so its result is neither reused nor stored`,
        );
        return undefined;
    }
}

async function baselineOf(
    fn: TargetFunction,
    record: Lookup<ProductionRecord>,
    measured: FunctionHistory["measured"],
    stored: Lookup<StoredResultEntry>,
    store: TuningHistoryStore,
): Promise<Baseline> {
    if (record.kind === "unreadable") return { status: "none", reason: "production's record could not be read from the tuning history" };
    if (record.kind === "missing") return baselineFrom(fn.name, undefined, undefined);
    if (!isCurrentRecord(record.value)) return baselineFrom(fn.name, record.value, undefined);
    // Production runs what this PR runs: the entry just read is the baseline, no second request.
    const entry = record.value.fingerprint === measured?.fingerprint ? stored : await store.storedResult(record.value.fingerprint, fn.name);
    if (entry.kind === "unreadable")
        return { status: "none", reason: "production's stored result could not be read from the tuning history" };
    return baselineFrom(fn.name, record.value, entry.kind === "found" ? entry.value : undefined);
}

/** A history object: read and valid, absent, or there but unusable (a problem has been reported). */
type Lookup<T> = { readonly kind: "found"; readonly value: T } | { readonly kind: "missing" } | { readonly kind: "unreadable" };

/**
 * Reads and writes history objects. A missing object is an answer (undefined); an unreadable or
 * malformed one is a problem, and reads as missing so the run goes on.
 */
export class TuningHistoryStore {
    constructor(
        private readonly location: TuningHistoryLocation,
        private readonly objects: TuningHistoryObjects,
        private readonly problems: Problems,
    ) {}

    storedResult(fingerprint: string, functionName: string): Promise<Lookup<StoredResultEntry>> {
        const key = storedResultKey(this.location, fingerprint);
        return this.lookUp(key, functionName, (text) => parseStoredResultEntry(text, key, fingerprint));
    }

    productionRecord(functionName: string): Promise<Lookup<ProductionRecord>> {
        const key = productionRecordKey(this.location, functionName);
        return this.lookUp(key, functionName, (text) => parseProductionRecord(text, key));
    }

    /**
     * What production runs, per function `record` recorded, as its stored result (marked reused
     * from the run that measured it); functions whose code was never tuned are named apart.
     */
    async productionResults(): Promise<{ results: TuningResult[]; untuned: string[] }> {
        let keys: string[];
        try {
            keys = await this.objects.keys(this.location.bucket, productionRecordsPrefix(this.location));
        } catch (error) {
            this.problems.add(
                `listing production's records under ${code(`s3://${this.location.bucket}/${productionRecordsPrefix(this.location)}`)} failed (${code(describeError(error))})`,
            );
            return { results: [], untuned: [] };
        }
        const names = keys.flatMap((key) => functionOfProductionRecordKey(this.location, key) ?? []).sort();
        const found = await Promise.all(
            names.map(async (name) => {
                const record = await this.productionRecord(name);
                // A record from before the full fingerprint does not say what production runs now.
                if (record.kind !== "found" || !isCurrentRecord(record.value)) return { name };
                const entry = await this.storedResult(record.value.fingerprint, name);
                return {
                    name,
                    result: entry.kind === "found" ? reusedResult({ name, arn: record.value.functionArn }, entry.value) : undefined,
                };
            }),
        );
        return {
            results: found.flatMap((item) => (item.result === undefined ? [] : [item.result])),
            untuned: found.flatMap((item) => (item.result === undefined ? [item.name] : [])),
        };
    }

    /** Writes `value` as JSON under `key`; false (and a problem reported) when that failed. */
    async write(key: string, value: unknown, what: string): Promise<boolean> {
        try {
            await this.objects.write(this.location.bucket, key, `${JSON.stringify(value, null, 2)}\n`);
            return true;
        } catch (error) {
            this.problems.add(`${what} as ${code(`s3://${this.location.bucket}/${key}`)} failed (${code(describeError(error))})`);
            return false;
        }
    }

    private async lookUp<T>(key: string, functionName: string, parse: (text: string) => T): Promise<Lookup<T>> {
        let text: string | undefined;
        try {
            text = await this.objects.read(this.location.bucket, key);
        } catch (error) {
            this.problems.add(
                `${code(functionName)}: reading ${code(`s3://${this.location.bucket}/${key}`)} failed (${code(describeError(error))})`,
            );
            return { kind: "unreadable" };
        }
        if (text === undefined) return { kind: "missing" };
        try {
            return { kind: "found", value: parse(text) };
        } catch (error) {
            this.problems.add(
                `${code(functionName)}: ${code(`s3://${this.location.bucket}/${key}`)} is not a valid history entry, so it is ignored: ${code((error as Error).message)}`,
            );
            return { kind: "unreadable" };
        }
    }
}

function describeStored(entry: StoredResultEntry): string {
    const commit = entry.commit === undefined ? entry.recordedAt : entry.commit.slice(0, 7);
    return entry.pullRequestId === undefined ? commit : `${commit} (PR ${entry.pullRequestId})`;
}
