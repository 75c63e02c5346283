import * as assert from "node:assert/strict";

import { classifyExecution } from "../../../../buildscripts/tuning-runner/core/execution";
import { resultFromVisualizationUrl, tuningResultFromOutcome } from "../../../../buildscripts/tuning-runner/core/results";
import type { TuningResult } from "../../../../buildscripts/tuning-runner/core/resultsFile";
import type { ExecutionDescription } from "../../../../buildscripts/tuning-runner/core/types";
import { COMMENT_CHARACTER_LIMIT, fitToCommentLimit } from "../../../../buildscripts/tuning-runner/markdown/comment";
import { formatDurationMs, formatUsd } from "../../../../buildscripts/tuning-runner/markdown/format";
import { renderReport, renderTuningComment } from "../../../../buildscripts/tuning-runner/markdown/tuningReport";
import { loadFixture, readFixtureText } from "../../../fixtures";

const BUILD_URL =
    "https://us-east-1.console.aws.amazon.com/codesuite/codebuild/123456789012/projects/power-tuned-pr/build/power-tuned-pr%3A1b2c";
const ORIGINAL_DESIGN_URL = "https://lambda-power-tuning.show/#gAAAAQACAAQ=;AAAAQAAAAEAAAABAAAAAQA==;b6VpMW+l6TFvpWkyb6XpMg==";

function resultFor(
    name: string,
    description: ExecutionDescription,
    strategy: TuningResult["strategy"] = "cost",
    history?: any[],
): TuningResult {
    return tuningResultFromOutcome(
        { name, arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}` },
        classifyExecution(description, history),
        { strategy },
    );
}

const digest = resultFor("digest", { status: "SUCCEEDED", output: readFixtureText("power-tuning/output-cost-x86-4-powers.json") });
const thumbnail = resultFor(
    "thumbnail",
    { status: "SUCCEEDED", output: readFixtureText("power-tuning/output-balanced-arm64-6-powers.json") },
    "balanced",
);
const emptyOutput = loadFixture("power-tuning/execution-succeeded-empty-output.json");
const resize = resultFor("resize", emptyOutput.DescribeExecution, "cost", emptyOutput.GetExecutionHistory.events);

/** The lines of one function's section: from its heading to the next heading or rule. */
function sectionOf(markdown: string, name: string): string[] {
    const lines = markdown.split("\n");
    const start = lines.findIndex((line) => line.startsWith("### ") && line.includes(`\`${name}\``));
    assert.ok(start >= 0, `no section for ${name}`);
    const end = lines.findIndex((line, index) => index > start && (line.startsWith("### ") || line === "---"));
    return lines.slice(start, end < 0 ? undefined : end);
}

function tableRows(section: readonly string[]): string[][] {
    return section.filter((line) => line.startsWith("| ") && !line.startsWith("| Memory")).map((line) => line.slice(2, -2).split(" | "));
}

