// Production's traffic in CloudWatch (functional core): the GetMetricData queries for a
// function's last 30 days, and what their answer says. The shell (aws/cloudwatch.ts) only sends them.
import { describeError } from "./errors";
import { NO_PRODUCTION_TRAFFIC, TRAFFIC_DAYS, type ProductionTraffic } from "./monthlyCost";

const DAY_MS = 24 * 60 * 60 * 1000;

/** One period covering the whole window: CloudWatch answers one sum and one average. */
export const TRAFFIC_PERIOD_SECONDS = TRAFFIC_DAYS * 24 * 60 * 60;

/** The last 30 days up to `now`, on whole minutes (CloudWatch's periods are whole minutes). */
export function trafficWindow(now: number): { readonly from: Date; readonly to: Date } {
    const to = Math.floor(now / 60_000) * 60_000;
    return { from: new Date(to - TRAFFIC_DAYS * DAY_MS), to: new Date(to) };
}

/** The queries' ids, as GetMetricData answers them. */
export const TRAFFIC_QUERY_IDS = { invocations: "invocations", duration: "duration" } as const;

/** GetMetricData's MetricDataQueries for `functionName`: the invocations' sum and the average duration. */
export function trafficQueries(functionName: string) {
    const metric = (MetricName: string, Stat: string, Id: string) => ({
        Id,
        MetricStat: {
            Metric: { Namespace: "AWS/Lambda", MetricName, Dimensions: [{ Name: "FunctionName", Value: functionName }] },
            Period: TRAFFIC_PERIOD_SECONDS,
            Stat,
        },
        ReturnData: true,
    });
    return [metric("Invocations", "Sum", TRAFFIC_QUERY_IDS.invocations), metric("Duration", "Average", TRAFFIC_QUERY_IDS.duration)];
}

/** What GetMetricData answered, every page's MetricDataResults. */
export interface MetricDataAnswer {
    readonly Id?: string;
    readonly Values?: readonly number[];
}

/**
 * Production's traffic from GetMetricData's answer. No Invocations value means CloudWatch has
 * nothing for the function in the window: the figures cannot be known, which is not the same as
 * a function nobody calls, so it is "unknown", not zero.
 */
export function trafficFromMetricData(
    functionName: string,
    memoryMB: number | undefined,
    answers: readonly MetricDataAnswer[],
): ProductionTraffic {
    const values = (id: string) => answers.filter((answer) => answer.Id === id).flatMap((answer) => answer.Values ?? []);
    const invocations = values(TRAFFIC_QUERY_IDS.invocations);
    if (invocations.length === 0)
        return { status: "unknown", reason: `CloudWatch has no Invocations data for \`${functionName}\` in the last ${TRAFFIC_DAYS} days` };
    const durations = values(TRAFFIC_QUERY_IDS.duration);
    return {
        status: "measured",
        functionName,
        invocations: invocations.reduce((sum, value) => sum + value, 0),
        ...(durations.length === 0 ? {} : { averageDurationMs: durations.reduce((sum, value) => sum + value, 0) / durations.length }),
        ...(memoryMB === undefined ? {} : { memoryMB }),
    };
}

/** A function without a production record: nothing to read. */
export const NEW_FUNCTION_TRAFFIC: ProductionTraffic = { status: "none", reason: NO_PRODUCTION_TRAFFIC };

/** A read that failed (AccessDenied, throttling that outlasted the retries): said, never a failure. */
export function trafficUnreadable(functionName: string, error: unknown): ProductionTraffic {
    return { status: "unknown", reason: `production's metrics for \`${functionName}\` could not be read (${describeError(error)})` };
}
