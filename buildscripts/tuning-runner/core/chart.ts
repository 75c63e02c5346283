// The tuning chart (functional core): per tuned function, memory against average duration and
// cost per 1M invocations, as a self-contained SVG a browser, an image viewer or a README shows
// without a network. Memory runs on a log scale (the sizes double), duration on the left axis,
// cost on the right; the recommendation is marked, and sizes a refinement measured are drawn
// hollow. Written by hand because it is a few lines of text: no chart library for one picture.
import { costPerMillionInvocations } from "./cost";
import { significant } from "./numbers";
import type { PowerStat } from "./powerStat";
import type { TuningResult } from "./resultsFile";

const PANEL = { width: 760, height: 440 };
const PLOT = { left: 84, right: 676, top: 110, bottom: 380 };
const COLOURS = { duration: "#1f6fb4", cost: "#d9670b", recommended: "#2e8540", grid: "#e3e3e3", axis: "#444444", text: "#222222" };
const FONT = "DejaVu Sans, Verdana, Arial, sans-serif";

/** The results a chart can draw: succeeded, with at least one measured size. */
export function chartableResults(results: readonly TuningResult[]): TuningResult[] {
    return results.filter((result) => result.status === "succeeded" && result.stats.length > 0);
}

/**
 * One SVG with a panel per chartable result, stacked; throws when there is none, since an empty
 * picture would read as a chart of nothing measured.
 */
export function renderChart(results: readonly TuningResult[]): string {
    const drawn = chartableResults(results);
    if (drawn.length === 0) throw new Error("no tuned function to chart: every result failed or measured nothing");
    const height = PANEL.height * drawn.length;
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL.width}" height="${height}" viewBox="0 0 ${PANEL.width} ${height}" font-family="${FONT}" font-size="12" fill="${COLOURS.text}">`,
        `<rect width="${PANEL.width}" height="${height}" fill="#ffffff"/>`,
        ...drawn.map((result, index) => panel(result, index * PANEL.height)),
        "</svg>",
        "",
    ].join("\n");
}

