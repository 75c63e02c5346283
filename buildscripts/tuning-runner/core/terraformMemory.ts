// Where a Lambda function's memory size is written in the Terraform files, and the exact line
// that would apply a recommendation (functional core: the shell hands in the files' text).
//
// A small HCL reader, not an evaluator: it follows the references a memory size typically
// travels through — a literal, `var.X` (its default), `local.X…`, and `each.value.X` of a
// for_each over a local or variable map — to the literal at the end, and says plainly when an
// expression is beyond that (a function call, a conditional, a value passed with -var).

import { code } from "./inlineCode";
import { costPerMillionInvocations } from "./cost";
import type { TuningResult } from "./resultsFile";

export interface TerraformFile {
    /** As shown to the reader, e.g. `variables.tf`. */
    readonly path: string;
    readonly text: string;
}

/** A line of a file, 1-based. */
export interface FileLine {
    readonly file: string;
    readonly line: number;
    readonly text: string;
}

/** Where a function's memory size comes from. `chain` lists each step that led there, first the resource's own line. */
export type MemorySizeLocation =
    | {
          readonly kind: "literal";
          readonly at: FileLine;
          readonly column: number;
          readonly literal: string;
          readonly valueMB: number;
          readonly chain: readonly FileLine[];
      }
    | { readonly kind: "unset"; readonly resource: FileLine; readonly indent: string }
    | { readonly kind: "unresolved"; readonly reason: string; readonly at?: FileLine };

/** The change that applies a recommendation, as the reviewer would type it. */
export interface MemoryChange {
    readonly file: string;
    readonly line: number;
    /** Absent when the line is to be added after `line` (memory_size not set at all). */
    readonly oldLine?: string;
    readonly newLine: string;
    /** The references followed to get there, `file:line` each, when there were any. */
    readonly via: readonly string[];
}

export interface MemorySuggestion {
    readonly function: string;
    readonly recommendedMemoryMB: number;
    /** What the function runs with: Lambda's MemorySize of the tuned copy, else the value in the files. */
    readonly configuredMemoryMB?: number;
    /** The literal in the files, when it differs from what Lambda reported (a -var or TF_VAR_ overrides it). */
    readonly fileValueMB?: number;
    readonly change?: MemoryChange;
    /** Why no exact change can be given. */
    readonly unresolved?: string;
    /** Per 1M invocations including the request charge, at the configured and at the recommended memory. */
    readonly costPerMillionUsd?: { readonly configured: number; readonly recommended: number };
    readonly durationMs?: { readonly configured: number; readonly recommended: number };
    /** Other tuned functions whose memory the same line sets. */
    readonly sharedWith: readonly string[];
}

/** Lambda's memory size when a function does not set one. */
const LAMBDA_DEFAULT_MEMORY_MB = 128;
const MAX_REFERENCE_DEPTH = 8;

/**
 * The suggested Terraform change for every succeeded function whose recommended memory differs
 * from the one it runs with, in result order.
 */
export function suggestMemoryChanges(files: readonly TerraformFile[], results: readonly TuningResult[]): MemorySuggestion[] {
    const model = readTerraform(files);
    const located = results
        .filter((result) => result.status === "succeeded" && result.power !== undefined)
        .map((result) => ({ result, location: locateIn(model, result.name) }));
    const lineKey = (location: MemorySizeLocation) => (location.kind === "literal" ? `${location.at.file}:${location.at.line}` : undefined);
    const suggestions: MemorySuggestion[] = [];
    for (const { result, location } of located) {
        const recommended = result.power!;
        const fileValue = location.kind === "literal" ? location.valueMB : location.kind === "unset" ? LAMBDA_DEFAULT_MEMORY_MB : undefined;
        // Lambda's value wins: a -var or TF_VAR_ value may override what the files say.
        const configured = result.configuredMemoryMB ?? fileValue;
        if (configured === undefined || configured === recommended) continue;
        const key = lineKey(location);
        const sharedWith =
            key === undefined
                ? []
                : located.filter((other) => other.result !== result && lineKey(other.location) === key).map((other) => other.result.name);
        const atConfigured = result.stats.find((stat) => stat.memoryMB === configured);
        const atRecommended = result.stats.find((stat) => stat.memoryMB === recommended);
        suggestions.push({
            function: result.name,
            recommendedMemoryMB: recommended,
            configuredMemoryMB: configured,
            ...(fileValue !== undefined && fileValue !== configured ? { fileValueMB: fileValue } : {}),
            ...changeOrReason(location, recommended, configured),
            ...(atConfigured && atRecommended
                ? {
                      costPerMillionUsd: {
                          configured: costPerMillionInvocations(atConfigured.averageCostUsd),
                          recommended: costPerMillionInvocations(atRecommended.averageCostUsd),
                      },
                      durationMs: { configured: atConfigured.averageDurationMs, recommended: atRecommended.averageDurationMs },
                  }
                : {}),
            sharedWith,
        });
    }
    return suggestions;
}

