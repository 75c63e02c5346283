// Numbers and words for people: durations and prices with units, never scientific notation, times
// in UTC to the minute, and inline code. Shared by every Markdown the runner writes.
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

/** Line breaks of any kind (a Markdown renderer or the living comment's parser may start a line at each). */
const LINE_BREAKS = /\r\n|[\n\r\u0085\u2028\u2029]/g;
/** Other control characters, which no name or message needs. */
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Any value as inline code: the one way a value from outside the runner (a function's name or key,
 * a plan address, an output key, a file path, error text) reaches the comment. On one line a
 * value cannot start a fence, a heading, a list item or a living-comment marker, and inside a code
 * span nothing is a link, emphasis or HTML. What could still end the span or the table cell is
 * swapped for a look-alike: a backtick for ˋ, a pipe for │; a line break shows as ⏎.
 */
export function code(text: string): string {
    const shown = text.replace(LINE_BREAKS, "⏎").replace(CONTROLS, "�").replace(/`/g, "ˋ").replace(/\|/g, "│");
    // An empty code span is not one at all (CommonMark reads two backticks as text).
    return shown === "" ? "`\u00a0`" : `\`${shown}\``;
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
