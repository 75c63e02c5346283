// One comment per pull request that every build updates (functional core): the Terraform plan,
// the tuning results and what became of the throw-away copy as sections, and a push log: a short
// line per push. The shell finds the
// earlier comment and posts or updates the text composed here.
//
// Markers are Markdown link reference definitions (`[//]: # (…)`), which every Markdown renderer
// parses and never displays — unlike HTML comments, which a renderer that escapes raw HTML shows
// as text. Each stands on its own line between blank lines, as CommonMark requires.

import { COMMENT_CHARACTER_LIMIT, fitToCommentLimit } from "./comment";
import { readableTime } from "./format";

/** The first line of the comment: how the runner recognises its own comment. */
export const LIVING_COMMENT_MARKER = "[//]: # (lambda-power-tuned)";

const SECTION_NAMES = ["plan", "tuning", "copy"] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/** How many pushes the push log keeps (the oldest go first). */
export const PUSH_LOG_LENGTH = 10;

const SEE_ALSO: Record<SectionName, string> = {
    plan: "the plan in the build log",
    tuning: "the results file and the build log",
    copy: "the sweep report and the build log",
};

export interface CommentSection {
    readonly name: SectionName;
    /** The full commit the section describes, and when it was written (ISO-8601). */
    readonly commit: string;
    readonly at: string;
    readonly markdown: string;
}

/** One push: its commit (7 characters), when it was first seen, and what each section said about it. */
export interface PushLogEntry {
    readonly commit: string;
    readonly at: string;
    readonly notes: Partial<Record<SectionName, string>>;
}

export interface LivingComment {
    /** In SECTION_NAMES order, each at most once. */
    readonly sections: readonly CommentSection[];
    /** Oldest first. */
    readonly pushLog: readonly PushLogEntry[];
}

export interface SectionUpdate {
    readonly section: SectionName;
    readonly markdown: string;
    /** The PR's source commit this build ran on. */
    readonly commit: string;
    /** ISO-8601, from the shell's clock. */
    readonly at: string;
    /** The push log's note for this section, e.g. "1 to add, 0 to change, 0 to destroy". */
    readonly note: string;
    /** The PR has moved on to a newer commit: record the note, keep the newer section. */
    readonly stale?: boolean;
}

export function isLivingComment(content: string): boolean {
    return content === LIVING_COMMENT_MARKER || content.startsWith(`${LIVING_COMMENT_MARKER}\n`);
}

/** The comment's new text: `existing` (the earlier comment's text, if any) with one section replaced and the push recorded. */
export function composeLivingComment(existing: string | undefined, update: SectionUpdate, limit = COMMENT_CHARACTER_LIMIT): string {
    const previous = existing !== undefined && isLivingComment(existing) ? parseLivingComment(existing) : { sections: [], pushLog: [] };
    return renderLivingComment(applySectionUpdate(previous, update), limit);
}

/**
 * Replaces the update's section unless the update is stale: marked so by the caller, or older
 * than the commit the section already shows (builds of two pushes can finish in either order;
 * the push log records pushes in the order they were first seen).
 */
function applySectionUpdate(comment: LivingComment, update: SectionUpdate): LivingComment {
    const shortCommit = update.commit.slice(0, 7);
    const note = update.note.replace(/\s*\n\s*/g, " ").replace(/ · /g, ", ");
    const existing = comment.pushLog.find((entry) => entry.commit === shortCommit);
    const pushLog = existing
        ? comment.pushLog.map((entry) => (entry === existing ? { ...entry, notes: { ...entry.notes, [update.section]: note } } : entry))
        : [...comment.pushLog, { commit: shortCommit, at: update.at, notes: { [update.section]: note } }];
    const current = comment.sections.find((section) => section.name === update.section);
    const position = (commit: string) => pushLog.findIndex((entry) => entry.commit === commit.slice(0, 7));
    const supersededByCurrent = current !== undefined && position(current.commit) > position(update.commit);
    const sections =
        update.stale || supersededByCurrent
            ? comment.sections
            : SECTION_NAMES.flatMap((name) => {
                  if (name === update.section) return [{ name, commit: update.commit, at: update.at, markdown: update.markdown }];
                  return comment.sections.filter((section) => section.name === name);
              });
    return { sections, pushLog: pushLog.slice(-PUSH_LOG_LENGTH) };
}

