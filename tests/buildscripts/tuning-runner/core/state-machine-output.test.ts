import * as assert from "node:assert/strict";

import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import { analysisFromOutput } from "../../../../buildscripts/tuning-runner/core/stateMachineOutput";
import {
    decodeComparisonUrl,
    decodeVisualizationUrl,
    encodeComparisonUrl,
} from "../../../../buildscripts/tuning-runner/core/visualization";
import { loadFixture } from "../../../fixtures";

const costRun = analysisFromOutput(loadFixture("power-tuning/output-cost-x86-4-powers.json"))!;
const balancedRun = analysisFromOutput(loadFixture("power-tuning/output-balanced-arm64-6-powers.json"))!;

describe("lambda-power-tuning.show comparison links", () => {
    it("puts both series and both legends in the site's eight-part form #p1;d1;c1;p2;d2;c2;legend1;legend2", () => {
        const url = encodeComparisonUrl(
            { legend: "main@abc1234", stats: costRun.stats },
            { legend: "PR 7@def5678", stats: balancedRun.stats },
        );
        // Each series is exactly what the tool's own single-series link holds.
        const series1 = costRun.visualization!.split("#")[1];
        const series2 = balancedRun.visualization!.split("#")[1];
        assert.equal(url, `https://lambda-power-tuning.show/#${series1};${series2};main%40abc1234;PR%207%40def5678`);
    });

    it("decodes back to both series and both legends", () => {
        const url = encodeComparisonUrl(
            { legend: "main@abc1234", stats: costRun.stats },
            { legend: "PR 7@def5678", stats: balancedRun.stats },
        );
        const [baseline, current] = decodeComparisonUrl(url);
        assert.equal(baseline.legend, "main@abc1234");
        assert.equal(current.legend, "PR 7@def5678");
        assert.deepEqual(baseline.stats, decodeVisualizationUrl(costRun.visualization!));
        assert.deepEqual(current.stats, decodeVisualizationUrl(balancedRun.visualization!));
        assert.deepEqual(
            baseline.stats.map((stat) => stat.memoryMB),
            [128, 256, 512, 1024],
        );
        assert.deepEqual(
            current.stats.map((stat) => stat.memoryMB),
            [128, 256, 512, 1024, 1536, 3008],
        );
    });

    it("encodes a ';' in a legend so it cannot split the fragment", () => {
        const url = encodeComparisonUrl({ legend: "a;b", stats: costRun.stats }, { legend: "100% #1", stats: costRun.stats });
        assert.equal(url.split("#")[1].split(";").length, 8);
        assert.deepEqual(
            decodeComparisonUrl(url).map((series) => series.legend),
            ["a;b", "100% #1"],
        );
    });

    it("refuses a single-series link and a broken legend, naming what is allowed", () => {
        assert.throws(
            () => decodeComparisonUrl(costRun.visualization!),
            (error: unknown) => error instanceof InputError && /3 ;-separated parts instead of 8/.test(error.message),
        );
        const series = costRun.visualization!.split("#")[1];
        assert.throws(
            () => decodeComparisonUrl(`https://lambda-power-tuning.show/#${series};${series};%E0%A4%A;x`),
            (error: unknown) => error instanceof InputError && /legend is "%E0%A4%A"/.test(error.message),
        );
    });
});
