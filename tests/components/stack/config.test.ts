import * as assert from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { DEV_STACK_FILE } from "../../support/mocked-stack";
import { installTerraform } from "../../../components/build/buildspecs";
import { peakLambdaConcurrency } from "../../../buildscripts/tuning-runner/core/tuningInput";
import { globsOverlap } from "../../../buildscripts/contract";
import {
    ASSUMED_ROLE,
    DEFAULT_POWER_VALUES,
    DEFAULT_TERRAFORM,
    parseStackConfig,
    type RawStackConfig,
    StackConfigError,
} from "../../../components/stack/config";
import { SAR_DEFAULT_POWER_VALUES } from "../../../components/power-tuning/powerTuningApp";
import { REPOSITORY_ROOT } from "../../support/paths";

const REVIEWERS = "arn:aws:iam::123456789012:role/Reviewers";
const VALID: RawStackConfig = { region: "eu-west-1", reviewers: [REVIEWERS] };

/** parseStackConfig's error for one bad value, on top of an otherwise valid config. */
function problemsWith(overrides: RawStackConfig): string[] {
    try {
        parseStackConfig({ ...VALID, ...overrides });
    } catch (error) {
        assert.ok(error instanceof StackConfigError, `expected a StackConfigError, got ${error}`);
        return [...error.problems];
    }
    assert.fail(`accepted ${JSON.stringify(overrides)}`);
}

/** Asserts exactly one problem, mentioning every fragment (key, value, what is allowed). */
function assertRejected(overrides: RawStackConfig, ...fragments: string[]): void {
    const problems = problemsWith(overrides);
    assert.strictEqual(problems.length, 1, problems.join("\n"));
    for (const fragment of fragments) assert.ok(problems[0].includes(fragment), `"${problems[0]}" should mention ${fragment}`);
}

