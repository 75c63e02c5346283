// Publishing Markdown: the pull request's one living comment when a PR is named, stdout otherwise.
import { createHash } from "crypto";
import type { PullRequestComments } from "../aws";
import type { BuildContext } from "../cli";
import { describeError, type Log } from "../io";
import { composeLivingComment, isLivingComment, type SectionName } from "../markdown/livingComment";
import type { PullRequestContext } from "../core/types";

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
    /** Where the Markdown goes in the pull request's one living comment, and its history note. */
    readonly section: SectionName;
    readonly note: string;
    /** The pull request has moved on: record the note only (livingComment.ts). */
    readonly stale?: boolean;
}

/**
 * Prints the Markdown when no PR is named. Otherwise puts it into the PR's living comment:
 * finds the runner's earlier comment and updates it, or posts a new one when there is none or
 * the update fails (the new one carries the old one's sections and history forward). When
 * posting fails too, the Markdown still goes to stdout (the build log) before the error is rethrown.
 */
export async function publishMarkdown(publication: Publication, comments: () => PullRequestComments, log: Log): Promise<void> {
    const { markdown, pullRequest, build } = publication;
    if (pullRequest === undefined) {
        process.stdout.write(markdown.endsWith("\n") ? markdown : `${markdown}\n`);
        return;
    }
    const where = `${pullRequest.repositoryName} pull request ${pullRequest.pullRequestId}`;
    const client = comments();
    let earlier: { commentId: string; content: string } | undefined;
    try {
        earlier = await client.findComment(pullRequest, isLivingComment);
    } catch (error) {
        log(`could not read the comments of ${where} (${describeError(error)}); posting a new comment`);
    }
    const content = composeLivingComment(earlier?.content, {
        section: publication.section,
        markdown,
        commit: pullRequest.sourceCommit,
        at: new Date().toISOString(),
        note: publication.note,
        stale: publication.stale,
    });
    if (earlier !== undefined) {
        try {
            await client.updateComment(earlier.commentId, content);
            log(`updated comment ${earlier.commentId} on ${where}`);
            return;
        } catch (error) {
            log(`could not update comment ${earlier.commentId} on ${where} (${describeError(error)}); posting a new comment`);
        }
    }
    try {
        const commentId = await client.postComment(pullRequest, content, commentRequestToken(pullRequest, build, content));
        log(`commented on ${where} (comment ${commentId})`);
    } catch (error) {
        log(`could not comment on ${where}; the comment follows on stdout`);
        process.stdout.write(`${markdown}\n`);
        throw new Error(`PostCommentForPullRequest failed: ${describeError(error)}`);
    }
}
