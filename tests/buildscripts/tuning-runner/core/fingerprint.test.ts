import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";

import {
    canonicalJson,
    type FunctionConfigurationShape,
    functionFactsFrom,
    MissingCodeHashError,
    tuningFingerprint,
} from "../../../../buildscripts/tuning-runner/core/fingerprint";
import type { PowerTuningInput } from "../../../../buildscripts/tuning-runner/core/tuningInput";

const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest";
/** What GetFunctionConfiguration answers for the seeded digest function (the fields that matter and some that do not). */
const CONFIGURATION: FunctionConfigurationShape & Record<string, unknown> = {
    FunctionName: "power-tuned-digest",
    FunctionArn: FUNCTION_ARN,
    CodeSha256: "kVm4cNfkuTHKtCZjHa7r2WrQ8cOZBj7U6aRGm8XrQFk=",
    Runtime: "nodejs22.x",
    Architectures: ["arm64"],
    Handler: "index.handler",
    PackageType: "Zip",
    MemorySize: 128,
    Timeout: 30,
    LastModified: "2026-11-20T17:00:00.000+0000",
    Environment: { Variables: { STAGE: "pr-7-3f2a9c1" } },
};
const INPUT: PowerTuningInput = {
    powerValues: [128, 256, 512, 1024],
    num: 50,
    payload: { documentKb: 512 },
    parallelInvocation: true,
    strategy: "cost",
};

const fingerprintOf = (configuration: FunctionConfigurationShape, input: PowerTuningInput = INPUT) =>
    tuningFingerprint(functionFactsFrom(configuration, FUNCTION_ARN), input);

