// The copy decision as the bundle runs it, against the AWS wire protocols of FakeAws: the SDK's
// GetDifferences pages (100 differences to a page) read to the end, renames and deletions
// counted, and the bundle's Lambda entry (`handler`) doing what `decide-copy` does for the event
// the workflow sends.
import * as assert from "node:assert/strict";
import { copyNamePrefix, PULL_REQUEST_BOT_SESSION_NAME } from "../../../../buildscripts/contract";
import { DECIDE_COPY, decisionEnv, MAIN_TREE, withPullRequestChanging } from "../../../support/copy-decision-scenario";
import type { FakeAws } from "../../../support/fake-aws";
import {
    freshFakeAwsForEachTest,
    runnerBundle,
    RunnerWorkspace,
    TEST_PULL_REQUEST as PULL_REQUEST,
} from "../../../support/runner-workspace";

/** 120 documentation files on main, so that a pull request touching all of them spans two pages. */
const MANY_DOCUMENTS = Object.fromEntries(
    Array.from({ length: 120 }, (_, index) => [`docs/page-${String(index).padStart(3, "0")}.md`, `page ${index}\n`]),
);
const DESTINATION = { ...MAIN_TREE, ...MANY_DOCUMENTS };
const EVERY_DOCUMENT_EDITED = Object.fromEntries(Object.keys(MANY_DOCUMENTS).map((path) => [path, "edited\n"]));

