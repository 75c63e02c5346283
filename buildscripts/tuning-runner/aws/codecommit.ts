// CodeCommit: the pull request's comments and approval (as the bot when the run has a comment
// role), and the repository's files and differences (with the build's own credentials).
import {
    CodeCommitClient,
    FileDoesNotExistException,
    GetCommentsForPullRequestCommand,
    GetFileCommand,
    GetFolderCommand,
    GetPullRequestCommand,
    paginateGetDifferences,
    PostCommentForPullRequestCommand,
    UpdateCommentCommand,
    UpdatePullRequestApprovalStateCommand,
} from "@aws-sdk/client-codecommit";
import { assumedRoleSessionArn, PULL_REQUEST_BOT_SESSION_NAME } from "../../contract";
import type { ChangedFile } from "../core/copyDecision";
import type { PullRequestState } from "../core/policy";
import type { PullRequestContext } from "../core/resultsFile";
import type { PullRequestApprovals, PullRequestComments, RepositoryDifferences, RepositoryFiles } from "./ports";
import { answeredByAws, assumedRole, clientConfig, everyPage, RETRIES } from "./sdk";

/**
 * CodeCommit as the pull request's commenter and approver: the role assumed with the SDK's
 * provider, which assumes it on the first call and lets the client renew the credentials before
 * they expire; without a role, the build's credentials.
 */
export function speakingFor(botRoleArn: string | undefined): CodeCommitClient {
    if (botRoleArn === undefined) return answeredByAws(new CodeCommitClient(RETRIES), "json");
    const credentials = assumedRole({ RoleArn: botRoleArn, RoleSessionName: PULL_REQUEST_BOT_SESSION_NAME });
    return answeredByAws(new CodeCommitClient(clientConfig(credentials)), "json");
}

/** Who the comments a run may update were written by: the bot's session, or, without a role, anyone (the caller is not known). */
export function commentAuthor(commentRoleArn: string | undefined): string | undefined {
    return commentRoleArn === undefined ? undefined : assumedRoleSessionArn(commentRoleArn, PULL_REQUEST_BOT_SESSION_NAME);
}

export function pullRequestCommentsClient(client: CodeCommitClient, author: string | undefined): PullRequestComments {
    return {
        async postComment(pullRequest, content, clientRequestToken) {
            const response = await client.send(
                new PostCommentForPullRequestCommand(postCommentInput(pullRequest, content, clientRequestToken)),
            );
            return response.comment?.commentId ?? "";
        },
        findComment: (pullRequest, matches) =>
            newestMatchingComment(
                async (nextToken) => {
                    // The pull request id alone lists the comments of every revision; with a repository
                    // name the API wants both commits and lists one revision's only.
                    const page = await client.send(
                        new GetCommentsForPullRequestCommand({ pullRequestId: pullRequest.pullRequestId, nextToken }),
                    );
                    const comments = (page.commentsForPullRequestData ?? []).flatMap((data) => data.comments ?? []);
                    return {
                        comments: comments.map((comment) => ({ ...comment, created: comment.creationDate?.getTime() })),
                        nextToken: page.nextToken,
                    };
                },
                matches,
                author,
            ),
        async updateComment(commentId, content) {
            await client.send(new UpdateCommentCommand({ commentId, content }));
        },
    };
}

export function pullRequestApprovalsClient(client: CodeCommitClient): PullRequestApprovals {
    return {
        async pullRequestState(pullRequest) {
            const { pullRequest: found } = await client.send(new GetPullRequestCommand({ pullRequestId: pullRequest.pullRequestId }));
            return pullRequestStateOf(found, pullRequest);
        },
        async updateApprovalState(pullRequest, revisionId, approvalState) {
            await client.send(
                new UpdatePullRequestApprovalStateCommand({ pullRequestId: pullRequest.pullRequestId, revisionId, approvalState }),
            );
        },
    };
}

