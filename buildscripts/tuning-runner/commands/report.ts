// `report`: the tuning Markdown rendered offline from what a run left behind — a results file,
// a raw state machine output or a lambda-power-tuning.show link. No AWS, no credentials, and no
// size limit: stdout is not a comment.
import type { ReportSource } from "../cli";
import { InputError, parseJsonFile } from "../core/input";
import { readNamedFile } from "../io";
import { renderReport } from "../markdown/tuningReport";
import { looksLikeResultsFile, parseResultsFile, resultFromStateMachineOutput, resultFromVisualizationUrl } from "../core/results";

export function reportMarkdown(source: ReportSource): string {
    switch (source.kind) {
        case "results": {
            const file = parseResultsFile(readNamedFile(source.file, "--results"), source.file);
            return renderReport(file.functions, { buildUrl: file.buildUrl, history: file.history });
        }
        case "output": {
            const output = parseJsonFile(readNamedFile(source.file, "--output"), source.file);
            if (looksLikeResultsFile(output)) {
                throw new InputError(`${source.file} is a results file written by \`tune\`, not a state machine output; render it with \`report --results ${source.file}\``);
            }
            return renderReport([resultFromStateMachineOutput(output)], {});
        }
        case "url":
            return renderReport([resultFromVisualizationUrl(source.url)], {});
    }
}
