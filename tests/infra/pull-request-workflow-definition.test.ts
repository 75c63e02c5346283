// The pull-request workflow's definition, validated with asl-validator and executed locally
// with aws-local-stepfunctions: the CodeBuild tasks run local handlers that succeed, fail the
// way a failed `startBuild.sync` does (States.TaskFailed, the build as JSON in the Cause), or
// never return (a timeout); the decision task runs the runner's own decide-copy in process
// against InMemoryAws, holding the pull request's two commits.
import * as assert from "assert";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { decisionResult } from "../../buildscripts/tuning-runner/core/copyDecision";
import { copyNamePrefix } from "../../buildscripts/contract";
import { copySessionPolicy } from "../../components/policies";
import { COPY_SESSION_SECONDS, PullRequestWorkflowInput, pullRequestWorkflowDefinition, WORKFLOW_FAILURES } from "../../components/pullRequestWorkflowDefinition";
import { type Change, decisionEnv, withPullRequestChanging } from "../support/copy-decision-scenario";
import { InMemoryAws } from "../support/in-memory-aws";
import { RunnerWorkspace, TEST_PULL_REQUEST } from "../support/runner-workspace";

// asl-validator is a CommonJS function export.
const aslValidator: (definition: object) => { isValid: boolean; errorsText: (separator?: string) => string } = require("asl-validator");

const DECISION_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:lambda-power-tuned-pr-copy-decision";
const COPY_ROLE = {
    arn: "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-copy",
    session: { stateBucketName: "storage-state-0a1b2c3d", productionStateKey: "terraform-lambda/production.tfstate", copyStatePrefix: "pull-requests/" },
};
const PULL_REQUEST_NAME_PREFIX = "pr-power-tuned";
const STEPS = {
    decisionFunction: DECISION_FUNCTION,
    deployProject: "pr-deploy",
    feedbackProject: "pr-feedback",
    destroyProject: "pr-destroy",
    sweepProject: "pr-sweeper",
    copyRole: COPY_ROLE,
    timeoutSeconds: { deploy: 3600, feedback: 5400, destroy: 3600, sweep: 2700 },
};
const INPUT = {
    pullRequestId: TEST_PULL_REQUEST.pullRequestId,
    sourceCommit: TEST_PULL_REQUEST.sourceCommit,
    destinationCommit: TEST_PULL_REQUEST.destinationCommit,
} satisfies PullRequestWorkflowInput;
const EXECUTION_ARN = "arn:aws:states:us-east-1:123456789012:execution:pr-workflow:7-3f2a9c1";
const buildArn = (project: string) => `arn:aws:codebuild:us-east-1:123456789012:build/${project}:6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29`;

type Step = "DeployCopy" | "Feedback" | "DestroyCopy" | "SweepCopy";
type CredentialStep = "CopyCredentialsForDeploy" | "CopyCredentialsForDestroy";
type Behaviour = "succeeds" | "fails" | "refused" | "hangs";

/** What the pull request changes (the decision runs on it), or how the decision function fails. */
type Decision = { readonly change: Change } | "fails";

/** A function's file changed: the decision asks for a copy. */
const FUNCTION_CHANGED: Decision = { change: { "functions/digest/index.js": "exports.handler = async () => 'faster';\n" } };

interface StartBuild {
    readonly ProjectName: string;
    readonly SourceVersion?: string;
    readonly EnvironmentVariablesOverride: ReadonlyArray<{ Name: string; Type: string; Value: string }>;
}

interface AssumeRole {
    readonly RoleArn: string;
    readonly RoleSessionName: string;
    readonly DurationSeconds: number;
    readonly Policy: string;
}

interface Run {
    /** Each build started, in order, with its variables by name. */
    readonly builds: ReadonlyArray<{ step: Step; project: string; sourceVersion?: string; variables: Record<string, string> }>;
    /** Each session of the copy role the workflow asked STS for, in order. */
    readonly sessions: ReadonlyArray<{ step: CredentialStep; request: AssumeRole }>;
    /** The Fail state's Error, or undefined when the execution succeeded. */
    readonly failedWith?: string;
    /** The Fail state's Cause. */
    readonly because?: string;
}

const taskFailure = (name: string, cause: string) => Object.assign(new Error(cause), { name });

/**
 * Runs the runner's decide-copy for the Payload the decision task sends, against InMemoryAws
 * holding the pull request's commits, and answers as lambda:invoke does ({Payload: …}).
 */
