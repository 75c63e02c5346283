// The AWS calls the runner makes: small interfaces the commands take, and their implementations
// with the SDK. Clients take the SDK's standard configuration only (AWS_REGION, the credential
// chain, AWS_ENDPOINT_URL_SFN / _CODECOMMIT / _LAMBDA / _S3 / _STS / _IAM / _CLOUDWATCH_LOGS / _CLOUDWATCH, AWS_RETRY_MODE,
// AWS_MAX_ATTEMPTS): the same binary runs in CodeBuild and against the local test server without
// a flag of its own. The one exception is the pull request's voice: comments and approvals may be
// made as the pull-request bot role instead of the build.
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
import { CloudWatchClient, paginateGetMetricData } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DeleteLogGroupCommand, paginateDescribeLogGroups } from "@aws-sdk/client-cloudwatch-logs";
import {
    DeleteRoleCommand,
    DeleteRolePolicyCommand,
    DetachRolePolicyCommand,
    IAMClient,
    paginateListAttachedRolePolicies,
    paginateListInstanceProfilesForRole,
    paginateListRolePolicies,
    paginateListRoles,
    RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import {
    DeleteEventSourceMappingCommand,
    DeleteFunctionCommand,
    GetAccountSettingsCommand,
    GetFunctionConfigurationCommand,
    LambdaClient,
    paginateListEventSourceMappings,
    paginateListFunctions,
} from "@aws-sdk/client-lambda";
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, paginateListObjectsV2, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, paginateListExecutions, SFNClient, StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { loadConfig } from "@smithy/core/config";
import { NODE_MAX_ATTEMPT_CONFIG_OPTIONS, NODE_RETRY_MODE_CONFIG_OPTIONS } from "@smithy/core/retry";
import { Readable } from "stream";
import { assumedRoleSessionArn, PULL_REQUEST_BOT_SESSION_NAME } from "../contract";
import type { ChangedFile } from "./core/copyDecision";
import { describeError, UsageError } from "./core/errors";
import type { FunctionConfigurationShape } from "./core/fingerprint";
import type { PullRequestState } from "./core/policy";
import { trafficQueries, type MetricDataAnswer } from "./core/productionMetrics";
import type { PullRequestContext } from "./core/resultsFile";
import { lambdaTimestamp, type RunningWorkflowExecution } from "./core/sweep";
import { regionSharedByArns } from "./core/targets";
import type { ExecutionDescription, ExecutionEvent, ExecutionStatus } from "./core/types";

export interface StartedExecution {
    readonly executionArn: string;
    readonly startDate: Date;
}

export interface DescribedExecution extends ExecutionDescription {
    readonly stopDate?: Date;
}

export interface ExecutionEventPage {
    readonly events: readonly ExecutionEvent[];
    readonly nextToken?: string;
}

export interface StepFunctions {
    startExecution(stateMachineArn: string, name: string, input: string): Promise<StartedExecution>;
    describeExecution(executionArn: string): Promise<DescribedExecution>;
    stopExecution(executionArn: string, error: string, cause: string): Promise<void>;
    /** One page of the execution's event history, newest event first (`reverseOrder: true`). */
    executionEventsNewestFirst(executionArn: string, nextToken?: string): Promise<ExecutionEventPage>;
}

export interface PullRequestComments {
    /** Posts `content` as a general PR comment; returns the comment id. */
    postComment(pullRequest: PullRequestContext, content: string, clientRequestToken: string): Promise<string>;
    /**
     * The newest comment on any revision of the pull request whose content `matches`, reading every
     * page; when the client speaks as a role, only that role's session's own comments: anyone else's
     * could not be updated, and must not be carried forward as the bot's.
     */
    findComment(pullRequest: PullRequestContext, matches: (content: string) => boolean): Promise<{ commentId: string; content: string } | undefined>;
    updateComment(commentId: string, content: string): Promise<void>;
}

export interface PullRequestApprovals {
    /** The pull request's current revision, source commit (of its target in this repository) and status. */
    pullRequestState(pullRequest: PullRequestContext): Promise<PullRequestState>;
    updateApprovalState(pullRequest: PullRequestContext, revisionId: string, approvalState: "APPROVE" | "REVOKE"): Promise<void>;
}

/** What the runner reads of GetFunctionConfiguration: the fingerprint's fields and the memory size. */
export interface FunctionConfiguration extends FunctionConfigurationShape {
    readonly MemorySize?: number;
    /** Seconds one invocation may run. */
    readonly Timeout?: number;
}

export interface LambdaFunctions {
    /** GetFunctionConfiguration of $LATEST. */
    functionConfiguration(functionArn: string): Promise<FunctionConfiguration>;
    /** GetAccountSettings: the concurrency the account's functions share (its quota less what functions reserved). */
    unreservedConcurrency(): Promise<number>;
    /** The functions of the account and region whose names start with `prefix` (ListFunctions, every page). */
    functionsNamed(prefix: string): Promise<Array<{ readonly name: string; readonly arn: string }>>;
}

/** Production's Lambda metrics in CloudWatch. */
export interface LambdaMetrics {
    /** GetMetricData (every page): the function's Invocations sum and Duration average between `from` and `to`. */
    traffic(functionName: string, from: Date, to: Date): Promise<MetricDataAnswer[]>;
}

/** A file of a repository directly in the folder read. */
export interface RepositoryFile {
    /** The path inside the repository, as GetFile takes it. */
    readonly absolutePath: string;
    /** The path inside the folder read. */
    readonly relativePath: string;
}

/** What differs between two commits of the CodeCommit repository, read as data. */
export interface RepositoryDifferences {
    /** Every difference between `before` and `after` (GetDifferences, every page). */
    differences(repositoryName: string, beforeCommit: string, afterCommit: string): Promise<ChangedFile[]>;
}

/** Files of the CodeCommit repository at a given commit, read as data. */
export interface RepositoryFiles {
    /** The file's bytes at `commit`, or undefined when that commit has no such file. */
    file(repositoryName: string, commit: string, path: string): Promise<Uint8Array | undefined>;
    /** The files directly in `folder` at `commit` ("" is the root); subfolders and symbolic links are left out. */
    filesIn(repositoryName: string, commit: string, folder: string): Promise<RepositoryFile[]>;
}

/** JSON documents in S3: the tuning history, and the files a pull request's deploy build handed on. */
export interface TuningHistoryObjects {
    /** The object's text, or undefined when there is no such key. */
    read(bucket: string, key: string): Promise<string | undefined>;
    write(bucket: string, key: string, body: string): Promise<void>;
    /** The keys under `prefix`, every page (ListObjectsV2). */
    keys(bucket: string, prefix: string): Promise<string[]>;
}

/** The concurrency budget's lease table, one S3 object replaced only by conditional writes. */
export interface BudgetLeaseObject {
    /** The object's text and ETag, or undefined when there is no such key. */
    read(bucket: string, key: string): Promise<{ readonly text: string; readonly etag: string } | undefined>;
    /**
     * Writes the object only if it is still the version `etag` names (If-Match), or, with undefined,
     * only if there is none (If-None-Match: *). False when another writer got there first.
     */
    replace(bucket: string, key: string, body: string, etag: string | undefined): Promise<boolean>;
}

/** Something a sweep may remove, as a list call names it, with the time its age is judged by (epoch ms). */
export interface Listed {
    readonly name: string;
    readonly createdAt?: number;
}

/** A role as ListRoles names it: IAM policies match `role/<path without its leading "/"><name>`. */
export interface ListedRole extends Listed {
    readonly path: string;
}

/** Lambda functions, as a sweep lists and removes them. */
export interface SweepableFunctions {
    /** Every function of the account and region (ListFunctions, every page); createdAt is LastModified. */
    list(): Promise<Listed[]>;
    /** The UUIDs of the function's event source mappings, every page. */
    eventSourceMappings(functionName: string): Promise<string[]>;
    deleteEventSourceMapping(uuid: string): Promise<void>;
    /** DeleteFunction without a qualifier: the function with every version and alias. */
    delete(functionName: string): Promise<void>;
}

/** IAM roles and what must go before a role can: its inline and attached policies, its instance-profile links. */
export interface SweepableRoles {
    /** Every role of the account (ListRoles, every page); createdAt is CreateDate. */
    list(): Promise<ListedRole[]>;
    inlinePolicies(roleName: string): Promise<string[]>;
    /** ARNs of the managed policies attached to the role. */
    attachedPolicies(roleName: string): Promise<string[]>;
    instanceProfiles(roleName: string): Promise<string[]>;
    deleteInlinePolicy(roleName: string, policyName: string): Promise<void>;
    detachPolicy(roleName: string, policyArn: string): Promise<void>;
    removeFromInstanceProfile(roleName: string, instanceProfileName: string): Promise<void>;
    delete(roleName: string): Promise<void>;
}

export interface SweepableLogGroups {
    /** The log groups whose names start with `namePrefix` (every page); createdAt is creationTime. */
    list(namePrefix: string): Promise<Listed[]>;
    delete(logGroupName: string): Promise<void>;
}

export interface SweepableObjects {
    /** The objects whose keys start with `prefix` (every page); the name is the key, createdAt LastModified. */
    list(bucket: string, prefix: string): Promise<Listed[]>;
    delete(bucket: string, key: string): Promise<void>;
}

/** What a sweep lists and removes. */
export interface SweepableResources {
    /** ListExecutions (status RUNNING, every page), then DescribeExecution of each for its input. */
    readonly runningExecutions: (stateMachineArn: string) => Promise<RunningWorkflowExecution[]>;
    readonly functions: SweepableFunctions;
    readonly roles: SweepableRoles;
    readonly logGroups: SweepableLogGroups;
    readonly objects: SweepableObjects;
}

/** Every client a run may use; each command takes the ones it needs. */
export interface AwsClients {
    readonly stepFunctions: StepFunctions;
    readonly lambda: LambdaFunctions;
    readonly metrics: LambdaMetrics;
    readonly tuningHistory: TuningHistoryObjects;
    /** With the build's own credentials: the repository is read as data. */
    readonly repositoryFiles: RepositoryFiles;
    readonly repositoryDifferences: RepositoryDifferences;
    /** As the pull-request bot when the run has a comment role (see awsClients). */
    readonly pullRequestComments: PullRequestComments;
    readonly pullRequestApprovals: PullRequestApprovals;
    readonly sweepable: SweepableResources;
    readonly budgetLeases: BudgetLeaseObject;
}

/**
 * The SDK clients of one run. Comments and approvals are made as `commentRoleArn` assumed under
 * the fixed session name PULL_REQUEST_BOT_SESSION_NAME when it is given: CodeCommit lets only a
 * comment's author update it, and the approval rule's pool names this one session, while the
 * build's own session name changes with every build. Everything else keeps the build's credentials.
 */
export function awsClients(commentRoleArn: string | undefined): AwsClients {
    const pullRequest = speakingFor(commentRoleArn);
    return {
        stepFunctions: stepFunctionsClient(),
        lambda: lambdaFunctionsClient(),
        metrics: lambdaMetricsClient(),
        tuningHistory: tuningHistoryObjectsClient(),
        repositoryFiles: repositoryFilesClient(),
        repositoryDifferences: repositoryDifferencesClient(),
        pullRequestComments: pullRequestCommentsClient(pullRequest, commentAuthor(commentRoleArn)),
        pullRequestApprovals: pullRequestApprovalsClient(pullRequest),
        sweepable: sweepableResourcesClient(),
        budgetLeases: budgetLeaseObjectClient(),
    };
}

/**
 * Makes sure the SDK has a region before the first AWS call. The SDK's own configuration
 * (AWS_REGION, the profile's region) wins; without one, the region `arns` share becomes
 * AWS_REGION for every client of this run, as if the user had set it, and `log` says so. With
 * neither, nothing can be called: a usage error (exit 2) says what to set.
 */
export async function ensureRegion(arns: readonly string[], from: string, log: (message: string) => void): Promise<void> {
    // A client resolves the region exactly as every other client of the run will.
    const configured = await new SFNClient({}).config.region().catch(() => undefined);
    if (configured !== undefined) return;
    const region = regionSharedByArns(arns);
    if (region === undefined) {
        const why = arns.length === 0 ? "" : `; the ARNs of ${from} name different regions`;
        throw new UsageError(`no AWS region: set AWS_REGION (e.g. AWS_REGION=us-east-1) or a region in your AWS profile${why}`);
    }
    process.env.AWS_REGION = region;
    log(`region ${region}, from ${from} (neither AWS_REGION nor the AWS profile names one)`);
}

/**
 * Every client's retries: the SDK's adaptive mode (its standard retries of throttling and
 * transient errors with jittered exponential backoff, plus a client-side rate limiter that slows
 * the whole run down once AWS throttles) and up to 8 attempts, about a minute of backoff at most:
 * Step Functions' per-account token buckets refill within seconds, and failing a function's
 * tuning over a throttled poll would waste the run. A value set on a client would override
 * AWS_RETRY_MODE / AWS_MAX_ATTEMPTS (and the profile's retry_mode / max_attempts), so these are
 * the defaults of the SDK's own loaders, and those settings still win.
 */
const RETRIES = {
    retryMode: loadConfig({ ...NODE_RETRY_MODE_CONFIG_OPTIONS, default: "adaptive" }),
    maxAttempts: loadConfig({ ...NODE_MAX_ATTEMPT_CONFIG_OPTIONS, default: 8 }),
};

function stepFunctionsClient(): StepFunctions {
    const client = answeredByAws(new SFNClient(RETRIES), "json");
    return {
        async startExecution(stateMachineArn, name, input) {
            const response = await client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
            return { executionArn: response.executionArn!, startDate: response.startDate ?? new Date() };
        },
        async describeExecution(executionArn) {
            const response = await client.send(new DescribeExecutionCommand({ executionArn }));
            return {
                status: response.status as ExecutionStatus,
                output: response.output,
                error: response.error,
                cause: response.cause,
                stopDate: response.stopDate,
            };
        },
        async stopExecution(executionArn, error, cause) {
            await client.send(new StopExecutionCommand({ executionArn, error, cause }));
        },
        async executionEventsNewestFirst(executionArn, nextToken) {
            // Newest first: the CleanUpOnError entry sits near the end of a failed run.
            const response = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, nextToken }));
            const events = (response.events ?? []).map((event): ExecutionEvent => ({ id: event.id!, type: event.type!, stateEnteredEventDetails: event.stateEnteredEventDetails }));
            return { events, nextToken: response.nextToken };
        },
    };
}

