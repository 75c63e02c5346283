// The plan section of the pull request's comment: a Terraform plan's counts as Terraform prints
// them and every change, destructive ones first; or, for a push that needed no copy, that nothing
// was planned.
import type { PlanAction, PlanSummary } from "../core/planSummary";
import { COMMENT_CHARACTER_LIMIT, fitToCommentLimit, withBuildLink } from "./comment";
import { code } from "../core/inlineCode";

const PLAN_HEADING = "## Terraform plan";

/** The plan comment for a pull request: counts as Terraform prints them and every change, cut to the limit. */
export function renderPlanComment(summary: PlanSummary, context: { buildUrl?: string }): string {
    const { toAdd, toChange, toDestroy, toReplace } = summary;
    const counts =
        summary.changes.length === 0
            ? "**No changes.** The infrastructure matches the configuration."
            : `**Plan: ${toAdd} to add, ${toChange} to change, ${toDestroy} to destroy.**${toReplace > 0 ? ` ${toReplace} of them replaced (destroyed and created again).` : ""}`;
    // Destructive changes first, so that cutting the comment never hides one.
    const ordered = [...summary.changes].sort((a, b) => PLAN_ACTION_ORDER.indexOf(a.action) - PLAN_ACTION_ORDER.indexOf(b.action));
    const table =
        ordered.length === 0
            ? []
            : [
                  "",
                  "| Action | Resource |",
                  "|---|---|",
                  ...ordered.map((change) => `| ${PLAN_ACTION_LABELS[change.action]} | ${code(change.address)} |`),
              ];
    const markdown = [PLAN_HEADING, "", withBuildLink(counts, context.buildUrl), ...table, ""].join("\n");
    return fitToCommentLimit(markdown, COMMENT_CHARACTER_LIMIT, "the plan in the build log");
}

const PLAN_ACTION_ORDER: readonly PlanAction[] = ["replace", "delete", "update", "create", "read"];

const PLAN_ACTION_LABELS: Record<PlanAction, string> = {
    replace: "`-/+` replace",
    delete: "`-` destroy",
    update: "`~` update in place",
    create: "`+` create",
    read: "`<=` read (data source)",
};

/** The plan in a few words, for the comment's push log. */
export function planPushNote(summary: PlanSummary): string {
    if (summary.changes.length === 0) return "no changes";
    return `${summary.toAdd} to add, ${summary.toChange} to change, ${summary.toDestroy} to destroy`;
}

/** The plan section for a push that needed no copy: nothing was planned, so the previous push's plan must not stay. */
export function renderNoCopyPlan(sourceCommit: string): string {
    return [
        PLAN_HEADING,
        "",
        `⏭️ **No plan for ${code(sourceCommit.slice(0, 7))}:** no file that can change a function changed, so nothing was planned or deployed.`,
        "",
    ].join("\n");
}

/** The plan section's push-log note for a push that needed no copy. */
export const NO_COPY_PLAN_PUSH_NOTE = "no plan: no function changed";
