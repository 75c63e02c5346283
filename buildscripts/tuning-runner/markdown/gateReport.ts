// Markdown for the quality gate and the suggested Terraform change (functional core). The
// tuning comment places it right under its summary, so cutting the comment to CodeCommit's
// limit never loses the verdict or the fix.

import { formatDurationMs, formatUsd, plural } from "./format";
import { code } from "../core/inlineCode";
import { significant } from "../core/numbers";
import type { ApprovalOutcome, GateEvaluation, GateVerdict, PolicyRule, PolicyViolation, QualityPolicy } from "../core/policy";
import type { TuningResult } from "../core/resultsFile";
import type { MemorySuggestion } from "../core/terraformMemory";

export interface QualityGateReport {
    readonly policyFile: string;
    /** Undefined when there is no policy file: the gate is off. */
    readonly policy?: QualityPolicy;
    /** The destination commit the policy was looked for at; undefined for a local file. */
    readonly policyCommit?: string;
    readonly evaluation: GateEvaluation;
    /** Undefined without a pull request (nothing to approve). */
    readonly approval?: ApprovalOutcome;
}

const RULE_LABELS: Record<PolicyRule, string> = {
    maxCostIncreasePercent: "cost per 1M invocations against the baseline",
    maxDurationIncreasePercent: "duration against the baseline",
    requireConfiguredMemoryWithinPercent: "cost at the configured memory above the recommended",
    maxCostPer1MUsd: "cost per 1M invocations at the configured memory",
    maxDurationMs: "duration at the configured memory",
    maxMonthlyCostIncreaseUsd: "monthly cost at production's traffic over production's",
    failOnTuningError: "tuning error",
};

/** The gate's verdict, its violations (rule, value, limit), what it could not check, and what happened to the approval. */
export function renderQualityGate(report: QualityGateReport): string[] {
    const { policyFile, policy, policyCommit, evaluation, approval } = report;
    if (policy === undefined) {
        const consequence =
            approval === undefined
                ? ""
                : " The build does not approve the pull request either: the approval rule keeps it from merging until a policy file is added or someone overrides the rule.";
        const missing =
            policyCommit === undefined
                ? `No ${code(policyFile)} was given (--policy)`
                : `The destination branch has no ${code(policyFile)} (at ${code(policyCommit.slice(0, 7))}; the pull request's own copy is not used)`;
        return ["### ⚪ Quality gate off", "", `${missing}, so nothing was checked.${consequence}`];
    }
    return [
        gateHeading(evaluation),
        "",
        `Rules from ${code(policyFile)}${policyCommit === undefined ? "" : ` on the destination branch (${code(policyCommit.slice(0, 7))})`}: ${describePolicy(policy)}.`,
        ...gateInputChanges(evaluation),
        ...untrustedList(evaluation),
        ...violationTable(evaluation.violations),
        ...notEvaluatedList(evaluation),
        ...(approval === undefined ? [] : ["", describeApproval(approval, evaluation.verdict)]),
    ];
}

function gateHeading(evaluation: GateEvaluation): string {
    switch (evaluation.verdict) {
        case "fail":
            return `### ❌ Quality gate failed: ${plural(evaluation.violations.length, "violation")}`;
        case "needs-a-person":
            return `### ✋ Quality gate: a person decides (${whyAPerson(evaluation)})`;
        default:
            return "### ✅ Quality gate passed";
    }
}

function whyAPerson(evaluation: GateEvaluation): string {
    const reasons = [
        ...(evaluation.changedGateInputs.length === 0 ? [] : ["the gate's inputs change"]),
        ...(evaluation.notEvaluated.length === 0 ? [] : [`${plural(evaluation.notEvaluated.length, "rule")} not judged`]),
        ...(evaluation.untrusted.length === 0 ? [] : [`${plural(evaluation.untrusted.length, "function")} changed while measured`]),
    ];
    return reasons.join(", ");
}

/** The gate's own inputs the pull request changes, which only a person may approve. */
function gateInputChanges(evaluation: GateEvaluation): string[] {
    if (evaluation.changedGateInputs.length === 0) return [];
    return [
        "",
        `This pull request changes ${evaluation.changedGateInputs.map(code).join(" and ")}: the rules the gate judges by, or what it measures with, once merged. ` +
            "It was judged by the destination branch's, and a person must approve the change itself.",
    ];
}

