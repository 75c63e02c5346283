import * as assert from "node:assert/strict";

import { COMMENT_CHARACTER_LIMIT } from "../../../../buildscripts/tuning-runner/markdown/comment";
import {
    composeLivingComment,
    isLivingComment,
    LIVING_COMMENT_MARKER,
    parseLivingComment,
    PUSH_LOG_LENGTH,
    type SectionUpdate,
} from "../../../../buildscripts/tuning-runner/markdown/livingComment";

const FIRST = "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080";
const SECOND = "8e1f0c2d3b4a59687766554433221100ffeeddcc";
const PLAN = "## Terraform plan\n\n**Plan: 1 to add, 0 to change, 0 to destroy.**\n";
const TUNING = "## Lambda power tuning\n\n1 function: 1 tuned.\n\n### ✅ `digest`: 256 MB recommended\n";

function plan(commit: string, fields: Partial<SectionUpdate> = {}): SectionUpdate {
    return {
        section: "plan",
        markdown: PLAN,
        commit,
        at: "2026-04-01T12:00:07.000Z",
        note: "1 to add, 0 to change, 0 to destroy",
        ...fields,
    };
}

function tuning(commit: string, fields: Partial<SectionUpdate> = {}): SectionUpdate {
    return { section: "tuning", markdown: TUNING, commit, at: "2026-04-01T12:09:30.000Z", note: "✅ gate passed, approved", ...fields };
}

/** Applies the updates one after another, each to the text the previous one left. */
function afterUpdates(...updates: SectionUpdate[]): string {
    return updates.reduce<string | undefined>((content, update) => composeLivingComment(content, update), undefined)!;
}

