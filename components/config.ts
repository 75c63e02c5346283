// The one place stack configuration is read and validated. Everything downstream gets a
// typed, already-checked StackConfig, so a bad value fails `pulumi preview` with one clear
// message before any resource is registered.
import * as pulumi from "@pulumi/pulumi";
import { isRecord, withoutUndefined } from "../buildscripts/tuning-runner/core/json";
import { TUNING_STRATEGIES as STRATEGIES } from "../buildscripts/contract";
import { MINIMUM_TERRAFORM_VERSION, TerraformRelease } from "./buildspecs";
import { STACK_OWNED_NAME_PATTERNS } from "./policies";

type Strategy = (typeof STRATEGIES)[number];

/** Pulumi project name: the namespace of every project config key. */
export const PROJECT = "lambda-power-tuned";

/**
 * Terraform 1.11.4 for linux_arm64, as published by HashiCorp (terraform_1.11.4_SHA256SUMS;
 * the same value is pinned in hashicorp/homebrew-tap Formula/terraform.rb for 1.11.4).
 */
export const DEFAULT_TERRAFORM: TerraformRelease = {
    version: "1.11.4",
    sha256Arm64: "a43d1d0da9b9bab214a8305a39db0e40869572594ccf50c416a7756499143633",
};

/** The SAR application's own default for its PowerValues parameter (template.yml). */
export const SAR_DEFAULT_POWER_VALUES: readonly number[] = [128, 256, 512, 1024, 1536, 3008];

/**
 * The stack's default memory sizes: five, because a tuning keeps two invocations in flight per
 * size (the tool's Executor and the function it invokes), and five times two is the Lambda
 * concurrency a new account often gets (10).
 */
export const DEFAULT_POWER_VALUES: readonly number[] = [128, 256, 512, 1024, 2048];

/** Tuning settings written into the seeded repository's power-tuning-input.json. */
export interface TuningDefaults {
    readonly num: number;
    readonly strategy: Strategy;
    readonly balancedWeight: number;
    /**
     * Invoke `num` times at once per memory size (faster, but needs that much more Lambda
     * concurrency) instead of one after another.
     */
    readonly parallelInvocation: boolean;
}

/** One entry of `aws:assumeRoles`, as the AWS provider assumes it. */
export interface AssumedRole {
    readonly roleArn: string;
    readonly sessionName?: string;
    readonly externalId?: string;
    readonly durationSeconds?: number;
    readonly policy?: string;
    readonly policyArns?: readonly string[];
    readonly sourceIdentity?: string;
    readonly tags?: Readonly<Record<string, string>>;
    readonly transitiveTagKeys?: readonly string[];
}

/**
 * How the stack's AWS provider reaches AWS, beyond its region: what the repository seeding, which
 * calls CodeCommit with the AWS SDK outside the provider, must do the same way to act in the same
 * account as the same principal. Without any of it both use the SDK's default credential chain.
 */
export interface AwsAccess {
    /** `aws:profile`. */
    readonly profile?: string;
    /** `aws:sharedConfigFiles` / `aws:sharedCredentialsFiles` (one each). */
    readonly sharedConfigFile?: string;
    readonly sharedCredentialsFile?: string;
    /** `aws:assumeRoles`, assumed in order, each with the credentials of the one before. */
    readonly assumeRoles: readonly AssumedRole[];
    /** `aws:stsRegion`: where roles are assumed; default the stack's region. */
    readonly stsRegion?: string;
    /** `aws:accessKey`, `aws:secretKey`, `aws:token`: secret, so only ever an Output marked secret. */
    readonly staticCredentials?: pulumi.Output<StaticCredentials>;
}

export interface StaticCredentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
}

