import * as assert from "node:assert/strict";

import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import {
    functionsFromTerraformOutputs,
    mergeTargetFunctions,
    parseLambdaArnSpec,
    validateLambdaFunctionArn,
    validateStateMachineArn,
} from "../../../../buildscripts/tuning-runner/core/targets";
import {
    describeLambdaConcurrency,
    parseTuningInput,
    peakLambdaConcurrency,
    strategyOf,
} from "../../../../buildscripts/tuning-runner/core/tuningInput";

const FILE = "power-tuning-input.json";
const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:target-fn-pr-7";
const OTHER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:other-fn";

/** Asserts that `run` throws an InputError whose message contains every fragment. */
function assertInputError(run: () => unknown, ...fragments: string[]): void {
    assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
        for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
        return true;
    });
}

function inputWith(fields: Record<string, unknown>): string {
    return JSON.stringify({ num: 10, ...fields });
}

describe("power-tuning input file", () => {
    it("accepts the original design's input and passes the tool's other keys through untouched", () => {
        const text = JSON.stringify({
            powerValues: [128, 256, 512, 1024],
            num: 50,
            payload: { order: 1 },
            parallelInvocation: true,
            strategy: "balanced",
            balancedWeight: 0.3,
            payloadS3: "s3://my-bucket/payloads/order.json",
            discardTopBottom: 0.1,
            allowedExceptions: ["HandledError"],
        });
        const input = parseTuningInput(text, FILE);
        assert.deepEqual(input, JSON.parse(text));
    });

    it("refuses a misspelt key before anything starts, with the key it most likely means and the keys there are", () => {
        const known =
            "num, powerValues, strategy, balancedWeight, parallelInvocation, payload, payloadS3, refine, autoOptimize, autoOptimizeAlias, dryRun, " +
            "preProcessorARN, postProcessorARN, discardTopBottom, sleepBetweenRunsMs, disablePayloadLogs, onlyColdStarts, allowedExceptions, includeOutputResults";
        assert.throws(() => parseTuningInput(inputWith({ stratgey: "speed" }), FILE), {
            name: "InputError",
            message: `${FILE}: "stratgey" is "speed" (unknown key; did you mean "strategy"?); allowed: only the keys ${known}`,
        });
        assert.throws(() => parseTuningInput(inputWith({ parallelInvocations: true }), FILE), {
            message: `${FILE}: "parallelInvocations" is true (unknown key; did you mean "parallelInvocation"?); allowed: only the keys ${known}`,
        });
        assert.throws(() => parseTuningInput(inputWith({ colour: "red" }), FILE), {
            message: `${FILE}: "colour" is "red" (unknown key); allowed: only the keys ${known}`,
        });
    });

    it('accepts "ALL" as powerValues and leaves powerValues out when not given', () => {
        assert.equal(parseTuningInput(inputWith({ powerValues: "ALL" }), FILE).powerValues, "ALL");
        assert.equal(parseTuningInput(inputWith({}), FILE).powerValues, undefined);
    });

    it("reports a JSON syntax error with its line and column", () => {
        const text = '{\n  "num": 10,\n  "strategy": cost\n}';
        assertInputError(() => parseTuningInput(text, FILE), `${FILE}: invalid JSON at line 3, column 15: Unexpected token 'c'`);
    });

    it("reports a trailing comma where V8 states the position itself", () => {
        assertInputError(() => parseTuningInput('{\n  "num": 10,\n}', FILE), "line 3, column 1: Expected double-quoted property name");
    });

    it("reports truncated JSON at its end", () => {
        assertInputError(() => parseTuningInput('{\n  "num": 10', FILE), "line 2, column 12");
        assertInputError(() => parseTuningInput("", FILE), "line 1, column 1: Unexpected end of JSON input");
    });

    it("reads a file that starts with a byte-order mark", () => {
        assert.equal(parseTuningInput(`\uFEFF${inputWith({})}`, FILE).num, 10);
    });

    it("requires a JSON object", () => {
        assertInputError(() => parseTuningInput("[128, 256]", FILE), `${FILE}: the file holds an array; allowed: a JSON object`);
        assertInputError(() => parseTuningInput("null", FILE), "the file holds null");
    });

    it("requires num to be an integer of at least 5", () => {
        assertInputError(() => parseTuningInput("{}", FILE), `${FILE}: "num" is missing; allowed: an integer ≥ 5`);
        assertInputError(() => parseTuningInput('{"num": 4}', FILE), '"num" is 4; allowed: an integer ≥ 5');
        assertInputError(() => parseTuningInput('{"num": 10.5}', FILE), '"num" is 10.5');
        assertInputError(() => parseTuningInput('{"num": "10"}', FILE), '"num" is "10"');
        assert.equal(parseTuningInput('{"num": 5}', FILE).num, 5);
    });

    it("requires powerValues to be distinct integers from 128 to 10240 MB, naming the offending element", () => {
        const allowed = 'allowed: "ALL" or a non-empty list of distinct integers from 128 to 10240 (MB)';
        assertInputError(() => parseTuningInput(inputWith({ powerValues: [128, 64] }), FILE), `"powerValues[1]" is 64; ${allowed}`);
        assertInputError(() => parseTuningInput(inputWith({ powerValues: [10241] }), FILE), '"powerValues[0]" is 10241');
        assertInputError(() => parseTuningInput(inputWith({ powerValues: [256.5] }), FILE), '"powerValues[0]" is 256.5');
        assertInputError(() => parseTuningInput(inputWith({ powerValues: [] }), FILE), '"powerValues" is []');
        assertInputError(() => parseTuningInput(inputWith({ powerValues: "all" }), FILE), '"powerValues" is "all"');
        assertInputError(() => parseTuningInput(inputWith({ powerValues: [128, 256, 128] }), FILE), "(128 appears twice)");
        assert.deepEqual(parseTuningInput(inputWith({ powerValues: [128, 10240] }), FILE).powerValues, [128, 10240]);
    });

    it("allows only the tool's three strategies, because an unknown one fails after every invocation was paid for", () => {
        assertInputError(
            () => parseTuningInput(inputWith({ strategy: "fastest" }), FILE),
            `${FILE}: "strategy" is "fastest"; allowed: cost, speed, balanced`,
        );
    });

    it("requires balancedWeight from 0 to 1", () => {
        assertInputError(
            () => parseTuningInput(inputWith({ balancedWeight: 1.5 }), FILE),
            '"balancedWeight" is 1.5; allowed: a number from 0 to 1',
        );
        assertInputError(() => parseTuningInput(inputWith({ balancedWeight: "0.5" }), FILE), '"balancedWeight" is "0.5"');
        assert.equal(parseTuningInput(inputWith({ balancedWeight: 0 }), FILE).balancedWeight, 0);
        assert.equal(parseTuningInput(inputWith({ balancedWeight: 1 }), FILE).balancedWeight, 1);
    });

    it("requires parallelInvocation to be a boolean and payloadS3 an s3:// object URI", () => {
        assertInputError(
            () => parseTuningInput(inputWith({ parallelInvocation: "true" }), FILE),
            '"parallelInvocation" is "true"; allowed: true or false',
        );
        assertInputError(
            () => parseTuningInput(inputWith({ payloadS3: "my-bucket/key.json" }), FILE),
            '"payloadS3" is "my-bucket/key.json"',
        );
        assertInputError(() => parseTuningInput(inputWith({ payloadS3: "s3://my-bucket/" }), FILE), '"payloadS3" is "s3://my-bucket/"');
    });

    it("rejects lambdaARN because the runner adds each function's ARN itself", () => {
        assertInputError(
            () => parseTuningInput(inputWith({ lambdaARN: FUNCTION_ARN }), FILE),
            `"lambdaARN" is "${FUNCTION_ARN}" (the runner adds each function's ARN itself)`,
            "--lambda-arn or --terraform-outputs",
        );
    });

    it("lists every problem of the file at once, one per line", () => {
        const problems = () => parseTuningInput('{"num": 1, "strategy": "fast", "balancedWeight": -1}', FILE);
        assert.throws(problems, (error: Error) => {
            assert.deepEqual(
                error.message.split("\n").map((line) => line.split(";")[0]),
                [`${FILE}: "num" is 1`, `${FILE}: "strategy" is "fast"`, `${FILE}: "balancedWeight" is -1`],
            );
            return true;
        });
    });

    it("rejects an input too large for Step Functions' 256 KiB execution input once lambdaARN is added", () => {
        const fits = inputWith({ payload: "x".repeat(200 * 1024) });
        assert.equal(parseTuningInput(fits, FILE).num, 10);
        const tooLarge = inputWith({ payload: "x".repeat(256 * 1024 - 100) });
        assertInputError(() => parseTuningInput(tooLarge, FILE), "256 KiB", '"payloadS3"');
    });

    it("counts the size in UTF-8 bytes, not characters", () => {
        // 90,000 three-byte characters are 270,000 bytes although only 90,000 characters.
        assertInputError(() => parseTuningInput(inputWith({ payload: "€".repeat(90_000) }), FILE), "256 KiB");
    });
});

