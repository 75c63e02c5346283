import * as assert from "node:assert/strict";

import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import { classifyExecution } from "../../../../buildscripts/tuning-runner/core/execution";
import { functionFactsFrom, tuningFingerprint } from "../../../../buildscripts/tuning-runner/core/fingerprint";
import { tuningResultFromOutcome } from "../../../../buildscripts/tuning-runner/core/results";
import type { TuningResult } from "../../../../buildscripts/tuning-runner/core/resultsFile";
import {
    baselineFrom,
    parseProductionRecord,
    parseStoredResultEntry,
    productionRecord,
    productionRecordKey,
    reusedResult,
    reusedResults,
    storedResultEntry,
    storedResultKey,
} from "../../../../buildscripts/tuning-runner/core/tuningHistory";
import { parseS3Uri, s3Uri } from "../../../../buildscripts/tuning-runner/core/s3Location";
import type { PowerTuningInput } from "../../../../buildscripts/tuning-runner/core/tuningInput";
import { readFixtureText } from "../../../fixtures";

const FACTS = functionFactsFrom(
    {
        CodeSha256: "kVm4cNfkuTHKtCZjHa7r2WrQ8cOZBj7U6aRGm8XrQFk=",
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        MemorySize: 128,
        Timeout: 30,
    },
    "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest",
);
const INPUT: PowerTuningInput = { powerValues: [128, 256, 512, 1024], num: 50 };
const FINGERPRINT = tuningFingerprint(FACTS, INPUT);
const PULL_REQUEST = {
    repositoryName: "TargetLambdaFunctionRepository",
    pullRequestId: "5",
    sourceCommit: `0123456${"c".repeat(33)}`,
    destinationCommit: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
};
const PR_COPY = { name: "digest", arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest-pr-5-0123456" };
const LATER_COPY = { name: "digest", arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest-pr-7-def5678" };

function tunedResult(): TuningResult {
    return tuningResultFromOutcome(
        PR_COPY,
        classifyExecution({ status: "SUCCEEDED", output: readFixtureText("power-tuning/output-cost-x86-4-powers.json") }),
        {
            strategy: "cost",
            executionArn: "arn:aws:states:us-east-1:123456789012:execution:tuner:pr-5-0123456-digest-1a2b3c4d",
            startedAt: "2026-11-18T16:29:00.000Z",
            stoppedAt: "2026-11-18T16:29:40.000Z",
        },
    );
}

const storedEntry = () =>
    storedResultEntry(
        tunedResult(),
        { fingerprint: FINGERPRINT, facts: FACTS, input: INPUT },
        { pullRequest: PULL_REQUEST, recordedAt: "2026-11-18T16:30:00.000Z" },
    )!;

function assertInputError(run: () => unknown, pattern: RegExp): void {
    assert.throws(run, (error: unknown) => error instanceof InputError && pattern.test(error.message));
}

describe("tuning history location", () => {
    it("reads s3://bucket/prefix with or without a trailing slash, and an empty prefix", () => {
        assert.deepEqual(parseS3Uri("s3://power-tuned-artifacts-1a2b/tuning-history/", "--history"), {
            bucket: "power-tuned-artifacts-1a2b",
            prefix: "tuning-history",
        });
        assert.deepEqual(parseS3Uri("s3://artifacts/a/b", "--history"), { bucket: "artifacts", prefix: "a/b" });
        assert.deepEqual(parseS3Uri("s3://artifacts", "--history"), { bucket: "artifacts", prefix: "" });
    });

    it("lays results out by fingerprint and production records by function name", () => {
        const location = parseS3Uri("s3://artifacts/tuning-history/", "--history");
        assert.equal(storedResultKey(location, FINGERPRINT), `tuning-history/results/${FINGERPRINT}.json`);
        assert.equal(productionRecordKey(location, "digest"), "tuning-history/production/digest.json");
        assert.equal(storedResultKey({ bucket: "artifacts", prefix: "" }, FINGERPRINT), `results/${FINGERPRINT}.json`);
        assert.equal(s3Uri(location), "s3://artifacts/tuning-history/");
    });

    const invalid: Array<[string, RegExp]> = [
        ["https://artifacts.s3.amazonaws.com/tuning-history/", /not an s3:\/\/ URI/],
        ["artifacts/tuning-history", /not an s3:\/\/ URI/],
        ["s3://Artifacts/tuning-history", /"Artifacts" is not an S3 bucket name/],
        ["s3://ab/x", /"ab" is not an S3 bucket name/],
        ["s3:///tuning-history", /"" is not an S3 bucket name/],
        ["s3://artifacts/a//b", /empty, "\." or "\.\." segment/],
        ["s3://artifacts/../b", /empty, "\." or "\.\." segment/],
    ];
    for (const [value, reason] of invalid) {
        it(`refuses ${value}, naming the flag, the value and the form`, () => {
            const field = "--history (env TUNING_HISTORY_URI)";
            assert.throws(
                () => parseS3Uri(value, field),
                (error: unknown) =>
                    error instanceof InputError &&
                    error.message.startsWith(`${field} is ${JSON.stringify(value)} (`) &&
                    reason.test(error.message) &&
                    error.message.includes("; allowed: s3://<bucket>/<prefix>"),
            );
        });
    }
});

describe("stored results", () => {
    it("store the succeeded result with the function facts, the input, the PR's source commit and the time", () => {
        const entry = storedEntry();
        assert.equal(entry.version, 2);
        assert.equal(entry.fingerprint, FINGERPRINT);
        assert.deepEqual(entry.function, FACTS);
        assert.deepEqual(entry.input, INPUT);
        assert.equal(entry.commit, PULL_REQUEST.sourceCommit);
        assert.equal(entry.pullRequestId, "5");
        assert.equal(entry.recordedAt, "2026-11-18T16:30:00.000Z");
        assert.deepEqual(entry.result, { ...tunedResult(), fingerprint: FINGERPRINT });
    });

    it("leave out what belongs to one run (reuse, baseline, deltas), and are not made for failures or dry runs", () => {
        const compared: TuningResult = { ...tunedResult(), reused: { recordedAt: "x" }, baseline: { status: "none", reason: "r" } };
        const entry = storedResultEntry(
            compared,
            { fingerprint: FINGERPRINT, facts: FACTS, input: INPUT },
            { recordedAt: "2026-11-18T16:30:00.000Z", commit: "f".repeat(40) },
        )!;
        assert.equal(entry.result.reused, undefined);
        assert.equal(entry.result.baseline, undefined);
        assert.equal(entry.commit, "f".repeat(40));
        assert.equal(entry.pullRequestId, undefined);
        for (const status of ["failed", "timed-out", "aborted", "dry-run"] as const) {
            assert.equal(
                storedResultEntry(
                    { ...tunedResult(), status },
                    { fingerprint: FINGERPRINT, facts: FACTS, input: INPUT },
                    { recordedAt: "t" },
                ),
                undefined,
            );
        }
    });

    it("read back to the same entry", () => {
        const entry = storedEntry();
        assert.deepEqual(parseStoredResultEntry(JSON.stringify(entry), "results/x.json", FINGERPRINT), entry);
    });

    it("stops: a stored result whose function facts or input are not the ones its fingerprint stands for", () => {
        const entry = storedEntry();
        const otherEnvironment = { ...entry.function, environmentSha256: "0".repeat(64) };
        assertInputError(
            () => parseStoredResultEntry(JSON.stringify({ ...entry, function: otherEnvironment }), "k", FINGERPRINT),
            /"function" .*\(they hash to another fingerprint\)/,
        );
        assertInputError(
            () => parseStoredResultEntry(JSON.stringify({ ...entry, input: { ...INPUT, num: 5 } }), "k", FINGERPRINT),
            /they hash to another fingerprint/,
        );
    });

    it("are refused when they are not the entry for the key's fingerprint, not a success, or malformed", () => {
        const entry = storedEntry();
        assertInputError(
            () => parseStoredResultEntry(JSON.stringify(entry), "results/x.json", "9".repeat(64)),
            new RegExp(`^results/x\\.json: "fingerprint" is "${FINGERPRINT}".*allowed: 9{64} \\(the key's own\\)`),
        );
        assertInputError(
            () => parseStoredResultEntry(JSON.stringify({ ...entry, result: { ...entry.result, status: "failed" } }), "k", FINGERPRINT),
            /"result\.status" is "failed"; allowed: succeeded/,
        );
        assertInputError(
            () => parseStoredResultEntry(JSON.stringify({ ...entry, version: 1 }), "k", FINGERPRINT),
            /"version" is 1; allowed: 2/,
        );
        assertInputError(
            () => parseStoredResultEntry(JSON.stringify({ ...entry, result: { ...entry.result, power: "256" } }), "k", FINGERPRINT),
            /"result\.power" is "256"/,
        );
        assertInputError(() => parseStoredResultEntry("{", "k", FINGERPRINT), /^k: invalid JSON/);
    });

    it("become this run's result when reused: this run's name and ARN, marked with where they came from, without the old run's times and cost", () => {
        const reused = reusedResult(LATER_COPY, storedEntry());
        const { executionArn, startedAt: _s, stoppedAt: _t, stateMachineCostUsd: _c, lambdaCostUsd: _l, ...measured } = tunedResult();
        assert.deepEqual(reused, {
            ...measured,
            name: "digest",
            arn: LATER_COPY.arn,
            fingerprint: FINGERPRINT,
            reused: { commit: PULL_REQUEST.sourceCommit, pullRequestId: "5", recordedAt: "2026-11-18T16:30:00.000Z", executionArn },
        });
    });

    it("name the function they were measured on when another function with the same code uses them", () => {
        const thumbnail = { name: "thumbnail", arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-thumbnail-pr-7-def5678" };
        const borrowed = reusedResult(thumbnail, storedEntry());
        assert.deepEqual([borrowed.name, borrowed.arn, borrowed.reused?.functionName], ["thumbnail", thumbnail.arn, "digest"]);
    });
});

describe("reuse decision", () => {
    it("reuses every function that has a stored result and tunes the rest; --force tunes all", () => {
        const resize = { name: "resize", arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-resize-pr-7-def5678" };
        const decided = reusedResults([LATER_COPY, resize], [storedEntry(), undefined], false);
        assert.deepEqual(decided, [reusedResult(LATER_COPY, storedEntry()), undefined]);
        assert.deepEqual(reusedResults([LATER_COPY, resize], [storedEntry(), undefined], true), [undefined, undefined]);
    });
});

describe("production records and baselines", () => {
    const record = productionRecord(
        { name: "digest", arn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest" },
        { fingerprint: FINGERPRINT, facts: FACTS },
        {
            commit: `abc1234${"b".repeat(33)}`,
            recordedAt: "2026-11-19T08:00:00.000Z",
        },
    );

    it("record the fingerprint production runs, what it covers, the commit and the function", () => {
        assert.deepEqual(record, {
            version: 2,
            fingerprint: FINGERPRINT,
            function: FACTS,
            commit: `abc1234${"b".repeat(33)}`,
            recordedAt: "2026-11-19T08:00:00.000Z",
            functionArn: "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest",
        });
        assert.deepEqual(parseProductionRecord(JSON.stringify(record), "production/digest.json"), record);
        assertInputError(
            () => parseProductionRecord(JSON.stringify({ ...record, fingerprint: "abc" }), "production/digest.json"),
            /^production\/digest\.json: "fingerprint" is "abc"; allowed: 64 hexadecimal/,
        );
    });

    it("give the stored result for production's fingerprint as the baseline", () => {
        const baseline = baselineFrom("digest", record, storedEntry());
        assert.equal(baseline.status, "found");
        if (baseline.status !== "found") return;
        assert.equal(baseline.fingerprint, FINGERPRINT);
        assert.equal(baseline.productionCommit, record.commit);
        assert.deepEqual([baseline.power, baseline.cost, baseline.duration], [256, 0.0000016926000000000001, 402]);
        assert.equal(baseline.stats.length, 4);
        assert.deepEqual(baseline.tunedBy, {
            commit: PULL_REQUEST.sourceCommit,
            pullRequestId: "5",
            recordedAt: "2026-11-18T16:30:00.000Z",
            executionArn: tunedResult().executionArn,
        });
    });

    it("say why there is none: no record for the function (marked a new function), or production's fingerprint never tuned", () => {
        assert.deepEqual(baselineFrom("digest", undefined, undefined), {
            status: "none",
            reason: "production has no recorded fingerprint for `digest` (a new function, or `record` has not run after a deployment of main)",
            newFunction: true,
        });
        assert.deepEqual(baselineFrom("digest", record, undefined), {
            status: "none",
            reason: `production's code and input at main@abc1234 (fingerprint ${FINGERPRINT.slice(0, 12)}) were never tuned, so there is nothing to compare with`,
        });
    });

    it("stops: showing a result as production's from a record written before the fingerprint covered the whole configuration", () => {
        const { function: _facts, ...older } = record as Extract<typeof record, { version: 2 }>;
        const outdated = parseProductionRecord(JSON.stringify({ ...older, version: 1 }), "production/digest.json");
        const baseline = baselineFrom("digest", outdated, storedEntry());
        assert.equal(baseline.status, "none");
        assert.match((baseline as { reason: string }).reason, /^production's record was written by an older runner/);
        assert.equal((baseline as { newFunction?: true }).newFunction, undefined, "not a new function");
    });
});
