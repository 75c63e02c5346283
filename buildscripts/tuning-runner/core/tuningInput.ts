// The tuning input, power-tuning-input.json (functional core): the power-tuning tool's own input
// without `lambdaARN`, plus the runner's `refine` block. Its schema is the one place its rules are
// written; the rules the stack shares (memory sizes, invocations, strategy) come from the contract.
// The tool's other keys are passed through to the state machine untouched; any other key (a typo
// that would silently leave a default in force) is refused.
import { z } from "zod";
import { TUNING_INPUT_RULES } from "../../contract";
import { InputError } from "./errors";
import { describeJsonType, isRecord, parseJsonFile } from "./json";
import { REFINE_BLOCK, refineSettingsOf } from "./refineSettings";
import { parseWith, worded } from "./schema";

const { num, powerValue, strategy, balancedWeight, parallelInvocation } = TUNING_INPUT_RULES;
const POWER_VALUES_ALLOWED = `"ALL" or a non-empty list of distinct integers from ${powerValue.schema.minValue} to ${powerValue.schema.maxValue} (MB)`;

/** Every power value once: a repeated one would be measured twice and charted as one. */
const distinctPowerValues = (values: readonly number[], context: z.RefinementCtx): void => {
    const repeated = values.find((value, index) => values.indexOf(value) !== index);
    if (repeated !== undefined) context.addIssue({ code: "custom", message: "repeated", params: { reason: `${repeated} appears twice` } });
};

/**
 * The power-tuning tool's input keys the runner does not judge, passed on as they are (the tool's
 * README-INPUT-OUTPUT.md). `lambdaARN` is the tool's too, refused below with its own reason.
 */
const TOOL_ONLY_KEYS = [
    "autoOptimize",
    "autoOptimizeAlias",
    "dryRun",
    "preProcessorARN",
    "postProcessorARN",
    "discardTopBottom",
    "sleepBetweenRunsMs",
    "disablePayloadLogs",
    "onlyColdStarts",
    "allowedExceptions",
    "includeOutputResults",
    "lambdaARN",
] as const;

const TUNING_INPUT_FIELDS = {
    num: worded(num.schema, `an integer ≥ ${num.schema.minValue} (invocations per memory size)`),
    powerValues: worded(
        z.union([z.literal("ALL"), z.array(worded(powerValue.schema, POWER_VALUES_ALLOWED)).min(1).superRefine(distinctPowerValues)]),
        POWER_VALUES_ALLOWED,
    ).optional(),
    // The tool's own default strategy is cost (strategyOf).
    strategy: worded(strategy.schema, strategy.schema.options.join(", ")).optional(),
    /** 0 weighs only speed, 1 only cost; the tool's default is 0.5. */
    balancedWeight: worded(
        balancedWeight.schema,
        `a number from ${balancedWeight.schema.minValue} to ${balancedWeight.schema.maxValue}`,
    ).optional(),
    parallelInvocation: worded(parallelInvocation.schema, parallelInvocation.allowed).optional(),
    payload: z.unknown().optional(),
    payloadS3: worded(z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/), "an S3 object URI s3://<bucket>/<key>").optional(),
    /** The runner's own setting, never sent to the state machine: a second, finer pass (refine.ts). */
    refine: REFINE_BLOCK.optional(),
    ...(Object.fromEntries(TOOL_ONLY_KEYS.map((key) => [key, z.unknown().optional()])) as Record<
        (typeof TOOL_ONLY_KEYS)[number],
        z.ZodOptional<z.ZodUnknown>
    >),
};
const KNOWN_KEYS = Object.keys(TUNING_INPUT_FIELDS).filter((key) => key !== "lambdaARN");

const TUNING_INPUT = worded(
    z
        .strictObject(TUNING_INPUT_FIELDS)
        // Checked together with the fields (when: always), so that every problem of the file is listed at once.
        .refine((input) => input.refine === undefined || input.autoOptimize !== true, {
            when: () => true,
            path: ["autoOptimize"],
            params: {
                allowed: `false or left out when "refine" is set`,
                reason: "each execution would set the function's memory from its own sizes only",
            },
        })
        .refine((input) => !("lambdaARN" in input), {
            when: () => true,
            path: ["lambdaARN"],
            params: {
                allowed: "leave it out and name the functions with --lambda-arn or --terraform-outputs",
                reason: "the runner adds each function's ARN itself",
            },
        }),
    {
        allowed: "a power-tuning input",
        unknownKey: { allowed: `only the keys ${KNOWN_KEYS.join(", ")}`, reason: "unknown key", known: KNOWN_KEYS },
    },
);

/** The power-tuning execution input as the user writes it, without `lambdaARN`: the runner adds that per function. */
export type PowerTuningInput = z.infer<typeof TUNING_INPUT>;
export type Strategy = z.infer<typeof strategy.schema>;

// Step Functions limits an execution's input to 256 KiB (UTF-8). The runner adds
// `"lambdaARN": "<up to 170 characters>"` and `"includeOutputResults": true` to the user's
// input, so that much must stay free.
const EXECUTION_INPUT_LIMIT_BYTES = 256 * 1024;
const RUNNER_ADDED_BYTES = 256;

