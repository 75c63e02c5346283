// The `refine` block of the tuning input (functional core): its fields, their defaults (applied
// here and nowhere else) and their rules, and the input the state machine gets without it.
//
//   "refine": {"stepMB": 64, "maxSizes": 6, "minSavingPercent": 1}     every field optional
//
// It is the runner's own setting: never sent to the state machine, but part of the fingerprint,
// so turning it on or changing it tunes again instead of reusing an unrefined result.

import { isFiniteNumber, isRecord, withoutUndefined } from "./json";
import type { PowerTuningInput } from "./types";

/** The refinement as a run applies it: the input's `refine` block with defaults filled in. */
export interface RefineSettings {
    /** New sizes are multiples of this (MB); the tool's "ALL" list is every 64 MB. */
    readonly stepMB: number;
    /** At most this many new sizes per function: each costs `num` invocations. */
    readonly maxSizes: number;
    /**
     * Skip the refinement unless the sizes in between could beat the first pass's pick by at
     * least this much (%), judged by the strategy's own measure (cost: per invocation including
     * the request charge; speed: duration; balanced: its weighted score) on a curve through the
     * measured points without bumps between them (convex).
     */
    readonly minSavingPercent: number;
}

export const DEFAULT_REFINE_SETTINGS: RefineSettings = { stepMB: 64, maxSizes: 6, minSavingPercent: 1 };

const FIELD_RULES: Record<keyof RefineSettings, { readonly isAllowed: (value: unknown) => boolean; readonly allowed: string }> = {
    stepMB: { isAllowed: (v) => isIntegerFrom(v, 1, 1024), allowed: "an integer from 1 to 1024 (MB)" },
    maxSizes: { isAllowed: (v) => isIntegerFrom(v, 1, 20), allowed: "an integer from 1 to 20 (new memory sizes per function)" },
    minSavingPercent: { isAllowed: (v) => isFiniteNumber(v) && v >= 0 && v <= 100, allowed: "a number from 0 to 100 (percent; 0 refines whenever there is room)" },
};
const FIELDS = Object.keys(FIELD_RULES);

function isIntegerFrom(value: unknown, min: number, max: number): boolean {
    return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** One invalid field, for the input's error message (input.ts words it). */
export interface InvalidField {
    readonly field: string;
    readonly value: unknown;
    readonly allowed: string;
    readonly reason?: string;
}

/** What is wrong with the input's `refine` block (nothing when it has none). */
export function refineProblems(input: Readonly<Record<string, unknown>>): InvalidField[] {
    const block = input.refine;
    if (block === undefined) return [];
    if (!isRecord(block)) {
        return [{ field: `"refine"`, value: block, allowed: `an object with any of ${FIELDS.join(", ")}, such as {"maxSizes": 6}; or leave it out to measure powerValues only` }];
    }
    const problems: InvalidField[] = [];
    for (const [key, value] of Object.entries(block)) {
        const rule = FIELD_RULES[key as keyof RefineSettings] as (typeof FIELD_RULES)[keyof RefineSettings] | undefined;
        if (rule === undefined) problems.push({ field: `"refine.${key}"`, value, allowed: `only ${FIELDS.join(", ")}`, reason: "unknown setting" });
        else if (!rule.isAllowed(value)) problems.push({ field: `"refine.${key}"`, value, allowed: rule.allowed });
    }
    if (input.autoOptimize === true) {
        problems.push({
            field: `"autoOptimize"`,
            value: true,
            allowed: `false or left out when "refine" is set`,
            reason: "each execution would set the function's memory from its own sizes only",
        });
    }
    return problems;
}

/** The settings of a validated input, or undefined when it asks for no refinement. */
export function refineSettingsOf(input: PowerTuningInput): RefineSettings | undefined {
    return input.refine === undefined ? undefined : { ...DEFAULT_REFINE_SETTINGS, ...withoutUndefined(input.refine) };
}

/**
 * The execution input for the state machine: the user's input without the runner's own
 * settings, with `lambdaARN`, per-size figures asked for and, for a refinement, its sizes.
 */
export function stateMachineInput(input: PowerTuningInput, lambdaArn: string, powerValues?: readonly number[]): Record<string, unknown> {
    const { refine: _refine, ...toolInput } = input;
    return { ...toolInput, ...(powerValues === undefined ? {} : { powerValues }), lambdaARN: lambdaArn, includeOutputResults: true };
}
