// CodeCommit (JSON 1.1, dates as epoch seconds, blobs as base64): pull requests with their
// comments and approvals, and repositories as branches pointing at whole trees.
import { createHash, randomUUID } from "node:crypto";
import {
    ACCOUNT_ID,
    AwsError,
    definedOnly,
    paginate,
    requireString,
    type ModelClock,
    type ModelRequest,
    type ServiceModel,
    unknownOperation,
} from "./shared";

export interface StoredComment {
    commentId: string;
    repositoryName: string;
    pullRequestId: string;
    beforeCommitId: string;
    afterCommitId: string;
    content: string;
    clientRequestToken?: string;
    /** The caller who posted it (see FakeAws.callerArn); only that caller may update it. Unset: someone else, e.g. a reviewer. */
    authorArn?: string;
    /** Epoch seconds (simulated clock). */
    creationDate: number;
    lastModifiedDate: number;
}

export interface FakePullRequest {
    pullRequestId: string;
    repositoryName: string;
    sourceCommit: string;
    destinationCommit: string;
    revisionId: string;
    sourceReference?: string;
    destinationReference?: string;
    mergeBase?: string;
    title?: string;
    pullRequestStatus?: "OPEN" | "CLOSED";
}

export interface RecordedApproval {
    pullRequestId: string;
    revisionId: string;
    approvalState: "APPROVE" | "REVOKE";
}

export interface RecordedCommit {
    repositoryName: string;
    branchName: string;
    commitId: string;
    parentCommitId?: string;
    commitMessage?: string;
    /** The whole tree after this commit: path → content. */
    tree: ReadonlyMap<string, Buffer>;
}

const COMMENT_SIZE_LIMIT = 10_240;
// GetFile answers blobs up to 6 MB (CodeCommit quotas).
const GET_FILE_LIMIT_BYTES = 6 * 1024 * 1024;

export class CodeCommitModel implements ServiceModel {
    readonly invalidToken = ["UnrecognizedClientException", 400] as const;
    readonly operations = {
        PostCommentForPullRequest: (input: any, request: ModelRequest) => this.postComment(input, this.callerArn(request.accessKeyId)),
        UpdateComment: (input: any, request: ModelRequest) => this.updateComment(input, this.callerArn(request.accessKeyId)),
        GetCommentsForPullRequest: (input: any) => this.getComments(input),
        GetPullRequest: (input: any) => ({ pullRequest: this.wirePullRequest(this.pullRequest(input.pullRequestId)) }),
        UpdatePullRequestApprovalState: (input: any) => this.updateApprovalState(input),
        GetBranch: (input: any) => this.getBranch(input),
        CreateCommit: (input: any) => this.createCommit(input),
        GetFile: (input: any) => this.getFile(input),
        GetFolder: (input: any) => this.getFolder(input),
        GetDifferences: (input: any) => this.getDifferences(input),
    };
    readonly comments: StoredComment[] = [];
    readonly approvals: RecordedApproval[] = [];
    readonly commits: RecordedCommit[] = [];
    private readonly pullRequests = new Map<string, FakePullRequest>();
    /** "repository/branch" → commit id. */
    private readonly branches = new Map<string, string>();
    /** "repository/commit id" → the whole tree at that commit: path → content. */
    private readonly trees = new Map<string, ReadonlyMap<string, Buffer>>();

    /** `callerArn`: who signed with an access key, as CodeCommit names a comment's author. */
    constructor(
        private readonly clock: ModelClock,
        private readonly callerArn: (accessKeyId: string | undefined) => string,
    ) {}

    readonly unimplemented = unknownOperation;

    setPullRequest(pr: FakePullRequest): void {
        this.pullRequests.set(pr.pullRequestId, { ...pr });
    }

    /** A commit whose tree is exactly `files` (path → content), for GetFile, GetFolder and GetDifferences. */
    setCommit(repositoryName: string, commitId: string, files: Record<string, string | Buffer>): void {
        this.trees.set(
            `${repositoryName}/${commitId}`,
            new Map(Object.entries(files).map(([path, content]) => [path, Buffer.from(content)])),
        );
    }

    /** Points a branch at a commit, as if someone had pushed it (e.g. a user's own commit after seeding). */
    setBranch(repositoryName: string, branchName: string, commitId: string): void {
        this.branches.set(`${repositoryName}/${branchName}`, commitId);
    }

