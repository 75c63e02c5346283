// The README's chart: the runner's own SVG of the two recorded power-tuning outputs in
// tests/fixtures, rendered to PNG (a README cannot count on its viewer showing SVG). A development
// tool: `npm run readme-chart` writes docs/images/tuning-chart.png; a test renders it again.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderChart } from "./tuning-runner/core/chart";
import { resultFromStateMachineOutput } from "./tuning-runner/core/results";

const ROOT = join(__dirname, "..");
export const README_CHART_PATH = join(ROOT, "docs", "images", "tuning-chart.png");

/** The chart of the cost fixture as `digest` (the README example's function) and the balanced fixture as `thumbnails`. */
export function readmeChartSvg(): string {
    const output = (fixture: string) => JSON.parse(readFileSync(join(ROOT, "tests", "fixtures", "power-tuning", fixture), "utf8"));
    return renderChart([
        resultFromStateMachineOutput(output("output-cost-x86-4-powers.json"), "digest"),
        resultFromStateMachineOutput(output("output-balanced-arm64-6-powers.json"), "thumbnails"),
    ]);
}

/** PNG bytes of an SVG, by resvg (a devDependency: the runner itself never renders). */
export function svgToPng(svg: string): { png: Buffer; width: number; height: number; pixels: Buffer } {
    // Loaded here, not at the top, so that importing readmeChartSvg needs no renderer.
    const { Resvg } = require("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
    const rendered = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render();
    return { png: rendered.asPng(), width: rendered.width, height: rendered.height, pixels: rendered.pixels };
}

if (require.main === module) {
    writeFileSync(README_CHART_PATH, svgToPng(readmeChartSvg()).png);
    console.log(`wrote ${README_CHART_PATH}`);
}
