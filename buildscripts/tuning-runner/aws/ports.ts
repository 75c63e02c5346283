// The AWS calls the runner makes, as the small interfaces the commands take: pure types, so a
// command (and a test's in-memory AWS) depends on what it calls, never on the SDK.
import type { FunctionConfigurationShape } from "../core/fingerprint";
import type { PullRequestState } from "../core/policy";
import type { MetricDataAnswer } from "../core/productionMetrics";
import type { PullRequestContext } from "../core/resultsFile";
import type { RunningWorkflowExecution } from "../core/sweep";
import type { ExecutionDescription, ExecutionEvent } from "../core/types";
import type { ChangedFile } from "../core/copyDecision";

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
    findComment(
        pullRequest: PullRequestContext,
        matches: (content: string) => boolean,
    ): Promise<{ commentId: string; content: string } | undefined>;
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
    /** The files the pull request's deploy build handed on (in the copies' own account when they have one). */
    readonly deployFiles: Pick<TuningHistoryObjects, "read">;
}
