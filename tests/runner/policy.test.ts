import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { InputError } from "../../buildscripts/tuning-runner/core/errors";
import { decideApproval, evaluatePolicy, parsePolicy, type PullRequestState } from "../../buildscripts/tuning-runner/core/policy";
import { resultFromStateMachineOutput } from "../../buildscripts/tuning-runner/core/results";
import type { BaselineDelta, TuningResult } from "../../buildscripts/tuning-runner/core/resultsFile";
import { loadFixture } from "../fixtures";

const FILE = "power-tuning-policy.json";

/** The x86 fixture: 128 / 256 / 512 / 1024 MB measured, 256 MB recommended (cost strategy). */
function tuned(fields: Partial<TuningResult> = {}): TuningResult {
    return { ...resultFromStateMachineOutput(loadFixture("power-tuning/output-cost-x86-4-powers.json"), "digest"), ...fields };
}

/** A result whose cost per 1M is 1.00 USD at 256 MB and `configuredPer1M` USD at 128 MB (request charge included). */
function withCostsPerMillion(configuredPer1M: number): TuningResult {
    const perInvocation = (per1M: number) => per1M / 1e6 - 2e-7;
    return tuned({
        power: 256,
        configuredMemoryMB: 128,
        stats: [
            { memoryMB: 128, averageDurationMs: 10, averageCostUsd: perInvocation(configuredPer1M) },
            { memoryMB: 256, averageDurationMs: 5, averageCostUsd: perInvocation(1) },
        ],
    });
}

function againstBaseline(percent: { cost?: number; duration?: number }): Partial<TuningResult> {
    const figure = (value: number | undefined) => ({ baseline: 100, current: 100 + (value ?? 0), absolute: value ?? 0, percent: value });
    const delta: BaselineDelta = {
        memoryMB: { baseline: 256, current: 256, absolute: 0, percent: 0 },
        costPerMillionUsd: figure(percent.cost),
        durationMs: figure(percent.duration),
        comparisonUrl: "https://lambda-power-tuning.show/#compare",
    };
    const baseline = {
        status: "found" as const,
        fingerprint: "f".repeat(64),
        productionRecordedAt: "2026-04-01T10:00:00.000Z",
        tunedBy: { recordedAt: "2026-04-01T09:00:00.000Z" },
        strategy: "cost" as const,
        power: 256,
        cost: 1.6926e-6,
        duration: 402,
        stats: [],
    };
    return { baseline, delta };
}

function assertInputError(run: () => unknown, ...fragments: string[]): void {
    assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
        for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
        return true;
    });
}

describe("quality gate policy file", () => {
    it("accepts the four rules, each optional", () => {
        const policy = { maxCostIncreasePercent: 10, maxDurationIncreasePercent: 25.5, requireConfiguredMemoryWithinPercent: 0, failOnTuningError: true };
        assert.deepEqual(parsePolicy(JSON.stringify(policy), FILE), policy);
        assert.deepEqual(parsePolicy("{}", FILE), {});
    });

    it("rejects an unknown key, naming it and the rules there are, so a typo never switches a rule off", () => {
        assertInputError(
            () => parsePolicy('{"maxCostIncreasePercnt": 10}', FILE),
            `${FILE}: "maxCostIncreasePercnt" is 10 (unknown rule; did you mean "maxCostIncreasePercent"?); allowed: only the rules maxCostIncreasePercent, maxDurationIncreasePercent, requireConfiguredMemoryWithinPercent, failOnTuningError`,
        );
    });

    it("rejects a negative, non-numeric or infinite percentage with the field, the value and what is allowed", () => {
        assertInputError(() => parsePolicy('{"maxDurationIncreasePercent": -5}', FILE), `${FILE}: "maxDurationIncreasePercent" is -5; allowed: a number ≥ 0`);
        assertInputError(() => parsePolicy('{"maxCostIncreasePercent": "10%"}', FILE), `"maxCostIncreasePercent" is "10%"; allowed: a number ≥ 0`);
        assertInputError(() => parsePolicy('{"requireConfiguredMemoryWithinPercent": 1e999}', FILE), `"requireConfiguredMemoryWithinPercent" is null; allowed: a number ≥ 0`);
    });

    it("rejects a failOnTuningError that is not a boolean", () => {
        assertInputError(() => parsePolicy('{"failOnTuningError": "yes"}', FILE), `${FILE}: "failOnTuningError" is "yes"; allowed: true or false`);
    });

    it("reports every problem at once, one per line", () => {
        assert.throws(
            () => parsePolicy('{"failOnTuningError": 1, "maxCostIncreasePercent": -1, "extra": true}', FILE),
            (error: Error) => error.message.split("\n").length === 3,
        );
    });

    it("seeded into the repository as terraform-lambda/power-tuning-policy.json, sets every rule", () => {
        const seeded = readFileSync(join(__dirname, "..", "..", "terraform-lambda", FILE), "utf8");
        assert.deepEqual(parsePolicy(seeded, FILE), {
            maxCostIncreasePercent: 10,
            maxDurationIncreasePercent: 20,
            requireConfiguredMemoryWithinPercent: 10,
            failOnTuningError: true,
        });
    });

    it("reports invalid JSON with line and column, and a non-object file", () => {
        assertInputError(() => parsePolicy('{\n  "failOnTuningError": tru\n}', FILE), `${FILE}: invalid JSON at line 2`);
        assertInputError(() => parsePolicy("[10]", FILE), `${FILE}: the file is [10]; allowed: a JSON object`);
    });
});

