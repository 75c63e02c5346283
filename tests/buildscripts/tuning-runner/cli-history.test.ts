import * as assert from "node:assert/strict";
import {
    type Command,
    parseCommandLine,
    recordRequestFrom,
    tuneRequestFrom,
    tuneTargetsFrom,
} from "../../../buildscripts/tuning-runner/cli";
import { InputError, UsageError } from "../../../buildscripts/tuning-runner/core/errors";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
const FUNCTION_A = "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest";
const COMMIT = "abc1234bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const INPUT = JSON.stringify({ num: 10, powerValues: [128, 256] });
const OUTPUTS = JSON.stringify({ functions: { sensitive: false, type: ["map", "string"], value: { digest: FUNCTION_A } } });

function parsed<K extends Command["kind"]>(kind: K, argv: string[], env: Record<string, string> = {}): Extract<Command, { kind: K }> {
    const command = parseCommandLine(argv, env);
    assert.equal(command.kind, kind);
    return command as Extract<Command, { kind: K }>;
}

function rejects(argv: string[], env: Record<string, string>, errorType: typeof UsageError | typeof InputError, pattern: RegExp): void {
    assert.throws(
        () => parseCommandLine(argv, env),
        (error: Error) => error instanceof errorType && pattern.test(error.message),
    );
}

describe("command line of the tuning history", () => {
    describe("tune --history and --force", () => {
        it("take the history from the flag, else from TUNING_HISTORY_URI, into the request", () => {
            const fromEnv = parsed("tune", ["tune", "--lambda-arn", FUNCTION_A], {
                TUNING_HISTORY_URI: "s3://artifacts/tuning-history/",
            }).args;
            assert.deepEqual(fromEnv.history, { bucket: "artifacts", prefix: "tuning-history" });
            const fromFlag = parsed("tune", ["tune", "--history", "s3://other/h"], {
                TUNING_HISTORY_URI: "s3://artifacts/tuning-history/",
            }).args;
            assert.deepEqual(fromFlag.history, { bucket: "other", prefix: "h" });
            const args = { ...fromEnv, stateMachineArn: STATE_MACHINE };
            const request = tuneRequestFrom(args, tuneTargetsFrom(args, undefined), {
                from: "files",
                read: {
                    input: { name: "power-tuning-input.json", text: INPUT },
                    policyFile: "power-tuning-policy.json",
                    terraformFiles: [],
                },
            });
            assert.deepEqual([request.history, request.force], [{ bucket: "artifacts", prefix: "tuning-history" }, false]);
        });

        it("run without a history when neither is set (an empty variable counts as unset)", () => {
            assert.equal(parsed("tune", ["tune"], { TUNING_HISTORY_URI: "" }).args.history, undefined);
        });

        it("treat --force as a switch that takes no value", () => {
            assert.equal(parsed("tune", ["tune", "--force", "--history", "s3://artifacts/h", "--lambda-arn", FUNCTION_A]).args.force, true);
            assert.equal(parsed("tune", ["tune"]).args.force, false);
            rejects(["tune", "--force=yes"], {}, UsageError, /^unknown option '--force=yes'$/);
            rejects(["tune", "--force", "--force"], {}, UsageError, /^--force was given twice; give it once$/);
        });

        it("refuse --force without a history, which it would have nothing to do with", () => {
            rejects(
                ["tune", "--force", "--lambda-arn", FUNCTION_A],
                {},
                UsageError,
                /^--force needs --history \(env TUNING_HISTORY_URI\): .*without a history every function is tuned anyway$/,
            );
            assert.equal(parsed("tune", ["tune", "--force"], { TUNING_HISTORY_URI: "s3://artifacts/h" }).args.force, true);
        });

        it("refuse a history URI that is not s3://bucket/prefix, naming the flag and its variable", () => {
            rejects(
                ["tune"],
                { TUNING_HISTORY_URI: "artifacts/tuning-history" },
                InputError,
                /^--history \(env TUNING_HISTORY_URI\) is "artifacts\/tuning-history" \(not an s3:\/\/ URI\); allowed: s3:\/\/<bucket>\/<prefix>/,
            );
        });
    });

    describe("record", () => {
        it("reads production's outputs, the history, the input (default power-tuning-input.json) and the commit", () => {
            const { args } = parsed("record", [
                "record",
                "--terraform-outputs",
                "outputs.json",
                "--history",
                "s3://artifacts/tuning-history",
                "--source-commit",
                COMMIT,
            ]);
            assert.deepEqual(args, {
                terraformOutputsFile: "outputs.json",
                inputFile: "power-tuning-input.json",
                history: { bucket: "artifacts", prefix: "tuning-history" },
                commit: COMMIT,
            });
            const request = recordRequestFrom(args, { input: INPUT, terraformOutputs: OUTPUTS });
            assert.deepEqual(request.functions, [{ name: "digest", arn: FUNCTION_A }]);
            assert.deepEqual(request.input, JSON.parse(INPUT));
        });

        it("takes the commit from CODEBUILD_RESOLVED_SOURCE_VERSION when it is a commit id, and leaves anything else out", () => {
            const argv = ["record", "--terraform-outputs", "outputs.json"];
            const env = { TUNING_HISTORY_URI: "s3://artifacts/tuning-history/" };
            assert.equal(parsed("record", argv, { ...env, CODEBUILD_RESOLVED_SOURCE_VERSION: COMMIT }).args.commit, COMMIT);
            assert.equal(
                parsed("record", argv, { ...env, CODEBUILD_RESOLVED_SOURCE_VERSION: "arn:aws:s3:::artifacts/plan.zip" }).args.commit,
                undefined,
            );
            assert.equal(
                parsed("record", [...argv, "--source-commit", "f".repeat(40)], { ...env, CODEBUILD_RESOLVED_SOURCE_VERSION: COMMIT }).args
                    .commit,
                "f".repeat(40),
            );
        });

        it("requires the outputs and the history, and a full commit id in --source-commit", () => {
            const env = { TUNING_HISTORY_URI: "s3://artifacts/tuning-history/" };
            rejects(["record"], env, UsageError, /^required option '--terraform-outputs <FILE>' not specified$/);
            rejects(
                ["record", "--terraform-outputs", "o.json"],
                {},
                InputError,
                /^--history \(env TUNING_HISTORY_URI\) is missing; allowed: s3:\/\/<bucket>\/<prefix>/,
            );
            rejects(
                ["record", "--terraform-outputs", "o.json", "--source-commit", "abc1234"],
                env,
                UsageError,
                /^--source-commit must be a full 40-character lowercase commit id; got "abc1234"$/,
            );
            rejects(
                ["record", "--terraform-outputs", "o.json", "--lambda-arn", FUNCTION_A],
                env,
                UsageError,
                /^unknown option '--lambda-arn'$/,
            );
        });

        it("refuses outputs without a Lambda function ARN and an invalid input, naming the file", () => {
            const { args } = parsed("record", ["record", "--terraform-outputs", "outputs.json"], {
                TUNING_HISTORY_URI: "s3://artifacts/h",
            });
            assert.throws(
                () => recordRequestFrom(args, { input: INPUT, terraformOutputs: "{}" }),
                (error: Error) =>
                    error instanceof InputError && /^outputs\.json: no output holds a Lambda function ARN/.test(error.message),
            );
            assert.throws(
                () => recordRequestFrom(args, { input: JSON.stringify({ num: 2 }), terraformOutputs: OUTPUTS }),
                (error: Error) => error instanceof InputError && /^power-tuning-input\.json: "num" is 2/.test(error.message),
            );
        });
    });
});