describe("tuning comment", () => {
    it("shows every memory size with duration, cost per invocation and cost per 1M invocations including the request charge", () => {
        const rows = tableRows(sectionOf(renderTuningComment([digest], {}), "digest"));
        // cost per 1M = averagePrice × 1e6 + $0.20, e.g. 1.6926e-6 × 1e6 + 0.20 = $1.8926 → $1.89
        assert.deepEqual(rows, [
            ["128", "821 ms", "$0.00000173", "$1.93"],
            ["**256** ✅", "**402 ms**", "**$0.00000169**", "**$1.89**"],
            ["512", "202 ms", "$0.00000171", "$1.91"],
            ["1024", "110 ms", "$0.00000185", "$2.05"],
        ]);
    });

    it("marks the recommended row of a balanced run and writes long durations in seconds", () => {
        const section = sectionOf(renderTuningComment([thumbnail], {}), "thumbnail");
        assert.equal(section[0], "### ✅ `thumbnail`: 1536 MB recommended");
        const rows = tableRows(section);
        assert.deepEqual(rows[0], ["128", "3.54 s", "$0.00000601", "$6.21"]);
        assert.deepEqual(rows[4], ["**1536** ✅", "**303 ms**", "**$0.00000620**", "**$6.40**"]);
        assert.deepEqual(rows[5], ["3008", "265 ms", "$0.0000106", "$10.8"]);
        assert.equal(rows.filter((row) => row[0].includes("✅")).length, 1);
    });

    it("states the strategy, what the tuning run itself cost and the chart link", () => {
        const details = sectionOf(renderTuningComment([digest], {}), "digest").find((line) => line.startsWith("Strategy:"));
        assert.equal(
            details,
            "Strategy: cost (the cheapest memory size) · this tuning run cost $0.000525 (Step Functions $0.000450 + Lambda $0.0000751) · " +
                "[chart on lambda-power-tuning.show](https://lambda-power-tuning.show/#gAAAAQACAAQ=;IlJNRAAAyUMiYkpD3l3bQg==;yK/nNUst4zU63uQ1zAj4NQ==).",
        );
    });

    it("explains the request charge in a footnote under the tables", () => {
        const comment = renderTuningComment([digest], {});
        assert.match(comment, /\n---\n\\\* Includes Lambda's request charge of \$0\.20 per 1M invocations/);
    });

    it("lists failures first with the error and its readable cause", () => {
        const comment = renderTuningComment([digest, resize], {});
        assert.ok(comment.indexOf("`resize`") < comment.indexOf("`digest`"));
        assert.deepEqual(sectionOf(comment, "resize"), [
            "### ❌ `resize`: tuning failed",
            "",
            'Reason (`Error`): `Error: Invocation error (running in parallel) - original error type: "Runtime.ExitError", original error message: "RequestId: 6f0c Error: Runtime exited with error: signal: killed",trace: "[]"`',
            "",
        ]);
    });

    it("counts the outcomes under the heading and links the build log when it is known", () => {
        const timedOut = resultFor("slow", { status: "TIMED_OUT" });
        const comment = renderTuningComment([digest, resize, timedOut], { buildUrl: BUILD_URL });
        assert.equal(comment.split("\n")[0], "## Lambda power tuning");
        assert.equal(comment.split("\n")[2], `3 functions: 1 failed, 1 timed out, 1 tuned. [Build log](${BUILD_URL})`);
        assert.equal(sectionOf(comment, "slow")[0], "### ⌛ `slow`: tuning timed out");
        assert.doesNotMatch(renderTuningComment([digest], {}), /Build log/);
    });

    it("says a dry run measured nothing, without a footnote about prices", () => {
        const dryRun = resultFor("digest", { status: "SUCCEEDED", output: "null" });
        const comment = renderTuningComment([dryRun], {});
        assert.equal(sectionOf(comment, "digest")[0], "### ℹ️ `digest`: dry run, nothing measured");
        assert.doesNotMatch(comment, /request charge/);
    });

    it("says so when no function was tuned", () => {
        assert.match(renderTuningComment([], {}), /^## Lambda power tuning\n\nNo functions were tuned\.\n$/);
    });

    it("shows the recommended row alone when the output carried neither stats nor a visualization link", () => {
        const { stats: _omitted, ...output } = loadFixture("power-tuning/output-cost-x86-4-powers.json");
        const result = resultFor("digest", {
            status: "SUCCEEDED",
            output: JSON.stringify({ ...output, stateMachine: { executionCost: 0.00045, lambdaCost: 0.000075 } }),
        });
        assert.deepEqual(tableRows(sectionOf(renderTuningComment([result], {}), "digest")), [
            ["**256** ✅", "**402 ms**", "**$0.00000169**", "**$1.89**"],
        ]);
    });

    it("shows the full table decoded from the visualization link when the output carried no stats, and says so", () => {
        const { stats: _omitted, ...output } = loadFixture("power-tuning/output-cost-x86-4-powers.json");
        const result = resultFor("digest", { status: "SUCCEEDED", output: JSON.stringify(output) });
        const section = sectionOf(renderTuningComment([result], {}), "digest");
        assert.deepEqual(tableRows(section), [
            ["128", "821 ms", "$0.00000173", "$1.93"],
            ["**256** ✅", "**402 ms**", "**$0.00000169**", "**$1.89**"],
            ["512", "202 ms", "$0.00000171", "$1.91"],
            ["1024", "110 ms", "$0.00000185", "$2.05"],
        ]);
        assert.ok(
            section.some(
                (line) => line.startsWith("Figures decoded from the lambda-power-tuning.show link") && line.includes("float32 precision"),
            ),
            section.join("\n"),
        );
        const withStats = sectionOf(renderTuningComment([digest], {}), "digest");
        assert.ok(!withStats.some((line) => line.startsWith("Figures decoded")), "no note when the output had stats");
    });

    it("keeps a cause with backticks and line breaks on its own line, as code: it opens no heading", () => {
        const failed = resultFor("api", { status: "FAILED", error: "Error", cause: "bad ```\n## not a heading" });
        const section = sectionOf(renderTuningComment([failed], {}), "api");
        assert.equal(section[2], "Reason (`Error`): `bad ˋˋˋ⏎## not a heading`");
        assert.ok(!section.some((line) => line.startsWith("## ")));
    });

    it("shortens a very long cause", () => {
        const failed = resultFor("api", { status: "FAILED", error: "Error", cause: "x".repeat(5000) });
        const cause = sectionOf(renderTuningComment([failed], {}), "api")[2].split(": ")[1];
        assert.equal(cause.length, 1002, "1000 characters between the backticks");
        assert.ok(cause.endsWith("…`"));
    });

    it("renders the original design's link with 128 MB recommended as the cheapest", () => {
        const rows = tableRows(sectionOf(renderReport([resultFromVisualizationUrl(ORIGINAL_DESIGN_URL, "original")], {}), "original"));
        assert.deepEqual(rows, [
            ["**128** ✅", "**2.00 ms**", "**$0.00000000340**", "**$0.203**"],
            ["256", "2.00 ms", "$0.00000000680", "$0.207"],
            ["512", "2.00 ms", "$0.0000000136", "$0.214"],
            ["1024", "2.00 ms", "$0.0000000272", "$0.227"],
        ]);
    });

    it("fits many functions into the comment limit, keeping the failures and saying what was cut", () => {
        const many = Array.from({ length: 40 }, (_, index) => ({ ...thumbnail, name: `function-${index}` }));
        const comment = renderTuningComment([...many, resize], { buildUrl: BUILD_URL });
        assert.ok(comment.length <= COMMENT_CHARACTER_LIMIT, `${comment.length} characters`);
        assert.match(comment, /Build log/);
        assert.match(comment, /### ❌ `resize`: tuning failed/);
        assert.match(
            comment,
            /_✂️ \d+ more lines omitted: CodeCommit comments are limited to 10,240 characters; see the results file and the build log\._$/,
        );
        assert.ok(renderReport([...many, resize], {}).length > COMMENT_CHARACTER_LIMIT, "the report itself is not cut");
    });
});

describe("numbers for people", () => {
    it("writes durations with three significant digits, in seconds from one second on", () => {
        const expected: Array<[number, string]> = [
            [402, "402 ms"],
            [109.68333333333334, "110 ms"],
            [2, "2.00 ms"],
            [999.4, "999 ms"],
            [999.7, "1.00 s"],
            [3536.5958809486438, "3.54 s"],
            [Number.NaN, "—"],
        ];
        for (const [milliseconds, text] of expected) assert.equal(formatDurationMs(milliseconds), text);
    });

    it("writes dollars with three significant digits and no scientific notation", () => {
        const expected: Array<[number, string]> = [
            [0.0000016926000000000001, "$0.00000169"],
            [1.8926, "$1.89"],
            [0.0005250855, "$0.000525"],
            [9.996, "$10.0"],
            [1234.5, "$1,230"],
            [150_123, "$150,000"],
            [0, "$0"],
            [Number.POSITIVE_INFINITY, "—"],
        ];
        for (const [usd, text] of expected) assert.equal(formatUsd(usd), text);
    });
});

describe("comment size limit", () => {
    const lines = (count: number, width = 49) =>
        Array.from({ length: count }, (_, index) => `${String(index).padStart(4, "0")} ${"x".repeat(width - 5)}`);

    it("leaves Markdown at or under the limit untouched", () => {
        const markdown = "a".repeat(COMMENT_CHARACTER_LIMIT);
        assert.equal(fitToCommentLimit(markdown), markdown);
        assert.equal(fitToCommentLimit("short\n"), "short\n");
    });

    it("cuts one character over the limit on a whole line and says how much it left out", () => {
        const markdown = lines(300).join("\n");
        const fitted = fitToCommentLimit(markdown, markdown.length - 1);
        assert.ok(fitted.length <= markdown.length - 1);
        const kept = fitted.split("\n").slice(0, -2);
        assert.deepEqual(kept, lines(kept.length));
        const omitted = 300 - kept.length;
        assert.ok(omitted >= 1);
        assert.ok(
            fitted.endsWith(
                `_✂️ ${omitted} more lines omitted: CodeCommit comments are limited to ${(markdown.length - 1).toLocaleString("en-US")} characters; see the build log._`,
            ),
        );
    });

    it("never exceeds the limit, whatever the limit", () => {
        const markdown = lines(400, 37).join("\n");
        for (let limit = 200; limit < markdown.length; limit += 331) {
            const fitted = fitToCommentLimit(markdown, limit);
            assert.ok(fitted.length <= limit, `limit ${limit}: ${fitted.length}`);
            assert.ok(markdown.startsWith(fitted.slice(0, fitted.lastIndexOf("\n\n"))), `limit ${limit}: the kept part is not a prefix`);
        }
    });

    it("closes a code fence left open by the cut", () => {
        const markdown = ["# Log", "", "~~~~text", ...lines(400), "~~~~", "after"].join("\n");
        const fitted = fitToCommentLimit(markdown, 5000);
        assert.ok(fitted.length <= 5000);
        const fitLines = fitted.split("\n");
        assert.equal(fitLines[fitLines.length - 3], "~~~~");
        assert.equal(fitLines.filter((line) => line.startsWith("~~~")).length, 2);
    });

    it("does not add a fence when the cut falls after the block closed", () => {
        const markdown = ["```", "code", "```", ...lines(400)].join("\n");
        const fitted = fitToCommentLimit(markdown, 3000);
        assert.equal(fitted.split("\n").filter((line) => line === "```").length, 2);
    });

    it("treats a shorter or different fence inside a block as content", () => {
        const markdown = ["````", "```", "~~~", ...lines(400)].join("\n");
        const fitLines = fitToCommentLimit(markdown, 3000).split("\n");
        assert.equal(fitLines[fitLines.length - 3], "````");
    });

    it("counts only non-blank lines as omitted", () => {
        const markdown = ["head", "", "x".repeat(100), "", "", "y".repeat(100), ""].join("\n");
        assert.equal(
            fitToCommentLimit(markdown, 150, "the log"),
            "head\n\n\n_✂️ 2 more lines omitted: CodeCommit comments are limited to 150 characters; see the log._",
        );
    });
});

describe("what a push's tuning cost", () => {
    const costLine = (markdown: string) => markdown.split("\n").find((line) => line.startsWith("This push's tuning cost"));

    it("adds up every execution's Step Functions and Lambda cost; a reused result ran nothing and costs nothing", () => {
        const reused: TuningResult = {
            ...thumbnail,
            stateMachineCostUsd: undefined,
            lambdaCostUsd: undefined,
            reused: { recordedAt: "2026-11-26T17:00:00.000Z", commit: "0123456" },
        };
        assert.equal(
            costLine(renderReport([digest, reused], {})),
            "This push's tuning cost $0.000525 (Step Functions $0.000450 + Lambda $0.0000751, as the tool reports them) for 1 function; 1 reused result cost nothing.",
        );
    });

    it("says nothing when no execution ran (every result reused, or a failure without figures)", () => {
        assert.equal(costLine(renderReport([resize], {})), undefined);
    });
});
