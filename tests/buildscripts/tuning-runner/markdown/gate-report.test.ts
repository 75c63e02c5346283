import * as assert from "node:assert/strict";

import { verdictOf } from "../../../../buildscripts/tuning-runner/core/policy";
import type { TuningResult } from "../../../../buildscripts/tuning-runner/core/resultsFile";
import type { MemorySuggestion } from "../../../../buildscripts/tuning-runner/core/terraformMemory";
import {
    gatePushNote,
    type QualityGateReport,
    renderMemorySuggestions,
    renderQualityGate,
    tuningPushNote,
} from "../../../../buildscripts/tuning-runner/markdown/gateReport";

const POLICY = { maxCostIncreasePercent: 10, requireConfiguredMemoryWithinPercent: 5, failOnTuningError: true };
const PASSED = verdictOf(POLICY, [{ outcome: "passed", function: "digest", rule: "maxCostIncreasePercent" }]);
const FAILED = verdictOf(POLICY, [
    { outcome: "broken", function: "digest", rule: "requireConfiguredMemoryWithinPercent", value: 8.2109, limit: 5 },
    { outcome: "broken", function: "resize", rule: "failOnTuningError", value: "timed-out", limit: "succeeded" },
    {
        outcome: "not-evaluated",
        function: "digest",
        rule: "maxCostIncreasePercent",
        reason: "no baseline: production has not been recorded yet",
    },
    { outcome: "not-evaluated", function: "resize", rule: "maxCostIncreasePercent", reason: "no measurement: the tuning timed-out" },
    {
        outcome: "not-evaluated",
        function: "resize",
        rule: "requireConfiguredMemoryWithinPercent",
        reason: "no measurement: the tuning timed-out",
    },
]);
const GATE_OFF = verdictOf(undefined, []);

function gate(fields: Partial<QualityGateReport>): string {
    return renderQualityGate({ policyFile: "power-tuning-policy.json", policy: POLICY, evaluation: PASSED, ...fields }).join("\n");
}