    /** The files at a branch's tip, as UTF-8 text; undefined when the branch does not exist. */
    files(repositoryName: string, branchName: string): Map<string, string> | undefined {
        const tip = this.branches.get(`${repositoryName}/${branchName}`);
        const commit = this.commits.find((c) => c.commitId === tip);
        if (tip === undefined) return undefined;
        return new Map([...(commit?.tree ?? [])].map(([path, content]) => [path, content.toString("utf8")]));
    }

    private checkCommentContent(content: unknown): string {
        if (typeof content !== "string" || content.length === 0) {
            throw new AwsError("CommentContentRequiredException", "The comment is empty. You must provide some content for a comment.");
        }
        if (content.length > COMMENT_SIZE_LIMIT) {
            throw new AwsError(
                "CommentContentSizeLimitExceededException",
                `The comment is too large (${content.length} characters). Comments are limited to ${COMMENT_SIZE_LIMIT} characters.`,
            );
        }
        return content;
    }

    private postComment(input: any, caller: string): object {
        const fields = {
            repositoryName: requireString(input, "repositoryName"),
            pullRequestId: requireString(input, "pullRequestId"),
            beforeCommitId: requireString(input, "beforeCommitId"),
            afterCommitId: requireString(input, "afterCommitId"),
            content: this.checkCommentContent(input.content),
        };
        const token: string | undefined = input.clientRequestToken;
        const earlier = token === undefined ? undefined : this.comments.find((c) => c.clientRequestToken === token);
        if (earlier) {
            const same = (Object.keys(fields) as Array<keyof typeof fields>).every((key) => earlier[key] === fields[key]);
            if (!same) {
                throw new AwsError(
                    "IdempotencyParameterMismatchException",
                    "The client request token is not valid. Either the token is not in a valid format, or the token has been used in a previous request and cannot be reused.",
                );
            }
            return this.wireCommentResponse(earlier);
        }
        const date = this.clock.now() / 1000;
        const comment: StoredComment = {
            commentId: randomUUID(),
            ...fields,
            ...definedOnly({ clientRequestToken: token }),
            authorArn: caller,
            creationDate: date,
            lastModifiedDate: date,
        };
        this.comments.push(comment);
        return this.wireCommentResponse(comment);
    }

    private wireCommentResponse(comment: StoredComment): object {
        const { repositoryName, pullRequestId, beforeCommitId, afterCommitId } = comment;
        return { repositoryName, pullRequestId, beforeCommitId, afterCommitId, comment: wireComment(comment) };
    }

    private updateComment(input: any, caller: string): object {
        const commentId = requireString(input, "commentId");
        const comment = this.comments.find((c) => c.commentId === commentId);
        if (!comment) throw new AwsError("CommentDoesNotExistException", `No comment exists with the provided ID ${commentId}.`);
        if (comment.authorArn !== caller) {
            throw new AwsError(
                "CommentNotCreatedByCallerException",
                "You cannot modify or delete this comment. Only comment authors can modify or delete their comments.",
            );
        }
        comment.content = this.checkCommentContent(input.content);
        comment.lastModifiedDate = this.clock.now() / 1000;
        return { comment: wireComment(comment) };
    }

    private getComments(input: any): object {
        const pullRequestId = requireString(input, "pullRequestId");
        // The API reference: with repositoryName, both commit IDs are required (and the reverse);
        // only pullRequestId alone lists the comments of every revision.
        const commits = [input.beforeCommitId, input.afterCommitId].filter((id) => id !== undefined).length;
        if (input.repositoryName !== undefined && commits < 2)
            throw new AwsError("CommitIdRequiredException", "A commit ID is required, but no commit ID was specified.");
        if (input.repositoryName === undefined && commits > 0)
            throw new AwsError("RepositoryNameRequiredException", "A repository name is required, but was not specified.");
        const matching = this.comments.filter(
            (c) =>
                c.pullRequestId === pullRequestId &&
                (input.repositoryName === undefined || c.repositoryName === input.repositoryName) &&
                (input.beforeCommitId === undefined || c.beforeCommitId === input.beforeCommitId) &&
                (input.afterCommitId === undefined || c.afterCommitId === input.afterCommitId),
        );
        const page = paginate(
            matching,
            input.maxResults,
            input.nextToken,
            "GetCommentsForPullRequest",
            100,
            "InvalidContinuationTokenException",
        );
        // CodeCommit groups comments by the commit pair they were made on.
        const groups: Array<{ key: string; comments: StoredComment[] }> = [];
        for (const comment of page.items) {
            const key = `${comment.repositoryName}\n${comment.beforeCommitId}\n${comment.afterCommitId}`;
            const last = groups[groups.length - 1];
            if (last?.key === key) last.comments.push(comment);
            else groups.push({ key, comments: [comment] });
        }
        const commentsForPullRequestData = groups.map(({ comments: [first, ...rest] }) => ({
            pullRequestId,
            repositoryName: first.repositoryName,
            beforeCommitId: first.beforeCommitId,
            afterCommitId: first.afterCommitId,
            comments: [first, ...rest].map(wireComment),
        }));
        return { commentsForPullRequestData, ...definedOnly({ nextToken: page.nextToken }) };
    }

