// The quality gate (functional core): power-tuning-policy.json validated like the input file,
// every tuned function judged against it, and what that verdict means for the pull request's
// approval. The shell reads the file, calls CodeCommit and sets the exit code; the rules live here.

import { z } from "zod";
import { TUNING_FILES } from "../../contract";
import { costPerMillionInvocations } from "./cost";
import { monthlyFigures } from "./monthlyCost";
import { parseJsonFile } from "./json";
import type { TuningResult } from "./resultsFile";
import { parseWith, worded } from "./schema";
import { code } from "./inlineCode";

/** Where the policy is looked for by default: the repository root, next to the tuning input. */
export const DEFAULT_POLICY_FILE = TUNING_FILES.policy;

const PERCENT = worded(z.number().min(0), "a number ≥ 0 (percent; 0 allows no increase at all)");
const POSITIVE = (unit: string) => worded(z.number().positive().finite(), `a number > 0 (${unit})`);

const BASELINE_RULES = ["maxCostIncreasePercent", "maxDurationIncreasePercent"] as const;
const ABSOLUTE_RULES = ["maxCostPer1MUsd", "maxDurationMs"] as const;
/** Rules judged against what production runs: a new function under "absolute-limits" skips them. */
const PRODUCTION_RULES: readonly string[] = [...BASELINE_RULES, "maxMonthlyCostIncreaseUsd"];

/** How a function production does not run yet (no baseline) is judged. */
export const NEW_FUNCTION_MODES = ["needs-a-person", "absolute-limits"] as const;

/** The rules a team can set. A rule left out is not checked; a key that is no rule is an error, so a typo never silently switches a rule off. */
const POLICY_FIELDS = {
    /** Cost per 1M invocations at the recommended memory, at most this many % above the baseline's. */
    maxCostIncreasePercent: PERCENT.optional(),
    /** Average duration at the recommended memory, at most this many % above the baseline's. */
    maxDurationIncreasePercent: PERCENT.optional(),
    /** Cost per 1M invocations at the configured memory, at most this many % above the cost at the recommended memory. */
    requireConfiguredMemoryWithinPercent: PERCENT.optional(),
    /** Cost per 1M invocations at the configured memory (request charge included), at most this many USD. */
    maxCostPer1MUsd: POSITIVE("USD").optional(),
    /** Average duration at the configured memory, at most this many milliseconds. */
    maxDurationMs: POSITIVE("milliseconds").optional(),
    /**
     * At production's traffic of the last 30 days, the memory this pull request configures may raise
     * the monthly duration cost over production's by at most this many USD (monthlyCost.ts).
     */
    maxMonthlyCostIncreaseUsd: worded(z.number().min(0).finite(), "a number ≥ 0 (USD a month; 0 allows no increase at all)").optional(),
    /** A tuning that failed, timed out or was aborted fails the gate. */
    failOnTuningError: worded(z.boolean(), "true or false").optional(),
    /**
     * A new function has no baseline, so the rules against it cannot be judged: by default a person
     * decides; "absolute-limits" judges it on maxCostPer1MUsd and maxDurationMs (one of them required) instead.
     */
    newFunctions: worded(z.enum(NEW_FUNCTION_MODES), NEW_FUNCTION_MODES.map((mode) => `"${mode}"`).join(" or ")).optional(),
};
const POLICY_RULES = Object.keys(POLICY_FIELDS).join(", ");

const POLICY = worded(
    z.strictObject(POLICY_FIELDS).superRefine((policy, context) => {
        if (policy.newFunctions === "absolute-limits" && ABSOLUTE_RULES.every((rule) => policy[rule] === undefined)) {
            context.addIssue({
                code: "custom",
                path: ["newFunctions"],
                params: {
                    allowed: `"absolute-limits" only together with ${ABSOLUTE_RULES.join(" or ")}`,
                    reason: "without an absolute limit a new function would pass unjudged",
                },
            });
        }
    }),
    {
        allowed: `a JSON object with any of ${POLICY_RULES}, such as {"maxCostIncreasePercent": 10}`,
        unknownKey: { allowed: `only the rules ${POLICY_RULES}`, reason: "unknown rule", known: Object.keys(POLICY_FIELDS) },
    },
);

