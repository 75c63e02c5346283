import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import { decideApproval, evaluatePolicy, parsePolicy, type PullRequestState } from "../../../../buildscripts/tuning-runner/core/policy";
import { resultFromStateMachineOutput } from "../../../../buildscripts/tuning-runner/core/results";
import type { BaselineDelta, TuningResult } from "../../../../buildscripts/tuning-runner/core/resultsFile";
import { loadFixture } from "../../../fixtures";
import { TERRAFORM_MODULE_DIR } from "../../../support/paths";

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
    it("accepts every rule and the new-function mode, each optional", () => {
        const policy = {
            maxCostIncreasePercent: 10,
            maxDurationIncreasePercent: 25.5,
            requireConfiguredMemoryWithinPercent: 0,
            maxCostPer1MUsd: 2.5,
            maxDurationMs: 800,
            failOnTuningError: true,
            newFunctions: "absolute-limits",
        };
        assert.deepEqual(parsePolicy(JSON.stringify(policy), FILE), policy);
        assert.deepEqual(parsePolicy("{}", FILE), {});
    });

    it("rejects an unknown key, naming it and the rules there are, so a typo never switches a rule off", () => {
        assertInputError(
            () => parsePolicy('{"maxCostIncreasePercnt": 10}', FILE),
            `${FILE}: "maxCostIncreasePercnt" is 10 (unknown rule; did you mean "maxCostIncreasePercent"?); allowed: only the rules maxCostIncreasePercent, maxDurationIncreasePercent, requireConfiguredMemoryWithinPercent, maxCostPer1MUsd, maxDurationMs, maxMonthlyCostIncreaseUsd, failOnTuningError, newFunctions`,
        );
    });

    it("rejects a negative, non-numeric or infinite percentage with the field, the value and what is allowed", () => {
        assertInputError(
            () => parsePolicy('{"maxDurationIncreasePercent": -5}', FILE),
            `${FILE}: "maxDurationIncreasePercent" is -5; allowed: a number ≥ 0`,
        );
        assertInputError(
            () => parsePolicy('{"maxCostIncreasePercent": "10%"}', FILE),
            `"maxCostIncreasePercent" is "10%"; allowed: a number ≥ 0`,
        );
        assertInputError(
            () => parsePolicy('{"requireConfiguredMemoryWithinPercent": 1e999}', FILE),
            `"requireConfiguredMemoryWithinPercent" is null; allowed: a number ≥ 0`,
        );
    });

    it("rejects an absolute limit that is not a positive number", () => {
        assertInputError(() => parsePolicy('{"maxCostPer1MUsd": 0}', FILE), `${FILE}: "maxCostPer1MUsd" is 0; allowed: a number > 0 (USD)`);
        assertInputError(
            () => parsePolicy('{"maxDurationMs": "1s"}', FILE),
            `${FILE}: "maxDurationMs" is "1s"; allowed: a number > 0 (milliseconds)`,
        );
    });

    it("rejects an unknown new-function mode, and absolute-limits without an absolute limit, which would let a new function pass unjudged", () => {
        assertInputError(
            () => parsePolicy('{"newFunctions": "pass"}', FILE),
            `${FILE}: "newFunctions" is "pass"; allowed: "needs-a-person" or "absolute-limits"`,
        );
        assertInputError(
            () => parsePolicy('{"newFunctions": "absolute-limits", "maxCostIncreasePercent": 10}', FILE),
            `${FILE}: "newFunctions" is "absolute-limits" (without an absolute limit a new function would pass unjudged); allowed: "absolute-limits" only together with maxCostPer1MUsd or maxDurationMs`,
        );
    });

    it("rejects a failOnTuningError that is not a boolean", () => {
        assertInputError(
            () => parsePolicy('{"failOnTuningError": "yes"}', FILE),
            `${FILE}: "failOnTuningError" is "yes"; allowed: true or false`,
        );
    });

    it("reports every problem at once, one per line", () => {
        assert.throws(
            () => parsePolicy('{"failOnTuningError": 1, "maxCostIncreasePercent": -1, "extra": true}', FILE),
            (error: Error) => error.message.split("\n").length === 3,
        );
    });

    it("seeded into the repository as terraform-lambda/power-tuning-policy.json, sets the baseline, configured-memory and tuning-error rules", () => {
        const seeded = readFileSync(join(TERRAFORM_MODULE_DIR, FILE), "utf8");
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
        assert.deepEqual(evaluatePolicy(undefined, [tuned({ status: "failed", stats: [] })]), {
            verdict: "no-policy",
            judgements: [],
            changedGateInputs: [],
            untrusted: [],
            violations: [],
            notEvaluated: [],
        });
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
            assert.deepEqual(
                { ...violation, value: undefined },
                { function: "digest", rule: "requireConfiguredMemoryWithinPercent", value: undefined, limit: 5 },
            );
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

        it("leaves it to a person, saying why, when the configured size was not measured or is unknown", () => {
            const evaluation = evaluatePolicy({ requireConfiguredMemoryWithinPercent: 0 }, [
                tuned({ configuredMemoryMB: 384 }),
                tuned({ name: "resize" }),
            ]);
            assert.equal(evaluation.verdict, "needs-a-person");
            assert.deepEqual(evaluation.notEvaluated, [
                {
                    function: "digest",
                    rule: "requireConfiguredMemoryWithinPercent",
                    reason: "the configured 384 MB was not measured; add it to powerValues in the tuning input",
                },
                { function: "resize", rule: "requireConfiguredMemoryWithinPercent", reason: "the configured memory size is unknown" },
            ]);
        });
    });

    describe("maxCostIncreasePercent and maxDurationIncreasePercent (against the baseline)", () => {
        it("fails on an increase above the limit and names function, rule, value and limit", () => {
            const evaluation = evaluatePolicy({ maxCostIncreasePercent: 10, maxDurationIncreasePercent: 20 }, [
                tuned(againstBaseline({ cost: 12.5, duration: 30 })),
            ]);
            assert.equal(evaluation.verdict, "fail");
            assert.deepEqual(evaluation.violations, [
                { function: "digest", rule: "maxCostIncreasePercent", value: 12.5, limit: 10 },
                { function: "digest", rule: "maxDurationIncreasePercent", value: 30, limit: 20 },
            ]);
            assert.deepEqual(evaluation.notEvaluated, []);
        });

        it("passes exactly at the limit and on any decrease", () => {
            const policy = { maxCostIncreasePercent: 10, maxDurationIncreasePercent: 0 };
            assert.equal(evaluatePolicy(policy, [tuned(againstBaseline({ cost: 10, duration: 0 }))]).verdict, "pass");
            assert.equal(evaluatePolicy(policy, [tuned(againstBaseline({ cost: -40, duration: -3 }))]).verdict, "pass");
            assert.equal(evaluatePolicy(policy, [tuned(againstBaseline({ cost: 10.001, duration: 0 }))]).verdict, "fail");
        });

        it("is not evaluated without a baseline, saying why, so a person decides", () => {
            const evaluation = evaluatePolicy({ maxCostIncreasePercent: 10 }, [
                tuned(),
                tuned({ name: "resize", baseline: { status: "none", reason: "production has not been recorded yet" } }),
            ]);
            assert.equal(evaluation.verdict, "needs-a-person");
            assert.deepEqual(evaluation.notEvaluated, [
                { function: "digest", rule: "maxCostIncreasePercent", reason: "no baseline: tune ran without --history" },
                { function: "resize", rule: "maxCostIncreasePercent", reason: "no baseline: production has not been recorded yet" },
            ]);
        });
    });

    describe("maxCostPer1MUsd and maxDurationMs (absolute, at the configured memory)", () => {
        // Fixture at 1024 MB: $2.048 per 1M invocations (request charge included); at 128 MB 1,000-odd ms.
        it("judges the figures at the memory the function will run with, not the recommended one", () => {
            const result = tuned({ configuredMemoryMB: 1024 });
            const evaluation = evaluatePolicy({ maxCostPer1MUsd: 2 }, [result]);
            assert.equal(evaluation.verdict, "fail");
            assert.equal(evaluation.violations[0].rule, "maxCostPer1MUsd");
            assert.ok(Math.abs((evaluation.violations[0].value as number) - 2.048) < 1e-9);
            assert.equal(evaluatePolicy({ maxCostPer1MUsd: 2.05 }, [result]).verdict, "pass");
            const stat = result.stats.find((candidate) => candidate.memoryMB === 1024)!;
            assert.equal(evaluatePolicy({ maxDurationMs: stat.averageDurationMs }, [result]).verdict, "pass");
            assert.equal(evaluatePolicy({ maxDurationMs: stat.averageDurationMs - 1 }, [result]).verdict, "fail");
        });

        it("cannot judge a configured size that was not measured: a person decides", () => {
            const evaluation = evaluatePolicy({ maxCostPer1MUsd: 100, maxDurationMs: 60_000 }, [tuned({ configuredMemoryMB: 10240 })]);
            assert.equal(evaluation.verdict, "needs-a-person");
            assert.deepEqual(
                evaluation.notEvaluated.map((unjudged) => unjudged.rule),
                ["maxCostPer1MUsd", "maxDurationMs"],
            );
        });
    });

    describe("maxMonthlyCostIncreaseUsd (this pull request's memory at production's traffic, against production now)", () => {
        // Production: 1.2M invocations of 800 ms at 128 MB = $2.0000 a month (x86, us-east-1 price);
        // the configured 512 MB measured 202.38 ms: 1.2M × 0.20238 s × 0.5 GB × $0.0000166667 = $2.0238, +$0.0238.
        const atTraffic = (fields: Partial<TuningResult> = {}) =>
            tuned({
                arn: "arn:aws:lambda:us-east-1:123456789012:function:pr-7-digest",
                configuredMemoryMB: 512,
                productionTraffic: {
                    status: "measured",
                    functionName: "digest",
                    invocations: 1_200_000,
                    averageDurationMs: 800,
                    memoryMB: 128,
                },
                ...fields,
            });

        it("fails above the limit, naming the increase in USD a month, and passes at or below it", () => {
            const evaluation = evaluatePolicy({ maxMonthlyCostIncreaseUsd: 0.02 }, [atTraffic()]);
            assert.equal(evaluation.verdict, "fail");
            assert.equal(evaluation.violations[0].rule, "maxMonthlyCostIncreaseUsd");
            assert.ok(Math.abs((evaluation.violations[0].value as number) - 0.0238) < 1e-4, String(evaluation.violations[0].value));
            assert.equal(evaluatePolicy({ maxMonthlyCostIncreaseUsd: 0.03 }, [atTraffic()]).verdict, "pass");
            const atOneGb = {
                status: "measured" as const,
                functionName: "digest",
                invocations: 1_200_000,
                averageDurationMs: 110,
                memoryMB: 1024,
            };
            assert.equal(
                evaluatePolicy({ maxMonthlyCostIncreaseUsd: 0 }, [atTraffic({ productionTraffic: atOneGb })]).verdict,
                "pass",
                "512 MB costs less than production's 1,024 MB",
            );
        });

        it("is not evaluated when production's traffic is unknown, saying why, so a person decides", () => {
            const cases: Array<[Partial<TuningResult>, RegExp]> = [
                [{ productionTraffic: undefined }, /tune ran without --history/],
                [{ productionTraffic: { status: "none", reason: "no production traffic yet" } }, /no production traffic yet/],
                [
                    {
                        productionTraffic: {
                            status: "unknown",
                            reason: "production's metrics for `digest` could not be read (AccessDenied: no)",
                        },
                    },
                    /AccessDenied/,
                ],
                [
                    { productionTraffic: { status: "measured", functionName: "digest", invocations: 10, averageDurationMs: 5 } },
                    /production's memory size was not recorded/,
                ],
                [{ configuredMemoryMB: 384 }, /the configured 384 MB was not measured/],
            ];
            for (const [fields, reason] of cases) {
                const evaluation = evaluatePolicy({ maxMonthlyCostIncreaseUsd: 100 }, [atTraffic(fields)]);
                assert.equal(evaluation.verdict, "needs-a-person", JSON.stringify(fields));
                assert.match(evaluation.notEvaluated[0].reason, reason);
            }
        });

        it("is validated like the other limits: a number of USD, 0 or more", () => {
            assert.deepEqual(parsePolicy('{"maxMonthlyCostIncreaseUsd": 0}', FILE), { maxMonthlyCostIncreaseUsd: 0 });
            assertInputError(
                () => parsePolicy('{"maxMonthlyCostIncreaseUsd": -1}', FILE),
                `${FILE}: "maxMonthlyCostIncreaseUsd" is -1; allowed: a number ≥ 0 (USD a month; 0 allows no increase at all)`,
            );
            assertInputError(
                () => parsePolicy('{"maxMonthlyCostIncreaseUsd": "$5"}', FILE),
                `"maxMonthlyCostIncreaseUsd" is "$5"; allowed: a number ≥ 0 (USD a month`,
            );
        });
    });

    describe("verdict: pass only when every enabled rule was evaluated and passed for every function", () => {
        const NEW = {
            baseline: {
                status: "none" as const,
                reason: "production has no recorded fingerprint for `report`",
                newFunction: true as const,
            },
        };

        it("a new function at 10,240 MB with no baseline is not approved", () => {
            const seeded = {
                maxCostIncreasePercent: 10,
                maxDurationIncreasePercent: 20,
                requireConfiguredMemoryWithinPercent: 10,
                failOnTuningError: true,
            };
            const evaluation = evaluatePolicy(seeded, [tuned({ name: "report", configuredMemoryMB: 10240, ...NEW })]);
            assert.equal(evaluation.verdict, "needs-a-person");
            assert.deepEqual(
                evaluation.judgements.map(({ rule, outcome }) => `${rule}: ${outcome}`),
                [
                    "maxCostIncreasePercent: not-evaluated",
                    "maxDurationIncreasePercent: not-evaluated",
                    "requireConfiguredMemoryWithinPercent: not-evaluated",
                    "failOnTuningError: passed",
                ],
            );
            assert.match(evaluation.notEvaluated[0].reason, /^new function: no baseline — a person decides/);
            assert.equal(
                decideApproval(evaluation.verdict, { revisionId: "rev-1", sourceCommit: "c", status: "OPEN" }, "c").action,
                "REVOKE",
            );
        });

        it("records every rule per function as passed, broken or not evaluated; a broken rule outweighs an unjudged one", () => {
            const evaluation = evaluatePolicy({ maxCostIncreasePercent: 10, requireConfiguredMemoryWithinPercent: 5 }, [
                tuned({ configuredMemoryMB: 1024, ...NEW }),
            ]);
            assert.equal(evaluation.verdict, "fail");
            assert.deepEqual(
                evaluation.judgements.map(({ rule, outcome }) => `${rule}: ${outcome}`),
                ["maxCostIncreasePercent: not-evaluated", "requireConfiguredMemoryWithinPercent: broken"],
            );
        });

        it("with newFunctions absolute-limits judges a new function on the absolute limits alone, and a known one on all rules", () => {
            const policy = { maxCostIncreasePercent: 10, maxCostPer1MUsd: 2.05, newFunctions: "absolute-limits" as const };
            const fresh = evaluatePolicy(policy, [tuned({ configuredMemoryMB: 1024, ...NEW })]);
            assert.equal(fresh.verdict, "pass");
            assert.deepEqual(
                fresh.judgements.map(({ rule, outcome }) => `${rule}: ${outcome}`),
                ["maxCostPer1MUsd: passed"],
            );
            const renamedAway = evaluatePolicy(policy, [
                tuned({ configuredMemoryMB: 1024, baseline: { status: "none", reason: "production's stored result could not be read" } }),
            ]);
            assert.equal(renamedAway.verdict, "needs-a-person", "only a function production has no record of counts as new");
        });
    });

    describe("failOnTuningError", () => {
        const failed = tuned({ status: "timed-out", power: undefined, cost: undefined, duration: undefined, stats: [] });

        it("fails the gate for a tuning that failed, timed out or was aborted", () => {
            assert.deepEqual(evaluatePolicy({ failOnTuningError: true }, [tuned(), failed]).violations, [
                { function: "digest", rule: "failOnTuningError", value: "timed-out", limit: "succeeded" },
            ]);
        });

        it("when false or left out, leaves the rules that had nothing to measure to a person, saying so", () => {
            assert.equal(evaluatePolicy({ failOnTuningError: false }, [failed]).verdict, "pass");
            const evaluation = evaluatePolicy({ requireConfiguredMemoryWithinPercent: 10 }, [failed]);
            assert.equal(evaluation.verdict, "needs-a-person");
            assert.deepEqual(evaluation.notEvaluated, [
                { function: "digest", rule: "requireConfiguredMemoryWithinPercent", reason: "no measurement: the tuning timed-out" },
            ]);
        });

        it("does not count a dry run as an error", () => {
            assert.equal(evaluatePolicy({ failOnTuningError: true }, [tuned({ status: "dry-run", stats: [] })]).verdict, "pass");
        });
    });
});

describe("approval decision", () => {
    const BUILD_COMMIT = "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080";
    const current: PullRequestState = { revisionId: "rev-2", sourceCommit: BUILD_COMMIT, status: "OPEN" };

    it("approves the current revision when the gate passed and revokes when it failed or a person must decide", () => {
        assert.deepEqual(decideApproval("pass", current, BUILD_COMMIT), { action: "APPROVE", revisionId: "rev-2" });
        assert.deepEqual(decideApproval("fail", current, BUILD_COMMIT), { action: "REVOKE", revisionId: "rev-2" });
        assert.deepEqual(decideApproval("needs-a-person", current, BUILD_COMMIT), { action: "REVOKE", revisionId: "rev-2" });
    });

    it("does nothing for a stale build: the pull request moved to another commit", () => {
        const moved = { ...current, sourceCommit: "8e1f0c2d3b4a59687766554433221100ffeeddcc" };
        for (const verdict of ["pass", "fail"] as const) {
            const decision = decideApproval(verdict, moved, BUILD_COMMIT);
            assert.equal(decision.action, "none");
            assert.match(
                (decision as { reason: string }).reason,
                /^stale build: the pull request moved on to 8e1f0c2, whose build decides; this build tuned 3f2a9c1$/,
            );
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
