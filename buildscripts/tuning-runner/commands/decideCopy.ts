// `decide-copy`: the first, trusted step of a pull request's workflow. From the repository alone
// (the differences between the destination and the source commit) it decides whether the pull
// request can change a function. When it cannot, nothing is deployed: the comment says so and
// shows what production runs, and the quality gate, with a policy at the destination, approves.
import type { AwsClients } from "../aws/ports";
import { TUNING_FILES } from "../../contract";
import type { RepositoryFiles } from "../aws/ports";
import { changedPaths, decideCopy, foldersToCheck, type CopyDecision } from "../core/copyDecision";
import type { PullRequestContext } from "../core/resultsFile";
import { repositoryReadError } from "../core/settings";
import { parsePolicy } from "../core/policy";
import type { DecideCopyRequest } from "../core/requests";
import { s3Uri } from "../core/s3Location";
import { NO_COPY_PLAN_PUSH_NOTE, renderNoCopyPlan } from "../markdown/planSection";
import { renderNoCopyComment, NO_COPY_PUSH_NOTE } from "../markdown/tuningReport";
import { publishMarkdown } from "./publish";
import { applyQualityGate } from "./qualityGate";
import type { Runtime } from "./runtime";
import { readRepositoryText } from "./tuneSettings";
import { Problems, TuningHistoryStore } from "./tuningHistoryStore";

export interface DecideCopyOutcome {
    readonly decision: CopyDecision;
    /** 1 when a pull request that needs no copy could not be commented on or approved. */
    readonly exitCode: 0 | 1;
}

type DecideCopyClients = Pick<
    AwsClients,
    "repositoryDifferences" | "repositoryFiles" | "tuningHistory" | "pullRequestComments" | "pullRequestApprovals"
>;

export async function runDecideCopy(request: DecideCopyRequest, clients: DecideCopyClients, runtime: Runtime): Promise<DecideCopyOutcome> {
    const { pullRequest, build } = request;
    const { log } = runtime;
    const changes = await clients.repositoryDifferences.differences(
        pullRequest.repositoryName,
        pullRequest.destinationCommit,
        pullRequest.sourceCommit,
    );
    const folders = foldersToCheck(changedPaths(changes), request.nonFunctionPaths);
    const filesAtSource = new Map(
        await Promise.all(folders.map(async (folder) => [folder, await filesIn(clients.repositoryFiles, pullRequest, folder)] as const)),
    );
    const decision = decideCopy(changes, request.nonFunctionPaths, { gateInputs: [request.policyFile, TUNING_FILES.input], filesAtSource });
    if (decision.copyNeeded) {
        const shown = decision.functionPaths.slice(0, 5).join(", ");
        log(
            `copy needed: ${decision.functionPaths.length} of ${decision.changedPaths.length} changed paths can change a function (${shown}${decision.functionPaths.length > 5 ? ", …" : ""})`,
        );
        return { decision, exitCode: 0 };
    }
    log(`no copy needed: none of the ${decision.changedPaths.length} changed paths can change a function`);

    const policy = await readRepositoryText(clients.repositoryFiles, pullRequest.repositoryName, {
        operation: "GetFile",
        side: "destination",
        commit: pullRequest.destinationCommit,
        path: request.policyFile,
        flag: "--policy",
    });
    const problems = new Problems(log);
    const production =
        request.history === undefined
            ? undefined
            : await new TuningHistoryStore(request.history, clients.tuningHistory, problems).productionResults();
    // No function changed, so none can break a rule: the gate passes whenever there is a policy to pass.
    const verdict = await applyQualityGate(
        [],
        {
            policyFile: request.policyFile,
            policy: policy === undefined ? undefined : parsePolicy(policy.text, policy.name),
            policyCommit: pullRequest.destinationCommit,
            terraformFiles: [],
        },
        pullRequest,
        clients.pullRequestApprovals,
        log,
    );
    const history = request.history === undefined ? undefined : { uri: s3Uri(request.history), problems: problems.list };
    const target = { pullRequest, build, stale: verdict.stale };
    await publishMarkdown(
        { ...target, section: "plan", markdown: renderNoCopyPlan(pullRequest.sourceCommit), pushLogNote: NO_COPY_PLAN_PUSH_NOTE },
        clients.pullRequestComments,
        runtime,
    );
    await publishMarkdown(
        {
            ...target,
            section: "tuning",
            markdown: renderNoCopyComment(decision, {
                sourceCommit: pullRequest.sourceCommit,
                gate: verdict.markdown,
                production,
                history,
            }),
            pushLogNote: `${NO_COPY_PUSH_NOTE}; ${verdict.pushLogNote}`,
        },
        clients.pullRequestComments,
        runtime,
    );
    return { decision, exitCode: verdict.exitCode };
}

/** The paths of the files directly in `folder` at the source commit; none when the pull request removed the folder. */
async function filesIn(files: RepositoryFiles, pullRequest: PullRequestContext, folder: string): Promise<string[]> {
    try {
        return (await files.filesIn(pullRequest.repositoryName, pullRequest.sourceCommit, folder)).map((file) => file.absolutePath);
    } catch (error) {
        if ((error as Error).name === "FolderDoesNotExistException") return [];
        throw repositoryReadError(
            error,
            { operation: "GetFolder", side: "source", commit: pullRequest.sourceCommit, path: folder, flag: "--non-function-path" },
            pullRequest.repositoryName,
        );
    }
}