describe("tuning fingerprint", () => {
    it("is the SHA-256 of the canonical JSON of the code, how it runs (environment as a hash) and the input", () => {
        const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
        const expected = sha256(
            JSON.stringify({
                function: {
                    architectures: ["arm64"],
                    codeSha256: CONFIGURATION.CodeSha256,
                    environmentSha256: sha256('{"STAGE":"pr-7-3f2a9c1"}'),
                    fileSystems: [],
                    handler: "index.handler",
                    layers: [],
                    memoryMB: 128,
                    packageType: "Zip",
                    runtime: "nodejs22.x",
                    timeoutSeconds: 30,
                },
                input: {
                    num: 50,
                    parallelInvocation: true,
                    payload: { documentKb: 512 },
                    powerValues: [128, 256, 512, 1024],
                    strategy: "cost",
                },
                version: 2,
            }),
        );
        assert.equal(fingerprintOf(CONFIGURATION), expected);
        assert.match(expected, /^[0-9a-f]{64}$/);
    });

    it("is the same for a pull request's copy that runs the same way: name, ARN and modification time are not part of it", () => {
        const copy = {
            ...CONFIGURATION,
            FunctionName: "power-tuned-digest-pr-7-3f2a9c1",
            FunctionArn: `${FUNCTION_ARN}-pr-7-3f2a9c1`,
            LastModified: "2026-11-21T09:00:00.000+0000",
            Environment: { Variables: { STAGE: "pr-7-3f2a9c1" } },
            SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
            VpcConfig: { SubnetIds: [], SecurityGroupIds: [], VpcId: "" },
        };
        assert.equal(tuningFingerprint(functionFactsFrom(copy, copy.FunctionArn), INPUT), fingerprintOf(CONFIGURATION));
    });

    it("does not depend on the order of keys in the input file", () => {
        const reordered: PowerTuningInput = {
            strategy: "cost",
            parallelInvocation: true,
            payload: { documentKb: 512 },
            num: 50,
            powerValues: [128, 256, 512, 1024],
        };
        assert.equal(fingerprintOf(CONFIGURATION, reordered), fingerprintOf(CONFIGURATION));
    });

    it("ignores what the runner adds to every execution (lambdaARN, includeOutputResults)", () => {
        assert.equal(fingerprintOf(CONFIGURATION, { ...INPUT, includeOutputResults: true }), fingerprintOf(CONFIGURATION));
        assert.equal(fingerprintOf(CONFIGURATION, { ...INPUT, lambdaARN: FUNCTION_ARN }), fingerprintOf(CONFIGURATION));
    });

    const changes: Array<[string, FunctionConfigurationShape, PowerTuningInput]> = [
        ["the code hash", { ...CONFIGURATION, CodeSha256: "Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm8=" }, INPUT],
        ["the runtime", { ...CONFIGURATION, Runtime: "nodejs20.x" }, INPUT],
        ["the architecture", { ...CONFIGURATION, Architectures: ["x86_64"] }, INPUT],
        ["the handler", { ...CONFIGURATION, Handler: "other.handler" }, INPUT],
        ["a layer", { ...CONFIGURATION, Layers: [{ Arn: "arn:aws:lambda:us-east-1:123456789012:layer:deps:3" }] }, INPUT],
        ["a layer's version", { ...CONFIGURATION, Layers: [{ Arn: "arn:aws:lambda:us-east-1:123456789012:layer:deps:4" }] }, INPUT],
        ["the package type", { ...CONFIGURATION, PackageType: "Image" }, INPUT],
        ["the memory size", { ...CONFIGURATION, MemorySize: 10240 }, INPUT],
        ["the timeout", { ...CONFIGURATION, Timeout: 3 }, INPUT],
        ["the ephemeral storage", { ...CONFIGURATION, EphemeralStorage: { Size: 10240 } }, INPUT],
        [
            "an environment variable (NODE_OPTIONS=--import=data:… runs other code from the same zip)",
            { ...CONFIGURATION, Environment: { Variables: { STAGE: "pr-7-3f2a9c1", NODE_OPTIONS: "--import=data:text/javascript,0" } } },
            INPUT,
        ],
        ["the VPC's subnets", { ...CONFIGURATION, VpcConfig: { SubnetIds: ["subnet-0a1b"], SecurityGroupIds: ["sg-0a1b"] } }, INPUT],
        [
            "a mounted file system",
            {
                ...CONFIGURATION,
                FileSystemConfigs: [
                    { Arn: "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0a1b", LocalMountPath: "/mnt/data" },
                ],
            },
            INPUT,
        ],
        ["SnapStart", { ...CONFIGURATION, SnapStart: { ApplyOn: "PublishedVersions" } }, INPUT],
        ["the power values", CONFIGURATION, { ...INPUT, powerValues: [128, 256, 512] }],
        ["num", CONFIGURATION, { ...INPUT, num: 100 }],
        ["the payload", CONFIGURATION, { ...INPUT, payload: { documentKb: 1024 } }],
        ["payloadS3", CONFIGURATION, { ...INPUT, payloadS3: "s3://payloads/digest.json" }],
        ["the strategy", CONFIGURATION, { ...INPUT, strategy: "balanced" }],
        ["the balanced weight", CONFIGURATION, { ...INPUT, strategy: "cost", balancedWeight: 0.3 }],
        ["parallel invocation", CONFIGURATION, { ...INPUT, parallelInvocation: false }],
        ["onlyColdStarts", CONFIGURATION, { ...INPUT, onlyColdStarts: true }],
        ["discardTopBottom", CONFIGURATION, { ...INPUT, discardTopBottom: 0.1 }],
    ];
    for (const [what, configuration, input] of changes) {
        it(`changes with ${what}`, () => {
            assert.notEqual(fingerprintOf(configuration, input), fingerprintOf(CONFIGURATION));
        });
    }

    it("does not depend on the order of subnets and security groups", () => {
        const vpc = (subnets: string[]) => ({ ...CONFIGURATION, VpcConfig: { SubnetIds: subnets, SecurityGroupIds: ["sg-0a1b"] } });
        assert.equal(fingerprintOf(vpc(["subnet-a", "subnet-b"])), fingerprintOf(vpc(["subnet-b", "subnet-a"])));
    });

    it("keeps the environment's values out of the stored facts: only their hash", () => {
        const facts = functionFactsFrom({ ...CONFIGURATION, Environment: { Variables: { API_KEY: "s3cr3t-value" } } }, FUNCTION_ARN);
        assert.doesNotMatch(JSON.stringify(facts), /s3cr3t|API_KEY/);
    });

    it("keeps the order of layers: a later layer's files win", () => {
        const layerA = { Arn: "arn:aws:lambda:us-east-1:123456789012:layer:a:1" };
        const layerB = { Arn: "arn:aws:lambda:us-east-1:123456789012:layer:b:1" };
        assert.notEqual(
            fingerprintOf({ ...CONFIGURATION, Layers: [layerA, layerB] }),
            fingerprintOf({ ...CONFIGURATION, Layers: [layerB, layerA] }),
        );
    });

    it("refuses a configuration without a code hash, naming the function", () => {
        assert.throws(
            () => functionFactsFrom({ Runtime: "nodejs22.x" }, FUNCTION_ARN),
            (error: unknown) => error instanceof MissingCodeHashError && error.message.includes(FUNCTION_ARN),
        );
    });
});

describe("canonical JSON", () => {
    it("sorts keys at every depth, keeps array order and leaves undefined out", () => {
        assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: undefined, b: null } }), '{"a":{"b":null,"d":[3,1]},"b":1}');
    });
});