function decisionHandler(decision: Decision) {
    return async (input: unknown): Promise<{ Payload: ReturnType<typeof decisionResult>; StatusCode: number }> => {
        if (decision === "fails") throw taskFailure("Lambda.Unknown", "The decision function failed");
        const { FunctionName, Payload } = input as { FunctionName: string; Payload: PullRequestWorkflowInput };
        assert.equal(FunctionName, DECISION_FUNCTION);
        const aws = withPullRequestChanging(new InMemoryAws(), decision.change);
        const argv = ["decide-copy", "--pull-request-id", Payload.pullRequestId, "--source-commit", Payload.sourceCommit, "--destination-commit", Payload.destinationCommit];
        const run = await new RunnerWorkspace().run(argv, decisionEnv(), aws);
        assert.equal(run.code, 0, run.stderr);
        // What the function's handler returns: decide-copy's summary and the copy's name prefix, from its environment.
        return { Payload: decisionResult(JSON.parse(run.stdout), PULL_REQUEST_NAME_PREFIX, Payload), StatusCode: 200 };
    };
}

/** Runs the workflow with each CodeBuild task answered by a local handler, after the decision on `decision`. */
async function runWorkflow(behaviour: Partial<Record<Step | CredentialStep, Behaviour>>, definition = pullRequestWorkflowDefinition(STEPS), decision: Decision = FUNCTION_CHANGED): Promise<Run> {
    const builds: Array<Run["builds"][number]> = [];
    const sessions: Array<Run["sessions"][number]> = [];
    // The task's resolved Parameters are an AssumeRole request; the handler answers as the aws-sdk integration does.
    const assumeRole = (step: CredentialStep) => async (input: unknown) => {
        sessions.push({ step, request: input as AssumeRole });
        if (behaviour[step] === "fails") throw taskFailure("Sts.PackedPolicyTooLargeException", "Packed policy consumes 104% of allotted space");
        const n = sessions.length;
        return { Credentials: { AccessKeyId: `ASIA${n}`, SecretAccessKey: `secret-${n}`, SessionToken: `token-${n}`, Expiration: "2026-12-07T21:00:00Z" } };
    };
    // The task's resolved Parameters are a StartBuild request; the handler answers like startBuild.sync.
    const handler = (step: Step) => async (input: unknown): Promise<{ Build: { Arn: string; BuildStatus: string } }> => {
        const request = input as StartBuild;
        builds.push({
            step,
            project: request.ProjectName,
            sourceVersion: request.SourceVersion,
            variables: Object.fromEntries(request.EnvironmentVariablesOverride.map((variable) => [variable.Name, variable.Value])),
        });
        const build = { Arn: buildArn(request.ProjectName), BuildStatus: "SUCCEEDED" };
        switch (behaviour[step] ?? "succeeds") {
            case "succeeds":
                return { Build: build };
            case "fails":
                throw taskFailure("States.TaskFailed", JSON.stringify({ Build: { ...build, BuildStatus: "FAILED" } }));
            case "refused":
                throw taskFailure("CodeBuild.AccessDeniedException", "User is not authorized to perform: codebuild:StartBuild");
            case "hangs":
                return new Promise<never>(() => undefined);
        }
    };
    // The library's own definition type is stricter than the plain object the stack serializes.
    const machine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { checkArn: true, checkPaths: true } });
    const execution = machine.run(INPUT, {
        overrides: {
            taskResourceLocalHandlers: {
                DecideCopy: decisionHandler(decision),
                CopyCredentialsForDeploy: assumeRole("CopyCredentialsForDeploy"),
                CopyCredentialsForDestroy: assumeRole("CopyCredentialsForDestroy"),
                DeployCopy: handler("DeployCopy"),
                Feedback: handler("Feedback"),
                DestroyCopy: handler("DestroyCopy"),
                SweepCopy: handler("SweepCopy"),
            },
        },
        context: { Execution: { Id: EXECUTION_ARN, Input: INPUT } },
    });
    try {
        await execution.result;
        return { builds, sessions };
    } catch (error) {
        const failure = (error as { cause?: { name?: string; message?: string } }).cause;
        assert.ok(failure?.name, `the execution failed without a Fail state: ${error}`);
        return { builds, sessions, failedWith: failure.name, because: failure.message };
    }
}

const steps = (run: Run) => run.builds.map((build) => build.step);
const PULL_REQUEST_VARIABLES = { PULL_REQUEST_ID: INPUT.pullRequestId, SOURCE_COMMIT: INPUT.sourceCommit, DESTINATION_COMMIT: INPUT.destinationCommit };
/** The n-th session's credentials, as the build gets them. */
const copyCredentials = (n: number) => ({ COPY_AWS_ACCESS_KEY_ID: `ASIA${n}`, COPY_AWS_SECRET_ACCESS_KEY: `secret-${n}`, COPY_AWS_SESSION_TOKEN: `token-${n}` });
const COPY_PREFIX = copyNamePrefix(PULL_REQUEST_NAME_PREFIX, INPUT);