export type QualityPolicy = z.infer<typeof POLICY>;
/** A rule a function is judged by: every key but the one choosing how new functions are judged. */
export type PolicyRule = Exclude<keyof QualityPolicy, "newFunctions">;

/** A rule a function broke. Percent rules carry numbers (%), absolute ones their unit; failOnTuningError the status. */
export interface PolicyViolation {
    readonly function: string;
    readonly rule: PolicyRule;
    readonly value: number | string;
    readonly limit: number | string;
}

/** A rule that could not be applied to a function, and why (no baseline, no measurement, ...): a person decides. */
export interface RuleNotEvaluated {
    readonly function: string;
    readonly rule: PolicyRule;
    readonly reason: string;
}

/** A function whose figures are not judged at all: it changed while it was measured (resultsFile.ts `changedWhileMeasured`). */
export interface UntrustedMeasurement {
    readonly function: string;
    readonly reason: string;
}

/** Each enabled rule, per function: passed, broken, or not evaluated (with the reason). */
export type RuleJudgement =
    | { readonly outcome: "passed"; readonly function: string; readonly rule: PolicyRule }
    | ({ readonly outcome: "broken" } & PolicyViolation)
    | ({ readonly outcome: "not-evaluated" } & RuleNotEvaluated);

/**
 * `pass` only when every enabled rule was evaluated and passed for every function; `fail` when one
 * was broken; `needs-a-person` when none was broken but one could not be judged, or a function's
 * figures are not trusted; `no-policy` when the gate is off.
 */
export type GateVerdict = "pass" | "fail" | "needs-a-person" | "no-policy";

export interface GateEvaluation {
    readonly verdict: GateVerdict;
    readonly judgements: readonly RuleJudgement[];
    /** The gate's own inputs (tuning input, policy) the pull request changes: only a person can approve those. */
    readonly changedGateInputs: readonly string[];
    /** Functions whose figures no rule judges: whatever the rules say, a person decides. */
    readonly untrusted: readonly UntrustedMeasurement[];
    readonly violations: readonly PolicyViolation[];
    readonly notEvaluated: readonly RuleNotEvaluated[];
}

/** Parses and validates the policy file; every problem is listed at once, one per line. */
export function parsePolicy(text: string, fileName: string): QualityPolicy {
    return parseWith(POLICY, parseJsonFile(text, fileName), fileName);
}

/** What judging one rule on one function found: a value to hold against the limit, or why there is none. */
type Measured = { readonly value: number | string; readonly broken: boolean } | { readonly reason: string };

/**
 * Judges every function against every enabled rule. A value exactly at its limit passes. A
 * function that changed while it was measured is judged by no rule: its figures may be another
 * code's, so a person decides, even under a policy without rules. Without a policy the gate is
 * off (`no-policy`).
 */
export function evaluatePolicy(
    policy: QualityPolicy | undefined,
    results: readonly TuningResult[],
    changedGateInputs: readonly string[] = [],
): GateEvaluation {
    if (policy === undefined) return verdictOf(undefined, [], changedGateInputs);
    const judgements: RuleJudgement[] = [];
    const untrusted: UntrustedMeasurement[] = [];
    for (const result of results) {
        if (result.changedWhileMeasured !== undefined) {
            untrusted.push({
                function: result.name,
                reason: `the function changed while it was measured (${result.changedWhileMeasured.map(code).join(", ")}): its figures are not trusted`,
            });
            continue;
        }
        for (const rule of rulesFor(policy, result)) {
            const measured = measure(rule, policy, result);
            const judged = { function: result.name, rule };
            if ("reason" in measured) judgements.push({ outcome: "not-evaluated", ...judged, reason: measured.reason });
            else if (measured.broken)
                judgements.push({ outcome: "broken", ...judged, value: measured.value, limit: limitOf(rule, policy) });
            else judgements.push({ outcome: "passed", ...judged });
        }
    }
    return verdictOf(policy, judgements, changedGateInputs, untrusted);
}

