// The copy section of the pull request's comment: what became of the push's throw-away copy after
// its destroy, as the sweep that followed it found it, and when whatever it could not remove is
// tried again.
import { SWEPT_KIND_WORDS, type ScheduledSweep } from "../core/sweep";
import type { SweepReport, SweptItem } from "../core/sweepReport";
import { withBuildLink } from "./comment";
import { plural, readableTime } from "./format";
import { code } from "../core/inlineCode";

/** The copy itself: its functions, roles and log groups (its Terraform state is not part of it). */
const isPartOfTheCopy = (item: SweptItem) => item.kind !== "state-object";

/** At most this many names are written out; the report lists them all. */
const NAMES_SHOWN = 5;

export interface CopySection {
    readonly markdown: string;
    readonly pushLogNote: string;
}

/** The copy's line for the comment and its push-log note, from a sweep of that copy's prefix. */
export function renderCopySection(
    report: Pick<SweepReport, "namePrefix" | "items" | "unlisted">,
    context: { readonly sourceCommit?: string; readonly scheduledSweep: ScheduledSweep; readonly buildUrl?: string; readonly now: number },
): CopySection {
    const left = report.items.filter(isPartOfTheCopy);
    const removed = left.filter((item) => item.outcome === "deleted");
    const failed = report.items.filter((item) => item.outcome === "failed");
    const copy = `**Throw-away copy${context.sourceCommit === undefined ? "" : ` ${code(context.sourceCommit.slice(0, 7))}`}`;
    const lines: string[] = [];
    if (left.length === 0 && failed.length === 0 && report.unlisted.length === 0) {
        lines.push(`🧹 ${copy}: destroyed.** The sweep after the destroy found nothing left named ${code(`${report.namePrefix}-…`)}.`);
        return { markdown: withBuild(lines, context.buildUrl), pushLogNote: "destroyed" };
    }
    const leftWords =
        left.length === 0
            ? "The destroy left nothing of the copy itself"
            : `The destroy left ${plural(left.length, "thing")} (${names(left)})`;
    if (failed.length === 0 && report.unlisted.length === 0) {
        lines.push(
            `🧹 ${copy}: removed by the sweep.** ${leftWords}; the sweep after it removed ${left.length === 1 ? "it" : "them all"}.`,
        );
        return {
            markdown: withBuild(lines, context.buildUrl),
            pushLogNote: `${plural(left.length, "thing")} left by the destroy, removed by the sweep`,
        };
    }
    const removedWords =
        removed.length === 0
            ? "removed nothing"
            : `removed ${removed.length}${removed.length === left.length ? "" : ` (${names(removed)})`}`;
    const failedWords =
        failed.length === 0
            ? ""
            : ` and could not remove ${failed.map((item) => `${SWEPT_KIND_WORDS[item.kind]} ${code(item.name)} (${item.error === undefined ? "no reason given" : code(item.error)})`).join(", ")}`;
    const found =
        left.length === 0 && failed.length === 0
            ? "The sweep after the destroy found nothing left of what it could list"
            : `${leftWords}; the sweep after it ${removedWords}${failedWords}`;
    lines.push(`⚠️ ${copy}: not all removed.** ${found}.`);
    for (const { kind, error } of report.unlisted)
        lines.push("", `It could not list the ${SWEPT_KIND_WORDS[kind]}s (${code(error)}), so what is left of those is unknown.`);
    lines.push("", retrySentence(report, failed, context.scheduledSweep, context.now));
    const notRemoved = failed.length === 0 ? "not all listed" : `${plural(failed.length, "thing")} not removed`;
    const pushLogNote = `${notRemoved}, ${context.scheduledSweep.schedule === undefined ? "no scheduled sweep retries" : "the scheduled sweep retries"}`;
    return { markdown: withBuild(lines, context.buildUrl), pushLogNote };
}

function withBuild(lines: readonly string[], buildUrl: string | undefined): string {
    const [first, ...rest] = lines;
    return [withBuildLink(first, buildUrl), ...rest, ""].join("\n");
}

/** `function \`a\`, role \`b\``, with the rest counted. */
function names(items: readonly SweptItem[]): string {
    const shown = items.slice(0, NAMES_SHOWN).map((item) => `${SWEPT_KIND_WORDS[item.kind]} ${code(item.name)}`);
    return items.length > NAMES_SHOWN ? `${shown.join(", ")} and ${items.length - NAMES_SHOWN} more` : shown.join(", ");
}

/**
 * When the scheduled sweep takes over: on its first run once the newest thing left is as old as
 * it requires; the time is written out when every such thing's age is known.
 */
function retrySentence(
    report: Pick<SweepReport, "namePrefix" | "unlisted">,
    failed: readonly SweptItem[],
    scheduledSweep: ScheduledSweep,
    now: number,
): string {
    const { schedule, olderThanHours } = scheduledSweep;
    if (schedule === undefined || olderThanHours === undefined) {
        return `Nothing retries this on a schedule: run ${code(`tuning-runner sweep --name-prefix ${report.namePrefix} --older-than 0`)} with permission to remove it.`;
    }
    const ages = failed.map((item) => (item.createdAt === undefined ? NaN : Date.parse(item.createdAt)));
    const known = report.unlisted.length === 0 && ages.length > 0 && ages.every((age) => !Number.isNaN(age));
    const oldEnoughAt = Math.max(...ages) + olderThanHours * 3_600_000;
    const age = plural(olderThanHours, "hour");
    const when = !known
        ? `on its first run once what is left is ${age} old`
        : oldEnoughAt <= now
          ? "on its next run"
          : `on its first run after ${readableTime(oldEnoughAt)}, when what is left is ${age} old`;
    return `The scheduled sweep (${code(schedule)}) tries again ${when}.`;
}
