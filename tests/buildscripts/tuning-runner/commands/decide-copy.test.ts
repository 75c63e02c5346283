// The copy decision, in process against InMemoryAws: from the repository's two commits alone it
// decides whether the pull request can change a function. When it cannot, it says so on the pull
// request as the bot, shows what production runs from the tuning history, and lets the quality
// gate approve. The wire-level specs of the bundle (../wire/decide-copy.test.ts) cover the SDK's
// paging and the Lambda entry.
import * as assert from "node:assert/strict";
import { BUCKET, Builds, PR_5 } from "../../../support/history-scenario";
import { DECIDE_COPY, decisionEnv, MAIN_TREE, withPullRequestChanging } from "../../../support/copy-decision-scenario";
import type { InMemoryAws } from "../../../support/in-memory-aws";
import { RunnerWorkspace, TEST_PULL_REQUEST as PULL_REQUEST } from "../../../support/runner-workspace";
import { BOT_ROLE } from "../../../support/trusted-step-scenario";
import { PULL_REQUEST_REVISION as REVISION } from "../../../support/tune-scenario";

describe("decide-copy: whether a pull request needs a copy, decided by the stack", () => {
    let builds: Builds;
    let fake: InMemoryAws;
    beforeEach(async () => {
        builds = Builds.inProcess();
        fake = builds.fake as InMemoryAws;
        // Production runs digest v1, tuned by pull request 5 and recorded after its deployment.
        await builds.tunePullRequest(PR_5, { digest: "v1" });
        await builds.recordProduction({ digest: "v1" });
    });

    const decide = async (env: Record<string, string> = decisionEnv()) => {
        const run = await new RunnerWorkspace().run(DECIDE_COPY, env, fake);
        return { ...run, decision: run.code === 0 ? JSON.parse(run.stdout) : undefined };
    };
    const commentsOnSeven = () => fake.comments.filter((comment) => comment.pullRequestId === "7");

    describe("a pull request that changes no function (README only)", () => {
        beforeEach(() => withPullRequestChanging(fake, { "README.md": "# Functions, better explained\n" }));

        it("needs no copy, and says so on the pull request as the bot, with production's stored result", async () => {
            const run = await decide();
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(run.decision, { copyNeeded: false, changedPaths: 1, functionPaths: [] });
            const [comment] = commentsOnSeven();
            assert.equal(comment.authorArn, "arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-bot/lambda-power-tuned-bot");
            assert.match(
                comment.content,
                /⏭️ \*\*No copy for `3f2a9c1`:\*\* 1 changed file \(`README\.md`\), none of which can change a function, so nothing was deployed, tuned or destroyed\./,
            );
            assert.match(comment.content, /never from the pull request's code/);
            assert.match(
                comment.content,
                /### What production runs[\s\S]*### ✅ `digest`: 256 MB recommended[\s\S]*Unchanged since `0123456`, result reused \(tuned for PR 5/,
            );
            assert.match(comment.content, /⏭️ \*\*No plan for `3f2a9c1`:\*\*/, "the plan section of an earlier push is replaced");
            assert.match(
                comment.content,
                /- `3f2a9c1` · .* · plan: no plan: no function changed · tuning: no copy: no function changed; ✅ gate passed, approved/,
            );
            assert.equal(fake.calls("StartExecution").length, 1, "only pull request 5's tuning ever started");
        });

        it("approves, with the destination branch's policy: no function changed, so no rule can be violated", async () => {
            await decide();
            assert.deepEqual(fake.approvals, [{ pullRequestId: "7", revisionId: REVISION, approvalState: "APPROVE" }]);
            assert.match(
                commentsOnSeven()[0].content,
                /### ✅ Quality gate passed\n\nRules from `power-tuning-policy\.json` on the destination branch \(`9c1d2e3`\)/,
            );
            assert.ok(
                fake
                    .calls("GetFile")
                    .every(
                        (call) =>
                            call.commitSpecifier === "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d" &&
                            call.filePath === "power-tuning-policy.json",
                    ),
            );
        });

        it("stops: a policy change approved as 'no function changed': the policy and the input are gate inputs, measured and left to a person", async () => {
            for (const [path, content] of [
                ["power-tuning-policy.json", "{}"],
                ["power-tuning-input.json", '{"num": 5}'],
            ]) {
                withPullRequestChanging(fake, { [path]: content });
                const run = await decide(decisionEnv({ NON_FUNCTION_PATHS: JSON.stringify(["README.md", "docs/**"]) }));
                assert.equal(run.decision.copyNeeded, true, path);
                assert.deepEqual(run.decision.functionPaths, [path]);
            }
            assert.deepEqual(fake.approvals, []);
            assert.deepEqual(commentsOnSeven(), [], "no 'no function changed' comment");
        });

        it("stops: a Markdown file beside a function's code skipping the copy, even when **/*.md is configured", async () => {
            withPullRequestChanging(fake, { "functions/digest/NOTES.md": "packaged with index.js\n", "docs/tuning.md": "More.\n" });
            const run = await decide(decisionEnv({ NON_FUNCTION_PATHS: JSON.stringify(["**/*.md", "docs/**"]) }));
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(run.decision.functionPaths, ["functions/digest/NOTES.md"]);
            assert.deepEqual(
                fake
                    .calls("GetFolder")
                    .map((call) => `${call.commitSpecifier === PULL_REQUEST.sourceCommit ? "source" : "other"}:${call.folderPath}`)
                    .sort(),
                ["source:/docs", "source:/functions", "source:/functions/digest"],
            );
        });

        it("names functions whose production code was never tuned, and says when nothing is recorded", async () => {
            await builds.recordProduction({ digest: "v1", resize: "v1" });
            await decide();
            assert.match(commentsOnSeven()[0].content, /Never tuned on the code production runs: `resize`\./);
            fake.objects.clear();
            await decide();
            assert.match(commentsOnSeven()[0].content, /The tuning history holds no record of production's functions yet/);
        });

        it("reads and writes nothing else: no GetFunctionConfiguration, no history writes, no execution", async () => {
            const before = fake.requests.length;
            await decide();
            const operations = new Set(fake.requests.slice(before).map((request) => request.operation));
            assert.deepEqual(
                [...operations].sort(),
                [
                    "AssumeRole",
                    "GetCommentsForPullRequest",
                    "GetDifferences",
                    "GetFile",
                    "GetObject",
                    "GetPullRequest",
                    "ListObjectsV2",
                    "PostCommentForPullRequest",
                    "UpdateComment",
                    "UpdatePullRequestApprovalState",
                ].sort(),
            );
            assert.deepEqual(
                fake.calls("ListObjectsV2").map((call) => [call.Bucket, call.Prefix]),
                [[BUCKET, "tuning-history/production/"]],
            );
        });
    });

    describe("a pull request that can change a function", () => {
        for (const [what, change] of [
            ["a .tf file", { "variables.tf": `${MAIN_TREE["variables.tf"]}\n# larger\n` }],
            ["the tuning input", { "power-tuning-input.json": '{"num": 5}' }],
            ["a function's code", { "functions/digest/index.js": "exports.handler = async () => 'faster';\n" }],
            ["a deleted function file", { "functions/digest/index.js": null }],
            [
                "a renamed function file, moved into docs/",
                { "functions/digest/index.js": null, "docs/index.js": MAIN_TREE["functions/digest/index.js"] },
            ],
        ] as const) {
            it(`needs a copy for ${what}, and posts, approves and reads nothing else`, async () => {
                withPullRequestChanging(fake, { "README.md": "# Changed too\n", ...change });
                const before = fake.requests.length;
                const run = await decide();
                assert.equal(run.code, 0, run.stderr);
                assert.equal(run.decision.copyNeeded, true);
                assert.ok(run.decision.functionPaths.length > 0);
                assert.deepEqual(commentsOnSeven(), []);
                assert.deepEqual(fake.approvals, []);
                assert.deepEqual(
                    [...new Set(fake.requests.slice(before).map((request) => request.operation))],
                    what.startsWith("a renamed") ? ["GetDifferences", "GetFolder"] : ["GetDifferences"],
                );
            });
        }
    });

    it("needs a copy for every change when no glob is configured", async () => {
        withPullRequestChanging(fake, { "README.md": "# Changed\n" });
        const run = await decide(decisionEnv({ NON_FUNCTION_PATHS: "" }));
        assert.deepEqual(run.decision, { copyNeeded: true, changedPaths: 1, functionPaths: ["README.md"] });
    });

    it("refuses globs that would skip a function's files before any AWS call (exit 2)", async () => {
        withPullRequestChanging(fake, { "README.md": "# Changed\n" });
        const before = fake.requests.length;
        const run = await decide(decisionEnv({ NON_FUNCTION_PATHS: '["**"]' }));
        assert.equal(run.code, 2);
        assert.match(run.stderr, /NON_FUNCTION_PATHS\[0\] is "\*\*" \(it matches main\.tf, which can change a function\)/);
        assert.equal(fake.requests.length, before);
    });

    it("fails (exit 1) when the comment cannot be posted, so the workflow deploys a copy after all", async () => {
        withPullRequestChanging(fake, { "README.md": "# Changed\n" });
        fake.failNext("PostCommentForPullRequest", 1, { status: 500, type: "InternalFailure" });
        const run = await decide();
        assert.equal(run.code, 1);
        assert.match(run.stderr, /PostCommentForPullRequest failed/);
    });

    it("comments and approves as the bot, and reads the repository and the history with its own credentials", async () => {
        withPullRequestChanging(fake, { "README.md": "# Changed\n" });
        await decide();
        const bot = new Set(fake.assumedRoles.filter((session) => session.roleArn === BOT_ROLE).map((session) => session.accessKeyId));
        for (const request of fake.requests.filter((request) =>
            ["GetDifferences", "GetFile", "ListObjectsV2"].includes(request.operation),
        )) {
            assert.ok(!bot.has(request.accessKeyId!), `${request.operation} as the bot`);
        }
        assert.ok(
            fake.requests
                .filter((request) => request.operation === "UpdatePullRequestApprovalState")
                .every((request) => bot.has(request.accessKeyId!)),
        );
    });
});
