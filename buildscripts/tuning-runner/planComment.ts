// `plan-comment`: a Terraform JSON plan summarised in the pull request's comment (or printed).
import { pullRequestCodeCommit, pullRequestCommentsClient } from "./aws";
import type { PlanCommentArguments } from "./cli";
import { publishMarkdown } from "./comment";
import { parseJsonFile } from "./input";
import { buildLog, readNamedFile } from "./io";
import { planHistoryNote, summarizeTerraformPlan } from "./plan";
import { renderPlanComment } from "./render";

export async function runPlanComment(args: PlanCommentArguments): Promise<void> {
    const summary = summarizeTerraformPlan(parseJsonFile(readNamedFile(args.planFile, "--plan"), args.planFile));
    const markdown = renderPlanComment(summary, { buildUrl: args.build.buildUrl });
    const publication = { markdown, pullRequest: args.pullRequest, build: args.build, section: "plan" as const, note: planHistoryNote(summary) };
    await publishMarkdown(publication, () => pullRequestCommentsClient(pullRequestCodeCommit(args.commentRoleArn)), buildLog);
}
