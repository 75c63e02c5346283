// CodeCommit's idempotency token for a comment (functional core).
import { createHash } from "node:crypto";
import type { PullRequestContext } from "./resultsFile";
import type { BuildContext } from "./types";

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
    return createHash("sha256")
        .update(JSON.stringify([...scope, content]))
        .digest("hex");
}
