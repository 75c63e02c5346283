// What every section of the pull request's comment shares: CodeCommit's size limit and how a
// section is cut to it, and the link to the build's log.
import { groupThousands } from "../core/numbers";
import { plural } from "./format";

/** CodeCommit rejects longer comments (CommentContentSizeLimitExceededException). */
export const COMMENT_CHARACTER_LIMIT = 10240;

/** `line` followed by a link to the build's log, when there is one. */
export function withBuildLink(line: string, buildUrl: string | undefined): string {
    return buildUrl === undefined ? line : `${line} [Build log](${buildUrl})`;
}

/**
 * Cuts `markdown` to at most `limit` characters on whole lines (table rows, sections), closes a
 * code fence left open by the cut, and ends with a note saying how much was cut and where the
 * rest is.
 */
export function fitToCommentLimit(markdown: string, limit = COMMENT_CHARACTER_LIMIT, seeAlso = "the build log"): string {
    if (markdown.length <= limit) return markdown;
    const lines = markdown.split("\n");
    const closingFenceAfter = closingFences(lines);
    const note = (kept: number) => {
        const omitted = lines.slice(kept).filter((line) => line.trim() !== "").length;
        return `_✂️ ${plural(omitted, "more line")} omitted: CodeCommit comments are limited to ${groupThousands(String(limit))} characters; see ${seeAlso}._`;
    };
    // Characters of the first `kept` lines, each with its newline.
    let keptLength = markdown.length + 1;
    for (let kept = lines.length - 1; kept >= 0; kept--) {
        keptLength -= lines[kept].length + 1;
        if (keptLength > limit) continue;
        const closing = kept > 0 ? closingFenceAfter[kept - 1] : undefined;
        const tail = `${closing === undefined ? "" : `${closing}\n`}\n${note(kept)}`;
        if (keptLength + tail.length <= limit)
            return (
                lines
                    .slice(0, kept)
                    .map((line) => `${line}\n`)
                    .join("") + tail
            );
    }
    return note(0).slice(0, limit);
}

/** For each line, the fence that would close a code block still open after it (CommonMark rules). */
function closingFences(lines: readonly string[]): Array<string | undefined> {
    let open: string | undefined;
    return lines.map((line) => {
        const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
        if (open === undefined && fence !== undefined) open = fence;
        else if (open !== undefined && fence !== undefined && fence[0] === open[0] && fence.length >= open.length && line.trim() === fence)
            open = undefined;
        return open;
    });
}