export interface StackConfig {
    /** `aws:region`: where everything is deployed; also used in the ARNs of IAM scopes. */
    readonly region: string;
    /** The rest of the AWS provider's configuration that calls outside the provider must follow. */
    readonly awsAccess: AwsAccess;
    /** CodeCommit repository holding the Terraform-managed functions. */
    readonly repositoryName: string;
    /** Branch that pull requests target and the pipeline deploys. */
    readonly mainBranch: string;
    /** Prefix of every function, role and log group production's Terraform creates: the pipeline's IAM scope. */
    readonly namePrefix: string;
    /**
     * Prefix of every function, role and log group of a pull request's throw-away copy: the only
     * names pull-request code and the power-tuning state machine may touch. Disjoint from namePrefix.
     */
    readonly pullRequestNamePrefix: string;
    /** Extra statements every role Terraform creates may use (added to its permissions boundary). */
    readonly functionPermissions: readonly FunctionPermission[];
    readonly terraform: TerraformRelease;
    /** Pinned semantic version of the aws-lambda-power-tuning SAR application. */
    readonly powerTuningVersion: string;
    readonly powerValues: readonly number[];
    readonly tuningDefaults: TuningDefaults;
    /** Keep buckets and the repository on `pulumi destroy` (and never force-empty buckets). */
    readonly retainData: boolean;
    /** Applied to every taggable resource. */
    readonly tags: Readonly<Record<string, string>>;
}

/** One IAM statement a function's role may use, as written in config (validated). */
export interface FunctionPermission {
    readonly Sid?: string;
    readonly Effect: "Allow";
    readonly Action: string | readonly string[];
    readonly Resource: string | readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Config as read, before validation: anything may be missing or of the wrong type. */
export type RawStackConfig = { readonly [K in keyof typeof KEYS]?: unknown };

/** How each setting is spelled in Pulumi.<stack>.yaml and `pulumi config set`. */
const KEYS = {
    region: "aws:region",
    profile: "aws:profile",
    sharedConfigFiles: "aws:sharedConfigFiles",
    sharedCredentialsFiles: "aws:sharedCredentialsFiles",
    assumeRoles: "aws:assumeRoles",
    stsRegion: "aws:stsRegion",
    accessKey: "aws:accessKey",
    secretKey: "aws:secretKey",
    token: "aws:token",
    assumeRoleWithWebIdentity: "aws:assumeRoleWithWebIdentity",
    endpoints: "aws:endpoints",
    repositoryName: `${PROJECT}:repositoryName`,
    mainBranch: `${PROJECT}:mainBranch`,
    namePrefix: `${PROJECT}:namePrefix`,
    pullRequestNamePrefix: `${PROJECT}:pullRequestNamePrefix`,
    functionPermissions: `${PROJECT}:functionPermissions`,
    terraformVersion: `${PROJECT}:terraformVersion`,
    terraformSha256Arm64: `${PROJECT}:terraformSha256Arm64`,
    powerTuningVersion: `${PROJECT}:powerTuningVersion`,
    powerValues: `${PROJECT}:powerValues`,
    tuningDefaults: `${PROJECT}:tuningDefaults`,
    retainData: `${PROJECT}:retainData`,
    tags: `${PROJECT}:tags`,
} as const;

const DEFAULTS = {
    repositoryName: "power-tuned-functions",
    mainBranch: "main",
    namePrefix: "power-tuned",
    powerTuningVersion: "4.4.0",
    tuningDefaults: { num: 10, strategy: "cost", balancedWeight: 0.5, parallelInvocation: false } as TuningDefaults,
    retainData: false,
} as const;

/** Services a function's role may never be granted: identities, credentials and the reviewed repository. */
const FORBIDDEN_FUNCTION_SERVICES = ["iam", "sts", "codecommit"] as const;

const MIN_POWER_MB = 128;
const MAX_POWER_MB = 10240;
// S3 objects (the uploaded runner bundle) accept at most 10 tags; every other resource 50.
const MAX_TAGS = 10;

/** Thrown with every problem found, one per line, so a user fixes them in one go. */
export class StackConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "StackConfigError";
    }
}

