// The model of AWS (aws-model.ts) on a virtual clock, with the runner's AwsClients calling it
// directly: the commands run in-process, every request still lands in the model's log with the
// access key that signed it (the build's own, or the pull-request bot's session), and a tuning of
// minutes takes milliseconds. The SDK's own part (serialisation, retries, credential providers) is
// what the wire-level specs of the bundle cover.
import {
    allPages,
    changedFileOf,
    newestMatchingComment,
    postCommentInput,
    pullRequestStateOf,
    unreservedConcurrencyOf,
    type AwsClients,
    type FunctionConfiguration,
    type PullRequestApprovals,
    type PullRequestComments,
    type RepositoryFiles,
    type StepFunctions,
    type TuningHistoryObjects,
} from "../../buildscripts/tuning-runner/aws";
import { PULL_REQUEST_BOT_SESSION_NAME } from "../../buildscripts/contract";
import type { ExecutionStatus } from "../../buildscripts/tuning-runner/core/types";
import { AwsError, AwsModel, BUILD_ACCESS_KEY_ID, type AssumeRoleAnswer, type ModelRequest, type S3ObjectAnswer } from "./aws-model";
import { VirtualClock } from "./virtual-clock";

/** Who signs a client's requests. */
interface Signer {
    readonly accessKeyId: string;
    readonly sessionToken?: string;
}

export class InMemoryAws extends AwsModel {
    readonly clock: VirtualClock;

    constructor() {
        const clock = new VirtualClock();
        super(clock.now);
        this.clock = clock;
    }

    /** The runner's clients of one run, as main.ts builds them: comments and approvals as `commentRoleArn` when given. */
    clients(commentRoleArn?: string): AwsClients {
        const build = async (): Promise<Signer> => ({ accessKeyId: BUILD_ACCESS_KEY_ID });
        const pullRequest = commentRoleArn === undefined ? build : this.assumingOnce(commentRoleArn);
        return {
            stepFunctions: this.stepFunctions(build),
            lambda: {
                functionConfiguration: async (functionArn) => (await this.send(build, "lambda", "GetFunctionConfiguration", { FunctionName: functionArn })) as FunctionConfiguration,
                unreservedConcurrency: async () => unreservedConcurrencyOf((await this.send(build, "lambda", "GetAccountSettings", {})).AccountLimit),
            },
            tuningHistory: this.tuningHistory(build),
            repositoryFiles: this.repositoryFiles(build),
            repositoryDifferences: {
                differences: (repositoryName, beforeCommit, afterCommit) =>
                    allPages(async (nextToken) => {
                        const page = await this.send(build, "codecommit", "GetDifferences", {
                            repositoryName,
                            beforeCommitSpecifier: beforeCommit,
                            afterCommitSpecifier: afterCommit,
                            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
                        });
                        return { items: page.differences.map(changedFileOf), nextToken: page.NextToken };
                    }),
            },
            pullRequestComments: this.pullRequestComments(pullRequest),
            pullRequestApprovals: this.pullRequestApprovals(pullRequest),
        };
    }

    /** A request as the SDK would make it: signed by `signer`, an AWS error rethrown as the SDK names it. */
    private async send(signer: () => Promise<Signer>, service: ModelRequest["service"], operation: string, body: object): Promise<any> {
        const { accessKeyId, sessionToken } = await signer();
        try {
            return this.call({ service, operation, body, accessKeyId, sessionToken });
        } catch (error) {
            if (!(error instanceof AwsError)) throw error;
            throw Object.assign(new Error(error.message), { name: error.type, $metadata: { httpStatusCode: error.status } });
        }
    }

    /** The pull-request bot's session, assumed with the build's key on first use, under the fixed session name. */
    private assumingOnce(roleArn: string): () => Promise<Signer> {
        let session: Promise<Signer> | undefined;
        return () => {
            session ??= this.send(async () => ({ accessKeyId: BUILD_ACCESS_KEY_ID }), "sts", "AssumeRole", { RoleArn: roleArn, RoleSessionName: PULL_REQUEST_BOT_SESSION_NAME }).then(
                (answer: AssumeRoleAnswer) => ({ accessKeyId: answer.accessKeyId, sessionToken: answer.sessionToken }),
            );
            return session;
        };
    }

