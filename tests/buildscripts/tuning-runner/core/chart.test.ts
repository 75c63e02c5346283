// The tuning chart: parsed as XML to check what it says (axes, marks, refined sizes), and rendered
// to pixels by a real SVG renderer (resvg) to check that it draws what it says.
import * as assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { svgToPng } from "../../../../buildscripts/readmeChart";
import { niceTicks, renderChart } from "../../../../buildscripts/tuning-runner/core/chart";
import { resultFromStateMachineOutput } from "../../../../buildscripts/tuning-runner/core/results";
import type { TuningResult } from "../../../../buildscripts/tuning-runner/core/resultsFile";
import { loadFixture } from "../../../fixtures";

const COST = resultFromStateMachineOutput(loadFixture("power-tuning/output-cost-x86-4-powers.json"), "digest");
const BALANCED = resultFromStateMachineOutput(loadFixture("power-tuning/output-balanced-arm64-6-powers.json"), "thumbnails");

/** The cost fixture as if a refinement had measured 320 and 384 MB between 256 and 512 (figures between their neighbours'). */
const REFINED: TuningResult = {
    ...COST,
    stats: [
        ...COST.stats,
        { memoryMB: 320, averageDurationMs: 330, averageCostUsd: 0.0000017 },
        { memoryMB: 384, averageDurationMs: 270, averageCostUsd: 0.00000165 },
    ],
    power: 384,
    refinement: {
        status: "refined",
        betweenMB: [256, 512],
        memorySizesMB: [320, 384],
        invocations: 20,
        firstPass: { power: 256, cost: COST.cost!, duration: COST.duration! },
    },
};

type Element = Record<string, any>;

/** Every element of the parsed SVG, depth first, each with its tag name as `tag`. */
function elements(svg: string): Element[] {
    const validation = XMLValidator.validate(svg);
    assert.equal(validation, true, JSON.stringify(validation));
    const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", preserveOrder: true }).parse(svg);
    const found: Element[] = [];
    const walk = (nodes: any[]) => {
        for (const node of nodes) {
            const tag = Object.keys(node).find((key) => key !== ":@" && key !== "#text");
            if (tag === undefined) continue;
            const text = (node[tag] as any[])
                .filter((child) => "#text" in child)
                .map((child) => String(child["#text"]))
                .join("");
            found.push({ tag, text, ...(node[":@"] ?? {}) });
            walk(node[tag]);
        }
    };
    walk(tree);
    return found;
}

const texts = (svg: string) =>
    elements(svg)
        .filter((element) => element.tag === "text")
        .map((element) => element.text);