describe("quality gate evaluation", () => {
    it("is off without a policy: verdict no-policy, nothing evaluated", () => {
        assert.deepEqual(evaluatePolicy(undefined, [tuned({ status: "failed", stats: [] })]), { verdict: "no-policy", violations: [], notEvaluated: [] });
    });

    it("passes a policy without rules", () => {
        assert.equal(evaluatePolicy({}, [tuned()]).verdict, "pass");
    });

    describe("requireConfiguredMemoryWithinPercent (cost per 1M at the configured against the recommended memory)", () => {
        it("measures the excess from the stats, request charge included", () => {
            // Fixture: 1024 MB costs (1.848e-6 + 2e-7) × 1M = $2.048, 256 MB $1.8926 per 1M: 8.21 % more.
            const result = tuned({ configuredMemoryMB: 1024 });
            const evaluation = evaluatePolicy({ requireConfiguredMemoryWithinPercent: 5 }, [result]);
            assert.equal(evaluation.verdict, "fail");
            assert.equal(evaluation.violations.length, 1);
            const [violation] = evaluation.violations;
            assert.deepEqual({ ...violation, value: undefined }, { function: "digest", rule: "requireConfiguredMemoryWithinPercent", value: undefined, limit: 5 });
            assert.ok(Math.abs((violation.value as number) - ((2.048 - 1.8926) / 1.8926) * 100) < 1e-9);
            assert.equal(evaluatePolicy({ requireConfiguredMemoryWithinPercent: 8.3 }, [result]).verdict, "pass");
        });

        it("passes a value exactly at the limit, although 1.1 / 1.0 is 10.000000000000009 % in floating point", () => {
            assert.equal(evaluatePolicy({ requireConfiguredMemoryWithinPercent: 10 }, [withCostsPerMillion(1.1)]).verdict, "pass");
            assert.equal(evaluatePolicy({ requireConfiguredMemoryWithinPercent: 9.99 }, [withCostsPerMillion(1.1)]).verdict, "fail");
        });

        it("passes when the configured memory is the recommended one, even with a limit of 0", () => {
            assert.equal(evaluatePolicy({ requireConfiguredMemoryWithinPercent: 0 }, [tuned({ configuredMemoryMB: 256 })]).verdict, "pass");
        });

        it("states why it was not evaluated when the configured size was not measured or is unknown", () => {
            const evaluation = evaluatePolicy({ requireConfiguredMemoryWithinPercent: 0 }, [tuned({ configuredMemoryMB: 384 }), tuned({ name: "resize" })]);
            assert.equal(evaluation.verdict, "pass");
            assert.deepEqual(evaluation.notEvaluated, [
                { function: "digest", rule: "requireConfiguredMemoryWithinPercent", reason: "the configured 384 MB was not measured; add it to powerValues in the tuning input" },
                { function: "resize", rule: "requireConfiguredMemoryWithinPercent", reason: "the configured memory size is unknown" },
            ]);
        });
    });

    describe("maxCostIncreasePercent and maxDurationIncreasePercent (against the baseline)", () => {
        it("fails on an increase above the limit and names function, rule, value and limit", () => {
            const evaluation = evaluatePolicy({ maxCostIncreasePercent: 10, maxDurationIncreasePercent: 20 }, [tuned(againstBaseline({ cost: 12.5, duration: 30 }))]);
            assert.deepEqual(evaluation, {
                verdict: "fail",
                violations: [
                    { function: "digest", rule: "maxCostIncreasePercent", value: 12.5, limit: 10 },
                    { function: "digest", rule: "maxDurationIncreasePercent", value: 30, limit: 20 },
                ],
                notEvaluated: [],
            });
        });

        it("passes exactly at the limit and on any decrease", () => {
            const policy = { maxCostIncreasePercent: 10, maxDurationIncreasePercent: 0 };
            assert.equal(evaluatePolicy(policy, [tuned(againstBaseline({ cost: 10, duration: 0 }))]).verdict, "pass");
            assert.equal(evaluatePolicy(policy, [tuned(againstBaseline({ cost: -40, duration: -3 }))]).verdict, "pass");
            assert.equal(evaluatePolicy(policy, [tuned(againstBaseline({ cost: 10.001, duration: 0 }))]).verdict, "fail");
        });

        it("is not evaluated without a baseline, saying why", () => {
            const evaluation = evaluatePolicy({ maxCostIncreasePercent: 10 }, [tuned(), tuned({ name: "resize", baseline: { status: "none", reason: "production has not been recorded yet" } })]);
            assert.equal(evaluation.verdict, "pass");
            assert.deepEqual(evaluation.notEvaluated, [
                { function: "digest", rule: "maxCostIncreasePercent", reason: "no baseline: tune ran without --history" },
                { function: "resize", rule: "maxCostIncreasePercent", reason: "no baseline: production has not been recorded yet" },
            ]);
        });
    });

    describe("failOnTuningError", () => {
        const failed = tuned({ status: "timed-out", power: undefined, cost: undefined, duration: undefined, stats: [] });

        it("fails the gate for a tuning that failed, timed out or was aborted", () => {
            assert.deepEqual(evaluatePolicy({ failOnTuningError: true }, [tuned(), failed]).violations, [
                { function: "digest", rule: "failOnTuningError", value: "timed-out", limit: "succeeded" },
            ]);
        });

        it("lets it pass when false or left out, stating that the other rules had nothing to measure", () => {
            assert.equal(evaluatePolicy({ failOnTuningError: false }, [failed]).verdict, "pass");
            assert.deepEqual(evaluatePolicy({ requireConfiguredMemoryWithinPercent: 10 }, [failed]), {
                verdict: "pass",
                violations: [],
                notEvaluated: [{ function: "digest", rule: "requireConfiguredMemoryWithinPercent", reason: "no measurement: the tuning timed-out" }],
            });
        });

        it("does not count a dry run as an error", () => {
            assert.equal(evaluatePolicy({ failOnTuningError: true }, [tuned({ status: "dry-run", stats: [] })]).verdict, "pass");
        });
    });
});

