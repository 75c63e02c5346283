// Tuning history end to end: the built bundle as a child process against FakeAws, which stores
// S3 objects (path-style) and answers Lambda GetFunctionConfiguration. Each scenario plays the
// builds that meet in the history — pull requests tuning their copies, the main pipeline's
// `record` after a deployment — and asserts what was started, stored, written and commented.
// Scenarios with several builds run them once (before) and assert on them in several specs.
import * as assert from "node:assert/strict";
import { functionFactsFrom, tuningFingerprint } from "../../buildscripts/tuning-runner/core/fingerprint";
import { decodeComparisonUrl } from "../../buildscripts/tuning-runner/core/visualization";
import { FakeAws, type ScriptedExecution } from "../support/fake-aws";
import { startHtmlServer } from "../support/html-server";
import { RunnerWorkspace, runnerBundle, TEST_PULL_REQUEST } from "../support/runner-process";
import { loadFixture, readFixtureText } from "../fixtures";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
const functionArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const BUCKET = "power-tuned-artifacts-1a2b";
const HISTORY_URI = `s3://${BUCKET}/tuning-history/`;
const INPUT = { powerValues: [128, 256, 512, 1024], num: 50, payload: { documentKb: 512 }, parallelInvocation: true, strategy: "cost" };
const MAIN_COMMIT = `abc1234${"b".repeat(33)}`;

/** A Lambda configuration as GetFunctionConfiguration reports it; `version` of `name`'s code stands for the package. */
const configuration = (name: string, version: string) => ({
    CodeSha256: Buffer.from(`package of ${name} ${version}`).toString("base64"),
    Runtime: "nodejs22.x",
    Architectures: ["arm64"],
    Handler: "index.handler",
    PackageType: "Zip",
    MemorySize: 128,
});

/** A pull request (id, source commit) whose build deployed copies named `<function>-pr-<id>`. */
interface PullRequest {
    readonly id: string;
    readonly sourceCommit: string;
}
const PR_5: PullRequest = { id: "5", sourceCommit: `0123456${"c".repeat(33)}` };
const PR_7: PullRequest = { id: "7", sourceCommit: TEST_PULL_REQUEST.sourceCommit };
const PR_8: PullRequest = { id: "8", sourceCommit: `8888888${"d".repeat(33)}` };
const copyArn = (name: string, pr: PullRequest) => functionArn(`power-tuned-${name}-pr-${pr.id}`);

const costOutput = readFixtureText("power-tuning/output-cost-x86-4-powers.json");
/** The same measurements, except that this code made 512 MB the cheapest. */
const cheaperAt512Output = (() => {
    const output = loadFixture("power-tuning/output-cost-x86-4-powers.json");
    output.stats = output.stats.map((stat: any) => (stat.value === 512 ? stat : { ...stat, averagePrice: stat.averagePrice * 2 }));
    return JSON.stringify({ ...output, power: 512, cost: 0.0000017052000000000002, duration: 202.38333333333333 });
})();
const succeeded = (output = costOutput): ScriptedExecution => ({ status: "SUCCEEDED", output });

/** One FakeAws shared by the builds of a scenario, and what those builds do. */
class Builds {
    private constructor(readonly fake: FakeAws) {}

    static async start(): Promise<Builds> {
        const builds = new Builds(await FakeAws.start());
        builds.fake.scriptExecution(/function:power-tuned-/, succeeded());
        return builds;
    }

    stop(): Promise<void> {
        return this.fake.stop();
    }

    /** A PR build's environment, as CodeBuild and the EventBridge target set it. */
    private pullRequestEnv(pr: PullRequest, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
        return this.fake.env({
            STATE_MACHINE_ARN: STATE_MACHINE,
            REPOSITORY_NAME: TEST_PULL_REQUEST.repositoryName,
            PULL_REQUEST_ID: pr.id,
            SOURCE_COMMIT: pr.sourceCommit,
            DESTINATION_COMMIT: TEST_PULL_REQUEST.destinationCommit,
            TUNING_HISTORY_URI: HISTORY_URI,
            CODEBUILD_BUILD_ID: "",
            CODEBUILD_BUILD_URL: "",
            ...extra,
        });
    }