/**
 * CodeCommit as the pull request's commenter and approver: the role assumed with the SDK's
 * provider, which assumes it on the first call and lets the client renew the credentials before
 * they expire; without a role, the build's credentials.
 */
function speakingFor(botRoleArn: string | undefined): CodeCommitClient {
    if (botRoleArn === undefined) return answeredByAws(new CodeCommitClient(RETRIES), "json");
    const assume = fromTemporaryCredentials({ params: { RoleArn: botRoleArn, RoleSessionName: PULL_REQUEST_BOT_SESSION_NAME } });
    const credentials: typeof assume = async (properties) => {
        try {
            return await assume(properties);
        } catch (error) {
            throw namedError("AssumeRoleError", `AssumeRole of ${botRoleArn} as session ${PULL_REQUEST_BOT_SESSION_NAME} failed: ${describeError(error)}`);
        }
    };
    return answeredByAws(new CodeCommitClient({ ...RETRIES, credentials }), "json");
}

/** Who the comments a run may update were written by: the bot's session, or, without a role, anyone (the caller is not known). */
export function commentAuthor(commentRoleArn: string | undefined): string | undefined {
    return commentRoleArn === undefined ? undefined : assumedRoleSessionArn(commentRoleArn, PULL_REQUEST_BOT_SESSION_NAME);
}

