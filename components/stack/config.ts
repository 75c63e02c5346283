// The one place stack configuration is read and validated: one zod schema over the raw config,
// whose output is the typed StackConfig everything downstream gets. Every problem is reported at
// once, each naming the key, the value and what is allowed, so a bad value fails `pulumi preview`
// before any resource is registered.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    assumedRoleSessionArn,
    globsOverlap,
    NAME_PREFIX_RULE,
    nearestName,
    NON_FUNCTION_PATH_RULE,
    nonFunctionPathProblem,
    REGION_NAME_RULE,
    SCHEDULE_EXPRESSION_RULE,
    SWEEP_NAME_PREFIX_RULE,
    TUNING_INPUT_RULES,
} from "../../buildscripts/contract";
import {
    copyLifetimeMinutes,
    PULL_REQUEST_BUILD_TIMEOUT_MINUTES,
    PULL_REQUEST_QUEUED_TIMEOUT_MINUTES,
    TASK_TIMEOUT_MARGIN_MINUTES,
} from "../pull-request/timeouts";
import { STACK_OWNED_NAME_PATTERNS } from "./stackNames";
import {
    KNOWN_TERRAFORM_RELEASES,
    knownTerraformReleaseProblem,
    type TerraformRelease,
    terraformReleaseProblems,
    verifiableTerraformRelease,
} from "../build/terraformRelease";

/** Pulumi project name: the namespace of every project config key. */
export const PROJECT = "lambda-power-tuned";

/** Terraform 1.11.4 for linux_arm64, with the checksum HashiCorp publishes for it. */
export const DEFAULT_TERRAFORM: TerraformRelease = KNOWN_TERRAFORM_RELEASES.find(({ version }) => version === "1.11.4")!;

/**
 * The stack's default memory sizes: five, because a tuning keeps two invocations in flight per
 * size (the tool's Executor and the function it invokes), and five times two is the Lambda
 * concurrency a new account often gets (10).
 */
export const DEFAULT_POWER_VALUES: readonly number[] = [128, 256, 512, 1024, 2048];

/**
 * Paths a pull request may change without getting a copy: top-level documentation and the
 * repository's own housekeeping. Not the quality gate's policy or input (a person approves a
 * change to them), and not documentation beside a function's code, which its package may hold.
 * Anything else needs a copy.
 */
export const DEFAULT_NON_FUNCTION_PATHS: readonly string[] = ["README.md", "docs/**", "LICENSE", ".gitignore"];

/** How each setting is spelled in Pulumi.<stack>.yaml and `pulumi config set`. */
const KEYS = {
    region: "aws:region",
    repositoryName: `${PROJECT}:repositoryName`,
    mainBranch: `${PROJECT}:mainBranch`,
    namePrefix: `${PROJECT}:namePrefix`,
    pullRequestNamePrefix: `${PROJECT}:pullRequestNamePrefix`,
    sweepSchedule: `${PROJECT}:sweepSchedule`,
    pullRequestCopyTtlHours: `${PROJECT}:pullRequestCopyTtlHours`,
    tuningConcurrencyBudget: `${PROJECT}:tuningConcurrencyBudget`,
    maxFunctionsPerPullRequest: `${PROJECT}:maxFunctionsPerPullRequest`,
    maxCopyFunctionTimeoutSeconds: `${PROJECT}:maxCopyFunctionTimeoutSeconds`,
    functionPermissions: `${PROJECT}:functionPermissions`,
    nonFunctionPaths: `${PROJECT}:nonFunctionPaths`,
    terraformVersion: `${PROJECT}:terraformVersion`,
    terraformSha256Arm64: `${PROJECT}:terraformSha256Arm64`,
    powerTuningVersion: `${PROJECT}:powerTuningVersion`,
    powerValues: `${PROJECT}:powerValues`,
    tuningDefaults: `${PROJECT}:tuningDefaults`,
    retainData: `${PROJECT}:retainData`,
    tags: `${PROJECT}:tags`,
    reviewers: `${PROJECT}:reviewers`,
    requiredReviews: `${PROJECT}:requiredReviews`,
    allowBotOnlyMerge: `${PROJECT}:allowBotOnlyMerge`,
    copyAccount: `${PROJECT}:copyAccount`,
} as const;

type Key = keyof typeof KEYS;

/** Config as read, before validation: anything may be missing or of the wrong type. */
export type RawStackConfig = { readonly [K in Key]?: unknown };

/**
 * Accepts what `schema` accepts, as one problem saying what is `allowed` otherwise: a setting
 * has one rule, however many of zod's checks it fails.
 */
function rule<T extends z.ZodType>(schema: T, allowed: string) {
    // Optional, so that an absent key reaches the rule too (as undefined) instead of failing in zod's words.
    return z
        .unknown()
        .optional()
        .transform((value, context): z.output<T> => {
            const result = schema.safeParse(value);
            if (result.success) return result.data;
            context.addIssue({ code: "custom", message: allowed, input: value });
            return z.NEVER;
        });
}

