// The quality gate and the living comment, in process: main.ts's command line and the tune and
// plan-comment commands against InMemoryAws.
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LIVING_COMMENT_MARKER, parseLivingComment } from "../../../../buildscripts/tuning-runner/markdown/livingComment";
import type { StoredComment } from "../../../support/aws-model";
import type { InMemoryAws } from "../../../support/in-memory-aws";
import { RunnerWorkspace, TEST_PULL_REQUEST as PULL_REQUEST } from "../../../support/runner-workspace";
import { freshPullRequestForEachTest, PULL_REQUEST_REVISION as REVISION } from "../../../support/tune-scenario";
import { readFixtureText } from "../../../fixtures";
import { TERRAFORM_MODULE_DIR } from "../../../support/paths";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
const DIGEST = "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-digest-pr-7-3f2a9c1";
const NEXT_PUSH = "8e1f0c2d3b4a59687766554433221100ffeeddcc";
const INPUT = { powerValues: [128, 256, 512, 1024], num: 10, strategy: "cost" };

/** A PR build's working directory: the seeded repository's Terraform files, input and (optionally) policy. */
function checkout(policy?: object): RunnerWorkspace {
    const work = new RunnerWorkspace({ "power-tuning-input.json": JSON.stringify(INPUT) });
    for (const name of readdirSync(TERRAFORM_MODULE_DIR).filter((file) => file.endsWith(".tf")))
        work.write(name, readFileSync(join(TERRAFORM_MODULE_DIR, name), "utf8"));
    if (policy !== undefined) work.write("power-tuning-policy.json", JSON.stringify(policy));
    return work;
}

function buildEnv(sourceCommit: string = PULL_REQUEST.sourceCommit): Record<string, string> {
    return {
        STATE_MACHINE_ARN: STATE_MACHINE,
        REPOSITORY_NAME: PULL_REQUEST.repositoryName,
        PULL_REQUEST_ID: PULL_REQUEST.pullRequestId,
        SOURCE_COMMIT: sourceCommit,
        DESTINATION_COMMIT: PULL_REQUEST.destinationCommit,
        CODEBUILD_BUILD_ID: "power-tuned-pull-request:0b5c4f3e-2d1a-4c7b-9e8f-1a2b3c4d5e6f",
        CODEBUILD_BUILD_URL: "",
    };
}

const TUNE = ["tune", "--lambda-arn", `digest=${DIGEST}`];
const WITH_POLICY = [...TUNE, "--policy", "power-tuning-policy.json"];

