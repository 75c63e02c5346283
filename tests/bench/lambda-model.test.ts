import * as assert from "node:assert/strict";

import {
    expectedCostUsd,
    expectedDurationMs,
    Random,
    randomFunction,
    sampleDurationsMs,
    type ModelFunction,
} from "../../bench/lambdaModel";

const singleThreaded: ModelFunction = {
    architecture: "arm64",
    ioMs: 20,
    cpuMs: 100,
    parallelShare: 0,
    workingSetMB: 60,
    gcPenalty: 0,
    noise: 0.05,
};

describe("the benchmark's Lambda performance model", () => {
    it("speeds the CPU part up with memory until one full vCPU at 1,769 MB, and single-threaded code no further", () => {
        assert.equal(expectedDurationMs(singleThreaded, 1769), 120);
        assert.ok(Math.abs(expectedDurationMs(singleThreaded, 884.5) - 220) < 1e-9, "half a vCPU: the CPU part takes twice as long");
        assert.equal(expectedDurationMs(singleThreaded, 3008), 120);
    });

    it("lets multi-threaded code use the vCPUs beyond 1,769 MB, by Amdahl's law", () => {
        const parallel = { ...singleThreaded, parallelShare: 0.8 };
        // Two vCPUs at 3,538 MB: 20 + 100 × (0.2 + 0.8 / 2).
        assert.ok(Math.abs(expectedDurationMs(parallel, 3538) - 80) < 1e-9);
    });

    it("slows the CPU part below the working set (garbage collection)", () => {
        const tight = { ...singleThreaded, workingSetMB: 1024, gcPenalty: 1 };
        assert.ok(expectedDurationMs(tight, 512) > expectedDurationMs(singleThreaded, 512) * 1.5);
        assert.equal(expectedDurationMs(tight, 1769), expectedDurationMs(singleThreaded, 1769));
    });

    it("bills whole milliseconds per invocation: the average bill of a 1.2 ms function is 2 ms, not 1.2", () => {
        const fast: ModelFunction = { ...singleThreaded, ioMs: 1.2, cpuMs: 0, noise: 0.02 };
        const perMs = 1.7e-9 * (1024 / 128);
        const outliers = 0.05 * (1.2 * 2.5 + 0.5);
        assert.ok(Math.abs(expectedCostUsd(fast, 1024, { withRequestCharge: false }) / perMs - (0.95 * 2 + outliers)) < 1e-6);
        assert.ok(
            Math.abs(
                expectedCostUsd(fast, 1024, { withRequestCharge: true }) - expectedCostUsd(fast, 1024, { withRequestCharge: false }) - 2e-7,
            ) < 1e-15,
        );
    });

    it("draws noise around the model's mean, the same for the same seed", () => {
        const durations = sampleDurationsMs(singleThreaded, 1769, 20_000, new Random(7));
        const mean = durations.reduce((sum, value) => sum + value, 0) / durations.length;
        // 5 % of invocations take 1.5–3.5× as long (2.5× on average): the mean is 1.075 × 120 ms.
        assert.ok(Math.abs(mean / (120 * 1.075) - 1) < 0.01, `mean ${mean}`);
        assert.deepEqual(sampleDurationsMs(singleThreaded, 1769, 5, new Random(7)), durations.slice(0, 5));
        assert.deepEqual(randomFunction(new Random(3)), randomFunction(new Random(3)));
    });
});