    private stepFunctions(signer: () => Promise<Signer>): StepFunctions {
        const date = (epochSeconds: number | undefined) => (epochSeconds === undefined ? undefined : new Date(epochSeconds * 1000));
        return {
            startExecution: async (stateMachineArn, name, input) => {
                const answer = await this.send(signer, "sfn", "StartExecution", { stateMachineArn, name, input });
                return { executionArn: answer.executionArn, startDate: date(answer.startDate)! };
            },
            describeExecution: async (executionArn) => {
                const answer = await this.send(signer, "sfn", "DescribeExecution", { executionArn });
                return { status: answer.status as ExecutionStatus, output: answer.output, error: answer.error, cause: answer.cause, stopDate: date(answer.stopDate) };
            },
            stopExecution: async (executionArn, error, cause) => {
                await this.send(signer, "sfn", "StopExecution", { executionArn, error, cause });
            },
            executionEventsNewestFirst: async (executionArn, nextToken) => {
                const answer = await this.send(signer, "sfn", "GetExecutionHistory", { executionArn, reverseOrder: true, ...(nextToken === undefined ? {} : { nextToken }) });
                return { events: answer.events, nextToken: answer.nextToken };
            },
        };
    }

    private tuningHistory(signer: () => Promise<Signer>): TuningHistoryObjects {
        return {
            read: (bucket, key) =>
                this.send(signer, "s3", "GetObject", { Bucket: bucket, Key: key }).then((answer: S3ObjectAnswer) => answer.content!.toString("utf8"), absentOn("NoSuchKey")),
            write: async (bucket, key, body) => {
                await this.send(signer, "s3", "PutObject", { Bucket: bucket, Key: key, Body: body, ContentType: "application/json" });
            },
            keys: (bucket, prefix) =>
                allPages(async (nextToken) => {
                    const page = await this.send(signer, "s3", "ListObjectsV2", { Bucket: bucket, Prefix: prefix, ...(nextToken === undefined ? {} : { ContinuationToken: nextToken }) });
                    return { items: page.objects.map((object: { key: string }) => object.key), nextToken: page.nextToken };
                }),
        };
    }

    private repositoryFiles(signer: () => Promise<Signer>): RepositoryFiles {
        return {
            file: (repositoryName, commit, path) =>
                this.send(signer, "codecommit", "GetFile", { repositoryName, commitSpecifier: commit, filePath: path }).then(
                    (answer) => new Uint8Array(Buffer.from(answer.fileContent, "base64")),
                    absentOn("FileDoesNotExistException"),
                ),
            filesIn: async (repositoryName, commit, folder) => {
                const answer = await this.send(signer, "codecommit", "GetFolder", { repositoryName, commitSpecifier: commit, folderPath: `/${folder}` });
                return answer.files.map((file: { absolutePath: string; relativePath: string }) => ({ absolutePath: file.absolutePath, relativePath: file.relativePath }));
            },
        };
    }

    private pullRequestComments(signer: () => Promise<Signer>): PullRequestComments {
        return {
            postComment: async (pullRequest, content, clientRequestToken) =>
                (await this.send(signer, "codecommit", "PostCommentForPullRequest", postCommentInput(pullRequest, content, clientRequestToken))).comment.commentId,
            findComment: (pullRequest, matches) =>
                newestMatchingComment(async (nextToken) => {
                    const page = await this.send(signer, "codecommit", "GetCommentsForPullRequest", { pullRequestId: pullRequest.pullRequestId, ...(nextToken === undefined ? {} : { nextToken }) });
                    const comments = page.commentsForPullRequestData.flatMap((data: { comments: Array<{ creationDate: number }> }) => data.comments);
                    return { comments: comments.map((comment: { creationDate: number }) => ({ ...comment, created: comment.creationDate * 1000 })), nextToken: page.nextToken };
                }, matches),
            updateComment: async (commentId, content) => {
                await this.send(signer, "codecommit", "UpdateComment", { commentId, content });
            },
        };
    }

    private pullRequestApprovals(signer: () => Promise<Signer>): PullRequestApprovals {
        return {
            pullRequestState: async (pullRequest) => pullRequestStateOf((await this.send(signer, "codecommit", "GetPullRequest", { pullRequestId: pullRequest.pullRequestId })).pullRequest, pullRequest),
            updateApprovalState: async (pullRequest, revisionId, approvalState) => {
                await this.send(signer, "codecommit", "UpdatePullRequestApprovalState", { pullRequestId: pullRequest.pullRequestId, revisionId, approvalState });
            },
        };
    }
}

/** Rethrows any error but the one that means "no such object": that reads as undefined, as the runner's clients read it. */
function absentOn(errorName: string): (error: Error) => undefined {
    return (error) => {
        if (error.name === errorName) return undefined;
        throw error;
    };
}