function changeOrReason(
    location: MemorySizeLocation,
    recommended: number,
    configured: number,
): { change: MemoryChange } | { unresolved: string } {
    switch (location.kind) {
        case "unresolved":
            return { unresolved: location.reason };
        case "unset": {
            const { file, line } = location.resource;
            return { change: { file, line, newLine: `${location.indent}  memory_size = ${recommended}`, via: [] } };
        }
        case "literal": {
            const { at, column, literal } = location;
            if (location.valueMB === recommended) {
                return {
                    unresolved: `${code(at.file)} line ${at.line} already sets ${recommended} MB, but the tuned copy runs with ${configured} MB: a -var, .tfvars or TF_VAR_ value overrides it`,
                };
            }
            const newLine = `${at.text.slice(0, column)}${recommended}${at.text.slice(column + literal.length)}`;
            const via = location.chain.slice(0, -1).map((step) => `${step.file}:${step.line}`);
            return { change: { file: at.file, line: at.line, oldLine: at.text, newLine, via } };
        }
    }
}

/** Where the memory size of the function tuned as `functionName` is set. */
export function locateMemorySize(files: readonly TerraformFile[], functionName: string): MemorySizeLocation {
    return locateIn(readTerraform(files), functionName);
}

function locateIn(model: TerraformModel, functionName: string): MemorySizeLocation {
    const target = lambdaResourceFor(model, functionName);
    if ("reason" in target) return { kind: "unresolved", reason: target.reason };
    const { resource, instanceKey, collection } = target;
    const memory = model.attribute([...resource.path, "memory_size"]);
    if (memory === undefined) {
        return { kind: "unset", resource: resource.at, indent: /^\s*/.exec(resource.at.text)![0] };
    }
    return follow(model, memory, [], { instanceKey, collection });
}

interface ForEachContext {
    readonly instanceKey?: string;
    /** Path of the for_each map, e.g. ["locals", "functions"]. */
    readonly collection?: readonly string[];
}

/** Follows references from `attribute` to the literal it ends in. */
function follow(model: TerraformModel, attribute: Attribute, chain: readonly FileLine[], context: ForEachContext): MemorySizeLocation {
    const steps = [...chain, attribute.at];
    const expression = attribute.expression;
    if (attribute.number !== undefined) {
        return {
            kind: "literal",
            at: attribute.at,
            column: attribute.number.column,
            literal: attribute.number.text,
            valueMB: Number(attribute.number.text),
            chain: steps,
        };
    }
    const unresolved = (why: string): MemorySizeLocation => ({
        kind: "unresolved",
        reason: `${code(attribute.at.file)} line ${attribute.at.line} sets it to ${code(expression)}, ${why}`,
        at: attribute.at,
    });
    if (steps.length > MAX_REFERENCE_DEPTH) return unresolved("through more references than this reader follows");
    const path = referencedPath(expression, context);
    if (path === undefined) return unresolved("an expression this reader does not evaluate: change it there");
    const next = model.attribute(path);
    if (next === undefined) {
        return unresolved(
            path[0] === "variable"
                ? `and variable ${code(path[1])} has no default: its value comes from -var, a .tfvars file or ${code(`TF_VAR_${path[1]}`)}`
                : `but ${code(path.join("."))} is not found`,
        );
    }
    return follow(model, next, steps, context);
}

