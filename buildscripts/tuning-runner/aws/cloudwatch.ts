// CloudWatch: production's traffic of a function, for its monthly cost.
import { CloudWatchClient, paginateGetMetricData } from "@aws-sdk/client-cloudwatch";
import { trafficQueries, type MetricDataAnswer } from "../core/productionMetrics";
import type { LambdaMetrics } from "./ports";
import { answeredByAws, RETRIES } from "./sdk";

export function lambdaMetricsClient(): LambdaMetrics {
    const client = answeredByAws(new CloudWatchClient(RETRIES), "json");
    return {
        async traffic(functionName, from, to) {
            const answers: MetricDataAnswer[] = [];
            for await (const page of paginateGetMetricData(
                { client },
                { MetricDataQueries: trafficQueries(functionName), StartTime: from, EndTime: to },
            )) {
                answers.push(...(page.MetricDataResults ?? []));
            }
            return answers;
        },
    };
}