function pullRequestCommentsClient(client: CodeCommitClient, author: string | undefined): PullRequestComments {
    return {
        async postComment(pullRequest, content, clientRequestToken) {
            const response = await client.send(new PostCommentForPullRequestCommand(postCommentInput(pullRequest, content, clientRequestToken)));
            return response.comment?.commentId ?? "";
        },
        findComment: (pullRequest, matches) =>
            newestMatchingComment(async (nextToken) => {
                // The pull request id alone lists the comments of every revision; with a repository
                // name the API wants both commits and lists one revision's only.
                const page = await client.send(new GetCommentsForPullRequestCommand({ pullRequestId: pullRequest.pullRequestId, nextToken }));
                const comments = (page.commentsForPullRequestData ?? []).flatMap((data) => data.comments ?? []);
                return { comments: comments.map((comment) => ({ ...comment, created: comment.creationDate?.getTime() })), nextToken: page.nextToken };
            }, matches, author),
        async updateComment(commentId, content) {
            await client.send(new UpdateCommentCommand({ commentId, content }));
        },
    };
}

function pullRequestApprovalsClient(client: CodeCommitClient): PullRequestApprovals {
    return {
        async pullRequestState(pullRequest) {
            const { pullRequest: found } = await client.send(new GetPullRequestCommand({ pullRequestId: pullRequest.pullRequestId }));
            return pullRequestStateOf(found, pullRequest);
        },
        async updateApprovalState(pullRequest, revisionId, approvalState) {
            await client.send(new UpdatePullRequestApprovalStateCommand({ pullRequestId: pullRequest.pullRequestId, revisionId, approvalState }));
        },
    };
}

