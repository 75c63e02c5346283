// JSON read from the user's files and from AWS answers (functional core): parsing with the place
// of a syntax error, and the type guards the rest of the core needs.
import { InputError } from "./errors";

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isFiniteNumber(value: unknown): value is number {
    return typeof value === "number" && Number.isFinite(value);
}

export function parseJsonOrUndefined(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** Drops keys whose value is undefined, so values compare and serialise without empty fields. */
export function withoutUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** "an array", "null", "a string": what a JSON value is, for messages about the wrong kind. */
export function describeJsonType(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    return `a ${typeof value}`;
}

/** JSON.parse for a user's file: a syntax error becomes an InputError with line and column. */
export function parseJsonFile(text: string, fileName: string): unknown {
    // Editors on Windows like to start files with a byte-order mark, which JSON.parse rejects.
    const json = text.replace(/^\uFEFF/, "");
    try {
        return JSON.parse(json);
    } catch (error) {
        const message = (error as Error).message;
        const { line, column } = lineAndColumn(json, syntaxErrorPosition(json, message));
        // V8 appends the position and a multi-line excerpt; line and column say it better.
        const reason = message.replace(/ in JSON at position \d+.*$/s, "").replace(/, (\.\.\.)?".*" is not valid JSON$/s, "");
        throw new InputError(`${fileName}: invalid JSON at line ${line}, column ${column}: ${reason}`);
    }
}

/**
 * Where JSON.parse gave up. V8 (Node 20) names the position in most messages ("… in JSON at
 * position 12") but not in "Unexpected token …" or "Unexpected end of JSON input"; for those, the
 * position is the length of the longest prefix JSON.parse still accepts as the start of a value,
 * found by bisection (valid prefixes are prefix-closed).
 */
function syntaxErrorPosition(text: string, message: string): number {
    const stated = /at position (\d+)/.exec(message);
    if (stated) return Number(stated[1]);
    let valid = 0;
    let invalid = text.length + 1;
    while (invalid - valid > 1) {
        const middle = Math.floor((valid + invalid) / 2);
        if (isValidJsonPrefix(text.slice(0, middle))) valid = middle;
        else invalid = middle;
    }
    return Math.min(valid, text.length);
}

function isValidJsonPrefix(prefix: string): boolean {
    try {
        JSON.parse(prefix);
        return true;
    } catch (error) {
        const message = (error as Error).message;
        const stated = /at position (\d+)/.exec(message);
        return message.startsWith("Unexpected end of JSON input") || (stated !== null && Number(stated[1]) >= prefix.length);
    }
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
    const before = text.slice(0, position);
    const lineStart = before.lastIndexOf("\n") + 1;
    return { line: before.split("\n").length, column: position - lineStart + 1 };
}
