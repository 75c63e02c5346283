// The quality gate (functional core): power-tuning-policy.json validated like the input file,
// every tuned function judged against it, and what that verdict means for the pull request's
// approval. The shell reads the file, calls CodeCommit and sets the exit code; the rules live here.

import { z } from "zod";
import { TUNING_FILES } from "../../contract";
import { costPerMillionInvocations } from "./cost";
import { parseJsonFile } from "./json";
import type { TuningResult } from "./resultsFile";
import { parseWith, worded } from "./schema";

/** Where the policy is looked for by default: the repository root, next to the tuning input. */
export const DEFAULT_POLICY_FILE = TUNING_FILES.policy;

const PERCENT = worded(z.number().min(0), "a number ≥ 0 (percent; 0 allows no increase at all)");

const PERCENT_RULES = ["maxCostIncreasePercent", "maxDurationIncreasePercent", "requireConfiguredMemoryWithinPercent"] as const;
type PercentRule = (typeof PERCENT_RULES)[number];

/** The rules a team can set. A rule left out is not checked; a key that is no rule is an error, so a typo never silently switches a rule off. */
const POLICY_FIELDS = {
    /** Cost per 1M invocations at the recommended memory, at most this many % above the baseline's. */
    maxCostIncreasePercent: PERCENT.optional(),
    /** Average duration at the recommended memory, at most this many % above the baseline's. */
    maxDurationIncreasePercent: PERCENT.optional(),
    /** Cost per 1M invocations at the configured memory, at most this many % above the cost at the recommended memory. */
    requireConfiguredMemoryWithinPercent: PERCENT.optional(),
    /** A tuning that failed, timed out or was aborted fails the gate. */
    failOnTuningError: worded(z.boolean(), "true or false").optional(),
};
const POLICY_RULES = Object.keys(POLICY_FIELDS).join(", ");

const POLICY = worded(z.strictObject(POLICY_FIELDS), {
    allowed: `a JSON object with any of ${POLICY_RULES}, such as {"maxCostIncreasePercent": 10}`,
    unknownKey: { allowed: `only the rules ${POLICY_RULES}`, reason: "unknown rule", known: Object.keys(POLICY_FIELDS) },
});

export type QualityPolicy = z.infer<typeof POLICY>;
export type PolicyRule = keyof QualityPolicy;

/** A rule a function broke. Percent rules carry numbers (%); failOnTuningError the status. */
export interface PolicyViolation {
    readonly function: string;
    readonly rule: PolicyRule;
    readonly value: number | string;
    readonly limit: number | string;
}

/** A rule that could not be applied to a function, and why (no baseline, no measurement, ...). */
export interface RuleNotEvaluated {
    readonly function: string;
    readonly rule: PolicyRule;
    readonly reason: string;
}

export type GateVerdict = "pass" | "fail" | "no-policy";

export interface GateEvaluation {
    readonly verdict: GateVerdict;
    readonly violations: readonly PolicyViolation[];
    readonly notEvaluated: readonly RuleNotEvaluated[];
}

/** Parses and validates the policy file; every problem is listed at once, one per line. */
export function parsePolicy(text: string, fileName: string): QualityPolicy {
    return parseWith(POLICY, parseJsonFile(text, fileName), fileName);
}

/**
 * Judges every function against the policy. A value exactly at its limit passes. Without a
 * policy the gate is off (`no-policy`); with one, any violation fails it.
 */
export function evaluatePolicy(policy: QualityPolicy | undefined, results: readonly TuningResult[]): GateEvaluation {
    if (policy === undefined) return { verdict: "no-policy", violations: [], notEvaluated: [] };
    const violations: PolicyViolation[] = [];
    const notEvaluated: RuleNotEvaluated[] = [];
    for (const result of results) {
        const failed = result.status === "failed" || result.status === "timed-out" || result.status === "aborted";
        if (policy.failOnTuningError === true && failed) {
            violations.push({ function: result.name, rule: "failOnTuningError", value: result.status, limit: "succeeded" });
        }
        for (const rule of PERCENT_RULES) {
            const limit = policy[rule];
            if (limit === undefined) continue;
            const measured = result.status === "succeeded" ? percentFor(rule, result) : { reason: `no measurement: the tuning ${describeStatus(result.status)}` };
            if ("reason" in measured) notEvaluated.push({ function: result.name, rule, reason: measured.reason });
            else if (exceeds(measured.percent, limit)) violations.push({ function: result.name, rule, value: measured.percent, limit });
        }
    }
    return { verdict: violations.length > 0 ? "fail" : "pass", violations, notEvaluated };
}

