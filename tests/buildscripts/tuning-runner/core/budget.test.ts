// The tuning budget's functional core: the budget in force, and which leases fit it.
import * as assert from "node:assert/strict";
import {
    admitLease,
    budgetInForce,
    parseLeases,
    releaseLease,
    serializeLeases,
    unitsInUse,
} from "../../../../buildscripts/tuning-runner/core/budget";

describe("the tuning budget (core)", () => {
    it("is the configured size, or a tenth of the account's unreserved concurrency when that is smaller", () => {
        assert.equal(budgetInForce(100, 1000), 100);
        assert.equal(budgetInForce(100, 900), 90);
        assert.equal(budgetInForce(100, undefined), 100);
    });

    it("admits a lease only while the unexpired leases and it fit, and drops the expired ones", () => {
        const held = [
            { id: "a", units: 60, expiresAt: 2000 },
            { id: "old", units: 90, expiresAt: 500 },
        ];
        assert.equal(unitsInUse(held, 1000), 60);
        assert.deepEqual(admitLease(held, { id: "b", units: 40, expiresAt: 3000 }, 100, 1000), [
            held[0],
            { id: "b", units: 40, expiresAt: 3000 },
        ]);
        assert.equal(admitLease(held, { id: "b", units: 41, expiresAt: 3000 }, 100, 1000), undefined);
        assert.deepEqual(releaseLease(held, "a", 1000), []);
    });

    it("reads what it writes, an absent table as empty, and refuses anything else naming the object", () => {
        const leases = [{ id: "a", units: 1, expiresAt: 5 }];
        assert.deepEqual(parseLeases(serializeLeases(leases), "s3://b/k"), leases);
        assert.deepEqual(parseLeases(undefined, "s3://b/k"), []);
        assert.throws(() => parseLeases('{"leases": [{"id": "a", "units": 0, "expiresAt": 5}]}', "s3://b/k"), /s3:\/\/b\/k/);
    });
});