/** An object with exactly these keys: an unknown one (a typo) would otherwise silently do nothing. */
function exactObject<T extends z.ZodRawShape>(shape: T, allowed: string) {
    const keys = Object.keys(shape).join(", ");
    return z.strictObject(shape, { error: (issue) => (issue.code === "unrecognized_keys" ? `allowed keys are ${keys}` : allowed) });
}

/**
 * A check across keys (or fields) runs when the object and the keys it reads are valid, whatever
 * the others hold.
 */
function whenValid(...keys: readonly string[]) {
    return {
        when: (payload: z.core.ParsePayload) =>
            !payload.issues.some(({ code, path = [] }) => (path.length === 0 && code === "invalid_type") || keys.includes(String(path[0]))),
    };
}

const always = { when: () => true };

// ---------------------------------------------------------------------------------------
// An AWS provider's assumed roles

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
// Go duration units, as the AWS provider reads `duration` ("1h", "90m", "1h30m").
const DURATION_UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds in a Go duration string such as "1h30m"; undefined when it is not one. */
function goDurationSeconds(value: string): number | undefined {
    if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) return undefined;
    return [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce(
        (sum, [, amount, unit]) => sum + Number(amount) * DURATION_UNIT_SECONDS[unit],
        0,
    );
}

const TEXT = rule(z.string().min(1), "a non-empty string");
const TEXT_LIST = rule(z.array(z.string().min(1)), "a list of non-empty strings");

/** One entry of an AWS provider's `assumeRoles`, as the provider assumes it. */
export const ASSUMED_ROLE = exactObject(
    {
        roleArn: rule(z.string().regex(ROLE_ARN), "an IAM role ARN such as arn:aws:iam::123456789012:role/deployer"),
        sessionName: TEXT.optional(),
        externalId: TEXT.optional(),
        /** In seconds once parsed. */
        duration: rule(
            z.string().transform(goDurationSeconds).pipe(z.number().min(900).max(43200)),
            'from 15m to 12h, in Go syntax such as "1h" or "1h30m"',
        ).optional(),
        policy: TEXT.optional(),
        policyArns: TEXT_LIST.optional(),
        sourceIdentity: TEXT.optional(),
        tags: rule(z.record(z.string(), z.string()), "a map of strings to strings").optional(),
        transitiveTagKeys: TEXT_LIST.optional(),
    },
    "an object {roleArn, sessionName?, externalId?, duration?, policy?, policyArns?, sourceIdentity?, tags?, transitiveTagKeys?}",
).transform(({ duration, ...role }) => ({
    ...role,
    // STS takes whole seconds.
    ...(duration !== undefined && { durationSeconds: Math.floor(duration) }),
}));

// ---------------------------------------------------------------------------------------
// The account of the pull-request copies

const ACCOUNT_ID = /^\d{12}$/;

/** The account a role ARN names (its fifth field). */
function roleAccount(roleArn: string): string {
    return roleArn.split(":")[4];
}

/**
 * `copyAccount`: the sandbox account pull-request code runs in, and the role the stack deploys there
 * with (an `aws:assumeRoles` entry, assumed with the credentials production's provider starts from).
 */
const COPY_ACCOUNT = exactObject(
    {
        accountId: rule(z.string().regex(ACCOUNT_ID), 'the sandbox account\'s 12-digit id, quoted (e.g. "210987654321")'),
        deployRole: ASSUMED_ROLE,
    },
    "an object { accountId, deployRole: { roleArn, externalId?, sessionName?, duration?, ... } }: the sandbox account and the role the stack deploys there with",
).check(
    z.superRefine(
        ({ accountId, deployRole }, context) => {
            if (roleAccount(deployRole.roleArn) !== accountId) {
                context.addIssue({
                    code: "custom",
                    message: `a role of the sandbox account ${accountId} (the stack deploys the copies' side there with it), not of ${roleAccount(deployRole.roleArn)}`,
                    path: ["deployRole", "roleArn"],
                    input: deployRole.roleArn,
                });
            }
        },
        whenValid("accountId", "deployRole"),
    ),
);

export type CopyAccount = z.output<typeof COPY_ACCOUNT>;

// ---------------------------------------------------------------------------------------
// Names

// Both rules at once, in one range: NAME_PREFIX_RULE's length and characters, and the sweeper's
// minimum of 3 (SWEEP_NAME_PREFIX_RULE), which the stack's own prefixes must pass as its arguments.
const NAME_PREFIX_ALLOWED =
    "3–32 letters, digits or '-', starting with a letter and not ending with '-' (it prefixes Lambda function and IAM role names, with room for a PR suffix; " +
    "the sweeper removes by it and refuses a shorter prefix)";

/**
 * A name prefix whose builds' `<prefix>-*` IAM scope reaches none of the stack's own names, and
 * that the sweeper accepts: both prefixes are its arguments (the copies' namespace, production's
 * protected one).
 */