const SECTION_NAME = `(${SECTION_NAMES.join("|")})`;
const BEGIN = new RegExp(`^\\[//\\]: # \\(lambda-power-tuned:begin ${SECTION_NAME} ([0-9a-f]{7,40}) (\\S+)\\)$`);
const END = (name: SectionName) => `[//]: # (lambda-power-tuned:end ${name})`;
// The push log's marker and heading say "history": comments already posted carry them.
const PUSH_LOG_MARKER = "[//]: # (lambda-power-tuned:history)";
const PUSH_LOG_NOTE = new RegExp(`^${SECTION_NAME}: (.+)$`);
const PUSH_LOG_LINE = /^- `([0-9a-f]{7})` · ([^·]+?) · (.+)$/;
const STAMP = /^_For commit `[0-9a-f]{7}`, .+\._$/;

/** Reads a comment written by renderLivingComment; whatever does not parse is left out. */
export function parseLivingComment(content: string): LivingComment {
    const lines = content.split("\n");
    const sections: CommentSection[] = [];
    for (let index = 0; index < lines.length; index++) {
        const begin = BEGIN.exec(lines[index]);
        if (!begin) continue;
        const name = begin[1] as SectionName;
        const end = lines.indexOf(END(name), index + 1);
        if (end === -1 || sections.some((section) => section.name === name)) continue;
        const body = lines.slice(index + 1, end);
        while (body.length > 0 && body[body.length - 1].trim() === "") body.pop();
        if (body.length > 0 && STAMP.test(body[body.length - 1])) body.pop();
        sections.push({ name, commit: begin[2], at: begin[3], markdown: body.join("\n").trim() });
        index = end;
    }
    const pushLogStart = lines.indexOf(PUSH_LOG_MARKER);
    const pushLog = pushLogStart === -1 ? [] : lines.slice(pushLogStart + 1).flatMap((line) => parsePushLogLine(line) ?? []);
    return { sections: SECTION_NAMES.flatMap((name) => sections.filter((section) => section.name === name)), pushLog };
}

function parsePushLogLine(line: string): PushLogEntry | undefined {
    const match = PUSH_LOG_LINE.exec(line);
    if (!match) return undefined;
    const notes: Partial<Record<SectionName, string>> = {};
    for (const part of match[3].split(" · ")) {
        const note = PUSH_LOG_NOTE.exec(part);
        if (note) notes[note[1] as SectionName] = note[2];
    }
    return { commit: match[1], at: match[2], notes };
}

/**
 * The comment's text, at most `limit` characters. Marker lines, section order and the push log
 * always stay; when the sections are too long together, each gets an equal share of the room
 * left (a short one gives what it does not need to the others) and is cut on whole lines.
 */
function renderLivingComment(comment: LivingComment, limit = COMMENT_CHARACTER_LIMIT): string {
    // Without bodies; each body adds its own length and one blank-line separator.
    const fixed =
        assemble(
            comment,
            comment.sections.map(() => ""),
        ).length +
        2 * comment.sections.length;
    const budgets = shareRoom(
        comment.sections.map((section) => section.markdown.length),
        limit - fixed,
    );
    const bodies = comment.sections.map((section, index) =>
        fitToCommentLimit(section.markdown, budgets[index], SEE_ALSO[section.name]).trimEnd(),
    );
    return assemble(comment, bodies);
}

/** Splits `room` between wants: nobody gets more than they want, the rest is shared equally. */
function shareRoom(wants: readonly number[], room: number): number[] {
    const shares = wants.map(() => 0);
    let left = Math.max(0, room);
    const order = wants.map((want, index) => ({ want, index })).sort((a, b) => a.want - b.want);
    order.forEach(({ want, index }, position) => {
        shares[index] = Math.min(want, Math.floor(left / (order.length - position)));
        left -= shares[index];
    });
    return shares;
}

function assemble(comment: LivingComment, bodies: readonly string[]): string {
    const blocks = [
        LIVING_COMMENT_MARKER,
        "_Kept up to date by the power-tuning build: each push replaces the results below and adds a line to the history._",
        ...comment.sections.flatMap((section, index) => [
            `[//]: # (lambda-power-tuned:begin ${section.name} ${section.commit} ${section.at})`,
            ...(bodies[index] === "" ? [] : [bodies[index]]),
            `_For commit \`${section.commit.slice(0, 7)}\`, ${readableTime(section.at)}._`,
            END(section.name),
        ]),
        PUSH_LOG_MARKER,
        ["#### History", "", ...comment.pushLog.map(pushLogLine)].join("\n"),
    ];
    return `${blocks.join("\n\n")}\n`;
}

function pushLogLine(entry: PushLogEntry): string {
    const notes = SECTION_NAMES.filter((name) => entry.notes[name] !== undefined).map((name) => `${name}: ${entry.notes[name]}`);
    return `- \`${entry.commit}\` · ${readableTime(entry.at)} · ${notes.join(" · ")}`;
}
