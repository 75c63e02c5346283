// The pull-request feedback time, phase by phase, for three pull requests: README only, one
// function changed, five functions changed. What runs here is measured: the copy decision (the
// bundle against FakeAws), the workflow's orchestration (run locally), `terraform init` with a cold
// and a warm plugin cache (the real terraform against a local mirror of a real provider when this
// machine has one), and the tuning phase of five functions with `--concurrency auto`. What needs
// AWS (build provisioning, Lambda cold start, role propagation, Step Functions' own latency) is
// cited in the README's budget table, with its source.
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { pullRequestWorkflowDefinition } from "../components/pull-request/pullRequestWorkflowDefinition";
import { decisionEnv, DECIDE_COPY, withPullRequestChanging, type Change } from "../tests/support/copy-decision-scenario";
import { FakeAws } from "../tests/support/fake-aws";
import { providerMirror, providerMirrorUnavailable } from "../tests/support/provider-mirror";
import { RunnerWorkspace, TEST_PULL_REQUEST } from "../tests/support/runner-workspace";
import type { Benchmark, BenchRow } from "./benchmark";
import { formatMs, formatRatio, spread } from "./measure";

const RUNS = 5;
const TUNING_MS = 3_000;
/** A real provider on this machine to measure `terraform init` with (the aws provider is the big one). */
const REAL_PROVIDER = "/opt/tf-plugins/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5";

const README_ONLY: Change = { "README.md": "# Functions, better explained\n" };
const ONE_FUNCTION: Change = { "functions/digest/index.js": "exports.handler = async () => 'faster';\n" };

/** Wall time of the bundle's decide-copy against a fresh FakeAws, over RUNS runs. */
async function decisionMs(change: Change): Promise<{ medianMs: number; calls: number; copyNeeded: boolean }> {
    const walls: number[] = [];
    let calls = 0;
    let copyNeeded = true;
    for (let i = 0; i < RUNS; i++) {
        const fake = withPullRequestChanging(await FakeAws.start(), change);
        try {
            const started = performance.now();
            const run = await new RunnerWorkspace().run(DECIDE_COPY, decisionEnv(), fake);
            walls.push(performance.now() - started);
            if (run.code !== 0) throw new Error(`decide-copy failed: ${run.stderr}`);
            copyNeeded = JSON.parse(run.stdout).copyNeeded;
            calls = fake.requests.length;
        } finally {
            await fake.stop();
        }
    }
    return { medianMs: spread(walls).median, calls, copyNeeded };
}

/** The workflow run locally with instant tasks: its own orchestration time and the builds it starts. */
async function workflowMs(copyNeeded: boolean): Promise<{ medianMs: number; builds: number }> {
    const definition = pullRequestWorkflowDefinition({
        decisionFunction: "arn:aws:lambda:us-east-1:123456789012:function:lambda-power-tuned-decision-bench",
        deployProject: "pr-deploy",
        feedbackProject: "pr-feedback",
        destroyProject: "pr-destroy",
        sweepProject: "pr-sweeper",
        copyRole: {
            arn: "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-copy",
            session: {
                stateBucketName: "storage-state-bench",
                productionStateKey: "terraform-lambda/production.tfstate",
                copyStatePrefix: "pull-requests/",
            },
        },
        timeoutSeconds: { deploy: 3600, feedback: 5400, destroy: 3600, sweep: 2700 },
    });
    const walls: number[] = [];
    let builds = 0;
    for (let i = 0; i < RUNS; i++) {
        builds = 0;
        const build = async (input: unknown) => {
            builds++;
            return {
                Build: {
                    Arn: `arn:aws:codebuild:us-east-1:123456789012:build/${(input as { ProjectName: string }).ProjectName}:0b0b0b0b-1111-4222-8333-944444444444`,
                    BuildStatus: "SUCCEEDED",
                },
            };
        };
        const credentials = async () => ({ Credentials: { AccessKeyId: "ASIA0", SecretAccessKey: "secret", SessionToken: "token" } });
        const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
            validationOptions: { checkArn: true, checkPaths: true },
        });
        const started = performance.now();
        await machine.run(
            {
                pullRequestId: TEST_PULL_REQUEST.pullRequestId,
                sourceCommit: TEST_PULL_REQUEST.sourceCommit,
                destinationCommit: TEST_PULL_REQUEST.destinationCommit,
            },
            {
                overrides: {
                    taskResourceLocalHandlers: {
                        DecideCopy: async () => ({
                            Payload: { copyNeeded, changedPaths: 1, functionPaths: [], copyNamePrefix: "pr-power-tuned-7-3f2a9c1" },
                        }),
                        CopyCredentialsForDeploy: credentials,
                        CopyCredentialsForDestroy: credentials,
                        DeployCopy: build,
                        Feedback: build,
                        DestroyCopy: build,
                        SweepCopy: build,
                    },
                },
                context: { Execution: { Id: "arn:aws:states:us-east-1:123456789012:execution:pr-workflow:bench" } },
            },
        ).result;
        walls.push(performance.now() - started);
    }
    return { medianMs: spread(walls).median, builds };
}

