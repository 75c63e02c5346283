// The tuning history as the bundled CLI against the AWS wire protocols: two pull requests' builds
// against FakeAws, which stores S3 objects (path-style) and answers Lambda GetFunctionConfiguration
// — a missing key read as no result, a stored one read back — and S3 failing, or something else
// answering in its place. The history's logic is specified in process, ../commands/tuning-history.test.ts.
import * as assert from "node:assert/strict";
import { startHtmlServer } from "../../../support/html-server";
import { BUCKET, Builds, configuration, copyArn, fingerprintOf, INPUT, PR_5, PR_7, type Build } from "../../../support/history-scenario";
import { runnerBundle } from "../../../support/runner-workspace";

describe("tuning history, run as the bundled CLI against the AWS wire protocols", function () {
    this.timeout(60_000);
    before(() => runnerBundle());

    describe("a pull request after another tuned the same functions", () => {
        let builds: Builds;
        let second: Build;
        before(async () => {
            builds = await Builds.onTheWire();
            const first = await builds.tunePullRequest(PR_5, { digest: "v1", resize: "v1", thumbnail: "v1" });
            assert.equal(first.run.code, 0, first.run.stderr);
            assert.equal(first.started.length, 3);
            second = await builds.tunePullRequest(PR_7, { digest: "v1", resize: "v2", thumbnail: "v1" });
            assert.equal(second.run.code, 0, second.run.stderr);
        });
        after(() => builds.stop());

        it("stored each result under its fingerprint with the PR, commit, input and function facts", () => {
            const entry = builds.stored(`results/${fingerprintOf("digest", "v1")}.json`);
            assert.equal(entry.version, 2);
            assert.equal(entry.fingerprint, fingerprintOf("digest", "v1"));
            assert.equal(entry.commit, PR_5.sourceCommit);
            assert.equal(entry.pullRequestId, "5");
            assert.deepEqual(entry.input, INPUT);
            assert.equal(entry.function.codeSha256, configuration("digest", "v1").CodeSha256);
            assert.deepEqual([entry.result.status, entry.result.power, entry.result.stats.length], ["succeeded", 256, 4]);
            assert.equal(builds.stored(`results/${fingerprintOf("resize", "v1")}.json`).pullRequestId, "5");
            assert.equal(builds.stored(`results/${fingerprintOf("resize", "v2")}.json`).pullRequestId, "7");
        });

        it("starts an execution only for the function whose code hash changed", () => {
            assert.deepEqual(second.started, [copyArn("resize", PR_7)]);
            assert.deepEqual(
                second.results.functions.map((f: any) => [f.name, f.arn, f.reused === undefined ? "tuned" : "reused"]),
                [
                    ["digest", copyArn("digest", PR_7), "reused"],
                    ["resize", copyArn("resize", PR_7), "tuned"],
                    ["thumbnail", copyArn("thumbnail", PR_7), "reused"],
                ],
            );
        });

        it("marks a reused result with where it came from, and says so in the comment and the log", () => {
            const digest = second.results.functions[0];
            assert.equal(digest.power, 256);
            assert.equal(digest.fingerprint, fingerprintOf("digest", "v1"));
            assert.deepEqual(
                { commit: digest.reused.commit, pullRequestId: digest.reused.pullRequestId },
                { commit: PR_5.sourceCommit, pullRequestId: "5" },
            );
            assert.match(second.comment, /♻️ 2 of 3 functions unchanged/);
            assert.match(second.comment, /Unchanged since `0123456`, result reused \(tuned for PR 5 on /);
            assert.match(second.run.stderr, /digest: unchanged since 0123456 \(PR 5\): reusing its result, no execution/);
        });

        it("reads each function's configuration once before tuning, shared with the quality gate, and once more after each tuning", () => {
            const asked = builds.fake.calls("GetFunctionConfiguration").map((call) => call.FunctionName);
            const timesAsked = (arn: string) => asked.filter((name) => name === arn).length;
            const tuned = [...["digest", "resize", "thumbnail"].map((name) => copyArn(name, PR_5)), copyArn("resize", PR_7)];
            const reused = [copyArn("digest", PR_7), copyArn("thumbnail", PR_7)];
            assert.deepEqual([...tuned, ...reused].map(timesAsked), [2, 2, 2, 2, 1, 1]);
            assert.equal(asked.length, 10);
        });
    });

    describe("when the history cannot be used", () => {
        let builds: Builds;
        beforeEach(async () => {
            builds = await Builds.onTheWire();
        });
        afterEach(() => builds.stop());

        for (const failure of [
            { status: 403, type: "AccessDenied", message: "Access Denied" },
            { status: 500, type: "InternalError", message: "We encountered an internal error. Please try again." },
        ]) {
            it(`still tunes when S3 answers ${failure.status} ${failure.type}: warning logged, results file and comment as usual`, async () => {
                builds.fake.failNext("GetObject", 2, failure);
                const { run, results, started, comment } = await builds.tunePullRequest(
                    PR_7,
                    { digest: "v1" },
                    { env: { AWS_MAX_ATTEMPTS: "1" } },
                );
                assert.equal(run.code, 0, run.stderr);
                assert.deepEqual(started, [copyArn("digest", PR_7)]);
                assert.match(
                    run.stderr,
                    new RegExp(
                        `warning: tuning history: \`digest\`: reading \`s3://${BUCKET}/tuning-history/\\S+\` failed \\(\`${failure.type}`,
                    ),
                );
                assert.equal(results.functions[0].status, "succeeded");
                assert.equal(results.functions[0].baseline.status, "none");
                assert.equal(results.history.problems.length, 2);
                assert.match(comment, /Tuning history unavailable in part/);
                // Nothing lost: the new result is still stored for the next build.
                assert.ok(builds.fake.objects.has(`${BUCKET}/tuning-history/results/${fingerprintOf("digest", "v1")}.json`));
            });
        }

        it("says what answered when the S3 endpoint is not AWS: the HTTP status and the start of the page", async () => {
            const proxy = await startHtmlServer(
                403,
                "<!DOCTYPE html><html><title>Access blocked by policy</title><body>Request blocked.</body></html>",
            );
            try {
                const { run, results } = await builds.tunePullRequest(
                    PR_7,
                    { digest: "v1" },
                    { env: { AWS_ENDPOINT_URL_S3: proxy.url, AWS_MAX_ATTEMPTS: "1" } },
                );
                assert.equal(run.code, 0, run.stderr);
                const problem = results.history.problems[0];
                assert.match(
                    problem,
                    /failed \(`NotAnAwsResponse: HTTP 403 \(text\/html; charset=utf-8\) with a body starting "<!DOCTYPE html><html><title>Access blocked by policy<\/title>/,
                );
                assert.doesNotMatch(problem, /UnknownError/);
            } finally {
                await proxy.stop();
            }
        });
    });

    describe("record", () => {
        it("takes the region from the functions' ARNs when neither AWS_REGION nor the AWS profile names one", async () => {
            const builds = await Builds.onTheWire();
            try {
                const run = await builds.recordProduction({ digest: "v1" }, [], {
                    AWS_REGION: "",
                    AWS_CONFIG_FILE: "/nonexistent/aws-config",
                });
                assert.equal(run.code, 0, run.stderr);
                assert.match(run.stderr, /region us-east-1, from --terraform-outputs/);
                assert.deepEqual([...new Set(builds.fake.requests.map((request) => request.signingRegion))], ["us-east-1"]);
                assert.equal(builds.fake.calls("PutObject").length, 1);
            } finally {
                await builds.stop();
            }
        });
    });
});
