import * as assert from "node:assert/strict";

import { type Command, parseCommandLine, type TuneArguments, tuneTargetsFrom } from "../../../../buildscripts/tuning-runner/cli";
import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import { checkFunctionInScope, type FunctionScope, validateNamePrefix } from "../../../../buildscripts/tuning-runner/core/functionScope";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
const functionArn = (name: string, region = "us-east-1", account = "123456789012") =>
    `arn:aws:lambda:${region}:${account}:function:${name}`;
const PR_DIGEST = functionArn("pr-power-tuned-7-3f2a9c1-digest");
const PRODUCTION_DIGEST = functionArn("power-tuned-digest");
const PULL_REQUEST_SCOPE: FunctionScope = { stateMachineArn: STATE_MACHINE, allowedNamePrefix: "pr-power-tuned" };

/** Asserts that `run` throws an InputError whose message contains every fragment. */
function refuses(run: () => unknown, ...fragments: string[]): void {
    assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
        for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
        return true;
    });
}

function tuneArgs(argv: string[], env: Record<string, string> = {}): TuneArguments {
    const command = parseCommandLine(["tune", "--state-machine-arn", STATE_MACHINE, ...argv], env);
    return (command as Extract<Command, { kind: "tune" }>).args;
}

const output = (value: unknown) => ({ sensitive: false, type: "string", value });

describe("which functions a pull request's tuning may touch", () => {
    describe("the allowed name prefix", () => {
        it("accepts what the stack's config accepts as a name prefix", () => {
            for (const prefix of ["pr-power-tuned", "p", "Team2-pr", "a".repeat(32)])
                assert.equal(validateNamePrefix(prefix, "--allowed-name-prefix"), prefix);
        });

        it("rejects anything else, naming the field, the value and the rule", () => {
            for (const prefix of ["pr-", "-pr", "2pr", "pr_power", "pr power", "a".repeat(33), "pr-*"]) {
                refuses(
                    () => validateNamePrefix(prefix, "--allowed-name-prefix (env PULL_REQUEST_NAME_PREFIX)"),
                    `--allowed-name-prefix (env PULL_REQUEST_NAME_PREFIX) is ${JSON.stringify(prefix)}; allowed: 1–32 letters, digits or '-', starting with a letter and not ending with '-'`,
                );
            }
        });
    });

    describe("a function ARN", () => {
        it("is admitted when it names <prefix>-… in the state machine's account and region", () => {
            assert.doesNotThrow(() => checkFunctionInScope(PULL_REQUEST_SCOPE, PR_DIGEST, "--lambda-arn"));
        });

        it("is refused outside the namespace, naming the ARN, where it came from and the allowed prefix", () => {
            refuses(
                () => checkFunctionInScope(PULL_REQUEST_SCOPE, PRODUCTION_DIGEST, "--lambda-arn"),
                `--lambda-arn is "${PRODUCTION_DIGEST}" (the function "power-tuned-digest" is outside the pull-request namespace); allowed: functions named pr-power-tuned-…, the prefix given by --allowed-name-prefix (env PULL_REQUEST_NAME_PREFIX)`,
            );
        });

        it("is refused when its name only starts like the prefix: the prefix itself, a longer word, other letter case", () => {
            for (const name of ["pr-power-tuned", "pr-power-tunedx-digest", "PR-power-tuned-digest", "xpr-power-tuned-digest"]) {
                refuses(
                    () => checkFunctionInScope(PULL_REQUEST_SCOPE, functionArn(name), "--lambda-arn"),
                    `the function "${name}" is outside the pull-request namespace`,
                );
            }
        });

        it("is refused in another account or region, prefix or not, because the state machine could not tune it", () => {
            for (const scope of [PULL_REQUEST_SCOPE, { stateMachineArn: STATE_MACHINE }]) {
                refuses(
                    () => checkFunctionInScope(scope, functionArn("pr-power-tuned-digest", "eu-west-1"), "--lambda-arn"),
                    "(account 123456789012, region eu-west-1: the state machine's role may tune functions of its own account and region only); allowed: a function in the state machine's account 123456789012 and region us-east-1",
                );
                refuses(
                    () => checkFunctionInScope(scope, functionArn("pr-power-tuned-digest", "us-east-1", "210987654321"), "--lambda-arn"),
                    "account 210987654321, region us-east-1",
                );
            }
        });

        it("may have any name without a prefix: the runner stays usable on its own", () => {
            assert.doesNotThrow(() => checkFunctionInScope({ stateMachineArn: STATE_MACHINE }, PRODUCTION_DIGEST, "--lambda-arn"));
        });
    });

    describe("in tune's targets", () => {
        const outputsNaming = (functions: Record<string, string>) =>
            JSON.stringify({ arn: output(PR_DIGEST), functions: output(functions) });

        it("takes the prefix from --allowed-name-prefix, else from PULL_REQUEST_NAME_PREFIX", () => {
            assert.equal(tuneArgs([], { PULL_REQUEST_NAME_PREFIX: "pr-power-tuned" }).allowedNamePrefix, "pr-power-tuned");
            assert.equal(
                tuneArgs(["--allowed-name-prefix", "pr-team"], { PULL_REQUEST_NAME_PREFIX: "pr-power-tuned" }).allowedNamePrefix,
                "pr-team",
            );
            assert.equal(tuneArgs([], { PULL_REQUEST_NAME_PREFIX: "" }).allowedNamePrefix, undefined);
            refuses(
                () => tuneArgs([], { PULL_REQUEST_NAME_PREFIX: "pr-" }),
                '--allowed-name-prefix (env PULL_REQUEST_NAME_PREFIX) is "pr-"',
            );
        });

        it("refuses a production function listed in the Terraform outputs, naming the output and its key", () => {
            const args = tuneArgs(["--terraform-outputs", "outputs.json", "--allowed-name-prefix", "pr-power-tuned"]);
            refuses(
                () => tuneTargetsFrom(args, outputsNaming({ digest: PR_DIGEST, billing: PRODUCTION_DIGEST })),
                `outputs.json: output "functions" key "billing" is "${PRODUCTION_DIGEST}"`,
            );
            const listed = JSON.stringify({ arns: output([PR_DIGEST, PRODUCTION_DIGEST]) });
            refuses(() => tuneTargetsFrom(args, listed), `outputs.json: output "arns"[1] is "${PRODUCTION_DIGEST}"`);
            refuses(
                () => tuneTargetsFrom(args, JSON.stringify({ arn: output(PRODUCTION_DIGEST) })),
                `outputs.json: output "arn" is "${PRODUCTION_DIGEST}"`,
            );
        });

        it("refuses a production function given with --lambda-arn", () => {
            refuses(
                () =>
                    tuneTargetsFrom(
                        tuneArgs(["--lambda-arn", `digest=${PRODUCTION_DIGEST}`, "--allowed-name-prefix", "pr-power-tuned"]),
                        undefined,
                    ),
                `--lambda-arn is "${PRODUCTION_DIGEST}"`,
            );
        });

        it("admits the pull request's own functions, from both sources", () => {
            const args = tuneArgs(["--terraform-outputs", "outputs.json", "--lambda-arn", functionArn("pr-power-tuned-7-3f2a9c1-resize")], {
                PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
            });
            const targets = tuneTargetsFrom(args, outputsNaming({ digest: PR_DIGEST }));
            assert.deepEqual(
                targets.functions.map((fn) => fn.arn),
                [functionArn("pr-power-tuned-7-3f2a9c1-resize"), PR_DIGEST],
            );
        });
    });
});