/** The attribute path an expression refers to, or undefined when it is not a plain reference. */
function referencedPath(expression: string, context: ForEachContext): string[] | undefined {
    const variable = /^var\.([A-Za-z_][\w-]*)$/.exec(expression);
    if (variable) return ["variable", variable[1], "default"];
    const local = /^local((?:\.[A-Za-z_][\w-]*)+)$/.exec(expression);
    if (local) return ["locals", ...local[1].slice(1).split(".")];
    const eachValue = /^each\.value(?:\.([A-Za-z_][\w-]*)|\["([^"]+)"\])$/.exec(expression);
    if (eachValue && context.collection && context.instanceKey !== undefined) {
        return [...context.collection, context.instanceKey, eachValue[1] ?? eachValue[2]];
    }
    return undefined;
}

/** The aws_lambda_function resource (and for_each key) that deployed the function tuned as `functionName`. */
function lambdaResourceFor(
    model: TerraformModel,
    functionName: string,
): { resource: Block; instanceKey?: string; collection?: readonly string[] } | { reason: string } {
    const resources = model.blocks.filter(
        (block) => block.path.length === 3 && block.path[0] === "resource" && block.path[1] === "aws_lambda_function",
    );
    if (resources.length === 0) return { reason: "no aws_lambda_function resource in the Terraform files" };
    const candidates = resources.map((resource): { resource: Block; keys: string[]; collection?: string[] } => {
        const forEach = model.attribute([...resource.path, "for_each"]);
        if (forEach === undefined) return { resource, keys: [resource.path[2]] };
        const collection = referencedPath(forEach.expression, {});
        return { resource, collection, keys: collection === undefined ? [] : model.keysUnder(collection) };
    });
    // The tuned name is a for_each key or resource name when it came from the `functions`
    // output; from --lambda-arn it is the deployed name, <prefix>-<key> or <prefix>-<id>-<commit>-<key>.
    const exact = candidates.flatMap((candidate) =>
        candidate.keys.filter((key) => key === functionName).map((key) => ({ ...candidate, key })),
    );
    const segment = (key: string) => new RegExp(`(^|-)${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(-|$)`).test(functionName);
    const bySegment = candidates.flatMap((candidate) => candidate.keys.filter(segment).map((key) => ({ ...candidate, key })));
    const single = candidates.length === 1 && candidates[0].keys.length === 1 ? [{ ...candidates[0], key: candidates[0].keys[0] }] : [];
    const match = [exact, bySegment, single].find((found) => found.length === 1)?.[0];
    if (match === undefined) {
        return {
            reason: `none of the aws_lambda_function resources (${candidates.flatMap((c) => c.keys.map((key) => code(`${c.resource.path[2]}[${key}]`))).join(", ") || "their for_each maps unread"}) is clearly ${code(functionName)}`,
        };
    }
    const forEach = match.collection !== undefined;
    return { resource: match.resource, ...(forEach ? { instanceKey: match.key, collection: match.collection } : {}) };
}

// ---------------------------------------------------------------------------------------
// Reading HCL: blocks, attributes and object keys with their lines.

interface Attribute {
    readonly path: readonly string[];
    /** The expression's source text, on one line. */
    readonly expression: string;
    readonly at: FileLine;
    /** Set when the expression is a single number: where it stands in the line. */
    readonly number?: { readonly text: string; readonly column: number };
}

interface Block {
    readonly path: readonly string[];
    readonly at: FileLine;
}

class TerraformModel {
    constructor(
        readonly attributes: readonly Attribute[],
        readonly blocks: readonly Block[],
    ) {}

    attribute(path: readonly string[]): Attribute | undefined {
        return this.attributes.find((attribute) => samePath(attribute.path, path));
    }

    /** The keys of the object at `path` (e.g. the for_each map's entries). */
    keysUnder(path: readonly string[]): string[] {
        const keys = this.attributes
            .filter((attribute) => attribute.path.length > path.length && samePath(attribute.path.slice(0, path.length), path))
            .map((attribute) => attribute.path[path.length]);
        return [...new Set(keys)];
    }
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && a.every((part, index) => part === b[index]);
}

