// Publishing Markdown: the pull request's one living comment when a PR is named, stdout otherwise.
import type { PullRequestComments } from "../aws/ports";
import { commentRequestToken } from "../core/commentToken";
import { describeError } from "../core/errors";
import type { PullRequestContext } from "../core/resultsFile";
import type { BuildContext } from "../core/types";
import { composeLivingComment, isLivingComment, type SectionName } from "../markdown/livingComment";
import type { Runtime } from "./runtime";

export interface Publication {
    readonly markdown: string;
    readonly pullRequest?: PullRequestContext;
    readonly build: BuildContext;
    /** Where the Markdown goes in the pull request's one living comment, and its note in the push log. */
    readonly section: SectionName;
    readonly pushLogNote: string;
    /** The pull request has moved on: record the note only (livingComment.ts). */
    readonly stale?: boolean;
}

/**
 * Prints the Markdown when no PR is named. Otherwise puts it into the PR's living comment:
 * finds the runner's earlier comment and updates it, or posts a new one when there is none or
 * the update fails (the new one carries the old one's sections and push log forward). When
 * posting fails too, the Markdown still goes to stdout (the build log) before the error is rethrown.
 */
export async function publishMarkdown(
    publication: Publication,
    client: PullRequestComments,
    runtime: Pick<Runtime, "log" | "print" | "now">,
): Promise<void> {
    const { markdown, pullRequest, build } = publication;
    const { log, print } = runtime;
    if (pullRequest === undefined) {
        print(markdown.endsWith("\n") ? markdown : `${markdown}\n`);
        return;
    }
    const where = `${pullRequest.repositoryName} pull request ${pullRequest.pullRequestId}`;
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
        at: new Date(runtime.now()).toISOString(),
        note: publication.pushLogNote,
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
        print(`${markdown}\n`);
        throw new Error(`PostCommentForPullRequest failed: ${describeError(error)}`);
    }
}