describe("quality gate in the comment", () => {
    it("states a pass, the rules it applied and the approval", () => {
        const markdown = gate({ approval: { kind: "approved" } });
        assert.ok(markdown.startsWith("### ✅ Quality gate passed\n"));
        assert.ok(
            markdown.includes(
                "Rules from `power-tuning-policy.json`: cost per 1M invocations at most +10 % over the baseline · the configured memory at most 5 % dearer than the recommended · a failed tuning fails the gate.",
            ),
        );
        assert.ok(markdown.endsWith("The build approved this revision of the pull request."));
    });

    it("lists each violation with its rule, value and limit, and the revoked approval", () => {
        const lines = gate({ evaluation: FAILED, approval: { kind: "revoked" } }).split("\n");
        assert.equal(lines[0], "### ❌ Quality gate failed: 2 violations");
        assert.ok(
            lines.includes(
                "| `digest` | cost at the configured memory above the recommended (`requireConfiguredMemoryWithinPercent`) | +8.21 % | 5 % |",
            ),
        );
        assert.ok(lines.includes("| `resize` | tuning error (`failOnTuningError`) | timed-out | succeeded |"));
        assert.ok(lines.some((line) => line.startsWith("The build revoked its approval of this revision")));
    });

    it("says which rules it could not check for which function and why, one line per reason", () => {
        const lines = gate({ evaluation: FAILED }).split("\n");
        const notEvaluated = lines.slice(lines.indexOf("Not evaluated:") + 1);
        assert.deepEqual(notEvaluated, [
            "- `digest`: `maxCostIncreasePercent`: no baseline: production has not been recorded yet",
            "- `resize`: `maxCostIncreasePercent`, `requireConfiguredMemoryWithinPercent`: no measurement: the tuning timed-out",
        ]);
    });

    it("when a rule could not be judged, says a person decides and, per function, which rule and why; the build does not approve", () => {
        const unjudged = verdictOf(POLICY, [
            { outcome: "passed", function: "digest", rule: "failOnTuningError" },
            {
                outcome: "not-evaluated",
                function: "report",
                rule: "maxCostIncreasePercent",
                reason: "new function: no baseline — a person decides",
            },
        ]);
        const lines = gate({ evaluation: unjudged, approval: { kind: "revoked" } }).split("\n");
        assert.equal(lines[0], "### ✋ Quality gate: a person decides (1 rule not judged)");
        assert.ok(lines.includes("- `report`: `maxCostIncreasePercent`: new function: no baseline — a person decides"), lines.join("\n"));
        assert.equal(
            lines[lines.length - 1],
            "The build does not approve this revision (any approval of its own is revoked): a person must approve it.",
        );
        assert.equal(
            gatePushNote({ policyFile: "power-tuning-policy.json", policy: POLICY, evaluation: unjudged, approval: { kind: "revoked" } }),
            "✋ a person decides (1 rule not judged), not approved",
        );
    });

    it("shows absolute limits in their units", () => {
        const broken = verdictOf({ maxCostPer1MUsd: 2, maxDurationMs: 500 }, [
            { outcome: "broken", function: "digest", rule: "maxCostPer1MUsd", value: 2.048, limit: 2 },
            { outcome: "broken", function: "digest", rule: "maxDurationMs", value: 821.4, limit: 500 },
        ]);
        const markdown = gate({ policy: { maxCostPer1MUsd: 2, maxDurationMs: 500 }, evaluation: broken });
        assert.match(
            markdown,
            /\| `digest` \| cost per 1M invocations at the configured memory \(`maxCostPer1MUsd`\) \| \$2\.05 \| \$2\.00 \|/,
        );
        assert.match(markdown, /\| `digest` \| duration at the configured memory \(`maxDurationMs`\) \| 821 ms \| 500 ms \|/);
    });

    it("names the destination branch as the policy's source when the settings come from the repository", () => {
        const markdown = gate({ policyCommit: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d", approval: { kind: "approved" } });
        assert.ok(
            markdown.includes(
                "Rules from `power-tuning-policy.json` on the destination branch (`9c1d2e3`): cost per 1M invocations at most +10 % over the baseline",
            ),
        );
    });

    it("without a policy at the destination commit says the destination branch has none and that the pull request's own copy does not count", () => {
        const offBranch = gate({
            policy: undefined,
            policyCommit: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
            evaluation: GATE_OFF,
            approval: { kind: "skipped", reason: "gate off" },
        });
        assert.match(
            offBranch,
            /^### ⚪ Quality gate off\n\nThe destination branch has no `power-tuning-policy\.json` \(at `9c1d2e3`; the pull request's own copy is not used\), so nothing was checked\. The build does not approve the pull request either/,
        );
    });

    it("without a policy file says the gate is off, and on a pull request that the build does not approve it", () => {
        const offline = gate({ policy: undefined, evaluation: GATE_OFF });
        assert.equal(offline, "### ⚪ Quality gate off\n\nNo `power-tuning-policy.json` was given (--policy), so nothing was checked.");
        const onPullRequest = gate({ policy: undefined, evaluation: GATE_OFF, approval: { kind: "skipped", reason: "gate off" } });
        assert.match(
            onPullRequest,
            /The build does not approve the pull request either: the approval rule keeps it from merging until a policy file is added/,
        );
    });

    it("explains an approval left alone (stale build) or one that failed", () => {
        assert.ok(
            gate({ approval: { kind: "skipped", reason: "stale build: the pull request moved on to 8e1f0c2" } }).endsWith(
                "Approval unchanged: stale build: the pull request moved on to 8e1f0c2.",
            ),
        );
        assert.ok(
            gate({ approval: { kind: "failed", action: "APPROVE", error: "RevisionNotCurrentException: the revision changed" } }).endsWith(
                "⚠️ The build could not approve the pull request: `RevisionNotCurrentException: the revision changed`.",
            ),
        );
    });

    it("sums the verdict up for the history line", () => {
        const report = { policyFile: "power-tuning-policy.json", policy: POLICY };
        assert.equal(gatePushNote({ ...report, evaluation: PASSED, approval: { kind: "approved" } }), "✅ gate passed, approved");
        assert.equal(
            gatePushNote({ ...report, evaluation: FAILED, approval: { kind: "revoked" } }),
            "❌ gate failed (2 violations), approval revoked",
        );
        assert.equal(
            gatePushNote({ ...report, evaluation: PASSED, approval: { kind: "skipped", reason: "stale build: moved on" } }),
            "✅ gate passed, not applied: stale build",
        );
        assert.equal(
            gatePushNote({ ...report, evaluation: FAILED, approval: { kind: "failed", action: "REVOKE", error: "x" } }),
            "❌ gate failed (2 violations), REVOKE failed",
        );
        assert.equal(
            gatePushNote({ ...report, policy: undefined, evaluation: GATE_OFF, approval: { kind: "skipped", reason: "no policy: off" } }),
            "⚪ gate off (no policy)",
        );
        assert.equal(gatePushNote({ ...report, evaluation: PASSED }), "✅ gate passed");
    });

    it("leads the tuning's history note with how many functions were tuned and failed", () => {
        const report = {
            policyFile: "power-tuning-policy.json",
            policy: POLICY,
            evaluation: FAILED,
            approval: { kind: "revoked" as const },
        };
        const results = [{ status: "succeeded" }, { status: "timed-out" }, { status: "dry-run" }] as TuningResult[];
        assert.equal(tuningPushNote(results, report), "1 function tuned, 1 failed; ❌ gate failed (2 violations), approval revoked");
        assert.equal(
            tuningPushNote(results.slice(0, 1).concat(results.slice(0, 1)), {
                ...report,
                evaluation: PASSED,
                approval: { kind: "approved" },
            }),
            "2 functions tuned; ✅ gate passed, approved",
        );
    });
});

describe("suggested Terraform change in the comment", () => {
    const SUGGESTION: MemorySuggestion = {
        function: "digest",
        recommendedMemoryMB: 256,
        configuredMemoryMB: 128,
        change: {
            file: "variables.tf",
            line: 26,
            oldLine: "  default     = 128",
            newLine: "  default     = 256",
            via: ["main.tf:84", "functions.tf:10"],
        },
        costPerMillionUsd: { configured: 1.9262, recommended: 1.8926 },
        durationMs: { configured: 821.28, recommended: 402 },
        sharedWith: [],
    };

    it("shows the file, the line and the old and new line as a diff, and the projected saving per 1M invocations", () => {
        assert.deepEqual(renderMemorySuggestions([SUGGESTION]), [
            "### 🔧 Suggested change",
            "",
            "`digest` runs with 128 MB; 256 MB is recommended. Projected: $1.93 → $1.89 per 1M invocations including the request charge, so the change saves $0.0336 per 1M invocations (1.74 %); duration 821 ms → 402 ms.",
            "",
            "`variables.tf` line 26 (reached from `main.tf:84` → `functions.tf:10`):",
            "```diff",
            "-  default     = 128",
            "+  default     = 256",
            "```",
        ]);
    });

    it("says what a faster but dearer recommendation (speed strategy) costs", () => {
        const [, , line] = renderMemorySuggestions([
            {
                ...SUGGESTION,
                recommendedMemoryMB: 1024,
                costPerMillionUsd: { configured: 1.9262, recommended: 2.048 },
                durationMs: { configured: 821.28, recommended: 109.7 },
            },
        ]);
        assert.match(line, /so the change costs \$0\.122 more per 1M invocations \(\+6\.32 %\); duration 821 ms → 110 ms\.$/);
    });

    it("shows a line to add when memory_size is not set", () => {
        const lines = renderMemorySuggestions([
            { ...SUGGESTION, change: { file: "lambda.tf", line: 3, newLine: "  memory_size = 256", via: [] } },
        ]);
        assert.deepEqual(lines.slice(4), ["In `lambda.tf`, add after line 3:", "```diff", "+  memory_size = 256", "```"]);
    });

    it("says why there is no exact change, notes an override and a shared line", () => {
        const unresolved = renderMemorySuggestions([
            { ...SUGGESTION, change: undefined, unresolved: "main.tf line 2 sets it to `lookup(…)`", fileValueMB: 512 },
        ]);
        assert.ok(
            unresolved.includes(
                "Note: the Terraform files set 512 MB, so a -var, .tfvars or TF_VAR_ value overrides them; change it there.",
            ),
        );
        assert.equal(unresolved[unresolved.length - 1], "No exact change to show: main.tf line 2 sets it to `lookup(…)`.");
        const shared = renderMemorySuggestions([{ ...SUGGESTION, sharedWith: ["resize"] }]);
        assert.equal(
            shared[shared.length - 1],
            "This line also sets the memory of `resize`; give `digest` its own setting to change it alone.",
        );
    });

    it("cannot project a saving when the configured size was not measured", () => {
        const [, , line] = renderMemorySuggestions([
            { ...SUGGESTION, configuredMemoryMB: 384, costPerMillionUsd: undefined, durationMs: undefined },
        ]);
        assert.ok(line.endsWith("The configured size was not measured, so no saving can be projected (add 384 to powerValues)."));
    });

    it("renders nothing when nothing is to change", () => {
        assert.deepEqual(renderMemorySuggestions([]), []);
    });
});