describe("pull-request workflow definition", () => {
    it("is valid Amazon States Language (asl-validator, paths and ARNs checked)", () => {
        const { isValid, errorsText } = aslValidator(pullRequestWorkflowDefinition(STEPS));
        assert.ok(isValid, errorsText("\n"));
    });

    it("runs every CodeBuild step synchronously, each with a timeout beyond its build's own", () => {
        const states = pullRequestWorkflowDefinition(STEPS).States as Record<string, { Type: string; Resource?: string; TimeoutSeconds?: number; Catch?: unknown[] }>;
        const tasks = Object.entries(states).filter(([, state]) => state.Type === "Task" && state.Resource!.includes(":codebuild:"));
        assert.deepStrictEqual(
            tasks.map(([name, state]) => [name, state.Resource, state.TimeoutSeconds]),
            [
                ["DeployCopy", "arn:aws:states:::codebuild:startBuild.sync", 3600],
                ["Feedback", "arn:aws:states:::codebuild:startBuild.sync", 5400],
                ["DestroyCopy", "arn:aws:states:::codebuild:startBuild.sync", 3600],
                ["SweepCopy", "arn:aws:states:::codebuild:startBuild.sync", 2700],
            ],
        );
        for (const [name, state] of tasks) assert.deepStrictEqual((state.Catch as Array<{ ErrorEquals: string[] }>)[0].ErrorEquals, ["States.ALL"], name);
    });

    describe("the decision first: only a pull request that can change a function gets a copy", () => {
        it("starts with the trusted decision function, invoked with the pull request's id and commits", () => {
            const definition = pullRequestWorkflowDefinition(STEPS) as { StartAt: string; States: Record<string, any> };
            assert.equal(definition.StartAt, "DecideCopy");
            assert.deepEqual(definition.States.DecideCopy.Resource, "arn:aws:states:::lambda:invoke");
            assert.deepEqual(definition.States.DecideCopy.Parameters, {
                FunctionName: DECISION_FUNCTION,
                Payload: { "pullRequestId.$": "$.pullRequestId", "sourceCommit.$": "$.sourceCommit", "destinationCommit.$": "$.destinationCommit" },
            });
        });

        it("a README-only pull request starts no build: nothing is deployed, tuned or destroyed, and the execution succeeds", async () => {
            const run = await runWorkflow({}, undefined, { change: { "README.md": "# Better explained\n" } });
            assert.deepEqual(run.builds, []);
            assert.equal(run.failedWith, undefined);
        });

        it("a pull request changing a function's code, a .tf file or the tuning input is deployed, tuned, destroyed and swept", async () => {
            for (const change of [FUNCTION_CHANGED.change, { "main.tf": "# changed\n" }, { "power-tuning-input.json": '{"num": 5}', "README.md": "# too\n" }]) {
                const run = await runWorkflow({}, undefined, { change });
                assert.deepEqual(steps(run), ["DeployCopy", "Feedback", "DestroyCopy", "SweepCopy"], JSON.stringify(change));
                assert.equal(run.failedWith, undefined);
            }
        });

        it("a decision that failed deploys nothing (a copy without a name cannot be confined to it): the feedback says the copy could not be deployed, and the execution fails naming DeployCopy", async () => {
            const run = await runWorkflow({}, undefined, "fails");
            assert.deepEqual(steps(run), ["Feedback"]);
            assert.deepEqual(run.sessions, []);
            assert.deepStrictEqual([run.builds[0].variables.DEPLOY_OUTCOME, run.builds[0].variables.DEPLOY_BUILD_ARN], ["FAILED", ""]);
            assert.equal(run.failedWith, WORKFLOW_FAILURES.deploy);
        });
    });

    describe("each untrusted build works with its own copy's credentials, and nothing else in the namespace", () => {
        it("asks STS for a fresh one-hour session of the copy role before the deploy and before the destroy, named after the copy", async () => {
            const run = await runWorkflow({});
            assert.deepStrictEqual(
                run.sessions.map(({ step, request }) => [step, request.RoleArn, request.RoleSessionName, request.DurationSeconds]),
                [
                    ["CopyCredentialsForDeploy", COPY_ROLE.arn, COPY_PREFIX, COPY_SESSION_SECONDS],
                    ["CopyCredentialsForDestroy", COPY_ROLE.arn, COPY_PREFIX, COPY_SESSION_SECONDS],
                ],
            );
            assert.equal(COPY_SESSION_SECONDS, 3600, "STS allows a chained session one hour at most");
        });

        it("narrows each session with the copy's own session policy, exactly as copySessionPolicy writes it for the decision's copy prefix", async () => {
            const run = await runWorkflow({});
            for (const { request } of run.sessions) assert.deepStrictEqual(JSON.parse(request.Policy), copySessionPolicy(COPY_PREFIX, COPY_ROLE.session));
            assert.ok(run.sessions[0].request.Policy.includes(`function:${COPY_PREFIX}-*`));
        });

        it("hands the credentials to the deploy and the destroy only: the trusted feedback and sweep never get them", async () => {
            const run = await runWorkflow({});
            const holders = run.builds.filter((build) => Object.keys(build.variables).some((name) => name.startsWith("COPY_AWS_"))).map((build) => build.step);
            assert.deepStrictEqual(holders, ["DeployCopy", "DestroyCopy"]);
        });

        it("a session policy STS accepts for the longest copy prefix: at most 2,048 characters (STS AssumeRole, Policy)", () => {
            const longest = copyNamePrefix("p".repeat(32), { pullRequestId: "9".repeat(16), sourceCommit: INPUT.sourceCommit });
            const policy = JSON.stringify(copySessionPolicy(longest, { ...COPY_ROLE.session, stateBucketName: "s".repeat(63) }));
            assert.ok(policy.length <= 2048, `${policy.length} characters`);
        });

        it("deploys nothing when the deploy's credentials could not be had, and still gives feedback; nothing to destroy", async () => {
            const run = await runWorkflow({ CopyCredentialsForDeploy: "fails" });
            assert.deepStrictEqual(steps(run), ["Feedback"]);
            assert.deepStrictEqual([run.builds[0].variables.DEPLOY_OUTCOME, run.builds[0].variables.DEPLOY_BUILD_ARN], ["FAILED", ""]);
            assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.deploy);
        });

        it("sweeps the copy when the destroy's credentials could not be had, and fails naming DestroyCopy", async () => {
            const run = await runWorkflow({ CopyCredentialsForDestroy: "fails" });
            assert.deepStrictEqual(steps(run), ["DeployCopy", "Feedback", "SweepCopy"]);
            assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.destroy);
        });
    });

    it("happy path: deploys the source commit with the copy's credentials, hands the deploy's build ARN to feedback and sweep, destroys with fresh credentials, and succeeds", async () => {
        const run = await runWorkflow({});
        assert.strictEqual(run.failedWith, undefined);
        assert.deepStrictEqual(run.builds, [
            { step: "DeployCopy", project: "pr-deploy", sourceVersion: INPUT.sourceCommit, variables: { ...PULL_REQUEST_VARIABLES, ...copyCredentials(1) } },
            {
                step: "Feedback",
                project: "pr-feedback",
                sourceVersion: undefined,
                variables: { ...PULL_REQUEST_VARIABLES, DEPLOY_BUILD_ARN: buildArn("pr-deploy"), DEPLOY_OUTCOME: "SUCCEEDED", WORKFLOW_EXECUTION_ARN: EXECUTION_ARN },
            },
            { step: "DestroyCopy", project: "pr-destroy", sourceVersion: INPUT.sourceCommit, variables: { ...PULL_REQUEST_VARIABLES, ...copyCredentials(2) } },
            // No source: the trusted sweeper never checks out the pull request.
            { step: "SweepCopy", project: "pr-sweeper", sourceVersion: undefined, variables: { ...PULL_REQUEST_VARIABLES, DEPLOY_BUILD_ARN: buildArn("pr-deploy") } },
        ]);
    });

    it("a failed deploy still gets feedback (outcome FAILED, with its build) and is destroyed and swept; the execution fails naming DeployCopy", async () => {
        const run = await runWorkflow({ DeployCopy: "fails" });
        assert.deepStrictEqual(steps(run), ["DeployCopy", "Feedback", "DestroyCopy", "SweepCopy"]);
        assert.strictEqual(run.builds[1].variables.DEPLOY_OUTCOME, "FAILED");
        assert.strictEqual(run.builds[1].variables.DEPLOY_BUILD_ARN, buildArn("pr-deploy"));
        assert.strictEqual(run.builds[3].variables.DEPLOY_BUILD_ARN, buildArn("pr-deploy"));
        assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.deploy);
    });

    it("a deploy whose build never started gets feedback, has nothing to destroy or sweep, and fails naming DeployCopy", async () => {
        const run = await runWorkflow({ DeployCopy: "refused" });
        assert.deepStrictEqual(steps(run), ["DeployCopy", "Feedback"]);
        assert.deepStrictEqual([run.builds[1].variables.DEPLOY_OUTCOME, run.builds[1].variables.DEPLOY_BUILD_ARN], ["FAILED", ""]);
        assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.deploy);
    });

    it("a failed feedback (tuning failed, gate not passed) still destroys and sweeps the copy, and the execution fails naming Feedback", async () => {
        const run = await runWorkflow({ Feedback: "fails" });
        assert.deepStrictEqual(steps(run), ["DeployCopy", "Feedback", "DestroyCopy", "SweepCopy"]);
        assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.feedback);
    });

    it("a timed-out feedback (States.Timeout) still destroys the copy, and the execution fails naming Feedback", async () => {
        const definition = pullRequestWorkflowDefinition({ ...STEPS, timeoutSeconds: { ...STEPS.timeoutSeconds, feedback: 1 } });
        const run = await runWorkflow({ Feedback: "hangs" }, definition);
        assert.deepStrictEqual(steps(run), ["DeployCopy", "Feedback", "DestroyCopy", "SweepCopy"]);
        assert.strictEqual(run.builds[3].variables.DEPLOY_BUILD_ARN, buildArn("pr-deploy"));
        assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.feedback);
    });

    it("fails, saying the destroy failed, when the destroy fails, even after everything else succeeded", async () => {
        assert.strictEqual((await runWorkflow({ DestroyCopy: "fails" })).failedWith, WORKFLOW_FAILURES.destroy);
    });

    it("reports the failed destroy, not the earlier failure, when both the deploy and the destroy failed", async () => {
        const run = await runWorkflow({ DeployCopy: "fails", DestroyCopy: "fails" });
        assert.deepStrictEqual(steps(run), ["DeployCopy", "Feedback", "DestroyCopy", "SweepCopy"]);
        assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.destroy);
    });

    it("destroys even when both the deploy and the feedback failed", async () => {
        const run = await runWorkflow({ DeployCopy: "fails", Feedback: "fails" });
        assert.deepStrictEqual(steps(run), ["DeployCopy", "Feedback", "DestroyCopy", "SweepCopy"]);
        assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.deploy);
    });

    describe("the sweep after the destroy", () => {
        it("runs after a failed destroy too, with the deploy's build; the execution fails naming DestroyCopy and says the sweep removed what was left", async () => {
            const run = await runWorkflow({ DestroyCopy: "fails" });
            assert.deepStrictEqual(steps(run), ["DeployCopy", "Feedback", "DestroyCopy", "SweepCopy"]);
            assert.strictEqual(run.builds[3].variables.DEPLOY_BUILD_ARN, buildArn("pr-deploy"));
            assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.destroy);
            assert.match(run.because ?? "", /^DestroyCopy failed; the sweep after it removed everything of the copy that was left/);
        });

        it("says part of the copy may be left when the destroy and the sweep both failed", async () => {
            const run = await runWorkflow({ DestroyCopy: "fails", SweepCopy: "fails" });
            assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.destroy);
            assert.match(run.because ?? "", /^DestroyCopy failed, and the sweep after it could not remove everything: part of the copy may still exist until the scheduled sweep removes it/);
        });

        it("fails the execution naming the sweep when it could not remove what a successful destroy left, over a failed deploy or feedback", async () => {
            for (const behaviour of [{ SweepCopy: "fails" }, { SweepCopy: "refused" }, { DeployCopy: "fails", SweepCopy: "fails" }, { Feedback: "fails", SweepCopy: "fails" }] as const) {
                const run = await runWorkflow(behaviour);
                assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.sweep, JSON.stringify(behaviour));
                assert.match(run.because ?? "", /part of the copy may still exist until the scheduled sweep removes it/);
            }
        });

        it("fails naming the sweep when it timed out (States.Timeout)", async () => {
            const definition = pullRequestWorkflowDefinition({ ...STEPS, timeoutSeconds: { ...STEPS.timeoutSeconds, sweep: 1 } });
            const run = await runWorkflow({ SweepCopy: "hangs" }, definition);
            assert.deepStrictEqual(steps(run), ["DeployCopy", "Feedback", "DestroyCopy", "SweepCopy"]);
            assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.sweep);
        });
    });
});
