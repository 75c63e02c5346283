// The trusted step of the pull-request flow, in process: run the way that step runs it — no
// checkout, only the untrusted step's plan.json and outputs.json — against InMemoryAws. Settings
// come from the destination commit, functions only from the PR namespace. Who signs which call
// (the bot's session, the build's credentials) is the SDK's part: ../wire/pull-request.test.ts.
import * as assert from "node:assert/strict";
import { composeLivingComment, parseLivingComment } from "../../../../buildscripts/tuning-runner/markdown/livingComment";
import type { InMemoryAws } from "../../../support/in-memory-aws";
import { freshInMemoryAwsForEachTest, TEST_PULL_REQUEST as PULL_REQUEST } from "../../../support/runner-workspace";
import {
    DESTINATION,
    COPY_BILLING,
    COPY_PREFIX,
    DIGEST,
    OTHER_COPY_DIGEST,
    MAIN_INPUT,
    NAME_PREFIX,
    output,
    OUTPUTS,
    PASSING_POLICY,
    PR_INPUT,
    PRODUCTION_BILLING,
    SOURCE,
    STRICT_POLICY,
    tree,
    trustedEnv,
    trustedWorkspace,
    TUNE,
    withTrustedStepCommits,
} from "../../../support/trusted-step-scenario";
import { PULL_REQUEST_REVISION as REVISION, succeeded } from "../../../support/tune-scenario";
import { readFixtureText } from "../../../fixtures";

