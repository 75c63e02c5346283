// Numbers and words for people: durations and prices with units, never scientific notation, times
// in UTC to the minute. Shared by every Markdown the runner writes.
import { significant } from "../core/numbers";

export function plural(count: number, noun: string): string {
    return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** `402 ms`, `2.00 ms`, `3.54 s`. */
export function formatDurationMs(milliseconds: number): string {
    if (!Number.isFinite(milliseconds)) return "—";
    return milliseconds < 999.5 ? `${significant(milliseconds)} ms` : `${significant(milliseconds / 1000)} s`;
}

/** `$0.00000169`, `$1.89`, `$0.000525`, `$1,230`: three significant digits, never scientific notation. */
export function formatUsd(usd: number): string {
    return Number.isFinite(usd) ? `$${significant(usd)}` : "—";
}

/**
 * `2026-04-01 12:00 UTC` from an instant (epoch milliseconds) or a UTC ISO-8601 timestamp such as
 * `2026-04-01T12:00:07.123Z`; any other text as it is, since it cannot be known to be UTC.
 */
export function readableTime(at: string | number): string {
    const iso = typeof at === "number" ? new Date(at).toISOString() : at;
    const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?Z$/.exec(iso);
    return match ? `${match[1]} ${match[2]} UTC` : iso;
}
