// The quality gate's AWS side: the functions' configured memory before tuning, and after it the
// pull request's state and the approval. Verdicts, decisions and Markdown come from the core
// (core/policy.ts, core/terraformMemory.ts) and markdown/gateReport.ts.
import type { LambdaFunctions, PullRequestApprovals } from "../aws/ports";
import { describeError } from "../core/errors";
import { significant } from "../core/numbers";
import {
    decideApproval,
    evaluatePolicy,
    isStaleBuild,
    type ApprovalOutcome,
    type PullRequestState,
    type QualityPolicy,
} from "../core/policy";
import type { PullRequestContext, TuningResult } from "../core/resultsFile";
import { suggestMemoryChanges, type TerraformFile } from "../core/terraformMemory";
import type { TargetFunction } from "../core/types";
import { renderMemorySuggestions, renderQualityGate, tuningPushNote, type QualityGateReport } from "../markdown/gateReport";
import type { Runtime } from "./runtime";

/** What `tune` was given for the gate, read and validated before any AWS call. */
export interface QualityGateSetup {
    /** The policy's path, for the comment, also when there is none. */
    readonly policyFile: string;
    readonly policy?: QualityPolicy;
    /** The destination commit the policy was looked for at (--settings-from-repository); undefined for a local file. */
    readonly policyCommit?: string;
    /** The `*.tf` files of `--terraform-dir`, for the suggested memory_size change. */
    readonly terraformFiles: readonly TerraformFile[];
    /** The gate's inputs the pull request changes (settings from the repository). */
    readonly changedGateInputs?: readonly string[];
}

export interface GateOutcome {
    /** For the tuning comment, under its summary. */
    readonly markdown: readonly string[];
    readonly pushLogNote: string;
    /** The pull request moved on while this build ran: its comment keeps the newer results. */
    readonly stale: boolean;
    /** 1 when the gate failed or could not be applied to the pull request. */
    readonly exitCode: 0 | 1;
}

/**
 * Each function's memory size as deployed, read before the tuning (which changes $LATEST's
 * memory while it measures). Unreadable ones are logged and left out: the gate then says it
 * could not compare, and the suggestion falls back to the Terraform files.
 */
export async function configuredMemorySizes(
    functions: readonly TargetFunction[],
    client: LambdaFunctions,
    log: Runtime["log"],
): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    await Promise.all(
        functions.map(async (fn) => {
            try {
                const { MemorySize } = await client.functionConfiguration(fn.arn);
                if (MemorySize !== undefined) sizes.set(fn.arn, MemorySize);
            } catch (error) {
                log(`${fn.name}: could not read its memory size (${describeError(error)})`);
            }
        }),
    );
    return sizes;
}

/**
 * Judges the results against the policy and, on a pull request, approves or revokes its
 * current revision as the core decides. A failed approval call fails the run: the merge gate
 * would otherwise silently stay as it was.
 */
export async function applyQualityGate(
    results: readonly TuningResult[],
    setup: QualityGateSetup,
    pullRequest: PullRequestContext | undefined,
    client: PullRequestApprovals,
    log: Runtime["log"],
): Promise<GateOutcome> {
    const evaluation = evaluatePolicy(setup.policy, results, setup.changedGateInputs);
    const shown = (value: number | string) => (typeof value === "number" ? `${significant(value)} %` : value);
    log(
        `quality gate: ${evaluation.verdict}${evaluation.violations.map((v) => `; ${v.function} ${v.rule} ${shown(v.value)} (limit ${shown(v.limit)})`).join("")}` +
            evaluation.notEvaluated.map((n) => `; ${n.function} ${n.rule} not judged: ${n.reason}`).join("") +
            evaluation.untrusted.map((u) => `; ${u.function} not judged: ${u.reason}`).join(""),
    );
    let approval: ApprovalOutcome | undefined;
    let stale = false;
    if (pullRequest !== undefined) {
        let state: PullRequestState | undefined;
        try {
            state = await client.pullRequestState(pullRequest);
        } catch (error) {
            log(`could not read pull request ${pullRequest.pullRequestId} (${describeError(error)})`);
        }
        if (state !== undefined) {
            stale = isStaleBuild(state, pullRequest.sourceCommit);
            approval = await approve(client, pullRequest, decideApproval(evaluation.verdict, state, pullRequest.sourceCommit));
        } else if (evaluation.verdict === "no-policy") {
            approval = { kind: "skipped", reason: "the pull request could not be read" };
        } else {
            approval = {
                kind: "failed",
                action: evaluation.verdict === "pass" ? "APPROVE" : "REVOKE",
                error: "the pull request could not be read",
            };
        }
        log(
            `approval: ${approval.kind}${approval.kind === "skipped" ? `: ${approval.reason}` : approval.kind === "failed" ? `: ${approval.error}` : ""}`,
        );
    }
    const report: QualityGateReport = {
        policyFile: setup.policyFile,
        policy: setup.policy,
        policyCommit: setup.policyCommit,
        evaluation,
        approval,
    };
    const suggestions = suggestMemoryChanges(setup.terraformFiles, results);
    const fix = renderMemorySuggestions(suggestions);
    return {
        markdown: [...renderQualityGate(report), ...(fix.length > 0 ? ["", ...fix] : [])],
        pushLogNote: tuningPushNote(results, report),
        stale,
        exitCode: evaluation.verdict === "fail" || approval?.kind === "failed" ? 1 : 0,
    };
}

async function approve(
    client: PullRequestApprovals,
    pullRequest: PullRequestContext,
    decision: ReturnType<typeof decideApproval>,
): Promise<ApprovalOutcome> {
    if (decision.action === "none") return { kind: "skipped", reason: decision.reason };
    try {
        await client.updateApprovalState(pullRequest, decision.revisionId, decision.action);
        return { kind: decision.action === "APPROVE" ? "approved" : "revoked" };
    } catch (error) {
        return { kind: "failed", action: decision.action, error: describeError(error) };
    }
}