    /** A PR build tuning its copies of `functions` (name → code version). */
    async tunePullRequest(pr: PullRequest, functions: Record<string, string>, options: { args?: string[]; env?: Record<string, string>; input?: object } = {}) {
        const args = ["tune", ...(options.args ?? [])];
        for (const [name, code] of Object.entries(functions)) {
            this.fake.setFunctionConfiguration(copyArn(name, pr), configuration(name, code));
            args.push("--lambda-arn", `${name}=${copyArn(name, pr)}`);
        }
        const work = new RunnerWorkspace({ "power-tuning-input.json": JSON.stringify(options.input ?? INPUT) });
        const startsBefore = this.fake.calls("StartExecution").length;
        const run = await work.run(args, this.pullRequestEnv(pr, options.env));
        return {
            run,
            work,
            results: run.code === 2 ? undefined : work.readJson("power-tuning-results.json"),
            started: this.fake.calls("StartExecution").slice(startsBefore).map((call) => JSON.parse(call.input).lambdaARN as string),
            comment: this.fake.comments[this.fake.comments.length - 1]?.content ?? "",
        };
    }

    /** The main pipeline after `terraform apply`: production's functions (name → code version), then `record`. */
    recordProduction(functions: Record<string, string>, extraArgs: string[] = [], env: Record<string, string> = {}) {
        const outputs: Record<string, string> = {};
        for (const [name, code] of Object.entries(functions)) {
            this.fake.setFunctionConfiguration(functionArn(`power-tuned-${name}`), configuration(name, code));
            outputs[name] = functionArn(`power-tuned-${name}`);
        }
        const work = new RunnerWorkspace({
            "power-tuning-input.json": JSON.stringify(INPUT),
            "outputs.json": JSON.stringify({ functions: { sensitive: false, type: ["map", "string"], value: outputs } }),
        });
        return work.run(
            ["record", "--terraform-outputs", "outputs.json", "--history", HISTORY_URI, ...extraArgs],
            this.fake.env({ CODEBUILD_RESOLVED_SOURCE_VERSION: MAIN_COMMIT, ...env }),
        );
    }

    stored(key: string): any {
        const object = this.fake.objects.get(`${BUCKET}/tuning-history/${key}`);
        assert.ok(object, `no object tuning-history/${key}`);
        return JSON.parse(object.toString("utf8"));
    }
}

const fingerprintOf = (name: string, version: string, input: object = INPUT) => tuningFingerprint(functionFactsFrom(configuration(name, version), "arn"), input as any);
type Build = Awaited<ReturnType<Builds["tunePullRequest"]>>;