/** Repository files with the build's own credentials (GetFile, GetFolder). */
export function repositoryFilesClient(): RepositoryFiles {
    const client = answeredByAws(new CodeCommitClient(RETRIES), "json");
    return {
        async file(repositoryName, commit, path) {
            try {
                const response = await client.send(new GetFileCommand({ repositoryName, commitSpecifier: commit, filePath: path }));
                return response.fileContent ?? new Uint8Array();
            } catch (error) {
                if (error instanceof FileDoesNotExistException) return undefined;
                throw error;
            }
        },
        async filesIn(repositoryName, commit, folder) {
            const response = await client.send(new GetFolderCommand({ repositoryName, commitSpecifier: commit, folderPath: `/${folder}` }));
            return (response.files ?? []).map((file) => ({ absolutePath: file.absolutePath!, relativePath: file.relativePath! }));
        },
    };
}

/** GetDifferences with the build's own credentials. */
export function repositoryDifferencesClient(): RepositoryDifferences {
    const client = answeredByAws(new CodeCommitClient(RETRIES), "json");
    return {
        differences: (repositoryName, beforeCommit, afterCommit) =>
            everyPage(
                paginateGetDifferences(
                    { client },
                    { repositoryName, beforeCommitSpecifier: beforeCommit, afterCommitSpecifier: afterCommit },
                ),
                (page) => page.differences?.map(changedFileOf),
            ),
    };
}

/** A difference as GetDifferences lists it. */
export interface ListedDifference {
    readonly beforeBlob?: { readonly path?: string };
    readonly afterBlob?: { readonly path?: string };
}

/** The paths before and after of one difference. */
export function changedFileOf(difference: ListedDifference): ChangedFile {
    return { beforePath: difference.beforeBlob?.path, afterPath: difference.afterBlob?.path };
}

/** PostCommentForPullRequest's input for a comment on `pullRequest`. */
export function postCommentInput(pullRequest: PullRequestContext, content: string, clientRequestToken: string) {
    return {
        repositoryName: pullRequest.repositoryName,
        pullRequestId: pullRequest.pullRequestId,
        // CodeCommit compares before → after: the destination branch is "before".
        beforeCommitId: pullRequest.destinationCommit,
        afterCommitId: pullRequest.sourceCommit,
        content,
        clientRequestToken,
    };
}

/** A pull request as GetPullRequest describes it, as far as the approval needs it. */
export interface DescribedPullRequest {
    readonly revisionId?: string;
    readonly pullRequestStatus?: string;
    readonly pullRequestTargets?: ReadonlyArray<{ readonly repositoryName?: string; readonly sourceCommit?: string }>;
}

/** The revision, the source commit of its target in `pullRequest`'s repository, and the status. */
export function pullRequestStateOf(found: DescribedPullRequest | undefined, pullRequest: PullRequestContext): PullRequestState {
    const target = found?.pullRequestTargets?.find((candidate) => candidate.repositoryName === pullRequest.repositoryName);
    if (found?.revisionId === undefined || target?.sourceCommit === undefined) {
        throw new Error(
            `GetPullRequest for pull request ${pullRequest.pullRequestId} named no revision or no source commit in ${pullRequest.repositoryName}`,
        );
    }
    return {
        revisionId: found.revisionId,
        sourceCommit: target.sourceCommit,
        status: found.pullRequestStatus === "CLOSED" ? "CLOSED" : "OPEN",
    };
}

/** A comment as GetCommentsForPullRequest lists it, with its creation time in epoch ms. */
export interface ListedComment {
    readonly commentId?: string;
    readonly content?: string;
    readonly authorArn?: string;
    readonly deleted?: boolean;
    readonly created?: number;
}

/** The newest comment whose content `matches` (and, when given, by `author`), reading every page `listPage` gives. */
export async function newestMatchingComment(
    listPage: (nextToken: string | undefined) => Promise<{ comments: readonly ListedComment[]; nextToken?: string }>,
    matches: (content: string) => boolean,
    author?: string,
): Promise<{ commentId: string; content: string } | undefined> {
    let newest: { commentId: string; content: string; created: number } | undefined;
    let nextToken: string | undefined;
    do {
        const page = await listPage(nextToken);
        for (const { commentId, content, authorArn, deleted, created = 0 } of page.comments) {
            if (deleted || commentId === undefined || content === undefined || !matches(content)) continue;
            if (author !== undefined && authorArn !== author) continue;
            if (newest === undefined || created >= newest.created) newest = { commentId, content, created };
        }
        nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return newest && { commentId: newest.commentId, content: newest.content };
}