describe("Lambda concurrency of a tuning", () => {
    it("is an Executor plus one invocation per memory size, or plus num of them with parallelInvocation, per function at once", () => {
        assert.equal(peakLambdaConcurrency({ powerValueCount: 5, num: 20, parallelInvocation: false }, 1), 10);
        assert.equal(peakLambdaConcurrency({ powerValueCount: 5, num: 20 }, 1), 10);
        assert.equal(peakLambdaConcurrency({ powerValueCount: 6, num: 20, parallelInvocation: true }, 1), 126);
        assert.equal(peakLambdaConcurrency({ powerValueCount: 4, num: 50, parallelInvocation: true }, 2), 408);
    });

    it('is described for the build log, counting "ALL" as the 46 sizes from 128 to 3008 MB, and not at all when the state machine\'s default sizes apply', () => {
        assert.equal(
            describeLambdaConcurrency({ num: 20, powerValues: [128, 256, 512, 1024, 2048] }, 1),
            "up to 10 Lambda invocations at once (1 × 5 power values × (1 Executor + 1 invocation)); an account concurrency quota below that throttles the tuning",
        );
        assert.match(
            describeLambdaConcurrency({ num: 10, powerValues: "ALL", parallelInvocation: true }, 2)!,
            /^up to 1012 Lambda invocations at once \(2 × 46 power values × \(1 Executor \+ 10 parallel invocations\)\)/,
        );
        assert.equal(describeLambdaConcurrency({ num: 10 }, 1), undefined);
    });
});