/** `terraform init` with a cold cache (installs from the local mirror into the cache) and a warm one (links from it). */
function terraformInit(): { coldMs: number; warmMs: number; warmInstalled: boolean; provider: string } | { unavailable: string } {
    const unavailable = providerMirrorUnavailable();
    if (unavailable !== undefined) return { unavailable };
    const real = existsSync(REAL_PROVIDER);
    const mirror = providerMirror(
        real ? { source: "registry.terraform.io/hashicorp/aws", version: "5.100.0", executable: REAL_PROVIDER } : {},
    );
    try {
        const cold: number[] = [];
        const warm: number[] = [];
        let warmInstalled = false;
        for (let i = 0; i < 3; i++) {
            rmSync(path.join(mirror.directory, "cache"), { recursive: true, force: true });
            cold.push(mirror.init().wallMs);
            const warmRun = mirror.init();
            warm.push(warmRun.wallMs);
            warmInstalled ||= warmRun.lines.some((line) => line.startsWith("- Installing"));
        }
        const size = real
            ? `hashicorp/aws 5.100.0, ${Math.round(readFileSync(REAL_PROVIDER).length / 2 ** 20)} MiB unpacked`
            : "a small stand-in provider (no real provider on this machine)";
        return { coldMs: spread(cold).median, warmMs: spread(warm).median, warmInstalled, provider: size };
    } finally {
        rmSync(mirror.directory, { recursive: true, force: true });
    }
}

/** Five functions tuned with --concurrency auto on an account of `unreserved` Lambda concurrency: wall time and executions at once. */
async function fiveFunctions(unreserved: number): Promise<{ wallMs: number; peak: number }> {
    const fake = await FakeAws.start();
    try {
        const functions = Array.from(
            { length: 5 },
            (_, index) => `arn:aws:lambda:us-east-1:123456789012:function:pr-power-tuned-7-3f2a9c1-fn${index}`,
        );
        const output = readFileSync(
            path.join(__dirname, "..", "tests", "fixtures", "power-tuning", "output-cost-x86-4-powers.json"),
            "utf8",
        );
        for (const arn of functions) {
            fake.scriptExecution(arn, { status: "SUCCEEDED", output, runningMs: TUNING_MS });
            fake.setFunctionConfiguration(arn, { MemorySize: 128, Runtime: "nodejs22.x", CodeSha256: "abc=" });
        }
        fake.setLambdaConcurrency(unreserved);
        const input = { powerValues: [128, 256, 512, 1024, 2048], num: 20, parallelInvocation: false, strategy: "cost" };
        const work = new RunnerWorkspace({ "power-tuning-input.json": JSON.stringify(input) });
        const started = performance.now();
        const run = await work.run(
            [
                "tune",
                ...functions.flatMap((arn) => ["--lambda-arn", arn]),
                "--concurrency",
                "auto",
                "--state-machine-arn",
                "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-bench",
            ],
            {},
            fake,
        );
        const wallMs = performance.now() - started;
        if (run.code !== 0) throw new Error(`tune failed: ${run.stderr}`);
        return { wallMs, peak: fake.peakConcurrentExecutions() };
    } finally {
        await fake.stop();
    }
}

