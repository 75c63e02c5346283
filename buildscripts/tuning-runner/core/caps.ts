// The caps on what one tuning may take of the capacity it shares (functional core): how many
// functions one pull request tunes, how long each of its invocations may run, and how much of the
// stack-wide budget one execution needs. Over a cap nothing is invoked: each sentence here is
// what the comment says instead.

/** The caps a run was given; an absent one does not apply. */
export interface TuningCaps {
    readonly maxFunctions?: number;
    readonly maxFunctionTimeoutSeconds?: number;
}

/** A function to tune with its configured timeout (undefined when it could not be read). */
export interface CappedFunction {
    readonly name: string;
    readonly timeoutSeconds?: number;
}

/** Each cap the functions exceed, as a sentence for the comment; empty when they keep to them all. */
export function capsExceeded(functions: readonly CappedFunction[], caps: TuningCaps): string[] {
    const exceeded: string[] = [];
    if (caps.maxFunctions !== undefined && functions.length > caps.maxFunctions) {
        exceeded.push(
            `the pull request's copy has ${functions.length} functions to tune, and at most ${caps.maxFunctions} are tuned per pull request`,
        );
    }
    const limit = caps.maxFunctionTimeoutSeconds;
    if (limit !== undefined) {
        for (const fn of functions) {
            if (fn.timeoutSeconds === undefined)
                exceeded.push(`${fn.name}'s timeout could not be read, and a copy's functions may run at most ${limit} s`);
            else if (fn.timeoutSeconds > limit)
                exceeded.push(`${fn.name} has a timeout of ${fn.timeoutSeconds} s, and a copy's functions may run at most ${limit} s`);
        }
    }
    return exceeded;
}

/**
 * The budget's sentence when one execution needs more of it than there is: `configured` is the
 * stack's budget, `inForce` what is left of it after the account's share (budgetInForce).
 */
export function budgetExceeded(
    needs: number,
    inForce: number,
    configured: number,
    unreservedConcurrency: number | undefined,
): string | undefined {
    if (needs <= inForce) return undefined;
    const why = inForce < configured ? ` (a tenth of the account's unreserved concurrency, ${unreservedConcurrency})` : "";
    return `one execution keeps up to ${needs} Lambda invocations in flight, and the stack's tuning budget is ${inForce}${why}`;
}
