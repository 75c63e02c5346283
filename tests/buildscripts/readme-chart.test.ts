// The README's chart is the runner's own chart of the recorded fixtures, rendered to PNG: the
// committed picture is checked against a fresh rendering (its size; pixels depend on the fonts).
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { README_CHART_PATH, readmeChartSvg, svgToPng } from "../../buildscripts/readmeChart";

describe("buildscripts/readmeChart.ts: the README's chart", () => {
    it("is committed as a PNG of the size a fresh rendering of the fixtures has (npm run readme-chart redraws it)", () => {
        const committed = readFileSync(README_CHART_PATH);
        const fresh = svgToPng(readmeChartSvg());
        assert.equal(committed.subarray(1, 4).toString("latin1"), "PNG");
        // IHDR: width and height, big-endian, at bytes 16 and 20.
        assert.deepEqual([committed.readUInt32BE(16), committed.readUInt32BE(20)], [fresh.width, fresh.height]);
        assert.deepEqual([fresh.width, fresh.height], [760, 880]);
    });

    it("charts both recorded outputs under the README's names", () => {
        const svg = readmeChartSvg();
        assert.match(svg, /digest: 256 MB recommended \(strategy: cost\)/);
        assert.match(svg, /thumbnails: 1536 MB recommended \(strategy: balanced\)/);
    });
});
