// The `refine` block of the tuning input (functional core): its fields, their defaults (applied
// here and nowhere else) and their rules.
//
//   "refine": {"stepMB": 64, "maxSizes": 6, "minSavingPercent": 1}     every field optional
//
// It is the runner's own setting: never sent to the state machine, but part of the fingerprint,
// so turning it on or changing it tunes again instead of reusing an unrefined result.

import { z } from "zod";
import { withoutUndefined } from "./json";
import { worded } from "./schema";

const REFINE_FIELDS = {
    /** New sizes are multiples of this (MB); the tool's "ALL" list is every 64 MB. */
    stepMB: worded(z.number().int().min(1).max(1024), "an integer from 1 to 1024 (MB)"),
    /** At most this many new sizes per function: each costs `num` invocations. */
    maxSizes: worded(z.number().int().min(1).max(20), "an integer from 1 to 20 (new memory sizes per function)"),
    /**
     * Skip the refinement unless the sizes in between could beat the first pass's pick by at
     * least this much (%), judged by the strategy's own measure (cost: per invocation including
     * the request charge; speed: duration; balanced: its weighted score) on a curve through the
     * measured points without bumps between them (convex).
     */
    minSavingPercent: worded(z.number().min(0).max(100), "a number from 0 to 100 (percent; 0 refines whenever there is room)"),
};
const FIELD_NAMES = Object.keys(REFINE_FIELDS).join(", ");

/** `refine` as written in the tuning input: every field optional, no other key. */
export const REFINE_BLOCK = worded(z.strictObject(REFINE_FIELDS).partial(), {
    allowed: `an object with any of ${FIELD_NAMES}, such as {"maxSizes": 6}; or leave it out to measure powerValues only`,
    unknownKey: { allowed: `only ${FIELD_NAMES}`, reason: "unknown setting", known: Object.keys(REFINE_FIELDS) },
});

export type RefineBlock = z.infer<typeof REFINE_BLOCK>;

/** The refinement as a run applies it: the input's `refine` block with defaults filled in. */
export type RefineSettings = Required<RefineBlock>;

export const DEFAULT_REFINE_SETTINGS: RefineSettings = { stepMB: 64, maxSizes: 6, minSavingPercent: 1 };

/** The settings of a validated input, or undefined when it asks for no refinement. */
export function refineSettingsOf(input: { readonly refine?: RefineBlock } & Readonly<Record<string, unknown>>): RefineSettings | undefined {
    return input.refine === undefined ? undefined : { ...DEFAULT_REFINE_SETTINGS, ...withoutUndefined(input.refine) };
}