const NAME_PREFIX = rule(z.string().regex(NAME_PREFIX_RULE.pattern).regex(SWEEP_NAME_PREFIX_RULE.pattern), NAME_PREFIX_ALLOWED).check(
    z.superRefine((prefix, context) => {
        const owned = STACK_OWNED_NAME_PATTERNS.find((pattern) => globsOverlap(`${prefix}-*`, pattern));
        if (owned !== undefined) {
            context.addIssue({
                code: "custom",
                message: `the builds' IAM scope '${prefix}-*' would also cover names this stack owns ('${owned}'); choose a prefix that does not`,
                input: prefix,
            });
        }
    }),
);

// ---------------------------------------------------------------------------------------
// functionPermissions: user input that ends up in IAM

/** Services a function's role may never be granted: identities, credentials and the reviewed repository. */
const FORBIDDEN_FUNCTION_SERVICES = ["iam", "sts", "codecommit"] as const;

/** Whether a service pattern (letters, digits, '-', with IAM's `*` and `?` wildcards) matches a service name. */
function globMatches(pattern: string, name: string): boolean {
    return new RegExp(`^${pattern.replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(name);
}

/** One item, or a non-empty list of them. */
const oneOrMore = (item: z.ZodType<string>, allowed: string) => rule(z.union([item, z.array(item).min(1)]), allowed);

/** What is wrong with one action of a statement whose resources are `resources`; undefined when nothing is. */
function actionProblem(action: string, resources: readonly string[]): string | undefined {
    const [service, name] = action.split(":");
    if (action === "*") return "a service's action such as s3:GetObject; '*' would grant every action of every service";
    if (name === undefined || !/^[A-Za-z0-9*?-]+$/.test(service) || !/^[A-Za-z0-9*?]+$/.test(name)) {
        return "<service>:<action>, e.g. s3:GetObject (wildcards * and ? allowed)";
    }
    if (FORBIDDEN_FUNCTION_SERVICES.some((forbidden) => globMatches(service.toLowerCase(), forbidden))) {
        return `no action of ${FORBIDDEN_FUNCTION_SERVICES.join(", ")}: a function's role may not manage identities, obtain credentials or touch the repository`;
    }
    if (name === "*" && resources.includes("*"))
        return `${service}:* only on specific resources: on Resource "*" it would grant the whole service`;
    return undefined;
}

const CONDITION_VALUE = z.union([z.string(), z.number(), z.boolean()]);
const nonEmpty = <T extends object>(object: T) => Object.keys(object).length > 0;

/**
 * One IAM statement a function's role may use, added to the permissions boundary of every role
 * Terraform creates; nothing that would let a function reach identities, credentials or the
 * repository passes.
 */
const FUNCTION_PERMISSION = exactObject(
    {
        Sid: rule(z.string().regex(/^[A-Za-z0-9]{1,100}$/), "letters and digits only (IAM statement id)").optional(),
        Effect: rule(z.literal("Allow"), '"Allow" (the boundary only ever allows)'),
        Action: oneOrMore(z.string().min(1), 'an action such as "s3:GetObject", or a non-empty list of them'),
        Resource: oneOrMore(
            z.string().refine((resource) => resource === "*" || resource.startsWith("arn:")),
            'an ARN (wildcards allowed) or "*", or a non-empty list of them',
        ),
        Condition: rule(
            z
                .record(z.string(), z.record(z.string(), z.union([CONDITION_VALUE, z.array(CONDITION_VALUE).min(1)])).refine(nonEmpty))
                .refine(nonEmpty),
            'an IAM condition block { "<operator>": { "<key>": value or list of values } }',
        ).optional(),
    },
    'an object { Sid?, Effect: "Allow", Action, Resource, Condition? }',
).check(
    // Each action is judged with the statement's resources; a list's bad action is named on its own.
    z.superRefine(
        (statement, context) => {
            for (const action of [statement.Action].flat()) {
                const problem = actionProblem(action, [statement.Resource].flat());
                if (problem !== undefined) context.addIssue({ code: "custom", message: problem, path: ["Action"], input: action });
            }
        },
        whenValid("Action", "Resource"),
    ),
);

export type FunctionPermission = z.output<typeof FUNCTION_PERMISSION>;

// ---------------------------------------------------------------------------------------
// nonFunctionPaths: what a pull request may change without a copy

/** One glob as the runner matches it; a glob that would skip a file a function depends on is refused. */
const NON_FUNCTION_PATH = rule(z.string(), NON_FUNCTION_PATH_RULE.allowed).check(
    z.superRefine((glob, context) => {
        const problem = nonFunctionPathProblem(glob);
        if (problem !== undefined)
            context.addIssue({
                code: "custom",
                message: problem.reason === undefined ? problem.allowed : `${problem.allowed}; ${problem.reason}`,
                input: glob,
            });
    }),
);

// ---------------------------------------------------------------------------------------
// Tuning

const { powerValue, num, strategy, balancedWeight, parallelInvocation } = TUNING_INPUT_RULES;