/**
 * The evaluation of `judgements`: the verdict they add up to, and the broken and unjudged ones
 * apart. A pull request that changes the gate's own inputs is never the bot's to approve: the
 * rules it is judged by, or what they measure with, would change once it is merged.
 */
export function verdictOf(
    policy: QualityPolicy | undefined,
    judgements: readonly RuleJudgement[],
    changedGateInputs: readonly string[] = [],
    untrusted: readonly UntrustedMeasurement[] = [],
): GateEvaluation {
    const violations = judgements.flatMap(({ outcome, ...violation }) => (outcome === "broken" ? [violation as PolicyViolation] : []));
    const notEvaluated = judgements.flatMap(({ outcome, ...unjudged }) =>
        outcome === "not-evaluated" ? [unjudged as RuleNotEvaluated] : [],
    );
    const verdict: GateVerdict =
        policy === undefined
            ? "no-policy"
            : violations.length > 0
              ? "fail"
              : notEvaluated.length > 0 || changedGateInputs.length > 0 || untrusted.length > 0
                ? "needs-a-person"
                : "pass";
    return { verdict, judgements, changedGateInputs, untrusted, violations, notEvaluated };
}

/**
 * The rules `result` is judged by: every rule the policy sets, except that a new function under
 * `newFunctions: "absolute-limits"` is not judged against a baseline it cannot have.
 */
function rulesFor(policy: QualityPolicy, result: TuningResult): PolicyRule[] {
    const enabled = (Object.keys(POLICY_FIELDS) as Array<keyof QualityPolicy>).filter(
        (key): key is PolicyRule => key !== "newFunctions" && policy[key] !== undefined && policy[key] !== false,
    );
    const onAbsoluteLimits = policy.newFunctions === "absolute-limits" && isNewFunction(result);
    return enabled.filter((rule) => !(onAbsoluteLimits && PRODUCTION_RULES.includes(rule)));
}

function isNewFunction(result: TuningResult): boolean {
    return result.baseline?.status === "none" && result.baseline.newFunction === true;
}

function limitOf(rule: PolicyRule, policy: QualityPolicy): number | string {
    return rule === "failOnTuningError" ? "succeeded" : (policy[rule] as number);
}

function measure(rule: PolicyRule, policy: QualityPolicy, result: TuningResult): Measured {
    if (rule === "failOnTuningError") {
        return { value: result.status, broken: result.status === "failed" || result.status === "timed-out" || result.status === "aborted" };
    }
    if (result.status !== "succeeded") return { reason: `no measurement: the tuning ${describeStatus(result.status)}` };
    const limit = policy[rule] as number;
    const figure =
        rule === "maxCostPer1MUsd" || rule === "maxDurationMs"
            ? atConfiguredMemory(rule, result)
            : rule === "maxMonthlyCostIncreaseUsd"
              ? monthlyIncrease(result)
              : percentFor(rule, result);
    return "reason" in figure ? figure : { value: figure.value, broken: exceeds(figure.value, limit) };
}

function describeStatus(status: TuningResult["status"]): string {
    return status === "dry-run" ? "was a dry run" : status;
}

/**
 * Percentages are computed from floating-point costs, so a value meant to sit exactly on the
 * limit (1.1e-6 against 1e-6 is "10%") can come out a few ulps above it; it still passes.
 */
function exceeds(value: number, limit: number): boolean {
    return value > limit + 1e-9 * Math.max(1, Math.abs(limit));
}