    private pullRequest(pullRequestId: unknown): FakePullRequest {
        const pr = typeof pullRequestId === "string" ? this.pullRequests.get(pullRequestId) : undefined;
        if (!pr) throw new AwsError("PullRequestDoesNotExistException", `The pull request ID ${pullRequestId} could not be found.`);
        return pr;
    }

    private wirePullRequest(pr: FakePullRequest): object {
        return {
            pullRequestId: pr.pullRequestId,
            title: pr.title ?? `Pull request ${pr.pullRequestId}`,
            pullRequestStatus: pr.pullRequestStatus ?? "OPEN",
            creationDate: this.clock.createdAt / 1000,
            lastActivityDate: this.clock.now() / 1000,
            authorArn: `arn:aws:iam::${ACCOUNT_ID}:user/developer`,
            revisionId: pr.revisionId,
            approvalRules: [],
            pullRequestTargets: [
                {
                    repositoryName: pr.repositoryName,
                    sourceReference: pr.sourceReference ?? "refs/heads/feature",
                    destinationReference: pr.destinationReference ?? "refs/heads/main",
                    sourceCommit: pr.sourceCommit,
                    destinationCommit: pr.destinationCommit,
                    mergeBase: pr.mergeBase ?? pr.destinationCommit,
                    mergeMetadata: { isMerged: false },
                },
            ],
        };
    }

    private updateApprovalState(input: any): object {
        const pr = this.pullRequest(input.pullRequestId);
        const revisionId = requireString(input, "revisionId");
        if (revisionId !== pr.revisionId) {
            throw new AwsError(
                "RevisionNotCurrentException",
                `The revision ID ${revisionId} is not the most recent revision of the pull request.`,
            );
        }
        if (input.approvalState !== "APPROVE" && input.approvalState !== "REVOKE") {
            throw new AwsError(
                "InvalidApprovalStateException",
                `approvalState must be APPROVE or REVOKE, got ${JSON.stringify(input.approvalState)}.`,
            );
        }
        this.approvals.push({ pullRequestId: pr.pullRequestId, revisionId, approvalState: input.approvalState });
        return {};
    }

    private getBranch(input: any): object {
        const repositoryName = requireString(input, "repositoryName");
        const branchName = requireString(input, "branchName");
        const commitId = this.branches.get(`${repositoryName}/${branchName}`);
        if (commitId === undefined)
            throw new AwsError("BranchDoesNotExistException", `Branch ${branchName} does not exist in ${repositoryName}.`);
        return { branch: { branchName, commitId } };
    }