/** Repository files with the build's own credentials (GetFile, GetFolder). */
function repositoryFilesClient(): RepositoryFiles {
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
function repositoryDifferencesClient(): RepositoryDifferences {
    const client = answeredByAws(new CodeCommitClient(RETRIES), "json");
    return {
        differences: (repositoryName, beforeCommit, afterCommit) =>
            everyPage(paginateGetDifferences({ client }, { repositoryName, beforeCommitSpecifier: beforeCommit, afterCommitSpecifier: afterCommit }), (page) =>
                page.differences?.map(changedFileOf),
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

function lambdaFunctionsClient(): LambdaFunctions {
    const client = answeredByAws(new LambdaClient(RETRIES), "json");
    return {
        functionConfiguration: (functionArn) => client.send(new GetFunctionConfigurationCommand({ FunctionName: functionArn })),
        functionsNamed: (prefix) =>
            everyPage(paginateListFunctions({ client }, {}), (page) =>
                page.Functions?.flatMap((fn) => (fn.FunctionName?.startsWith(prefix) === true && fn.FunctionArn !== undefined ? [{ name: fn.FunctionName, arn: fn.FunctionArn }] : [])),
            ),
        async unreservedConcurrency() {
            const { AccountLimit } = await client.send(new GetAccountSettingsCommand({}));
            return unreservedConcurrencyOf(AccountLimit);
        },
    };
}

function lambdaMetricsClient(): LambdaMetrics {
    const client = answeredByAws(new CloudWatchClient(RETRIES), "json");
    return {
        async traffic(functionName, from, to) {
            const answers: MetricDataAnswer[] = [];
            for await (const page of paginateGetMetricData({ client }, { MetricDataQueries: trafficQueries(functionName), StartTime: from, EndTime: to })) {
                answers.push(...(page.MetricDataResults ?? []));
            }
            return answers;
        },
    };
}

/** The account's unreserved concurrency as GetAccountSettings reports it. */
export function unreservedConcurrencyOf(limit: { readonly UnreservedConcurrentExecutions?: number } | undefined): number {
    const unreserved = limit?.UnreservedConcurrentExecutions;
    if (unreserved === undefined) throw new Error("GetAccountSettings named no UnreservedConcurrentExecutions");
    return unreserved;
}

// No forcePathStyle: on AWS, virtual-hosted addressing is the default, and with an endpoint
// whose host is an IP address (AWS_ENDPOINT_URL_S3=http://127.0.0.1:…, the test server) the SDK
// addresses buckets path-style by itself.
function tuningHistoryObjectsClient(): TuningHistoryObjects {
    const client = answeredByAws(new S3Client(RETRIES), "xml");
    return {
        read: async (bucket, key) => (await readObject(client, bucket, key))?.text,
        async write(bucket, key, body) {
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json" }));
        },
        keys: (bucket, prefix) =>
            everyPage(paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix }), (page) =>
                page.Contents?.flatMap((object) => (object.Key === undefined ? [] : [object.Key])),
            ),
    };
}

/** An object's text and ETag, or undefined when there is no such key. */
async function readObject(client: S3Client, bucket: string, key: string): Promise<{ text: string; etag: string } | undefined> {
    try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { text: await response.Body!.transformToString("utf-8"), etag: response.ETag! };
    } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
    }
}