/** Round tick values covering [low, high]: 4 to 7 steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(low: number, high: number): number[] {
    if (high - low < Math.abs(high) * 1e-9 || high === low)
        [low, high] = [low - Math.max(Math.abs(low) * 0.1, 1e-12), high + Math.max(Math.abs(high) * 0.1, 1e-12)];
    const rough = (high - low) / 5;
    const power = 10 ** Math.floor(Math.log10(rough));
    const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough)!;
    const first = Math.floor(low / step) * step;
    const ticks: number[] = [];
    for (let value = first; value < high + step * 0.999; value += step) ticks.push(Number(value.toPrecision(12)));
    return ticks;
}

function panel(result: TuningResult, top: number): string {
    const stats = [...result.stats].sort((a, b) => a.memoryMB - b.memoryMB);
    const refined = new Set(result.refinement?.status === "refined" ? result.refinement.memorySizesMB : []);
    const costOf = (stat: PowerStat) => costPerMillionInvocations(stat.averageCostUsd);

    const memory = stats.map((stat) => Math.log2(stat.memoryMB));
    const [memoryLow, memoryHigh] = memory.length === 1 ? [memory[0] - 1, memory[0] + 1] : [Math.min(...memory), Math.max(...memory)];
    const margin = (memoryHigh - memoryLow) * 0.06;
    const x = (memoryMB: number) =>
        PLOT.left + ((Math.log2(memoryMB) - memoryLow + margin) / (memoryHigh - memoryLow + 2 * margin)) * (PLOT.right - PLOT.left);
    const durationTicks = niceTicks(0, Math.max(...stats.map((stat) => stat.averageDurationMs)));
    const costTicks = niceTicks(Math.min(...stats.map(costOf)), Math.max(...stats.map(costOf)));
    const scale = (ticks: number[]) => (value: number) =>
        PLOT.bottom - ((value - ticks[0]) / (ticks[ticks.length - 1] - ticks[0])) * (PLOT.bottom - PLOT.top);
    const yDuration = scale(durationTicks);
    const yCost = scale(costTicks);

    const title = `${result.name}: ${result.power} MB recommended (strategy: ${result.strategy})`;
    const middle = (PLOT.top + PLOT.bottom) / 2;
    const parts = [
        `<g data-function="${escapeXml(result.name)}" transform="translate(0 ${top})">`,
        `<text x="${PLOT.left}" y="30" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
        legend(refined.size > 0),
        // Grid and the duration axis (left)
        ...durationTicks.map((tick) => {
            const y = fixed(yDuration(tick));
            return `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y}" y2="${y}" stroke="${COLOURS.grid}"/><text x="${PLOT.left - 8}" y="${y}" dy="4" text-anchor="end" fill="${COLOURS.duration}">${durationLabel(tick)}</text>`;
        }),
        // The cost axis (right)
        ...costTicks.map(
            (tick) => `<text x="${PLOT.right + 8}" y="${fixed(yCost(tick))}" dy="4" fill="${COLOURS.cost}">$${significant(tick)}</text>`,
        ),
        `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="${COLOURS.axis}"/>`,
        // The memory axis (bottom): every size gets a tick, the first pass's a label
        ...stats.map((stat) => {
            const at = fixed(x(stat.memoryMB));
            const label = refined.has(stat.memoryMB)
                ? ""
                : `<text x="${at}" y="${PLOT.bottom + 18}" text-anchor="middle">${stat.memoryMB}</text>`;
            return `<line x1="${at}" x2="${at}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="${COLOURS.axis}"/>${label}`;
        }),
        `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 42}" text-anchor="middle" font-weight="bold">Memory (MB)</text>`,
        `<text transform="translate(22 ${middle}) rotate(-90)" text-anchor="middle" font-weight="bold" fill="${COLOURS.duration}">Average duration</text>`,
        `<text transform="translate(${PANEL.width - 16} ${middle}) rotate(90)" text-anchor="middle" font-weight="bold" fill="${COLOURS.cost}">Cost per 1M invocations (USD)</text>`,
        recommendation(result, x),
        series(stats, "duration", (stat) => yDuration(stat.averageDurationMs), x, refined),
        series(stats, "cost", (stat) => yCost(costOf(stat)), x, refined),
        "</g>",
    ];
    return parts.join("\n");
}

function legend(withRefined: boolean): string {
    const entries = [
        `<line x1="0" x2="26" y1="0" y2="0" stroke="${COLOURS.duration}" stroke-width="2.5"/><circle cx="13" cy="0" r="4" fill="${COLOURS.duration}"/><text x="34" y="4">average duration (left)</text>`,
        `<line x1="200" x2="226" y1="0" y2="0" stroke="${COLOURS.cost}" stroke-width="2.5" stroke-dasharray="6 4"/><rect x="209" y="-4" width="8" height="8" fill="${COLOURS.cost}"/><text x="234" y="4">cost per 1M invocations, request charge included (right)</text>`,
        `<line x1="0" x2="0" y1="14" y2="30" stroke="${COLOURS.recommended}" stroke-width="2" stroke-dasharray="4 3"/><text x="8" y="26">recommended memory</text>`,
        ...(withRefined
            ? [
                  `<circle cx="200" cy="22" r="4" fill="#ffffff" stroke="${COLOURS.axis}" stroke-width="1.5"/><text x="210" y="26">hollow: a size the refinement measured</text>`,
              ]
            : []),
    ];
    return `<g transform="translate(${PLOT.left} 54)" data-legend="true">${entries.join("")}</g>`;
}

function recommendation(result: TuningResult, x: (memoryMB: number) => number): string {
    if (result.power === undefined) return "";
    const at = fixed(x(result.power));
    return (
        `<line data-recommended="${result.power}" x1="${at}" x2="${at}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="${COLOURS.recommended}" stroke-width="2" stroke-dasharray="4 3"/>` +
        `<text x="${at}" y="${PLOT.top - 6}" text-anchor="middle" font-weight="bold" fill="${COLOURS.recommended}">${result.power} MB</text>`
    );
}

function series(
    stats: readonly PowerStat[],
    name: "duration" | "cost",
    y: (stat: PowerStat) => number,
    x: (memoryMB: number) => number,
    refined: ReadonlySet<number>,
): string {
    const colour = COLOURS[name];
    const points = stats.map((stat) => `${fixed(x(stat.memoryMB))},${fixed(y(stat))}`).join(" ");
    const dash = name === "cost" ? ` stroke-dasharray="6 4"` : "";
    const markers = stats.map((stat) => {
        const [cx, cy] = [fixed(x(stat.memoryMB)), fixed(y(stat))];
        const hollow = refined.has(stat.memoryMB);
        const fill = hollow ? "#ffffff" : colour;
        const data = `data-series="${name}" data-memory="${stat.memoryMB}" data-refined="${hollow}"`;
        return name === "duration"
            ? `<circle ${data} cx="${cx}" cy="${cy}" r="4.5" fill="${fill}" stroke="${colour}" stroke-width="1.5"/>`
            : `<rect ${data} x="${fixed(cx - 4)}" y="${fixed(cy - 4)}" width="8" height="8" fill="${fill}" stroke="${colour}" stroke-width="1.5"/>`;
    });
    return [
        `<polyline data-series="${name}" points="${points}" fill="none" stroke="${colour}" stroke-width="2.5"${dash}/>`,
        ...markers,
    ].join("\n");
}

function durationLabel(milliseconds: number): string {
    return milliseconds >= 1000 ? `${significant(milliseconds / 1000)} s` : `${significant(milliseconds)} ms`;
}

function fixed(value: number): number {
    return Math.round(value * 10) / 10;
}

function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