function describeStatus(status: TuningResult["status"]): string {
    return status === "dry-run" ? "was a dry run" : status;
}

/**
 * Percentages are computed from floating-point costs, so a value meant to sit exactly on the
 * limit (1.1e-6 against 1e-6 is "10%") can come out a few ulps above it; it still passes.
 */
function exceeds(percent: number, limit: number): boolean {
    return percent > limit + 1e-9 * Math.max(1, Math.abs(limit));
}

function percentFor(rule: PercentRule, result: TuningResult): { percent: number } | { reason: string } {
    if (rule === "requireConfiguredMemoryWithinPercent") return configuredMemoryExcess(result);
    if (result.baseline === undefined) return { reason: "no baseline: tune ran without --history" };
    if (result.baseline.status === "none") return { reason: `no baseline: ${result.baseline.reason}` };
    const delta = rule === "maxCostIncreasePercent" ? result.delta?.costPerMillionUsd : result.delta?.durationMs;
    if (delta?.percent === undefined) return { reason: "the baseline's figure is 0, so no percentage can be formed" };
    return { percent: delta.percent };
}

/** How much more (%) a million invocations cost at the configured memory than at the recommended one. */
function configuredMemoryExcess(result: TuningResult): { percent: number } | { reason: string } {
    const configured = result.configuredMemoryMB;
    if (configured === undefined) return { reason: "the configured memory size is unknown" };
    const atConfigured = result.stats.find((stat) => stat.memoryMB === configured);
    const atRecommended = result.stats.find((stat) => stat.memoryMB === result.power);
    if (atConfigured === undefined) return { reason: `the configured ${configured} MB was not measured; add it to powerValues in the tuning input` };
    if (atRecommended === undefined) return { reason: "the tuning reported no per-size figures (stats)" };
    return { percent: percentIncrease(costPerMillionInvocations(atConfigured.averageCostUsd), costPerMillionInvocations(atRecommended.averageCostUsd)) };
}

function percentIncrease(current: number, reference: number): number {
    return ((current - reference) / reference) * 100;
}

/** What the runner does to the pull request's approval, decided from the verdict and the PR as it is now. */
export type ApprovalDecision =
    | { readonly action: "APPROVE" | "REVOKE"; readonly revisionId: string }
    | { readonly action: "none"; readonly reason: string };

/** The pull request as GetPullRequest reports it when the gate is decided. */
export interface PullRequestState {
    readonly revisionId: string;
    readonly sourceCommit: string;
    readonly status: "OPEN" | "CLOSED";
}

/**
 * APPROVE when the gate passed, REVOKE when it failed, on the PR's current revision. Nothing when
 * there is no policy (approving would make the approval rule meaningless: a pull request could
 * pass by deleting the policy file), when the PR is closed, or when the build is stale — the PR
 * moved to a newer commit, whose own build decides.
 */
export function decideApproval(verdict: GateVerdict, pullRequest: PullRequestState, buildSourceCommit: string): ApprovalDecision {
    if (verdict === "no-policy") {
        return { action: "none", reason: `no ${DEFAULT_POLICY_FILE}: the quality gate is off, so this build does not approve the pull request` };
    }
    if (pullRequest.status !== "OPEN") return { action: "none", reason: "the pull request is closed" };
    if (isStaleBuild(pullRequest, buildSourceCommit)) {
        return {
            action: "none",
            reason: `stale build: the pull request moved on to ${pullRequest.sourceCommit.slice(0, 7)}, whose build decides; this build tuned ${buildSourceCommit.slice(0, 7)}`,
        };
    }
    return { action: verdict === "pass" ? "APPROVE" : "REVOKE", revisionId: pullRequest.revisionId };
}

/** The pull request has moved on to another commit since this build started. */
export function isStaleBuild(pullRequest: PullRequestState, buildSourceCommit: string): boolean {
    return pullRequest.sourceCommit !== buildSourceCommit;
}

/** What became of the approval, for the comment and the log. */
export type ApprovalOutcome =
    | { readonly kind: "approved" | "revoked" }
    | { readonly kind: "skipped"; readonly reason: string }
    | { readonly kind: "failed"; readonly action: "APPROVE" | "REVOKE"; readonly error: string };
