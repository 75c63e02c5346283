// The refinement in process: main.ts's command line and the tune command against InMemoryAws,
// whose state machine answers each execution for the powerValues it asks for, in the tool's output
// shape (tests/support/simulated-power-tuning.ts), from a fixed duration per memory size.
import * as assert from "node:assert/strict";
import { decodeVisualizationUrl } from "../../../../buildscripts/tuning-runner/core/visualization";
import type { ScriptedExecution } from "../../../support/aws-model";
import type { InMemoryAws } from "../../../support/in-memory-aws";
import { freshInMemoryAwsForEachTest, RunnerWorkspace } from "../../../support/runner-workspace";
import { simulatedOutput } from "../../../support/simulated-power-tuning";
import { codeBuildEnv, FUNCTION_A, FUNCTION_B } from "../../../support/tune-scenario";

const FIRST_PASS = [128, 256, 512, 1024];
const INPUT = { powerValues: FIRST_PASS, num: 10, parallelInvocation: true, strategy: "cost", refine: {} };
/** CPU-bound and slowed by garbage collection below its 700 MB working set: cheapest near 704 MB, between 512 and 1024. */
const digestMs = (memoryMB: number) => 40 + (90 * Math.max(1, 700 / memoryMB) * (1769 / Math.min(memoryMB, 1769))) / 3.5;
/** 1.2 ms whatever the memory: the request charge is most of what it costs. */
const resizeMs = () => 1.2;

/** A state machine that measures `durationMs` at whatever sizes the execution asks for. */
const measuring =
    (durationMs: (memoryMB: number) => number) =>
    (input: Record<string, any>): ScriptedExecution => ({
        status: "SUCCEEDED",
        runningMs: 300,
        output: JSON.stringify(
            simulatedOutput(
                { powerValues: input.powerValues, num: input.num, strategy: input.strategy, architecture: "arm64" },
                (memoryMB, count) => Array<number>(count).fill(durationMs(memoryMB)),
            ),
        ),
    });

const HISTORY_URI = "s3://power-tuned-artifacts-1a2b/tuning-history/";
const configuration = {
    CodeSha256: "ZGlnZXN0IHYx",
    Runtime: "nodejs22.x",
    Architectures: ["arm64"],
    Handler: "index.handler",
    PackageType: "Zip",
    MemorySize: 128,
};

