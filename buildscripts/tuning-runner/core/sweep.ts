// What a sweep may remove, and when (functional core). A sweep removes what a pull request's copy
// can leave behind, by name: Lambda functions `<prefix>-*`, IAM roles `<prefix>-*`, log groups
// `/aws/lambda/<prefix>-*`, and the Terraform state objects under a prefix, each only once it is
// older than a given age. Every name is matched here again, whatever a list call was asked to
// filter: an API that ignored its filter must never widen what is deleted.
import { COMMIT_ID_RULE, copyNamePrefix, COPY_ROLE_PATH, globsOverlap, PULL_REQUEST_ID_RULE, SWEEP_NAME_PREFIX_RULE } from "../../contract";
import { InputError } from "./errors";

export const NAME_PREFIX_FIELD = "--name-prefix";
export const PROTECT_PREFIX_FIELD = "--protect-prefix";

/** The scheduled sweep that retries what a sweep could not remove, as a pull request's comment names it. */
export interface ScheduledSweep {
    /** Its EventBridge schedule, e.g. `rate(6 hours)`. */
    readonly schedule?: string;
    /** The age in hours from which it removes things. */
    readonly olderThanHours?: number;
}

/** What a sweep removes, in the order it removes them: a function before its role, the state last. */
export const SWEPT_KINDS = ["function", "role", "log-group", "state-object"] as const;
export type SweptKind = (typeof SWEPT_KINDS)[number];

/** Each kind in a log line or a comment. */
export const SWEPT_KIND_WORDS: Record<SweptKind, string> = {
    function: "function",
    role: "role",
    "log-group": "log group",
    "state-object": "state object",
};

/** Refuses a prefix a sweep must not run with; the protected prefix must be disjoint from it. */
export function validateSweepPrefixes(namePrefix: string, protectPrefix: string | undefined): void {
    for (const [field, value] of [
        [NAME_PREFIX_FIELD, namePrefix],
        [PROTECT_PREFIX_FIELD, protectPrefix],
    ] as const) {
        if (value !== undefined && !SWEEP_NAME_PREFIX_RULE.pattern.test(value))
            throw InputError.invalid(field, value, SWEEP_NAME_PREFIX_RULE.allowed);
    }
    if (protectPrefix !== undefined && globsOverlap(`${namePrefix}-*`, `${protectPrefix}-*`)) {
        throw InputError.invalid(
            NAME_PREFIX_FIELD,
            namePrefix,
            `a prefix whose '<prefix>-*' and the protected '${protectPrefix}-*' (${PROTECT_PREFIX_FIELD}) cannot name the same thing`,
            `'${namePrefix}-*' and '${protectPrefix}-*' can match the same name, so the sweep could delete what ${PROTECT_PREFIX_FIELD} protects`,
        );
    }
}

/** Whether a Lambda function's name lies in the swept namespace. */
export function isSweptFunction(functionName: string, namePrefix: string): boolean {
    return functionName.startsWith(`${namePrefix}-`);
}

/**
 * A role's name as the sweeper's policy matches it, `role<COPY_ROLE_PATH><prefix>-*`: its path
 * below the copies' path, then its name; undefined for a role under any other path (production's,
 * the stack's own), which the copies never create and the sweeper may not delete.
 */
export function copyRoleName(path: string, roleName: string): string | undefined {
    return path.startsWith(COPY_ROLE_PATH) ? `${path.slice(COPY_ROLE_PATH.length)}${roleName}` : undefined;
}

/** Whether a role lies in the swept namespace, judged as IAM judges the sweeper's `role<COPY_ROLE_PATH><prefix>-*`: by path and name. */
export function isSweptRole(path: string, roleName: string, namePrefix: string): boolean {
    return copyRoleName(path, roleName)?.startsWith(`${namePrefix}-`) ?? false;
}

/** Where Lambda writes its functions' logs: `/aws/lambda/<function name>`. */
export const LAMBDA_LOG_GROUP_PREFIX = "/aws/lambda/";