describe("strategy", () => {
    it("defaults to cost, as the tool does", () => {
        assert.equal(strategyOf({ num: 10 }), "cost");
        assert.equal(strategyOf({ num: 10, strategy: "speed" }), "speed");
    });
});

describe("Lambda function ARNs", () => {
    it("accepts an unqualified function ARN in any partition", () => {
        assert.equal(validateLambdaFunctionArn(FUNCTION_ARN, "--lambda-arn"), FUNCTION_ARN);
        for (const arn of [
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:fn_1",
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:fn",
            "arn:aws-eusc:lambda:eusc-de-east-1:123456789012:function:fn",
        ]) {
            assert.equal(validateLambdaFunctionArn(arn, "--lambda-arn"), arn);
        }
    });

    it("rejects aliases and versions, which the tool refuses", () => {
        assertInputError(
            () => validateLambdaFunctionArn(`${FUNCTION_ARN}:live`, "--lambda-arn"),
            `--lambda-arn is "${FUNCTION_ARN}:live" (qualified with the version or alias "live"`,
            "allowed: an unqualified Lambda function ARN, arn:<partition>:lambda:<region>:<12-digit account>:function:<name>",
        );
        assertInputError(() => validateLambdaFunctionArn(`${FUNCTION_ARN}:$LATEST`, "--lambda-arn"), 'alias "$LATEST"');
    });

    it("rejects a bare function name and says it is one", () => {
        assertInputError(() => validateLambdaFunctionArn("target-fn", "--lambda-arn"), '"target-fn" (a function name, not an ARN)');
    });

    it("names what is wrong with other ARNs", () => {
        const cases: Array<[string, string]> = [
            ["arn:aws:states:us-east-1:123456789012:stateMachine:tuner", 'service "states"'],
            ["arn:aws:lambda:us-east-1:123456789012:layer:deps:3", "a Lambda layer ARN"],
            ["arn:aws:lambda:us-east-1:12345:function:fn", 'account "12345" is not 12 digits'],
            ["arn:aws:lambda:useast1:123456789012:function:fn", '"useast1" is not a region'],
            ["arn:aws:lambda:us-east-1:123456789012:function:fn.v2", 'function name "fn.v2"'],
            ["arn:aws:lambda:us-east-1:123456789012:function:fn:1:extra", "9 colon-separated parts instead of 7"],
            ["arn:azure:lambda:us-east-1:123456789012:function:fn", 'unknown partition "azure"'],
        ];
        for (const [arn, reason] of cases) assertInputError(() => validateLambdaFunctionArn(arn, "--lambda-arn"), reason);
    });
});