function readTerraform(files: readonly TerraformFile[]): TerraformModel {
    const attributes: Attribute[] = [];
    const blocks: Block[] = [];
    for (const file of files) new HclReader(file, attributes, blocks).readBody([]);
    return new TerraformModel(attributes, blocks);
}

type TokenKind = "ident" | "string" | "number" | "newline" | "punct" | "heredoc" | "eof";

interface Token {
    readonly kind: TokenKind;
    readonly text: string;
    readonly offset: number;
    readonly end: number;
}

const OPENERS: Record<string, string> = { "{": "}", "[": "]", "(": ")" };

/** Tokens of an HCL file: comments dropped, strings and heredocs kept whole. */
function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let position = 0;
    const push = (kind: TokenKind, start: number) => tokens.push({ kind, text: text.slice(start, position), offset: start, end: position });
    while (position < text.length) {
        const start = position;
        const char = text[position];
        const rest = text.slice(position, position + 3);
        if (char === "\n") {
            position++;
            push("newline", start);
        } else if (/\s/.test(char)) {
            position++;
        } else if (char === "#" || rest.startsWith("//")) {
            while (position < text.length && text[position] !== "\n") position++;
        } else if (rest.startsWith("/*")) {
            const close = text.indexOf("*/", position + 2);
            position = close === -1 ? text.length : close + 2;
        } else if (char === '"') {
            position = endOfString(text, position);
            push("string", start);
        } else if (/^<<-?[A-Za-z_]/.test(text.slice(position, position + 4))) {
            const marker = /^<<-?([A-Za-z_][\w-]*)/.exec(text.slice(position))!;
            const terminator = new RegExp(`^\\s*${marker[1]}\\s*$`, "m");
            const body = text.indexOf("\n", position);
            const found = body === -1 ? null : terminator.exec(text.slice(body + 1));
            position = found === null ? text.length : body + 1 + found.index + found[0].length;
            push("heredoc", start);
        } else if (/[0-9]/.test(char)) {
            position += /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(position))![0].length;
            push("number", start);
        } else if (/[A-Za-z_]/.test(char)) {
            position += /^[A-Za-z_][\w-]*/.exec(text.slice(position))![0].length;
            push("ident", start);
        } else {
            const operator = /^(==|!=|<=|>=|=>|&&|\|\||\.\.\.)/.exec(text.slice(position));
            position += operator ? operator[0].length : 1;
            push("punct", start);
        }
    }
    tokens.push({ kind: "eof", text: "", offset: text.length, end: text.length });
    return tokens;
}

/** The offset after a string's closing quote, skipping escapes and `${…}` / `%{…}` templates (which may hold strings). */
function endOfString(text: string, open: number): number {
    let position = open + 1;
    while (position < text.length && text[position] !== "\n") {
        const char = text[position];
        if (char === "\\") position += 2;
        else if (char === '"') return position + 1;
        else if ((char === "$" || char === "%") && text[position + 1] === "{") position = endOfTemplate(text, position + 2);
        else position++;
    }
    return position;
}

function endOfTemplate(text: string, position: number): number {
    let depth = 1;
    while (position < text.length && depth > 0) {
        const char = text[position];
        if (char === '"') position = endOfString(text, position);
        else {
            if (char === "{") depth++;
            if (char === "}") depth--;
            position++;
        }
    }
    return position;
}

/** Reads one file's body into attributes and blocks; anything it does not understand is skipped, never fatal. */
class HclReader {
    private readonly tokens: Token[];
    private readonly lineStarts: number[];
    private index = 0;

    constructor(
        private readonly file: TerraformFile,
        private readonly attributes: Attribute[],
        private readonly blocks: Block[],
    ) {
        this.tokens = tokenize(file.text);
        this.lineStarts = [0, ...[...file.text.matchAll(/\n/g)].map((match) => match.index! + 1)];
    }

    private get token(): Token {
        return this.tokens[this.index];
    }

    private peek(skipNewlines = false, from = this.index + 1): Token {
        let index = from;
        while (skipNewlines && this.tokens[index].kind === "newline") index++;
        return this.tokens[index];
    }

