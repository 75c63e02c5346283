// Any value from outside the runner as Markdown inline code: the one codec every comment, report and
// reason (also those the pure core writes) puts such a value through.

/** Line breaks of any kind (a Markdown renderer or the living comment's parser may start a line at each). */
const LINE_BREAKS = /\r\n|[\n\r\u0085\u2028\u2029]/g;
/** Other control characters, which no name or message needs. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Any value as inline code: the one way a value from outside the runner (a function's name or key,
 * a plan address, an output key, a file path, error text) reaches the comment. On one line a
 * value cannot start a fence, a heading, a list item or a living-comment marker, and inside a code
 * span nothing is a link, emphasis or HTML. What could still end the span or the table cell is
 * swapped for a look-alike: a backtick for ˋ, a pipe for │; a line break shows as ⏎.
 */
export function code(text: string): string {
    const shown = text.replace(LINE_BREAKS, "⏎").replace(CONTROLS, "�").replace(/`/g, "ˋ").replace(/\|/g, "│");
    // An empty code span is not one at all (CommonMark reads two backticks as text).
    return shown === "" ? "`\u00a0`" : `\`${shown}\``;
}
