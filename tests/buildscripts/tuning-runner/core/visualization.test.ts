import * as assert from "node:assert/strict";

import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import { analysisFromOutput } from "../../../../buildscripts/tuning-runner/core/stateMachineOutput";
import { decodeVisualizationUrl, encodeVisualizationUrl } from "../../../../buildscripts/tuning-runner/core/visualization";
import { loadFixture } from "../../../fixtures";

const ORIGINAL_DESIGN_URL = "https://lambda-power-tuning.show/#gAAAAQACAAQ=;AAAAQAAAAEAAAABAAAAAQA==;b6VpMW+l6TFvpWkyb6XpMg==";
const FIXTURES = ["power-tuning/output-cost-x86-4-powers.json", "power-tuning/output-balanced-arm64-6-powers.json"];

function fixtureAnalysis(name: string) {
    const analysis = analysisFromOutput(loadFixture(name));
    assert.ok(analysis?.visualization, `${name} has no analysis with a visualization link`);
    return { ...analysis, visualization: analysis.visualization };
}

function assertClose(actual: number, expected: number, relativeTolerance: number, what: string): void {
    assert.ok(
        Math.abs(actual - expected) <= Math.abs(expected) * relativeTolerance,
        `${what}: ${actual} is not within ${relativeTolerance} of ${expected}`,
    );
}

describe("lambda-power-tuning.show links", () => {
    it("decodes the original design's link to 128–1024 MB at 2 ms each, costs doubling from about 3.4e-9 USD", () => {
        const stats = decodeVisualizationUrl(ORIGINAL_DESIGN_URL);
        assert.deepEqual(
            stats.map((stat) => stat.memoryMB),
            [128, 256, 512, 1024],
        );
        assert.deepEqual(
            stats.map((stat) => stat.averageDurationMs),
            [2, 2, 2, 2],
        );
        for (const [index, stat] of stats.entries())
            assertClose(stat.averageCostUsd, 3.4e-9 * 2 ** index, 0.01, `cost at ${stat.memoryMB} MB`);
    });

    it("decodes each fixture's link to its stats at float32 precision", () => {
        for (const name of FIXTURES) {
            const analysis = fixtureAnalysis(name);
            const decoded = decodeVisualizationUrl(analysis.visualization);
            assert.equal(decoded.length, analysis.stats.length, name);
            decoded.forEach((stat, index) => {
                const expected = analysis.stats[index];
                assert.equal(stat.memoryMB, expected.memoryMB);
                assertClose(stat.averageDurationMs, expected.averageDurationMs, 1e-7, `${name} duration at ${stat.memoryMB} MB`);
                assertClose(stat.averageCostUsd, expected.averageCostUsd, 1e-7, `${name} cost at ${stat.memoryMB} MB`);
            });
        }
    });

    it("encodes a fixture's stats to exactly the link the tool produced", () => {
        for (const name of FIXTURES) {
            const analysis = fixtureAnalysis(name);
            assert.equal(encodeVisualizationUrl(analysis.stats), analysis.visualization, name);
        }
    });

    it("re-encodes a decoded link to the same link", () => {
        for (const url of [ORIGINAL_DESIGN_URL, ...FIXTURES.map((name) => fixtureAnalysis(name).visualization)]) {
            assert.equal(encodeVisualizationUrl(decodeVisualizationUrl(url)), url);
        }
    });

    it("orders by ascending power, as the chart expects", () => {
        const url = encodeVisualizationUrl([
            { memoryMB: 1024, averageDurationMs: 100, averageCostUsd: 2e-6 },
            { memoryMB: 128, averageDurationMs: 800, averageCostUsd: 1.5e-6 },
        ]);
        assert.deepEqual(
            decodeVisualizationUrl(url).map((stat) => stat.memoryMB),
            [128, 1024],
        );
    });

    it("reads a link whose base64 padding was percent-encoded", () => {
        const escaped = ORIGINAL_DESIGN_URL.replace(/=/g, "%3D").replace(/\+/g, "%2B");
        assert.deepEqual(decodeVisualizationUrl(escaped), decodeVisualizationUrl(ORIGINAL_DESIGN_URL));
    });

    it("rejects malformed links with the reason", () => {
        const cases: Array<[string, RegExp]> = [
            ["https://lambda-power-tuning.show/", /no #fragment/],
            ["https://lambda-power-tuning.show/#gAAAAQACAAQ=;AAAAQAAAAEAAAABAAAAAQA==", /2 ;-separated parts instead of 3/],
            [
                "https://lambda-power-tuning.show/#gAAAAQACAAQ=;AAAAQAAAAEAAAABA;b6VpMW+l6TFvpWkyb6XpMg==",
                /8 bytes of powers, 12 of durations, 16 of costs/,
            ],
            ["https://lambda-power-tuning.show/#;;", /0 bytes of powers/],
            [
                "https://lambda-power-tuning.show/#gAAAAQ-CAAQ=;AAAAQAAAAEAAAABAAAAAQA==;b6VpMW+l6TFvpWkyb6XpMg==",
                /visualization URL powers is "gAAAAQ-CAAQ="; allowed: standard base64/,
            ],
        ];
        for (const [url, reason] of cases) {
            assert.throws(
                () => decodeVisualizationUrl(url),
                (error: unknown) => error instanceof InputError && reason.test(error.message),
                url,
            );
        }
    });
});
