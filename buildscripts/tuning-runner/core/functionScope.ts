// Which Lambda functions a tuning may touch (functional core). On a pull request the function
// ARNs come from the untrusted step's Terraform outputs, i.e. from the pull request itself: listed
// there, a production function would be reconfigured and invoked by the state machine. So every ARN
// is checked against the pull-request namespace before any AWS call.
import { NAME_PREFIX_RULE, RUNNER_ENVIRONMENT } from "../../contract";
import { InputError } from "./errors";

export const ALLOWED_NAME_PREFIX_FIELD = `--allowed-name-prefix (env ${RUNNER_ENVIRONMENT.pullRequestNamePrefix})`;

export interface FunctionScope {
    /** The state machine that tunes: its role may touch functions of its own account and region only. */
    readonly stateMachineArn: string;
    /** `--allowed-name-prefix`: only functions named `<prefix>-…`; undefined: any name. */
    readonly allowedNamePrefix?: string;
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
        throw InputError.invalid(origin, arn, `functions named ${prefix}-…, the prefix given by ${ALLOWED_NAME_PREFIX_FIELD}`, `the function "${name}" is outside the pull-request namespace`);
    }
}
