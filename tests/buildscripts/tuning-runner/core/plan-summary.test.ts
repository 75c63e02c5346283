import * as assert from "node:assert/strict";

import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import { summarizeTerraformPlan } from "../../../../buildscripts/tuning-runner/core/planSummary";
import { COMMENT_CHARACTER_LIMIT } from "../../../../buildscripts/tuning-runner/markdown/comment";
import { planPushNote, renderPlanComment } from "../../../../buildscripts/tuning-runner/markdown/planSection";
import { loadFixture } from "../../../fixtures";

const PLAN = "terraform/plan-add-update-replace-delete.json";

function planWith(actions: string[][]): unknown {
    return {
        format_version: "1.2",
        resource_changes: actions.map((action, index) => ({ address: `aws_sqs_queue.q${index}`, change: { actions: action } })),
    };
}

function assertInputError(run: () => unknown, pattern: RegExp): void {
    assert.throws(run, (error: unknown) => error instanceof InputError && pattern.test(error.message));
}

describe("Terraform plan summary", () => {
    it("counts as Terraform prints them: a replacement is one add and one destroy", () => {
        const summary = summarizeTerraformPlan(loadFixture(PLAN));
        assert.deepEqual(
            { toAdd: summary.toAdd, toChange: summary.toChange, toDestroy: summary.toDestroy, toReplace: summary.toReplace },
            { toAdd: 5, toChange: 1, toDestroy: 5, toReplace: 1 },
        );
    });

    it("lists every resource that changes with its action, leaving no-ops out", () => {
        const summary = summarizeTerraformPlan(loadFixture(PLAN));
        assert.equal(summary.changes.length, 12);
        assert.ok(!summary.changes.some((change) => change.address === 'aws_iam_role.function["digest"]'));
        assert.deepEqual(
            summary.changes.find((change) => change.address === 'aws_lambda_function.function["digest"]'),
            {
                address: 'aws_lambda_function.function["digest"]',
                action: "update",
            },
        );
        assert.deepEqual(
            summary.changes.filter((change) => change.action === "read").map((change) => change.address),
            ['data.archive_file.package["thumbnail"]', 'data.aws_iam_policy_document.write_own_logs["thumbnail"]'],
        );
    });

    it("reads a replacement in either order (create_before_destroy runs create first)", () => {
        const summary = summarizeTerraformPlan(
            planWith([
                ["delete", "create"],
                ["create", "delete"],
            ]),
        );
        assert.deepEqual(
            summary.changes.map((change) => change.action),
            ["replace", "replace"],
        );
        assert.deepEqual([summary.toAdd, summary.toDestroy, summary.toReplace], [2, 2, 2]);
    });

    it("does not count data source reads", () => {
        const summary = summarizeTerraformPlan(planWith([["read"], ["no-op"]]));
        assert.deepEqual([summary.toAdd, summary.toChange, summary.toDestroy, summary.toReplace, summary.changes.length], [0, 0, 0, 0, 1]);
    });

    it("reads a plan without resource_changes as no changes", () => {
        assert.deepEqual(summarizeTerraformPlan({ format_version: "1.2" }), {
            toAdd: 0,
            toChange: 0,
            toReplace: 0,
            toDestroy: 0,
            changes: [],
        });
    });

    it("rejects what is not a Terraform JSON plan, naming what it got", () => {
        assertInputError(
            () => summarizeTerraformPlan([]),
            /^Terraform plan is \[\]; allowed: the JSON printed by `terraform show -json <planfile>`/,
        );
        assertInputError(() => summarizeTerraformPlan({ arn: { value: "x" } }), /Terraform plan is "an object without format_version"/);
        assertInputError(() => summarizeTerraformPlan({ format_version: "2.0" }), /Terraform plan format_version is "2\.0"/);
        assertInputError(
            () => summarizeTerraformPlan({ format_version: "1.2", resource_changes: {} }),
            /resource_changes is \{\}; allowed: a list/,
        );
        assertInputError(
            () => summarizeTerraformPlan({ format_version: "1.2", resource_changes: [{ address: "a.b" }] }),
            /resource_changes\[0\] is \{"address":"a\.b"\}/,
        );
    });

    it("rejects an action it does not know instead of leaving a change out", () => {
        assertInputError(
            () => summarizeTerraformPlan(planWith([["create"], ["forget"]])),
            /resource_changes\[1\]\.change\.actions is \["forget"\] \(aws_sqs_queue\.q1\); allowed: \["create"\], \["update"\]/,
        );
    });
});

describe("plan note in the comment's history", () => {
    it("gives Terraform's counts, or says there are no changes", () => {
        assert.equal(planPushNote(summarizeTerraformPlan(loadFixture(PLAN))), "5 to add, 1 to change, 5 to destroy");
        assert.equal(planPushNote(summarizeTerraformPlan({ format_version: "1.2" })), "no changes");
    });
});

describe("plan comment", () => {
    it("states the counts and one row per change, destructive changes first", () => {
        const comment = renderPlanComment(summarizeTerraformPlan(loadFixture(PLAN)), {});
        const lines = comment.split("\n");
        assert.equal(lines[0], "## Terraform plan");
        assert.equal(lines[2], "**Plan: 5 to add, 1 to change, 5 to destroy.** 1 of them replaced (destroyed and created again).");
        const rows = lines.filter((line) => line.startsWith("| `"));
        assert.equal(rows.length, 12);
        assert.equal(rows[0], '| `-/+` replace | `aws_iam_role_policy.write_own_logs["digest"]` |');
        assert.deepEqual(
            rows.slice(1, 5).map((row) => row.split(" | ")[0]),
            Array(4).fill("| `-` destroy"),
        );
        assert.equal(rows[5], '| `~` update in place | `aws_lambda_function.function["digest"]` |');
        assert.equal(rows[11], '| `<=` read (data source) | `data.aws_iam_policy_document.write_own_logs["thumbnail"]` |');
    });

    it("says when there is nothing to change and links the build log", () => {
        const comment = renderPlanComment(summarizeTerraformPlan(planWith([["no-op"]])), { buildUrl: "https://example.com/build/1" });
        assert.equal(
            comment,
            "## Terraform plan\n\n**No changes.** The infrastructure matches the configuration. [Build log](https://example.com/build/1)\n",
        );
    });

    it("fits a plan with hundreds of changes into the comment limit, destroys first", () => {
        const huge = planWith([...Array(300).fill(["create"]), ...Array(5).fill(["delete"])]);
        const comment = renderPlanComment(summarizeTerraformPlan(huge), {});
        assert.ok(comment.length <= COMMENT_CHARACTER_LIMIT);
        assert.match(comment, /\*\*Plan: 300 to add, 0 to change, 5 to destroy\.\*\*/);
        assert.equal(comment.split("\n").filter((line) => line.startsWith("| `-` destroy")).length, 5);
        assert.match(
            comment,
            /_✂️ \d+ more lines omitted: CodeCommit comments are limited to 10,240 characters; see the plan in the build log\._$/,
        );
    });
});
