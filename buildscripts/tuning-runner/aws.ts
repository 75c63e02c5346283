// The AWS calls the runner makes, behind two small interfaces. Clients take the SDK's
// standard configuration only (AWS_REGION, credentials chain, AWS_ENDPOINT_URL_SFN /
// _CODECOMMIT, AWS_MAX_ATTEMPTS): the same binary runs in CodeBuild and against the
// local test server without a flag of its own.
import { CodeCommitClient, PostCommentForPullRequestCommand } from "@aws-sdk/client-codecommit";
import {
    DescribeExecutionCommand,
    GetExecutionHistoryCommand,
    SFNClient,
    StartExecutionCommand,
    StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { ExecutionDescription, ExecutionStatus, HistoryEvent, PullRequestContext } from "./types";
import { sleep, type Log } from "./io";

export interface StartedExecution {
    readonly executionArn: string;
    readonly startDate: Date;
}

export interface DescribedExecution extends ExecutionDescription {
    readonly stopDate?: Date;
}

export interface HistoryPage {
    readonly events: readonly HistoryEvent[];
    readonly nextToken?: string;
}

export interface StepFunctions {
    startExecution(stateMachineArn: string, name: string, input: string): Promise<StartedExecution>;
    describeExecution(executionArn: string): Promise<DescribedExecution>;
    stopExecution(executionArn: string, error: string, cause: string): Promise<void>;
    /** One page of the execution's history, newest event first (`reverseOrder: true`). */
    historyPageNewestFirst(executionArn: string, nextToken?: string): Promise<HistoryPage>;
}

export interface PullRequestComments {
    /** Posts `content` as a general PR comment; returns the comment id. */
    postComment(pullRequest: PullRequestContext, content: string, clientRequestToken: string): Promise<string>;
}

export function stepFunctionsClient(): StepFunctions {
    const client = new SFNClient({});
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
        async historyPageNewestFirst(executionArn, nextToken) {
            const response = await client.send(
                // Newest first: the CleanUpOnError entry sits near the end of a failed run.
                new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, nextToken }),
            );
            const events = (response.events ?? []).map(
                (event): HistoryEvent => ({
                    id: event.id!,
                    type: event.type!,
                    stateEnteredEventDetails: event.stateEnteredEventDetails,
                }),
            );
            return { events, nextToken: response.nextToken };
        },
    };
}

export function pullRequestCommentsClient(): PullRequestComments {
    const client = new CodeCommitClient({});
    return {
        async postComment(pullRequest, content, clientRequestToken) {
            const response = await client.send(
                new PostCommentForPullRequestCommand({
                    repositoryName: pullRequest.repositoryName,
                    pullRequestId: pullRequest.pullRequestId,
                    // CodeCommit compares before → after: the destination branch is "before".
                    beforeCommitId: pullRequest.destinationCommit,
                    afterCommitId: pullRequest.sourceCommit,
                    content,
                    clientRequestToken,
                }),
            );
            return response.comment?.commentId ?? "";
        },
    };
}

const THROTTLING_ERRORS = new Set([
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
]);

function isThrottling(error: unknown): boolean {
    const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    return THROTTLING_ERRORS.has(candidate?.name ?? "") || candidate?.$metadata?.httpStatusCode === 429;
}

/** Our own attempts after the SDK has spent its retries (AWS_MAX_ATTEMPTS, default 3). */
const THROTTLED_ATTEMPTS = 6;
// Waits are jittered between half and all of 2, 4, 8, 16, 16 s: never sooner than 1 s, the
// polling floor, and about 45 s at most before the call's failure is the function's result.
const FIRST_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 16_000;

/**
 * Runs `call`, waiting and retrying when AWS still throttles after the SDK's own retries:
 * Step Functions' per-account token buckets refill within seconds, so a few doubling,
 * jittered waits get through where failing the whole tuning would waste the run.
 */
export async function withThrottlingBackoff<T>(what: string, call: () => Promise<T>, log: Log, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await call();
        } catch (error) {
            if (!isThrottling(error) || attempt >= THROTTLED_ATTEMPTS || signal?.aborted) throw error;
            const ceiling = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
            const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
            log(`${what} throttled (${(error as Error).name}); retrying in ${delayMs} ms`);
            await sleep(delayMs, signal);
            if (signal?.aborted) throw error;
        }
    }
}