/**
 * S3's answers when a conditional write loses (docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html):
 * 412 when the condition does not hold, 409 when a concurrent write to the key won, 404 when
 * If-Match names a key that is gone.
 */
const LOST_CONDITIONAL_WRITE = new Set([404, 409, 412]);

function budgetLeaseObjectClient(): BudgetLeaseObject {
    const client = answeredByAws(new S3Client(RETRIES), "xml");
    return {
        read: (bucket, key) => readObject(client, bucket, key),
        async replace(bucket, key, body, etag) {
            const condition = etag === undefined ? { IfNoneMatch: "*" } : { IfMatch: etag };
            try {
                await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json", ...condition }));
                return true;
            } catch (error) {
                const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
                if (status !== undefined && LOST_CONDITIONAL_WRITE.has(status)) return false;
                throw error;
            }
        },
    };
}

/** Every item of every page a paginator yields. */
async function everyPage<Page, Item>(pages: AsyncIterable<Page>, items: (page: Page) => readonly Item[] | undefined): Promise<Item[]> {
    const all: Item[] = [];
    for await (const page of pages) all.push(...(items(page) ?? []));
    return all;
}

/** The SDK's paginators read every page of every list call a sweep makes. */
function sweepableResourcesClient(): SweepableResources {
    const lambda = answeredByAws(new LambdaClient(RETRIES), "json");
    const iam = answeredByAws(new IAMClient(RETRIES), "xml");
    const logs = answeredByAws(new CloudWatchLogsClient(RETRIES), "json");
    const s3 = answeredByAws(new S3Client(RETRIES), "xml");
    const sfn = answeredByAws(new SFNClient(RETRIES), "json");
    return {
        async runningExecutions(stateMachineArn) {
            const arns = await everyPage(paginateListExecutions({ client: sfn }, { stateMachineArn, statusFilter: "RUNNING" }), (page) => page.executions?.map((execution) => execution.executionArn!));
            return Promise.all(
                arns.map(async (executionArn) => {
                    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
                    return { executionArn, startedAt: described.startDate!.getTime(), input: described.input ?? "{}" };
                }),
            );
        },
        functions: {
            list: () =>
                everyPage(paginateListFunctions({ client: lambda }, {}), (page) =>
                    page.Functions?.map((fn) => ({ name: fn.FunctionName!, createdAt: lambdaTimestamp(fn.LastModified) })),
                ),
            eventSourceMappings: (functionName) =>
                everyPage(paginateListEventSourceMappings({ client: lambda }, { FunctionName: functionName }), (page) => page.EventSourceMappings?.map((mapping) => mapping.UUID!)),
            async deleteEventSourceMapping(uuid) {
                await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
            },
            async delete(functionName) {
                await lambda.send(new DeleteFunctionCommand({ FunctionName: functionName }));
            },
        },
        roles: {
            list: () =>
                everyPage(paginateListRoles({ client: iam }, {}), (page) =>
                    page.Roles?.map((role) => ({ name: role.RoleName!, path: role.Path ?? "/", createdAt: role.CreateDate?.getTime() })),
                ),
            inlinePolicies: (roleName) => everyPage(paginateListRolePolicies({ client: iam }, { RoleName: roleName }), (page) => page.PolicyNames),
            attachedPolicies: (roleName) =>
                everyPage(paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName }), (page) => page.AttachedPolicies?.map((policy) => policy.PolicyArn!)),
            instanceProfiles: (roleName) =>
                everyPage(paginateListInstanceProfilesForRole({ client: iam }, { RoleName: roleName }), (page) => page.InstanceProfiles?.map((profile) => profile.InstanceProfileName!)),
            async deleteInlinePolicy(roleName, policyName) {
                await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
            },
            async detachPolicy(roleName, policyArn) {
                await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
            },
            async removeFromInstanceProfile(roleName, instanceProfileName) {
                await iam.send(new RemoveRoleFromInstanceProfileCommand({ RoleName: roleName, InstanceProfileName: instanceProfileName }));
            },
            async delete(roleName) {
                await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
            },
        },
        logGroups: {
            list: (namePrefix) =>
                everyPage(paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: namePrefix }), (page) =>
                    page.logGroups?.map((group) => ({ name: group.logGroupName!, createdAt: group.creationTime })),
                ),
            async delete(logGroupName) {
                await logs.send(new DeleteLogGroupCommand({ logGroupName }));
            },
        },
        objects: {
            list: (bucket, prefix) =>
                everyPage(paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix }), (page) =>
                    page.Contents?.map((object) => ({ name: object.Key!, createdAt: object.LastModified?.getTime() })),
                ),
            async delete(bucket, key) {
                await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
            },
        },
    };
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
        throw new Error(`GetPullRequest for pull request ${pullRequest.pullRequestId} named no revision or no source commit in ${pullRequest.repositoryName}`);
    }
    return { revisionId: found.revisionId, sourceCommit: target.sourceCommit, status: found.pullRequestStatus === "CLOSED" ? "CLOSED" : "OPEN" };
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