/** Parses and validates power-tuning-input.json; every problem is listed at once, one per line. */
export function parseTuningInput(text: string, fileName: string): PowerTuningInput {
    const value = parseJsonFile(text, fileName);
    if (!isRecord(value)) {
        throw new InputError(
            `${fileName}: the file holds ${describeJsonType(value)}; allowed: a JSON object such as {"num": 10, "powerValues": [128, 256, 512]}`,
        );
    }
    const input = parseWith(TUNING_INPUT, value, fileName);
    const bytes = new TextEncoder().encode(JSON.stringify(input)).length;
    if (bytes + RUNNER_ADDED_BYTES > EXECUTION_INPUT_LIMIT_BYTES) {
        throw new InputError(
            `${fileName}: the input is ${bytes} bytes as JSON; allowed: at most ${EXECUTION_INPUT_LIMIT_BYTES - RUNNER_ADDED_BYTES} bytes ` +
                `(Step Functions' 256 KiB execution input limit, less room for lambdaARN) — put large payloads in S3 and use "payloadS3"`,
        );
    }
    return input;
}

// "ALL" is every size from 128 MB to 3008 MB in steps of 64 MB.
const ALL_POWER_VALUES_COUNT = (3008 - 128) / 64 + 1;

/** How one tuning execution loads the account's Lambda concurrency. */
export interface TuningLoad {
    readonly powerValueCount: number;
    readonly num: number;
    readonly parallelInvocation?: boolean;
}

/**
 * The most Lambda invocations in flight at once, all counted against the account's concurrency
 * quota (often 10 on a new account): each execution runs one Executor function per power value at
 * once, and each Executor keeps `num` invocations of the tuned function in flight with
 * `parallelInvocation`, else one. `executions` run at once (the runner's --concurrency, at most
 * the number of functions).
 */
export function peakLambdaConcurrency(load: TuningLoad, executions: number): number {
    return executions * load.powerValueCount * (1 + (load.parallelInvocation === true ? load.num : 1));
}

/**
 * The most Lambda invocations one execution keeps in flight with this input: its first pass on
 * `powerValues` (every size of "ALL" when the input leaves them to the state machine, which the
 * runner cannot see), or a refinement's new sizes when those are more.
 */
export function peakPerExecution(input: PowerTuningInput): number {
    const powerValueCount =
        input.powerValues === undefined || input.powerValues === "ALL" ? ALL_POWER_VALUES_COUNT : input.powerValues.length;
    const refine = refineSettingsOf(input);
    const load = { num: input.num, parallelInvocation: input.parallelInvocation };
    return Math.max(
        peakLambdaConcurrency({ ...load, powerValueCount }, 1),
        refine === undefined ? 0 : peakLambdaConcurrency({ ...load, powerValueCount: refine.maxSizes }, 1),
    );
}

/**
 * `--concurrency auto`: as many executions at once as fit the account's unreserved Lambda
 * concurrency, at least one (a quota below one execution's peak throttles it, but tuning one at a
 * time is the most the account allows) and at most one per function.
 */
export function concurrencyFittingAccount(input: PowerTuningInput, unreservedConcurrency: number, functions: number): number {
    return Math.max(1, Math.min(functions, Math.floor(unreservedConcurrency / peakPerExecution(input))));
}

/**
 * A line for the build log saying how much Lambda concurrency a run needs, or undefined when the
 * input leaves the power values to the state machine's own default.
 */
export function describeLambdaConcurrency(input: PowerTuningInput, functionsAtOnce: number): string | undefined {
    if (input.powerValues === undefined) return undefined;
    const powerValueCount = input.powerValues === "ALL" ? ALL_POWER_VALUES_COUNT : input.powerValues.length;
    const load = { powerValueCount, num: input.num, parallelInvocation: input.parallelInvocation };
    const perExecutor = load.parallelInvocation === true ? `${input.num} parallel invocations` : "1 invocation";
    return (
        `up to ${peakLambdaConcurrency(load, functionsAtOnce)} Lambda invocations at once ` +
        `(${functionsAtOnce} × ${powerValueCount} power values × (1 Executor + ${perExecutor})); ` +
        "an account concurrency quota below that throttles the tuning"
    );
}

/** The tool's default strategy is `cost`. */
export function strategyOf(input: Pick<PowerTuningInput, "strategy"> & Readonly<Record<string, unknown>>): Strategy {
    return input.strategy ?? "cost";
}

/**
 * The execution input for the state machine: the user's input without the runner's own
 * settings, with `lambdaARN`, per-size figures asked for and, for a refinement, its sizes.
 */
export function stateMachineInput(input: PowerTuningInput, lambdaArn: string, powerValues?: readonly number[]): Record<string, unknown> {
    const { refine: _refine, ...toolInput } = input;
    return { ...toolInput, ...(powerValues === undefined ? {} : { powerValues }), lambdaARN: lambdaArn, includeOutputResults: true };
}