/** Validates raw config values and applies defaults. Pure: tests call it with bad values. */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
    const problems: string[] = [];
    const invalid = (key: keyof typeof KEYS, value: unknown, allowed: string): undefined => {
        problems.push(`${KEYS[key]} = ${JSON.stringify(value)} is invalid: ${allowed}`);
        return undefined;
    };
    const text = (key: keyof typeof KEYS, pattern: RegExp, allowed: string, fallback?: string): string => {
        const value = raw[key] ?? fallback;
        if (value === undefined) {
            problems.push(`${KEYS[key]} is not set: ${allowed}`);
            return "";
        }
        if (typeof value !== "string" || !pattern.test(value)) invalid(key, value, allowed);
        return String(value);
    };

    const region = text("region", REGION_NAME, "an AWS region name such as us-east-1 (pulumi config set aws:region …)");
    const awsAccess = parseAwsAccess(raw, invalid, problems);
    const repositoryName = text(
        "repositoryName",
        /^(?!.*\.git$)[A-Za-z0-9._-]{1,100}$/,
        "1–100 letters, digits, '.', '_' or '-', not ending in .git (CodeCommit repository name rules)",
        DEFAULTS.repositoryName,
    );
    const mainBranch = text(
        "mainBranch",
        /^(?![-./])(?!.*(\.\.|\/\/|@\{|\.lock$|[./]$))[A-Za-z0-9._/-]{1,100}$/,
        "a git branch name such as main (letters, digits, '.', '_', '-', '/'; no '..', no leading '-' or '.', no trailing '/', '.' or '.lock')",
        DEFAULTS.mainBranch,
    );
    const namePrefixRule = /^[A-Za-z](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
    const namePrefixAllowed =
        "1–32 letters, digits or '-', starting with a letter and not ending with '-' (it prefixes Lambda function and IAM role names, with room for a PR suffix)";
    const namePrefix = text("namePrefix", namePrefixRule, namePrefixAllowed, DEFAULTS.namePrefix);
    // The default is derived only from a valid namePrefix: a bad namePrefix is reported once, under its own key.
    const pullRequestNamePrefix =
        raw.pullRequestNamePrefix === undefined && !namePrefixRule.test(namePrefix)
            ? ""
            : text("pullRequestNamePrefix", namePrefixRule, namePrefixAllowed, `pr-${namePrefix}`);
    for (const key of ["namePrefix", "pullRequestNamePrefix"] as const) {
        const prefix = key === "namePrefix" ? namePrefix : pullRequestNamePrefix;
        const overlapping = STACK_OWNED_NAME_PATTERNS.find((owned) => globsOverlap(`${prefix}-*`, owned));
        if (prefix !== "" && overlapping !== undefined) {
            invalid(key, prefix, `the builds' IAM scope '${prefix}-*' would also cover names this stack owns ('${overlapping}'); choose a prefix that does not`);
        }
    }
    if (namePrefix !== "" && pullRequestNamePrefix !== "" && globsOverlap(`${namePrefix}-*`, `${pullRequestNamePrefix}-*`)) {
        problems.push(
            `${KEYS.namePrefix} = ${JSON.stringify(namePrefix)} and ${KEYS.pullRequestNamePrefix} = ${JSON.stringify(pullRequestNamePrefix)} overlap: ` +
                `'${namePrefix}-*' and '${pullRequestNamePrefix}-*' can name the same function or role, so pull-request code could reach production; ` +
                `choose prefixes neither of which starts with the other's '<prefix>-'`,
        );
    }

    const terraformVersion = text(
        "terraformVersion",
        /^\d+\.\d+\.\d+$/,
        "a released Terraform version such as 1.11.4",
        DEFAULT_TERRAFORM.version,
    );
    if (olderVersion(terraformVersion, MINIMUM_TERRAFORM_VERSION)) {
        invalid("terraformVersion", terraformVersion, `${MINIMUM_TERRAFORM_VERSION} or later (terraform-lambda's S3 backend uses its lock file, use_lockfile)`);
    }
    if (raw.terraformSha256Arm64 === undefined && terraformVersion !== DEFAULT_TERRAFORM.version) {
        problems.push(
            `${KEYS.terraformSha256Arm64} is not set: it is required when ${KEYS.terraformVersion} (${terraformVersion}) differs from the default ${DEFAULT_TERRAFORM.version}; ` +
                `copy the linux_arm64 line of terraform_${terraformVersion}_SHA256SUMS`,
        );
    }
    const terraformSha256Arm64 = text(
        "terraformSha256Arm64",
        /^[0-9a-fA-F]{64}$/,
        "the 64 hex characters of the SHA-256 of terraform_<version>_linux_arm64.zip",
        DEFAULT_TERRAFORM.sha256Arm64,
    ).toLowerCase();

    const powerTuningVersion = text(
        "powerTuningVersion",
        /^\d+\.\d+\.\d+$/,
        "a semantic version of the aws-lambda-power-tuning SAR application such as 4.4.0",
        DEFAULTS.powerTuningVersion,
    );

    const powerValues = parsePowerValues(raw.powerValues, invalid) ?? DEFAULT_POWER_VALUES;
    const tuningDefaults = parseTuningDefaults(raw.tuningDefaults, invalid, problems);
    const retainData = parseRetainData(raw.retainData, invalid);
    const tags = parseTags(raw.tags, invalid) ?? {};
    const functionPermissions = parseFunctionPermissions(raw.functionPermissions, problems);
    if (problems.length > 0) throw new StackConfigError(problems);

    return {
        region,
        awsAccess,
        repositoryName,
        mainBranch,
        namePrefix,
        pullRequestNamePrefix,
        functionPermissions,
        terraform: { version: terraformVersion, sha256Arm64: terraformSha256Arm64 },
        powerTuningVersion,
        powerValues,
        tuningDefaults,
        retainData,
        tags,
    };
}

type Invalid = (key: keyof typeof KEYS, value: unknown, allowed: string) => undefined;

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/;
// Go duration units, as the AWS provider reads `duration` ("1h", "90m", "1h30m").
const DURATION_UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const ASSUME_ROLE_KEYS = ["roleArn", "sessionName", "externalId", "duration", "policy", "policyArns", "sourceIdentity", "tags", "transitiveTagKeys"];

/**
 * The AWS provider settings the repository seeding follows, and a refusal for those it cannot:
 * seeding into another account, or as another principal, than the one the stack deploys with
 * would be worse than not seeding.
 */
function parseAwsAccess(raw: RawStackConfig, invalid: Invalid, problems: string[]): AwsAccess {
    const cannot = (key: keyof typeof KEYS, value: unknown, instead: string) =>
        invalid(key, value, `not supported by the repository seeding, which calls CodeCommit through the AWS SDK outside the provider; ${instead}`);
    if (raw.assumeRoleWithWebIdentity !== undefined) {
        cannot("assumeRoleWithWebIdentity", raw.assumeRoleWithWebIdentity, "set AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE in the environment instead, which the provider and the seeding both read");
    }
    const endpoints = Array.isArray(raw.endpoints) ? raw.endpoints : [];
    const redirected = endpoints.flatMap((entry) => Object.keys(isRecord(entry) ? entry : {})).filter((service) => service === "codecommit" || service === "sts");
    if (redirected.length > 0) {
        cannot("endpoints", raw.endpoints, `set AWS_ENDPOINT_URL_${redirected[0].toUpperCase()} in the environment instead, which the provider and the seeding both read`);
    }
    const oneFile = (key: "sharedConfigFiles" | "sharedCredentialsFiles"): string | undefined => {
        const value = raw[key];
        if (value === undefined) return undefined;
        if (!Array.isArray(value) || value.length > 1 || value.some((file) => typeof file !== "string" || file === "")) {
            return invalid(key, value, "a list of one file path (the repository seeding's AWS SDK reads a single file)");
        }
        return value[0];
    };
    const optionalText = (key: "profile" | "stsRegion", pattern: RegExp, allowed: string): string | undefined => {
        const value = raw[key];
        if (value === undefined) return undefined;
        return typeof value === "string" && pattern.test(value) ? value : invalid(key, value, allowed);
    };
    if ((raw.accessKey === undefined) !== (raw.secretKey === undefined)) {
        problems.push(`${KEYS.accessKey} and ${KEYS.secretKey} must be set together (pulumi config set --secret …); only ${raw.accessKey === undefined ? KEYS.secretKey : KEYS.accessKey} is`);
    }
    return withoutUndefined({
        profile: optionalText("profile", /^\S+$/, "a profile name from your AWS config or credentials file"),
        sharedConfigFile: oneFile("sharedConfigFiles"),
        sharedCredentialsFile: oneFile("sharedCredentialsFiles"),
        assumeRoles: parseAssumeRoles(raw.assumeRoles, invalid),
        stsRegion: optionalText("stsRegion", REGION_NAME, "an AWS region name such as us-east-1"),
        staticCredentials:
            raw.accessKey === undefined || raw.secretKey === undefined
                ? undefined
                : pulumi.secret(
                      pulumi.all([raw.accessKey as pulumi.Input<string>, raw.secretKey as pulumi.Input<string>, raw.token as pulumi.Input<string> | undefined]).apply(
                          ([accessKeyId, secretAccessKey, sessionToken]): StaticCredentials =>
                              sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken },
                      ),
                  ),
    });
}

