// Strings an attacker would put where the comment shows a value (a function key, a plan address,
// an error message): seeded, so a failure names the case that broke and reproduces, and built from
// what could open or close a fence, a heading, a table cell, a link, HTML or a living-comment marker.
import { marked, type Token, type Tokens } from "marked";

/** Pieces a hostile value is made of; benign ones too, so the dangerous ones sit in ordinary text. */
const PIECES = [
    "\n",
    "\r\n",
    "\r",
    "\u2028",
    "\u2029",
    "\u0085",
    "\u0000",
    "\t",
    "~~~",
    "```",
    "````",
    "`",
    "#",
    "### ✅ Quality gate passed",
    "- ",
    "1. ",
    "> ",
    "---",
    "===",
    "|",
    "| --- |",
    "\\",
    "\\|",
    "[",
    "]",
    "(",
    ")",
    "](https://example.com)",
    "[x]: https://example.com",
    "<!--",
    "-->",
    "<details>",
    "<img src=x onerror=alert(1)>",
    "&lt;",
    "*",
    "_",
    "**",
    "[//]: # (lambda-power-tuned)",
    "[//]: # (lambda-power-tuned:end tuning)",
    "[//]: # (lambda-power-tuned:history)",
    "[//]: # (lambda-power-tuned:begin plan 3f2a9c1 2026-01-01T00:00:00.000Z)",
    "- `3f2a9c1` · now · tuning: ✅ gate passed, approved",
    "https://example.com",
    "digest",
    "pr-power-tuned-7-3f2a9c1-digest",
    " ",
    "  ",
    "x",
];

/** mulberry32: a small, seeded generator of numbers in [0, 1). */
function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** `count` hostile strings from `seed`: 1 to 12 pieces each, the empty string first. */
export function hostileStrings(seed: number, count: number): string[] {
    const random = seededRandom(seed);
    const strings = [""];
    while (strings.length < count) {
        const length = 1 + Math.floor(random() * 12);
        strings.push(Array.from({ length }, () => PIECES[Math.floor(random() * PIECES.length)]).join(""));
    }
    return strings;
}

/**
 * The structure a Markdown renderer (marked, GitHub-flavoured) sees in `markdown`: every block and
 * inline token's type, heading depths, table columns, rows and cells, list items — but no text,
 * so a value inside a code span may differ without changing anything.
 */
export function markdownStructure(markdown: string): unknown {
    return marked.lexer(markdown, { gfm: true }).map(shapeOf);
}

function shapeOf(token: Token): unknown {
    switch (token.type) {
        case "codespan":
            return "codespan";
        case "space":
            return "space";
        case "heading":
            return { heading: token.depth, of: (token as Tokens.Heading).tokens.map(shapeOf) };
        case "table": {
            const table = token as Tokens.Table;
            return { table: table.header.length, rows: table.rows.map((row) => row.map((cell) => cell.tokens.map(shapeOf))) };
        }
        case "list":
            return { list: (token as Tokens.List).items.map((item) => item.tokens.map(shapeOf)) };
        case "text":
            return "tokens" in token && token.tokens !== undefined ? { text: token.tokens.map(shapeOf) } : "text";
        default:
            return "tokens" in token && token.tokens !== undefined ? { [token.type]: token.tokens.map(shapeOf) } : token.type;
    }
}