describe("stack configuration", () => {
    describe("defaults", () => {
        it("needs only aws:region and the reviewers; everything else has a documented default", () => {
            const config = parseStackConfig({ region: "eu-west-1", reviewers: [REVIEWERS] });
            assert.deepStrictEqual(config, {
                region: "eu-west-1",
                repositoryName: "power-tuned-functions",
                mainBranch: "main",
                namePrefix: "power-tuned",
                pullRequestNamePrefix: "pr-power-tuned",
                sweepSchedule: "rate(6 hours)",
                pullRequestCopyTtlHours: 6,
                tuningConcurrencyBudget: 100,
                maxFunctionsPerPullRequest: 10,
                maxCopyFunctionTimeoutSeconds: 300,
                functionPermissions: [],
                nonFunctionPaths: ["README.md", "docs/**", "LICENSE", ".gitignore"],
                terraform: DEFAULT_TERRAFORM,
                powerTuningVersion: "4.4.0",
                powerValues: DEFAULT_POWER_VALUES,
                tuningDefaults: { num: 10, strategy: "cost", balancedWeight: 0.5, parallelInvocation: false },
                retainData: false,
                tags: {},
                reviewers: ["arn:aws:sts::123456789012:assumed-role/Reviewers/*"],
                requiredReviews: 1,
            });
        });

        it("tunes within the Lambda concurrency a new account often has (10): five memory sizes, one invocation at a time", () => {
            const { powerValues, tuningDefaults } = parseStackConfig(VALID);
            assert.strictEqual(peakLambdaConcurrency({ powerValueCount: powerValues.length, ...tuningDefaults }, 1), 10);
            assert.notDeepStrictEqual(powerValues, SAR_DEFAULT_POWER_VALUES, "the SAR default's six sizes would need 12");
        });

        it("pins Terraform 1.11.4 with the SHA-256 HashiCorp publishes for terraform_1.11.4_linux_arm64.zip", () => {
            assert.deepStrictEqual(DEFAULT_TERRAFORM, {
                version: "1.11.4",
                sha256Arm64: "a43d1d0da9b9bab214a8305a39db0e40869572594ccf50c416a7756499143633",
            });
        });

        it("takes every set value, sorting power values and lower-casing the checksum", () => {
            const config = parseStackConfig({
                region: "us-west-2",
                repositoryName: "team.functions_1",
                mainBranch: "release/2026",
                namePrefix: "Team-A1",
                pullRequestNamePrefix: "review",
                functionPermissions: [
                    { Sid: "ReadDocuments", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::documents/*" },
                ],
                terraformVersion: "1.12.0",
                terraformSha256Arm64: "AB".repeat(32),
                powerTuningVersion: "4.3.6",
                powerValues: [1024, 128],
                tuningDefaults: { strategy: "balanced", balancedWeight: 0 },
                retainData: true,
                tags: { team: "perf" },
                reviewers: [REVIEWERS],
                requiredReviews: 1,
                allowBotOnlyMerge: false,
            });
            assert.deepStrictEqual(config.powerValues, [128, 1024]);
            assert.deepStrictEqual(config.terraform, { version: "1.12.0", sha256Arm64: "ab".repeat(32) });
            assert.deepStrictEqual(config.tuningDefaults, { num: 10, strategy: "balanced", balancedWeight: 0, parallelInvocation: false });
            assert.strictEqual(config.retainData, true);
            assert.strictEqual(config.namePrefix, "Team-A1");
            assert.strictEqual(config.pullRequestNamePrefix, "review");
            assert.deepStrictEqual(config.functionPermissions, [
                { Sid: "ReadDocuments", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::documents/*" },
            ]);
        });

        it("derives the pull-request prefix from namePrefix: pr-<namePrefix>", () => {
            assert.strictEqual(parseStackConfig({ ...VALID, namePrefix: "team" }).pullRequestNamePrefix, "pr-team");
        });
    });

    describe("rejects, naming the key, the value and what is allowed", () => {
        it("a missing aws:region", () => {
            const problems = problemsWith({ region: undefined });
            assert.deepStrictEqual(problems.length, 1);
            assert.match(problems[0], /^aws:region is not set: an AWS region name such as us-east-1/);
        });

        it("an aws:region that is not a region name", () => {
            assertRejected({ region: "Frankfurt" }, 'aws:region = "Frankfurt" is invalid', "such as us-east-1");
        });

        it("a repositoryName CodeCommit would refuse", () => {
            assertRejected(
                { repositoryName: "my repo" },
                'lambda-power-tuned:repositoryName = "my repo" is invalid',
                "1–100 letters, digits",
            );
            assertRejected({ repositoryName: "functions.git" }, '"functions.git"', "not ending in .git");
        });

        it("a mainBranch that is not a valid branch name", () => {
            assertRejected({ mainBranch: "feature..x" }, 'lambda-power-tuned:mainBranch = "feature..x" is invalid', "no '..'");
            assertRejected({ mainBranch: "-main" }, '"-main"', "no leading '-'");
        });

        it("a namePrefix that cannot prefix Lambda function and IAM role names", () => {
            assertRejected(
                { namePrefix: "power_tuned" },
                'lambda-power-tuned:namePrefix = "power_tuned" is invalid',
                "letters, digits or '-'",
            );
            assertRejected({ namePrefix: "a".repeat(33) }, "3–32");
        });

        it("a namePrefix whose IAM scope would cover the stack's own roles or the SAR application", () => {
            assertRejected(
                { namePrefix: "lambda" },
                '"lambda"',
                "'lambda-*' would also cover names this stack owns ('lambda-power-tuned/*')",
            );
            assertRejected({ namePrefix: "serverlessrepo" }, "'serverlessrepo-*'");
        });

        it("a sweepSchedule EventBridge would refuse", () => {
            for (const schedule of [
                "every 6 hours",
                "rate(6 hour)",
                "rate(1 hours)",
                "rate(0 hours)",
                "cron(0 */6 * * *)",
                "cron(0 */6 * * * *)",
            ]) {
                assertRejected(
                    { sweepSchedule: schedule },
                    `lambda-power-tuned:sweepSchedule = ${JSON.stringify(schedule)} is invalid`,
                    "an EventBridge schedule expression: rate(<n> minutes|hours|days)",
                );
            }
            for (const schedule of [
                "rate(1 hour)",
                "rate(30 minutes)",
                "rate(2 days)",
                "cron(0 */6 * * ? *)",
                "cron(15 3 ? * MON-FRI *)",
            ]) {
                assert.strictEqual(parseStackConfig({ ...VALID, sweepSchedule: schedule }).sweepSchedule, schedule);
            }
        });

        it("a pullRequestCopyTtlHours the scheduled sweep could remove a running build's copy with, naming the builds' timeouts", () => {
            for (const hours of [3, 3.5, 0, -6]) {
                assertRejected(
                    { pullRequestCopyTtlHours: hours },
                    `lambda-power-tuned:pullRequestCopyTtlHours = ${hours} is invalid`,
                    "a whole number of hours greater than 3.5 and at most 720",
                    "(deploy 30, feedback 60 and destroy 30 minutes of build timeout, each plus 20 minutes of queued timeout and the 10 minutes Step Functions waits beyond both)",
                );
            }
            assertRejected({ pullRequestCopyTtlHours: 4.5 }, "a whole number of hours");
            assertRejected({ pullRequestCopyTtlHours: "6" }, '= "6" is invalid');
            assertRejected({ pullRequestCopyTtlHours: 721 }, "at most 720");
            assert.strictEqual(parseStackConfig({ ...VALID, pullRequestCopyTtlHours: 4 }).pullRequestCopyTtlHours, 4);
        });

        it("a tuningConcurrencyBudget that is not a whole number of invocations from 1 to 100000", () => {
            for (const budget of [0, 2.5, 100_001, "100"]) {
                assertRejected(
                    { tuningConcurrencyBudget: budget },
                    `lambda-power-tuned:tuningConcurrencyBudget = ${JSON.stringify(budget)} is invalid`,
                    "a whole number of Lambda invocations in flight, 1-100000",
                );
            }
            assert.strictEqual(parseStackConfig({ ...VALID, tuningConcurrencyBudget: 40 }).tuningConcurrencyBudget, 40);
        });

        it("a maxFunctionsPerPullRequest or maxCopyFunctionTimeoutSeconds that is not a whole number in range", () => {
            for (const count of [0, 1.5, 1001])
                assertRejected(
                    { maxFunctionsPerPullRequest: count },
                    `lambda-power-tuned:maxFunctionsPerPullRequest = ${count} is invalid`,
                    "a whole number of functions, 1-1000",
                );
            for (const seconds of [0, 901])
                assertRejected(
                    { maxCopyFunctionTimeoutSeconds: seconds },
                    `lambda-power-tuned:maxCopyFunctionTimeoutSeconds = ${seconds} is invalid`,
                    "1-900 (Lambda's own limit)",
                );
        });

        it("a pullRequestNamePrefix that cannot prefix Lambda function and IAM role names", () => {
            assertRejected(
                { pullRequestNamePrefix: "pr_" },
                'lambda-power-tuned:pullRequestNamePrefix = "pr_" is invalid',
                "letters, digits or '-'",
            );
        });

        it("a name prefix shorter than the sweeper accepts: it sweeps by the one and protects the other", () => {
            assertRejected(
                { pullRequestNamePrefix: "pr" },
                'lambda-power-tuned:pullRequestNamePrefix = "pr" is invalid',
                "3–32 letters",
                "the sweeper removes by it",
            );
            assertRejected(
                { namePrefix: "fn", pullRequestNamePrefix: "pr-fn" },
                'lambda-power-tuned:namePrefix = "fn" is invalid',
                "3–32 letters",
            );
            // one range, not a 1–32 contradicted by a minimum after it
            assert.doesNotMatch(problemsWith({ namePrefix: "fn", pullRequestNamePrefix: "pr-fn" })[0], /1–32|at least 3/);
            assert.strictEqual(
                parseStackConfig({ ...VALID, namePrefix: "app", pullRequestNamePrefix: "rev" }).pullRequestNamePrefix,
                "rev",
            );
        });

        it("a pullRequestNamePrefix whose IAM scope would cover the stack's own roles or the SAR application", () => {
            assertRejected({ pullRequestNamePrefix: "serverlessrepo" }, "lambda-power-tuned:pullRequestNamePrefix", "'serverlessrepo-*'");
        });

        it("prefixes whose <prefix>-* patterns can name the same function, either way round, naming both keys and values", () => {
            for (const [namePrefix, pullRequestNamePrefix] of [
                ["app", "app-pr"],
                ["review-app", "review"],
                ["same", "same"],
            ]) {
                assertRejected(
                    { namePrefix, pullRequestNamePrefix },
                    `lambda-power-tuned:namePrefix = "${namePrefix}"`,
                    `lambda-power-tuned:pullRequestNamePrefix = "${pullRequestNamePrefix}"`,
                    `'${namePrefix}-*' and '${pullRequestNamePrefix}-*' can name the same function or role`,
                );
            }
            assert.doesNotThrow(
                () => parseStackConfig({ ...VALID, namePrefix: "app", pullRequestNamePrefix: "apppr" }),
                "app-* and apppr-* never meet",
            );
        });

        it("nonFunctionPaths that is not a list of globs, or has a glob that would skip a file a function depends on", () => {
            assertRejected(
                { nonFunctionPaths: "docs/**" },
                'lambda-power-tuned:nonFunctionPaths = "docs/**" is invalid',
                "a list of globs",
            );
            assertRejected(
                { nonFunctionPaths: ["docs/**", "**/*.tf"] },
                'lambda-power-tuned:nonFunctionPaths[1] = "**/*.tf" is invalid',
                "it matches main.tf, which can change a function",
            );
            assertRejected({ nonFunctionPaths: ["**/*.json"] }, "it matches power-tuning-input.json");
            assertRejected({ nonFunctionPaths: ["/docs/**"] }, "nonFunctionPaths[0]", "no leading '/'");
            assert.deepStrictEqual(parseStackConfig({ ...VALID, nonFunctionPaths: ["docs/**", "*.txt"] }).nonFunctionPaths, [
                "docs/**",
                "*.txt",
            ]);
            assert.deepStrictEqual(
                parseStackConfig({ ...VALID, nonFunctionPaths: [] }).nonFunctionPaths,
                [],
                "none: every change gets a copy",
            );
        });

        it("a name prefix whose scope would reach the decision function", () => {
            assertRejected(
                { namePrefix: "lambda-power-tuned-decision" },
                "'lambda-power-tuned-decision-*' would also cover names this stack owns ('lambda-power-tuned-decision-*')",
            );
        });

        it("functionPermissions that is not a list of statement objects", () => {
            assertRejected(
                { functionPermissions: { Effect: "Allow" } },
                "lambda-power-tuned:functionPermissions = {",
                "a list of IAM statements",
            );
            assertRejected(
                { functionPermissions: ["s3:GetObject"] },
                'lambda-power-tuned:functionPermissions[0] = "s3:GetObject" is invalid',
                "an object",
            );
        });

        it("functionPermissions with unknown keys (NotAction, Principal, …)", () => {
            assertRejected(
                {
                    functionPermissions: [
                        { Effect: "Allow", Action: "s3:GetObject", Resource: "*", NotResource: "arn:aws:s3:::private/*", Principal: "*" },
                    ],
                },
                "functionPermissions[0] has unknown key(s) NotResource, Principal",
                "allowed keys are Sid, Effect, Action, Resource, Condition",
            );
        });

        it("a functionPermissions statement that is not an Allow", () => {
            assertRejected(
                { functionPermissions: [{ Effect: "Deny", Action: "s3:GetObject", Resource: "*" }] },
                'functionPermissions[0].Effect = "Deny" is invalid',
                '"Allow"',
            );
        });

        it("a functionPermissions Sid IAM would refuse", () => {
            assertRejected(
                { functionPermissions: [{ Sid: "read docs", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] },
                'functionPermissions[0].Sid = "read docs"',
                "letters and digits",
            );
        });

        it("functionPermissions actions that are missing, not strings or not <service>:<action>", () => {
            assertRejected(
                { functionPermissions: [{ Effect: "Allow", Resource: "*" }] },
                "functionPermissions[0].Action = undefined",
                'an action such as "s3:GetObject"',
            );
            assertRejected({ functionPermissions: [{ Effect: "Allow", Action: [], Resource: "*" }] }, "functionPermissions[0].Action = []");
            assertRejected(
                { functionPermissions: [{ Effect: "Allow", Action: ["s3:GetObject", 5], Resource: "*" }] },
                'functionPermissions[0].Action = ["s3:GetObject",5]',
            );
            assertRejected(
                { functionPermissions: [{ Effect: "Allow", Action: "GetObject", Resource: "*" }] },
                'functionPermissions[0].Action = "GetObject"',
                "<service>:<action>",
            );
        });

        it("a functionPermissions action of *", () => {
            assertRejected(
                { functionPermissions: [{ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::docs/*" }] },
                'functionPermissions[0].Action = "*" is invalid',
                "every action of every service",
            );
        });

        it("functionPermissions actions of iam, sts or codecommit, in any case and through wildcards", () => {
            for (const action of [
                "iam:PassRole",
                "IAM:CreateRole",
                "sts:AssumeRole",
                "sts:*",
                "codecommit:GitPush",
                "CodeCommit:Get*",
                "i*:*",
                "*:GetObject",
                "st?:AssumeRole",
            ]) {
                assertRejected(
                    { functionPermissions: [{ Effect: "Allow", Action: action, Resource: "arn:aws:s3:::docs/*" }] },
                    `functionPermissions[0].Action = ${JSON.stringify(action)}`,
                    "no action of iam, sts, codecommit",
                );
            }
        });

        it("a functionPermissions <service>:* on Resource *", () => {
            assertRejected(
                { functionPermissions: [{ Effect: "Allow", Action: "dynamodb:*", Resource: ["*"] }] },
                'functionPermissions[0].Action = "dynamodb:*"',
                'on Resource "*" it would grant the whole service',
            );
            assert.doesNotThrow(() =>
                parseStackConfig({
                    ...VALID,
                    functionPermissions: [
                        { Effect: "Allow", Action: "dynamodb:*", Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/docs" },
                    ],
                }),
            );
        });

        it("functionPermissions resources that are not ARNs or *", () => {
            assertRejected(
                { functionPermissions: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "docs/*" }] },
                'functionPermissions[0].Resource = "docs/*"',
                "an ARN",
            );
            assertRejected(
                { functionPermissions: [{ Effect: "Allow", Action: "s3:GetObject" }] },
                "functionPermissions[0].Resource = undefined",
            );
        });

        it("a functionPermissions Condition that is not an IAM condition block", () => {
            assertRejected(
                { functionPermissions: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: "x" } }] },
                'functionPermissions[0].Condition = {"StringEquals":"x"}',
                "an IAM condition block",
            );
            assert.doesNotThrow(() =>
                parseStackConfig({
                    ...VALID,
                    functionPermissions: [
                        {
                            Effect: "Allow",
                            Action: "s3:GetObject",
                            Resource: "*",
                            Condition: { StringEquals: { "s3:ExistingObjectTag/team": ["a", "b"] }, Bool: { "aws:SecureTransport": true } },
                        },
                    ],
                }),
            );
        });

        it("a terraformVersion that is not a release version", () => {
            assertRejected(
                { terraformVersion: "latest", terraformSha256Arm64: "0".repeat(64) },
                'lambda-power-tuned:terraformVersion = "latest"',
                "such as 1.11.4",
            );
        });

        it("a terraformVersion older than the S3 lock file needs", () => {
            assertRejected({ terraformVersion: "1.9.8", terraformSha256Arm64: "0".repeat(64) }, '"1.9.8" is invalid', "1.11.0 or later");
        });

        it("a terraformSha256Arm64 that is not 64 hex characters", () => {
            assertRejected(
                { terraformSha256Arm64: "a43d1d0d" },
                'lambda-power-tuned:terraformSha256Arm64 = "a43d1d0d"',
                "64 hex characters",
            );
        });

        it("a terraformVersion changed without its checksum (the default checksum would fail the build)", () => {
            assertRejected(
                { terraformVersion: "1.12.0" },
                "terraformSha256Arm64 is not set",
                "differs from the default 1.11.4",
                "terraform_1.12.0_SHA256SUMS",
            );
        });

        it("a terraformVersion changed while terraformSha256Arm64 still holds the checksum of another known release", () => {
            assert.deepStrictEqual(problemsWith({ terraformVersion: "1.12.0", terraformSha256Arm64: DEFAULT_TERRAFORM.sha256Arm64 }), [
                `lambda-power-tuned:terraformSha256Arm64 = "${DEFAULT_TERRAFORM.sha256Arm64}" is invalid: the SHA-256 of terraform_1.12.0_linux_arm64.zip, not of 1.11.4's: ` +
                    "change both keys together (its line in terraform_1.12.0_SHA256SUMS)",
            ]);
        });

        it("a known terraformVersion with another checksum than the one HashiCorp publishes for it", () => {
            assert.deepStrictEqual(problemsWith({ terraformVersion: "1.11.4", terraformSha256Arm64: "ab".repeat(32) }), [
                `lambda-power-tuned:terraformSha256Arm64 = "${"ab".repeat(32)}" is invalid: ${DEFAULT_TERRAFORM.sha256Arm64}, the SHA-256 HashiCorp publishes for terraform_1.11.4_linux_arm64.zip`,
            ]);
        });

        it("exactly the Terraform releases the buildspecs refuse to install, pre-releases accepted by both", () => {
            const sha256Arm64 = "0".repeat(64);
            for (const version of ["1.11.0", "1.12.0-rc1", "2.0.0", "1.10.9", "1.11", "1.11.4; rm -rf /", "latest"]) {
                const refuses = (attempt: () => unknown) => {
                    try {
                        attempt();
                        return false;
                    } catch {
                        return true;
                    }
                };
                const buildspecRefuses = refuses(() => installTerraform({ version, sha256Arm64 }));
                const configRefuses = refuses(() =>
                    parseStackConfig({ ...VALID, terraformVersion: version, terraformSha256Arm64: sha256Arm64 }),
                );
                assert.strictEqual(configRefuses, buildspecRefuses, version);
            }
            assert.deepStrictEqual(
                parseStackConfig({ ...VALID, terraformVersion: "1.12.0-rc1", terraformSha256Arm64: sha256Arm64 }).terraform,
                { version: "1.12.0-rc1", sha256Arm64 },
            );
        });

        it("a powerTuningVersion that is not a semantic version", () => {
            assertRejected({ powerTuningVersion: "v4" }, 'lambda-power-tuned:powerTuningVersion = "v4"', "such as 4.4.0");
        });

        it("powerValues outside 128–10240, not integers, repeated, empty or not a list", () => {
            assertRejected({ powerValues: [64, 256] }, "lambda-power-tuned:powerValues = [64,256]", "128 to 10240", "64 is not");
            assertRejected({ powerValues: [128, 10241] }, "10241 is not");
            assertRejected({ powerValues: [128, 256.5] }, "256.5 is not");
            assertRejected({ powerValues: [128, 128] }, "repeats a value");
            assertRejected({ powerValues: [] }, "a non-empty list");
            assertRejected({ powerValues: "128,256" }, '"128,256"', "a non-empty list");
        });

        it("tuningDefaults.num below 5", () => {
            assertRejected({ tuningDefaults: { num: 4 } }, "lambda-power-tuned:tuningDefaults.num = 4 is invalid", "at least 5");
        });

        it("an unknown tuningDefaults.strategy", () => {
            assertRejected({ tuningDefaults: { strategy: "cheap" } }, 'tuningDefaults.strategy = "cheap"', "one of cost, speed, balanced");
        });

        it("tuningDefaults.balancedWeight outside 0–1", () => {
            assertRejected(
                { tuningDefaults: { balancedWeight: 1.5 } },
                "tuningDefaults.balancedWeight = 1.5",
                "from 0 (speed) to 1 (cost)",
            );
        });

        it("a tuningDefaults.parallelInvocation that is not a boolean", () => {
            assertRejected(
                { tuningDefaults: { parallelInvocation: "yes" } },
                'tuningDefaults.parallelInvocation = "yes"',
                "true (num invocations at once per memory size) or false",
            );
        });

        it("unknown tuningDefaults keys (a typo would silently do nothing)", () => {
            assertRejected(
                { tuningDefaults: { nums: 10 } },
                "unknown key(s) nums",
                "allowed keys are num, strategy, balancedWeight, parallelInvocation",
            );
        });

        it("a retainData that is not a boolean", () => {
            assertRejected({ retainData: "yes" }, 'lambda-power-tuned:retainData = "yes"', "true or false");
        });

        it("tags AWS would refuse: too many, reserved aws: keys, non-string values", () => {
            const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"]));
            assertRejected({ tags: eleven }, "lambda-power-tuned:tags", "S3 objects accept no more than 10");
            assertRejected({ tags: { "aws:owner": "me" } }, 'not starting with "aws:"', '"aws:owner" is not');
            assertRejected({ tags: { cost: 5 } }, '"cost" is not');
        });

        it("reports every problem at once", () => {
            const problems = problemsWith({ region: "nowhere", powerValues: [1], tuningDefaults: { num: 1, strategy: "x" } });
            assert.strictEqual(problems.length, 4, problems.join("\n"));
            assert.throws(
                () => parseStackConfig({ region: "nowhere", retainData: 1 }),
                /Invalid stack configuration:\n {2}- aws:region = "nowhere"[\s\S]*\n {2}- lambda-power-tuned:retainData = 1/,
            );
        });

        it("reports problems across keys alongside the others: a derived prefix, a checksum its version needs", () => {
            const problems = problemsWith({
                namePrefix: "pr-pr",
                terraformVersion: "1.12.0",
                retainData: "no",
                functionPermissions: [{ Effect: "Allow", Action: "iam:PassRole", Resource: "*", Principal: "*" }],
            });
            assert.deepStrictEqual(
                problems.map((problem) => problem.split(" ")[0]),
                [
                    "lambda-power-tuned:functionPermissions[0]",
                    "lambda-power-tuned:functionPermissions[0].Action",
                    "lambda-power-tuned:retainData",
                    "lambda-power-tuned:terraformSha256Arm64",
                    "lambda-power-tuned:namePrefix",
                ],
                problems.join("\n"),
            );
            assert.match(problems[4], /pullRequestNamePrefix = "pr-pr-pr" overlap/);
        });
    });

    describe("the human review a merge into main needs besides the bot's approval", () => {
        const BOT_ROLE_SESSIONS = "arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-bot/*";

        it("takes IAM users, role sessions and roles, writing a role as every session of it (its name, without its path)", () => {
            const config = parseStackConfig({
                ...VALID,
                reviewers: [
                    "arn:aws:iam::123456789012:user/engineering/alice",
                    "arn:aws:sts::123456789012:assumed-role/Developers/bob",
                    "arn:aws:iam::123456789012:role/team/Reviewers",
                ],
                requiredReviews: 2,
            });
            assert.deepStrictEqual(config.reviewers, [
                "arn:aws:iam::123456789012:user/engineering/alice",
                "arn:aws:sts::123456789012:assumed-role/Developers/bob",
                "arn:aws:sts::123456789012:assumed-role/Reviewers/*",
            ]);
            assert.strictEqual(config.requiredReviews, 2);
        });

        it("refuses requiredReviews 0 (the bot's approval alone) unless allowBotOnlyMerge says it is meant", () => {
            assertRejected(
                { reviewers: [], requiredReviews: 0 },
                "lambda-power-tuned:requiredReviews = 0",
                "the pull-request bot's approval alone",
                "lambda-power-tuned:allowBotOnlyMerge: true",
            );
            const botOnly = parseStackConfig({ ...VALID, reviewers: [], requiredReviews: 0, allowBotOnlyMerge: true });
            assert.deepStrictEqual([botOnly.requiredReviews, botOnly.reviewers], [0, []]);
        });

        it("refuses required reviews without reviewers: a rule without a pool counts anyone's approval, the bot's too", () => {
            assertRejected(
                { reviewers: [] },
                "lambda-power-tuned:reviewers = []",
                "lambda-power-tuned:requiredReviews is 1",
                "arn:aws:iam::<account>:user/<name>",
                "the bot's too",
            );
            assertRejected({ reviewers: undefined }, "lambda-power-tuned:reviewers", "name the people whose approvals count");
        });

        it("refuses allowBotOnlyMerge while reviews are required, rather than ignore one of them", () => {
            assertRejected(
                { allowBotOnlyMerge: true },
                "lambda-power-tuned:allowBotOnlyMerge = true",
                "only with lambda-power-tuned:requiredReviews: 0 (it is 1",
            );
        });

        it("refuses reviewers when no review is required, rather than ignore them", () => {
            assertRejected(
                { requiredReviews: 0, allowBotOnlyMerge: true },
                `lambda-power-tuned:reviewers = ["${REVIEWERS}"]`,
                "would be ignored",
            );
        });

        it("refuses more required reviews than the single identities named can ever give; a role's sessions are any number", () => {
            const two = ["arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/Developers/bob"];
            assertRejected({ reviewers: two, requiredReviews: 3 }, "lambda-power-tuned:requiredReviews = 3", "at most 2");
            assert.strictEqual(parseStackConfig({ ...VALID, reviewers: [REVIEWERS], requiredReviews: 3 }).requiredReviews, 3);
        });

        it("refuses a reviewer that is not a user, role or role session ARN, or whose wildcard is more than a whole session name", () => {
            for (const reviewer of [
                "alice",
                "CodeCommitApprovers:123456789012:alice",
                "arn:aws:sts::123456789012:assumed-role/*/*",
                "arn:aws:sts::123456789012:assumed-role/Developers/b*",
                "arn:aws:iam::123456789012:role/Review*",
                "arn:aws:iam::123456789012:group/Reviewers",
                "arn:aws:iam::12345:user/alice",
            ]) {
                assertRejected(
                    { reviewers: [reviewer] },
                    `lambda-power-tuned:reviewers[0] = ${JSON.stringify(reviewer)}`,
                    "an IAM user ARN",
                    "no other wildcard",
                );
            }
        });

        it("refuses the bot's role, and any role of production's or the copies' namespace, as a reviewer", () => {
            assertRejected(
                { reviewers: [BOT_ROLE_SESSIONS] },
                `lambda-power-tuned:reviewers[0] = "${BOT_ROLE_SESSIONS}"`,
                "'power-tuned-*'",
                "power-tuned-pull-request-bot",
            );
            assertRejected(
                { reviewers: [REVIEWERS, "arn:aws:iam::123456789012:role/pr-power-tuned-7-3f2a9c1-digest-role"] },
                "lambda-power-tuned:reviewers[1]",
                "'pr-power-tuned-*'",
            );
        });

        it("refuses a reviewer named twice, also as a role and its sessions", () => {
            assertRejected(
                { reviewers: [REVIEWERS, "arn:aws:sts::123456789012:assumed-role/Reviewers/*"] },
                "lambda-power-tuned:reviewers[1]",
                "the same approval pool member as lambda-power-tuned:reviewers[0]",
            );
        });

        it("refuses values of the wrong type", () => {
            assertRejected({ reviewers: REVIEWERS }, "lambda-power-tuned:reviewers", "a list of reviewers");
            assertRejected({ requiredReviews: 1.5 }, "lambda-power-tuned:requiredReviews = 1.5", "a whole number");
            assertRejected({ requiredReviews: -1 }, "lambda-power-tuned:requiredReviews = -1", "at least 0");
            assertRejected({ allowBotOnlyMerge: "yes" }, 'lambda-power-tuned:allowBotOnlyMerge = "yes"', "true or false");
        });
    });

    describe("the AWS provider's own settings", () => {
        it("are the provider's: aws:profile, aws:assumeRoles, aws:accessKey and the like are neither read nor refused", () => {
            assert.doesNotThrow(() =>
                parseStackConfig(VALID, [
                    "aws:region",
                    "aws:profile",
                    "aws:assumeRoles",
                    "aws:accessKey",
                    "aws:secretKey",
                    "aws:endpoints",
                ]),
            );
        });
    });

    describe("an assumeRoles entry of an AWS provider, as the provider assumes it", () => {
        /** Each problem as `<path>: <message>`. */
        const problemsOf = (entry: unknown) =>
            ASSUMED_ROLE.safeParse(entry).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) ?? [];

        it("takes every field the provider takes, with the duration in whole seconds", () => {
            assert.deepStrictEqual(
                ASSUMED_ROLE.parse({
                    roleArn: "arn:aws:iam::210987654321:role/deployer",
                    sessionName: "pulumi",
                    externalId: "x",
                    duration: "1h30m",
                }),
                {
                    roleArn: "arn:aws:iam::210987654321:role/deployer",
                    sessionName: "pulumi",
                    externalId: "x",
                    durationSeconds: 5400,
                },
            );
            const full = {
                roleArn: "arn:aws:iam::210987654321:role/path/copier",
                policy: "{}",
                policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                sourceIdentity: "me",
                tags: { team: "perf" },
                transitiveTagKeys: ["team"],
            };
            assert.deepStrictEqual(ASSUMED_ROLE.parse(full), full);
        });

        it("rejects a role that is not an IAM role ARN, an unknown key or a duration outside 15m–12h", () => {
            assert.deepStrictEqual(problemsOf({ roleArn: "deployer" }), [
                "roleArn: an IAM role ARN such as arn:aws:iam::123456789012:role/deployer",
            ]);
            assert.deepStrictEqual(problemsOf({ roleArn: "arn:aws:iam::210987654321:role/deployer", role_arn: "x" }), [
                ": allowed keys are roleArn, sessionName, externalId, duration, policy, policyArns, sourceIdentity, tags, transitiveTagKeys",
            ]);
            assert.deepStrictEqual(problemsOf({ roleArn: "arn:aws:iam::210987654321:role/deployer", duration: "13h" }), [
                'duration: from 15m to 12h, in Go syntax such as "1h" or "1h30m"',
            ]);
            assert.deepStrictEqual(problemsOf({ roleArn: "arn:aws:iam::210987654321:role/deployer", duration: "an hour" }), [
                'duration: from 15m to 12h, in Go syntax such as "1h" or "1h30m"',
            ]);
        });
    });

    describe("copyAccount: the sandbox account pull-request code runs in", () => {
        const SANDBOX = "210987654321";
        const DEPLOY_ROLE = `arn:aws:iam::${SANDBOX}:role/lambda-power-tuned-deployer`;

        it("is absent unless set: the copies then share production's account", () => {
            assert.strictEqual("copyAccount" in parseStackConfig(VALID), false);
        });

        it("takes the account and its deploy role as an aws:assumeRoles entry, the duration in seconds", () => {
            const { copyAccount } = parseStackConfig({
                ...VALID,
                copyAccount: { accountId: SANDBOX, deployRole: { roleArn: DEPLOY_ROLE, externalId: "team-ci", duration: "1h" } },
            });
            assert.deepStrictEqual(copyAccount, {
                accountId: SANDBOX,
                deployRole: { roleArn: DEPLOY_ROLE, externalId: "team-ci", durationSeconds: 3600 },
            });
        });

        it("refuses an unquoted or short account id, naming the field, the value and what is allowed", () => {
            assertRejected(
                { copyAccount: { accountId: 210987654321, deployRole: { roleArn: DEPLOY_ROLE } } },
                "lambda-power-tuned:copyAccount.accountId = 210987654321 is invalid",
                "12-digit id, quoted",
            );
            assertRejected(
                { copyAccount: { accountId: "2109876543", deployRole: { roleArn: DEPLOY_ROLE } } },
                'copyAccount.accountId = "2109876543"',
                "12-digit",
            );
        });

        it("refuses a deploy role of another account: the sandbox's resources would be created elsewhere", () => {
            assertRejected(
                { copyAccount: { accountId: SANDBOX, deployRole: { roleArn: "arn:aws:iam::123456789012:role/deployer" } } },
                'lambda-power-tuned:copyAccount.deployRole.roleArn = "arn:aws:iam::123456789012:role/deployer" is invalid',
                `a role of the sandbox account ${SANDBOX}`,
                "not of 123456789012",
            );
        });

        it("refuses a missing deploy role, a typo among its keys or the deploy role's, and anything but an object", () => {
            assertRejected(
                { copyAccount: { accountId: SANDBOX } },
                "lambda-power-tuned:copyAccount.deployRole is not set",
                "an object {roleArn",
            );
            assertRejected(
                { copyAccount: { accountId: SANDBOX, deployRole: { roleArn: DEPLOY_ROLE }, region: "eu-west-1" } },
                "lambda-power-tuned:copyAccount has unknown key(s) region",
                "allowed keys are accountId, deployRole",
            );
            assertRejected(
                { copyAccount: { accountId: SANDBOX, deployRole: { roleArn: DEPLOY_ROLE, externalID: "x" } } },
                "lambda-power-tuned:copyAccount.deployRole has unknown key(s) externalID",
            );
            assertRejected(
                { copyAccount: { accountId: SANDBOX, deployRole: { roleArn: DEPLOY_ROLE, duration: "13h" } } },
                'copyAccount.deployRole.duration = "13h" is invalid',
                "from 15m to 12h",
            );
            assertRejected(
                { copyAccount: SANDBOX },
                `lambda-power-tuned:copyAccount = "${SANDBOX}" is invalid`,
                "an object { accountId, deployRole",
            );
        });
    });

    describe("refuses a key of its namespace that no setting reads (a typo would leave the default in force)", () => {
        const devStackKeys = Object.keys((parse(readFileSync(DEV_STACK_FILE, "utf8")) as { config: Record<string, unknown> }).config);

        /** parseStackConfig's problems when the stack's config also sets `keys`. */
        function problemsWithKeys(keys: readonly string[]): string[] {
            try {
                parseStackConfig(VALID, ["aws:region", ...keys]);
            } catch (error) {
                assert.ok(error instanceof StackConfigError, `expected a StackConfigError, got ${error}`);
                return [...error.problems];
            }
            assert.fail(`accepted ${keys.join(", ")}`);
        }

        it("a misspelt key, with the key it most likely means", () => {
            assert.deepStrictEqual(problemsWithKeys(["lambda-power-tuned:namePrefx"]), [
                "lambda-power-tuned:namePrefx is not a setting of this stack: did you mean lambda-power-tuned:namePrefix? (pulumi config rm lambda-power-tuned:namePrefx)",
            ]);
            assert.deepStrictEqual(problemsWithKeys(["lambda-power-tuned:retaindata"]), [
                "lambda-power-tuned:retaindata is not a setting of this stack: did you mean lambda-power-tuned:retainData? (pulumi config rm lambda-power-tuned:retaindata)",
            ]);
        });

        it("a key like no setting, listing the settings there are", () => {
            const [problem, ...others] = problemsWithKeys(["lambda-power-tuned:colour"]);
            assert.deepStrictEqual(others, []);
            assert.match(
                problem,
                /^lambda-power-tuned:colour is not a setting of this stack; its settings are repositoryName, mainBranch, namePrefix, .*\btags\b.* \(pulumi config rm lambda-power-tuned:colour\)$/,
            );
            assert.doesNotMatch(problem, /aws:|region/, "the AWS provider's keys are not the project's");
        });

        it("together with every other problem, at once", () => {
            assert.deepStrictEqual(problemsWithKeys(["lambda-power-tuned:colour", "lambda-power-tuned:tag"]).length, 2);
            try {
                parseStackConfig({ ...VALID, retainData: "no" }, ["lambda-power-tuned:namePrefx"]);
                assert.fail("accepted");
            } catch (error) {
                assert.ok(error instanceof StackConfigError);
                assert.strictEqual(error.problems.length, 2, error.problems.join("\n"));
            }
        });

        it("knows every key the schema reads (Pulumi.dev.yaml sets them all), and leaves other namespaces' keys to their provider", () => {
            assert.ok(devStackKeys.filter((key) => key.startsWith("lambda-power-tuned:")).length >= 15, devStackKeys.join(", "));
            assert.doesNotThrow(() => parseStackConfig(VALID, [...devStackKeys, "aws:skipCredentialsValidation", "pulumi:tags"]));
        });

        it("stops the Pulumi program before it creates anything: an unknown key and a version changed without its checksum, both said", function () {
            this.timeout(120_000);
            const config = {
                "aws:region": "eu-west-1",
                "lambda-power-tuned:reviewers": JSON.stringify([REVIEWERS]),
                "lambda-power-tuned:namePrefx": "team",
                "lambda-power-tuned:terraformVersion": "1.12.0",
                "lambda-power-tuned:terraformSha256Arm64": DEFAULT_TERRAFORM.sha256Arm64,
            };
            const program = `
                const pulumi = require("@pulumi/pulumi");
                const { registeredResources } = require("./tests/support/pulumi-mocks.ts");
                pulumi.runtime.setAllConfig(${JSON.stringify(config)});
                pulumi.runtime.runInPulumiStack(async () => require("./index"))
                    .then(() => console.log(JSON.stringify({ resources: registeredResources.length })))
                    .catch((error) => console.log(JSON.stringify({ error: error.message, resources: registeredResources.map((r) => r.type) })));`;
            const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", program], {
                cwd: REPOSITORY_ROOT,
                encoding: "utf8",
            });
            assert.deepStrictEqual(JSON.parse(run.stdout), {
                error:
                    "Invalid stack configuration:\n" +
                    "  - lambda-power-tuned:namePrefx is not a setting of this stack: did you mean lambda-power-tuned:namePrefix? (pulumi config rm lambda-power-tuned:namePrefx)\n" +
                    `  - lambda-power-tuned:terraformSha256Arm64 = "${DEFAULT_TERRAFORM.sha256Arm64}" is invalid: the SHA-256 of terraform_1.12.0_linux_arm64.zip, not of 1.11.4's: ` +
                    "change both keys together (its line in terraform_1.12.0_SHA256SUMS)",
                resources: [],
            });
        });
    });

    describe("IAM scope overlap", () => {
        it("holds exactly when one pattern's literal part starts the other's", () => {
            assert.strictEqual(globsOverlap("lambda-*", "lambda-power-tuned/*"), true);
            assert.strictEqual(globsOverlap("serverlessrepo-x-*", "serverlessrepo-*"), true);
            assert.strictEqual(globsOverlap("power-tuned-*", "lambda-power-tuned/*"), false);
            assert.strictEqual(globsOverlap("lambda-power-tuned-*", "lambda-power-tuned/*"), false);
        });
    });
});