const POWER_VALUES_ALLOWED = `a non-empty list of distinct values, each ${powerValue.allowed}, e.g. [128, 256, 512, 1024]`;

/** Sorted; a problem names the first value that is not allowed. */
const POWER_VALUES = rule(z.array(z.unknown()).min(1), POWER_VALUES_ALLOWED)
    .check(
        z.superRefine((values, context) => {
            const bad = values.find((value) => !powerValue.schema.safeParse(value).success);
            const reason =
                bad !== undefined
                    ? `${JSON.stringify(bad)} is not`
                    : new Set(values).size !== values.length
                      ? "it repeats a value"
                      : undefined;
            if (reason !== undefined) context.addIssue({ code: "custom", message: `${POWER_VALUES_ALLOWED}; ${reason}`, input: values });
        }),
    )
    .pipe(z.array(powerValue.schema))
    .transform((values) => values.sort((a, b) => a - b));

/** Tuning settings written into the seeded repository's power-tuning-input.json. */
const TUNING_DEFAULTS = exactObject(
    {
        num: rule(num.schema, num.allowed).default(10),
        strategy: rule(strategy.schema, strategy.allowed).default("cost"),
        balancedWeight: rule(balancedWeight.schema, balancedWeight.allowed).default(0.5),
        /**
         * Invoke `num` times at once per memory size (faster, but needs that much more Lambda
         * concurrency) instead of one after another.
         */
        // The contract's words say only "true or false"; a stack setting also says what each does.
        parallelInvocation: rule(
            parallelInvocation.schema,
            "true (num invocations at once per memory size) or false (one at a time)",
        ).default(false),
    },
    "an object { num, strategy, balancedWeight, parallelInvocation }",
);

export type TuningDefaults = z.output<typeof TUNING_DEFAULTS>;

// ---------------------------------------------------------------------------------------
// The scheduled sweep

/** Hours a pull request's copy may be in use: its workflow's deploy, feedback and destroy, each at its timeout. */
const COPY_LIFETIME_HOURS = copyLifetimeMinutes(PULL_REQUEST_BUILD_TIMEOUT_MINUTES) / 60;
const MAX_COPY_TTL_HOURS = 720;

const COPY_TTL_ALLOWED =
    `a whole number of hours greater than ${COPY_LIFETIME_HOURS} and at most ${MAX_COPY_TTL_HOURS}: the longest a pull request's workflow uses its copy ` +
    `(deploy ${PULL_REQUEST_BUILD_TIMEOUT_MINUTES.deploy}, feedback ${PULL_REQUEST_BUILD_TIMEOUT_MINUTES.feedback} and destroy ${PULL_REQUEST_BUILD_TIMEOUT_MINUTES.destroy} minutes ` +
    `of build timeout, each plus ${PULL_REQUEST_QUEUED_TIMEOUT_MINUTES} minutes of queued timeout and the ${TASK_TIMEOUT_MARGIN_MINUTES} minutes Step Functions waits beyond both) ` +
    "is the youngest a scheduled sweep may remove, " +
    "or it could take a copy a running build still uses";

// ---------------------------------------------------------------------------------------
// Merging into the main branch: the people whose approval the bot's never replaces

const IAM_NAME = "[\\w+=,.@-]{1,64}";
const ARN_HEAD = "^arn:aws[a-z-]*:";

/**
 * The approval pool members a reviewer may be, as CodeCommit's API reference describes them
 * (CreateApprovalRuleTemplate, "fully qualified ARN of the IAM user or role"; its examples name the
 * people who assume a role as `arn:aws:sts::<account>:assumed-role/<role>/*`). A role's ARN becomes
 * that form: an approval is recorded under the session's ARN, which carries the role's name without
 * its path. The only wildcard is a whole session name: anything wider could take in the bot.
 */
const REVIEWER_FORMS = {
    user: new RegExp(`${ARN_HEAD}iam::\\d{12}:user/(${IAM_NAME}/)*${IAM_NAME}$`),
    role: new RegExp(`${ARN_HEAD}iam::\\d{12}:role/(${IAM_NAME}/)*(?<role>${IAM_NAME})$`),
    session: new RegExp(`${ARN_HEAD}sts::\\d{12}:assumed-role/(?<role>${IAM_NAME})/(?<session>\\*|${IAM_NAME})$`),
};

const REVIEWER_ALLOWED =
    "an IAM user ARN (arn:aws:iam::<account>:user/<name>), an IAM role ARN (arn:aws:iam::<account>:role/<name>: every session of the role) " +
    "or a role session (arn:aws:sts::<account>:assumed-role/<role name>/<session name or *>); no other wildcard";

const REVIEWER = rule(
    z.string().refine((reviewer) => Object.values(REVIEWER_FORMS).some((form) => form.test(reviewer))),
    REVIEWER_ALLOWED,
);

