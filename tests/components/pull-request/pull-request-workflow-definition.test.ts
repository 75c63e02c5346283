// The pull-request workflow's definition, validated with asl-validator and executed locally
// with aws-local-stepfunctions: each CodeBuild call runs a local handler that answers as
// CodeBuild and Step Functions do (StartBuild's build, BatchGetBuilds' builds, a failed
// `startBuild.sync` as States.TaskFailed with the build as JSON in its Cause), or fails in any
// other way a task can end (another Cause, an empty one, a refusal, States.Timeout); the decision
// task runs the runner's own decide-copy in process against InMemoryAws, holding the pull
// request's two commits. The local interpreter, like Step Functions, lets no Catch take
// States.Runtime, so an execution ending anywhere but a Fail or Succeed state is a failed spec.
import * as assert from "node:assert";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { copyNamePrefix } from "../../../buildscripts/contract";
import { copyNameFor } from "../../../buildscripts/tuning-runner/core/copyDecision";
import { copySessionPolicy } from "../../../components/iam/policies";
import {
    type PullRequestWorkflowInput,
    pullRequestWorkflowDefinition,
    type PullRequestWorkflowSteps,
    WORKFLOW_FAILURES,
} from "../../../components/pull-request/pullRequestWorkflowDefinition";
import { COPY_SESSION_SECONDS } from "../../../components/pull-request/timeouts";
import { type Change, decisionEnv, withPullRequestChanging } from "../../support/copy-decision-scenario";
import { InMemoryAws } from "../../support/in-memory-aws";
import { RunnerWorkspace, TEST_PULL_REQUEST } from "../../support/runner-workspace";

// asl-validator is a CommonJS function export.
const aslValidator: (definition: object) => { isValid: boolean; errorsText: (separator?: string) => string } = require("asl-validator");

