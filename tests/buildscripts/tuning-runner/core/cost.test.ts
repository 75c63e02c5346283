import * as assert from "node:assert/strict";

import { costPerMillionInvocations, REQUEST_CHARGE_USD, tuningRunCostUsd } from "../../../../buildscripts/tuning-runner/core/cost";

function assertUsd(actual: number | undefined, expected: number): void {
    assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);
}

describe("cost per million invocations", () => {
    it("adds the $0.20 per million request charge to the tool's duration cost", () => {
        assert.equal(REQUEST_CHARGE_USD, 0.0000002);
        // output-cost-x86-4-powers.json at 256 MB: 1.6926e-6 × 1e6 + 0.20 = 1.8926
        assertUsd(costPerMillionInvocations(0.0000016926000000000001), 1.8926);
        // output-balanced-arm64-6-powers.json at 1536 MB: 6.2016e-6 × 1e6 + 0.20 = 6.4016
        assertUsd(costPerMillionInvocations(0.0000062016), 6.4016);
    });

    it("is the request charge alone for a free duration, which is where it matters most", () => {
        // The original design's 128 MB row: 3.4e-9 × 1e6 + 0.20 = 0.2034 — the request charge is 98% of it.
        assertUsd(costPerMillionInvocations(3.4e-9), 0.2034);
        assertUsd(costPerMillionInvocations(0), 0.2);
    });
});

describe("cost of the tuning run", () => {
    it("adds the state machine's and the Lambda invocations' cost", () => {
        // output-cost-x86-4-powers.json: 0.00045 + 0.0000750855
        assertUsd(tuningRunCostUsd({ stateMachineCostUsd: 0.00045, lambdaCostUsd: 0.00007508550000000001 }), 0.0005250855);
    });

    it("counts the part that was reported and is unknown when neither was", () => {
        assertUsd(tuningRunCostUsd({ stateMachineCostUsd: 0.0006 }), 0.0006);
        assert.equal(tuningRunCostUsd({}), undefined);
    });
});