describe("decide-copy, run as the bundle against the AWS wire protocols", function () {
    this.timeout(60_000);
    let fake: FakeAws;
    freshFakeAwsForEachTest((started) => (fake = started));

    const decide = async () => {
        const run = await new RunnerWorkspace().run(DECIDE_COPY, decisionEnv(), fake);
        assert.equal(run.code, 0, run.stderr);
        return JSON.parse(run.stdout);
    };

    it("reads every page of GetDifferences: a .tf change on the second page still needs a copy", async () => {
        // Sorted by path, variables.tf comes after the 120 documents: the 121st difference.
        withPullRequestChanging(
            fake,
            { ...EVERY_DOCUMENT_EDITED, "variables.tf": `${MAIN_TREE["variables.tf"]}\n# larger\n` },
            DESTINATION,
        );
        assert.deepEqual(await decide(), { copyNeeded: true, changedPaths: 121, functionPaths: ["variables.tf"] });
        const pages = fake.calls("GetDifferences");
        assert.equal(pages.length, 2);
        assert.equal(pages[1].NextToken !== undefined, true);
        assert.deepEqual(fake.comments, []);
    });

    it("needs no copy for 120 edited documents over two pages, and comments as the bot's fixed session", async () => {
        withPullRequestChanging(fake, EVERY_DOCUMENT_EDITED, DESTINATION);
        assert.deepEqual(await decide(), { copyNeeded: false, changedPaths: 120, functionPaths: [] });
        assert.equal(fake.comments.length, 1);
        assert.equal(
            fake.comments[0].authorArn,
            `arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-bot/${PULL_REQUEST_BOT_SESSION_NAME}`,
        );
        assert.match(
            fake.comments[0].content,
            /120 changed files \(`docs\/page-000\.md`, .*`docs\/page-009\.md` and 110 more\), none of which can change a function/,
        );
    });

    it("counts deletions and both paths of a rename as GetDifferences reports them", async () => {
        withPullRequestChanging(
            fake,
            { "functions/digest/index.js": null, "docs/digest.js": MAIN_TREE["functions/digest/index.js"], LICENSE: null },
            { ...MAIN_TREE, LICENSE: "MIT-0\n" },
        );
        const decision = await decide();
        // The new path is documentation; the old one is the function's code, so the rename needs a copy.
        assert.deepEqual(decision, { copyNeeded: true, changedPaths: 3, functionPaths: ["functions/digest/index.js"] });
        const differences = fake.requests.filter((request) => request.operation === "GetDifferences");
        assert.equal(differences.length, 1);
    });

    it("needs a copy when only the tuning input changed", async () => {
        withPullRequestChanging(fake, { "power-tuning-input.json": '{"num": 5}' });
        assert.deepEqual(await decide(), { copyNeeded: true, changedPaths: 1, functionPaths: ["power-tuning-input.json"] });
    });

    describe("the bundle's Lambda entry", () => {
        /** Calls the bundle's exported handler with `event`, in a Node process whose environment is the function's. */
        const invoke = (event: unknown, extraEnv: Record<string, string> = {}) =>
            new RunnerWorkspace().runProgram(
                [
                    "-e",
                    `require(${JSON.stringify(runnerBundle())}).handler(${JSON.stringify(event)}).then((result) => console.log(JSON.stringify(result)), (error) => { console.error(error.message); process.exitCode = 7; })`,
                ],
                // The function's environment, as the stack sets it.
                fake.env(
                    decisionEnv({
                        PULL_REQUEST_ID: "",
                        SOURCE_COMMIT: "",
                        DESTINATION_COMMIT: "",
                        PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
                        ...extraEnv,
                    }),
                ),
                undefined,
                process.execPath,
            );
        const EVENT = {
            pullRequestId: PULL_REQUEST.pullRequestId,
            sourceCommit: PULL_REQUEST.sourceCommit,
            destinationCommit: PULL_REQUEST.destinationCommit,
        };

        it("decides for the pull request the workflow names and returns the decision, with the copy's name", async () => {
            withPullRequestChanging(fake, { "README.md": "# Better\n" });
            const run = await invoke(EVENT);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(JSON.parse(run.stdout), {
                copyNeeded: false,
                changedPaths: 1,
                functionPaths: [],
                copyNamePrefix: copyNamePrefix("pr-power-tuned", EVENT),
            });
            assert.deepEqual(
                fake.approvals.map((approval) => approval.approvalState),
                ["APPROVE"],
            );
        });

        it("throws before any call without the copies' name prefix in its environment, naming the variable", async () => {
            withPullRequestChanging(fake, { "README.md": "# Better\n" });
            const run = await invoke(EVENT, { PULL_REQUEST_NAME_PREFIX: "" });
            assert.equal(run.code, 7);
            assert.match(run.stderr, /PULL_REQUEST_NAME_PREFIX is ""; allowed:/);
            assert.deepEqual(fake.requests, [], "nothing was read, commented or approved");
        });

        it("refuses to start without the workflow's pull request id and commits: the untrusted deploy and destroy, which name the copy and its state from the same event, are never started", async () => {
            // The workflow passes the event's fields to the deploy and destroy builds unchanged, only after this decision.
            for (const override of [
                { pullRequestId: "" },
                { pullRequestId: "7; rm -rf /" },
                { pullRequestId: "12345678901234567" },
                { pullRequestId: "7/../../terraform-lambda" },
                { sourceCommit: "main" },
                { destinationCommit: "" },
            ]) {
                const run = await invoke({ ...EVENT, ...override });
                assert.equal(run.code, 7, JSON.stringify(override));
                assert.match(run.stderr, /decide-copy ended with exit code 2/, JSON.stringify(override));
                assert.match(
                    run.stderr,
                    /error: --(pull-request-id|source-commit|destination-commit) (must be|needs a value)/,
                    JSON.stringify(override),
                );
            }
            assert.deepEqual(fake.requests, [], "nothing was read, commented or approved");
        });

        it("throws, so the workflow deploys nothing, when the event is not the workflow's or the decision failed", async () => {
            const malformed = await invoke({ pullRequestId: 7 });
            assert.equal(malformed.code, 7);
            assert.match(malformed.stderr, /the event's pullRequestId is 7; allowed: a string/);
            withPullRequestChanging(fake, { "README.md": "# Better\n" });
            // One attempt: the SDK's retries are specified elsewhere; here only the failure matters.
            fake.failNext("GetDifferences", 1, { status: 500, type: "InternalFailure" });
            const failed = await invoke(EVENT, { AWS_MAX_ATTEMPTS: "1" });
            assert.equal(failed.code, 7);
            assert.match(failed.stderr, /decide-copy ended with exit code 1/);
        });
    });
});
