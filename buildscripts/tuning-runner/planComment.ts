// `plan-comment`: a Terraform JSON plan summarised on the pull request (or printed).
import { pullRequestCommentsClient } from "./aws";
import type { PlanCommentArguments } from "./cli";
import { publishMarkdown } from "./comment";
import { parseJsonFile } from "./input";
import { buildLog, readNamedFile } from "./io";
import { summarizeTerraformPlan } from "./plan";
import { renderPlanComment } from "./render";

export async function runPlanComment(args: PlanCommentArguments): Promise<void> {
    const plan = parseJsonFile(readNamedFile(args.planFile, "--plan"), args.planFile);
    const markdown = renderPlanComment(summarizeTerraformPlan(plan), { buildUrl: args.build.buildUrl });
    await publishMarkdown({ markdown, pullRequest: args.pullRequest, build: args.build }, pullRequestCommentsClient, buildLog);
}
