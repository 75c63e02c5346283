// The lambda-power-tuning.show link (functional core): `#<powers>;<durations>;<costs>`, each part
// standard base64 of a little-endian typed array sorted by ascending power — powers int16,
// durations (ms) and costs (USD) float32. A comparison link appends a second series and two
// URI-encoded legends (`#p1;d1;c1;p2;d2;c2;legend1;legend2`), which is why a series is
// encoded and decoded on its own.

import { InputError } from "./errors";
import type { PowerStat } from "./powerStat";

export const VISUALIZATION_BASE_URL = "https://lambda-power-tuning.show/";

const FIELD = "visualization URL";
const SERIES_FORM = "https://lambda-power-tuning.show/#<powers>;<durations>;<costs>, each standard base64";
const COMPARISON_FORM = "https://lambda-power-tuning.show/#<powers>;<durations>;<costs>;<powers>;<durations>;<costs>;<legend>;<legend>";

/** The stats a visualization link carries, by ascending power (durations and costs at float32 precision). */
export function decodeVisualizationUrl(url: string): PowerStat[] {
    const parts = fragmentParts(url, 3, SERIES_FORM);
    return decodeSeries(parts[0], parts[1], parts[2]);
}

/** The lambda-power-tuning.show link that charts `stats`. */
export function encodeVisualizationUrl(stats: readonly PowerStat[]): string {
    return `${VISUALIZATION_BASE_URL}#${encodeSeries(stats).join(";")}`;
}

/** One result in a comparison chart, named by its legend (e.g. "main@abc1234"). */
export interface ChartSeries {
    readonly legend: string;
    readonly stats: readonly PowerStat[];
}

/**
 * The lambda-power-tuning.show link that charts two results on one set of axes, `first` in the
 * site's first colours. The site reads the legends with decodeURIComponent, so a ";" in one
 * cannot split the fragment.
 */
export function encodeComparisonUrl(first: ChartSeries, second: ChartSeries): string {
    const parts = [
        ...encodeSeries(first.stats),
        ...encodeSeries(second.stats),
        encodeURIComponent(first.legend),
        encodeURIComponent(second.legend),
    ];
    return `${VISUALIZATION_BASE_URL}#${parts.join(";")}`;
}

/** Both series of a comparison link, in the order they were encoded. */
export function decodeComparisonUrl(url: string): [ChartSeries, ChartSeries] {
    const parts = fragmentParts(url, 8, COMPARISON_FORM);
    const legend = (part: string) => {
        try {
            return decodeURIComponent(part);
        } catch {
            throw InputError.invalid(`${FIELD} legend`, part, "URI-encoded text (encodeURIComponent)");
        }
    };
    return [
        { legend: legend(parts[6]), stats: decodeSeries(parts[0], parts[1], parts[2]) },
        { legend: legend(parts[7]), stats: decodeSeries(parts[3], parts[4], parts[5]) },
    ];
}

function fragmentParts(url: string, count: number, form: string): string[] {
    const hashAt = url.indexOf("#");
    if (hashAt < 0) throw InputError.invalid(FIELD, url, form, "no #fragment");
    const parts = url.slice(hashAt + 1).split(";");
    if (parts.length !== count) throw InputError.invalid(FIELD, url, form, `${parts.length} ;-separated parts instead of ${count}`);
    return parts;
}

function encodeSeries(stats: readonly PowerStat[]): [string, string, string] {
    const sorted = [...stats].sort((a, b) => a.memoryMB - b.memoryMB);
    const powers = new DataView(new ArrayBuffer(2 * sorted.length));
    const durations = new DataView(new ArrayBuffer(4 * sorted.length));
    const costs = new DataView(new ArrayBuffer(4 * sorted.length));
    sorted.forEach((stat, index) => {
        powers.setInt16(2 * index, stat.memoryMB, true);
        durations.setFloat32(4 * index, stat.averageDurationMs, true);
        costs.setFloat32(4 * index, stat.averageCostUsd, true);
    });
    return [toBase64(powers), toBase64(durations), toBase64(costs)];
}

function decodeSeries(powersPart: string, durationsPart: string, costsPart: string): PowerStat[] {
    const powers = fromBase64(powersPart, "powers");
    const durations = fromBase64(durationsPart, "durations");
    const costs = fromBase64(costsPart, "costs");
    const count = powers.byteLength / 2;
    if (count === 0 || !Number.isInteger(count) || durations.byteLength !== 4 * count || costs.byteLength !== 4 * count) {
        throw InputError.invalid(
            FIELD,
            `#${powersPart};${durationsPart};${costsPart}`,
            "as many int16 powers as float32 durations and costs (2, 4 and 4 bytes each), at least one",
            `${powers.byteLength} bytes of powers, ${durations.byteLength} of durations, ${costs.byteLength} of costs`,
        );
    }
    return Array.from({ length: count }, (_, index) => ({
        memoryMB: powers.getInt16(2 * index, true),
        averageDurationMs: durations.getFloat32(4 * index, true),
        averageCostUsd: costs.getFloat32(4 * index, true),
    })).sort((a, b) => a.memoryMB - b.memoryMB);
}

function toBase64(view: DataView): string {
    return Buffer.from(view.buffer).toString("base64");
}

// Buffer's base64 decoder skips characters it does not know, so the alphabet is checked first;
// `%2B`-style escapes appear when a link went through a URL encoder.
function fromBase64(part: string, name: string): DataView {
    const text = decodeURIComponentOrSelf(part);
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
        throw InputError.invalid(`${FIELD} ${name}`, part, "standard base64 (A–Z, a–z, 0–9, +, /, = padding)");
    }
    const bytes = Buffer.from(text, "base64");
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeURIComponentOrSelf(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
}
