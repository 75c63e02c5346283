// Which Lambda functions a tuning may touch (functional core). On a pull request the function
// ARNs of the untrusted step's Terraform outputs come from the pull request itself: listed there,
// a production function or another pull request's copy would be reconfigured and invoked by the
// state machine. So every ARN is checked against this pull request's own copy before any AWS call.
import { copyNamePrefix, NAME_PREFIX_RULE, RUNNER_ENVIRONMENT } from "../../contract";
import type { PullRequestContext } from "./resultsFile";
import { InputError } from "./errors";

export const ALLOWED_NAME_PREFIX_FIELD = `--allowed-name-prefix (env ${RUNNER_ENVIRONMENT.pullRequestNamePrefix})`;

export interface FunctionScope {
    /** The state machine that tunes: its role may touch functions of its own account and region only. */
    readonly stateMachineArn: string;
    /** Only functions named `<prefix>-…`; undefined: any name. */
    readonly allowedNamePrefix?: string;
    /** Set when the prefix is a pull request's copy: how the prefix came about, for messages. */
    readonly copyOf?: PullRequestContext;
}

/**
 * The prefix a run may tune: on a pull request, its own copy's (`--allowed-name-prefix`, the
 * pull-request namespace, then the pull request's id and source commit), never the whole namespace
 * that every other pull request's copy shares; without a pull request, the namespace as given.
 */
export function functionScopeOf(
    stateMachineArn: string,
    namespace: string | undefined,
    pullRequest: PullRequestContext | undefined,
): FunctionScope {
    if (namespace === undefined || pullRequest === undefined) return { stateMachineArn, allowedNamePrefix: namespace };
    return { stateMachineArn, allowedNamePrefix: copyNamePrefix(namespace, pullRequest), copyOf: pullRequest };
}

/** Returns `value` if it is a name prefix as the stack's config allows them, else throws naming `field`. */
export function validateNamePrefix(value: string, field: string): string {
    if (!NAME_PREFIX_RULE.pattern.test(value)) throw InputError.invalid(field, value, NAME_PREFIX_RULE.allowed);
    return value;
}

/**
 * Throws an InputError naming the ARN, where it came from (`origin`: the flag, or the output in the
 * Terraform outputs file) and what is allowed, when the (valid, unqualified) function ARN `arn`
 * lies outside `scope`.
 */
export function checkFunctionInScope(scope: FunctionScope, arn: string, origin: string): void {
    const [, partition, , region, account, , name] = arn.split(":");
    const [, ownPartition, , ownRegion, ownAccount] = scope.stateMachineArn.split(":");
    if (partition !== ownPartition || region !== ownRegion || account !== ownAccount) {
        throw InputError.invalid(
            origin,
            arn,
            `a function in the state machine's account ${ownAccount} and region ${ownRegion}`,
            `account ${account}, region ${region}: the state machine's role may tune functions of its own account and region only`,
        );
    }
    const prefix = scope.allowedNamePrefix;
    if (prefix !== undefined && !name.startsWith(`${prefix}-`)) {
        const [allowed, outside] =
            scope.copyOf === undefined
                ? [`functions named ${prefix}-…, the prefix given by ${ALLOWED_NAME_PREFIX_FIELD}`, "the pull-request namespace"]
                : [
                      `functions named ${prefix}-…, this pull request's copy (${ALLOWED_NAME_PREFIX_FIELD}, pull request ${scope.copyOf.pullRequestId}, source commit ${scope.copyOf.sourceCommit.slice(0, 7)})`,
                      "this pull request's copy",
                  ];
        throw InputError.invalid(origin, arn, allowed, `the function "${name}" is outside ${outside}`);
    }
}