function percentFor(
    rule: (typeof BASELINE_RULES)[number] | "requireConfiguredMemoryWithinPercent",
    result: TuningResult,
): { value: number } | { reason: string } {
    if (rule === "requireConfiguredMemoryWithinPercent") return configuredMemoryExcess(result);
    if (result.baseline === undefined) return { reason: "no baseline: tune ran without --history" };
    if (result.baseline.status === "none") {
        return {
            reason:
                result.baseline.newFunction === true
                    ? `new function: no baseline — a person decides (${result.baseline.reason})`
                    : `no baseline: ${result.baseline.reason}`,
        };
    }
    const delta = rule === "maxCostIncreasePercent" ? result.delta?.costPerMillionUsd : result.delta?.durationMs;
    if (delta?.percent === undefined) return { reason: "the baseline's figure is 0, so no percentage can be formed" };
    return { value: delta.percent };
}

/** The figures at the memory the function is configured with: what it will cost and take as it runs. */
function configuredStat(result: TuningResult): { stat: TuningResult["stats"][number] } | { reason: string } {
    const configured = result.configuredMemoryMB;
    if (configured === undefined) return { reason: "the configured memory size is unknown" };
    const stat = result.stats.find((candidate) => candidate.memoryMB === configured);
    if (stat === undefined)
        return { reason: `the configured ${configured} MB was not measured; add it to powerValues in the tuning input` };
    return { stat };
}

/** Cost per 1M invocations (USD) or average duration (ms) at the configured memory. */
function atConfiguredMemory(rule: (typeof ABSOLUTE_RULES)[number], result: TuningResult): { value: number } | { reason: string } {
    const found = configuredStat(result);
    if ("reason" in found) return found;
    return { value: rule === "maxCostPer1MUsd" ? costPerMillionInvocations(found.stat.averageCostUsd) : found.stat.averageDurationMs };
}

/** How many USD a month more the configured memory costs at production's traffic than production does now. */
function monthlyIncrease(result: TuningResult): { value: number } | { reason: string } {
    const traffic = result.productionTraffic;
    if (traffic === undefined) return { reason: "production's traffic is unknown: tune ran without --history" };
    if (traffic.status === "none" || traffic.status === "unknown") return { reason: `production's traffic is unknown: ${traffic.reason}` };
    const figures = monthlyFigures(result);
    if (figures?.now === undefined)
        return { reason: "production's memory size was not recorded (`record` writes it), so its monthly cost is unknown" };
    if (figures.configuredChange === undefined) {
        const found = configuredStat(result);
        return "reason" in found ? found : { reason: "the monthly cost at the configured memory could not be formed" };
    }
    return { value: figures.configuredChange.usd };
}

/** How much more (%) a million invocations cost at the configured memory than at the recommended one. */
function configuredMemoryExcess(result: TuningResult): { value: number } | { reason: string } {
    const found = configuredStat(result);
    if ("reason" in found) return found;
    const atRecommended = result.stats.find((stat) => stat.memoryMB === result.power);
    if (atRecommended === undefined) return { reason: "the tuning reported no per-size figures (stats)" };
    return {
        value: percentIncrease(
            costPerMillionInvocations(found.stat.averageCostUsd),
            costPerMillionInvocations(atRecommended.averageCostUsd),
        ),
    };
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
 * APPROVE when the gate passed; REVOKE when it failed or a person must decide (a rule could not be
 * judged), on the PR's current revision. Nothing when
 * there is no policy (approving would make the approval rule meaningless: a pull request could
 * pass by deleting the policy file), when the PR is closed, or when the build is stale — the PR
 * moved to a newer commit, whose own build decides.
 */
export function decideApproval(verdict: GateVerdict, pullRequest: PullRequestState, buildSourceCommit: string): ApprovalDecision {
    if (verdict === "no-policy") {
        return {
            action: "none",
            reason: `no ${DEFAULT_POLICY_FILE}: the quality gate is off, so this build does not approve the pull request`,
        };
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