const DECISION_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:lambda-power-tuned-pr-copy-decision";
const COPY_ROLE = {
    arn: "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-copy",
    session: {
        stateBucketName: "storage-state-0a1b2c3d",
        productionStateKey: "terraform-lambda/production.tfstate",
        copyStatePrefix: "pull-requests/",
    },
};
const PULL_REQUEST_NAME_PREFIX = "pr-power-tuned";
const ONE_ACCOUNT: PullRequestWorkflowSteps = {
    decisionFunction: DECISION_FUNCTION,
    deployProject: "pr-deploy",
    feedbackProject: "pr-feedback",
    destroyProject: "pr-destroy",
    sweepProject: "pr-sweeper",
    copyRole: COPY_ROLE,
    timeoutSeconds: { deploy: 3600, feedback: 5400, destroy: 3600, sweep: 2700 },
};
/** The copies in an account of their own: the untrusted builds there, no plan against production's state. */
const COPY_ACCOUNT: PullRequestWorkflowSteps = {
    ...ONE_ACCOUNT,
    copyRole: {
        arn: "arn:aws:iam::210987654321:role/lambda-power-tuned/power-tuned-pull-request-copy",
        session: { stateBucketName: "pr-copy-storage-bucket-0a1b2c3d", copyStatePrefix: "pull-requests/" },
    },
    copyAccount: {
        taskRoleArn: "arn:aws:iam::210987654321:role/lambda-power-tuned/power-tuned-pull-request-workflow-access",
        externalId: "arn:aws:states:us-east-1:123456789012:stateMachine:power-tuned-pull-request-workflow",
        sourceFolder: "pr-copy-storage-bucket-0a1b2c3d/pull-request-sources/",
        handOver: { project: "pr-source", timeoutSeconds: 2400 },
    },
};
/** Every spec runs in both modes; this is the one the running describe block is for. */
let STEPS = ONE_ACCOUNT;
const INPUT = {
    pullRequestId: TEST_PULL_REQUEST.pullRequestId,
    sourceCommit: TEST_PULL_REQUEST.sourceCommit,
    destinationCommit: TEST_PULL_REQUEST.destinationCommit,
} satisfies PullRequestWorkflowInput;
const EXECUTION_NAME = "7-3f2a9c1";
const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:pr-workflow:${EXECUTION_NAME}`;
const buildArn = (project: string) => `arn:aws:codebuild:us-east-1:123456789012:build/${project}:6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29`;
const DEPLOY_BUILD = buildArn("pr-deploy");

/** The tasks that call CodeBuild, by state name. */
type Step = "StartDeploy" | "PollDeploy" | "StopDeploy" | "Feedback" | "DestroyCopy" | "SweepCopy";
/** The tasks that ask STS for a copy's credentials. */
type CredentialStep = "CopyCredentialsForDeploy" | "CopyCredentialsForDestroy";

/**
 * Every way a task can end: its answer, or a failure with a Cause of each shape a task's failure
 * can carry, a refusal by the service, or no answer before its TimeoutSeconds (States.Timeout).
 */
const FAILURES = ["fails", "failsWithOtherJson", "failsWithText", "failsEmpty", "refused", "hangs"] as const;
type Failure = (typeof FAILURES)[number];
type Behaviour = "succeeds" | Failure;

/** How the deploy build goes, as BatchGetBuilds reports it: statuses of successive polls (the last repeats). */
type DeployBuild = readonly string[];

/** What the decision function decides on, what it answers (its Payload), or how it fails. */
type Decision = { readonly change: Change } | { readonly payload: unknown } | { readonly failure: Failure };

/** A function's file changed: the decision asks for a copy. */
const FUNCTION_CHANGED: Decision = { change: { "functions/digest/index.js": "exports.handler = async () => 'faster';\n" } };

interface StartBuild {
    readonly ProjectName: string;
    readonly SourceVersion?: string;
    readonly SourceLocationOverride?: string;
    readonly IdempotencyToken?: string;
    readonly EnvironmentVariablesOverride: ReadonlyArray<{ Name: string; Type: string; Value: string }>;
}

interface Scenario {
    readonly behaviour?: Partial<Record<Step | CredentialStep | "HandOverSource", Behaviour>>;
    readonly deployBuild?: DeployBuild;
    /** StartBuild answers this instead of a build. */
    readonly startAnswer?: unknown;
    /** BatchGetBuilds answers this instead of the build. */
    readonly pollAnswer?: unknown;
    readonly decision?: Decision;
    readonly definition?: Record<string, unknown>;
}

interface Run {
    /** Each build started, in order, with its variables by name. */
    readonly builds: ReadonlyArray<{
        step: Step;
        project: string;
        sourceVersion?: string;
        sourceLocation?: string;
        idempotencyToken?: string;
        variables: Record<string, string>;
    }>;
    /** Every CodeBuild call, in order, by state name. */
    readonly calls: readonly Step[];
    /** Each StartBuild of the source hand-over (copies in their own account), in order. */
    readonly handOvers: readonly StartBuild[];
    /** Each AssumeRole request for a copy's credentials, in order. */
    readonly sessions: ReadonlyArray<{ step: CredentialStep; request: AssumeRole }>;
    /** The Fail state's Error, or undefined when the execution succeeded. */
    readonly failedWith?: string;
    /** The Fail state's Cause. */
    readonly because?: string;
}

interface AssumeRole {
    readonly RoleArn: string;
    readonly ExternalId?: string;
    readonly RoleSessionName: string;
    readonly DurationSeconds: number;
    readonly Policy: string;
}

const taskFailure = (name: string, cause: string) => Object.assign(new Error(cause), { name });

/** The failure `behaviour` names, as Step Functions reports it for `step`. */
function failure(behaviour: Failure, build: { Arn: string }): Error | "hangs" {
    switch (behaviour) {
        case "fails":
            return taskFailure("States.TaskFailed", JSON.stringify({ Build: { ...build, BuildStatus: "FAILED" } }));
        case "failsWithOtherJson":
            return taskFailure("States.TaskFailed", JSON.stringify({ errorMessage: "Internal error", errorType: "InternalFailure" }));
        case "failsWithText":
            return taskFailure("States.TaskFailed", "Internal error");
        case "failsEmpty":
            return taskFailure("States.TaskFailed", "");
        case "refused":
            return taskFailure("CodeBuild.AccessDeniedException", "User is not authorized to perform: codebuild:StartBuild");
        case "hangs":
            return "hangs";
    }
}

/**
 * Runs the runner's decide-copy for the Payload the decision task sends, against InMemoryAws
 * holding the pull request's commits, and answers as lambda:invoke does ({Payload: …}).
 */
function decisionHandler(decision: Decision) {
    return async (input: unknown): Promise<{ Payload: unknown; StatusCode: number }> => {
        if ("payload" in decision) return { Payload: decision.payload, StatusCode: 200 };
        if ("failure" in decision) {
            const thrown = failure(decision.failure, { Arn: DECISION_FUNCTION });
            if (thrown === "hangs") return new Promise<never>(() => undefined);
            throw thrown;
        }
        const { FunctionName, Payload } = input as { FunctionName: string; Payload: PullRequestWorkflowInput };
        assert.equal(FunctionName, DECISION_FUNCTION);
        const aws = withPullRequestChanging(new InMemoryAws(), decision.change);
        const argv = [
            "decide-copy",
            "--pull-request-id",
            Payload.pullRequestId,
            "--source-commit",
            Payload.sourceCommit,
            "--destination-commit",
            Payload.destinationCommit,
        ];
        const run = await new RunnerWorkspace().run(argv, decisionEnv(), aws);
        assert.equal(run.code, 0, run.stderr);
        // What the function's handler returns: decide-copy's summary and the copy's name, from its environment.
        return { Payload: { ...JSON.parse(run.stdout), copyNamePrefix: copyNameFor(PULL_REQUEST_NAME_PREFIX, Payload) }, StatusCode: 200 };
    };
}

/** The definition with every task's TimeoutSeconds at 1, so a hanging task times out at once. */
function withShortTimeouts(definition: Record<string, unknown>): Record<string, unknown> {
    const states = definition.States as Record<string, { TimeoutSeconds?: number }>;
    return {
        ...definition,
        States: Object.fromEntries(
            Object.entries(states).map(([name, state]) => [
                name,
                state.TimeoutSeconds === undefined ? state : { ...state, TimeoutSeconds: 1 },
            ]),
        ),
    };
}

type LocalHandlers = NonNullable<NonNullable<NonNullable<Parameters<StateMachine["run"]>[1]>["overrides"]>["taskResourceLocalHandlers"]>;

/** Runs the workflow, each CodeBuild call answered by a local handler, after the decision. */
async function runWorkflow(scenario: Scenario = {}): Promise<Run> {
    const { behaviour = {}, deployBuild = ["IN_PROGRESS", "SUCCEEDED"], decision = FUNCTION_CHANGED } = scenario;
    const definition = scenario.definition ?? withShortTimeouts(pullRequestWorkflowDefinition(STEPS));
    const builds: Array<Run["builds"][number]> = [];
    const calls: Step[] = [];
    const sessions: Array<Run["sessions"][number]> = [];
    const handOvers: StartBuild[] = [];
    // The trusted hand-over (copies in their own account) answers like startBuild.sync.
    const handOver = async (input: unknown) => {
        handOvers.push(input as StartBuild);
        const outcome = behaviour.HandOverSource ?? "succeeds";
        if (outcome === "succeeds") return { Build: { Arn: buildArn("pr-source"), BuildStatus: "SUCCEEDED" } };
        const thrown = failure(outcome, { Arn: buildArn("pr-source") });
        if (thrown === "hangs") return new Promise<never>(() => undefined);
        throw thrown;
    };
    let polls = 0;
    // A task's resolved Parameters are an AssumeRole request; the handler answers as the aws-sdk integration does.
    const assumeRole = (step: CredentialStep) => async (input: unknown) => {
        sessions.push({ step, request: input as AssumeRole });
        const outcome = behaviour[step] ?? "succeeds";
        if (outcome !== "succeeds") {
            const thrown = failure(outcome, { Arn: STEPS.copyRole.arn });
            if (thrown === "hangs") return new Promise<never>(() => undefined);
            throw thrown;
        }
        const n = sessions.length;
        return {
            Credentials: {
                AccessKeyId: `ASIA${n}`,
                SecretAccessKey: `secret-${n}`,
                SessionToken: `token-${n}`,
                Expiration: "2026-12-07T21:00:00Z",
            },
        };
    };
    const answer = async <T>(step: Step, arn: string, succeeds: () => T): Promise<T> => {
        calls.push(step);
        const outcome = behaviour[step] ?? "succeeds";
        if (outcome === "succeeds") return succeeds();
        const thrown = failure(outcome, { Arn: arn });
        if (thrown === "hangs") return new Promise<never>(() => undefined);
        throw thrown;
    };
    // A task's resolved Parameters are a StartBuild request; the handler answers like startBuild(.sync).
    const start = (step: Step, status: string) => async (input: unknown) => {
        const request = input as StartBuild;
        builds.push({
            step,
            project: request.ProjectName,
            sourceVersion: request.SourceVersion,
            ...(request.SourceLocationOverride !== undefined && { sourceLocation: request.SourceLocationOverride }),
            idempotencyToken: request.IdempotencyToken,
            variables: Object.fromEntries(request.EnvironmentVariablesOverride.map((variable) => [variable.Name, variable.Value])),
        });
        return answer(step, buildArn(request.ProjectName), () =>
            step === "StartDeploy" && "startAnswer" in scenario
                ? scenario.startAnswer
                : { Build: { Arn: buildArn(request.ProjectName), BuildStatus: status } },
        );
    };
    const poll = async (input: unknown) => {
        assert.deepStrictEqual(input, { Ids: [DEPLOY_BUILD] });
        return answer("PollDeploy", DEPLOY_BUILD, () => {
            if ("pollAnswer" in scenario) return scenario.pollAnswer;
            const status = deployBuild[Math.min(polls++, deployBuild.length - 1)];
            return { Builds: [{ Arn: DEPLOY_BUILD, BuildStatus: status }], BuildsNotFound: [] };
        });
    };
    const stop = async (input: unknown) => {
        assert.deepStrictEqual(input, { Id: DEPLOY_BUILD });
        return answer("StopDeploy", DEPLOY_BUILD, () => ({ Build: { Arn: DEPLOY_BUILD, BuildStatus: "STOPPED" } }));
    };
    // The library's own definition type is stricter than the plain object the stack serializes.
    const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
        validationOptions: { checkArn: true, checkPaths: true },
    });
    const execution = machine.run(INPUT, {
        overrides: {
            // The handlers answer JSON, as the services do; the library types its answers as JSONValue.
            taskResourceLocalHandlers: {
                DecideCopy: decisionHandler(decision),
                HandOverSource: handOver,
                CopyCredentialsForDeploy: assumeRole("CopyCredentialsForDeploy"),
                CopyCredentialsForDestroy: assumeRole("CopyCredentialsForDestroy"),
                StartDeploy: start("StartDeploy", "IN_PROGRESS"),
                PollDeploy: poll,
                StopDeploy: stop,
                Feedback: start("Feedback", "SUCCEEDED"),
                DestroyCopy: start("DestroyCopy", "SUCCEEDED"),
                SweepCopy: start("SweepCopy", "SUCCEEDED"),
            } as unknown as LocalHandlers,
            waitTimeOverrides: { WaitForDeploy: 0 },
            retryIntervalOverrides: {
                StartDeploy: 0,
                PollDeploy: 0,
                StopDeploy: 0,
                CopyCredentialsForDeploy: 0,
                CopyCredentialsForDestroy: 0,
            },
        },
        context: { Execution: { Id: EXECUTION_ARN, Name: EXECUTION_NAME, Input: INPUT } },
    });
    try {
        await execution.result;
        return { builds, calls, sessions, handOvers };
    } catch (error) {
        const failure = (error as { cause?: { name?: string; message?: string } }).cause;
        assert.ok(
            failure?.name !== undefined && (Object.values(WORKFLOW_FAILURES) as string[]).includes(failure.name),
            `the execution failed without a Fail state: ${failure?.name}: ${failure?.message ?? error}`,
        );
        return { builds, calls, sessions, handOvers, failedWith: failure.name, because: failure.message };
    }
}

const steps = (run: Run) => run.builds.map((build) => build.step);
const count = (run: Run, step: Step) => run.builds.filter((build) => build.step === step).length;
const PULL_REQUEST_VARIABLES = {
    PULL_REQUEST_ID: INPUT.pullRequestId,
    SOURCE_COMMIT: INPUT.sourceCommit,
    DESTINATION_COMMIT: INPUT.destinationCommit,
};
/** The n-th session's credentials, as a build gets them. */
const copyCredentials = (n: number) => ({
    COPY_AWS_ACCESS_KEY_ID: `ASIA${n}`,
    COPY_AWS_SECRET_ACCESS_KEY: `secret-${n}`,
    COPY_AWS_SESSION_TOKEN: `token-${n}`,
});
const COPY_PREFIX = copyNamePrefix(PULL_REQUEST_NAME_PREFIX, INPUT);
const EVERYTHING = ["StartDeploy", "Feedback", "DestroyCopy", "SweepCopy"];

/**
 * The invariant: when the deploy's build may have started (StartBuild named it), DestroyCopy and
 * SweepCopy each ran exactly once, with that build; when it cannot have, neither ran.
 */
function assertDestroyedAndSweptOnce(run: Run, deployStarted: boolean, row: string) {
    const expected = deployStarted ? 1 : 0;
    assert.deepStrictEqual([count(run, "DestroyCopy"), count(run, "SweepCopy")], [expected, expected], `${row}: destroy and sweep runs`);
    for (const build of run.builds.filter((build) => build.step === "SweepCopy")) {
        assert.strictEqual(build.variables.DEPLOY_BUILD_ARN, DEPLOY_BUILD, `${row}: ${build.step} works on the deploy's build`);
    }
    for (const build of run.builds.filter((build) => build.step === "DestroyCopy")) {
        assert.ok(build.variables.COPY_AWS_ACCESS_KEY_ID, `${row}: the destroy works with the copy's credentials`);
    }
}