describe("approval decision", () => {
    const BUILD_COMMIT = "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080";
    const current: PullRequestState = { revisionId: "rev-2", sourceCommit: BUILD_COMMIT, status: "OPEN" };

    it("approves the current revision when the gate passed and revokes when it failed", () => {
        assert.deepEqual(decideApproval("pass", current, BUILD_COMMIT), { action: "APPROVE", revisionId: "rev-2" });
        assert.deepEqual(decideApproval("fail", current, BUILD_COMMIT), { action: "REVOKE", revisionId: "rev-2" });
    });

    it("does nothing for a stale build: the pull request moved to another commit", () => {
        const moved = { ...current, sourceCommit: "8e1f0c2d3b4a59687766554433221100ffeeddcc" };
        for (const verdict of ["pass", "fail"] as const) {
            const decision = decideApproval(verdict, moved, BUILD_COMMIT);
            assert.equal(decision.action, "none");
            assert.match((decision as { reason: string }).reason, /^stale build: the pull request moved on to 8e1f0c2, whose build decides; this build tuned 3f2a9c1$/);
        }
    });

    it("does nothing without a policy, saying the gate is off", () => {
        assert.deepEqual(decideApproval("no-policy", current, BUILD_COMMIT), {
            action: "none",
            reason: "no power-tuning-policy.json: the quality gate is off, so this build does not approve the pull request",
        });
    });

    it("does nothing on a closed pull request", () => {
        assert.equal(decideApproval("pass", { ...current, status: "CLOSED" }, BUILD_COMMIT).action, "none");
    });
});