    private createCommit(input: any): object {
        const repositoryName = requireString(input, "repositoryName");
        const branchName = requireString(input, "branchName");
        const branchKey = `${repositoryName}/${branchName}`;
        const tip = this.branches.get(branchKey);
        const parentCommitId: string | undefined = input.parentCommitId;
        if (parentCommitId === undefined && tip !== undefined) {
            throw new AwsError("ParentCommitIdRequiredException", `Branch ${branchName} already exists: a parent commit ID is required.`);
        }
        if (parentCommitId !== undefined && parentCommitId !== tip) {
            throw tip === undefined
                ? new AwsError("ParentCommitDoesNotExistException", `The parent commit ID ${parentCommitId} does not exist.`)
                : new AwsError(
                      "ParentCommitIdOutdatedException",
                      `The parent commit ID ${parentCommitId} is not the tip of ${branchName} (${tip}).`,
                  );
        }
        if ((input.setFileModes ?? []).length > 0 || (input.putFiles ?? []).some((file: any) => file.sourceFile)) {
            throw new AwsError("FakeAwsUnsupported", "FakeAws CreateCommit supports putFiles with fileContent and deleteFiles only.");
        }
        const putFiles: Array<{ filePath: string; fileContent?: string; fileMode?: string }> = input.putFiles ?? [];
        const deleteFiles: Array<{ filePath: string }> = input.deleteFiles ?? [];
        if (putFiles.length === 0 && deleteFiles.length === 0) {
            throw new AwsError("NoChangeException", "The commit cannot be created because no changes will be made to the repository.");
        }
        const tree = new Map(this.commits.find((c) => c.commitId === tip)?.tree ?? []);
        const filesAdded: object[] = [];
        const filesUpdated: object[] = [];
        for (const file of putFiles) {
            const content = Buffer.from(file.fileContent ?? "", "base64");
            const entry = { absolutePath: file.filePath, blobId: gitObjectId("blob", content), fileMode: file.fileMode ?? "NORMAL" };
            (tree.has(file.filePath) ? filesUpdated : filesAdded).push(entry);
            tree.set(file.filePath, content);
        }
        const filesDeleted = deleteFiles.map(({ filePath }) => {
            if (!tree.delete(filePath)) throw new AwsError("FileDoesNotExistException", `The file ${filePath} does not exist.`);
            return { absolutePath: filePath, blobId: "", fileMode: "NORMAL" };
        });
        const treeId = gitObjectId(
            "tree",
            Buffer.from(JSON.stringify([...tree].map(([path, content]) => [path, content.toString("base64")]))),
        );
        const commitId = gitObjectId(
            "commit",
            Buffer.from(`${treeId}\n${tip ?? ""}\n${input.commitMessage ?? ""}\n${this.commits.length}`),
        );
        this.commits.push({
            repositoryName,
            branchName,
            commitId,
            ...definedOnly({ parentCommitId, commitMessage: input.commitMessage }),
            tree,
        });
        this.trees.set(`${repositoryName}/${commitId}`, tree);
        this.branches.set(branchKey, commitId);
        return { commitId, treeId, filesAdded, filesUpdated, filesDeleted };
    }

    /** The tree a commit specifier (a commit id or a branch name) names. */
    private treeAt(repositoryName: string, commitSpecifier: unknown): { commitId: string; tree: ReadonlyMap<string, Buffer> } {
        // Without a specifier CodeCommit reads the default branch, which FakeAws takes to be main.
        const specifier = typeof commitSpecifier === "string" && commitSpecifier !== "" ? commitSpecifier : "main";
        const commitId = this.branches.get(`${repositoryName}/${specifier.replace(/^refs\/heads\//, "")}`) ?? specifier;
        const tree = this.trees.get(`${repositoryName}/${commitId}`);
        if (tree !== undefined) return { commitId, tree };
        const known = [...this.trees.keys(), ...this.branches.keys()].some((key) => key.startsWith(`${repositoryName}/`));
        if (!known) throw new AwsError("RepositoryDoesNotExistException", `${repositoryName} does not exist`);
        throw new AwsError(
            "CommitDoesNotExistException",
            `The specified commit (${specifier}) does not exist or no commit was specified, and the specified repository has no default branch.`,
        );
    }

    private getFile(input: any): object {
        const repositoryName = requireString(input, "repositoryName", "RepositoryNameRequiredException");
        const filePath = repositoryPath(requireString(input, "filePath", "PathRequiredException"));
        const { commitId, tree } = this.treeAt(repositoryName, input.commitSpecifier);
        const content = tree.get(filePath);
        if (content === undefined) {
            throw new AwsError(
                "FileDoesNotExistException",
                `The specified file ${filePath} does not exist. Verify that you have used the correct file name, full path, and extension.`,
            );
        }
        if (content.length > GET_FILE_LIMIT_BYTES)
            throw new AwsError("FileTooLargeException", `The specified file ${filePath} exceeds the file size limit for CodeCommit.`);
        return {
            commitId,
            blobId: gitObjectId("blob", content),
            filePath,
            fileMode: "NORMAL",
            fileSize: content.length,
            fileContent: content.toString("base64"),
        };
    }

