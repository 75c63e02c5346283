// A function's tuning fingerprint (functional core): what decides the numbers a tuning measures —
// the deployed code and how it runs, and the tuning input — hashed, so that two builds measuring
// the same thing share one stored result. Names are left out on purpose: a pull request tunes a
// throw-away copy (`pr-<prefix>-7-abc1234-digest`) of what production runs (`<prefix>-digest`),
// and Terraform's deterministic packages give both the same CodeSha256.
import { createHash } from "crypto";
import { z } from "zod";
import { isRecord } from "./json";
import { worded } from "./schema";
import type { PowerTuningInput } from "./tuningInput";

/** The fields of Lambda's GetFunctionConfiguration answer the fingerprint reads (SDK spelling). */
export interface FunctionConfigurationShape {
    readonly CodeSha256?: string;
    readonly Runtime?: string;
    readonly Architectures?: readonly string[];
    readonly Handler?: string;
    readonly PackageType?: string;
    readonly Layers?: ReadonlyArray<{ readonly Arn?: string }>;
}

/**
 * What of a function's configuration the fingerprint covers, as stored in the tuning history. Layers
 * are code too (their ARNs carry the version; their order decides which file wins). Memory size is
 * not: the tuning sets it itself.
 */
export const FUNCTION_FACTS = worded(
    z.object({
        codeSha256: worded(z.string(), "a string"),
        runtime: z.string().optional(),
        architectures: z.array(z.string()),
        handler: z.string().optional(),
        packageType: z.string().optional(),
        layers: z.array(z.string()),
    }),
    "{codeSha256, runtime?, architectures, handler?, packageType?, layers} as the runner stores them",
);
export type FunctionFacts = z.infer<typeof FUNCTION_FACTS>;

/**
 * Raised when the configuration holds no code hash. Lambda always reports one, so this means the
 * answer was not a function configuration; the shell treats the function as having no tuning history.
 */
export class MissingCodeHashError extends Error {
    constructor(functionArn: string) {
        super(`GetFunctionConfiguration for ${functionArn} reported no CodeSha256`);
        this.name = "MissingCodeHashError";
    }
}

export function functionFactsFrom(configuration: FunctionConfigurationShape, functionArn: string): FunctionFacts {
    if (typeof configuration.CodeSha256 !== "string" || configuration.CodeSha256 === "") throw new MissingCodeHashError(functionArn);
    // Absent fields stay undefined: JSON and canonicalJson leave them out.
    return {
        codeSha256: configuration.CodeSha256,
        runtime: configuration.Runtime,
        architectures: [...(configuration.Architectures ?? [])],
        handler: configuration.Handler,
        packageType: configuration.PackageType,
        layers: (configuration.Layers ?? []).map((layer) => layer.Arn ?? "").filter((arn) => arn !== ""),
    };
}

/**
 * The input fields that change what is measured: all of them except those the runner sets per
 * execution (`lambdaARN`, `includeOutputResults`). Defaults are not filled in — the state machine's
 * default power values are a stack parameter — so `{}` and `{"strategy": "cost"}` differ.
 */
export function fingerprintedInput(input: PowerTuningInput): Record<string, unknown> {
    const { lambdaARN: _lambdaArn, includeOutputResults: _includeOutputResults, ...measured } = input;
    return measured;
}

// Bumped when the fields above change meaning, so old entries are simply not found again.
const FINGERPRINT_VERSION = 1;

/** SHA-256 (hex) of the canonical JSON of the function facts and the measured input fields. */
export function tuningFingerprint(facts: FunctionFacts, input: PowerTuningInput): string {
    const canonical = canonicalJson({ version: FINGERPRINT_VERSION, function: facts, input: fingerprintedInput(input) });
    return createHash("sha256").update(canonical).digest("hex");
}

/** JSON with every object's keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(sortedKeys(value));
}

function sortedKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortedKeys);
    if (!isRecord(value)) return value;
    return Object.fromEntries(
        Object.keys(value)
            .filter((key) => value[key] !== undefined)
            .sort()
            .map((key) => [key, sortedKeys(value[key])]),
    );
}
