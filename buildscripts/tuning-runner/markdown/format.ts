// Numbers and words for people (functional core): three significant digits, with units, never
// scientific notation. Shared by every Markdown the runner writes.

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

export function significant(value: number, digits = 3): string {
    if (value === 0) return "0";
    const rounded = Number(value.toPrecision(digits));
    const magnitude = Math.floor(Math.log10(Math.abs(rounded)));
    if (magnitude >= digits - 1) return groupThousands(rounded.toFixed(0));
    return rounded.toFixed(digits - 1 - magnitude);
}

export function groupThousands(integer: string): string {
    return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Inline code; a backtick inside would end it, so it is swapped for a look-alike. */
export function code(text: string): string {
    return `\`${text.replace(/`/g, "ˋ")}\``;
}