/** What the execution says when a step ends in any of FAILURES (everything else succeeding). */
const WHEN_A_STEP_FAILS: ReadonlyArray<{
    step: Step;
    reached?: Scenario;
    deployStarted: (failure: Failure) => boolean;
    error: string;
    cause: (failure: Failure) => RegExp;
}> = [
    {
        step: "StartDeploy",
        deployStarted: () => false,
        error: WORKFLOW_FAILURES.deploy,
        cause: (failure) =>
            failure === "hangs"
                ? /^DeployCopy could not learn from CodeBuild whether its build started .* the scheduled sweep removes anything of the copy/
                : new RegExp(
                      `^DeployCopy could not start a build: CodeBuild answered StartBuild with ${failure === "refused" ? "CodeBuild.AccessDeniedException" : "States.TaskFailed"}\\. Nothing was deployed, so nothing was destroyed or swept\\.$`,
                  ),
    },
    {
        step: "PollDeploy",
        deployStarted: () => true,
        error: WORKFLOW_FAILURES.deploy,
        cause: () =>
            /^DeployCopy's build could not be followed to its end .* asked CodeBuild to stop it, and the destroy and the sweep after it removed the copy/,
    },
    {
        step: "StopDeploy",
        // Reached only when the deploy's status could not be read.
        reached: { behaviour: { PollDeploy: "refused" } },
        deployStarted: () => true,
        error: WORKFLOW_FAILURES.deploy,
        cause: () => /^DeployCopy's build could not be followed to its end/,
    },
    {
        step: "Feedback",
        deployStarted: () => true,
        error: WORKFLOW_FAILURES.feedback,
        cause: () => /^Feedback failed or timed out .* the copy was destroyed and swept\.$/,
    },
    {
        step: "DestroyCopy",
        deployStarted: () => true,
        error: WORKFLOW_FAILURES.destroy,
        cause: () => /^DestroyCopy failed; the sweep after it removed everything of the copy that was left/,
    },
    {
        step: "SweepCopy",
        deployStarted: () => true,
        error: WORKFLOW_FAILURES.sweep,
        cause: () => /part of the copy may still exist until the scheduled sweep removes it/,
    },
];

