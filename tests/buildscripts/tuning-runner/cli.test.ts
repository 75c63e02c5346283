import * as assert from "node:assert/strict";
import {
    DEFAULT_CONCURRENCY,
    DEFAULT_INPUT_FILE,
    DEFAULT_RESULTS_FILE,
    DEFAULT_TIMEOUT_SECONDS,
    parseCommandLine,
    tuneRequestFrom,
    tuneTargetsFrom,
    usage,
    type Command,
    type TuneArguments,
} from "../../../buildscripts/tuning-runner/cli";
import { version } from "../../../package.json";
import { InputError, UsageError } from "../../../buildscripts/tuning-runner/core/errors";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
const FUNCTION_A = "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-a";
const FUNCTION_B = "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-b";
const SOURCE = "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080";
const DESTINATION = "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d";
const INPUT = JSON.stringify({ num: 10, powerValues: [128, 256] });
const BOT_ROLE = "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-bot";

function tuneArgs(argv: string[], env: Record<string, string> = {}): TuneArguments {
    const command = parseCommandLine(["tune", ...argv], env);
    assert.equal(command.kind, "tune");
    return (command as Extract<Command, { kind: "tune" }>).args;
}

function usageError(argv: string[], pattern: RegExp, env: Record<string, string> = {}): void {
    assert.throws(
        () => parseCommandLine(argv, env),
        (error: Error) => {
            assert.ok(error instanceof UsageError, `expected a UsageError, got ${error.name}: ${error.message}`);
            assert.match(error.message, pattern);
            return true;
        },
    );
}