/** The HTTP response as the deserialize step sees it (Node's http handler). */
interface RawResponse {
    statusCode?: number;
    headers?: Record<string, string | undefined>;
    body?: unknown;
}

/**
 * What a client's answers are written in: JSON (Lambda, CloudWatch Logs, Step Functions,
 * CodeCommit) or XML (S3, IAM, STS). Errors included.
 */
export type WireProtocol = "json" | "xml";

/** Whether the content type alone says the answer is the API's: JSON or XML, or a 2xx that is no page. */
function labelledAsAnswer(statusCode: number, contentType: string): boolean {
    return /json|xml/i.test(contentType) || (statusCode < 300 && !/html/i.test(contentType));
}

/** The start of an HTML document, which no AWS protocol answers with. */
const HTML_START = /^<(!doctype\s+html|html[\s>])/i;

/**
 * Whether an answer whose content type does not say so can still be the API's: an empty 2xx
 * (DeleteFunction's 204), or a body that parses in the client's protocol. Emulators (moto,
 * LocalStack) label such answers text/html; a proxy's or firewall's page never parses as JSON
 * and never starts like an XML answer.
 */
export function isApiAnswer(protocol: WireProtocol, statusCode: number, body: string): boolean {
    const text = body.trim();
    if (text === "") return statusCode < 300;
    // AWS's XML starts with a declaration or a capitalized element (<Error>, <ListBucketResult>); HTML's are lower case.
    if (protocol === "xml") return /^<(\?xml[\s?]|[A-Z][\w.-]*[\s/>])/.test(text) && !HTML_START.test(text);
    // Every JSON answer, error or not, is an object.
    try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
    } catch {
        return false;
    }
}

