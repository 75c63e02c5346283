// The stack-wide tuning concurrency budget (functional core). Every running tuning, in whatever
// build, holds a lease of the Lambda concurrency one execution keeps in flight for as long as the
// execution runs; leases live in one table (an S3 object the trusted side alone writes, replaced
// only by a conditional write on the version read), so parallel builds together never exceed the
// budget. A lease expires when its execution must have ended (the runner stops it at --timeout),
// so a build that crashed holding one cannot hold the budget for ever.
import { z } from "zod";
import { InputError } from "./errors";

/** One running execution's share of the budget. */
export interface Lease {
    readonly id: string;
    /** Lambda invocations it keeps in flight at most (peakPerExecution). */
    readonly units: number;
    /** Epoch ms after which the lease no longer counts. */
    readonly expiresAt: number;
}

/** Of the account's unreserved concurrency, the budget takes at most a tenth. */
export const ACCOUNT_SHARE_DIVISOR = 10;

/** The budget in force: the configured size, or a tenth of the account's unreserved concurrency when that is smaller. */
export function budgetInForce(configured: number, unreservedConcurrency: number | undefined): number {
    return unreservedConcurrency === undefined
        ? configured
        : Math.min(configured, Math.floor(unreservedConcurrency / ACCOUNT_SHARE_DIVISOR));
}

const LEASE_TABLE = z
    .object({ leases: z.array(z.object({ id: z.string(), units: z.number().int().positive(), expiresAt: z.number() }).strict()) })
    .strict();

/** The table's leases; an absent table holds none. `where` names it in an error. */
export function parseLeases(text: string | undefined, where: string): Lease[] {
    if (text === undefined) return [];
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        parsed = undefined;
    }
    const result = LEASE_TABLE.safeParse(parsed);
    if (!result.success) throw InputError.invalid(where, text.slice(0, 200), 'a lease table {"leases": [{"id", "units", "expiresAt"}]}');
    return result.data.leases;
}

export function serializeLeases(leases: readonly Lease[]): string {
    return `${JSON.stringify({ leases })}\n`;
}

/** The Lambda concurrency the unexpired leases hold. */
export function unitsInUse(leases: readonly Lease[], now: number): number {
    return leases.filter((lease) => lease.expiresAt > now).reduce((sum, lease) => sum + lease.units, 0);
}

/** The table with `lease` added and the expired ones dropped, or undefined when it does not fit the budget now. */
export function admitLease(leases: readonly Lease[], lease: Lease, budget: number, now: number): Lease[] | undefined {
    const live = leases.filter((held) => held.expiresAt > now);
    return unitsInUse(live, now) + lease.units <= budget ? [...live, lease] : undefined;
}

/** The table without the lease `id` (and without the expired ones). */
export function releaseLease(leases: readonly Lease[], id: string, now: number): Lease[] {
    return leases.filter((held) => held.id !== id && held.expiresAt > now);
}
