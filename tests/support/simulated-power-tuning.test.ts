import * as assert from "node:assert/strict";

import { analysisFromOutput } from "../../buildscripts/tuning-runner/core/stateMachineOutput";
import { simulatedOutput } from "./simulated-power-tuning";

const ORIGINAL_DESIGN_URL = "https://lambda-power-tuning.show/#gAAAAQACAAQ=;AAAAQAAAAEAAAABAAAAAQA==;b6VpMW+l6TFvpWkyb6XpMg==";

describe("the simulated power-tuning state machine", () => {
    it("reproduces the tool's own link for a run of 2 ms at 128–1024 MB on arm64", () => {
        const output = simulatedOutput({ powerValues: [128, 256, 512, 1024], num: 10, architecture: "arm64" }, (_, count) =>
            Array<number>(count).fill(2),
        );
        assert.equal((output.stateMachine as { visualization: string }).visualization, ORIGINAL_DESIGN_URL);
        assert.equal(output.power, 128);
    });

    it("prices the trimmed mean of the whole-millisecond bills, and costs the run as the tool does", () => {
        // 10 invocations: 8 at 10.2 ms (billed 11) and the fastest and slowest, which the 20 % trim drops.
        const durations = [1, 10.2, 10.2, 10.2, 10.2, 10.2, 10.2, 10.2, 10.2, 90];
        const output = simulatedOutput({ powerValues: [256, 512], num: 10, strategy: "speed", architecture: "x86_64" }, () => durations);
        const analysis = analysisFromOutput(output)!;
        assert.ok(Math.abs(analysis.stats[0].averageDurationMs - 10.2) < 1e-9);
        assert.ok(Math.abs(analysis.stats[0].averageCostUsd - 11 * 2.1e-9 * 2) < 1e-18);
        // 6 + 3 × 2 transitions at $0.000025; every invocation's own bill at both sizes.
        assert.equal(analysis.stateMachineCostUsd, 0.0003);
        const bills = durations.reduce((sum, duration) => sum + Math.ceil(duration), 0);
        assert.ok(Math.abs(analysis.lambdaCostUsd! - bills * 2.1e-9 * (2 + 4)) < 1e-15);
        assert.equal(analysis.power, 256, "speed: equal durations go to the cheaper size");
    });
});
