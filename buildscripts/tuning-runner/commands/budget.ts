// The stack-wide tuning concurrency budget, shared through its lease table in S3: a lease is taken
// before an execution starts and given back when it ends. Each change reads the table and writes it
// back only if nobody wrote it in between (a conditional write), else reads it again.
import { randomBytes } from "node:crypto";
import type { BudgetLeaseObject } from "../aws/ports";
import { admitLease, parseLeases, releaseLease, serializeLeases, unitsInUse, type Lease } from "../core/budget";
import type { S3Location } from "../core/s3Location";
import type { Runtime } from "./runtime";

/** How long a build waits before it asks the table again whether its execution fits now. */
export const BUDGET_POLL_MS = 15_000;

/** The budget as the executions see it. */
export interface ConcurrencyBudget {
    /** Waits until `units` fit, then holds them until `expiresAt`; undefined when the build was stopped first. */
    acquire(units: number, expiresAt: number): Promise<string | undefined>;
    release(leaseId: string): Promise<void>;
}

/** The budget of `size` units whose lease table is the object at `location`. */
export function leasedBudget(
    location: S3Location,
    size: number,
    table: BudgetLeaseObject,
    runtime: Pick<Runtime, "now" | "sleep" | "signal" | "log">,
): ConcurrencyBudget {
    // The location's prefix is the table's key.
    const { bucket, prefix: key } = location;
    const uri = `s3://${bucket}/${key}`;
    /** Reads the table and writes `change(leases)` back, until no other writer came in between; undefined changes nothing. */
    const update = async (change: (leases: Lease[]) => Lease[] | undefined): Promise<boolean> => {
        for (;;) {
            const current = await table.read(bucket, key);
            const next = change(parseLeases(current?.text, uri));
            if (next === undefined) return false;
            if (await table.replace(bucket, key, serializeLeases(next), current?.etag)) return true;
        }
    };
    return {
        async acquire(units, expiresAt) {
            const lease: Lease = { id: randomBytes(8).toString("hex"), units, expiresAt };
            let waited = false;
            while (!runtime.signal.aborted) {
                let inUse = 0;
                const admitted = await update((leases) => {
                    inUse = unitsInUse(leases, runtime.now());
                    return admitLease(leases, lease, size, runtime.now());
                });
                if (admitted) return lease.id;
                if (!waited)
                    runtime.log(
                        `the tuning budget (${uri}) has ${size - inUse} of ${size} units free, this execution needs ${units}: waiting`,
                    );
                waited = true;
                await runtime.sleep(BUDGET_POLL_MS, runtime.signal);
            }
            return undefined;
        },
        async release(leaseId) {
            await update((leases) => releaseLease(leases, leaseId, runtime.now()));
        },
    };
}