describe("quality gate and living comment", () => {
    let fake: InMemoryAws;

    // The digest copy tunes to the cost fixture: 1M invocations cost $1.9262 at 128 MB, $1.8926 at 256 MB.
    freshPullRequestForEachTest(DIGEST, (started) => (fake = started));

    describe("merge gate", () => {
        it("approves the pull request's current revision when every function passes the policy", async () => {
            const run = await checkout({ requireConfiguredMemoryWithinPercent: 5, failOnTuningError: true }).run(
                WITH_POLICY,
                buildEnv(),
                fake,
            );
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(fake.approvals, [{ pullRequestId: "7", revisionId: REVISION, approvalState: "APPROVE" }]);
            const content = fake.comments[0].content;
            assert.match(content, /### ✅ Quality gate passed/);
            assert.match(content, /The build approved this revision of the pull request\./);
        });

        it("revokes on a violation, lists rule, value and limit, writes the results first and exits 1", async () => {
            const work = checkout({ requireConfiguredMemoryWithinPercent: 1 });
            const run = await work.run(WITH_POLICY, buildEnv(), fake);
            assert.equal(run.code, 1, run.stderr);
            assert.deepEqual(fake.approvals, [{ pullRequestId: "7", revisionId: REVISION, approvalState: "REVOKE" }]);
            assert.equal(
                work.readJson("power-tuning-results.json").functions[0].configuredMemoryMB,
                128,
                "configured memory from GetFunctionConfiguration",
            );
            const content = fake.comments[0].content;
            assert.match(content, /### ❌ Quality gate failed: 1 violation/);
            // (1.9262 - 1.8926) / 1.8926 = 1.78 % more per 1M invocations at 128 MB than at 256 MB.
            assert.match(
                content,
                /\| `digest` \| cost at the configured memory above the recommended \(`requireConfiguredMemoryWithinPercent`\) \| \+1\.78 % \| 1 % \|/,
            );
            const order = fake.requests.map((request) => request.operation);
            assert.ok(
                order.indexOf("GetFunctionConfiguration") < order.indexOf("StartExecution"),
                "memory read before the tuning changes it",
            );
            assert.ok(
                order.indexOf("UpdatePullRequestApprovalState") < order.indexOf("PostCommentForPullRequest"),
                "the comment reports the approval",
            );
        });

        it("shows the exact change to variables.tf and what it saves per 1M invocations", async () => {
            const run = await checkout({ requireConfiguredMemoryWithinPercent: 1 }).run(WITH_POLICY, buildEnv(), fake);
            assert.equal(run.code, 1, run.stderr);
            const content = fake.comments[0].content;
            assert.match(
                content,
                /`digest` runs with 128 MB; 256 MB is recommended\. Projected: \$1\.93 → \$1\.89 per 1M invocations including the request charge, so the change saves \$0\.0336 per 1M invocations/,
            );
            assert.match(
                content,
                /`variables\.tf` line \d+ \(reached from `main\.tf:\d+` → `functions\.tf:\d+`\):\n```diff\n- {2}default {5}= 128\n\+ {2}default {5}= 256\n```/,
            );
        });

        it("neither approves nor revokes when the pull request has moved on to a newer commit, and says so", async () => {
            fake.setPullRequest({ ...PULL_REQUEST, sourceCommit: NEXT_PUSH, revisionId: "newer-revision" });
            const run = await checkout({ requireConfiguredMemoryWithinPercent: 1 }).run(WITH_POLICY, buildEnv(), fake);
            assert.equal(fake.calls("UpdatePullRequestApprovalState").length, 0);
            assert.deepEqual(fake.approvals, []);
            assert.match(
                run.stderr,
                /approval: skipped: stale build: the pull request moved on to 8e1f0c2, whose build decides; this build tuned 3f2a9c1/,
            );
            const parsed = parseLivingComment(fake.comments[0].content);
            assert.equal(parsed.sections.length, 0, "a stale build's results do not replace the newer push's");
            assert.match(parsed.pushLog[0].notes.tuning!, /❌ gate failed \(1 violation\), not applied: stale build/);
        });

        it("without a policy file does not approve, and the comment says the gate is off", async () => {
            const run = await checkout().run(TUNE, buildEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.calls("UpdatePullRequestApprovalState").length, 0);
            assert.match(
                fake.comments[0].content,
                /### ⚪ Quality gate off\n\nNo `power-tuning-policy\.json` was given \(--policy\), so nothing was checked\. The build does not approve the pull request either/,
            );
        });

        it("exits 1 when the approval cannot be given, saying why in the comment", async () => {
            fake.failNext("UpdatePullRequestApprovalState", 1, {
                status: 400,
                type: "RevisionNotCurrentException",
                message: "The revision ID is not the most recent.",
            });
            const run = await checkout({ failOnTuningError: true }).run(WITH_POLICY, buildEnv(), fake);
            assert.equal(run.code, 1, run.stderr);
            assert.match(
                fake.comments[0].content,
                /⚠️ The build could not approve the pull request: `RevisionNotCurrentException: The revision ID is not the most recent\.`\./,
            );
        });

        it("rejects an invalid policy file before any AWS call, naming the field, the value and what is allowed", async () => {
            const run = await checkout({ maxCostIncreasePercent: "ten" }).run(WITH_POLICY, buildEnv(), fake);
            assert.equal(run.code, 2);
            assert.match(run.stderr, /power-tuning-policy\.json: "maxCostIncreasePercent" is "ten"; allowed: a number ≥ 0/);
            assert.equal(fake.requests.length, 0);
        });
    });

    describe("one living comment", () => {
        const planComment = (work: RunnerWorkspace, sourceCommit?: string) =>
            work.run(["plan-comment", "--plan", "plan.json"], buildEnv(sourceCommit), fake);

        it("holds the plan and the tuning results of a push in one comment", async () => {
            const work = checkout({ failOnTuningError: true });
            work.write("plan.json", readFixtureText("terraform/plan-add-update-replace-delete.json"));
            assert.equal((await planComment(work)).code, 0);
            assert.equal((await work.run(WITH_POLICY, buildEnv(), fake)).code, 0);
            assert.equal(fake.comments.length, 1);
            assert.equal(fake.calls("PostCommentForPullRequest").length, 1);
            assert.equal(fake.calls("UpdateComment").length, 1);
            const content = fake.comments[0].content;
            assert.equal(content.split("\n")[0], LIVING_COMMENT_MARKER);
            const parsed = parseLivingComment(content);
            assert.deepEqual(
                parsed.sections.map((section) => [section.name, section.commit]),
                [
                    ["plan", PULL_REQUEST.sourceCommit],
                    ["tuning", PULL_REQUEST.sourceCommit],
                ],
            );
            assert.deepEqual(
                parsed.pushLog.map((entry) => [entry.commit, entry.notes]),
                [["3f2a9c1", { plan: "5 to add, 1 to change, 5 to destroy", tuning: "1 function tuned; ✅ gate passed, approved" }]],
            );
        });

        it("is found again and updated, not duplicated, on the next push, which adds its history line", async () => {
            const work = checkout();
            work.write("plan.json", readFixtureText("terraform/plan-add-update-replace-delete.json"));
            await planComment(work);
            fake.setPullRequest({ ...PULL_REQUEST, sourceCommit: NEXT_PUSH, revisionId: "second-revision" });
            const second = await planComment(work, NEXT_PUSH);
            assert.equal(second.code, 0, second.stderr);
            assert.equal(fake.comments.length, 1);
            const parsed = parseLivingComment(fake.comments[0].content);
            assert.deepEqual(
                parsed.pushLog.map((entry) => entry.commit),
                ["3f2a9c1", "8e1f0c2"],
            );
            assert.equal(parsed.sections[0].commit, NEXT_PUSH);
            for (const call of fake.calls("GetCommentsForPullRequest"))
                assert.deepEqual(
                    Object.keys(call).filter((key) => key !== "nextToken"),
                    ["pullRequestId"],
                    "every revision's comments",
                );
        });

        it("is found on a later page of GetCommentsForPullRequest among other people's comments", async () => {
            const work = checkout();
            work.write("plan.json", readFixtureText("terraform/plan-add-update-replace-delete.json"));
            for (let index = 0; index < 150; index++) fake.comments.push(otherComment(index));
            await planComment(work);
            const ours = fake.comments.at(-1)!;
            for (let index = 150; index < 250; index++) fake.comments.push(otherComment(index));
            await work.run(TUNE, buildEnv(), fake);
            assert.equal(fake.comments.filter((comment) => comment.content.startsWith(LIVING_COMMENT_MARKER)).length, 1);
            assert.deepEqual(
                fake.calls("UpdateComment").map((call) => call.commentId),
                [ours.commentId],
            );
            assert.ok(fake.calls("GetCommentsForPullRequest").filter((call) => call.nextToken !== undefined).length >= 2, "paged");
        });

        it("falls back to a new comment, carrying the sections and history forward, when the update fails", async () => {
            const work = checkout();
            work.write("plan.json", readFixtureText("terraform/plan-add-update-replace-delete.json"));
            await planComment(work);
            fake.failNext("UpdateComment", 1, {
                status: 400,
                type: "CommentNotCreatedByCallerException",
                message: "You cannot modify or delete this comment.",
            });
            const run = await work.run(TUNE, buildEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stderr, /could not update comment .*CommentNotCreatedByCallerException.*; posting a new comment/);
            assert.equal(fake.comments.length, 2);
            const parsed = parseLivingComment(fake.comments[1].content);
            assert.deepEqual(
                parsed.sections.map((section) => section.name),
                ["plan", "tuning"],
            );
            assert.deepEqual(Object.keys(parsed.pushLog[0].notes), ["plan", "tuning"]);
        });

        it("posts a new comment when the comments cannot be listed", async () => {
            fake.failNext("GetCommentsForPullRequest", 5, { status: 500, type: "InternalFailure" });
            const run = await checkout().run(TUNE, buildEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stderr, /could not read the comments of .*; posting a new comment/);
            assert.equal(fake.comments.length, 1);
        });
    });
});

/** A reviewer's comment on the pull request. */
function otherComment(index: number): StoredComment {
    return {
        commentId: `other-${index}`,
        repositoryName: PULL_REQUEST.repositoryName,
        pullRequestId: PULL_REQUEST.pullRequestId,
        beforeCommitId: PULL_REQUEST.destinationCommit,
        afterCommitId: PULL_REQUEST.sourceCommit,
        content: index === 3 ? `Quoting the bot:\n${LIVING_COMMENT_MARKER}` : `Review remark ${index}`,
        creationDate: 1_700_000_000 + index,
        lastModifiedDate: 1_700_000_000 + index,
    };
}
