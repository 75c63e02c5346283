// Which functions a run tunes and with which state machine (functional core): the ARNs of the
// command line and of `terraform output -json`, each checked before any AWS call, every error
// naming where the value came from, the value and what is allowed.
import { REGION_NAME_RULE } from "../../contract";
import { InputError } from "./errors";
import { describeJsonType, isRecord } from "./json";
import type { TargetFunction } from "./types";

const FUNCTION_ARN_FORM = "an unqualified Lambda function ARN, arn:<partition>:lambda:<region>:<12-digit account>:function:<name>";
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const PARTITION = /^aws(-[a-z]+)*$/;
const ACCOUNT = /^\d{12}$/;

/** Why `value` is not an unqualified Lambda function ARN, or undefined when it is one. */
function functionArnProblem(value: string): string | undefined {
    const parts = value.split(":");
    if (parts[0] !== "arn" || parts.length < 6) {
        return FUNCTION_NAME.test(value) ? "a function name, not an ARN" : "not an ARN";
    }
    const [, partition, service, region, account, resourceType, name, qualifier] = parts;
    if (!PARTITION.test(partition)) return `unknown partition "${partition}"`;
    if (service !== "lambda") return `an ARN of service "${service}", not Lambda`;
    if (resourceType !== "function") return `a Lambda ${resourceType} ARN, not a function ARN`;
    if (parts.length === 8) return `qualified with the version or alias "${qualifier}"; the tuner creates its own aliases`;
    if (parts.length !== 7) return `${parts.length} colon-separated parts instead of 7`;
    if (!REGION_NAME_RULE.pattern.test(region)) return `"${region}" is not a region`;
    if (!ACCOUNT.test(account)) return `the account "${account}" is not 12 digits`;
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
    if (!/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/(?:[\x21-\x7e]{0,510}\/)?[\w+=,.@-]{1,64}$/.test(value))
        throw InputError.invalid(field, value, ROLE_ARN_FORM);
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
    const [arn, partition, service, region, account, resourceType, name, ...rest] = value.split(":");
    const valid =
        arn === "arn" &&
        PARTITION.test(partition) &&
        service === "states" &&
        REGION_NAME_RULE.pattern.test(region ?? "") &&
        ACCOUNT.test(account ?? "") &&
        resourceType === "stateMachine" &&
        /^[A-Za-z0-9_-]{1,80}$/.test(name ?? "") &&
        rest.length === 0;
    if (!valid) throw InputError.invalid(field, value, STATE_MACHINE_ARN_FORM);
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
        throw new InputError(
            `${fileName}: the file holds ${describeJsonType(outputs)}; allowed: the JSON object printed by \`terraform output -json\``,
        );
    }
    const found: Array<TargetFunction & { fromMapKey: boolean }> = [];
    for (const [outputName, output] of Object.entries(outputs)) {
        if (!isRecord(output) || !("value" in output)) {
            throw InputError.invalid(
                `${fileName}: output "${outputName}"`,
                output,
                "an object {value, type, sensitive} as printed by `terraform output -json`",
            );
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
        const seen =
            Object.keys(outputs)
                .map((name) => `"${name}"`)
                .join(", ") || "none";
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

/** A pull request's copy: the prefix of its functions' names, and production's, whose functions they stand for. */
export interface CopyOfFunctions {
    readonly prefix: string;
    readonly productionNamePrefix?: string;
}

/**
 * The functions a pull request's copy tunes: every function the trusted step itself listed under
 * the copy's own prefix, each named by its key (`<prefix>-<key>`) and mapped to production's
 * function of that key (`<productionNamePrefix>-<key>`), in name order. What the untrusted deploy's
 * outputs name does not decide what is tuned: they can only be refused (checkFunctionInScope).
 */
export function copyFunctionsToTune(
    copy: CopyOfFunctions,
    listed: ReadonlyArray<{ readonly name: string; readonly arn: string }>,
): TargetFunction[] {
    return listed
        .filter((fn) => fn.name.startsWith(`${copy.prefix}-`) && fn.name.length > copy.prefix.length + 1)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((fn) => {
            const key = fn.name.slice(copy.prefix.length + 1);
            return {
                name: key,
                arn: fn.arn,
                ...(copy.productionNamePrefix === undefined ? {} : { production: `${copy.productionNamePrefix}-${key}` }),
            };
        });
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
