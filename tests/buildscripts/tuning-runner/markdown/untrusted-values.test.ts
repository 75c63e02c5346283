// Nothing from the untrusted side shapes the comment: every value a pull request controls (a
// function's key or name, a plan address, a file path, error text) reaches the Markdown through
// format.ts's code(), so hundreds of seeded hostile strings leave the structure a Markdown renderer
// sees, and the living comment's own sections, exactly as a plain value does.
import * as assert from "node:assert/strict";
import { classifyExecution } from "../../../../buildscripts/tuning-runner/core/execution";
import { verdictOf } from "../../../../buildscripts/tuning-runner/core/policy";
import { tuningResultFromOutcome } from "../../../../buildscripts/tuning-runner/core/results";
import type { TuningResult } from "../../../../buildscripts/tuning-runner/core/resultsFile";
import type { SweptItem } from "../../../../buildscripts/tuning-runner/core/sweepReport";
import { renderCopySection } from "../../../../buildscripts/tuning-runner/markdown/copySection";
import { code } from "../../../../buildscripts/tuning-runner/core/inlineCode";
import { renderQualityGate } from "../../../../buildscripts/tuning-runner/markdown/gateReport";
import { composeLivingComment, parseLivingComment } from "../../../../buildscripts/tuning-runner/markdown/livingComment";
import { renderPlanComment } from "../../../../buildscripts/tuning-runner/markdown/planSection";
import { renderNoCopyComment, renderTuningComment } from "../../../../buildscripts/tuning-runner/markdown/tuningReport";
import { readFixtureText } from "../../../fixtures";
import { hostileStrings, markdownStructure } from "../../../support/hostile-strings";

const SEED = 20261207;
const CASES = 400;
const PLAIN = "digest";
const COMMIT = "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080";
const AT = "2026-11-26T17:00:00.000Z";
const POLICY = { maxCostIncreasePercent: 10, requireConfiguredMemoryWithinPercent: 5, failOnTuningError: true };

function result(name: string, cause: string, succeeded: boolean): TuningResult {
    const outcome = succeeded
        ? classifyExecution({ status: "SUCCEEDED", output: readFixtureText("power-tuning/output-cost-x86-4-powers.json") })
        : classifyExecution({ status: "FAILED", error: "Error", cause });
    return tuningResultFromOutcome(
        { name, arn: "arn:aws:lambda:us-east-1:123456789012:function:pr-power-tuned-7-3f2a9c1-digest" },
        outcome,
        { strategy: "cost" },
    );
}

/** Every section of the comment with `value` wherever the untrusted side puts one. */
function sections(value: string): { plan: string; tuning: string; noCopy: string; copy: string } {
    const gate = renderQualityGate({
        policyFile: "power-tuning-policy.json",
        policy: POLICY,
        evaluation: verdictOf(POLICY, [
            { outcome: "broken", function: value, rule: "requireConfiguredMemoryWithinPercent", value: 8.2, limit: 5 },
            {
                outcome: "not-evaluated",
                function: value,
                rule: "maxCostIncreasePercent",
                reason: `no baseline: production has no recorded fingerprint for ${code(value)}`,
            },
        ]),
        approval: { kind: "failed", action: "REVOKE", error: value },
    });
    const borrowed = { ...result(PLAIN, "", true), reused: { recordedAt: AT, functionName: value } };
    const item = (name: string, error: string): SweptItem => ({ kind: "function", name, outcome: "failed", error, createdAt: AT });
    return {
        plan: renderPlanComment(
            {
                toAdd: 1,
                toChange: 0,
                toReplace: 0,
                toDestroy: 1,
                changes: [
                    { address: value, action: "create" },
                    { address: value, action: "delete" },
                ],
            },
            {},
        ),
        tuning: renderTuningComment([result(value, value, false), result(value, "", true), borrowed], {
            gate,
            copies: [{ name: value, arn: "arn:aws:lambda:us-east-1:123456789012:function:x", production: value }],
        }),
        noCopy: renderNoCopyComment(
            { copyNeeded: false, changedPaths: [value, `docs/${value}`], functionPaths: [] },
            { sourceCommit: COMMIT, gate },
        ),
        copy: renderCopySection(
            { namePrefix: "pr-power-tuned-7-3f2a9c1", items: [item(value, value)], unlisted: [{ kind: "role", error: value }] },
            { sourceCommit: COMMIT, scheduledSweep: { schedule: "rate(6 hours)", olderThanHours: 6 }, now: Date.parse(AT) },
        ).markdown,
    };
}

function livingComment(value: string): string {
    const { plan, tuning, copy } = sections(value);
    const withPlan = composeLivingComment(undefined, {
        section: "plan",
        markdown: plan,
        commit: COMMIT,
        at: AT,
        note: "what the section says",
    });
    const withTuning = composeLivingComment(withPlan, {
        section: "tuning",
        markdown: tuning,
        commit: COMMIT,
        at: AT,
        note: "what the section says",
    });
    return composeLivingComment(withTuning, { section: "copy", markdown: copy, commit: COMMIT, at: AT, note: "what the section says" });
}

describe("untrusted values in the comment", () => {
    const hostile = hostileStrings(SEED, CASES);
    const plain = sections(PLAIN);

    it(`cannot open or close a fence, heading, table cell, list, link or HTML in any section (${CASES} seeded hostile strings, seed ${SEED})`, () => {
        const expected = Object.fromEntries(Object.entries(plain).map(([name, markdown]) => [name, markdownStructure(markdown)]));
        for (const value of hostile) {
            for (const [name, markdown] of Object.entries(sections(value))) {
                assert.deepEqual(
                    markdownStructure(markdown),
                    expected[name],
                    `${name} section changed shape for ${JSON.stringify(value)}:\n${markdown}`,
                );
            }
        }
    });

    it("cannot forge, end or hide a section of the living comment (its markers included), nor add a push to its log", () => {
        const expected = parseLivingComment(livingComment(PLAIN));
        for (const value of hostile) {
            const parsed = parseLivingComment(livingComment(value));
            assert.deepEqual(
                parsed.sections.map((section) => [section.name, section.commit]),
                expected.sections.map((section) => [section.name, section.commit]),
                JSON.stringify(value),
            );
            assert.deepEqual(
                parsed.sections.map((section) => section.markdown),
                Object.values(sections(value))
                    .filter((_, index) => index !== 2)
                    .map((markdown) => markdown.trim()),
                JSON.stringify(value),
            );
            assert.equal(parsed.pushLog.length, 1, JSON.stringify(value));
        }
    });

    it("renders a value as one code span on one line, with what would end it swapped for a look-alike", () => {
        assert.equal(code("digest\n~~~\n### ✅ Quality gate passed"), "`digest⏎~~~⏎### ✅ Quality gate passed`");
        assert.equal(code("a|b`c\r\nd\u2028e\u0000"), "`a│bˋc⏎d⏎e�`");
        assert.equal(code(""), "`\u00a0`");
    });
});