export const feedbackTimeBenchmark: Benchmark = {
    id: "feedback-time",
    async run() {
        const readme = await decisionMs(README_ONLY);
        const oneFunction = await decisionMs(ONE_FUNCTION);
        const skipped = await workflowMs(false);
        const copied = await workflowMs(true);
        const init = terraformInit();
        const roomy = await fiveFunctions(1000);
        const newAccount = await fiveFunctions(10);
        const method = `bundle's decide-copy against FakeAws (process start included), ${RUNS} runs, median; the workflow definition run by aws-local-stepfunctions with instant tasks`;
        const rows: BenchRow[] = [
            {
                benchmark: "Feedback time: README-only PR",
                target: "no build that deploys anything starts",
                measured: `decision ${formatMs(readme.medianMs)} (${readme.calls} API calls, copy needed: ${readme.copyNeeded}); workflow ${formatMs(skipped.medianMs)} locally, ${skipped.builds} builds started`,
                verdict: !readme.copyNeeded && skipped.builds === 0 ? "met" : "missed",
                method,
            },
            {
                benchmark: "Feedback time: one function changed",
                target: "no provider download after the first PR",
                measured:
                    "unavailable" in init
                        ? `decision ${formatMs(oneFunction.medianMs)}; terraform init not measured (${init.unavailable})`
                        : `decision ${formatMs(oneFunction.medianMs)} (copy needed: ${oneFunction.copyNeeded}); workflow ${formatMs(copied.medianMs)} locally, ${copied.builds} builds; terraform init cold ${formatMs(init.coldMs)} (installs ${init.provider} into the cache from a local mirror), warm ${formatMs(init.warmMs)} (links from the cache, ${init.warmInstalled ? "but installed again" : "installs nothing"})`,
                verdict: "unavailable" in init ? "n/a" : oneFunction.copyNeeded && !init.warmInstalled ? "met" : "missed",
                method: `${method}; the real terraform ${"unavailable" in init ? "" : "against a packed local filesystem mirror, "}3 runs, median (a registry download adds the network time on top of cold)`,
            },
            {
                benchmark: "Feedback time: five functions changed",
                target: "tuning phase ≤ 1.3 × one tuning (every function in parallel)",
                measured: `--concurrency auto, account of 1,000: ${roomy.peak} at once, ${formatMs(roomy.wallMs)} = ${formatRatio(roomy.wallMs / TUNING_MS)} T; account of 10: ${newAccount.peak} at once, ${formatMs(newAccount.wallMs)} = ${formatRatio(newAccount.wallMs / TUNING_MS)} T`,
                verdict: roomy.peak === 5 && roomy.wallMs <= 1.3 * TUNING_MS ? "met" : "missed",
                method: `bundled tune of 5 functions, T = ${TUNING_MS / 1000} s scripted executions on FakeAws, seeded input (5 sizes, one invocation at a time: 10 in flight per execution), GetAccountSettings answering 1,000 or 10`,
            },
        ];
        const details = [
            `README-only: decision median ${formatMs(readme.medianMs)}, workflow median ${formatMs(skipped.medianMs)}`,
            `one function: decision median ${formatMs(oneFunction.medianMs)}, workflow median ${formatMs(copied.medianMs)}`,
            "unavailable" in init
                ? `terraform init: ${init.unavailable}`
                : `terraform init (${init.provider}): cold ${formatMs(init.coldMs)}, warm ${formatMs(init.warmMs)}`,
            `five functions: account 1,000 ${formatMs(roomy.wallMs)} (${roomy.peak} at once); account 10 ${formatMs(newAccount.wallMs)} (${newAccount.peak} at once)`,
        ];
        return { rows, details };
    },
};
