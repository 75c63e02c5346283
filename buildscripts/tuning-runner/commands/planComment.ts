// `plan-comment`: a Terraform JSON plan summarised in the pull request's comment (or printed), and,
// when the pull request's copy could not be deployed, a tuning section saying so.
import type { AwsClients } from "../aws/ports";
import { parseJsonFile } from "../core/json";
import { summarizeTerraformPlan } from "../core/planSummary";
import type { PlanCommentRequest } from "../core/requests";
import { planPushNote, renderPlanComment } from "../markdown/planSection";
import { DEPLOY_FAILED_PUSH_NOTE, renderDeployFailedComment } from "../markdown/tuningReport";
import { publishMarkdown } from "./publish";
import type { Runtime } from "./runtime";

export async function runPlanComment(
    request: PlanCommentRequest,
    clients: Pick<AwsClients, "pullRequestComments">,
    runtime: Runtime,
): Promise<void> {
    // Read and validated before anything is posted: a bad plan file posts nothing.
    const summary = request.plan === undefined ? undefined : summarizeTerraformPlan(parseJsonFile(request.plan.text, request.plan.name));
    const target = { pullRequest: request.pullRequest, build: request.build };
    if (summary !== undefined) {
        const markdown = renderPlanComment(summary, { buildUrl: request.build.buildUrl });
        await publishMarkdown(
            { ...target, markdown, section: "plan", pushLogNote: planPushNote(summary) },
            clients.pullRequestComments,
            runtime,
        );
    }
    if (request.deployFailedUrl !== undefined) {
        const markdown = renderDeployFailedComment(request.deployFailedUrl, request.pullRequest?.sourceCommit);
        await publishMarkdown(
            { ...target, markdown, section: "tuning", pushLogNote: DEPLOY_FAILED_PUSH_NOTE },
            clients.pullRequestComments,
            runtime,
        );
    }
}