/** The approval pool member a valid reviewer stands for. */
function approvalPoolMember(reviewer: string): string {
    return REVIEWER_FORMS.role.test(reviewer) ? assumedRoleSessionArn(reviewer, "*") : reviewer;
}

/** A reviewer's role name, or undefined for an IAM user. */
function reviewerRole(reviewer: string): string | undefined {
    return (REVIEWER_FORMS.role.exec(reviewer) ?? REVIEWER_FORMS.session.exec(reviewer))?.groups?.role;
}

/** Whether a reviewer is exactly one identity (a user or one session), so that it can give one approval only. */
function isOneIdentity(reviewer: string): boolean {
    return REVIEWER_FORMS.user.test(reviewer) || (REVIEWER_FORMS.session.exec(reviewer)?.groups?.session ?? "*") !== "*";
}

/**
 * Problems of the human approval pool with the keys it depends on: requiredReviews 0 only with an
 * explicit allowBotOnlyMerge, a pool whenever reviews are required (an empty pool would count
 * anyone's approval, the bot's included), no reviewer that is the stack's or Terraform's role, and
 * nothing set that would be ignored.
 */
function reviewProblems(
    settings: {
        readonly reviewers: readonly string[];
        readonly requiredReviews: number;
        readonly allowBotOnlyMerge: boolean;
        readonly namePrefix: string;
        readonly pullRequestNamePrefix?: string;
    },
    context: z.RefinementCtx,
): void {
    const { reviewers, requiredReviews, allowBotOnlyMerge, namePrefix, pullRequestNamePrefix = `pr-${namePrefix}` } = settings;
    if (requiredReviews === 0 && !allowBotOnlyMerge) {
        addProblem(
            context,
            `0 lets the pull-request bot's approval alone merge into the main branch; set ${KEYS.allowBotOnlyMerge}: true to allow that, or require at least 1 review`,
            "requiredReviews",
            requiredReviews,
        );
    }
    if (allowBotOnlyMerge && requiredReviews !== 0) {
        addProblem(
            context,
            `true only with ${KEYS.requiredReviews}: 0 (it is ${requiredReviews}, so the bot never merges alone); remove it or set both`,
            "allowBotOnlyMerge",
            allowBotOnlyMerge,
        );
    }
    if (requiredReviews > 0 && reviewers.length === 0) {
        addProblem(
            context,
            `${KEYS.requiredReviews} is ${requiredReviews}: name the people whose approvals count, each ${REVIEWER_ALLOWED} (without a pool any approval would count, the bot's too)`,
            "reviewers",
            reviewers,
        );
    }
    if (requiredReviews === 0 && reviewers.length > 0) {
        addProblem(
            context,
            `no review is required (${KEYS.requiredReviews}: 0), so these reviewers would be ignored; remove them or require a review`,
            "reviewers",
            reviewers,
        );
    }
    if (reviewers.length > 0 && reviewers.every(isOneIdentity) && requiredReviews > reviewers.length) {
        addProblem(
            context,
            `at most ${reviewers.length}, the number of single identities ${KEYS.reviewers} names: each approves once`,
            "requiredReviews",
            requiredReviews,
        );
    }
    reviewers.forEach((reviewer, index) => {
        const role = reviewerRole(reviewer);
        const scope = [namePrefix, pullRequestNamePrefix].find((prefix) => role?.startsWith(`${prefix}-`));
        if (scope !== undefined) {
            context.addIssue({
                code: "custom",
                message: `a role named '${scope}-*' is the stack's or Terraform's (the pull-request bot is '${namePrefix}-pull-request-bot'), never a person; name the people's own role or user`,
                path: ["reviewers", index],
                input: reviewer,
            });
        }
        const first = reviewers.findIndex((other) => approvalPoolMember(other) === approvalPoolMember(reviewer));
        if (first < index) {
            context.addIssue({
                code: "custom",
                message: `the same approval pool member as ${KEYS.reviewers}[${first}] (${JSON.stringify(reviewers[first])})`,
                path: ["reviewers", index],
                input: reviewer,
            });
        }
    });
}

// ---------------------------------------------------------------------------------------
// Tags

// S3 objects (the uploaded runner bundle) accept at most 10 tags; every other resource 50.
const MAX_TAGS = 10;
const TAG_KEY = z
    .string()
    .min(1)
    .max(128)
    .refine((key) => !key.toLowerCase().startsWith("aws:"));
const TAG_VALUE = z.string().max(256);

const TAGS_ALLOWED = `a map of at most ${MAX_TAGS} string keys (1–128 characters, not starting with "aws:") to string values (at most 256 characters)`;

/** A problem names the first tag that is not allowed. */
const TAGS = rule(z.record(z.string(), z.unknown()), TAGS_ALLOWED)
    .check(
        z.superRefine((tags, context) => {
            const entries = Object.entries(tags);
            const bad = entries.find(([key, value]) => !TAG_KEY.safeParse(key).success || !TAG_VALUE.safeParse(value).success);
            const reason =
                entries.length > MAX_TAGS
                    ? `S3 objects accept no more than ${MAX_TAGS}`
                    : bad !== undefined
                      ? `${JSON.stringify(bad[0])} is not`
                      : undefined;
            if (reason !== undefined) context.addIssue({ code: "custom", message: `${TAGS_ALLOWED}; ${reason}`, input: tags });
        }),
    )
    .pipe(z.record(z.string(), TAG_VALUE));

