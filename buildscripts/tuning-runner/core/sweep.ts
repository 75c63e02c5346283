// What a sweep may remove, and when (functional core). A sweep removes what a pull request's copy
// can leave behind, by name: Lambda functions `<prefix>-*`, IAM roles `<prefix>-*`, log groups
// `/aws/lambda/<prefix>-*`, and the Terraform state objects under a prefix, each only once it is
// older than a given age. Every name is matched here again, whatever a list call was asked to
// filter: an API that ignored its filter must never widen what is deleted.
import { globsOverlap, SWEEP_NAME_PREFIX_RULE } from "../../contract";
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
export const SWEPT_KIND_WORDS: Record<SweptKind, string> = { function: "function", role: "role", "log-group": "log group", "state-object": "state object" };

/** Refuses a prefix a sweep must not run with; the protected prefix must be disjoint from it. */
export function validateSweepPrefixes(namePrefix: string, protectPrefix: string | undefined): void {
    for (const [field, value] of [[NAME_PREFIX_FIELD, namePrefix], [PROTECT_PREFIX_FIELD, protectPrefix]] as const) {
        if (value !== undefined && !SWEEP_NAME_PREFIX_RULE.pattern.test(value)) throw InputError.invalid(field, value, SWEEP_NAME_PREFIX_RULE.allowed);
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
 * Whether a role lies in the swept namespace, judged as IAM judges a policy's `role/<prefix>-*`:
 * by path and name. The stack's own roles live under its path (`/lambda-power-tuned/…`), so a
 * prefix such as `pr` never reaches `pr-deploy-role-…` there.
 */
export function isSweptRole(path: string, roleName: string, namePrefix: string): boolean {
    return `${path.replace(/^\//, "")}${roleName}`.startsWith(`${namePrefix}-`);
}

/** The log groups Lambda writes for the namespace's functions start with this. */
export function sweptLogGroupPrefix(namePrefix: string): string {
    return `/aws/lambda/${namePrefix}-`;
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