    /** Attributes and blocks until a closing `}` (consumed by the caller) or the end of the file. */
    readBody(path: readonly string[]): void {
        for (;;) {
            this.skipNewlines();
            const token = this.token;
            if (token.kind === "eof" || token.text === "}") return;
            if (token.kind === "ident" && this.peek().text === "=") {
                this.index += 2;
                this.readValue([...path, token.text], token);
                continue;
            }
            if (token.kind === "ident") {
                const labels: string[] = [];
                let next = this.index + 1;
                while (this.tokens[next].kind === "string" || this.tokens[next].kind === "ident")
                    labels.push(unquote(this.tokens[next++].text));
                if (this.tokens[next].text === "{") {
                    const blockPath = [...path, token.text, ...labels];
                    this.blocks.push({ path: blockPath, at: this.lineAt(token.offset) });
                    this.index = next + 1;
                    this.readBody(blockPath);
                    this.expect("}");
                    continue;
                }
            }
            this.skipLine();
        }
    }

    /** The value of an attribute or object item: an object constructor is read into its keys; anything else is one expression. */
    private readValue(path: readonly string[], keyToken: Token): void {
        const first = this.token;
        if (first.text === "{" && !(this.peek(true).kind === "ident" && this.peek(true).text === "for")) {
            this.index++;
            this.readObject(path);
            this.expect("}");
            return;
        }
        const start = this.index;
        let depth = 0;
        while (this.token.kind !== "eof") {
            const { text, kind } = this.token;
            if (depth === 0 && (kind === "newline" || text === "," || text === "}" || text === "]" || text === ")")) break;
            if (text in OPENERS) depth++;
            else if (text === "}" || text === "]" || text === ")") depth--;
            this.index++;
        }
        const valueTokens = this.tokens.slice(start, this.index).filter((token) => token.kind !== "newline");
        if (valueTokens.length === 0) return;
        const expression = this.file.text.slice(valueTokens[0].offset, valueTokens[valueTokens.length - 1].end).replace(/\s*\n\s*/g, " ");
        const at = this.lineAt(keyToken.offset);
        const single = valueTokens.length === 1 && valueTokens[0].kind === "number" ? valueTokens[0] : undefined;
        const sameLine = single !== undefined && this.lineAt(single.offset).line === at.line;
        this.attributes.push({
            path,
            expression,
            at,
            ...(single && sameLine ? { number: { text: single.text, column: single.offset - this.lineStarts[at.line - 1] } } : {}),
        });
    }

    /** `{ key = value, "key": value … }` items until the closing brace. */
    private readObject(path: readonly string[]): void {
        for (;;) {
            while (this.token.kind === "newline" || this.token.text === ",") this.index++;
            const key = this.token;
            if (key.kind === "eof" || key.text === "}") return;
            const separator = this.peek();
            if (
                (key.kind === "ident" || key.kind === "string" || key.kind === "number") &&
                (separator.text === "=" || separator.text === ":")
            ) {
                this.index += 2;
                this.readValue([...path, unquote(key.text)], key);
            } else {
                this.skipLine();
            }
        }
    }

    private expect(text: string): void {
        if (this.token.text === text) this.index++;
    }

    private skipNewlines(): void {
        while (this.token.kind === "newline") this.index++;
    }

    /** Skips to the end of the line, stepping over bracketed parts that span lines. */
    private skipLine(): void {
        let depth = 0;
        while (this.token.kind !== "eof") {
            const { text, kind } = this.token;
            if (depth === 0 && (kind === "newline" || text === "}")) return;
            if (text in OPENERS) depth++;
            else if (text === "}" || text === "]" || text === ")") depth--;
            this.index++;
        }
    }

    private lineAt(offset: number): FileLine {
        let line = 0;
        while (line + 1 < this.lineStarts.length && this.lineStarts[line + 1] <= offset) line++;
        const start = this.lineStarts[line];
        const end = this.file.text.indexOf("\n", start);
        return { file: this.file.path, line: line + 1, text: this.file.text.slice(start, end === -1 ? undefined : end).replace(/\r$/, "") };
    }
}

function unquote(text: string): string {
    return text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}
