// `report`: the tuning Markdown rendered offline from what a run left behind — a results file,
// a raw state machine output or a lambda-power-tuning.show link. No AWS, no credentials, and no
// size limit: stdout is not a comment.
import { InputError } from "../core/errors";
import { parseJsonFile } from "../core/json";
import { resultFromStateMachineOutput, resultFromVisualizationUrl } from "../core/results";
import { looksLikeResultsFile, parseResultsFile } from "../core/resultsFile";
import type { ReportRequest } from "../core/requests";
import { renderReport } from "../markdown/tuningReport";
import type { Runtime } from "./runtime";

export function runReport(request: ReportRequest, runtime: Pick<Runtime, "print">): void {
    runtime.print(`${reportMarkdown(request).trimEnd()}\n`);
}

function reportMarkdown(request: ReportRequest): string {
    switch (request.kind) {
        case "results": {
            const file = parseResultsFile(request.file.text, request.file.name);
            return renderReport(file.functions, { buildUrl: file.buildUrl, history: file.history });
        }
        case "output": {
            const { name, text } = request.file;
            const output = parseJsonFile(text, name);
            if (looksLikeResultsFile(output)) {
                throw new InputError(`${name} is a results file written by \`tune\`, not a state machine output; render it with \`report --results ${name}\``);
            }
            return renderReport([resultFromStateMachineOutput(output)], {});
        }
        case "url":
            return renderReport([resultFromVisualizationUrl(request.url)], {});
    }
}
