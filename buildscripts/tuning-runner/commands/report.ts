// `report`: the tuning Markdown rendered offline from what a run left behind — a results file,
// a raw state machine output or a lambda-power-tuning.show link — and, with --chart, its SVG
// chart. No AWS, no credentials, and no size limit: stdout is not a comment.
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

function reportOf(request: ReportRequest): { results: readonly TuningResult[]; markdown: string } {
    switch (request.kind) {
        case "results": {
            const file = parseResultsFile(request.file.text, request.file.name);
            return { results: file.functions, markdown: renderReport(file.functions, { buildUrl: file.buildUrl, history: file.history }) };
        }
        case "output": {
            const { name, text } = request.file;
            const output = parseJsonFile(text, name);
            if (looksLikeResultsFile(output)) {
                throw new InputError(`${name} is a results file written by \`tune\`, not a state machine output; render it with \`report --results ${name}\``);
            }
            const result = inFile(name, () => resultFromStateMachineOutput(output));
            return { results: [result], markdown: renderReport([result], {}) };
        }
        case "url": {
            const result = resultFromVisualizationUrl(request.url, request.name, request.strategy);
            return { results: [result], markdown: renderReport([result], {}) };
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