function parseAssumeRoles(value: unknown, invalid: Invalid): AssumedRole[] {
    if (value === undefined) return [];
    const allowed = `a list of {roleArn, sessionName?, externalId?, duration? (15m-12h, e.g. "1h"), policy?, policyArns?, sourceIdentity?, tags?, transitiveTagKeys?}`;
    if (!Array.isArray(value)) return invalid("assumeRoles", value, allowed) ?? [];
    const problem = value.map(assumeRoleProblem).find((found) => found !== undefined);
    if (problem !== undefined) return invalid("assumeRoles", value, `${allowed}; ${problem}`) ?? [];
    return (value as Array<Record<string, unknown>>).map((role) =>
        withoutUndefined({
            roleArn: role.roleArn as string,
            sessionName: role.sessionName as string | undefined,
            externalId: role.externalId as string | undefined,
            // STS takes whole seconds.
            durationSeconds: role.duration === undefined ? undefined : Math.floor(goDurationSeconds(role.duration)!),
            policy: role.policy as string | undefined,
            policyArns: role.policyArns as string[] | undefined,
            sourceIdentity: role.sourceIdentity as string | undefined,
            tags: role.tags as Record<string, string> | undefined,
            transitiveTagKeys: role.transitiveTagKeys as string[] | undefined,
        }),
    );
}