describe("tune with a refine block", () => {
    let fake: InMemoryAws;

    freshInMemoryAwsForEachTest((started) => (fake = started));

    const tune = (work: RunnerWorkspace, extra: string[] = []) =>
        work.run(["tune", "--lambda-arn", `digest=${FUNCTION_A}`, "--lambda-arn", `resize=${FUNCTION_B}`, ...extra], codeBuildEnv(), fake);
    const workspace = () => new RunnerWorkspace({ "power-tuning-input.json": JSON.stringify(INPUT) });
    const startsFor = (arn: string) => fake.calls("StartExecution").filter((call) => JSON.parse(call.input).lambdaARN === arn);

    it("runs a second execution per function worth refining, after its first, on the planned sizes and without the refine block", async () => {
        fake.scriptExecution(FUNCTION_A, measuring(digestMs));
        fake.scriptExecution(FUNCTION_B, measuring(resizeMs));
        const run = await tune(workspace());
        assert.equal(run.code, 0, run.stderr);

        const digest = startsFor(FUNCTION_A);
        assert.equal(digest.length, 2);
        const [firstInput, secondInput] = digest.map((call) => JSON.parse(call.input));
        const { refine: _refine, ...toolInput } = INPUT;
        assert.deepEqual(firstInput, { ...toolInput, lambdaARN: FUNCTION_A, includeOutputResults: true });
        assert.deepEqual(secondInput, {
            ...toolInput,
            powerValues: [320, 448, 640, 704, 832, 896],
            lambdaARN: FUNCTION_A,
            includeOutputResults: true,
        });
        assert.match(digest[1].name, /^pr-7-3f2a9c1-digest-refine-[0-9a-f]{8}$/);
        const [firstRun, secondRun] = fake.executionTimeline().filter((execution) => execution.lambdaArn === FUNCTION_A);
        assert.ok(secondRun.startedAt >= firstRun.endsAt, "the refinement starts once the first pass has ended");
        assert.equal(fake.peakConcurrentExecutions(FUNCTION_A), 1);

        assert.equal(startsFor(FUNCTION_B).length, 1, "resize is not worth refining: the request charge is most of its cost");
        assert.match(run.stderr, /digest: refining between 256 and 1024 MB on 320, 448, 640, 704, 832, 896 MB/);
        assert.match(run.stderr, /digest: 704 MB recommended over both passes \(first pass: 512 MB\)/);
        assert.match(run.stderr, /resize: refinement skipped: the sizes between 128 and 256 MB could beat 128 MB by at most 0 %/);
    });

    it("writes the merged result and comments one table of both passes, the merged chart and what the refinement cost", async () => {
        fake.scriptExecution(FUNCTION_A, measuring(digestMs));
        fake.scriptExecution(FUNCTION_B, measuring(resizeMs));
        const work = workspace();
        const run = await tune(work);
        assert.equal(run.code, 0, run.stderr);

        const [digest, resize] = work.readJson("power-tuning-results.json").functions;
        assert.equal(digest.power, 704);
        assert.deepEqual(
            digest.stats.map((stat: any) => stat.memoryMB),
            [128, 256, 320, 448, 512, 640, 704, 832, 896, 1024],
        );
        assert.equal(digest.refinement.status, "refined");
        assert.equal(digest.refinement.invocations, 60);
        assert.equal(digest.refinement.firstPass.power, 512);
        assert.equal(
            digest.refinement.executionArn,
            fake.executionTimeline().filter((execution) => execution.lambdaArn === FUNCTION_A)[1].executionArn,
        );
        // The tool's own figures: 6 + 3 × 4 transitions, then 6 + 3 × 6, at $0.000025 each.
        assert.equal(digest.refinement.stateMachineCostUsd, 0.0006);
        assert.ok(Math.abs(digest.stateMachineCostUsd - (0.00045 + 0.0006)) < 1e-12);
        assert.equal(resize.refinement.status, "skipped");

        assert.equal(fake.comments.length, 1);
        const comment = fake.comments[0].content;
        assert.match(comment, /### ✅ `digest`: 704 MB recommended/);
        assert.match(comment, /\| \*\*704 🔍\*\* ✅ \|/);
        assert.equal((comment.match(/^\| \d+ 🔍 \|/gm) ?? []).length, 5, "the other five refined rows are marked");
        assert.match(
            comment,
            /🔍 Refined: 6 sizes \(320, 448, 640, 704, 832, 896 MB\) between 256 and 1024 MB \(60 invocations, \$0\.000\d+: Step Functions \$0\.000600 \+ Lambda \$/,
        );
        assert.match(
            comment,
            /The first pass alone picked 512 MB at .*; refined: 704 MB at .*\. The refinement pays for itself after [\d,]+ invocations\./,
        );
        assert.match(comment, /Refinement skipped: the sizes between 128 and 256 MB could beat 128 MB by at most 0 %/);
        const chart = /\[chart on lambda-power-tuning\.show\]\(([^)]+)\)/.exec(comment)![1];
        assert.deepEqual(
            decodeVisualizationUrl(chart).map((stat) => stat.memoryMB),
            digest.stats.map((stat: any) => stat.memoryMB),
        );
    });

    it("keeps the first pass's recommendation when the refinement fails, says so, and still succeeds", async () => {
        fake.scriptExecution(FUNCTION_A, (input) =>
            input.powerValues.length === FIRST_PASS.length
                ? measuring(digestMs)(input)
                : { status: "FAILED", error: "States.Runtime", cause: "the state machine broke" },
        );
        fake.scriptExecution(FUNCTION_B, measuring(resizeMs));
        const work = workspace();
        const run = await tune(work);
        assert.equal(run.code, 0, run.stderr);
        const [digest] = work.readJson("power-tuning-results.json").functions;
        assert.equal(digest.status, "succeeded");
        assert.equal(digest.power, 512);
        assert.deepEqual(digest.refinement.error, { error: "States.Runtime", cause: "the state machine broke" });
        assert.match(fake.comments[0].content, /⚠️ Refinement failed \(`States\.Runtime`: `the state machine broke`\) on 6 sizes/);
        assert.match(run.stderr, /digest: refinement failed, keeping the first pass's 512 MB/);
    });

    it("stores the merged result in the history, and a later build of the same code reuses it without executions", async () => {
        fake.scriptExecution(FUNCTION_A, measuring(digestMs));
        fake.scriptExecution(FUNCTION_B, measuring(resizeMs));
        fake.setFunctionConfiguration(FUNCTION_A, configuration);
        fake.setFunctionConfiguration(FUNCTION_B, { ...configuration, CodeSha256: "cmVzaXplIHYx" });
        const first = await tune(workspace(), ["--history", HISTORY_URI]);
        assert.equal(first.code, 0, first.stderr);
        assert.equal(fake.calls("StartExecution").length, 3);

        const later = workspace();
        const run = await tune(later, ["--history", HISTORY_URI]);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(fake.calls("StartExecution").length, 3, "nothing started again");
        const [digest] = later.readJson("power-tuning-results.json").functions;
        assert.equal(digest.power, 704);
        assert.equal(digest.stats.length, 10);
        assert.equal(digest.refinement.status, "refined");
        const comment = fake.comments[fake.comments.length - 1].content;
        assert.match(comment, /♻️ Unchanged since/);
        assert.match(comment, /\| \*\*704 🔍\*\* ✅ \|/);
        assert.match(comment, /🔍 Refined: 6 sizes \(320, 448, 640, 704, 832, 896 MB\) between 256 and 1024 MB \(60 invocations\)\./);
    });
});