describe("core/chart: the tuning chart", () => {
    it("is a well-formed SVG with one panel per tuned function, titled with its recommendation", () => {
        const svg = renderChart([COST, BALANCED]);
        const [root] = elements(svg);
        assert.deepEqual([root.tag, root.width, root.height], ["svg", "760", "880"]);
        assert.deepEqual(
            elements(svg)
                .filter((element) => element.tag === "g" && element["data-function"] !== undefined)
                .map((g) => g["data-function"]),
            ["digest", "thumbnails"],
        );
        assert.ok(texts(svg).includes("digest: 256 MB recommended (strategy: cost)"));
        assert.ok(texts(svg).includes("thumbnails: 1536 MB recommended (strategy: balanced)"));
    });

    it("labels both axes and the memory sizes measured", () => {
        const labels = texts(renderChart([COST]));
        for (const label of ["Memory (MB)", "Average duration", "Cost per 1M invocations (USD)", "128", "256", "512", "1024"])
            assert.ok(labels.includes(label), `no label "${label}" in ${labels.join(" | ")}`);
        assert.ok(
            labels.some((label) => /^\d+ ms$/.test(label)),
            "duration ticks in ms",
        );
        assert.ok(
            labels.some((label) => /^\$\d\.\d\d$/.test(label)),
            "cost ticks in dollars",
        );
    });

    it("marks the recommendation: a line at its memory size, named above it", () => {
        const parsed = elements(renderChart([COST]));
        const line = parsed.find((element) => element["data-recommended"] !== undefined)!;
        assert.equal(line["data-recommended"], "256");
        const marker = parsed.find((element) => element["data-series"] === "duration" && element["data-memory"] === "256")!;
        assert.equal(line.x1, marker.cx, "the line stands on the recommended size's point");
        assert.ok(texts(renderChart([COST])).includes("256 MB"));
    });

    it("plots cost per 1M invocations with the request charge: the cheapest size lowest, the dearest highest", () => {
        const markers = elements(renderChart([COST])).filter((element) => element["data-series"] === "cost" && element.tag === "rect");
        const yOf = (memory: string) => Number(markers.find((marker) => marker["data-memory"] === memory)!.y);
        assert.equal(markers.length, 4);
        assert.ok(yOf("256") > yOf("128") && yOf("256") > yOf("512"), "256 MB, the cheapest, is drawn lowest");
        assert.ok(yOf("1024") < yOf("128"), "1024 MB, the dearest, is drawn highest");
    });

    it("draws the sizes a refinement measured hollow, unlabelled on the memory axis, and says so in the legend", () => {
        const svg = renderChart([REFINED]);
        const refined = elements(svg).filter((element) => element["data-refined"] === "true");
        assert.deepEqual(refined.map((element) => `${element["data-series"]} ${element["data-memory"]} ${element.fill}`).sort(), [
            "cost 320 #ffffff",
            "cost 384 #ffffff",
            "duration 320 #ffffff",
            "duration 384 #ffffff",
        ]);
        assert.ok(!texts(svg).includes("320"));
        assert.ok(texts(svg).includes("hollow: a size the refinement measured"));
        assert.ok(!texts(renderChart([COST])).includes("hollow: a size the refinement measured"), "no refined entry without a refinement");
    });

    it("leaves failed results out, and refuses to draw nothing", () => {
        const failed: TuningResult = { name: "resize", arn: "", status: "failed", strategy: "cost", stats: [] };
        assert.deepEqual(
            elements(renderChart([failed, COST]))
                .filter((element) => element["data-function"] !== undefined)
                .map((g) => g["data-function"]),
            ["digest"],
        );
        assert.throws(() => renderChart([failed]), /no tuned function to chart/);
    });

    it("escapes a function name that would break the markup", () => {
        assert.doesNotThrow(() => elements(renderChart([{ ...COST, name: `a<b>&"c"` }])));
    });

    it("puts round ticks around the data", () => {
        assert.deepEqual(niceTicks(0, 821), [0, 200, 400, 600, 800, 1000]);
        assert.deepEqual(niceTicks(1.89, 2.05), [1.85, 1.9, 1.95, 2, 2.05]);
        assert.deepEqual(niceTicks(5, 5).length > 1, true, "a flat series still gets an axis");
    });

    it("renders with a real SVG renderer: the recommendation line green and the duration points blue where the SVG puts them", () => {
        const svg = renderChart([COST]);
        const { width, height, pixels, png } = svgToPng(svg);
        assert.deepEqual([width, height], [760, 440]);
        assert.deepEqual([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join(""), "PNG");
        const at = (x: number, y: number) => [
            ...pixels.subarray((Math.round(y) * width + Math.round(x)) * 4, (Math.round(y) * width + Math.round(x)) * 4 + 3),
        ];
        const parsed = elements(svg);
        const line = parsed.find((element) => element["data-recommended"] !== undefined)!;
        // a dashed line: some rows between its ends are its green (#2e8540)
        const rows = Array.from({ length: 40 }, (_, i) => Number(line.y1) + 20 + i);
        assert.ok(
            rows.some((y) => {
                const [r, g, b] = at(Number(line.x1), y);
                return g > 110 && r < 90 && b < 100;
            }),
            "no green along the recommendation line",
        );
        for (const point of parsed.filter((element) => element.tag === "circle" && element["data-series"] === "duration")) {
            const [r, g, b] = at(Number(point.cx), Number(point.cy));
            assert.ok(b > 150 && r < 80 && g < 140, `duration point at ${point["data-memory"]} MB is rgb(${r},${g},${b})`);
        }
    });
});
