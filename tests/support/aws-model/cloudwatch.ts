// CloudWatch (JSON 1.0, dates as epoch seconds): AWS/Lambda's Invocations and Duration figures,
// as the production-traffic check reads them.
import { AwsError, type ServiceModel, unknownOperation } from "./shared";

export class CloudWatchModel implements ServiceModel {
    readonly invalidToken = ["UnrecognizedClientException", 400] as const;
    readonly operations = {
        GetMetricData: (input: any) => this.getMetricData(input),
    };
    /** CloudWatch's AWS/Lambda figures per function name over any window GetMetricData asks for. */
    private readonly lambdaMetrics = new Map<string, { invocations: number; averageDurationMs: number }>();

    readonly unimplemented = unknownOperation;

    /** The AWS/Lambda Invocations (sum) and Duration (average) CloudWatch reports for `functionName`; without it, no data. */
    setLambdaMetrics(functionName: string, figures: { invocations: number; averageDurationMs: number }): void {
        this.lambdaMetrics.set(functionName, figures);
    }

    /**
     * GetMetricData for AWS/Lambda's Invocations and Duration by FunctionName: one value per query
     * for a window of one period, none for a function without figures. Refuses what CloudWatch
     * refuses: a period that is not a multiple of 60 s, a window that ends before it starts.
     */
    private getMetricData(input: { MetricDataQueries?: any[]; StartTime?: number; EndTime?: number }): object {
        const { MetricDataQueries: queries = [], StartTime: start, EndTime: end } = input;
        if (typeof start !== "number" || typeof end !== "number" || !(end > start)) {
            throw new AwsError("ValidationError", "The parameter StartTime must be less than the parameter EndTime.", 400);
        }
        const results = queries.map((query) => {
            const { Metric, Period, Stat } = query.MetricStat ?? {};
            if (!(Period > 0) || Period % 60 !== 0)
                throw new AwsError("ValidationError", `The parameter Period must be a multiple of 60, got ${Period}.`, 400);
            const name = (Metric?.Dimensions ?? []).find((dimension: any) => dimension.Name === "FunctionName")?.Value;
            const figures = Metric?.Namespace === "AWS/Lambda" ? this.lambdaMetrics.get(name) : undefined;
            const value =
                figures === undefined
                    ? undefined
                    : Metric.MetricName === "Invocations" && Stat === "Sum"
                      ? figures.invocations
                      : Metric.MetricName === "Duration" && Stat === "Average"
                        ? figures.averageDurationMs
                        : undefined;
            return {
                Id: query.Id,
                Label: Metric?.MetricName,
                Timestamps: value === undefined ? [] : [start],
                Values: value === undefined ? [] : [value],
                StatusCode: "Complete",
            };
        });
        return { MetricDataResults: results, Messages: [] };
    }
}