function describePolicy(policy: QualityPolicy): string {
    const rules = [
        policy.maxCostIncreasePercent === undefined
            ? undefined
            : `cost per 1M invocations at most +${policy.maxCostIncreasePercent} % over the baseline`,
        policy.maxDurationIncreasePercent === undefined
            ? undefined
            : `duration at most +${policy.maxDurationIncreasePercent} % over the baseline`,
        policy.requireConfiguredMemoryWithinPercent === undefined
            ? undefined
            : `the configured memory at most ${policy.requireConfiguredMemoryWithinPercent} % dearer than the recommended`,
        policy.maxCostPer1MUsd === undefined
            ? undefined
            : `cost per 1M invocations at the configured memory at most ${formatUsd(policy.maxCostPer1MUsd)}`,
        policy.maxDurationMs === undefined
            ? undefined
            : `duration at the configured memory at most ${formatDurationMs(policy.maxDurationMs)}`,
        policy.maxMonthlyCostIncreaseUsd === undefined
            ? undefined
            : `at production's traffic the configured memory at most ${formatUsd(policy.maxMonthlyCostIncreaseUsd)} a month dearer than production now`,
        policy.failOnTuningError === true ? "a failed tuning fails the gate" : undefined,
        policy.newFunctions === "absolute-limits" ? "a new function is judged on the absolute limits alone" : undefined,
    ].filter((rule) => rule !== undefined);
    return rules.length === 0 ? "none set, so everything passes" : rules.join(" · ");
}

function violationTable(violations: readonly PolicyViolation[]): string[] {
    if (violations.length === 0) return [];
    return [
        "",
        "| Function | Rule | Value | Limit |",
        "|---|---|---:|---:|",
        ...violations.map(
            (violation) =>
                `| ${code(violation.function)} | ${RULE_LABELS[violation.rule]} (${code(violation.rule)}) | ${formatFigure(violation.rule, violation.value, true)} | ${formatFigure(violation.rule, violation.limit, false)} |`,
        ),
    ];
}

/** A rule's value or limit in its unit: USD, milliseconds, percent (a value signed), or a status as it is. */
function formatFigure(rule: PolicyRule, figure: number | string, signed: boolean): string {
    if (typeof figure === "string") return figure;
    if (rule === "maxCostPer1MUsd") return formatUsd(figure);
    if (rule === "maxMonthlyCostIncreaseUsd") return `${signed && figure > 0 ? "+" : ""}${formatUsd(figure)} a month`;
    if (rule === "maxDurationMs") return formatDurationMs(figure);
    return `${signed && figure > 0 ? "+" : ""}${signed ? significant(figure) : figure} %`;
}

/** The functions no rule judged, since their figures may be another code's. */
function untrustedList(evaluation: GateEvaluation): string[] {
    if (evaluation.untrusted.length === 0) return [];
    return [
        "",
        "Not judged by any rule, so the build does not approve:",
        ...evaluation.untrusted.map(({ function: fn, reason }) => `- ${code(fn)}: ${reason}`),
    ];
}

/** One line per function and reason, naming the rules it applies to. */
function notEvaluatedList(evaluation: GateEvaluation): string[] {
    const groups = new Map<string, { fn: string; reason: string; rules: PolicyRule[] }>();
    for (const { function: fn, rule, reason } of evaluation.notEvaluated) {
        const key = JSON.stringify([fn, reason]);
        const group = groups.get(key) ?? { fn, reason, rules: [] };
        group.rules.push(rule);
        groups.set(key, group);
    }
    if (groups.size === 0) return [];
    const lead =
        evaluation.verdict === "needs-a-person"
            ? "Not judged, so the build does not approve: a person reads the change and approves it, or the gap is closed and the build runs again."
            : "Not evaluated:";
    return ["", lead, ...[...groups.values()].map(({ fn, reason, rules }) => `- ${code(fn)}: ${rules.map(code).join(", ")}: ${reason}`)];
}

function describeApproval(approval: ApprovalOutcome, verdict: GateVerdict): string {
    switch (approval.kind) {
        case "approved":
            return "The build approved this revision of the pull request.";
        case "revoked":
            if (verdict === "needs-a-person")
                return "The build does not approve this revision (any approval of its own is revoked): a person must approve it.";
            return "The build revoked its approval of this revision: the pull request cannot be merged until a build passes the gate (or someone overrides the approval rule).";
        case "skipped":
            return `Approval unchanged: ${approval.reason}.`;
        case "failed":
            return `⚠️ The build could not ${approval.action === "APPROVE" ? "approve" : "revoke its approval of"} the pull request: ${code(approval.error)}.`;
    }
}

