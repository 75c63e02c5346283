// `record`: after a deployment of main, the fingerprint each production function runs, stored
// in the tuning history as the baseline pull requests are compared with.
import type { AwsClients } from "../aws/ports";
import { describeError, EXIT_FAILED, EXIT_OK } from "../core/errors";
import { functionFactsFrom, tuningFingerprint, type FunctionFacts } from "../core/fingerprint";
import { productionRecord, productionRecordKey } from "../core/tuningHistory";
import type { RecordRequest } from "../core/requests";
import { code } from "../core/inlineCode";
import type { Runtime } from "./runtime";
import { Problems, TuningHistoryStore } from "./tuningHistoryStore";

/**
 * Writes production/<name>.json for every function. Exit 0 when every function's record was
 * written, 1 otherwise (after trying all).
 */
export async function runRecord(
    request: RecordRequest,
    clients: Pick<AwsClients, "lambda" | "tuningHistory">,
    runtime: Pick<Runtime, "log" | "now">,
): Promise<number> {
    const { log } = runtime;
    if (request.commit === undefined) {
        log("no commit id (--source-commit, or a commit id in CODEBUILD_RESOLVED_SOURCE_VERSION): production is recorded without one");
    }
    const problems = new Problems(log);
    const store = new TuningHistoryStore(request.history, clients.tuningHistory, problems);
    const recordedAt = new Date(runtime.now()).toISOString();
    const written = await Promise.all(
        request.functions.map(async (fn) => {
            let measured: { fingerprint: string; facts: FunctionFacts };
            try {
                const facts = functionFactsFrom(await clients.lambda.functionConfiguration(fn.arn), fn.arn);
                measured = { fingerprint: tuningFingerprint(facts, request.input), facts };
            } catch (error) {
                problems.add(
                    `${code(fn.name)}: GetFunctionConfiguration failed (${code(describeError(error))}): production's fingerprint not recorded`,
                );
                return false;
            }
            const key = productionRecordKey(request.history, fn.name);
            const ok = await store.write(
                key,
                productionRecord(fn, measured, { commit: request.commit, recordedAt }),
                `${code(fn.name)}: recording production's fingerprint`,
            );
            if (ok) log(`${fn.name}: production runs fingerprint ${measured.fingerprint} (s3://${request.history.bucket}/${key})`);
            return ok;
        }),
    );
    return written.every((ok) => ok) ? EXIT_OK : EXIT_FAILED;
}