function assumeRoleProblem(entry: unknown): string | undefined {
    if (!isRecord(entry)) return "an entry is not an object";
    if (typeof entry.roleArn !== "string" || !ROLE_ARN.test(entry.roleArn)) return `roleArn ${JSON.stringify(entry.roleArn)} is not an IAM role ARN`;
    const unknownKeys = Object.keys(entry).filter((key) => !ASSUME_ROLE_KEYS.includes(key));
    if (unknownKeys.length > 0) return `unknown key(s) ${unknownKeys.join(", ")}`;
    const seconds = entry.duration === undefined ? undefined : goDurationSeconds(entry.duration);
    if (entry.duration !== undefined && (seconds === undefined || seconds < 900 || seconds > 43200)) return `duration ${JSON.stringify(entry.duration)} is not from 15m to 12h`;
    return undefined;
}

/** Seconds in a Go duration string such as "1h30m"; undefined when it is not one. */
function goDurationSeconds(value: unknown): number | undefined {
    if (typeof value !== "string" || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) return undefined;
    return [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((sum, [, amount, unit]) => sum + Number(amount) * DURATION_UNIT_SECONDS[unit], 0);
}


function parsePowerValues(value: unknown, invalid: Invalid): readonly number[] | undefined {
    if (value === undefined) return undefined;
    const allowed = `a non-empty list of distinct integers from ${MIN_POWER_MB} to ${MAX_POWER_MB} (MB), e.g. [128, 256, 512, 1024]`;
    if (!Array.isArray(value) || value.length === 0) return invalid("powerValues", value, allowed);
    const bad = value.find((v) => !Number.isInteger(v) || v < MIN_POWER_MB || v > MAX_POWER_MB);
    if (bad !== undefined) return invalid("powerValues", value, `${allowed}; ${JSON.stringify(bad)} is not`);
    if (new Set(value).size !== value.length) return invalid("powerValues", value, `${allowed}; it repeats a value`);
    return [...(value as number[])].sort((a, b) => a - b);
}

function parseTuningDefaults(value: unknown, invalid: Invalid, problems: string[]): TuningDefaults {
    if (value === undefined) return DEFAULTS.tuningDefaults;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        invalid("tuningDefaults", value, "an object { num, strategy, balancedWeight, parallelInvocation }");
        return DEFAULTS.tuningDefaults;
    }
    const fields = value as Record<string, unknown>;
    const merged = { ...DEFAULTS.tuningDefaults, ...fields };
    const field = (name: string, fieldValue: unknown, allowed: string) =>
        problems.push(`${KEYS.tuningDefaults}.${name} = ${JSON.stringify(fieldValue)} is invalid: ${allowed}`);
    const unknownKeys = Object.keys(fields).filter((k) => !(k in DEFAULTS.tuningDefaults));
    if (unknownKeys.length > 0) {
        invalid("tuningDefaults", value, `unknown key(s) ${unknownKeys.join(", ")}; allowed keys are num, strategy, balancedWeight, parallelInvocation`);
    }
    if (!Number.isInteger(merged.num) || (merged.num as number) < 5) {
        field("num", merged.num, "an integer of at least 5 (the power-tuning state machine rejects fewer invocations)");
    }
    if (!STRATEGIES.includes(merged.strategy as Strategy)) {
        field("strategy", merged.strategy, `one of ${STRATEGIES.join(", ")}`);
    }
    if (typeof merged.balancedWeight !== "number" || merged.balancedWeight < 0 || merged.balancedWeight > 1) {
        field("balancedWeight", merged.balancedWeight, "a number from 0 (speed) to 1 (cost)");
    }
    if (typeof merged.parallelInvocation !== "boolean") {
        field("parallelInvocation", merged.parallelInvocation, "true (num invocations at once per memory size) or false (one at a time)");
    }
    return merged as TuningDefaults;
}