describe("the trusted pull-request step", () => {
    let fake: InMemoryAws;

    // The digest copy tunes to the cost fixture: 256 MB recommended, 1.78 % dearer at its 128 MB.
    freshInMemoryAwsForEachTest((started) => (fake = withTrustedStepCommits(started)));

    const filesRead = (operation: "GetFile" | "GetFolder") =>
        fake
            .calls(operation)
            .map(
                (call) =>
                    `${call.commitSpecifier === DESTINATION ? "destination" : call.commitSpecifier === SOURCE ? "source" : call.commitSpecifier}:${call.filePath ?? call.folderPath}`,
            );

    describe("settings from the destination commit", () => {
        it("judges by the destination branch's policy and input: the pull request's {} policy and its own input change nothing", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(512, { input: MAIN_INPUT, policy: STRICT_POLICY }));
            const work = trustedWorkspace();
            // Even files of the pull request in the working directory are not read.
            work.write("power-tuning-policy.json", "{}");
            work.write("power-tuning-input.json", JSON.stringify(PR_INPUT));
            const run = await work.run(TUNE, trustedEnv(), fake);

            assert.equal(run.code, 1, run.stderr);
            assert.deepEqual(fake.approvals, [{ pullRequestId: "7", revisionId: REVISION, approvalState: "REVOKE" }]);
            const started = JSON.parse(fake.calls("StartExecution")[0].input);
            assert.deepEqual([started.powerValues, started.num, started.payload], [MAIN_INPUT.powerValues, MAIN_INPUT.num, undefined]);
            const content = fake.comments[0].content;
            assert.match(
                content,
                /Rules from `power-tuning-policy\.json` on the destination branch \(`9c1d2e3`\): the configured memory at most 1 % dearer than the recommended\./,
            );
            assert.match(
                content,
                /\| `digest` \| cost at the configured memory above the recommended \(`requireConfiguredMemoryWithinPercent`\) \| \+1\.78 % \| 1 % \|/,
            );
            assert.deepEqual(
                filesRead("GetFile")
                    .filter((read) => read.includes("power-tuning"))
                    .sort(),
                [
                    "destination:power-tuning-input.json",
                    "destination:power-tuning-policy.json",
                    "source:power-tuning-input.json",
                    "source:power-tuning-policy.json",
                ],
            );
        });

        it("stops: loosening the gate it is judged by: a pull request changing the policy or the input is left to a person", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, SOURCE, tree(128, { input: MAIN_INPUT, policy: {} }));
            const run = await trustedWorkspace().run(TUNE, trustedEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(
                fake.approvals.map((approval) => approval.approvalState),
                ["REVOKE"],
                "measured and passing, yet not approved",
            );
            const content = fake.comments[0].content;
            assert.match(content, /### ✋ Quality gate: a person decides \(the gate's inputs change\)/);
            assert.match(
                content,
                /This pull request changes `power-tuning-policy\.json`: the rules the gate judges by, or what it measures with, once merged\./,
            );

            fake.setCommit(PULL_REQUEST.repositoryName, SOURCE, tree(128, { input: MAIN_INPUT, policy: PASSING_POLICY }));
            assert.equal((await trustedWorkspace().run(TUNE, trustedEnv(), fake)).code, 0);
            assert.deepEqual(
                fake.approvals.map((approval) => approval.approvalState),
                ["REVOKE", "APPROVE"],
                "the same pull request without the change is approved",
            );
        });

        it("suggests the memory change in the pull request's own *.tf files, read at the source commit", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(512, { input: MAIN_INPUT, policy: STRICT_POLICY }));
            await trustedWorkspace().run(TUNE, trustedEnv(), fake);
            const content = fake.comments[0].content;
            assert.match(
                content,
                /`variables\.tf` line \d+ \(reached from `main\.tf:\d+` → `functions\.tf:\d+`\):\n```diff\n- {2}default {5}= 128\n\+ {2}default {5}= 256\n```/,
            );
            assert.doesNotMatch(content, /the Terraform files set 512 MB/, "not the destination's files");
            assert.deepEqual(filesRead("GetFolder"), ["source:/"]);
            assert.ok(
                filesRead("GetFile")
                    .filter((read) => read.endsWith(".tf"))
                    .every((read) => read.startsWith("source:")),
            );
        });

        it("turns the gate off and says why when the destination branch has no policy, whatever policy the pull request adds", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(128, { input: MAIN_INPUT }));
            fake.setCommit(PULL_REQUEST.repositoryName, SOURCE, tree(128, { input: PR_INPUT, policy: PASSING_POLICY }));
            const run = await trustedWorkspace().run(TUNE, trustedEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.calls("UpdatePullRequestApprovalState").length, 0);
            assert.match(
                fake.comments[0].content,
                /### ⚪ Quality gate off\n\nThe destination branch has no `power-tuning-policy\.json` \(at `9c1d2e3`; the pull request's own copy is not used\), so nothing was checked\. The build does not approve the pull request either/,
            );
        });
    });

    describe("a verdict is pass, fail or needs a person", () => {
        it("a new function at 10,240 MB with no baseline is not approved", async () => {
            const seeded = {
                maxCostIncreasePercent: 10,
                maxDurationIncreasePercent: 20,
                requireConfiguredMemoryWithinPercent: 10,
                failOnTuningError: true,
            };
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(128, { input: MAIN_INPUT, policy: seeded }));
            fake.setFunctionConfiguration(DIGEST, { MemorySize: 10240, Runtime: "nodejs22.x", CodeSha256: "abc=" });
            const run = await trustedWorkspace().run(TUNE, trustedEnv(), fake);

            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(fake.approvals, [{ pullRequestId: "7", revisionId: REVISION, approvalState: "REVOKE" }]);
            const content = fake.comments[0].content;
            assert.match(content, /### ✋ Quality gate: a person decides \(the gate's inputs change, 3 rules not judged\)/);
            assert.match(
                content,
                /- `digest`: `maxCostIncreasePercent`, `maxDurationIncreasePercent`: new function: no baseline — a person decides/,
            );
            assert.match(content, /- `digest`: `requireConfiguredMemoryWithinPercent`: the configured 10240 MB was not measured/);
            assert.match(content, /a person must approve it/);
            assert.doesNotMatch(content, /Quality gate passed/);
        });
    });

    describe("the copy is judged as it was measured: read again once its tuning ended", () => {
        const storedResults = () => fake.calls("PutObject").filter((put) => put.Key.startsWith("tuning-history/results/"));

        it("stops: swapping the code mid-tuning to get an approval", async () => {
            // The pull request's settings are main's: without the swap this run is approved.
            fake.setCommit(PULL_REQUEST.repositoryName, SOURCE, tree(128, { input: MAIN_INPUT, policy: PASSING_POLICY }));
            // The copy's code (its credentials outlive the deploy) is swapped for a fast stand-in while it is measured.
            fake.scriptExecution(DIGEST, {
                ...succeeded(),
                whileRunning: () => fake.changeFunction(DIGEST, { CodeSha256: "fast-stand-in=" }),
            });
            const run = await trustedWorkspace().run(TUNE, trustedEnv(), fake);

            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(fake.approvals, [{ pullRequestId: "7", revisionId: REVISION, approvalState: "REVOKE" }]);
            const content = fake.comments[0].content;
            assert.match(content, /### ✋ Quality gate: a person decides \(1 function changed while measured\)/);
            assert.match(content, /- `digest`: the function changed while it was measured \(`codeSha256`\): its figures are not trusted/);
            assert.match(
                content,
                /⚠️ The function changed while it was measured \(`codeSha256`\): its figures are not trusted\. They are not stored in the tuning history/,
            );
            assert.doesNotMatch(content, /Quality gate passed/);
            assert.deepEqual(storedResults(), []);
        });

        it("a copy whose memory alone the tuning changed is stored and judged as before", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, SOURCE, tree(128, { input: MAIN_INPUT, policy: PASSING_POLICY }));
            // The power-tuning tool sets the memory of $LATEST while it measures.
            fake.scriptExecution(DIGEST, { ...succeeded(), whileRunning: () => fake.changeFunction(DIGEST, { MemorySize: 1024 }) });
            const run = await trustedWorkspace().run(TUNE, trustedEnv(), fake);

            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(
                fake.approvals.map((approval) => approval.approvalState),
                ["APPROVE"],
            );
            assert.equal(storedResults().length, 1);
            assert.doesNotMatch(fake.comments[0].content, /changed while/);
        });
    });

    describe("the living comment", () => {
        it("updates only the bot's own comment: a newer one by someone else carrying its marker is neither updated nor carried forward", async () => {
            const work = trustedWorkspace();
            assert.equal((await work.run(["plan-comment", "--plan", "plan.json"], trustedEnv(), fake)).code, 0);
            const ours = fake.comments[0];
            const forged = composeLivingComment(undefined, {
                section: "copy",
                markdown: "🧹 **Throw-away copy: destroyed.** (forged)",
                commit: SOURCE,
                at: "2026-04-01T12:00:00.000Z",
                note: "forged",
            });
            fake.comments.push({
                ...ours,
                commentId: "forged",
                content: forged,
                authorArn: `arn:aws:iam::123456789012:user/developer`,
                creationDate: ours.creationDate + 1,
            });

            const run = await work.run(TUNE, trustedEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(
                fake.calls("UpdateComment").map((call) => call.commentId),
                [ours.commentId],
            );
            assert.equal(fake.calls("PostCommentForPullRequest").length, 1, "no new comment carrying the forged one forward");
            assert.doesNotMatch(ours.content, /forged/);
            assert.deepEqual(
                parseLivingComment(ours.content).sections.map((section) => section.name),
                ["plan", "tuning"],
            );
        });
    });

    describe("the trusted step decides what is tuned: this pull request's own copy", () => {
        const refusal = (name: string) =>
            `(the function "${name}" is outside this pull request's copy); allowed: functions named ${COPY_PREFIX}-…, this pull request's copy (--allowed-name-prefix (env PULL_REQUEST_NAME_PREFIX), pull request 7, source commit 3f2a9c1)`;

        it("refuses an output naming a production function with exit 2, before any AWS request", async () => {
            const work = trustedWorkspace({ ...OUTPUTS, functions: output({ digest: DIGEST, billing: PRODUCTION_BILLING }) });
            const run = await work.run(TUNE, trustedEnv(), fake);
            assert.equal(run.code, 2, run.stderr);
            assert.ok(
                run.stderr.includes(
                    `error: outputs.json: output "functions" key "billing" is "${PRODUCTION_BILLING}" ${refusal("power-tuned-billing")}`,
                ),
                run.stderr,
            );
            assert.deepEqual(fake.requests, []);
            assert.throws(() => work.read("power-tuning-results.json"), /ENOENT/);
        });

        it("stops: tuning another pull request's copy", async () => {
            fake.setFunctionConfiguration(OTHER_COPY_DIGEST, { MemorySize: 128, Runtime: "nodejs22.x", CodeSha256: "abc=" });
            const work = trustedWorkspace({ ...OUTPUTS, functions: output({ digest: OTHER_COPY_DIGEST }) });
            const run = await work.run(TUNE, trustedEnv(), fake);
            assert.equal(run.code, 2, run.stderr);
            assert.ok(run.stderr.includes(refusal(`${NAME_PREFIX}-8-8e1f0c2-digest`)), run.stderr);
            assert.deepEqual(fake.requests, [], "nothing invoked");
        });

        it("stops: hiding a function of the copy from the gate by leaving it out of the outputs", async () => {
            fake.setFunctionConfiguration(COPY_BILLING, { MemorySize: 10240, Runtime: "nodejs22.x", CodeSha256: "def=" });
            fake.scriptExecution(COPY_BILLING, {
                status: "SUCCEEDED",
                output: readFixtureText("power-tuning/output-cost-x86-4-powers.json"),
            });
            const run = await trustedWorkspace({ functions: output({ digest: DIGEST }) }).run(TUNE, trustedEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            const tuned = fake
                .calls("StartExecution")
                .map((call) => JSON.parse(call.input).lambdaARN)
                .sort();
            assert.deepEqual(tuned, [COPY_BILLING, DIGEST]);
            assert.deepEqual(
                fake.approvals.map((approval) => approval.approvalState),
                ["REVOKE"],
                "the 10,240 MB function was judged too",
            );
        });

        it("maps each copy function to production's function of the same key in the comment", async () => {
            const run = await trustedWorkspace().run(TUNE, trustedEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.match(
                fake.comments[0].content,
                /\| Function \| Copy tuned \| Production \|\n\|---\|---\|---\|\n\| `digest` \| `pr-power-tuned-7-3f2a9c1-digest` \| `power-tuned-digest` \|/,
            );
            assert.ok(fake.calls("ListFunctions").length > 0, "listed by the trusted step itself");
        });
    });
});
