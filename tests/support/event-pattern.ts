// The parts of EventBridge's event matching and input transformation the stack relies on,
// implemented independently of the stack's code so tests can replay real events through
// the rules and targets it registered.

/**
 * Whether an event matches a pattern, for the pattern subset the stack uses: every pattern
 * key must be present in the event; an array lists the allowed exact values (an array in the
 * event matches when any element does); an object matches the event's object field by field.
 * Other EventBridge operators (prefix, anything-but, …) are refused, not guessed.
 */
export function matchesEventPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
    return Object.entries(pattern).every(([key, expected]) => {
        const actual = event[key];
        if (actual === undefined) return false;
        if (Array.isArray(expected)) {
            const unsupported = expected.find((value) => typeof value === "object" && value !== null);
            if (unsupported !== undefined) throw new Error(`matcher does not support the operator ${JSON.stringify(unsupported)}`);
            const values = Array.isArray(actual) ? actual : [actual];
            return values.some((value) => expected.includes(value));
        }
        if (typeof expected === "object" && expected !== null) {
            return (
                typeof actual === "object" &&
                actual !== null &&
                matchesEventPattern(expected as Record<string, unknown>, actual as Record<string, unknown>)
            );
        }
        throw new Error(`pattern values must be arrays or objects, got ${JSON.stringify(expected)} at ${key}`);
    });
}

/**
 * What EventBridge sends the target: `inputPaths` values (dot-notation JSON paths) substituted
 * into `inputTemplate`. A placeholder inside a JSON string is replaced by the raw text; one
 * outside a string by the value as JSON (so a string value arrives quoted).
 */
export function transformInput(
    transformer: { inputPaths: Record<string, string>; inputTemplate: string },
    event: Record<string, unknown>,
): unknown {
    const values = Object.fromEntries(Object.entries(transformer.inputPaths).map(([name, jsonPath]) => [name, readPath(event, jsonPath)]));
    let output = "";
    let inString = false;
    const template = transformer.inputTemplate;
    for (let index = 0; index < template.length; index++) {
        const char = template[index];
        const placeholder = /^<([A-Za-z0-9_]+)>/.exec(template.slice(index));
        if (placeholder && placeholder[1] in values) {
            const value = values[placeholder[1]];
            output += inString ? String(value) : JSON.stringify(value);
            index += placeholder[0].length - 1;
            continue;
        }
        if (char === "\\" && inString) {
            output += char + template[index + 1];
            index++;
            continue;
        }
        if (char === '"') inString = !inString;
        output += char;
    }
    return JSON.parse(output);
}

function readPath(event: Record<string, unknown>, jsonPath: string): unknown {
    if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(jsonPath)) throw new Error(`only dot-notation paths are supported, got ${jsonPath}`);
    return jsonPath
        .split(".")
        .slice(1)
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], event);
}
