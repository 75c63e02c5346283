// `report`: the tuning Markdown rendered offline from what a run left behind — a results file,
// a raw state machine output or a lambda-power-tuning.show link — and, with --chart, its SVG
// chart. No AWS, no credentials, and no size limit: stdout is not a comment.
// `--invocations-per-month` gives the monthly figures at a traffic figure instead of production's.
import { renderChart } from "../core/chart";
import { InputError } from "../core/errors";
import { parseJsonFile } from "../core/json";
import { resultFromStateMachineOutput, resultFromVisualizationUrl } from "../core/results";
import { looksLikeResultsFile, parseResultsFile, type TuningResult } from "../core/resultsFile";
import type { ReportRequest } from "../core/requests";
import { renderReport } from "../markdown/tuningReport";
import type { Runtime } from "./runtime";

export function runReport(request: ReportRequest, runtime: Pick<Runtime, "print" | "writeFile">, chartFile?: string): void {
    const { results, markdown } = reportOf(request);
    // The chart first: a source with nothing to chart stops before anything is printed.
    if (chartFile !== undefined) runtime.writeFile(chartFile, renderChart(results));
    runtime.print(`${markdown.trimEnd()}\n`);
}

/** `--invocations-per-month`: that traffic for every succeeded result, in place of production's. */
function atTraffic(results: readonly TuningResult[], invocationsPerMonth: number | undefined): TuningResult[] {
    if (invocationsPerMonth === undefined) return [...results];
    return results.map((result) =>
        result.status === "succeeded" ? { ...result, productionTraffic: { status: "given" as const, invocationsPerMonth } } : result,
    );
}

function reportOf(request: ReportRequest): { results: readonly TuningResult[]; markdown: string } {
    const traffic = (results: readonly TuningResult[]) => atTraffic(results, request.invocationsPerMonth);
    switch (request.kind) {
        case "results": {
            const file = parseResultsFile(request.file.text, request.file.name);
            const functions = traffic(file.functions);
            return { results: functions, markdown: renderReport(functions, { buildUrl: file.buildUrl, history: file.history }) };
        }
        case "output": {
            const { name, text } = request.file;
            const output = parseJsonFile(text, name);
            if (looksLikeResultsFile(output)) {
                throw new InputError(
                    `${name} is a results file written by \`tune\`, not a state machine output; render it with \`report --results ${name}\``,
                );
            }
            const results = traffic([inFile(name, () => resultFromStateMachineOutput(output))]);
            return { results, markdown: renderReport(results, {}) };
        }
        case "url": {
            const results = traffic([resultFromVisualizationUrl(request.url, request.name, request.strategy)]);
            return { results, markdown: renderReport(results, {}) };
        }
    }
}

/** The file's name before a problem found in its content, so the user knows which file to fix. */
function inFile<T>(name: string, read: () => T): T {
    try {
        return read();
    } catch (error) {
        if (error instanceof InputError) throw new InputError(`${name}: ${error.message}`);
        throw error;
    }
}