describe("runner command line", () => {
    describe("commands", () => {
        it("answers --help and --version before looking at anything else", () => {
            assert.equal(parseCommandLine(["tune", "--bogus", "--help"], {}).kind, "help");
            assert.deepEqual(parseCommandLine(["--version"], {}), { kind: "help", text: `${version}\n` });
        });

        it("requires a known command", () => {
            usageError([], /a command is required: tune, plan-comment, report/);
            usageError(["tuen"], /^unknown command 'tuen'\n\(Did you mean tune\?\)$/);
        });

        it("lists every command in the top-level --help, and each option a command's --help documents is one it accepts", () => {
            for (const command of ["tune", "plan-comment", "report", "decide-copy", "record", "sweep"]) {
                const help = parseCommandLine([command, "--help"], {});
                assert.ok(help.kind === "help");
                assert.match(help.text, new RegExp(`^Usage: tuning-runner ${command} \\[options\\]`));
                const documented = [...help.text.matchAll(/^ {2}(--[a-z-]+)/gm)]
                    .map((match) => match[1])
                    .filter((flag) => flag !== "--help");
                assert.ok(documented.length > 1, command);
                for (const flag of documented) {
                    assert.throws(
                        () => parseCommandLine([command, flag, "--no-such-option"], {}),
                        (error: Error) => !error.message.startsWith(`unknown option '${flag}'`),
                        `${command} ${flag}`,
                    );
                }
                assert.match(usage(), new RegExp(`^  ${command} +\\S`, "m"), `${command} is not listed by the top-level --help`);
            }
        });

        it("answers --help with the top-level usage outside a command, and a command's own inside it", () => {
            for (const argv of [["--help"], ["-h"], ["deploy", "--help"]])
                assert.deepEqual(parseCommandLine(argv, {}), { kind: "help", text: usage() });
            const tune = parseCommandLine(["tune", "--help"], {});
            assert.ok(tune.kind === "help");
            assert.match(tune.text, /--settings-from-repository/);
            assert.doesNotMatch(tune.text, /--deploy-failed|--url URL/, "no other command's options");
        });
    });

    describe("tune options", () => {
        it("applies the documented defaults", () => {
            const args = tuneArgs([]);
            assert.equal(args.inputFile, DEFAULT_INPUT_FILE);
            assert.equal(args.resultsFile, DEFAULT_RESULTS_FILE);
            assert.equal(args.timeoutSeconds, DEFAULT_TIMEOUT_SECONDS);
            assert.equal(args.concurrency, DEFAULT_CONCURRENCY);
            assert.deepEqual(args.lambdaArnSpecs, []);
            assert.equal(args.pullRequest, undefined);
        });

        it("has the quality gate off unless --policy names a file, and looks for .tf files in the working directory unless told", () => {
            assert.deepEqual([tuneArgs([]).policyFile, tuneArgs([]).terraformDirectory], [undefined, "."]);
            const args = tuneArgs(["--policy", "power-tuning-policy.json", "--terraform-dir=infra"]);
            assert.deepEqual([args.policyFile, args.terraformDirectory], ["power-tuning-policy.json", "infra"]);
            usageError(["tune", "--policy"], /option '--policy <FILE>' argument missing/);
        });

        it("reads --flag value and --flag=value alike, and collects repeated --lambda-arn", () => {
            const args = tuneArgs(["--timeout=60", "--concurrency", "2", "--lambda-arn", `a=${FUNCTION_A}`, `--lambda-arn=${FUNCTION_B}`]);
            assert.equal(args.timeoutSeconds, 60);
            assert.equal(args.concurrency, 2);
            assert.deepEqual(args.lambdaArnSpecs, [`a=${FUNCTION_A}`, FUNCTION_B]);
        });

        it("lets flags win over environment variables, and falls back to them", () => {
            const env = { STATE_MACHINE_ARN: "from-env", REPOSITORY_NAME: "repo-env" };
            assert.equal(tuneArgs([], env).stateMachineArn, "from-env");
            assert.equal(tuneArgs(["--state-machine-arn", STATE_MACHINE], env).stateMachineArn, STATE_MACHINE);
            assert.equal(tuneArgs([], { STATE_MACHINE_ARN: "" }).stateMachineArn, undefined);
        });

        it("names an unknown flag and lists the accepted ones", () => {
            usageError(["tune", "--endpoint", "http://x"], /^unknown option '--endpoint'$/);
            usageError(["tune", "--inptu", "a.json"], /^unknown option '--inptu'\n\(Did you mean --input\?\)$/);
        });

        it("names a flag given without its value", () => {
            usageError(["tune", "--input"], /^option '--input <FILE>' argument missing$/);
            usageError(["tune", "--input", "--timeout", "5"], /^--input needs a value$/);
            usageError(["tune", "--results="], /^--results needs a value$/);
        });

        it("rejects numbers that are not whole or out of range, naming the flag, the range and the value", () => {
            usageError(["tune", "--timeout", "1.5"], /--timeout must be a whole number of seconds from 1 to 86400; got "1.5"/);
            usageError(["tune", "--timeout", "0"], /--timeout .* got "0"/);
            usageError(
                ["tune", "--concurrency", "33"],
                /--concurrency must be a whole number of executions from 1 to 32, or auto; got "33"/,
            );
            usageError(["tune", "--concurrency", "four"], /--concurrency .* got "four"/);
        });

        it("rejects a single-valued flag given twice and stray positional arguments", () => {
            usageError(["tune", "--input", "a.json", "--input", "b.json"], /--input was given twice \("a.json" and "b.json"\)/);
            usageError(["tune", "input.json"], /too many arguments for 'tune'\. Expected 0 arguments but got 1: input\.json/);
        });
    });

    describe("pull request", () => {
        const prEnv = { REPOSITORY_NAME: "repo", PULL_REQUEST_ID: "7", SOURCE_COMMIT: SOURCE, DESTINATION_COMMIT: DESTINATION };

        it("takes all four values from the CodeBuild environment", () => {
            assert.deepEqual(tuneArgs([], prEnv).pullRequest, {
                repositoryName: "repo",
                pullRequestId: "7",
                sourceCommit: SOURCE,
                destinationCommit: DESTINATION,
            });
        });

        it("names no pull request when only the repository is known", () => {
            assert.equal(tuneArgs([], { REPOSITORY_NAME: "repo" }).pullRequest, undefined);
        });

        it("lists every missing value once a pull request is named", () => {
            usageError(
                ["tune", "--pull-request-id", "7"],
                /missing --repository \(env REPOSITORY_NAME\), --source-commit \(env SOURCE_COMMIT\), --destination-commit \(env DESTINATION_COMMIT\)/,
            );
        });

        it("makes comments and approvals as --comment-role-arn, else PULL_REQUEST_BOT_ROLE_ARN, for tune and plan-comment", () => {
            assert.equal(tuneArgs([], { ...prEnv, PULL_REQUEST_BOT_ROLE_ARN: BOT_ROLE }).commentRoleArn, BOT_ROLE);
            const other = "arn:aws:iam::123456789012:role/other-bot";
            assert.equal(tuneArgs(["--comment-role-arn", other], { ...prEnv, PULL_REQUEST_BOT_ROLE_ARN: BOT_ROLE }).commentRoleArn, other);
            assert.equal(tuneArgs([], { ...prEnv, PULL_REQUEST_BOT_ROLE_ARN: "" }).commentRoleArn, undefined);
            const planComment = parseCommandLine(["plan-comment", "--plan", "plan.json"], {
                ...prEnv,
                PULL_REQUEST_BOT_ROLE_ARN: BOT_ROLE,
            });
            assert.equal((planComment as Extract<Command, { kind: "plan-comment" }>).args.commentRoleArn, BOT_ROLE);
            assert.equal(
                tuneArgs(["--state-machine-arn", STATE_MACHINE, "--lambda-arn", FUNCTION_A, "--comment-role-arn", BOT_ROLE]).commentRoleArn,
                BOT_ROLE,
            );
        });

        it("refuses a --comment-role-arn that is not an IAM role ARN, naming the field, the value and the form", () => {
            for (const value of [
                "power-tuned-pull-request-bot",
                "arn:aws:iam::123456789012:user/bot",
                "arn:aws:sts::123456789012:assumed-role/bot/session",
                "arn:aws:iam::12345:role/bot",
            ]) {
                assert.throws(
                    () => parseCommandLine(["plan-comment", "--plan", "plan.json", "--comment-role-arn", value], prEnv),
                    (error: Error) =>
                        error instanceof InputError &&
                        error.message ===
                            `--comment-role-arn (env PULL_REQUEST_BOT_ROLE_ARN) is ${JSON.stringify(value)}; allowed: an IAM role ARN, arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>`,
                );
            }
        });

        it("reads the settings from the repository only with --settings-from-repository, a switch that needs the pull request", () => {
            assert.equal(tuneArgs([], prEnv).settingsFromRepository, false);
            assert.equal(tuneArgs(["--settings-from-repository"], prEnv).settingsFromRepository, true);
            usageError(["tune", "--settings-from-repository=yes"], /unknown option '--settings-from-repository=yes'/, prEnv);
            usageError(
                ["tune", "--settings-from-repository"],
                /^--settings-from-repository reads the pull request's commits, so it needs all four of --repository, --pull-request-id, --source-commit and --destination-commit; missing --pull-request-id \(env PULL_REQUEST_ID\), --source-commit \(env SOURCE_COMMIT\), --destination-commit \(env DESTINATION_COMMIT\)$/,
                { REPOSITORY_NAME: "repo" },
            );
            usageError(["tune", "--settings-from-repository"], /missing --repository \(env REPOSITORY_NAME\), --pull-request-id/);
        });

        it("rejects abbreviated commits, non-numeric ids and identical commits", () => {
            usageError(
                ["tune", "--source-commit", "3f2a9c1"],
                /--source-commit must be a full 40-character lowercase commit id; got "3f2a9c1"/,
                prEnv,
            );
            usageError(
                ["plan-comment", "--plan", "p.json", "--pull-request-id", "seven"],
                /--pull-request-id must be a positive whole number of at most 16 digits; got "seven"/,
                prEnv,
            );
            // A copy's names carry the id within AWS's 64 characters: 16 digits at most, as the buildspecs and terraform-lambda say.
            usageError(
                ["plan-comment", "--plan", "p.json", "--pull-request-id", "12345678901234567"],
                /--pull-request-id must be a positive whole number of at most 16 digits; got "12345678901234567"/,
                prEnv,
            );
            usageError(["tune", "--destination-commit", SOURCE], /are the same commit/, prEnv);
        });
    });

    describe("plan-comment and report", () => {
        it("needs a plan, a failed deploy to report, or both", () => {
            usageError(["plan-comment"], /^plan-comment needs --plan FILE, --deploy-failed URL, or both$/);
            const url =
                "https://us-east-1.console.aws.amazon.com/states/home#/v2/executions/details/arn:aws:states:us-east-1:1:execution:w:e";
            const both = parseCommandLine(["plan-comment", "--plan", "plan.json", "--deploy-failed", url], {});
            assert.ok(both.kind === "plan-comment");
            assert.equal(both.args.planFile, "plan.json");
            assert.equal(both.args.deployFailedUrl, url);
            const alone = parseCommandLine(["plan-comment", "--deploy-failed", url], {});
            assert.ok(alone.kind === "plan-comment");
            assert.equal(alone.args.planFile, undefined);
        });

        it("takes only an https link for --deploy-failed, which becomes a Markdown link", () => {
            for (const bad of ["http://example.com/x", "https://example.com/a b", "https://example.com/x)[y](z", "javascript:alert(1)"]) {
                usageError(
                    ["plan-comment", "--deploy-failed", bad],
                    /--deploy-failed must be an https:\/\/ URL without spaces, parentheses or angle brackets/,
                );
            }
        });

        it("reads exactly one report source", () => {
            assert.deepEqual(parseCommandLine(["report", "--url", "https://lambda-power-tuning.show/#a;b;c"], {}), {
                kind: "report",
                source: { kind: "url", url: "https://lambda-power-tuning.show/#a;b;c" },
            });
            assert.deepEqual(parseCommandLine(["report", "--output", "out.json"], {}), {
                kind: "report",
                source: { kind: "output", file: "out.json" },
            });
            usageError(["report"], /exactly one of --results FILE, --output FILE or --url URL; none was given/);
            usageError(
                ["report", "--results", "r.json", "--url", "u"],
                /option '--results <FILE>' cannot be used with option '--url <URL>'/,
            );
        });

        it("takes a traffic figure for report's monthly cost: a whole number of invocations, anything else refused naming the flag and the value", () => {
            assert.deepEqual(parseCommandLine(["report", "--output", "out.json", "--invocations-per-month", "1200000"], {}), {
                kind: "report",
                source: { kind: "output", file: "out.json" },
                invocationsPerMonth: 1_200_000,
            });
            for (const bad of ["1.2e6", "0x10", "lots", "99999999999999999999"]) {
                usageError(
                    ["report", "--output", "out.json", "--invocations-per-month", bad],
                    new RegExp(
                        `--invocations-per-month must be a whole number of invocations a month, 0 or more \\(e\\.g\\. 1200000\\); got "${bad.replace(".", "\\.")}"`,
                    ),
                );
            }
            usageError(
                ["report", "--invocations-per-month", "5"],
                /exactly one of --results FILE, --output FILE or --url URL; none was given/,
            );
        });

        it("reads how to render a link (--strategy, --name) and where to draw the chart (--chart)", () => {
            assert.deepEqual(
                parseCommandLine(["report", "--url", "u", "--strategy", "balanced", "--name", "digest", "--chart", "c.svg"], {}),
                {
                    kind: "report",
                    source: { kind: "url", url: "u", strategy: "balanced", name: "digest" },
                    chartFile: "c.svg",
                },
            );
        });

        it("refuses --strategy and --name beside a file, which says its own, and values they cannot take", () => {
            usageError(
                ["report", "--results", "r.json", "--strategy", "speed"],
                /--strategy is for --url only: a link holds only the measurements, while --results's file says its own strategy/,
            );
            usageError(["report", "--output", "o.json", "--name", "digest"], /--name is for --url only/);
            usageError(
                ["report", "--url", "u", "--strategy", "fastest"],
                /option '--strategy <STRATEGY>' argument 'fastest' is invalid\. Allowed choices are cost, speed, balanced\./,
            );
            usageError(
                ["report", "--url", "u", "--name", "my function"],
                /--name must be a function name, 1-64 letters, digits, '-' or '_'; got "my function"/,
            );
            usageError(["tune", "--chart", "chart.png"], /--chart must name an \.svg file/);
        });
    });

    describe("sweep", () => {
        const sweepArgs = (argv: string[], env: Record<string, string> = {}) => {
            const command = parseCommandLine(["sweep", ...argv], env);
            assert.ok(command.kind === "sweep");
            return command.args;
        };

        it("applies the documented defaults: 6 hours, sweep-report.json, no state objects, no dry run, no pull request", () => {
            assert.deepEqual(sweepArgs(["--name-prefix", "pr-power-tuned"]), {
                namePrefix: "pr-power-tuned",
                olderThanHours: 6,
                dryRun: false,
                reportFile: "sweep-report.json",
                scheduledSweep: {},
                pullRequest: undefined,
                commentRoleArn: undefined,
                build: { buildId: undefined, buildUrl: undefined },
            });
        });

        it("reads the state prefix, the protected prefix, the age and the dry run", () => {
            const args = sweepArgs([
                "--name-prefix",
                "pr-power-tuned-7-3f2a9c1",
                "--protect-prefix",
                "power-tuned",
                "--older-than",
                "0",
                "--state-uri",
                "s3://state/pull-requests/arn:build/",
                "--dry-run",
            ]);
            assert.deepEqual(
                [args.protectPrefix, args.olderThanHours, args.state, args.dryRun],
                ["power-tuned", 0, { bucket: "state", prefix: "pull-requests/arn:build" }, true],
            );
        });

        it("names the scheduled sweep from its flags, else the sweeper project's environment", () => {
            const env = { SWEEP_SCHEDULE: "rate(6 hours)", PULL_REQUEST_COPY_TTL_HOURS: "6" };
            assert.deepEqual(sweepArgs(["--name-prefix", "pr-power-tuned"], env).scheduledSweep, {
                schedule: "rate(6 hours)",
                olderThanHours: 6,
            });
            assert.deepEqual(
                sweepArgs(["--name-prefix", "pr-power-tuned", "--retry-schedule", "cron(0 */2 * * ? *)", "--retry-older-than", "8"], env)
                    .scheduledSweep,
                {
                    schedule: "cron(0 */2 * * ? *)",
                    olderThanHours: 8,
                },
            );
        });

        it("comments on the pull request its environment names, as the bot", () => {
            const env = {
                REPOSITORY_NAME: "functions",
                PULL_REQUEST_ID: "7",
                SOURCE_COMMIT: SOURCE,
                DESTINATION_COMMIT: DESTINATION,
                PULL_REQUEST_BOT_ROLE_ARN: BOT_ROLE,
            };
            const args = sweepArgs(["--name-prefix", "pr-power-tuned-7-3f2a9c1"], env);
            assert.deepEqual(args.pullRequest, {
                repositoryName: "functions",
                pullRequestId: "7",
                sourceCommit: SOURCE,
                destinationCommit: DESTINATION,
            });
            assert.equal(args.commentRoleArn, BOT_ROLE);
        });

        it("explains its own exit codes in its --help", () => {
            const help = parseCommandLine(["sweep", "--help"], {});
            assert.ok(help.kind === "help");
            assert.match(
                help.text,
                /Exit codes: 0 everything old enough was removed \(or, on a dry run, listed\); 1 something could\nnot be removed or listed, or the comment failed; 2 usage or input error/,
            );
            assert.doesNotMatch(help.text, /all tuned/);
        });
    });

    describe("tuning request", () => {
        const withArgs = (argv: string[], env: Record<string, string> = {}) =>
            tuneArgs(["--state-machine-arn", STATE_MACHINE, ...argv], env);
        /** The request as main.ts builds it: targets from the command line and the outputs, then the settings read from local files. */
        const requestFrom = (args: TuneArguments, files: { input: string; terraformOutputs?: string }) =>
            tuneRequestFrom(args, tuneTargetsFrom(args, files.terraformOutputs), {
                from: "files",
                read: { input: { name: args.inputFile, text: files.input }, policyFile: "power-tuning-policy.json", terraformFiles: [] },
            });

        it("joins --lambda-arn and Terraform outputs, tuning a function named twice once", () => {
            const outputs = JSON.stringify({
                arn: { sensitive: false, type: "string", value: FUNCTION_A },
                functions: { sensitive: false, type: ["map", "string"], value: { a: FUNCTION_A, b: FUNCTION_B } },
            });
            const request = requestFrom(withArgs(["--lambda-arn", `first=${FUNCTION_A}`, "--terraform-outputs", "outputs.json"]), {
                input: INPUT,
                terraformOutputs: outputs,
            });
            assert.deepEqual(request.functions, [
                { name: "first", arn: FUNCTION_A },
                { name: "b", arn: FUNCTION_B },
            ]);
            assert.equal(request.stateMachineArn, STATE_MACHINE);
            assert.ok(request.settings.from === "files");
            assert.deepEqual(request.settings.read.input, { name: "power-tuning-input.json", text: INPUT });
        });

        it("requires a state machine ARN, naming the flag and its variable", () => {
            assert.throws(
                () => requestFrom(tuneArgs(["--lambda-arn", FUNCTION_A]), { input: INPUT }),
                (error: Error) =>
                    error instanceof InputError && /--state-machine-arn \(env STATE_MACHINE_ARN\) is missing/.test(error.message),
            );
        });

        it("requires at least one function", () => {
            assert.throws(() => requestFrom(withArgs([]), { input: INPUT }), /nothing to tune: name the functions with --lambda-arn/);
        });

        it("reports unreadable Terraform outputs with the file name", () => {
            assert.throws(
                () => requestFrom(withArgs(["--terraform-outputs", "outputs.json"]), { input: INPUT, terraformOutputs: "{oops" }),
                (error: Error) => error instanceof InputError && /^outputs.json: invalid JSON at line 1, column 2/.test(error.message),
            );
        });

        it("carries the build URL for the comment's log link", () => {
            const request = requestFrom(
                withArgs(["--lambda-arn", FUNCTION_A], { CODEBUILD_BUILD_URL: "https://console.aws.amazon.com/codebuild/build/1" }),
                {
                    input: INPUT,
                },
            );
            assert.equal(request.build.buildUrl, "https://console.aws.amazon.com/codebuild/build/1");
        });
    });
});
