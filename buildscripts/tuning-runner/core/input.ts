// Validation of everything the user hands the runner, before any AWS call (functional core:
// no SDK, no file system). Every error names the field, the value and what is allowed.

import { isRecord } from "./json";
import { refineProblems } from "./refineSettings";
import { STRATEGIES, type PowerTuningInput, type Strategy, type TargetFunction } from "./types";

/** Bad user input. The shell maps it to exit code 2: nothing was started. */
export class InputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InputError";
    }

    static invalid(field: string, value: unknown, allowed: string, reason?: string): InputError {
        return new InputError(describeInvalid(field, value, allowed, reason));
    }
}

/** `<field> is <value> (<reason>); allowed: <allowed>` — the one shape of every input message. */
export function describeInvalid(field: string, value: unknown, allowed: string, reason?: string): string {
    const shown = value === undefined ? "missing" : JSON.stringify(value);
    return `${field} is ${shown}${reason ? ` (${reason})` : ""}; allowed: ${allowed}`;
}

// Step Functions limits an execution's input to 256 KiB (UTF-8). The runner adds
// `"lambdaARN": "<up to 170 characters>"` and `"includeOutputResults": true` to the user's
// input, so that much must stay free.
const EXECUTION_INPUT_LIMIT_BYTES = 256 * 1024;
const RUNNER_ADDED_BYTES = 256;

const MIN_MEMORY_MB = 128;
const MAX_MEMORY_MB = 10240;
const MIN_NUM = 5;

