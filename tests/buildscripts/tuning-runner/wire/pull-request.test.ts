// The trusted pull-request step as the bundled CLI against the AWS wire protocols, run the way
// that step runs it (no checkout, only the untrusted step's plan.json and outputs.json) against
// FakeAws, which records the access key of every request. It proves what the SDK's credential
// providers and clients do: comments and approvals by the pull-request bot's fixed session, the
// one living comment updated by that session's next build, everything else with the build's own
// credentials, and CodeCommit's GetFile answers read as the runner expects.
import * as assert from "node:assert/strict";
import { PULL_REQUEST_BOT_SESSION_NAME } from "../../../../buildscripts/contract";
import { BUILD_ACCESS_KEY_ID, type FakeAws } from "../../../support/fake-aws";
import { freshFakeAwsForEachTest, TEST_PULL_REQUEST as PULL_REQUEST } from "../../../support/runner-workspace";
import {
    BOT_ROLE,
    DESTINATION,
    MAIN_INPUT,
    PASSING_POLICY,
    SOURCE,
    tree,
    trustedEnv,
    trustedWorkspace,
    TUNE,
    withTrustedStepCommits,
} from "../../../support/trusted-step-scenario";
import { PULL_REQUEST_REVISION as REVISION } from "../../../support/tune-scenario";

const BOT_AUTHOR = `arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-bot/${PULL_REQUEST_BOT_SESSION_NAME}`;
const PLAN_COMMENT = ["plan-comment", "--plan", "plan.json"];

/** The calls that speak for the pull request's reviewers: comments and approvals. */
const BOT_OPERATIONS = new Set([
    "GetCommentsForPullRequest",
    "PostCommentForPullRequest",
    "UpdateComment",
    "GetPullRequest",
    "UpdatePullRequestApprovalState",
]);

describe("the trusted pull-request step, run as the bundled CLI against the AWS wire protocols", function () {
    this.timeout(60_000);
    let fake: FakeAws;

    freshFakeAwsForEachTest((started) => (fake = withTrustedStepCommits(started)));

    describe("identities", () => {
        it("comments and approves as the bot's fixed session; tunes, reads the repository and the history with the build's credentials", async () => {
            const work = trustedWorkspace();
            const planComment = await work.run(PLAN_COMMENT, trustedEnv(), fake);
            assert.equal(planComment.code, 0, planComment.stderr);
            const tune = await work.run(TUNE, trustedEnv(), fake);
            assert.equal(tune.code, 0, tune.stderr);

            assert.deepEqual(
                fake.assumedRoles.map(({ roleArn, roleSessionName, callerAccessKeyId }) => ({
                    roleArn,
                    roleSessionName,
                    callerAccessKeyId,
                })),
                [1, 2].map(() => ({
                    roleArn: BOT_ROLE,
                    roleSessionName: PULL_REQUEST_BOT_SESSION_NAME,
                    callerAccessKeyId: BUILD_ACCESS_KEY_ID,
                })),
                "one AssumeRole per run, with the fixed session name",
            );
            const botKeys = new Set(fake.assumedRoles.map((session) => session.accessKeyId));
            for (const request of fake.requests) {
                const expected = BOT_OPERATIONS.has(request.operation) ? "the bot" : "the build";
                const actual = botKeys.has(request.accessKeyId!)
                    ? "the bot"
                    : request.accessKeyId === BUILD_ACCESS_KEY_ID
                      ? "the build"
                      : request.accessKeyId;
                assert.equal(actual, expected, `${request.operation} was made by ${actual}`);
            }
            const operations = new Set(fake.requests.map((request) => request.operation));
            for (const operation of [
                ...BOT_OPERATIONS,
                "StartExecution",
                "DescribeExecution",
                "GetFile",
                "GetFolder",
                "GetFunctionConfiguration",
                "PutObject",
            ]) {
                assert.ok(operations.has(operation), `${operation} was called`);
            }
        });

        it("keeps one living comment across builds: each build's new session has the same author, who may update it", async () => {
            // A pull request that leaves the gate's inputs as they are, so the bot may approve it.
            fake.setCommit(PULL_REQUEST.repositoryName, SOURCE, tree(128, { input: MAIN_INPUT, policy: PASSING_POLICY }));
            const work = trustedWorkspace();
            await work.run(PLAN_COMMENT, trustedEnv(), fake);
            await work.run(TUNE, trustedEnv(), fake);
            assert.notEqual(fake.assumedRoles[0].accessKeyId, fake.assumedRoles[1].accessKeyId, "two builds, two sessions");
            assert.equal(fake.comments.length, 1);
            assert.equal(fake.comments[0].authorArn, BOT_AUTHOR);
            assert.equal(fake.calls("UpdateComment").length, 1);
            assert.deepEqual(fake.approvals, [{ pullRequestId: "7", revisionId: REVISION, approvalState: "APPROVE" }]);
        });

        it("still writes the results, exits 1 and names the failure when the bot role cannot be assumed, never falling back to the build's credentials", async () => {
            const denied = `User: arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-trusted/AWSCodeBuild-0b5c is not authorized to perform: sts:AssumeRole on resource: ${BOT_ROLE}`;
            fake.failNext("AssumeRole", 20, { status: 403, type: "AccessDenied", message: denied });
            const work = trustedWorkspace();
            const run = await work.run(TUNE, trustedEnv(), fake);
            assert.equal(run.code, 1, run.stderr);
            assert.deepEqual(
                work.readJson("power-tuning-results.json").functions.map((fn: { name: string; status: string }) => [fn.name, fn.status]),
                [["digest", "succeeded"]],
            );
            assert.ok(
                run.stderr.includes(
                    `AssumeRole of ${BOT_ROLE} as session ${PULL_REQUEST_BOT_SESSION_NAME} failed: AccessDenied: ${denied}`,
                ),
                run.stderr,
            );
            assert.match(run.stderr, /error: PostCommentForPullRequest failed: AssumeRoleError: AssumeRole of/);
            assert.equal(
                fake.requests.filter((request) => BOT_OPERATIONS.has(request.operation)).length,
                0,
                "no comment or approval call under any identity",
            );
            assert.match(run.stdout, /Quality gate/, "the Markdown still goes to the build log");
        });
    });

    describe("settings from the destination commit", () => {
        it("refuses a tuning input missing from, or invalid at, the destination commit with exit 2 naming <commit>:<path>, before any tuning", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(128, { policy: PASSING_POLICY }));
            const missing = await trustedWorkspace().run(TUNE, trustedEnv(), fake);
            assert.equal(missing.code, 2, missing.stderr);
            assert.ok(
                missing.stderr.includes(
                    `error: ${DESTINATION}:power-tuning-input.json is missing (the pull request's destination commit has no such file)`,
                ),
                missing.stderr,
            );

            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, {
                ...tree(128, { policy: PASSING_POLICY }),
                "power-tuning-input.json": '{\n  "num": 10,\n}',
            });
            const invalid = await trustedWorkspace().run(TUNE, trustedEnv(), fake);
            assert.equal(invalid.code, 2, invalid.stderr);
            assert.ok(
                invalid.stderr.includes(`error: ${DESTINATION}:power-tuning-input.json: invalid JSON at line 3, column 1`),
                invalid.stderr,
            );
            assert.deepEqual([fake.calls("StartExecution").length, fake.comments.length], [0, 0]);
        });
    });
});
