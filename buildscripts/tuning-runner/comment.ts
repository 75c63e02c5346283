// Publishing Markdown: a pull-request comment when a PR is named, stdout otherwise.
import { createHash } from "crypto";
import type { PullRequestComments } from "./aws";
import type { BuildContext } from "./cli";
import type { Log } from "./io";
import type { PullRequestContext } from "./types";

/**
 * CodeCommit's idempotency token for a comment: the same build (or, outside CodeBuild, the
 * same PR and commits) posting the same content gets the same token, so a retried post
 * returns the first comment instead of adding a duplicate; different content gets a new one.
 */
export function commentRequestToken(pullRequest: PullRequestContext, build: BuildContext, content: string): string {
    const scope = [
        build.buildId ?? "",
        pullRequest.repositoryName,
        pullRequest.pullRequestId,
        pullRequest.destinationCommit,
        pullRequest.sourceCommit,
    ];
    return createHash("sha256").update(JSON.stringify([...scope, content])).digest("hex");
}

export interface Publication {
    readonly markdown: string;
    readonly pullRequest?: PullRequestContext;
    readonly build: BuildContext;
}

/**
 * Posts the Markdown on the pull request, or prints it when no PR is named. When posting
 * fails the Markdown still goes to stdout (the build log) before the error is rethrown.
 */
export async function publishMarkdown(
    publication: Publication,
    comments: () => PullRequestComments,
    log: Log,
): Promise<void> {
    const { markdown, pullRequest, build } = publication;
    if (pullRequest === undefined) {
        process.stdout.write(markdown.endsWith("\n") ? markdown : `${markdown}\n`);
        return;
    }
    const where = `${pullRequest.repositoryName} pull request ${pullRequest.pullRequestId}`;
    try {
        const commentId = await comments().postComment(pullRequest, markdown, commentRequestToken(pullRequest, build, markdown));
        log(`commented on ${where} (comment ${commentId})`);
    } catch (error) {
        log(`could not comment on ${where}; the comment follows on stdout`);
        process.stdout.write(`${markdown}\n`);
        throw new Error(`PostCommentForPullRequest failed: ${(error as Error).name}: ${(error as Error).message}`);
    }
}