// ---------------------------------------------------------------------------------------
// The schema

const SEMANTIC_VERSION = /^\d+\.\d+\.\d+$/;

const RAW_SETTINGS = z.object({
    region: rule(z.string().regex(REGION_NAME_RULE.pattern), `${REGION_NAME_RULE.allowed} (pulumi config set aws:region …)`),
    repositoryName: rule(
        z.string().regex(/^(?!.*\.git$)[A-Za-z0-9._-]{1,100}$/),
        "1–100 letters, digits, '.', '_' or '-', not ending in .git (CodeCommit repository name rules)",
    ).default("power-tuned-functions"),
    mainBranch: rule(
        z.string().regex(/^(?![-./])(?!.*(\.\.|\/\/|@\{|\.lock$|[./]$))[A-Za-z0-9._/-]{1,100}$/),
        "a git branch name such as main (letters, digits, '.', '_', '-', '/'; no '..', no leading '-' or '.', no trailing '/', '.' or '.lock')",
    ).default("main"),
    namePrefix: NAME_PREFIX.default("power-tuned"),
    /** Default `pr-<namePrefix>`, derived below. */
    pullRequestNamePrefix: NAME_PREFIX.optional(),
    sweepSchedule: rule(z.string().regex(SCHEDULE_EXPRESSION_RULE.pattern), SCHEDULE_EXPRESSION_RULE.allowed).default("rate(6 hours)"),
    pullRequestCopyTtlHours: rule(z.number().int().gt(COPY_LIFETIME_HOURS).max(MAX_COPY_TTL_HOURS), COPY_TTL_ALLOWED).default(6),
    tuningConcurrencyBudget: rule(z.number().int().min(1).max(100_000), "a whole number of Lambda invocations in flight, 1-100000").default(
        100,
    ),
    maxFunctionsPerPullRequest: rule(z.number().int().min(1).max(1000), "a whole number of functions, 1-1000").default(10),
    maxCopyFunctionTimeoutSeconds: rule(z.number().int().min(1).max(900), "a whole number of seconds, 1-900 (Lambda's own limit)").default(
        300,
    ),
    functionPermissions: rule(z.array(z.unknown()), 'a list of IAM statements { Sid?, Effect: "Allow", Action, Resource, Condition? }')
        .pipe(z.array(FUNCTION_PERMISSION))
        .default([]),
    nonFunctionPaths: rule(z.array(z.unknown()), 'a list of globs such as ["**/*.md", "docs/**"]')
        .pipe(z.array(NON_FUNCTION_PATH))
        .default([...DEFAULT_NON_FUNCTION_PATHS]),
    // Judged together by terraformReleaseProblems below: the checksum belongs to the version.
    terraformVersion: z.unknown().optional(),
    terraformSha256Arm64: z.unknown().optional(),
    powerTuningVersion: rule(
        z.string().regex(SEMANTIC_VERSION),
        "a semantic version of the aws-lambda-power-tuning SAR application such as 4.4.0",
    ).default("4.4.0"),
    powerValues: POWER_VALUES.default([...DEFAULT_POWER_VALUES]),
    // Parsed from {} when unset, so each field's own default applies.
    tuningDefaults: TUNING_DEFAULTS.prefault({}),
    retainData: rule(z.boolean(), "true or false").default(false),
    tags: TAGS.default({}),
    // Judged with one another by reviewProblems below.
    reviewers: rule(z.array(z.unknown()), `a list of reviewers, each ${REVIEWER_ALLOWED}`).pipe(z.array(REVIEWER)).default([]),
    requiredReviews: rule(z.number().int().min(0), "a whole number of human approvals from the reviewers, at least 0 (default 1)").default(
        1,
    ),
    allowBotOnlyMerge: rule(z.boolean(), "true or false").default(false),
    copyAccount: z.unknown().optional().pipe(COPY_ACCOUNT.optional()),
} satisfies Record<Key, z.ZodType>);

/** The Terraform release the settings name: the default one unless both keys are set. */
function terraformRelease(settings: { readonly terraformVersion?: unknown; readonly terraformSha256Arm64?: unknown }) {
    return {
        version: settings.terraformVersion ?? DEFAULT_TERRAFORM.version,
        sha256Arm64: settings.terraformSha256Arm64 ?? DEFAULT_TERRAFORM.sha256Arm64,
    };
}

/** A problem about several keys together, or about one key's value as another key leaves it. */
function addProblem(context: z.RefinementCtx, message: string, key?: Key, input?: unknown): void {
    context.addIssue({ code: "custom", message, path: key === undefined ? [] : [key], input });
}

/** The stack configuration: raw settings in, StackConfig out. */
const STACK_CONFIG = RAW_SETTINGS.check(
    z.superRefine((settings, context) => {
        const release = terraformRelease(settings);
        // Without a checksum of its own, another version is told to set one, not that the default's is not its.
        const checksumMissing = settings.terraformSha256Arm64 === undefined && release.version !== DEFAULT_TERRAFORM.version;
        const problems = terraformReleaseProblems(release);
        const known = problems.length === 0 ? knownTerraformReleaseProblem(release as TerraformRelease) : undefined;
        for (const problem of [...problems, ...(known === undefined ? [] : [known])]) {
            if (problem.field === "sha256Arm64" && checksumMissing) continue;
            addProblem(context, problem.allowed, problem.field === "version" ? "terraformVersion" : "terraformSha256Arm64", problem.value);
        }
        if (checksumMissing) {
            addProblem(
                context,
                `it is required when ${KEYS.terraformVersion} (${release.version}) differs from the default ${DEFAULT_TERRAFORM.version}; ` +
                    `copy the linux_arm64 line of terraform_${release.version}_SHA256SUMS`,
                "terraformSha256Arm64",
            );
        }
    }, always),
    z.superRefine(
        ({ namePrefix, pullRequestNamePrefix = `pr-${namePrefix}` }, context) => {
            if (globsOverlap(`${namePrefix}-*`, `${pullRequestNamePrefix}-*`)) {
                addProblem(
                    context,
                    `${KEYS.namePrefix} = ${JSON.stringify(namePrefix)} and ${KEYS.pullRequestNamePrefix} = ${JSON.stringify(pullRequestNamePrefix)} overlap: ` +
                        `'${namePrefix}-*' and '${pullRequestNamePrefix}-*' can name the same function or role, so pull-request code could reach production; ` +
                        `choose prefixes neither of which starts with the other's '<prefix>-'`,
                );
            }
        },
        whenValid("namePrefix", "pullRequestNamePrefix"),
    ),
    z.superRefine(reviewProblems, whenValid("reviewers", "requiredReviews", "allowBotOnlyMerge", "namePrefix", "pullRequestNamePrefix")),
).transform((settings) => ({
    /** `aws:region`: where everything is deployed; also used in the ARNs of IAM scopes. */
    region: settings.region,
    /** CodeCommit repository holding the Terraform-managed functions. */
    repositoryName: settings.repositoryName,
    /** Branch that pull requests target and the pipeline deploys. */
    mainBranch: settings.mainBranch,
    /** Prefix of every function, role and log group production's Terraform creates: the pipeline's IAM scope. */
    namePrefix: settings.namePrefix,
    /**
     * Prefix of every function, role and log group of a pull request's throw-away copy: the only
     * names pull-request code and the power-tuning state machine may touch. Disjoint from namePrefix.
     */
    pullRequestNamePrefix: settings.pullRequestNamePrefix ?? `pr-${settings.namePrefix}`,
    /** When the scheduled sweep of the pull-request namespace runs (an EventBridge schedule expression). */
    sweepSchedule: settings.sweepSchedule,
    /** The scheduled sweep removes what is at least this many hours old; longer than any copy is in use. */
    pullRequestCopyTtlHours: settings.pullRequestCopyTtlHours,
    /**
     * Lambda invocations all pull requests' tunings together keep in flight at most (at most a tenth
     * of the account's unreserved concurrency, judged when a tuning starts).
     */
    tuningConcurrencyBudget: settings.tuningConcurrencyBudget,
    /** A pull request whose copy has more functions to tune is not tuned. */
    maxFunctionsPerPullRequest: settings.maxFunctionsPerPullRequest,
    /** A copy's function with a longer timeout is not tuned (each invocation holds its share that long). */
    maxCopyFunctionTimeoutSeconds: settings.maxCopyFunctionTimeoutSeconds,
    /** Extra statements every role Terraform creates may use (added to its permissions boundary). */
    functionPermissions: settings.functionPermissions,
    /** Globs of the paths that cannot change a function: a pull request changing nothing else gets no copy. */
    nonFunctionPaths: settings.nonFunctionPaths,
    terraform: verifiableTerraformRelease(terraformRelease(settings)),
    /** Pinned semantic version of the aws-lambda-power-tuning SAR application. */
    powerTuningVersion: settings.powerTuningVersion,
    powerValues: settings.powerValues,
    tuningDefaults: settings.tuningDefaults,
    /** Keep buckets and the repository on `pulumi destroy` (and never force-empty buckets). */
    retainData: settings.retainData,
    /** Applied to every taggable resource. */
    tags: settings.tags,
    /**
     * The approval pool of the human reviews a pull request into the main branch needs besides the
     * bot's approval (a role's ARN as `assumed-role/<role name>/*`); empty when none is required.
     */
    reviewers: settings.reviewers.map(approvalPoolMember),
    /** Approvals needed from `reviewers`; 0 (the bot's approval alone) only with allowBotOnlyMerge. */
    requiredReviews: settings.requiredReviews,
    /**
     * The sandbox account pull-request code runs in, and the role the stack deploys there with; absent,
     * the copies share production's account.
     */
    ...(settings.copyAccount !== undefined && { copyAccount: settings.copyAccount as CopyAccount | undefined }),
}));

/** Everything the stack is configured with, validated and with every default applied. */
export type StackConfig = z.output<typeof STACK_CONFIG>;

/** Thrown with every problem found, one per line, so a user fixes them in one go. */
export class StackConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "StackConfigError";
    }
}