/** The tuning section's push-log note: how many functions were tuned, and the gate's verdict. */
export function tuningPushNote(results: readonly TuningResult[], report: QualityGateReport): string {
    // Judged without results (nothing needed tuning), the verdict says all there is.
    if (results.length === 0) return gatePushNote(report);
    const tuned = results.filter((result) => result.status === "succeeded").length;
    const failed = results.filter(
        (result) => result.status === "failed" || result.status === "timed-out" || result.status === "aborted",
    ).length;
    return `${plural(tuned, "function")} tuned${failed > 0 ? `, ${failed} failed` : ""}; ${gatePushNote(report)}`;
}

/** A short verdict for the comment's push log. */
export function gatePushNote(report: QualityGateReport): string {
    const { evaluation, approval } = report;
    const verdict = {
        "no-policy": "⚪ gate off (no policy)",
        pass: "✅ gate passed",
        fail: `❌ gate failed (${plural(evaluation.violations.length, "violation")})`,
        "needs-a-person": `✋ a person decides (${whyAPerson(evaluation)})`,
    }[evaluation.verdict];
    const action = approval === undefined ? undefined : approvalNote(approval, evaluation.verdict);
    return action === undefined ? verdict : `${verdict}, ${action}`;
}

function approvalNote(approval: ApprovalOutcome, verdict: GateVerdict): string | undefined {
    switch (approval.kind) {
        case "approved":
            return "approved";
        case "revoked":
            return verdict === "needs-a-person" ? "not approved" : "approval revoked";
        case "failed":
            return `${approval.action} failed`;
        case "skipped":
            // Without a policy the verdict already says why nothing was approved.
            return verdict === "no-policy" ? undefined : `not applied: ${approval.reason.split(":")[0]}`;
    }
}

/** The Terraform change that applies each recommendation, with what it saves per 1M invocations. */
export function renderMemorySuggestions(suggestions: readonly MemorySuggestion[]): string[] {
    if (suggestions.length === 0) return [];
    return [
        `### 🔧 Suggested ${suggestions.length === 1 ? "change" : "changes"}`,
        ...suggestions.flatMap((suggestion) => ["", ...suggestionLines(suggestion)]),
    ];
}

function suggestionLines(suggestion: MemorySuggestion): string[] {
    const { function: fn, configuredMemoryMB, recommendedMemoryMB, change } = suggestion;
    const lines = [`${code(fn)} runs with ${configuredMemoryMB} MB; ${recommendedMemoryMB} MB is recommended. ${projection(suggestion)}`];
    if (suggestion.fileValueMB !== undefined) {
        lines.push(
            "",
            `Note: the Terraform files set ${suggestion.fileValueMB} MB, so a -var, .tfvars or TF_VAR_ value overrides them; change it there.`,
        );
    }
    if (change === undefined) return [...lines, "", `No exact change to show: ${suggestion.unresolved}.`];
    const where =
        change.oldLine === undefined
            ? `In ${code(change.file)}, add after line ${change.line}:`
            : `${code(change.file)} line ${change.line}${change.via.length > 0 ? ` (reached from ${change.via.map(code).join(" → ")})` : ""}:`;
    lines.push("", where, "```diff", ...(change.oldLine === undefined ? [] : [`-${change.oldLine}`]), `+${change.newLine}`, "```");
    if (suggestion.sharedWith.length > 0) {
        lines.push(
            `This line also sets the memory of ${suggestion.sharedWith.map(code).join(", ")}; give ${code(fn)} its own setting to change it alone.`,
        );
    }
    return lines;
}

/** Cost per 1M invocations and duration, configured → recommended. */
function projection(suggestion: MemorySuggestion): string {
    const { costPerMillionUsd: cost, durationMs: duration } = suggestion;
    if (cost === undefined || duration === undefined) {
        return `The configured size was not measured, so no saving can be projected (add ${suggestion.configuredMemoryMB} to powerValues).`;
    }
    const difference = cost.configured - cost.recommended;
    const percent = significant((Math.abs(difference) / cost.configured) * 100);
    const effect =
        difference >= 0
            ? `saves ${formatUsd(difference)} per 1M invocations (${percent} %)`
            : `costs ${formatUsd(-difference)} more per 1M invocations (+${percent} %)`;
    return `Projected: ${formatUsd(cost.configured)} → ${formatUsd(cost.recommended)} per 1M invocations including the request charge, so the change ${effect}; duration ${formatDurationMs(duration.configured)} → ${formatDurationMs(duration.recommended)}.`;
}