/** Parses and validates power-tuning-input.json (the tool's own input format, without lambdaARN). */
export function parseTuningInput(text: string, fileName: string): PowerTuningInput {
    const value = parseJsonFile(text, fileName);
    if (!isRecord(value)) {
        throw new InputError(
            `${fileName}: the file holds ${describeJsonType(value)}; allowed: a JSON object such as {"num": 10, "powerValues": [128, 256, 512]}`,
        );
    }
    const input = value;
    const problems = [
        checkNum(input.num),
        checkPowerValues(input.powerValues),
        checkOptional(input, "strategy", (v) => (STRATEGIES as readonly unknown[]).includes(v), STRATEGIES.join(", ")),
        checkOptional(input, "balancedWeight", (v) => typeof v === "number" && v >= 0 && v <= 1, "a number from 0 to 1"),
        checkOptional(input, "parallelInvocation", (v) => typeof v === "boolean", "true or false"),
        checkOptional(input, "payloadS3", isS3ObjectUri, "an S3 object URI s3://<bucket>/<key>"),
        ...refineProblems(input).map((problem) => describeInvalid(problem.field, problem.value, problem.allowed, problem.reason)),
        "lambdaARN" in input
            ? describeInvalid(
                  `"lambdaARN"`,
                  input.lambdaARN,
                  "leave it out and name the functions with --lambda-arn or --terraform-outputs",
                  "the runner adds each function's ARN itself",
              )
            : undefined,
    ].filter((problem): problem is string => problem !== undefined);
    if (problems.length > 0) {
        throw new InputError(problems.map((problem) => `${fileName}: ${problem}`).join("\n"));
    }
    const bytes = new TextEncoder().encode(JSON.stringify(input)).length;
    if (bytes + RUNNER_ADDED_BYTES > EXECUTION_INPUT_LIMIT_BYTES) {
        throw new InputError(
            `${fileName}: the input is ${bytes} bytes as JSON; allowed: at most ${EXECUTION_INPUT_LIMIT_BYTES - RUNNER_ADDED_BYTES} bytes ` +
                `(Step Functions' 256 KiB execution input limit, less room for lambdaARN) — put large payloads in S3 and use "payloadS3"`,
        );
    }
    return input as PowerTuningInput;
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
export function strategyOf(input: PowerTuningInput): Strategy {
    return input.strategy ?? "cost";
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

function describeJsonType(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    return `a ${typeof value}`;
}

function checkNum(num: unknown): string | undefined {
    const allowed = `an integer ≥ ${MIN_NUM} (invocations per memory size)`;
    return Number.isInteger(num) && (num as number) >= MIN_NUM ? undefined : describeInvalid(`"num"`, num, allowed);
}

function checkPowerValues(powerValues: unknown): string | undefined {
    if (powerValues === undefined || powerValues === "ALL") return undefined;
    const allowed = `"ALL" or a non-empty list of distinct integers from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB} (MB)`;
    if (!Array.isArray(powerValues) || powerValues.length === 0) {
        return describeInvalid(`"powerValues"`, powerValues, allowed);
    }
    const badIndex = powerValues.findIndex((v) => !Number.isInteger(v) || v < MIN_MEMORY_MB || v > MAX_MEMORY_MB);
    if (badIndex >= 0) {
        return describeInvalid(`"powerValues[${badIndex}]"`, powerValues[badIndex], allowed);
    }
    const duplicate = powerValues.find((v, index) => powerValues.indexOf(v) !== index);
    if (duplicate !== undefined) {
        return describeInvalid(`"powerValues"`, powerValues, allowed, `${duplicate} appears twice`);
    }
    return undefined;
}

function checkOptional(
    input: Record<string, unknown>,
    field: string,
    isAllowed: (value: unknown) => boolean,
    allowed: string,
): string | undefined {
    const value = input[field];
    return value === undefined || isAllowed(value) ? undefined : describeInvalid(`"${field}"`, value, allowed);
}

function isS3ObjectUri(value: unknown): boolean {
    return typeof value === "string" && /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/.test(value);
}

const FUNCTION_ARN_FORM = "an unqualified Lambda function ARN, arn:<partition>:lambda:<region>:<12-digit account>:function:<name>";
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Why `value` is not an unqualified Lambda function ARN, or undefined when it is one. */
function functionArnProblem(value: string): string | undefined {
    const parts = value.split(":");
    if (parts[0] !== "arn" || parts.length < 6) {
        return FUNCTION_NAME.test(value) ? "a function name, not an ARN" : "not an ARN";
    }
    const [, partition, service, region, account, resourceType, name, qualifier] = parts;
    if (!/^aws(-[a-z]+)*$/.test(partition)) return `unknown partition "${partition}"`;
    if (service !== "lambda") return `an ARN of service "${service}", not Lambda`;
    if (resourceType !== "function") return `a Lambda ${resourceType} ARN, not a function ARN`;
    if (parts.length === 8) return `qualified with the version or alias "${qualifier}"; the tuner creates its own aliases`;
    if (parts.length !== 7) return `${parts.length} colon-separated parts instead of 7`;
    if (!/^[a-z]{2,4}(-[a-z]+)+-\d+$/.test(region)) return `"${region}" is not a region`;
    if (!/^\d{12}$/.test(account)) return `the account "${account}" is not 12 digits`;
    if (!FUNCTION_NAME.test(name)) return `the function name "${name}" is not 1–64 letters, digits, "-" or "_"`;
    return undefined;
}

/** Returns `value` if it is an unqualified Lambda function ARN (7 colon parts), else throws naming `field`. */
export function validateLambdaFunctionArn(value: string, field: string): string {
    const problem = functionArnProblem(value);
    if (problem !== undefined) throw InputError.invalid(field, value, FUNCTION_ARN_FORM, problem);
    return value;
}

function isLambdaFunctionArn(value: unknown): value is string {
    return typeof value === "string" && functionArnProblem(value) === undefined;
}

/** The function name at the end of a (valid) function ARN. */
function functionNameOf(arn: string): string {
    return arn.split(":")[6];
}

/** `--lambda-arn [NAME=]ARN`; the display name defaults to the function's name. */
export function parseLambdaArnSpec(spec: string): TargetFunction {
    const equals = spec.indexOf("=");
    const arn = validateLambdaFunctionArn(equals >= 0 ? spec.slice(equals + 1) : spec, "--lambda-arn");
    const name = equals >= 0 ? spec.slice(0, equals) : functionNameOf(arn);
    if (!FUNCTION_NAME.test(name)) {
        throw InputError.invalid("--lambda-arn NAME", name, `1–64 letters, digits, "-" or "_" before "=" (NAME=ARN)`);
    }
    return { name, arn };
}

const ROLE_ARN_FORM = "an IAM role ARN, arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>";

/** Returns `value` if it is an IAM role ARN (a path allowed), else throws naming `field`. */
export function validateRoleArn(value: string, field: string): string {
    if (!/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/(?:[\x21-\x7e]{0,510}\/)?[\w+=,.@-]{1,64}$/.test(value)) throw InputError.invalid(field, value, ROLE_ARN_FORM);
    return value;
}

/**
 * The region every ARN in `arns` names (an ARN's fourth part), or undefined when they name
 * none or differ: a state machine or function can only be called in its own region.
 */
export function regionSharedByArns(arns: readonly string[]): string | undefined {
    const regions = new Set(arns.map((arn) => arn.split(":")[3]));
    return regions.size === 1 ? [...regions][0] : undefined;
}

const STATE_MACHINE_ARN_FORM = "a Step Functions state machine ARN, arn:<partition>:states:<region>:<12-digit account>:stateMachine:<name>";

/** Returns `value` if it is a state machine ARN, else throws naming `field` (e.g. "--state-machine-arn (env STATE_MACHINE_ARN)"). */
export function validateStateMachineArn(value: string | undefined, field: string): string {
    if (value === undefined || value === "") throw InputError.invalid(field, undefined, STATE_MACHINE_ARN_FORM);
    if (!/^arn:aws(-[a-z]+)*:states:[a-z]{2,4}(-[a-z]+)+-\d+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/.test(value)) {
        throw InputError.invalid(field, value, STATE_MACHINE_ARN_FORM);
    }
    return value;
}

/**
 * The functions named by `terraform output -json` (`{name: {value, type, sensitive}}`): every output
 * whose value is a Lambda function ARN (named after the output), a map of them (named by key) or a
 * list of them (`<output>-<index>`). Outputs naming the same function collapse to one, preferring a
 * map key's name, which is usually the more specific one. `admit` sees every ARN found, with where
 * in the file it stands (`<file>: output "functions" key "digest"`), and may refuse it by throwing.
 */
export function functionsFromTerraformOutputs(
    outputs: unknown,
    fileName: string,
    admit: (arn: string, origin: string) => void = () => undefined,
): TargetFunction[] {
    if (!isRecord(outputs)) {
        throw new InputError(`${fileName}: the file holds ${describeJsonType(outputs)}; allowed: the JSON object printed by \`terraform output -json\``);
    }
    const found: Array<TargetFunction & { fromMapKey: boolean }> = [];
    for (const [outputName, output] of Object.entries(outputs)) {
        if (!isRecord(output) || !("value" in output)) {
            throw InputError.invalid(`${fileName}: output "${outputName}"`, output, "an object {value, type, sensitive} as printed by `terraform output -json`");
        }
        const value = output.value;
        const origin = `${fileName}: output "${outputName}"`;
        if (isLambdaFunctionArn(value)) {
            admit(value, origin);
            found.push({ name: outputName, arn: value, fromMapKey: false });
        } else if (Array.isArray(value) && value.length > 0 && value.every(isLambdaFunctionArn)) {
            value.forEach((arn, index) => {
                admit(arn, `${origin}[${index}]`);
                found.push({ name: `${outputName}-${index}`, arn, fromMapKey: false });
            });
        } else if (isRecord(value) && Object.keys(value).length > 0 && Object.values(value).every(isLambdaFunctionArn)) {
            for (const [key, arn] of Object.entries(value)) {
                admit(arn as string, `${origin} key "${key}"`);
                found.push({ name: key, arn: arn as string, fromMapKey: true });
            }
        }
    }
    if (found.length === 0) {
        const seen = Object.keys(outputs).map((name) => `"${name}"`).join(", ") || "none";
        throw new InputError(
            `${fileName}: no output holds a Lambda function ARN (outputs seen: ${seen}); allowed: outputs whose value is ${FUNCTION_ARN_FORM}, or a map or list of them`,
        );
    }
    const byArn = new Map<string, TargetFunction & { fromMapKey: boolean }>();
    for (const candidate of found) {
        const kept = byArn.get(candidate.arn);
        if (kept === undefined || (candidate.fromMapKey && !kept.fromMapKey)) byArn.set(candidate.arn, candidate);
    }
    const functions = [...byArn.values()].map(({ name, arn }) => ({ name, arn }));
    return mergeTargetFunctions(functions);
}

/**
 * Joins the functions from `--lambda-arn` and `--terraform-outputs`. The same ARN twice is tuned
 * once (first name wins); two functions under one display name would make the comment ambiguous.
 */
export function mergeTargetFunctions(...lists: ReadonlyArray<readonly TargetFunction[]>): TargetFunction[] {
    const merged: TargetFunction[] = [];
    for (const fn of lists.flat()) {
        if (merged.some((kept) => kept.arn === fn.arn)) continue;
        const clash = merged.find((kept) => kept.name === fn.name);
        if (clash !== undefined) {
            throw InputError.invalid(
                `function name "${fn.name}"`,
                fn.arn,
                "one function per name (rename one with --lambda-arn NAME=ARN)",
                `also used for ${clash.arn}`,
            );
        }
        merged.push(fn);
    }
    return merged;
}
