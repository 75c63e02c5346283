// The tuning history in process: the builds that meet in it — pull requests tuning their copies,
// the main pipeline's `record` after a deployment — as main.ts's command line against InMemoryAws,
// which stores the S3 objects and answers Lambda. Each scenario runs its builds once (before) and
// asserts in several specs what was started, stored, written and commented. The same against the
// wire protocols, S3's and Lambda's answers read by the SDK, is in ../wire/tuning-history.test.ts.
import * as assert from "node:assert/strict";
import { decodeComparisonUrl } from "../../../../buildscripts/tuning-runner/core/visualization";
import { loadFixture } from "../../../fixtures";
import {
    BUCKET,
    Builds,
    cheaperAt512Output,
    configuration,
    copyArn,
    fingerprintOf,
    functionArn,
    INPUT,
    MAIN_COMMIT,
    PR_5,
    PR_7,
    PR_8,
    succeeded,
    type Build,
} from "../../../support/history-scenario";
import { RunnerWorkspace } from "../../../support/runner-workspace";

describe("tuning history", () => {
    describe("two functions with the same code", () => {
        let builds: Builds;
        let later: Build;
        before(async () => {
            builds = Builds.inProcess();
            // One package deployed twice (e.g. two handlers in one bundle): one fingerprint.
            const shared = configuration("shared", "v1");
            builds.fake.setFunctionConfiguration(copyArn("thumbnail", PR_5), shared);
            const first = await builds.tunePullRequest(PR_5, {}, { args: ["--lambda-arn", `thumbnail=${copyArn("thumbnail", PR_5)}`] });
            assert.equal(first.run.code, 0, first.run.stderr);
            builds.fake.setFunctionConfiguration(copyArn("preview", PR_7), shared);
            later = await builds.tunePullRequest(PR_7, {}, { args: ["--lambda-arn", `preview=${copyArn("preview", PR_7)}`] });
            assert.equal(later.run.code, 0, later.run.stderr);
        });
        after(() => builds.stop());

        it("share one stored result: the second is not tuned", () => {
            assert.deepEqual(later.started, []);
            assert.equal(later.results.functions[0].power, 256);
        });

        it("say the result was borrowed from the other function, naming it, in the results file, the comment and the log", () => {
            assert.equal(later.results.functions[0].reused.functionName, "thumbnail");
            assert.match(
                later.comment,
                /Same code, configuration and tuning input as `thumbnail`, so its result is borrowed \(tuned for PR 5 at `0123456`/,
            );
            assert.doesNotMatch(later.comment, /Unchanged since/);
            assert.match(
                later.run.stderr,
                /preview: same code and input as thumbnail, tuned at 0123456 \(PR 5\): borrowing its result, no execution/,
            );
        });
    });

    describe("tuning again", () => {
        let builds: Builds;
        before(async () => {
            builds = Builds.inProcess();
            await builds.tunePullRequest(PR_5, { digest: "v1" });
        });
        after(() => builds.stop());

        it("when the tuning input changed", async () => {
            const moreInvocations = { ...INPUT, num: 100 };
            const { run, started } = await builds.tunePullRequest(PR_7, { digest: "v1" }, { input: moreInvocations });
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(started, [copyArn("digest", PR_7)]);
            assert.equal(JSON.parse(builds.fake.calls("StartExecution").at(-1).input).num, 100);
            assert.equal(builds.stored(`results/${fingerprintOf("digest", "v1", moreInvocations)}.json`).input.num, 100);
        });

        it("with --force, replacing the stored result", async () => {
            const { run, started, results } = await builds.tunePullRequest(PR_8, { digest: "v1" }, { args: ["--force"] });
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(started, [copyArn("digest", PR_8)]);
            assert.equal(results.functions[0].reused, undefined);
            assert.equal(builds.stored(`results/${fingerprintOf("digest", "v1")}.json`).pullRequestId, "8");
            assert.match(run.stderr, /digest: unchanged since 0123456 \(PR 5\), tuning again \(--force\)/);
        });

        it("after a failed tuning, which is not stored", async () => {
            builds.fake.scriptExecution(copyArn("resize", PR_7), { status: "FAILED", error: "States.TaskFailed", cause: "boom" });
            const failed = await builds.tunePullRequest(PR_7, { resize: "v1" });
            assert.equal(failed.run.code, 1);
            assert.equal(builds.fake.objects.has(`${BUCKET}/tuning-history/results/${fingerprintOf("resize", "v1")}.json`), false);
            const again = await builds.tunePullRequest(PR_8, { resize: "v1" });
            assert.deepEqual(again.started, [copyArn("resize", PR_8)]);
        });
    });

    describe("stops: forging results for someone else's code", () => {
        let builds: Builds;
        let victim: Build;
        before(async () => {
            builds = Builds.inProcess();
            // PR 8 deploys the victim's exact package, but NODE_OPTIONS makes it run other code, fast and cheap.
            builds.fake.scriptExecution(copyArn("digest", PR_8), succeeded(cheaperAt512Output));
            const forger = await builds.tunePullRequest(
                PR_8,
                { digest: "v1" },
                { functionEnvironment: { NODE_OPTIONS: "--import=data:text/javascript,0" } },
            );
            assert.equal(forger.run.code, 0, forger.run.stderr);
            victim = await builds.tunePullRequest(PR_5, { digest: "v1" });
            assert.equal(victim.run.code, 0, victim.run.stderr);
            await builds.recordProduction({ digest: "v1" });
        });
        after(() => builds.stop());

        it("the victim's pull request is tuned itself: the forged result is neither reused nor borrowed", () => {
            assert.deepEqual(victim.started, [copyArn("digest", PR_5)]);
            assert.equal(victim.results.functions[0].reused, undefined);
            assert.equal(victim.results.functions[0].power, 256, "its own measurement, not the forged 512 MB");
        });

        it("after merge production's baseline is the victim's measurement, whose fingerprint production runs", async () => {
            const later = await builds.tunePullRequest(PR_7, { digest: "v2" });
            const { baseline } = later.results.functions[0];
            assert.equal(baseline.status, "found");
            assert.equal(baseline.power, 256);
            assert.equal(baseline.tunedBy.pullRequestId, "5");
        });
    });

    describe("stops: swapping a copy's code while it is measured to store forged results under another function's fingerprint", () => {
        let builds: Builds;
        let forger: Build;
        let storedAfterForger: boolean;
        let victim: Build;
        before(async () => {
            builds = Builds.inProcess();
            // PR 8 deploys the victim's exact package and configuration, so the trusted step reads the victim's
            // fingerprint; once measured, its code (holding its copy's credentials) swaps in other, cheaper code.
            const forgerCopy = copyArn("digest", PR_8);
            const swap = () => builds.fake.changeFunction(forgerCopy, { CodeSha256: configuration("digest", "fast stand-in").CodeSha256 });
            builds.fake.scriptExecution(forgerCopy, { ...succeeded(cheaperAt512Output), whileRunning: swap });
            forger = await builds.tunePullRequest(PR_8, { digest: "v1" });
            assert.equal(forger.run.code, 0, forger.run.stderr);
            storedAfterForger = builds.fake.objects.has(`${BUCKET}/tuning-history/results/${fingerprintOf("digest", "v1")}.json`);
            victim = await builds.tunePullRequest(PR_5, { digest: "v1" });
            assert.equal(victim.run.code, 0, victim.run.stderr);
        });
        after(() => builds.stop());

        it("stores nothing for the forger's figures, and says why", () => {
            assert.equal(storedAfterForger, false);
            assert.deepEqual(forger.results.functions[0].changedWhileMeasured, ["codeSha256"]);
            assert.match(
                forger.comment,
                /⚠️ The function changed while it was measured \(`codeSha256`\): its figures are not trusted\. They are not stored in the tuning history/,
            );
            assert.match(
                forger.run.stderr,
                /digest: changed while it was measured \(codeSha256\): its result is neither stored nor judged/,
            );
        });

        it("the victim borrows nothing: it is tuned itself, on its own figures", () => {
            assert.deepEqual(victim.started, [copyArn("digest", PR_5)]);
            assert.equal(victim.results.functions[0].reused, undefined);
            assert.equal(victim.results.functions[0].power, 256, "its own measurement, not the forged 512 MB");
            assert.equal(builds.stored(`results/${fingerprintOf("digest", "v1")}.json`).pullRequestId, "5");
        });
    });

    describe("baselines, after PR 5 was merged and main deployed", () => {
        let builds: Builds;
        let recorded: Awaited<ReturnType<Builds["recordProduction"]>>;
        let pullRequest: Build;
        before(async () => {
            builds = Builds.inProcess();
            await builds.tunePullRequest(PR_5, { digest: "v1" });
            // Production runs digest as PR 5 tuned it, and a resize nobody tuned; thumbnail is new in PR 7.
            recorded = await builds.recordProduction({ digest: "v1", resize: "v0" });
            builds.fake.scriptExecution(copyArn("digest", PR_7), succeeded(cheaperAt512Output));
            pullRequest = await builds.tunePullRequest(PR_7, { digest: "v2", resize: "v1", thumbnail: "v1" });
            assert.equal(pullRequest.run.code, 0, pullRequest.run.stderr);
        });
        after(() => builds.stop());

        it("record wrote the fingerprint production runs, per function, with the deployed commit", () => {
            assert.equal(recorded.code, 0, recorded.stderr);
            const record = builds.stored("production/digest.json");
            assert.deepEqual(record, {
                version: 2,
                fingerprint: fingerprintOf("digest", "v1"),
                function: record.function,
                commit: MAIN_COMMIT,
                recordedAt: record.recordedAt,
                functionArn: functionArn("power-tuned-digest"),
            });
            assert.deepEqual(
                [record.function.codeSha256, record.function.memoryMB],
                [configuration("digest", "v1").CodeSha256, 128],
                "what the fingerprint covers, recorded",
            );
            assert.ok(!Number.isNaN(Date.parse(record.recordedAt)));
            assert.equal(builds.stored("production/resize.json").fingerprint, fingerprintOf("resize", "v0"));
        });

        it("the PR found production's stored result as its baseline", () => {
            const { baseline } = pullRequest.results.functions[0];
            assert.equal(baseline.status, "found");
            assert.equal(baseline.fingerprint, fingerprintOf("digest", "v1"));
            assert.equal(baseline.productionCommit, MAIN_COMMIT);
            assert.equal(baseline.tunedBy.pullRequestId, "5");
            assert.equal(baseline.power, 256);
        });

        it("computed the deltas of recommended memory, cost per 1M invocations and duration", () => {
            const { delta } = pullRequest.results.functions[0];
            assert.deepEqual(delta.memoryMB, { baseline: 256, current: 512, absolute: 256, percent: 100 });
            // (1.6926e-6 + 2e-7) × 1e6 = $1.8926 → (1.7052e-6 + 2e-7) × 1e6 = $1.9052: +$0.0126, +0.6658%
            const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);
            close(delta.costPerMillionUsd.baseline, 1.8926);
            close(delta.costPerMillionUsd.current, 1.9052);
            close(delta.costPerMillionUsd.absolute, 0.0126);
            close(delta.costPerMillionUsd.percent, (0.0126 / 1.8926) * 100);
            // 402 ms → 202.3833 ms: −199.6167 ms, −49.66%
            close(delta.durationMs.absolute, 202.38333333333333 - 402);
            close(delta.durationMs.percent, ((202.38333333333333 - 402) / 402) * 100);
        });

        it("linked a comparison chart that decodes back to production's and the PR's measurements", () => {
            const { delta } = pullRequest.results.functions[0];
            const [production, proposed] = decodeComparisonUrl(delta.comparisonUrl);
            assert.equal(production.legend, "main@abc1234");
            assert.equal(proposed.legend, "PR 7@3f2a9c1");
            const fixture = loadFixture("power-tuning/output-cost-x86-4-powers.json");
            const relative = (a: number, b: number) => Math.abs(a / b - 1);
            assert.deepEqual(
                production.stats.map((stat) => stat.memoryMB),
                [128, 256, 512, 1024],
            );
            for (const [index, stat] of production.stats.entries())
                assert.ok(relative(stat.averageCostUsd, fixture.stats[index].averagePrice) < 1e-6);
            proposed.stats.forEach((stat, index) => {
                const expected =
                    fixture.stats[index].value === 512 ? fixture.stats[index].averagePrice : fixture.stats[index].averagePrice * 2;
                assert.ok(relative(stat.averageCostUsd, expected) < 1e-6, `PR cost at ${stat.memoryMB} MB`);
            });
        });

        it("showed the comparison in the comment", () => {
            const { comment } = pullRequest;
            assert.ok(comment.includes("| | main@abc1234 | PR 7@3f2a9c1 | Change |"), comment);
            assert.ok(comment.includes("| Recommended memory | 256 MB | 512 MB | +256 MB (+100%) |"));
            assert.ok(comment.includes("| Cost per 1M invocations\\* | $1.89 | $1.91 | +$0.0126 (+0.666%) |"));
            assert.ok(comment.includes("| Avg duration at that memory | 402 ms | 202 ms | −200 ms (−49.7%) |"));
            assert.ok(comment.includes(`(${pullRequest.results.functions[0].delta.comparisonUrl})`));
        });

        it("said why there is no baseline: production's code never tuned, or no record for a new function", () => {
            const [, resize, thumbnail] = pullRequest.results.functions;
            assert.deepEqual([resize.baseline.status, resize.delta], ["none", undefined]);
            assert.deepEqual([thumbnail.baseline.status, thumbnail.delta], ["none", undefined]);
            assert.match(
                pullRequest.comment,
                /No baseline: production's code and input at main@abc1234 \(fingerprint [0-9a-f]{12}\) were never tuned/,
            );
            assert.match(pullRequest.comment, /No baseline: production has no recorded fingerprint for `thumbnail`/);
        });

        it("report renders the same comparison from the results file, offline", async () => {
            const report = await pullRequest.work.run(["report", "--results", "power-tuning-results.json"], {}, builds.fake);
            assert.equal(report.code, 0, report.stderr);
            assert.ok(report.stdout.includes("| | main@abc1234 | PR 7@3f2a9c1 | Change |"), report.stdout);
            assert.ok(report.stdout.includes("| Recommended memory | 256 MB | 512 MB | +256 MB (+100%) |"));
            assert.ok(report.stdout.includes("| Avg duration at that memory | 402 ms | 202 ms | −200 ms (−49.7%) |"));
            assert.match(report.stdout, /No baseline: production has no recorded fingerprint for `thumbnail`/);
        });
    });

    describe("when the history cannot be used", () => {
        let builds: Builds;
        beforeEach(() => (builds = Builds.inProcess()));

        it("still tunes when the function's configuration cannot be read, and stores nothing for it", async () => {
            builds.fake.failNext("GetFunctionConfiguration", 1, {
                status: 403,
                type: "AccessDeniedException",
                message: "not authorized to perform: lambda:GetFunctionConfiguration",
            });
            const { run, results, started } = await builds.tunePullRequest(PR_7, { digest: "v1" }, { env: { AWS_MAX_ATTEMPTS: "1" } });
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(started, [copyArn("digest", PR_7)]);
            assert.equal(builds.fake.calls("PutObject").length, 0);
            assert.equal(results.functions[0].fingerprint, undefined);
            assert.match(run.stderr, /warning: tuning history: `digest`: GetFunctionConfiguration failed \(`AccessDeniedException/);
        });

        it("keeps the result in the results file and the comment when storing it fails", async () => {
            builds.fake.failNext("PutObject", 1, { status: 403, type: "AccessDenied", message: "Access Denied" });
            const { run, results, comment } = await builds.tunePullRequest(PR_7, { digest: "v1" }, { env: { AWS_MAX_ATTEMPTS: "1" } });
            assert.equal(run.code, 0, run.stderr);
            assert.equal(results.functions[0].power, 256);
            assert.match(results.history.problems[0], /`digest`: storing its result as `s3:\/\/.*` failed \(`AccessDenied/);
            assert.match(comment, /256 MB recommended/);
        });

        it("ignores a malformed stored entry, tunes again and replaces it", async () => {
            builds.fake.objects.set(
                `${BUCKET}/tuning-history/results/${fingerprintOf("digest", "v1")}.json`,
                Buffer.from('{"version": 1, "fingerprint": "not this one"}'),
            );
            const { run, started } = await builds.tunePullRequest(PR_7, { digest: "v1" });
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(started, [copyArn("digest", PR_7)]);
            assert.match(run.stderr, /is not a valid history entry, so it is ignored/);
            assert.equal(builds.stored(`results/${fingerprintOf("digest", "v1")}.json`).fingerprint, fingerprintOf("digest", "v1"));
        });
    });

    describe("invalid input: exit 2 before any AWS request", () => {
        let builds: Builds;
        beforeEach(() => (builds = Builds.inProcess()));

        it("tune rejects a history URI that is not s3://bucket/prefix, naming the flag", async () => {
            const { run } = await builds.tunePullRequest(PR_7, { digest: "v1" }, { args: ["--history", "https://example.com/history"] });
            assert.equal(run.code, 2);
            assert.match(
                run.stderr,
                /--history \(env TUNING_HISTORY_URI\) is "https:\/\/example.com\/history" \(not an s3:\/\/ URI\); allowed: s3:\/\/<bucket>\/<prefix>/,
            );
            assert.equal(builds.fake.requests.length, 0);
        });

        it("record refuses to run without a history or with a bad commit", async () => {
            const noHistory = await new RunnerWorkspace({ "outputs.json": "{}" }).run(
                ["record", "--terraform-outputs", "outputs.json"],
                { TUNING_HISTORY_URI: "" },
                builds.fake,
            );
            assert.equal(noHistory.code, 2);
            assert.match(noHistory.stderr, /--history \(env TUNING_HISTORY_URI\) is missing/);
            const badCommit = await builds.recordProduction({ digest: "v1" }, ["--source-commit", "main"]);
            assert.equal(badCommit.code, 2);
            assert.match(badCommit.stderr, /--source-commit must be a full 40-character lowercase commit id; got "main"/);
            assert.equal(builds.fake.requests.length, 0);
        });
    });

    describe("record", () => {
        it("exits 1 naming the function when its record cannot be written, after trying every function", async () => {
            const builds = Builds.inProcess();
            try {
                builds.fake.failNext("PutObject", 1, { status: 403, type: "AccessDenied", message: "Access Denied" });
                const run = await builds.recordProduction({ digest: "v1", resize: "v1" });
                assert.equal(run.code, 1);
                assert.equal(builds.fake.calls("PutObject").length, 2);
                assert.match(run.stderr, /`(digest|resize)`: recording production's fingerprint as `s3:\/\/.*` failed \(`AccessDenied/);
            } finally {
                await builds.stop();
            }
        });
    });
});