/** One problem in the stack's words: the key (and where inside its value), the value, what is allowed. */
function describeProblem(issue: z.core.$ZodIssue): string {
    const [key, ...inside] = issue.path;
    if (key === undefined) return issue.message;
    const where = KEYS[key as Key] + inside.map((step) => (typeof step === "number" ? `[${step}]` : `.${String(step)}`)).join("");
    if (issue.code === "unrecognized_keys") return `${where} has unknown key(s) ${issue.keys.join(", ")}: ${issue.message}`;
    // A missing object (zod's invalid_type) inside a setting is "not set" too; a rule's own words keep the value.
    if (issue.input === undefined && (inside.length === 0 || issue.code === "invalid_type")) return `${where} is not set: ${issue.message}`;
    return `${where} = ${JSON.stringify(issue.input)} is invalid: ${issue.message}`;
}

/** The project's own keys (`lambda-power-tuned:<key>`), from the schema: a key added to it is known here too. */
const PROJECT_KEYS: readonly string[] = (Object.keys(RAW_SETTINGS.shape) as Key[])
    .map((key) => KEYS[key])
    .filter((name) => name.startsWith(`${PROJECT}:`));

/** A key set in the project's namespace that no setting reads: a typo would otherwise leave its default in force. */
function unknownKeyProblem(name: string): string | undefined {
    if (!name.startsWith(`${PROJECT}:`) || PROJECT_KEYS.includes(name)) return undefined;
    const nearest = nearestName(name, PROJECT_KEYS);
    return nearest !== undefined
        ? `${name} is not a setting of this stack: did you mean ${nearest}? (pulumi config rm ${name})`
        : `${name} is not a setting of this stack; its settings are ${PROJECT_KEYS.map((key) => key.slice(PROJECT.length + 1)).join(", ")} (pulumi config rm ${name})`;
}