    /** The files and subfolders directly in a folder ("" or "/" is the root), as GetFolder lists them. */
    private getFolder(input: any): object {
        const repositoryName = requireString(input, "repositoryName", "RepositoryNameRequiredException");
        if (typeof input.folderPath !== "string")
            throw new AwsError("PathRequiredException", "The folderPath for a location cannot be null.");
        const folderPath = input.folderPath.replace(/^\/+|\/+$/g, "") === "" ? "" : repositoryPath(input.folderPath.replace(/\/+$/, ""));
        const { commitId, tree } = this.treeAt(repositoryName, input.commitSpecifier);
        const prefix = folderPath === "" ? "" : `${folderPath}/`;
        const inside = [...tree]
            .filter(([path]) => path.startsWith(prefix))
            .map(([path, content]) => ({ relativePath: path.slice(prefix.length), content }));
        if (inside.length === 0 && folderPath !== "") {
            throw new AwsError(
                "FolderDoesNotExistException",
                `The specified folder ${folderPath} does not exist. Verify that you have used the correct folder name and full path.`,
            );
        }
        const files = inside
            .filter(({ relativePath }) => !relativePath.includes("/"))
            .map(({ relativePath, content }) => ({
                absolutePath: `${prefix}${relativePath}`,
                blobId: gitObjectId("blob", content),
                fileMode: "NORMAL",
                relativePath,
            }));
        const subFolderNames = [
            ...new Set(
                inside.filter(({ relativePath }) => relativePath.includes("/")).map(({ relativePath }) => relativePath.split("/")[0]),
            ),
        ];
        const subFolders = subFolderNames.map((name) => ({
            absolutePath: `${prefix}${name}`,
            relativePath: name,
            treeId: gitObjectId("tree", Buffer.from(`${commitId}:${prefix}${name}`)),
        }));
        return {
            commitId,
            folderPath,
            treeId: gitObjectId("tree", Buffer.from(`${commitId}:${folderPath}`)),
            files,
            subFolders,
            symbolicLinks: [],
            subModules: [],
        };
    }

    /**
     * The differences between two trees, in path order, 100 to a page unless MaxResults says
     * otherwise. A file whose content moved to a new path and that is gone from the old one is one
     * difference with both paths (a rename); an added file has only afterBlob, a deleted one only
     * beforeBlob. How CodeCommit itself reports a rename only AWS shows; the runner counts every
     * path either way.
     */
    private getDifferences(input: any): object {
        const repositoryName = requireString(input, "repositoryName", "RepositoryNameRequiredException");
        const after = this.treeAt(repositoryName, requireString(input, "afterCommitSpecifier", "CommitRequiredException")).tree;
        const before =
            input.beforeCommitSpecifier === undefined
                ? new Map<string, Buffer>()
                : this.treeAt(repositoryName, input.beforeCommitSpecifier).tree;
        const blob = (path: string, content: Buffer) => ({ path, blobId: gitObjectId("blob", content), mode: "100644" });
        const added = [...after].filter(([path]) => !before.has(path));
        const deleted = [...before].filter(([path]) => !after.has(path));
        const renamedFrom = new Map<string, string>();
        for (const [path, content] of added) {
            const source = deleted.find(
                ([oldPath, oldContent]) => oldContent.equals(content) && ![...renamedFrom.values()].includes(oldPath),
            );
            if (source !== undefined) renamedFrom.set(path, source[0]);
        }
        const differences: Array<{ path: string; difference: object }> = [];
        for (const [path, content] of after) {
            const old = before.get(path);
            const from = renamedFrom.get(path);
            if (from !== undefined)
                differences.push({
                    path,
                    difference: { beforeBlob: blob(from, before.get(from)!), afterBlob: blob(path, content), changeType: "M" },
                });
            else if (old === undefined) differences.push({ path, difference: { afterBlob: blob(path, content), changeType: "A" } });
            else if (!old.equals(content))
                differences.push({ path, difference: { beforeBlob: blob(path, old), afterBlob: blob(path, content), changeType: "M" } });
        }
        for (const [path, content] of deleted) {
            if (![...renamedFrom.values()].includes(path))
                differences.push({ path, difference: { beforeBlob: blob(path, content), changeType: "D" } });
        }
        differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        const page = paginate(
            differences.map((entry) => entry.difference),
            input.MaxResults,
            input.NextToken,
            "GetDifferences",
            100,
            "InvalidContinuationTokenException",
        );
        return { differences: page.items, ...definedOnly({ NextToken: page.nextToken }) };
    }
}

/** A repository path as CodeCommit stores it: no leading "/", no empty, "." or ".." segments. */
function repositoryPath(path: string): string {
    const relative = path.replace(/^\/+/, "");
    if (relative.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) {
        throw new AwsError("InvalidPathException", `The specified path ${path} is not valid.`);
    }
    return relative;
}

function wireComment(comment: StoredComment): object {
    return {
        commentId: comment.commentId,
        content: comment.content,
        authorArn: comment.authorArn ?? `arn:aws:iam::${ACCOUNT_ID}:user/reviewer`,
        creationDate: comment.creationDate,
        lastModifiedDate: comment.lastModifiedDate,
        deleted: false,
        callerReactions: [],
        reactionCounts: {},
        ...definedOnly({ clientRequestToken: comment.clientRequestToken }),
    };
}

function gitObjectId(kind: string, content: Buffer): string {
    return createHash("sha1").update(`${kind} ${content.length}\0`).update(content).digest("hex");
}
