// The monthly figures in the tuning comment: one summary line for the whole pull request under
// the tuning summary, and each function's line under its table (figures from core/monthlyCost.ts).
import {
    change,
    describeChange,
    monthlyFigures,
    TRAFFIC_DAYS,
    type MonthlyChange,
    type MonthlyFigures,
    type MonthlyPoint,
} from "../core/monthlyCost";
import { groupThousands } from "../core/numbers";
import type { TuningResult } from "../core/resultsFile";
import { neighboursWithinNoise, NOISE_PERCENT } from "../core/withinNoise";
import { formatDurationMs, formatUsd, plural } from "./format";

/** What the monthly figures count and leave out, said once under the comment. */
export const MONTHLY_FOOTNOTE =
    "Monthly figures count Lambda's duration charge only (first-tier price per GB-second for the function's architecture and region, " +
    "https://aws.amazon.com/lambda/pricing/): the request charge is the same at every memory size, and the free tier is the account's, so both are left out.";

const invocations = (count: number) => groupThousands(Math.round(count).toFixed(0));

/** One line for the whole pull request, or none when no function's traffic is known. */
export function renderMonthlySummary(results: readonly TuningResult[]): string[] {
    const figures = results.map(monthlyFigures).filter((figure): figure is MonthlyFigures => figure !== undefined);
    const withTraffic = results.filter((result) => result.productionTraffic !== undefined);
    if (withTraffic.length === 0) return [];
    const unknown = withTraffic.length - figures.length;
    const rest = unknown === 0 ? "" : ` ${plural(unknown, "function")} without known traffic left out.`;
    const given = results.find((result) => result.productionTraffic?.status === "given");
    const basis =
        given?.productionTraffic?.status === "given"
            ? `at ${invocations(given.productionTraffic.invocationsPerMonth)} invocations a month per function`
            : `at production's traffic of the last ${TRAFFIC_DAYS} days`;
    const compared = figures.filter((figure) => figure.now !== undefined && figure.configured !== undefined);
    const sum = (points: ReadonlyArray<MonthlyPoint | undefined>) => points.reduce((total, point) => total + (point?.costUsd ?? 0), 0);
    if (compared.length > 0) {
        const now = sum(compared.map((figure) => figure.now));
        const configured = sum(compared.map((figure) => figure.configured));
        const recommended = sum(compared.map((figure) => figure.recommended));
        return [
            "",
            `💰 **A month ${basis}** (${plural(compared.length, "function")}): this pull request ${formatUsd(now)} → ${formatUsd(configured)} (${describeChange(change(now, configured))}); ` +
                `at the recommended sizes ${formatUsd(recommended)} (${describeChange(change(now, recommended))} against now).${rest}`,
        ];
    }
    if (figures.length === 0) return ["", `💰 **A month ${basis}:** not known for any function (see each function).`];
    const recommended = sum(figures.map((figure) => figure.recommended));
    const configured = figures.filter((figure) => figure.configured !== undefined);
    const atConfigured =
        configured.length === figures.length
            ? `; at the configured sizes ${formatUsd(sum(configured.map((figure) => figure.configured)))}`
            : "";
    return [
        "",
        `💰 **A month ${basis}** (${plural(figures.length, "function")}): at the recommended sizes ${formatUsd(recommended)}${atConfigured}.${rest}`,
    ];
}

/** A function's monthly line and, when its neighbours are within noise, the note saying so. */
export function renderMonthly(result: TuningResult): string[] {
    return [...noiseNote(result), ...monthlyLine(result)];
}

function monthlyLine(result: TuningResult): string[] {
    const traffic = result.productionTraffic;
    if (traffic === undefined) return [];
    if (traffic.status === "none" || traffic.status === "unknown") return ["", `Monthly cost: ${traffic.reason}.`];
    const figures = monthlyFigures(result);
    if (figures === undefined) return [];
    const at = (point: MonthlyPoint, what: string, delta?: MonthlyChange) =>
        `${formatUsd(point.costUsd)} (${point.memoryMB} MB, ${formatDurationMs(point.durationMs)} ${what}${delta === undefined ? "" : `; ${describeChange(delta)}`})`;
    const basis =
        traffic.status === "measured"
            ? `${invocations(traffic.invocations)} invocations of production's \`${traffic.functionName}\` in the last ${TRAFFIC_DAYS} days`
            : `${invocations(traffic.invocationsPerMonth)} invocations a month`;
    const parts = [
        figures.now === undefined
            ? traffic.status === "measured"
                ? "now: not known (production's memory size was not recorded)"
                : undefined
            : `now ${at(figures.now, "average in CloudWatch")}`,
        figures.configured === undefined ? undefined : `this pull request ${at(figures.configured, "measured", figures.configuredChange)}`,
        `recommended ${at(figures.recommended, "measured", figures.recommendedChange)}`,
    ].filter((part) => part !== undefined);
    const price = `${figures.architecture}${figures.region === undefined ? ", standard price" : ` in ${figures.region}`}`;
    return ["", `Monthly at ${basis} (${price}): ${parts.join(" · ")}.`];
}

function noiseNote(result: TuningResult): string[] {
    if (result.status !== "succeeded" || result.power === undefined) return [];
    const close = neighboursWithinNoise(result.stats, result.power, result.strategy);
    if (close.length === 0) return [];
    const sizes = close.length === 1 ? `${close[0]} MB is` : `${close[0]} and ${close[1]} MB are`;
    return [
        "",
        `${sizes} within ${NOISE_PERCENT} % of the recommended ${result.power} MB (${NOISE_MEASURES[result.strategy]}), which is within measurement noise: ${close.length === 1 ? "either" : "any of them"} is fine.`,
    ];
}

const NOISE_MEASURES: Record<TuningResult["strategy"], string> = {
    cost: "cost per invocation",
    speed: "duration",
    balanced: "cost and duration",
};