function parseRetainData(value: unknown, invalid: Invalid): boolean {
    if (value === undefined) return DEFAULTS.retainData;
    if (typeof value !== "boolean") return invalid("retainData", value, "true or false") ?? DEFAULTS.retainData;
    return value;
}

function parseTags(value: unknown, invalid: Invalid): Record<string, string> | undefined {
    if (value === undefined) return undefined;
    const allowed = `a map of at most ${MAX_TAGS} string keys (1–128 characters, not starting with "aws:") to string values (at most 256 characters)`;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return invalid("tags", value, allowed);
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > MAX_TAGS) return invalid("tags", value, `${allowed}; S3 objects accept no more than ${MAX_TAGS}`);
    const bad = entries.find(
        ([k, v]) => k.length < 1 || k.length > 128 || k.toLowerCase().startsWith("aws:") || typeof v !== "string" || v.length > 256,
    );
    if (bad !== undefined) return invalid("tags", value, `${allowed}; ${JSON.stringify(bad[0])} is not`);
    return Object.fromEntries(entries) as Record<string, string>;
}

const FUNCTION_PERMISSION_KEYS = ["Sid", "Effect", "Action", "Resource", "Condition"];

/**
 * `functionPermissions`: IAM statements added to the permissions boundary of every role
 * Terraform creates. User input that ends up in IAM, so every field is checked for type, and
 * nothing that would let a function reach identities, credentials or the repository passes.
 */
function parseFunctionPermissions(value: unknown, problems: string[]): readonly FunctionPermission[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
        problems.push(`${KEYS.functionPermissions} = ${JSON.stringify(value)} is invalid: a list of IAM statements { Sid?, Effect: "Allow", Action, Resource, Condition? }`);
        return [];
    }
    const before = problems.length;
    value.forEach((statement: unknown, index) => {
        const field = (name: string, fieldValue: unknown, allowed: string) =>
            problems.push(`${KEYS.functionPermissions}[${index}].${name} = ${JSON.stringify(fieldValue)} is invalid: ${allowed}`);
        if (typeof statement !== "object" || statement === null || Array.isArray(statement)) {
            problems.push(`${KEYS.functionPermissions}[${index}] = ${JSON.stringify(statement)} is invalid: an object { Sid?, Effect: "Allow", Action, Resource, Condition? }`);
            return;
        }
        const fields = statement as Record<string, unknown>;
        const unknownKeys = Object.keys(fields).filter((key) => !FUNCTION_PERMISSION_KEYS.includes(key));
        if (unknownKeys.length > 0) {
            problems.push(`${KEYS.functionPermissions}[${index}] has unknown key(s) ${unknownKeys.join(", ")}: allowed keys are ${FUNCTION_PERMISSION_KEYS.join(", ")}`);
        }
        if (fields.Sid !== undefined && (typeof fields.Sid !== "string" || !/^[A-Za-z0-9]{1,100}$/.test(fields.Sid))) {
            field("Sid", fields.Sid, "letters and digits only (IAM statement id)");
        }
        if (fields.Effect !== "Allow") field("Effect", fields.Effect, '"Allow" (the boundary only ever allows)');
        const actions = stringList(fields.Action);
        if (actions === undefined) {
            field("Action", fields.Action, 'an action such as "s3:GetObject", or a non-empty list of them');
        }
        const resources = stringList(fields.Resource);
        if (resources === undefined || resources.some((resource) => resource !== "*" && !resource.startsWith("arn:"))) {
            field("Resource", fields.Resource, 'an ARN (wildcards allowed) or "*", or a non-empty list of them');
        }
        for (const action of actions ?? []) {
            const [service, name] = action.split(":");
            if (action === "*") {
                field("Action", action, "a service's action such as s3:GetObject; '*' would grant every action of every service");
            } else if (name === undefined || !/^[A-Za-z0-9*?-]+$/.test(service) || !/^[A-Za-z0-9*?]+$/.test(name)) {
                field("Action", action, "<service>:<action>, e.g. s3:GetObject (wildcards * and ? allowed)");
            } else if (FORBIDDEN_FUNCTION_SERVICES.some((forbidden) => globMatches(service.toLowerCase(), forbidden))) {
                field("Action", action, `no action of ${FORBIDDEN_FUNCTION_SERVICES.join(", ")}: a function's role may not manage identities, obtain credentials or touch the repository`);
            } else if (name === "*" && (resources ?? []).includes("*")) {
                field("Action", action, `${service}:* only on specific resources: on Resource "*" it would grant the whole service`);
            }
        }
        if (fields.Condition !== undefined && !isConditionBlock(fields.Condition)) {
            field("Condition", fields.Condition, 'an IAM condition block { "<operator>": { "<key>": value or list of values } }');
        }
    });
    return problems.length === before ? (value as FunctionPermission[]) : [];
}

