// From a file format's zod schema to the project's one shape of input message (functional core):
// `<file>: "<field>" is <value> (<reason>); allowed: <allowed>`, one line per problem. The words
// stand next to each field's schema (worded()); zod's own messages never reach the user.
import { z } from "zod";
import { nearestName } from "../../contract";
import { describeInvalid, InputError } from "./errors";

/** How the problems of one field are worded. */
export interface Wording {
    /** What the field allows, in words: every problem inside it that no field within words itself. */
    readonly allowed: string;
    /** Why a value is wrong, when the allowed words alone do not say it. */
    readonly reason?: string;
    /** For an object: how a key it does not know is reported, with the one it most likely misspells among `known`. */
    readonly unknownKey?: { readonly allowed: string; readonly reason: string; readonly known?: readonly string[] };
}

/** What a check (refine, superRefine) may put in an issue's `params` to word it itself. */
export type IssueWording = Partial<Pick<Wording, "allowed" | "reason">>;

const WORDINGS = z.registry<Wording>();

/** `schema` (a copy of it) with its problems worded as `wording` says: the allowed words, or a Wording. */
export function worded<T extends z.ZodType>(schema: T, wording: string | Wording): T {
    const copy = schema.clone() as T;
    WORDINGS.add(copy, typeof wording === "string" ? { allowed: wording } : wording);
    return copy;
}

/** The value `schema` parses `value` to, or an InputError listing every problem, each line starting with `fileName: `. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, fileName: string): z.infer<T> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new InputError(
        problemsWith(schema, value, parsed.error.issues)
            .map((problem) => `${fileName}: ${problem}`)
            .join("\n"),
    );
}

/**
 * One message per problem. A problem names the field whose schema words it (or, for an issue a
 * check words itself, the issue's own path), its value there, and the wording's allowed words;
 * several issues inside one field (two checks failing on one number) are one problem.
 */
export function problemsWith(schema: z.ZodType, value: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
    const problems = new Map<string, string>();
    const add = (path: readonly PropertyKey[], wording: Omit<Wording, "unknownKey">): void => {
        const field = fieldName(path);
        if (!problems.has(field)) problems.set(field, describeInvalid(field, valueAt(value, path), wording.allowed, wording.reason));
    };
    for (const issue of issues.flatMap(closestOption)) {
        const { wording, depth } = wordingAt(schema, issue.path);
        if (issue.code === "unrecognized_keys") {
            const unknown = wording?.unknownKey ?? { allowed: wording?.allowed ?? "no other keys", reason: "unknown key" };
            for (const key of issue.keys) {
                const nearest = unknown.known === undefined ? undefined : nearestName(key, unknown.known);
                add(
                    [...issue.path, key],
                    nearest === undefined ? unknown : { ...unknown, reason: `${unknown.reason}; did you mean "${nearest}"?` },
                );
            }
            continue;
        }
        const own = issue.code === "custom" ? (issue.params as IssueWording | undefined) : undefined;
        if (own?.allowed !== undefined) add(issue.path, { allowed: own.allowed, reason: own.reason });
        else add(issue.path.slice(0, depth), { allowed: wording?.allowed ?? issue.message, reason: own?.reason ?? wording?.reason });
    }
    return [...problems.values()];
}

/**
 * A union's failure as the issues of the option that came closest: the one that failed deepest
 * inside the value (a list with one bad element, rather than the literal "ALL").
 */
function closestOption(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
    if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
    const depth = (option: readonly z.core.$ZodIssue[]) => Math.max(...option.map((inner) => inner.path.length));
    const closest = issue.errors.reduce((best, option) => (depth(option) > depth(best) ? option : best));
    if (depth(closest) === 0) return [issue];
    return closest.flatMap((inner) => closestOption({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));
}

/** `the file`, `"num"`, `"powerValues[1]"`, `"functions[0].status"`. */
function fieldName(path: readonly PropertyKey[]): string {
    if (path.length === 0) return "the file";
    const name = path.map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`)).join("");
    return `"${name}"`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
    return path.reduce<unknown>(
        (inner, key) => (typeof inner === "object" && inner !== null ? (inner as Record<PropertyKey, unknown>)[key] : undefined),
        value,
    );
}

/** The innermost wording along `path`, and how deep on the path it stands. */
function wordingAt(schema: z.ZodType, path: readonly PropertyKey[]): { wording?: Wording; depth: number } {
    let found: { wording?: Wording; depth: number } = { wording: wordingOf(schema), depth: 0 };
    let current: z.ZodType | undefined = schema;
    path.forEach((key, index) => {
        current = current === undefined ? undefined : childOf(current, key);
        const wording = current === undefined ? undefined : wordingOf(current);
        if (wording !== undefined) found = { wording, depth: index + 1 };
    });
    return found;
}

function wordingOf(schema: z.ZodType): Wording | undefined {
    for (let current: z.ZodType | undefined = schema; current !== undefined; current = unwrapped(current)) {
        const wording = WORDINGS.get(current);
        if (wording !== undefined) return wording;
    }
    return undefined;
}

/** The schema inside an optional, nullable, default or readonly one. */
function unwrapped(schema: z.ZodType): z.ZodType | undefined {
    if (
        schema instanceof z.ZodOptional ||
        schema instanceof z.ZodNullable ||
        schema instanceof z.ZodDefault ||
        schema instanceof z.ZodReadonly
    ) {
        return schema.unwrap() as z.ZodType;
    }
    return undefined;
}

/**
 * The schema of an object's field or an array's element; in a union, the first option that has
 * one. Other schemas (records, tuples, refinements) word what lies inside them themselves.
 */
function childOf(schema: z.ZodType, key: PropertyKey): z.ZodType | undefined {
    let inner: z.ZodType = schema;
    for (let next = unwrapped(inner); next !== undefined; next = unwrapped(inner)) inner = next;
    if (inner instanceof z.ZodObject) return (inner.shape as Record<PropertyKey, z.ZodType>)[key];
    if (inner instanceof z.ZodArray) return typeof key === "number" ? (inner.element as z.ZodType) : undefined;
    if (inner instanceof z.ZodUnion) {
        for (const option of inner.options as readonly z.ZodType[]) {
            const child = childOf(option, key);
            if (child !== undefined) return child;
        }
    }
    return undefined;
}
