// Numbers for people (functional core): three significant digits, never scientific notation,
// thousands grouped. The Markdown and the messages the core words itself share them.

/** `402`, `2.00`, `0.00000169`, `1,230`. */
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