describe("living pull-request comment", () => {
    describe("its marker", () => {
        it("is the first line, so the runner recognises its own comment and nobody else's", () => {
            const content = afterUpdates(plan(FIRST));
            assert.equal(content.split("\n")[0], LIVING_COMMENT_MARKER);
            assert.ok(isLivingComment(content));
            assert.ok(!isLivingComment(`Looks good to me.\n${LIVING_COMMENT_MARKER}`));
        });

        it("and every section marker are link reference definitions between blank lines, which Markdown parses and never shows", () => {
            const lines = afterUpdates(plan(FIRST), tuning(FIRST)).split("\n");
            const markerLines = lines.map((line, index) => ({ line, index })).filter(({ line }) => line.startsWith("[//]: # ("));
            assert.equal(markerLines.length, 6, "comment marker, begin and end of two sections, history");
            for (const { line, index } of markerLines) {
                assert.match(line, /^\[\/\/\]: # \([^()]*\)$/);
                if (index > 0) assert.equal(lines[index - 1], "", `blank line before ${line}`);
                assert.equal(lines[index + 1], "", `blank line after ${line}`);
            }
        });
    });

    describe("sections", () => {
        it("keep the plan above the tuning results whichever is written first", () => {
            for (const content of [afterUpdates(plan(FIRST), tuning(FIRST)), afterUpdates(tuning(FIRST), plan(FIRST))]) {
                assert.deepEqual(
                    parseLivingComment(content).sections.map((section) => section.name),
                    ["plan", "tuning"],
                );
                assert.ok(content.indexOf("## Terraform plan") < content.indexOf("## Lambda power tuning"));
            }
        });

        it("round-trip: what is written is read back unchanged, with the commit and time it was written for", () => {
            const parsed = parseLivingComment(afterUpdates(plan(FIRST), tuning(FIRST)));
            assert.deepEqual(parsed.sections, [
                { name: "plan", commit: FIRST, at: "2026-04-01T12:00:07.000Z", markdown: PLAN.trim() },
                { name: "tuning", commit: FIRST, at: "2026-04-01T12:09:30.000Z", markdown: TUNING.trim() },
            ]);
        });

        it("show which commit they describe", () => {
            const content = afterUpdates(plan(FIRST), tuning(FIRST));
            assert.ok(content.includes("_For commit `3f2a9c1`, 2026-04-01 12:00 UTC._"));
            assert.ok(content.includes("_For commit `3f2a9c1`, 2026-04-01 12:09 UTC._"));
        });

        it("are replaced by a newer push, leaving the other section as it was", () => {
            const newPlan = "## Terraform plan\n\n**No changes.**";
            const parsed = parseLivingComment(afterUpdates(plan(FIRST), tuning(FIRST), plan(SECOND, { markdown: newPlan })));
            assert.deepEqual(
                parsed.sections.map(({ name, commit, markdown }) => ({ name, commit, markdown })),
                [
                    { name: "plan", commit: SECOND, markdown: newPlan },
                    { name: "tuning", commit: FIRST, markdown: TUNING.trim() },
                ],
            );
        });

        it("are kept when the update comes from a stale build, which only adds its note to the history", () => {
            const content = afterUpdates(
                plan(FIRST),
                plan(SECOND),
                tuning(SECOND),
                tuning(FIRST, { stale: true, markdown: "## stale results", note: "not applied: stale build" }),
            );
            const parsed = parseLivingComment(content);
            assert.equal(parsed.sections.find((section) => section.name === "tuning")!.commit, SECOND);
            assert.ok(!content.includes("## stale results"));
            assert.equal(parsed.pushLog[0].notes.tuning, "not applied: stale build");
        });

        it("are kept when a build of an earlier push finishes after the later push's build", () => {
            const parsed = parseLivingComment(
                afterUpdates(plan(FIRST), plan(SECOND), tuning(SECOND), tuning(FIRST, { markdown: "## older results" })),
            );
            assert.equal(parsed.sections.find((section) => section.name === "tuning")!.commit, SECOND);
        });
    });

    describe("history", () => {
        it("has one line per push with its commit, time and each section's verdict", () => {
            const content = afterUpdates(plan(FIRST), tuning(FIRST), plan(SECOND, { note: "no changes" }));
            const lines = content.split("\n").filter((line) => line.startsWith("- `"));
            assert.deepEqual(lines, [
                "- `3f2a9c1` · 2026-04-01 12:00 UTC · plan: 1 to add, 0 to change, 0 to destroy · tuning: ✅ gate passed, approved",
                "- `8e1f0c2` · 2026-04-01 12:00 UTC · plan: no changes",
            ]);
        });

        it(`keeps the last ${PUSH_LOG_LENGTH} pushes`, () => {
            const commits = Array.from({ length: PUSH_LOG_LENGTH + 3 }, (_, index) => index.toString(16).padStart(7, "0").padEnd(40, "a"));
            const parsed = parseLivingComment(afterUpdates(...commits.map((commit) => plan(commit))));
            assert.deepEqual(
                parsed.pushLog.map((entry) => entry.commit),
                commits.slice(3).map((commit) => commit.slice(0, 7)),
            );
        });

        it("keeps a note readable on one line even when it holds the separator or a line break", () => {
            const content = afterUpdates(tuning(FIRST, { note: "❌ gate failed · 2 violations\nsee below" }));
            assert.deepEqual(parseLivingComment(content).pushLog[0].notes, { tuning: "❌ gate failed, 2 violations see below" });
        });
    });

    describe("size", () => {
        const bigTable = (title: string, rows: number) =>
            [
                `## ${title}`,
                "",
                "| Action | Resource |",
                "|---|---|",
                ...Array.from({ length: rows }, (_, i) => `| \`+\` create | \`aws_lambda_function.function["fn${i}"]\` |`),
            ].join("\n");

        it(`stays within ${COMMENT_CHARACTER_LIMIT} characters, cutting the sections on whole lines and keeping both, in order, and the whole history`, () => {
            const commits = Array.from({ length: PUSH_LOG_LENGTH }, (_, index) => `${index}`.padStart(7, "0").padEnd(40, "b"));
            const updates = commits.flatMap((commit) => [
                plan(commit, { markdown: bigTable("Terraform plan", 400) }),
                tuning(commit, { markdown: bigTable("Lambda power tuning", 400) }),
            ]);
            const content = afterUpdates(...updates);
            assert.ok(content.length <= COMMENT_CHARACTER_LIMIT, `${content.length} characters`);
            const parsed = parseLivingComment(content);
            assert.deepEqual(
                parsed.sections.map((section) => section.name),
                ["plan", "tuning"],
            );
            assert.equal(parsed.pushLog.length, PUSH_LOG_LENGTH);
            assert.ok(content.includes("see the plan in the build log"));
            assert.ok(content.includes("see the results file and the build log"));
            for (const section of parsed.sections) {
                const rows = section.markdown.split("\n").filter((line) => line.startsWith("| `+`"));
                assert.ok(rows.length > 20, `${section.name} keeps a fair share (${rows.length} rows)`);
                assert.ok(
                    rows.every((row) => row.endsWith("|")),
                    "rows are whole",
                );
            }
        });

        it("gives a short section all it needs and the long one the rest", () => {
            const content = afterUpdates(plan(FIRST), tuning(FIRST, { markdown: bigTable("Lambda power tuning", 400) }));
            assert.ok(content.length <= COMMENT_CHARACTER_LIMIT);
            assert.ok(content.length > COMMENT_CHARACTER_LIMIT - 200, `the room is used: ${content.length}`);
            assert.equal(parseLivingComment(content).sections[0].markdown, PLAN.trim());
        });

        it("closes a code fence the cut would leave open", () => {
            const fencedLog = [
                "## Lambda power tuning",
                "",
                "```text",
                ...Array.from({ length: 2000 }, (_, i) => `log line ${i}`),
                "```",
            ].join("\n");
            const tuningMarkdown = parseLivingComment(afterUpdates(tuning(FIRST, { markdown: fencedLog }))).sections[0].markdown;
            const fences = tuningMarkdown.split("\n").filter((line) => line.startsWith("```"));
            assert.equal(fences.length % 2, 0, "fences pair up");
        });
    });

    it("starts afresh from a comment that is not its own", () => {
        const parsed = parseLivingComment(composeLivingComment("Please also tune the resize function.", plan(FIRST)));
        assert.deepEqual(
            parsed.pushLog.map((entry) => entry.commit),
            ["3f2a9c1"],
        );
        assert.equal(parsed.sections.length, 1);
    });
});