for (const [mode, modeSteps] of [
    ["one account", ONE_ACCOUNT],
    ["the copies' own account", COPY_ACCOUNT],
] as const)
    describe(`pull-request workflow definition (${mode})`, () => {
        before(() => {
            STEPS = modeSteps;
        });
        /** Where an untrusted build's files come from: the source commit, cloned; or the copy's handed-over archive. */
        const untrustedSource = () =>
            STEPS.copyAccount === undefined
                ? { sourceVersion: INPUT.sourceCommit }
                : { sourceVersion: undefined, sourceLocation: `${STEPS.copyAccount.sourceFolder}${COPY_PREFIX}/source.zip` };

        it("is valid Amazon States Language (asl-validator, paths and ARNs checked)", () => {
            const { isValid, errorsText } = aslValidator(pullRequestWorkflowDefinition(STEPS));
            assert.ok(isValid, errorsText("\n"));
        });

        it("starts the deploy with the execution's name as its idempotency token, runs the later builds synchronously with their timeouts, and catches every task's failure", () => {
            const states = pullRequestWorkflowDefinition(STEPS).States as Record<
                string,
                {
                    Type: string;
                    Resource?: string;
                    TimeoutSeconds?: number;
                    Parameters?: Record<string, unknown>;
                    Catch?: Array<{ ErrorEquals: string[] }>;
                }
            >;
            const tasks = Object.entries(states).filter(([, state]) => state.Type === "Task" && state.Resource!.includes(":codebuild:"));
            assert.deepStrictEqual(
                tasks.map(([name, state]) => [name, state.Resource, state.TimeoutSeconds]),
                [
                    ...(STEPS.copyAccount === undefined ? [] : [["HandOverSource", "arn:aws:states:::codebuild:startBuild.sync", 2400]]),
                    ["StartDeploy", "arn:aws:states:::codebuild:startBuild", 60],
                    ["PollDeploy", "arn:aws:states:::aws-sdk:codebuild:batchGetBuilds", 60],
                    ["StopDeploy", "arn:aws:states:::codebuild:stopBuild", 60],
                    ["Feedback", "arn:aws:states:::codebuild:startBuild.sync", 5400],
                    ["DestroyCopy", "arn:aws:states:::codebuild:startBuild.sync", 3600],
                    ["SweepCopy", "arn:aws:states:::codebuild:startBuild.sync", 2700],
                ],
            );
            assert.strictEqual(states.StartDeploy.Parameters!["IdempotencyToken.$"], "$$.Execution.Name");
            for (const [name, state] of Object.entries(states).filter(([, state]) => state.Type === "Task")) {
                assert.deepStrictEqual(state.Catch!.at(-1)!.ErrorEquals, ["States.ALL"], name);
            }
        });

        describe("the decision first: only a pull request that can change a function gets a copy", () => {
            it("starts with the trusted decision function, invoked with the pull request's id and commits", () => {
                const definition = pullRequestWorkflowDefinition(STEPS) as { StartAt: string; States: Record<string, any> };
                assert.equal(definition.StartAt, "DecideCopy");
                assert.deepEqual(definition.States.DecideCopy.Resource, "arn:aws:states:::lambda:invoke");
                assert.deepEqual(definition.States.DecideCopy.Parameters, {
                    FunctionName: DECISION_FUNCTION,
                    Payload: {
                        "pullRequestId.$": "$.pullRequestId",
                        "sourceCommit.$": "$.sourceCommit",
                        "destinationCommit.$": "$.destinationCommit",
                    },
                });
            });

            it("a README-only pull request starts no build: nothing is deployed, tuned or destroyed, and the execution succeeds", async () => {
                const run = await runWorkflow({ decision: { change: { "README.md": "# Better explained\n" } } });
                assert.deepEqual(run.builds, []);
                assert.equal(run.failedWith, undefined);
            });

            it("a pull request changing a function's code, a .tf file or the tuning input is deployed, tuned, destroyed and swept", async () => {
                const changes: Change[] = [
                    { "functions/digest/index.js": "exports.handler = async () => 'faster';\n" },
                    { "main.tf": "# changed\n" },
                    { "power-tuning-input.json": '{"num": 5}', "README.md": "# too\n" },
                ];
                for (const change of changes) {
                    const run = await runWorkflow({ decision: { change } });
                    assert.deepEqual(steps(run), EVERYTHING, JSON.stringify(change));
                    assert.equal(run.failedWith, undefined);
                }
            });

            it("a decision that failed in any way a task can, or timed out, names no copy: nothing is deployed (no credentials can be confined to it), the feedback says so, and the execution fails naming DeployCopy", async () => {
                for (const failure of FAILURES) {
                    const run = await runWorkflow({ decision: { failure } });
                    assert.deepEqual(steps(run), ["Feedback"], failure);
                    assert.deepEqual(run.sessions, [], failure);
                    assert.deepStrictEqual(
                        [run.builds[0].variables.DEPLOY_OUTCOME, run.builds[0].variables.DEPLOY_BUILD_ARN],
                        ["FAILED", ""],
                        failure,
                    );
                    assert.equal(run.failedWith, WORKFLOW_FAILURES.deploy, failure);
                    assert.match(run.because ?? "", /^DeployCopy started no build: the decision failed or named no copy/, failure);
                }
            });

            it("an answer naming the copy that is anything but copyNeeded: false (missing, a string, null, a number) deploys the copy, never ending the execution", async () => {
                for (const answer of [{}, { copyNeeded: "false" }, { copyNeeded: null }, { copyNeeded: 0 }]) {
                    const payload = { ...answer, copyNamePrefix: COPY_PREFIX };
                    const run = await runWorkflow({ decision: { payload } });
                    assert.deepEqual(steps(run), EVERYTHING, JSON.stringify(payload));
                    assert.equal(run.failedWith, undefined, JSON.stringify(payload));
                }
            });

            it("an answer naming no copy (no name, not a string, no object at all) deploys nothing, never ending the execution without its Fail state", async () => {
                for (const payload of [{ copyNeeded: true }, { copyNeeded: true, copyNamePrefix: 7 }, "false", null, [false]]) {
                    const run = await runWorkflow({ decision: { payload } });
                    assert.deepEqual(steps(run), ["Feedback"], JSON.stringify(payload));
                    assert.equal(run.failedWith, WORKFLOW_FAILURES.deploy, JSON.stringify(payload));
                }
            });
        });

        describe("the source reaches the untrusted builds", () => {
            it(
                modeSteps.copyAccount === undefined
                    ? "is the commit the untrusted builds clone: nothing is handed over"
                    : "is handed over once by the trusted build, before the copy's credentials, to where the deploy and the destroy read it",
                async () => {
                    const run = await runWorkflow();
                    if (STEPS.copyAccount === undefined) {
                        assert.deepStrictEqual(run.handOvers, []);
                        assert.deepStrictEqual(
                            run.builds.filter((build) => build.sourceVersion !== undefined).map((build) => build.step),
                            ["StartDeploy", "DestroyCopy"],
                        );
                        return;
                    }
                    assert.deepStrictEqual(
                        run.handOvers.map((request) => [
                            request.ProjectName,
                            request.SourceVersion,
                            Object.fromEntries(request.EnvironmentVariablesOverride.map((variable) => [variable.Name, variable.Value])),
                        ]),
                        [
                            [
                                "pr-source",
                                INPUT.sourceCommit,
                                {
                                    ...PULL_REQUEST_VARIABLES,
                                    SOURCE_ARCHIVE_URI: `s3://${STEPS.copyAccount.sourceFolder}${COPY_PREFIX}/source.zip`,
                                },
                            ],
                        ],
                    );
                    assert.deepStrictEqual(
                        run.handOvers[0].EnvironmentVariablesOverride.filter((variable) => variable.Name.startsWith("COPY_AWS_")),
                        [],
                        "the hand-over never holds a copy's credentials",
                    );
                },
            );

            if (modeSteps.copyAccount !== undefined)
                it("a hand-over that failed in any way a task can deploys nothing, still gives feedback, and says why", async () => {
                    for (const failure of FAILURES) {
                        const run = await runWorkflow({ behaviour: { HandOverSource: failure } });
                        assert.deepStrictEqual(steps(run), ["Feedback"], failure);
                        assert.deepStrictEqual(run.sessions, [], `${failure}: no copy credentials are taken`);
                        assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.deploy, failure);
                        assert.match(
                            run.because ?? "",
                            /^DeployCopy started no build: the trusted hand-over of the source to the account of the copies failed with \S+\. Nothing was deployed/,
                            failure,
                        );
                    }
                });
        });

        describe("each untrusted build works with its own copy's credentials, and nothing else in the namespace", () => {
            it("asks STS for a fresh one-hour session of the copy role before the deploy and before the destroy, named after the copy", async () => {
                const run = await runWorkflow();
                assert.deepStrictEqual(
                    run.sessions.map(({ step, request }) => [step, request.RoleArn, request.RoleSessionName, request.DurationSeconds]),
                    [
                        ["CopyCredentialsForDeploy", STEPS.copyRole.arn, COPY_PREFIX, COPY_SESSION_SECONDS],
                        ["CopyCredentialsForDestroy", STEPS.copyRole.arn, COPY_PREFIX, COPY_SESSION_SECONDS],
                    ],
                );
                assert.equal(COPY_SESSION_SECONDS, 3600, "STS allows a chained session one hour at most");
                // The copy role of the copies' own account requires the stack's external ID.
                assert.deepStrictEqual(
                    run.sessions.map(({ request }) => request.ExternalId),
                    [STEPS.copyAccount?.externalId, STEPS.copyAccount?.externalId],
                );
            });

            it("narrows each session with the copy's own session policy, exactly as copySessionPolicy writes it for the decision's copy prefix", async () => {
                const run = await runWorkflow();
                for (const { request } of run.sessions)
                    assert.deepStrictEqual(JSON.parse(request.Policy), copySessionPolicy(COPY_PREFIX, STEPS.copyRole.session));
                assert.ok(run.sessions[0].request.Policy.includes(`function:${COPY_PREFIX}-*`));
            });

            it("hands the credentials to the deploy and the destroy only: the trusted feedback and sweep never get them", async () => {
                const run = await runWorkflow();
                const holders = run.builds
                    .filter((build) => Object.keys(build.variables).some((name) => name.startsWith("COPY_AWS_")))
                    .map((build) => build.step);
                assert.deepStrictEqual(holders, ["StartDeploy", "DestroyCopy"]);
            });

            it("a session policy STS accepts for the longest copy prefix: at most 2,048 characters (STS AssumeRole, Policy)", () => {
                const longest = copyNamePrefix("p".repeat(32), { pullRequestId: "9".repeat(16), sourceCommit: INPUT.sourceCommit });
                const policy = JSON.stringify(copySessionPolicy(longest, { ...COPY_ROLE.session, stateBucketName: "s".repeat(63) }));
                assert.ok(policy.length <= 2048, `${policy.length} characters`);
            });

            it("deploys nothing when the deploy's credentials could not be had in any way a task can fail, still gives feedback, and says why", async () => {
                for (const failure of FAILURES) {
                    const run = await runWorkflow({ behaviour: { CopyCredentialsForDeploy: failure } });
                    assert.deepStrictEqual(steps(run), ["Feedback"], failure);
                    assert.deepStrictEqual(
                        [run.builds[0].variables.DEPLOY_OUTCOME, run.builds[0].variables.DEPLOY_BUILD_ARN],
                        ["FAILED", ""],
                        failure,
                    );
                    assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.deploy, failure);
                    assert.match(
                        run.because ?? "",
                        /^DeployCopy started no build: STS answered AssumeRole for the copy credentials with \S+\. Nothing was deployed/,
                        failure,
                    );
                }
            });

            it("sweeps the copy when the destroy's credentials could not be had, and fails naming DestroyCopy", async () => {
                for (const failure of FAILURES) {
                    const run = await runWorkflow({ behaviour: { CopyCredentialsForDestroy: failure } });
                    assert.deepStrictEqual(steps(run), ["StartDeploy", "Feedback", "SweepCopy"], failure);
                    assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.destroy, failure);
                }
            });
        });

        it("happy path: starts the deploy once with the copy's credentials, follows it to its end, hands its build ARN to feedback and sweep, destroys with fresh credentials, and succeeds", async () => {
            const run = await runWorkflow({ deployBuild: ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"] });
            assert.strictEqual(run.failedWith, undefined);
            assert.deepStrictEqual(run.calls, [
                "StartDeploy",
                "PollDeploy",
                "PollDeploy",
                "PollDeploy",
                "Feedback",
                "DestroyCopy",
                "SweepCopy",
            ]);
            assert.deepStrictEqual(run.builds, [
                {
                    step: "StartDeploy",
                    project: "pr-deploy",
                    ...untrustedSource(),
                    idempotencyToken: EXECUTION_NAME,
                    variables: { ...PULL_REQUEST_VARIABLES, ...copyCredentials(1) },
                },
                {
                    step: "Feedback",
                    project: "pr-feedback",
                    sourceVersion: undefined,
                    idempotencyToken: undefined,
                    variables: {
                        ...PULL_REQUEST_VARIABLES,
                        DEPLOY_BUILD_ARN: DEPLOY_BUILD,
                        DEPLOY_OUTCOME: "SUCCEEDED",
                        WORKFLOW_EXECUTION_ARN: EXECUTION_ARN,
                    },
                },
                {
                    step: "DestroyCopy",
                    project: "pr-destroy",
                    ...untrustedSource(),
                    idempotencyToken: undefined,
                    variables: { ...PULL_REQUEST_VARIABLES, ...copyCredentials(2) },
                },
                // No source: the trusted sweeper never checks out the pull request.
                {
                    step: "SweepCopy",
                    project: "pr-sweeper",
                    sourceVersion: undefined,
                    idempotencyToken: undefined,
                    variables: { ...PULL_REQUEST_VARIABLES, DEPLOY_BUILD_ARN: DEPLOY_BUILD },
                },
            ]);
        });

        describe("every way a task ends: a deploy that may have started is destroyed and swept exactly once, and the execution says what happened", () => {
            for (const { step, reached, deployStarted, error, cause } of WHEN_A_STEP_FAILS) {
                for (const failure of FAILURES) {
                    it(`${step} ${failure}`, async () => {
                        const run = await runWorkflow({ ...reached, behaviour: { ...reached?.behaviour, [step]: failure } });
                        assertDestroyedAndSweptOnce(run, deployStarted(failure), `${step} ${failure}`);
                        assert.strictEqual(run.failedWith, error);
                        assert.match(run.because ?? "", cause(failure));
                    });
                }
            }

            for (const status of ["FAILED", "FAULT", "STOPPED", "TIMED_OUT"]) {
                it(`a deploy build that ends ${status} gets feedback (outcome FAILED, with its build) and is destroyed and swept; the execution fails naming DeployCopy`, async () => {
                    const run = await runWorkflow({ deployBuild: ["IN_PROGRESS", status] });
                    assert.deepStrictEqual(steps(run), EVERYTHING);
                    assert.deepStrictEqual(
                        [run.builds[1].variables.DEPLOY_OUTCOME, run.builds[1].variables.DEPLOY_BUILD_ARN],
                        ["FAILED", DEPLOY_BUILD],
                    );
                    assertDestroyedAndSweptOnce(run, true, status);
                    assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.deploy);
                    assert.match(
                        run.because ?? "",
                        /^DeployCopy's build ended without success \(see its build log\); the destroy and the sweep after it removed the copy\.$/,
                    );
                });
            }

            it("a deploy build CodeBuild reports running past the deploy's timeout is stopped, then destroyed and swept", async () => {
                // 90 seconds: three polls.
                const definition = pullRequestWorkflowDefinition({ ...STEPS, timeoutSeconds: { ...STEPS.timeoutSeconds, deploy: 90 } });
                const run = await runWorkflow({ definition, deployBuild: ["IN_PROGRESS"] });
                assert.deepStrictEqual(run.calls, [
                    "StartDeploy",
                    "PollDeploy",
                    "PollDeploy",
                    "PollDeploy",
                    "StopDeploy",
                    "Feedback",
                    "DestroyCopy",
                    "SweepCopy",
                ]);
                assertDestroyedAndSweptOnce(run, true, "running past its timeout");
                assert.strictEqual(run.builds[1].variables.DEPLOY_OUTCOME, "FAILED");
                assert.match(run.because ?? "", /^DeployCopy's build could not be followed to its end/);
            });

            it("an answer to BatchGetBuilds without the build (none, an empty list, no status) stops it, then destroys and sweeps", async () => {
                for (const pollAnswer of [
                    {},
                    { Builds: [] },
                    { Builds: [{ Arn: DEPLOY_BUILD }] },
                    { Builds: [{ Arn: DEPLOY_BUILD, BuildStatus: 3 }] },
                ]) {
                    const run = await runWorkflow({ pollAnswer });
                    assert.deepStrictEqual(
                        run.calls,
                        ["StartDeploy", "PollDeploy", "StopDeploy", "Feedback", "DestroyCopy", "SweepCopy"],
                        JSON.stringify(pollAnswer),
                    );
                    assertDestroyedAndSweptOnce(run, true, JSON.stringify(pollAnswer));
                    assert.match(run.because ?? "", /^DeployCopy's build could not be followed to its end/);
                }
            });

            it("an answer to StartBuild that names no build gets feedback, destroys nothing, and says the scheduled sweep removes what may be left", async () => {
                for (const startAnswer of [{}, { Build: {} }, { Build: { Arn: null } }, "started"]) {
                    const run = await runWorkflow({ startAnswer });
                    assert.deepStrictEqual(steps(run), ["StartDeploy", "Feedback"], JSON.stringify(startAnswer));
                    assert.deepStrictEqual(
                        [run.builds[1].variables.DEPLOY_OUTCOME, run.builds[1].variables.DEPLOY_BUILD_ARN],
                        ["FAILED", ""],
                    );
                    assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.deploy);
                    assert.match(run.because ?? "", /the scheduled sweep removes anything of the copy once it is older than the TTL\.$/);
                }
            });

            it("retries StartBuild with the same idempotency token before calling it refused", async () => {
                const run = await runWorkflow({ behaviour: { StartDeploy: "failsWithText" } });
                assert.deepStrictEqual(run.calls, ["StartDeploy", "StartDeploy", "StartDeploy", "Feedback"]);
                assert.deepStrictEqual(
                    new Set(run.builds.filter((build) => build.step === "StartDeploy").map((build) => build.idempotencyToken)),
                    new Set([EXECUTION_NAME]),
                );
            });
        });

        describe("when more than one step failed", () => {
            it("reports the failed destroy, not the earlier failure, when both the deploy and the destroy failed", async () => {
                const run = await runWorkflow({ deployBuild: ["FAILED"], behaviour: { DestroyCopy: "fails" } });
                assert.deepStrictEqual(steps(run), EVERYTHING);
                assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.destroy);
            });

            it("names the deploy when both the deploy and the feedback failed, after destroying and sweeping", async () => {
                const run = await runWorkflow({ deployBuild: ["FAILED"], behaviour: { Feedback: "fails" } });
                assert.deepStrictEqual(steps(run), EVERYTHING);
                assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.deploy);
            });

            it("says part of the copy may be left when the destroy and the sweep both failed", async () => {
                const run = await runWorkflow({ behaviour: { DestroyCopy: "fails", SweepCopy: "hangs" } });
                assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.destroy);
                assert.match(
                    run.because ?? "",
                    /^DestroyCopy failed, and the sweep after it could not remove everything: part of the copy may still exist until the scheduled sweep removes it/,
                );
            });

            it("names the sweep when it could not remove what a successful destroy left, over a failed deploy or feedback", async () => {
                for (const scenario of [
                    { deployBuild: ["FAILED"], behaviour: { SweepCopy: "fails" } },
                    { behaviour: { Feedback: "fails", SweepCopy: "refused" } },
                ] as const) {
                    const run = await runWorkflow(scenario);
                    assert.strictEqual(run.failedWith, WORKFLOW_FAILURES.sweep, JSON.stringify(scenario));
                }
            });
        });
    });
