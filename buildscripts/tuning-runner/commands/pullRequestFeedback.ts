// `pull-request-feedback`: the trusted feedback build's one command. It reads the deploy build's
// plan and outputs (as data) from where that build handed them on, then runs the plan comment and,
// for a deployed copy, the tuning, as feedbackCommandLines decides from the workflow's values.
import type { AwsClients } from "../aws/ports";
import { EXIT_OK } from "../core/errors";
import { feedbackCommandLines, HANDED_ON_FILES, type FeedbackFiles, type FeedbackStep } from "../core/pullRequestSteps";
import type { Runtime } from "./runtime";

export interface PullRequestFeedbackRequest extends FeedbackFiles {
    readonly step: FeedbackStep;
}

/** How the feedback runs the runner's other commands: `check` parses a command line (throws a usage error), `run` runs it. */
export interface CommandLines {
    readonly check: (argv: readonly string[]) => void;
    readonly run: (argv: readonly string[]) => Promise<number>;
}

export async function runPullRequestFeedback(
    request: PullRequestFeedbackRequest,
    clients: Pick<AwsClients, "deployFiles">,
    runtime: Runtime,
    commandLines: CommandLines,
): Promise<number> {
    // Every value the commands take from the environment is checked before the first AWS call.
    for (const argv of feedbackCommandLines(request.step, request, new Set(HANDED_ON_FILES))) commandLines.check(argv);
    const handedOn = new Set<string>();
    if (request.step.handedOn !== undefined) {
        const { bucket, prefix } = request.step.handedOn;
        for (const file of HANDED_ON_FILES) {
            const text = await clients.deployFiles.read(bucket, `${prefix}${file}`);
            // A deploy that failed early handed on less, or nothing.
            if (text === undefined) continue;
            runtime.writeFile(`${request.deployFilesDirectory}/${file}`, text);
            handedOn.add(file);
        }
    }
    runtime.log(`the deploy build handed on: ${[...handedOn].join(", ") || "nothing"}`);
    for (const argv of feedbackCommandLines(request.step, request, handedOn)) {
        const code = await commandLines.run(argv);
        if (code !== EXIT_OK) return code;
    }
    return EXIT_OK;
}
