// Production's traffic for the monthly figures: for every succeeded function, production's
// counterpart from the tuning history's record and its last 30 days from CloudWatch. Nothing here
// fails a run: a function without a counterpart, a denied read or no data is said in the comment.
import type { LambdaMetrics, TuningHistoryObjects } from "../aws/ports";
import { NEW_FUNCTION_TRAFFIC, trafficFromMetricData, trafficUnreadable, trafficWindow } from "../core/productionMetrics";
import { TRAFFIC_DAYS, type ProductionTraffic } from "../core/monthlyCost";
import type { TuningResult } from "../core/resultsFile";
import { isCurrentRecord, type TuningHistoryLocation } from "../core/tuningHistory";
import type { Runtime } from "./runtime";
import { Problems, TuningHistoryStore } from "./tuningHistoryStore";

/** `results` with each succeeded one's production traffic. */
export async function withProductionTraffic(
    results: readonly TuningResult[],
    history: TuningHistoryLocation,
    clients: { readonly metrics: LambdaMetrics; readonly tuningHistory: TuningHistoryObjects },
    runtime: Pick<Runtime, "log" | "now">,
): Promise<TuningResult[]> {
    const store = new TuningHistoryStore(history, clients.tuningHistory, new Problems(runtime.log));
    const window = trafficWindow(runtime.now());
    return Promise.all(
        results.map(async (result) => {
            if (result.status !== "succeeded") return result;
            const productionTraffic = await trafficOf(result.name, store, clients.metrics, window);
            runtime.log(`${result.name}: production traffic: ${describeTraffic(productionTraffic)}`);
            return { ...result, productionTraffic };
        }),
    );
}

async function trafficOf(
    name: string,
    store: TuningHistoryStore,
    metrics: LambdaMetrics,
    window: { from: Date; to: Date },
): Promise<ProductionTraffic> {
    const record = await store.productionRecord(name);
    if (record.kind === "missing") return NEW_FUNCTION_TRAFFIC;
    if (record.kind === "unreadable") return { status: "unknown", reason: "production's record could not be read from the tuning history" };
    const productionName = record.value.functionArn.split(":")[6] ?? record.value.functionArn;
    try {
        // A record from an older runner (version 1) has no function facts, so no memory size.
        const memoryMB = isCurrentRecord(record.value) ? record.value.function.memoryMB : undefined;
        return trafficFromMetricData(productionName, memoryMB, await metrics.traffic(productionName, window.from, window.to));
    } catch (error) {
        return trafficUnreadable(productionName, error);
    }
}

function describeTraffic(traffic: ProductionTraffic): string {
    switch (traffic.status) {
        case "measured":
            return `${traffic.invocations} invocations of ${traffic.functionName} in the last ${TRAFFIC_DAYS} days`;
        case "given":
            return `${traffic.invocationsPerMonth} invocations a month, as given`;
        default:
            return traffic.reason;
    }
}