/** What answeredByAws needs of an SDK client: its deserialize step. */
interface ClientWithMiddleware {
    readonly middlewareStack: {
        add(
            middleware: <Args, Result extends { response: unknown }>(next: (args: Args) => Promise<Result>) => (args: Args) => Promise<Result>,
            options: { step: "deserialize"; priority: "low"; name: string },
        ): void;
    };
}

const BODY_START_CHARACTERS = 200;

/**
 * Fails every call whose answer cannot be from AWS (an HTML page from a proxy or a firewall, or
 * a wrong endpoint) with a NotAnAwsResponse error giving the HTTP status and the start of the
 * body, instead of the SDK's parser failing with "inspect the hidden field $response". The error
 * carries the status where the SDK's retries look for it, so a 5xx page is retried like a 5xx
 * from AWS. An answer whose content type says otherwise but whose body is the API's (isApiAnswer)
 * is handed on unchanged. Runs innermost in the deserialize step, next to the HTTP call.
 */
function answeredByAws<Client extends ClientWithMiddleware>(client: Client, protocol: WireProtocol): Client {
    client.middlewareStack.add(
        (next) => async (args) => {
            const result = await next(args);
            const response = result.response as RawResponse;
            const statusCode = response.statusCode ?? 0;
            if (labelledAsAnswer(statusCode, response.headers?.["content-type"] ?? "") || !(response.body instanceof Readable)) return result;
            const chunks: Buffer[] = [];
            for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
            const body = Buffer.concat(chunks);
            if (isApiAnswer(protocol, statusCode, body.toString("utf8"))) {
                // The SDK's parser reads the body as a stream; this one has been read.
                response.body = Readable.from(body);
                return result;
            }
            const text = body.toString("utf8").replace(/\s+/g, " ").trim();
            const start = text === "" ? "an empty body" : `a body starting ${JSON.stringify(text.length > BODY_START_CHARACTERS ? `${text.slice(0, BODY_START_CHARACTERS)}…` : text)}`;
            const contentType = response.headers?.["content-type"] || "no content type";
            const error = namedError(
                "NotAnAwsResponse",
                `HTTP ${response.statusCode ?? 0} (${contentType}) with ${start}: not an answer from the AWS API; ` +
                    "a proxy or firewall in between, or a wrong endpoint (check HTTPS_PROXY and AWS_ENDPOINT_URL_*)",
            );
            throw Object.assign(error, { $metadata: { httpStatusCode: response.statusCode } });
        },
        { step: "deserialize", priority: "low", name: "failAnswersNotFromAws" },
    );
    return client;
}

function namedError(name: string, message: string): Error {
    return Object.assign(new Error(message), { name });
}
