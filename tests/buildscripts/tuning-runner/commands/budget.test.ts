// The stack-wide tuning budget in process against InMemoryAws: tunings of different builds share it
// through one lease table in S3 (conditional writes), so together they never keep more Lambda
// invocations in flight than the budget; a tuning that cannot fit it invokes nothing.
import * as assert from "node:assert/strict";
import { BUDGET_POLL_MS } from "../../../../buildscripts/tuning-runner/commands/budget";
import { parseLeases } from "../../../../buildscripts/tuning-runner/core/budget";
import type { InMemoryAws } from "../../../support/in-memory-aws";
import { freshInMemoryAwsForEachTest } from "../../../support/runner-workspace";
import { codeBuildEnv, functionArn, localEnv, succeeded, withPullRequest, workspace } from "../../../support/tune-scenario";

const BUCKET = "storage-artifacts-0a1b2c3d";
const LEASES = `s3://${BUCKET}/tuning-budget/leases.json`;
// The scenario's input keeps 4 power values × (1 Executor + 50 parallel invocations) = 204 in flight.
const PER_EXECUTION = 204;

describe("tune --budget: one Lambda concurrency budget for every running tuning of the stack", () => {
    let fake: InMemoryAws;
    freshInMemoryAwsForEachTest((started) => (fake = started));
    const copies = (pullRequest: number) =>
        ["digest", "resize", "thumbnail"].map((name) => functionArn(`pr-power-tuned-${pullRequest}-3f2a9c1-${name}`));
    const tuneCopy = (functions: readonly string[], budget: number, env = localEnv()) =>
        workspace().run(
            [
                "tune",
                ...functions.flatMap((arn) => ["--lambda-arn", arn]),
                "--concurrency",
                "3",
                "--budget",
                String(budget),
                "--budget-leases",
                LEASES,
            ],
            env,
            fake,
        );

    it("two tunings in parallel never exceed the budget together: the account saw at most budget / 204 executions at once", async () => {
        fake.setLambdaConcurrency(10_000);
        const [first, second] = [copies(7), copies(8)];
        for (const arn of [...first, ...second]) fake.scriptExecution(arn, succeeded(5 * 60_000));
        const runs = await Promise.all([tuneCopy(first, 500), tuneCopy(second, 500)]);
        for (const run of runs) assert.equal(run.code, 0, run.stderr);
        assert.equal(fake.calls("StartExecution").length, 6, "every function was tuned");
        assert.equal(fake.peakConcurrentExecutions(), Math.floor(500 / PER_EXECUTION));
        assert.deepEqual(
            parseLeases(fake.objects.get(`${BUCKET}/tuning-budget/leases.json`)!.toString("utf8"), LEASES),
            [],
            "every lease was given back",
        );
        assert.ok(
            fake.calls("PutObject").some((put) => put.IfMatch !== undefined),
            "the table was replaced only on the version read",
        );
    });

    it("alone, a tuning still keeps to its budget, whatever --concurrency allows", async () => {
        fake.setLambdaConcurrency(10_000);
        for (const arn of copies(7)) fake.scriptExecution(arn, succeeded(60_000));
        const run = await tuneCopy(copies(7), 250);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(fake.peakConcurrentExecutions(), 1);
    });

    it("takes at most a tenth of the account's unreserved concurrency when that is smaller than the configured budget", async () => {
        fake.setLambdaConcurrency(5_000, 4_100);
        for (const arn of [...copies(7), ...copies(8)]) fake.scriptExecution(arn, succeeded(60_000));
        const runs = await Promise.all([tuneCopy(copies(7), 1_000), tuneCopy(copies(8), 1_000)]);
        for (const run of runs) assert.equal(run.code, 0, run.stderr);
        assert.equal(fake.peakConcurrentExecutions(), 2, "410 of the account's 4,100: two executions of 204");
    });

    it("a lease a crashed build left behind counts only until it expires", async () => {
        fake.setLambdaConcurrency(10_000);
        const expiresAt = fake.clock.now() + 30 * 60_000;
        fake.putObject(BUCKET, "tuning-budget/leases.json", JSON.stringify({ leases: [{ id: "crashed", units: 500, expiresAt }] }));
        for (const arn of copies(7)) fake.scriptExecution(arn, succeeded(60_000));
        const run = await tuneCopy(copies(7), 500);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stderr, /has 0 of 500 units free, this execution needs 204: waiting/);
        const firstStart = Math.min(...fake.executionTimeline().map((execution) => execution.startedAt));
        assert.ok(
            firstStart >= expiresAt && firstStart <= expiresAt + BUDGET_POLL_MS,
            `the first execution started ${firstStart - expiresAt} ms after the lease expired`,
        );
    });

    it("over the budget, invokes nothing and says so in the comment", async () => {
        fake.setLambdaConcurrency(10_000);
        const run = await tuneCopy(copies(7), 200, codeBuildEnv());
        assert.equal(run.code, 1);
        assert.equal(fake.calls("StartExecution").length, 0);
        assert.match(fake.comments[0].content, /\*\*Not tuned\*\*: nothing was invoked/);
        assert.match(
            fake.comments[0].content,
            /one execution keeps up to 204 Lambda invocations in flight, and the stack's tuning budget is 200/,
        );
    });

    it("refuses a budget without its lease table, or one out of range, naming the flag, before any AWS request (exit 2)", async () => {
        for (const [flags, message] of [
            [
                ["--budget", "100"],
                /--budget \(env TUNING_CONCURRENCY_BUDGET\) and --budget-leases \(env TUNING_BUDGET_LEASES_URI\) go together/,
            ],
            [["--budget", "0", "--budget-leases", LEASES], /--budget \(env TUNING_CONCURRENCY_BUDGET\).*"0"/],
            [["--budget", "100", "--budget-leases", `s3://${BUCKET}/`], /--budget-leases \(env TUNING_BUDGET_LEASES_URI\)/],
        ] as const) {
            const run = await workspace().run(["tune", "--lambda-arn", copies(7)[0], ...flags], localEnv(), fake);
            assert.equal(run.code, 2, flags.join(" "));
            assert.match(run.stderr, message);
        }
        assert.deepEqual(fake.requests, []);
    });

    describe("the caps on one pull request's tuning: over any, nothing is invoked and the comment says why", () => {
        const tune = (functions: readonly string[], caps: string[]) =>
            workspace().run(["tune", ...functions.flatMap((arn) => ["--lambda-arn", arn]), ...caps], codeBuildEnv(), fake);

        it("more functions than --max-functions", async () => {
            const run = await tune(copies(7), ["--max-functions", "2"]);
            assert.equal(run.code, 1);
            assert.equal(fake.calls("StartExecution").length, 0);
            assert.match(
                fake.comments[0].content,
                /the pull request's copy has 3 functions to tune, and at most 2 are tuned per pull request/,
            );
        });

        it("a function whose timeout is longer than --max-function-timeout", async () => {
            const [digest, ...rest] = copies(7);
            fake.setFunctionConfiguration(digest, { Timeout: 900, MemorySize: 128 });
            for (const arn of rest) fake.setFunctionConfiguration(arn, { Timeout: 30, MemorySize: 128 });
            const run = await tune(copies(7), ["--max-function-timeout", "300"]);
            assert.equal(run.code, 1);
            assert.equal(fake.calls("StartExecution").length, 0);
            assert.match(
                fake.comments[0].content,
                /pr-power-tuned-7-3f2a9c1-digest has a timeout of 900 s, and a copy's functions may run at most 300 s/,
            );
        });

        it("stops: raising a copy's timeout past the cap after the caps were checked", async () => {
            const [digest, ...rest] = copies(7);
            withPullRequest(fake, digest);
            for (const arn of copies(7)) fake.setFunctionConfiguration(arn, { Timeout: 30, MemorySize: 128, CodeSha256: "abc=" });
            for (const arn of rest) fake.scriptExecution(arn, succeeded());
            // The copy's own code, holding its copy's credentials, raises its timeout once it is being measured.
            fake.scriptExecution(digest, { ...succeeded(), whileRunning: () => fake.changeFunction(digest, { Timeout: 900 }) });
            const work = workspace();
            work.write("power-tuning-policy.json", JSON.stringify({ requireConfiguredMemoryWithinPercent: 5 }));
            const run = await work.run(
                [
                    "tune",
                    ...copies(7).flatMap((arn) => ["--lambda-arn", arn]),
                    "--max-function-timeout",
                    "300",
                    "--policy",
                    "power-tuning-policy.json",
                ],
                codeBuildEnv(),
                fake,
            );
            assert.equal(run.code, 0, run.stderr);
            const [changed, ...kept] = work.readJson("power-tuning-results.json").functions;
            assert.deepEqual(changed.changedWhileMeasured, ["timeoutSeconds: now 900 s, over the cap of 300 s"]);
            assert.deepEqual(
                kept.map((result: { changedWhileMeasured?: string[] }) => result.changedWhileMeasured),
                [undefined, undefined],
            );
            assert.deepEqual(
                fake.approvals.map((approval) => approval.approvalState),
                ["REVOKE"],
            );
            const content = fake.comments[0].content;
            assert.match(
                content,
                /- `pr-power-tuned-7-3f2a9c1-digest`: the function changed while it was measured \(`timeoutSeconds: now 900 s, over the cap of 300 s`\): its figures are not trusted/,
            );
        });

        it("within every cap, tunes as usual", async () => {
            for (const arn of copies(7)) {
                fake.setFunctionConfiguration(arn, { Timeout: 30, MemorySize: 128 });
                fake.scriptExecution(arn, succeeded());
            }
            const run = await tune(copies(7), ["--max-functions", "3", "--max-function-timeout", "30"]);
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.calls("StartExecution").length, 3);
        });
    });
});