/** A string, or a non-empty list of strings; undefined for anything else. */
function stringList(value: unknown): readonly string[] | undefined {
    if (typeof value === "string" && value !== "") return [value];
    if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string" && item !== "")) return value;
    return undefined;
}

function isConditionBlock(value: unknown): boolean {
    const isObject = (candidate: unknown): candidate is Record<string, unknown> =>
        typeof candidate === "object" && candidate !== null && !Array.isArray(candidate) && Object.keys(candidate).length > 0;
    const isScalar = (candidate: unknown) => ["string", "number", "boolean"].includes(typeof candidate);
    return (
        isObject(value) &&
        Object.values(value).every(
            (keys) => isObject(keys) && Object.values(keys).every((v) => isScalar(v) || (Array.isArray(v) && v.length > 0 && v.every(isScalar))),
        )
    );
}

/** Whether a service pattern (letters, digits, '-', with IAM's `*` and `?` wildcards) matches a service name. */
function globMatches(pattern: string, name: string): boolean {
    return new RegExp(`^${pattern.replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(name);
}

function olderVersion(version: string, minimum: string): boolean {
    const [a, b] = [version, minimum].map((v) => v.split(".").map(Number));
    const index = a.findIndex((part, i) => part !== b[i]);
    return index >= 0 && a[index] < b[index];
}

/**
 * Whether two trailing-`*` patterns can match a common name: exactly when the literal part of
 * one is a prefix of the literal part of the other.
 */
export function globsOverlap(a: string, b: string): boolean {
    const literal = (glob: string) => (glob.endsWith("*") ? glob.slice(0, -1) : glob);
    const [x, y] = [literal(a), literal(b)];
    return x.startsWith(y) || y.startsWith(x);
}

/** Reads the stack's Pulumi config and validates it. The only caller of pulumi.Config. */
export function loadStackConfig(): StackConfig {
    const project = new pulumi.Config(PROJECT);
    const aws = new pulumi.Config("aws");
    return parseStackConfig({
        region: aws.get("region"),
        profile: aws.get("profile"),
        sharedConfigFiles: aws.getObject("sharedConfigFiles"),
        sharedCredentialsFiles: aws.getObject("sharedCredentialsFiles"),
        assumeRoles: aws.getObject("assumeRoles"),
        stsRegion: aws.get("stsRegion"),
        // Secrets stay Outputs marked secret from here to the seeding's state.
        accessKey: aws.getSecret("accessKey"),
        secretKey: aws.getSecret("secretKey"),
        token: aws.getSecret("token"),
        assumeRoleWithWebIdentity: aws.getObject("assumeRoleWithWebIdentity"),
        endpoints: aws.getObject("endpoints"),
        repositoryName: project.get("repositoryName"),
        mainBranch: project.get("mainBranch"),
        namePrefix: project.get("namePrefix"),
        pullRequestNamePrefix: project.get("pullRequestNamePrefix"),
        terraformVersion: project.get("terraformVersion"),
        terraformSha256Arm64: project.get("terraformSha256Arm64"),
        powerTuningVersion: project.get("powerTuningVersion"),
        // Structured values arrive as JSON text; getObject parses them (scalars included).
        powerValues: project.getObject("powerValues"),
        tuningDefaults: project.getObject("tuningDefaults"),
        retainData: project.getObject("retainData"),
        tags: project.getObject("tags"),
        functionPermissions: project.getObject("functionPermissions"),
    });
}
