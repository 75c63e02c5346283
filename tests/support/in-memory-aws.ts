// The model of AWS (aws-model/) on a virtual clock, with the runner's AwsClients calling it
// directly: the commands run in-process, every request still lands in the model's log with the
// access key that signed it (the build's own, or the pull-request bot's session), and a tuning of
// minutes takes milliseconds. The SDK's own part (serialisation, retries, credential providers) is
// what the wire-level specs of the bundle cover.
import type {
    AwsClients,
    FunctionConfiguration,
    Listed,
    PullRequestApprovals,
    PullRequestComments,
    RepositoryFiles,
    StepFunctions,
    SweepableResources,
    TuningHistoryObjects,
} from "../../buildscripts/tuning-runner/aws/ports";
import {
    changedFileOf,
    commentAuthor,
    newestMatchingComment,
    postCommentInput,
    pullRequestStateOf,
} from "../../buildscripts/tuning-runner/aws/codecommit";
import { unreservedConcurrencyOf } from "../../buildscripts/tuning-runner/aws/lambda";
import { PULL_REQUEST_BOT_SESSION_NAME } from "../../buildscripts/contract";
import { trafficQueries } from "../../buildscripts/tuning-runner/core/productionMetrics";
import { lambdaTimestamp } from "../../buildscripts/tuning-runner/core/sweep";
import type { ExecutionStatus } from "../../buildscripts/tuning-runner/core/types";
import { AwsError, AwsModel, BUILD_ACCESS_KEY_ID, type AssumeRoleAnswer, type ModelRequest, type S3ObjectAnswer } from "./aws-model";
import { VirtualClock } from "./virtual-clock";
import { COPY_ACCOUNT_SESSION_NAME } from "../../buildscripts/tuning-runner/aws";
import type { CopyAccountRole } from "../../buildscripts/tuning-runner/core/pullRequestSteps";

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

    /**
     * The runner's clients of one run, as main.ts builds them: comments and approvals as
     * `commentRoleArn` when given, everything of the copies as a session of `copyAccount`'s role when given.
     */
    clients(commentRoleArn?: string, copyAccount?: CopyAccountRole): AwsClients {
        const build = async (): Promise<Signer> => ({ accessKeyId: BUILD_ACCESS_KEY_ID });
        const pullRequest = commentRoleArn === undefined ? build : this.assumingOnce(commentRoleArn);
        const copies =
            copyAccount === undefined ? build : this.assumingOnce(copyAccount.roleArn, COPY_ACCOUNT_SESSION_NAME, copyAccount.externalId);
        return {
            stepFunctions: this.stepFunctions(copies),
            lambda: {
                functionConfiguration: async (functionArn) =>
                    (await this.send(copies, "lambda", "GetFunctionConfiguration", { FunctionName: functionArn })) as FunctionConfiguration,
                unreservedConcurrency: async () =>
                    unreservedConcurrencyOf((await this.send(copies, "lambda", "GetAccountSettings", {})).AccountLimit),
                functionsNamed: (prefix) =>
                    this.everyPage(
                        copies,
                        { service: "lambda", operation: "ListFunctions", body: {} },
                        { token: "Marker", next: "NextMarker" },
                        (page: any) =>
                            page.Functions.filter((fn: any) => fn.FunctionName.startsWith(prefix)).map((fn: any) => ({
                                name: fn.FunctionName,
                                arn: fn.FunctionArn,
                            })),
                    ),
            },
            metrics: {
                traffic: async (functionName, from, to) =>
                    (
                        await this.send(build, "cloudwatch", "GetMetricData", {
                            MetricDataQueries: trafficQueries(functionName),
                            StartTime: from.getTime() / 1000,
                            EndTime: to.getTime() / 1000,
                        })
                    ).MetricDataResults,
            },
            tuningHistory: this.tuningHistory(build),
            repositoryFiles: this.repositoryFiles(build),
            repositoryDifferences: {
                differences: (repositoryName, beforeCommit, afterCommit) =>
                    this.everyPage(
                        build,
                        {
                            service: "codecommit",
                            operation: "GetDifferences",
                            body: { repositoryName, beforeCommitSpecifier: beforeCommit, afterCommitSpecifier: afterCommit },
                        },
                        { token: "NextToken", next: "NextToken" },
                        (page) => page.differences.map(changedFileOf),
                    ),
            },
            pullRequestComments: this.pullRequestComments(pullRequest, commentAuthor(commentRoleArn)),
            pullRequestApprovals: this.pullRequestApprovals(pullRequest),
            sweepable: this.sweepable(copies, build),
            deployFiles: this.tuningHistory(copies),
            budgetLeases: {
                read: (bucket, key) =>
                    this.send(build, "s3", "GetObject", { Bucket: bucket, Key: key }).then(
                        (answer: S3ObjectAnswer) => ({ text: answer.content!.toString("utf8"), etag: answer.etag }),
                        absentOn("NoSuchKey"),
                    ),
                replace: (bucket, key, body, etag) =>
                    this.send(build, "s3", "PutObject", {
                        Bucket: bucket,
                        Key: key,
                        Body: body,
                        ...(etag === undefined ? { IfNoneMatch: "*" } : { IfMatch: etag }),
                    }).then(
                        () => true,
                        (error: Error) => {
                            if (["PreconditionFailed", "NoSuchKey", "ConditionalRequestConflict"].includes(error.name)) return false;
                            throw error;
                        },
                    ),
            },
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

    /**
     * Every item of every page, as the SDK's paginators read them: `next` names the token in the
     * answer, `token` the request's.
     */
    private async everyPage<Item>(
        signer: () => Promise<Signer>,
        request: { readonly service: ModelRequest["service"]; readonly operation: string; readonly body: object },
        paging: { readonly token: string; readonly next: string },
        items: (page: any) => Item[],
    ): Promise<Item[]> {
        const all: Item[] = [];
        let token: string | undefined;
        do {
            const page = await this.send(signer, request.service, request.operation, {
                ...request.body,
                ...(token === undefined ? {} : { [paging.token]: token }),
            });
            all.push(...items(page.result ?? page));
            token = (page.result ?? page)[paging.next];
        } while (token !== undefined);
        return all;
    }

    /** The pull-request bot's session, assumed with the build's key on first use, under the fixed session name. */
    private assumingOnce(roleArn: string, sessionName = PULL_REQUEST_BOT_SESSION_NAME, externalId?: string): () => Promise<Signer> {
        let session: Promise<Signer> | undefined;
        return () => {
            session ??= this.send(async () => ({ accessKeyId: BUILD_ACCESS_KEY_ID }), "sts", "AssumeRole", {
                RoleArn: roleArn,
                RoleSessionName: sessionName,
                ...(externalId === undefined ? {} : { ExternalId: externalId }),
            }).then((answer: AssumeRoleAnswer) => ({ accessKeyId: answer.accessKeyId, sessionToken: answer.sessionToken }));
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
                return {
                    status: answer.status as ExecutionStatus,
                    output: answer.output,
                    error: answer.error,
                    cause: answer.cause,
                    stopDate: date(answer.stopDate),
                };
            },
            stopExecution: async (executionArn, error, cause) => {
                await this.send(signer, "sfn", "StopExecution", { executionArn, error, cause });
            },
            executionEventsNewestFirst: async (executionArn, nextToken) => {
                const answer = await this.send(signer, "sfn", "GetExecutionHistory", {
                    executionArn,
                    reverseOrder: true,
                    ...(nextToken === undefined ? {} : { nextToken }),
                });
                return { events: answer.events, nextToken: answer.nextToken };
            },
        };
    }

    private tuningHistory(signer: () => Promise<Signer>): TuningHistoryObjects {
        return {
            read: (bucket, key) =>
                this.send(signer, "s3", "GetObject", { Bucket: bucket, Key: key }).then(
                    (answer: S3ObjectAnswer) => answer.content!.toString("utf8"),
                    absentOn("NoSuchKey"),
                ),
            write: async (bucket, key, body) => {
                await this.send(signer, "s3", "PutObject", { Bucket: bucket, Key: key, Body: body, ContentType: "application/json" });
            },
            keys: (bucket, prefix) =>
                this.everyPage(
                    signer,
                    { service: "s3", operation: "ListObjectsV2", body: { Bucket: bucket, Prefix: prefix } },
                    S3_PAGING,
                    (page) => page.objects.map((object: { key: string }) => object.key),
                ),
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
                const answer = await this.send(signer, "codecommit", "GetFolder", {
                    repositoryName,
                    commitSpecifier: commit,
                    folderPath: `/${folder}`,
                });
                return answer.files.map((file: { absolutePath: string; relativePath: string }) => ({
                    absolutePath: file.absolutePath,
                    relativePath: file.relativePath,
                }));
            },
        };
    }

    private pullRequestComments(signer: () => Promise<Signer>, author: string | undefined): PullRequestComments {
        return {
            postComment: async (pullRequest, content, clientRequestToken) =>
                (
                    await this.send(
                        signer,
                        "codecommit",
                        "PostCommentForPullRequest",
                        postCommentInput(pullRequest, content, clientRequestToken),
                    )
                ).comment.commentId,
            findComment: (pullRequest, matches) =>
                newestMatchingComment(
                    async (nextToken) => {
                        const page = await this.send(signer, "codecommit", "GetCommentsForPullRequest", {
                            pullRequestId: pullRequest.pullRequestId,
                            ...(nextToken === undefined ? {} : { nextToken }),
                        });
                        const comments = page.commentsForPullRequestData.flatMap(
                            (data: { comments: Array<{ creationDate: number }> }) => data.comments,
                        );
                        return {
                            comments: comments.map((comment: { creationDate: number }) => ({
                                ...comment,
                                created: comment.creationDate * 1000,
                            })),
                            nextToken: page.nextToken,
                        };
                    },
                    matches,
                    author,
                ),
            updateComment: async (commentId, content) => {
                await this.send(signer, "codecommit", "UpdateComment", { commentId, content });
            },
        };
    }

    /** Every page of each list call, as the SDK's paginators read them. */
    /** What a sweep lists and removes, signed by `signer`; the workflow's running executions by `executionsSigner` (production's account). */
    private sweepable(signer: () => Promise<Signer>, executionsSigner: () => Promise<Signer>): SweepableResources {
        const send = (service: ModelRequest["service"], operation: string, body: object) => this.send(signer, service, operation, body);
        const everyPage = <Item>(
            service: ModelRequest["service"],
            operation: string,
            body: object,
            paging: { token: string; next: string },
            items: (page: any) => Item[],
        ) => this.everyPage(signer, { service, operation, body }, paging, items);
        const lambdaPaging = { token: "Marker", next: "NextMarker" };
        const iamPaging = { token: "Marker", next: "Marker" };
        const listed = (name: string, createdAt: number | undefined): Listed => ({
            name,
            ...(createdAt === undefined ? {} : { createdAt }),
        });
        return {
            runningExecutions: async (stateMachineArn) => {
                const listed = await this.everyPage<string>(
                    executionsSigner,
                    { service: "sfn", operation: "ListExecutions", body: { stateMachineArn, statusFilter: "RUNNING" } },
                    { token: "nextToken", next: "nextToken" },
                    (page) => page.executions.map((execution: any) => execution.executionArn as string),
                );
                return Promise.all(
                    listed.map(async (executionArn) => {
                        const described = await this.send(executionsSigner, "sfn", "DescribeExecution", { executionArn });
                        return { executionArn, startedAt: described.startDate * 1000, input: described.input };
                    }),
                );
            },
            functions: {
                list: () =>
                    everyPage("lambda", "ListFunctions", {}, lambdaPaging, (page) =>
                        page.Functions.map((fn: any) => listed(fn.FunctionName, lambdaTimestamp(fn.LastModified))),
                    ),
                eventSourceMappings: (functionName) =>
                    everyPage("lambda", "ListEventSourceMappings", { FunctionName: functionName }, lambdaPaging, (page) =>
                        page.EventSourceMappings.map((mapping: any) => mapping.UUID),
                    ),
                deleteEventSourceMapping: async (uuid) => void (await send("lambda", "DeleteEventSourceMapping", { UUID: uuid })),
                delete: async (functionName) => void (await send("lambda", "DeleteFunction", { FunctionName: functionName })),
            },
            roles: {
                list: () =>
                    everyPage("iam", "ListRoles", {}, iamPaging, (page) =>
                        page.Roles.map((role: any) => ({ ...listed(role.RoleName, Date.parse(role.CreateDate)), path: role.Path })),
                    ),
                inlinePolicies: (roleName) =>
                    everyPage("iam", "ListRolePolicies", { RoleName: roleName }, iamPaging, (page) => page.PolicyNames),
                attachedPolicies: (roleName) =>
                    everyPage("iam", "ListAttachedRolePolicies", { RoleName: roleName }, iamPaging, (page) =>
                        page.AttachedPolicies.map((policy: any) => policy.PolicyArn),
                    ),
                instanceProfiles: (roleName) =>
                    everyPage("iam", "ListInstanceProfilesForRole", { RoleName: roleName }, iamPaging, (page) =>
                        page.InstanceProfiles.map((profile: any) => profile.InstanceProfileName),
                    ),
                deleteInlinePolicy: async (roleName, policyName) =>
                    void (await send("iam", "DeleteRolePolicy", { RoleName: roleName, PolicyName: policyName })),
                detachPolicy: async (roleName, policyArn) =>
                    void (await send("iam", "DetachRolePolicy", { RoleName: roleName, PolicyArn: policyArn })),
                removeFromInstanceProfile: async (roleName, instanceProfileName) =>
                    void (await send("iam", "RemoveRoleFromInstanceProfile", {
                        RoleName: roleName,
                        InstanceProfileName: instanceProfileName,
                    })),
                delete: async (roleName) => void (await send("iam", "DeleteRole", { RoleName: roleName })),
            },
            logGroups: {
                list: (namePrefix) =>
                    everyPage(
                        "logs",
                        "DescribeLogGroups",
                        { logGroupNamePrefix: namePrefix },
                        { token: "nextToken", next: "nextToken" },
                        (page) => page.logGroups.map((group: any) => listed(group.logGroupName, group.creationTime)),
                    ),
                delete: async (logGroupName) => void (await send("logs", "DeleteLogGroup", { logGroupName })),
            },
            objects: {
                list: (bucket, prefix) =>
                    everyPage("s3", "ListObjectsV2", { Bucket: bucket, Prefix: prefix }, S3_PAGING, (page) =>
                        page.objects.map((object: any) => listed(object.key, object.lastModified)),
                    ),
                delete: async (bucket, key) => void (await send("s3", "DeleteObject", { Bucket: bucket, Key: key })),
            },
        };
    }

    private pullRequestApprovals(signer: () => Promise<Signer>): PullRequestApprovals {
        return {
            pullRequestState: async (pullRequest) =>
                pullRequestStateOf(
                    (await this.send(signer, "codecommit", "GetPullRequest", { pullRequestId: pullRequest.pullRequestId })).pullRequest,
                    pullRequest,
                ),
            updateApprovalState: async (pullRequest, revisionId, approvalState) => {
                await this.send(signer, "codecommit", "UpdatePullRequestApprovalState", {
                    pullRequestId: pullRequest.pullRequestId,
                    revisionId,
                    approvalState,
                });
            },
        };
    }
}

/** ListObjectsV2's continuation token, as the model answers it. */
const S3_PAGING = { token: "ContinuationToken", next: "nextToken" };

/** Rethrows any error but the one that means "no such object": that reads as undefined, as the runner's clients read it. */
function absentOn(errorName: string): (error: Error) => undefined {
    return (error) => {
        if (error.name === errorName) return undefined;
        throw error;
    };
}