describe("--lambda-arn [NAME=]ARN", () => {
    it("names the function after the ARN when no name is given", () => {
        assert.deepEqual(parseLambdaArnSpec(FUNCTION_ARN), { name: "target-fn-pr-7", arn: FUNCTION_ARN });
    });

    it("takes the display name before '='", () => {
        assert.deepEqual(parseLambdaArnSpec(`orders_api=${FUNCTION_ARN}`), { name: "orders_api", arn: FUNCTION_ARN });
    });

    it("validates the display name and the ARN", () => {
        assertInputError(() => parseLambdaArnSpec(`orders api=${FUNCTION_ARN}`), '--lambda-arn NAME is "orders api"');
        assertInputError(() => parseLambdaArnSpec(`=${FUNCTION_ARN}`), '--lambda-arn NAME is ""');
        assertInputError(() => parseLambdaArnSpec(`${"n".repeat(65)}=${FUNCTION_ARN}`), "--lambda-arn NAME");
        assertInputError(() => parseLambdaArnSpec("api=target-fn"), '--lambda-arn is "target-fn"');
    });
});

describe("state machine ARN", () => {
    const field = "--state-machine-arn (env STATE_MACHINE_ARN)";

    it("accepts a state machine ARN", () => {
        const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
        assert.equal(validateStateMachineArn(arn, field), arn);
    });

    it("requires one and names both ways of giving it", () => {
        assertInputError(
            () => validateStateMachineArn(undefined, field),
            `${field} is missing; allowed: a Step Functions state machine ARN`,
        );
        assertInputError(() => validateStateMachineArn("", field), `${field} is missing`);
    });

    it("rejects an execution ARN or a Lambda ARN", () => {
        assertInputError(
            () => validateStateMachineArn("arn:aws:states:us-east-1:123456789012:execution:tuner:run-1", field),
            `${field} is "arn:aws:states:us-east-1:123456789012:execution:tuner:run-1"`,
        );
        assertInputError(() => validateStateMachineArn(FUNCTION_ARN, field), "allowed: a Step Functions state machine ARN");
    });
});