describe("tuning history, run as the bundled CLI against the AWS wire protocols", function () {
    this.timeout(60_000);
    before(() => runnerBundle());

    describe("a pull request after another tuned the same functions", () => {
        let builds: Builds;
        let second: Build;
        before(async () => {
            builds = await Builds.start();
            const first = await builds.tunePullRequest(PR_5, { digest: "v1", resize: "v1", thumbnail: "v1" });
            assert.equal(first.run.code, 0, first.run.stderr);
            assert.equal(first.started.length, 3);
            second = await builds.tunePullRequest(PR_7, { digest: "v1", resize: "v2", thumbnail: "v1" });
            assert.equal(second.run.code, 0, second.run.stderr);
        });
        after(() => builds.stop());

        it("stored each result under its fingerprint with the PR, commit, input and function facts", () => {
            const entry = builds.stored(`results/${fingerprintOf("digest", "v1")}.json`);
            assert.equal(entry.version, 1);
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
            assert.deepEqual({ commit: digest.reused.commit, pullRequestId: digest.reused.pullRequestId }, { commit: PR_5.sourceCommit, pullRequestId: "5" });
            assert.match(second.comment, /♻️ 2 of 3 functions unchanged/);
            assert.match(second.comment, /Unchanged since `0123456`, result reused \(tuned for PR 5 on /);
            assert.match(second.run.stderr, /digest: unchanged since 0123456 \(PR 5\): reusing its result, no execution/);
        });

        it("reads each function's configuration once per build, shared with the quality gate", () => {
            const asked = builds.fake.calls("GetFunctionConfiguration").map((call) => call.FunctionName);
            assert.equal(asked.length, 6);
            assert.equal(new Set(asked).size, 6);
        });
    });

    describe("two functions with the same code", () => {
        let builds: Builds;
        let later: Build;
        before(async () => {
            builds = await Builds.start();
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
            assert.match(later.comment, /Same code, configuration and tuning input as `thumbnail`, so its result is borrowed \(tuned for PR 5 at `0123456`/);
            assert.doesNotMatch(later.comment, /Unchanged since/);
            assert.match(later.run.stderr, /preview: same code and input as thumbnail, tuned at 0123456 \(PR 5\): borrowing its result, no execution/);
        });
    });

    describe("tuning again", () => {
        let builds: Builds;
        before(async () => {
            builds = await Builds.start();
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

    describe("baselines, after PR 5 was merged and main deployed", () => {
        let builds: Builds;
        let recorded: Awaited<ReturnType<Builds["recordProduction"]>>;
        let pullRequest: Build;
        before(async () => {
            builds = await Builds.start();
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
                version: 1,
                fingerprint: fingerprintOf("digest", "v1"),
                commit: MAIN_COMMIT,
                recordedAt: record.recordedAt,
                functionArn: functionArn("power-tuned-digest"),
            });
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
            assert.deepEqual(production.stats.map((stat) => stat.memoryMB), [128, 256, 512, 1024]);
            production.stats.forEach((stat, index) => assert.ok(relative(stat.averageCostUsd, fixture.stats[index].averagePrice) < 1e-6));
            proposed.stats.forEach((stat, index) => {
                const expected = fixture.stats[index].value === 512 ? fixture.stats[index].averagePrice : fixture.stats[index].averagePrice * 2;
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
            assert.match(pullRequest.comment, /No baseline: production's code and input at main@abc1234 \(fingerprint [0-9a-f]{12}\) were never tuned/);
            assert.match(pullRequest.comment, /No baseline: production has no recorded fingerprint for `thumbnail`/);
        });

        it("report renders the same comparison from the results file, offline", async () => {
            const report = await pullRequest.work.run(["report", "--results", "power-tuning-results.json"], { PATH: process.env.PATH, HOME: "/nonexistent" });
            assert.equal(report.code, 0, report.stderr);
            assert.ok(report.stdout.includes("| | main@abc1234 | PR 7@3f2a9c1 | Change |"), report.stdout);
            assert.ok(report.stdout.includes("| Recommended memory | 256 MB | 512 MB | +256 MB (+100%) |"));
            assert.ok(report.stdout.includes("| Avg duration at that memory | 402 ms | 202 ms | −200 ms (−49.7%) |"));
            assert.match(report.stdout, /No baseline: production has no recorded fingerprint for `thumbnail`/);
        });
    });

    describe("when the history cannot be used", () => {
        let builds: Builds;
        beforeEach(async () => {
            builds = await Builds.start();
        });
        afterEach(() => builds.stop());

        for (const failure of [
            { status: 403, type: "AccessDenied", message: "Access Denied" },
            { status: 500, type: "InternalError", message: "We encountered an internal error. Please try again." },
        ]) {
            it(`still tunes when S3 answers ${failure.status} ${failure.type}: warning logged, results file and comment as usual`, async () => {
                builds.fake.failNext("GetObject", 2, failure);
                const { run, results, started, comment } = await builds.tunePullRequest(PR_7, { digest: "v1" }, { env: { AWS_MAX_ATTEMPTS: "1" } });
                assert.equal(run.code, 0, run.stderr);
                assert.deepEqual(started, [copyArn("digest", PR_7)]);
                assert.match(run.stderr, new RegExp(`warning: tuning history: \`digest\`: reading s3://${BUCKET}/tuning-history/\\S+ failed \\(${failure.type}`));
                assert.equal(results.functions[0].status, "succeeded");
                assert.equal(results.functions[0].baseline.status, "none");
                assert.equal(results.history.problems.length, 2);
                assert.match(comment, /Tuning history unavailable in part/);
                // Nothing lost: the new result is still stored for the next build.
                assert.ok(builds.fake.objects.has(`${BUCKET}/tuning-history/results/${fingerprintOf("digest", "v1")}.json`));
            });
        }

        it("says what answered when the S3 endpoint is not AWS: the HTTP status and the start of the page", async () => {
            const proxy = await startHtmlServer(403, "<!DOCTYPE html><html><title>Access blocked by policy</title><body>Request blocked.</body></html>");
            try {
                const { run, results } = await builds.tunePullRequest(PR_7, { digest: "v1" }, { env: { AWS_ENDPOINT_URL_S3: proxy.url, AWS_MAX_ATTEMPTS: "1" } });
                assert.equal(run.code, 0, run.stderr);
                const problem = results.history.problems[0];
                assert.match(problem, /failed \(NotAnAwsResponse: HTTP 403 \(text\/html; charset=utf-8\) with a body starting "<!DOCTYPE html><html><title>Access blocked by policy<\/title>/);
                assert.doesNotMatch(problem, /UnknownError/);
            } finally {
                await proxy.stop();
            }
        });

        it("still tunes when the function's configuration cannot be read, and stores nothing for it", async () => {
            builds.fake.failNext("GetFunctionConfiguration", 1, { status: 403, type: "AccessDeniedException", message: "not authorized to perform: lambda:GetFunctionConfiguration" });
            const { run, results, started } = await builds.tunePullRequest(PR_7, { digest: "v1" }, { env: { AWS_MAX_ATTEMPTS: "1" } });
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(started, [copyArn("digest", PR_7)]);
            assert.equal(builds.fake.calls("PutObject").length, 0);
            assert.equal(results.functions[0].fingerprint, undefined);
            assert.match(run.stderr, /warning: tuning history: `digest`: GetFunctionConfiguration failed \(AccessDeniedException/);
        });

        it("keeps the result in the results file and the comment when storing it fails", async () => {
            builds.fake.failNext("PutObject", 1, { status: 403, type: "AccessDenied", message: "Access Denied" });
            const { run, results, comment } = await builds.tunePullRequest(PR_7, { digest: "v1" }, { env: { AWS_MAX_ATTEMPTS: "1" } });
            assert.equal(run.code, 0, run.stderr);
            assert.equal(results.functions[0].power, 256);
            assert.match(results.history.problems[0], /digest: storing its result as s3:\/\/.* failed \(AccessDenied/);
            assert.match(comment, /256 MB recommended/);
        });

        it("ignores a malformed stored entry, tunes again and replaces it", async () => {
            builds.fake.objects.set(`${BUCKET}/tuning-history/results/${fingerprintOf("digest", "v1")}.json`, Buffer.from('{"version": 1, "fingerprint": "not this one"}'));
            const { run, started } = await builds.tunePullRequest(PR_7, { digest: "v1" });
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(started, [copyArn("digest", PR_7)]);
            assert.match(run.stderr, /is not a valid history entry, so it is ignored/);
            assert.equal(builds.stored(`results/${fingerprintOf("digest", "v1")}.json`).fingerprint, fingerprintOf("digest", "v1"));
        });
    });

    describe("invalid input: exit 2 before any AWS request", () => {
        let builds: Builds;
        beforeEach(async () => {
            builds = await Builds.start();
        });
        afterEach(() => builds.stop());

        it("tune rejects a history URI that is not s3://bucket/prefix, naming the flag", async () => {
            const { run } = await builds.tunePullRequest(PR_7, { digest: "v1" }, { args: ["--history", "https://example.com/history"] });
            assert.equal(run.code, 2);
            assert.match(run.stderr, /--history \(env TUNING_HISTORY_URI\) is "https:\/\/example.com\/history" \(not an s3:\/\/ URI\); allowed: s3:\/\/<bucket>\/<prefix>/);
            assert.equal(builds.fake.requests.length, 0);
        });

        it("record refuses to run without a history or with a bad commit", async () => {
            const noHistory = await new RunnerWorkspace({ "outputs.json": "{}" }).run(["record", "--terraform-outputs", "outputs.json"], builds.fake.env({ TUNING_HISTORY_URI: "" }));
            assert.equal(noHistory.code, 2);
            assert.match(noHistory.stderr, /--history \(env TUNING_HISTORY_URI\) is missing/);
            const badCommit = await builds.recordProduction({ digest: "v1" }, ["--source-commit", "main"]);
            assert.equal(badCommit.code, 2);
            assert.match(badCommit.stderr, /--source-commit must be a full 40-character lowercase commit id; got "main"/);
            assert.equal(builds.fake.requests.length, 0);
        });
    });

    describe("record", () => {
        it("takes the region from the functions' ARNs when neither AWS_REGION nor the AWS profile names one", async () => {
            const builds = await Builds.start();
            try {
                const run = await builds.recordProduction({ digest: "v1" }, [], { AWS_REGION: "", AWS_CONFIG_FILE: "/nonexistent/aws-config" });
                assert.equal(run.code, 0, run.stderr);
                assert.match(run.stderr, /region us-east-1, from --terraform-outputs/);
                assert.deepEqual([...new Set(builds.fake.requests.map((request) => request.signingRegion))], ["us-east-1"]);
                assert.equal(builds.fake.calls("PutObject").length, 1);
            } finally {
                await builds.stop();
            }
        });

        it("exits 1 naming the function when its record cannot be written, after trying every function", async () => {
            const builds = await Builds.start();
            try {
                builds.fake.failNext("PutObject", 1, { status: 403, type: "AccessDenied", message: "Access Denied" });
                const run = await builds.recordProduction({ digest: "v1", resize: "v1" });
                assert.equal(run.code, 1);
                assert.equal(builds.fake.calls("PutObject").length, 2);
                assert.match(run.stderr, /`(digest|resize)`: recording production's fingerprint as s3:\/\/.* failed \(AccessDenied/);
            } finally {
                await builds.stop();
            }
        });
    });
});
