// `report`: the tuning Markdown rendered offline from what a run left behind — a results file,
// a raw state machine output or a lambda-power-tuning.show link. No AWS, no credentials, and no
// size limit: stdout is not a comment. `--invocations-per-month` gives the monthly figures at a
// traffic figure instead of production's.
import { InputError } from "../core/errors";
import { parseJsonFile } from "../core/json";
import { resultFromStateMachineOutput, resultFromVisualizationUrl } from "../core/results";
import { looksLikeResultsFile, parseResultsFile, type TuningResult } from "../core/resultsFile";
import type { ReportRequest } from "../core/requests";
import { renderReport } from "../markdown/tuningReport";
import type { Runtime } from "./runtime";

export function runReport(request: ReportRequest, runtime: Pick<Runtime, "print">): void {
    runtime.print(`${reportMarkdown(request).trimEnd()}\n`);
}

/** `--invocations-per-month`: that traffic for every succeeded result, in place of production's. */
function atTraffic(results: readonly TuningResult[], invocationsPerMonth: number | undefined): TuningResult[] {
    if (invocationsPerMonth === undefined) return [...results];
    return results.map((result) => (result.status === "succeeded" ? { ...result, productionTraffic: { status: "given" as const, invocationsPerMonth } } : result));
}

function reportMarkdown(request: ReportRequest): string {
    const traffic = (results: readonly TuningResult[]) => atTraffic(results, request.invocationsPerMonth);
    switch (request.kind) {
        case "results": {
            const file = parseResultsFile(request.file.text, request.file.name);
            return renderReport(traffic(file.functions), { buildUrl: file.buildUrl, history: file.history });
        }
        case "output": {
            const { name, text } = request.file;
            const output = parseJsonFile(text, name);
            if (looksLikeResultsFile(output)) {
                throw new InputError(`${name} is a results file written by \`tune\`, not a state machine output; render it with \`report --results ${name}\``);
            }
            return renderReport(traffic([resultFromStateMachineOutput(output)]), {});
        }
        case "url":
            return renderReport(traffic([resultFromVisualizationUrl(request.url)]), {});
    }
}
