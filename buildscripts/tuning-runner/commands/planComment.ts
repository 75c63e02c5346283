// `plan-comment`: a Terraform JSON plan summarised in the pull request's comment (or printed), and,
// when the pull request's copy could not be deployed, a tuning section saying so.
import { pullRequestCodeCommit, pullRequestCommentsClient } from "../aws";
import type { PlanCommentArguments } from "../cli";
import { publishMarkdown } from "./publish";
import { parseJsonFile } from "../core/input";
import { buildLog, readNamedFile } from "../io";
import { planHistoryNote, summarizeTerraformPlan } from "../core/planSummary";
import { DEPLOY_FAILED_NOTE, renderDeployFailedComment, renderPlanComment } from "../markdown/tuningReport";

export async function runPlanComment(args: PlanCommentArguments): Promise<void> {
    // Read and validated before anything is posted: a bad plan file posts nothing.
    const summary = args.planFile === undefined ? undefined : summarizeTerraformPlan(parseJsonFile(readNamedFile(args.planFile, "--plan"), args.planFile));
    const comments = () => pullRequestCommentsClient(pullRequestCodeCommit(args.commentRoleArn));
    const target = { pullRequest: args.pullRequest, build: args.build };
    if (summary !== undefined) {
        const markdown = renderPlanComment(summary, { buildUrl: args.build.buildUrl });
        await publishMarkdown({ ...target, markdown, section: "plan", note: planHistoryNote(summary) }, comments, buildLog);
    }
    if (args.deployFailedUrl !== undefined) {
        const markdown = renderDeployFailedComment(args.deployFailedUrl, args.pullRequest?.sourceCommit);
        await publishMarkdown({ ...target, markdown, section: "tuning", note: DEPLOY_FAILED_NOTE }, comments, buildLog);
    }
}