describe("functions from terraform output -json", () => {
    const FILE_NAME = "terraform-outputs.json";
    const output = (value: unknown) => ({ value, type: "string", sensitive: false });

    it("tunes a scalar output under the output's name", () => {
        assert.deepEqual(functionsFromTerraformOutputs({ arn: output(FUNCTION_ARN), function_name: output("target-fn-pr-7") }, FILE_NAME), [
            { name: "arn", arn: FUNCTION_ARN },
        ]);
    });

    it("names map entries by key and list entries by output name and index", () => {
        const functions = functionsFromTerraformOutputs(
            {
                functions: output({ orders: FUNCTION_ARN }),
                workers: output([OTHER_ARN, "arn:aws:lambda:us-east-1:123456789012:function:third"]),
            },
            FILE_NAME,
        );
        assert.deepEqual(functions, [
            { name: "orders", arn: FUNCTION_ARN },
            { name: "workers-0", arn: OTHER_ARN },
            { name: "workers-1", arn: "arn:aws:lambda:us-east-1:123456789012:function:third" },
        ]);
    });

    it("tunes a function named by two outputs once, preferring the map key's name", () => {
        const outputs = {
            arn: output(FUNCTION_ARN),
            functions: output({ hello: FUNCTION_ARN }),
            qualified_arn: output(`${FUNCTION_ARN}:$LATEST`),
        };
        assert.deepEqual(functionsFromTerraformOutputs(outputs, FILE_NAME), [{ name: "hello", arn: FUNCTION_ARN }]);
    });

    it("ignores outputs that are not function ARNs or collections of them", () => {
        const outputs = {
            arn: output(FUNCTION_ARN),
            invoke_arn: output(`arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FUNCTION_ARN}/invocations`),
            memory_size: output(256),
            mixed: output({ arn: OTHER_ARN, memory: "256" }),
        };
        assert.deepEqual(functionsFromTerraformOutputs(outputs, FILE_NAME), [{ name: "arn", arn: FUNCTION_ARN }]);
    });

    it("says which outputs it saw when none holds a function ARN", () => {
        assertInputError(
            () => functionsFromTerraformOutputs({ function_name: output("fn"), memory_size: output(256) }, FILE_NAME),
            `${FILE_NAME}: no output holds a Lambda function ARN (outputs seen: "function_name", "memory_size")`,
        );
        assertInputError(() => functionsFromTerraformOutputs({}, FILE_NAME), "(outputs seen: none)");
    });

    it("rejects a file that is not terraform output -json", () => {
        assertInputError(() => functionsFromTerraformOutputs([FUNCTION_ARN], FILE_NAME), `${FILE_NAME}: the file holds an array`);
        assertInputError(
            () => functionsFromTerraformOutputs({ arn: FUNCTION_ARN }, FILE_NAME),
            `${FILE_NAME}: output "arn" is "${FUNCTION_ARN}"`,
        );
    });

    it("rejects two functions that end up under one name", () => {
        assertInputError(
            () => functionsFromTerraformOutputs({ a: output({ api: FUNCTION_ARN }), b: output({ api: OTHER_ARN }) }, FILE_NAME),
            `function name "api" is "${OTHER_ARN}" (also used for ${FUNCTION_ARN})`,
        );
    });
});

describe("merging --lambda-arn and --terraform-outputs", () => {
    it("keeps each function once, under the first name given", () => {
        const merged = mergeTargetFunctions(
            [{ name: "api", arn: FUNCTION_ARN }],
            [
                { name: "arn", arn: FUNCTION_ARN },
                { name: "worker", arn: OTHER_ARN },
            ],
        );
        assert.deepEqual(merged, [
            { name: "api", arn: FUNCTION_ARN },
            { name: "worker", arn: OTHER_ARN },
        ]);
    });

    it("rejects two different functions under one display name", () => {
        assertInputError(
            () => mergeTargetFunctions([{ name: "api", arn: FUNCTION_ARN }], [{ name: "api", arn: OTHER_ARN }]),
            'function name "api"',
            "rename one with --lambda-arn NAME=ARN",
        );
    });
});
