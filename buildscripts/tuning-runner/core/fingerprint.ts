// A function's tuning fingerprint (functional core): what decides the numbers a tuning measures —
// the deployed code and everything of its configuration that changes what it does or how fast
// (environment, memory, timeout, storage, network, file systems, SnapStart), and the tuning
// input — hashed, so that two builds measuring the same thing share one stored result, and a
// result measured on anything else (the same zip with NODE_OPTIONS set) is never taken for it. Names are left out on purpose: a pull request tunes a
// throw-away copy (`pr-<prefix>-7-abc1234-digest`) of what production runs (`<prefix>-digest`),
// and Terraform's deterministic packages give both the same CodeSha256.
import { createHash } from "node:crypto";
import { z } from "zod";
import { isRecord, withoutUndefined } from "./json";
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
    readonly MemorySize?: number;
    readonly Timeout?: number;
    readonly EphemeralStorage?: { readonly Size?: number };
    readonly Environment?: { readonly Variables?: Readonly<Record<string, string>> };
    readonly VpcConfig?: {
        readonly SubnetIds?: readonly string[];
        readonly SecurityGroupIds?: readonly string[];
        readonly Ipv6AllowedForDualStack?: boolean;
    };
    readonly FileSystemConfigs?: ReadonlyArray<{ readonly Arn?: string; readonly LocalMountPath?: string }>;
    readonly SnapStart?: { readonly ApplyOn?: string };
}

/**
 * What of a function's configuration the fingerprint covers, as stored in the tuning history. Layers
 * are code too (their ARNs carry the version; their order decides which file wins). The environment
 * is kept as a hash: its values may be secrets, and the history only needs to tell them apart.
 * Memory is the configured size, which the gate judges the function at.
 */
export const FUNCTION_FACTS = worded(
    z.object({
        codeSha256: worded(z.string(), "a string"),
        runtime: z.string().optional(),
        architectures: z.array(z.string()),
        handler: z.string().optional(),
        packageType: z.string().optional(),
        layers: z.array(z.string()),
        memoryMB: z.number().optional(),
        timeoutSeconds: z.number().optional(),
        ephemeralStorageMB: z.number().optional(),
        /** SHA-256 (hex) of the canonical JSON of the environment variables ({} when there are none). */
        environmentSha256: z.string(),
        vpc: z
            .object({
                subnetIds: z.array(z.string()),
                securityGroupIds: z.array(z.string()),
                ipv6AllowedForDualStack: z.boolean().optional(),
            })
            .optional(),
        fileSystems: z.array(z.object({ arn: z.string(), localMountPath: z.string() })),
        snapStart: z.string().optional(),
    }),
    "{codeSha256, runtime?, architectures, handler?, packageType?, layers, memoryMB?, timeoutSeconds?, ephemeralStorageMB?, environmentSha256, vpc?, fileSystems, snapStart?} as the runner stores them",
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
    // Absent fields are left out, as JSON and canonicalJson would.
    return withoutUndefined({
        codeSha256: configuration.CodeSha256,
        runtime: configuration.Runtime,
        architectures: [...(configuration.Architectures ?? [])],
        handler: configuration.Handler,
        packageType: configuration.PackageType,
        layers: (configuration.Layers ?? []).map((layer) => layer.Arn ?? "").filter((arn) => arn !== ""),
        memoryMB: configuration.MemorySize,
        timeoutSeconds: configuration.Timeout,
        ephemeralStorageMB: configuration.EphemeralStorage?.Size,
        environmentSha256: sha256(canonicalJson(configuration.Environment?.Variables ?? {})),
        vpc: vpcOf(configuration.VpcConfig),
        fileSystems: (configuration.FileSystemConfigs ?? []).map((fs) => ({ arn: fs.Arn ?? "", localMountPath: fs.LocalMountPath ?? "" })),
        // "None" is what Lambda reports for a function without SnapStart: the same as leaving it out.
        snapStart: configuration.SnapStart?.ApplyOn === "None" ? undefined : configuration.SnapStart?.ApplyOn,
    });
}

/**
 * What differs between two readings of one function taken before and after its tuning, as the
 * names of its facts; memory is left out, since the power-tuning tool itself sets it while it
 * measures. A timeout now over `maxTimeoutSeconds` is named with both figures. Pull-request code
 * holds its copy's credentials while the copy is measured: anything named here means the figures
 * may come from other code or configuration than the fingerprint stands for.
 */
export function changedWhileMeasured(before: FunctionFacts, after: FunctionFacts, maxTimeoutSeconds?: number): string[] {
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])] as Array<keyof FunctionFacts>;
    const changed: string[] = names
        .filter((name) => name !== "memoryMB" && canonicalJson(before[name]) !== canonicalJson(after[name]))
        .sort();
    const timeout = after.timeoutSeconds;
    if (maxTimeoutSeconds === undefined || timeout === undefined || timeout <= maxTimeoutSeconds) return changed;
    return [
        ...changed.filter((name) => name !== "timeoutSeconds"),
        `timeoutSeconds: now ${timeout} s, over the cap of ${maxTimeoutSeconds} s`,
    ];
}

/** The subnets and security groups, sorted (their order changes nothing); none when the function is not in a VPC. */
function vpcOf(vpc: FunctionConfigurationShape["VpcConfig"]): FunctionFacts["vpc"] {
    const subnetIds = [...(vpc?.SubnetIds ?? [])].sort();
    const securityGroupIds = [...(vpc?.SecurityGroupIds ?? [])].sort();
    if (subnetIds.length === 0 && securityGroupIds.length === 0) return undefined;
    return withoutUndefined({ subnetIds, securityGroupIds, ipv6AllowedForDualStack: vpc?.Ipv6AllowedForDualStack });
}

function sha256(text: string): string {
    return createHash("sha256").update(text).digest("hex");
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
export const FINGERPRINT_VERSION = 2;

/** SHA-256 (hex) of the canonical JSON of the function facts and the measured input fields. */
export function tuningFingerprint(facts: FunctionFacts, input: PowerTuningInput): string {
    return sha256(canonicalJson({ version: FINGERPRINT_VERSION, function: facts, input: fingerprintedInput(input) }));
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