/** The log groups Lambda writes for the namespace's functions start with this. */
export function sweptLogGroupPrefix(namePrefix: string): string {
    return `${LAMBDA_LOG_GROUP_PREFIX}${namePrefix}-`;
}

export function isSweptLogGroup(logGroupName: string, namePrefix: string): boolean {
    return logGroupName.startsWith(sweptLogGroupPrefix(namePrefix));
}

/** The state objects a sweep removes lie under `<prefix>/`: a whole bucket is never swept. */
export function sweptKeyPrefix(prefix: string): string {
    return `${prefix}/`;
}

export function isSweptKey(key: string, prefix: string): boolean {
    return key.startsWith(sweptKeyPrefix(prefix));
}

/** The newest creation (or modification) time a sweep removes: everything older than `olderThanHours` at `now`. */
export function sweepCutoff(now: number, olderThanHours: number): number {
    return now - olderThanHours * 3_600_000;
}

/**
 * Why an item is kept, or undefined when it is old enough to be removed. An age of 0 means
 * whatever the age: a timestamp a little ahead of this machine's clock, or none, keeps nothing.
 */
export function tooYoungToSweep(createdAt: number | undefined, cutoff: number, olderThanHours: number): string | undefined {
    if (olderThanHours === 0) return undefined;
    if (createdAt === undefined) return "its creation time is unknown";
    return createdAt > cutoff ? `younger than ${olderThanHours} hour${olderThanHours === 1 ? "" : "s"}` : undefined;
}

/**
 * Lambda's `LastModified` (`2026-11-26T17:15:15.326+0000`) as epoch milliseconds; undefined when
 * absent or unreadable, which keeps the function.
 */
export function lambdaTimestamp(text: string | undefined): number | undefined {
    const time = text === undefined ? NaN : Date.parse(text);
    return Number.isNaN(time) ? undefined : time;
}

/** A RUNNING execution of the pull-request workflow, as ListExecutions and DescribeExecution give it. */
export interface RunningWorkflowExecution {
    readonly executionArn: string;
    /** Epoch ms: set by Step Functions, which nothing a pull request runs can change. */
    readonly startedAt: number;
    /** The execution's input, as the workflow was started with it (JSON). */
    readonly input: string;
}

/** The copy one running workflow execution owns: every name under `<copyPrefix>-`. */
export interface CopyOwner {
    readonly executionArn: string;
    readonly copyPrefix: string;
    readonly startedAt: number;
}

/**
 * The copy a running execution owns, read from its input (the pull request's id and source commit,
 * as CodeCommit's event starts the workflow); undefined when the input names none.
 */
export function copyOwnerOf(execution: RunningWorkflowExecution, pullRequestNamePrefix: string): CopyOwner | undefined {
    let input: unknown;
    try {
        input = JSON.parse(execution.input);
    } catch {
        return undefined;
    }
    const { pullRequestId, sourceCommit } = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
    if (typeof pullRequestId !== "string" || !PULL_REQUEST_ID_RULE.pattern.test(pullRequestId)) return undefined;
    if (typeof sourceCommit !== "string" || !COMMIT_ID_RULE.pattern.test(sourceCommit)) return undefined;
    return {
        executionArn: execution.executionArn,
        copyPrefix: copyNamePrefix(pullRequestNamePrefix, { pullRequestId, sourceCommit }),
        startedAt: execution.startedAt,
    };
}

/**
 * Why an item of a copy is kept, or undefined when it goes: it is kept exactly while a running
 * workflow execution owns its copy and that execution started after the cutoff. Its own timestamps
 * (a function's LastModified, which any later deploy refreshes) play no part. `ownedName` is the
 * name as the copy's prefix starts it: a function's or a role's (after its path), a log group's
 * after `/aws/lambda/`.
 */
export function notOwnedOrTooOld(ownedName: string, owners: readonly CopyOwner[], cutoff: number): string | undefined {
    const owner = owners.find((candidate) => ownedName.startsWith(`${candidate.copyPrefix}-`));
    if (owner === undefined || owner.startedAt <= cutoff) return undefined;
    return `its copy belongs to the running workflow execution ${owner.executionArn}, started ${new Date(owner.startedAt).toISOString()}`;
}