/**
 * Validates raw config values and applies defaults. Pure: tests call it with bad values.
 * `configuredKeys` are every key the stack's config sets (any namespace), so that an unknown one
 * of the project's is refused with the rest.
 */
export function parseStackConfig(raw: RawStackConfig, configuredKeys: readonly string[] = []): StackConfig {
    const unknown = configuredKeys.flatMap((name) => unknownKeyProblem(name) ?? []);
    const result = STACK_CONFIG.safeParse(raw, { reportInput: true });
    if (!result.success || unknown.length > 0)
        throw new StackConfigError([...unknown, ...(result.error?.issues.map(describeProblem) ?? [])]);
    return result.data;
}

/** Reads the stack's Pulumi config and validates it. The only caller of pulumi.Config. */
export function loadStackConfig(): StackConfig {
    const project = new pulumi.Config(PROJECT);
    const aws = new pulumi.Config("aws");
    return parseStackConfig(
        {
            region: aws.get("region"),
            repositoryName: project.get("repositoryName"),
            mainBranch: project.get("mainBranch"),
            namePrefix: project.get("namePrefix"),
            pullRequestNamePrefix: project.get("pullRequestNamePrefix"),
            sweepSchedule: project.get("sweepSchedule"),
            pullRequestCopyTtlHours: project.getObject("pullRequestCopyTtlHours"),
            tuningConcurrencyBudget: project.getObject("tuningConcurrencyBudget"),
            maxFunctionsPerPullRequest: project.getObject("maxFunctionsPerPullRequest"),
            maxCopyFunctionTimeoutSeconds: project.getObject("maxCopyFunctionTimeoutSeconds"),
            terraformVersion: project.get("terraformVersion"),
            terraformSha256Arm64: project.get("terraformSha256Arm64"),
            powerTuningVersion: project.get("powerTuningVersion"),
            // Structured values arrive as JSON text; getObject parses them (scalars included).
            powerValues: project.getObject("powerValues"),
            tuningDefaults: project.getObject("tuningDefaults"),
            retainData: project.getObject("retainData"),
            tags: project.getObject("tags"),
            functionPermissions: project.getObject("functionPermissions"),
            nonFunctionPaths: project.getObject("nonFunctionPaths"),
            reviewers: project.getObject("reviewers"),
            requiredReviews: project.getObject("requiredReviews"),
            allowBotOnlyMerge: project.getObject("allowBotOnlyMerge"),
            copyAccount: project.getObject("copyAccount"),
        },
        Object.keys(pulumi.runtime.allConfig()),
    );
}
