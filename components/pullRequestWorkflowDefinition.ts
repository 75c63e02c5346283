// The pull-request workflow as an Amazon States Language definition: a pure function of the
// projects it runs, so tests can validate it and run it locally.
import { PULL_REQUEST_EVENT_FIELDS, RUNNER_ENVIRONMENT, type PullRequestEvent } from "../buildscripts/contract";
import { WORKFLOW_VARIABLES } from "./buildspecs";

/** The workflow's input, as the EventBridge input transformer builds it from a PR event. */
export type PullRequestWorkflowInput = PullRequestEvent;

export interface PullRequestWorkflowSteps {
    /** The trusted decision function's ARN: whether the pull request needs a copy at all. */
    readonly decisionFunction: string;
    /** CodeBuild project names (`startBuild` accepts names). */
    readonly deployProject: string;
    readonly feedbackProject: string;
    readonly destroyProject: string;
    /** The sweeper, which removes whatever of the copy the destroy left. */
    readonly sweepProject: string;
    /**
     * Each task's TimeoutSeconds: a backstop longer than the project's own build timeout, so
     * that normally CodeBuild ends a build (TIMED_OUT) and the task fails with the build's ARN.
     */
    readonly timeoutSeconds: Readonly<Record<WorkflowStep, number>>;
}

type WorkflowStep = "deploy" | "feedback" | "destroy" | "sweep";

/** The builds' own timeouts in minutes, unless the workflow is given others. */
export const PULL_REQUEST_BUILD_TIMEOUT_MINUTES: Readonly<Record<WorkflowStep, number>> = { deploy: 30, feedback: 60, destroy: 30, sweep: 15 };

/** Step Functions gives a queued or slow-starting build this long beyond its own timeout. */
export const TASK_TIMEOUT_MARGIN_MINUTES = 30;

/** A task's TimeoutSeconds for a build of `buildTimeoutMinutes`. */
export function taskTimeoutSeconds(buildTimeoutMinutes: number): number {
    return (buildTimeoutMinutes + TASK_TIMEOUT_MARGIN_MINUTES) * 60;
}

/**
 * The longest a copy is in use: from the deploy's start to the destroy's end, every task at its
 * timeout. The scheduled sweep must leave anything younger alone.
 */
export function copyLifetimeMinutes(buildTimeoutMinutes: Readonly<Record<WorkflowStep, number>>): number {
    return (["deploy", "feedback", "destroy"] as const).reduce((sum, step) => sum + taskTimeoutSeconds(buildTimeoutMinutes[step]) / 60, 0);
}

/** The `Error` of the Fail state the execution ends in, per step that failed. */
export const WORKFLOW_FAILURES = {
    deploy: "DeployCopyFailed",
    feedback: "FeedbackFailed",
    destroy: "DestroyCopyFailed",
    sweep: "SweepCopyFailed",
} as const;

const START_BUILD_SYNC = "arn:aws:states:::codebuild:startBuild.sync";
const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";

/** The decision is one short Lambda call; beyond this something is wrong, and the copy is deployed instead. */
export const DECISION_TIMEOUT_SECONDS = 60;

const environment = (variables: Record<string, string>) =>
    Object.entries(variables).map(([name, path]) => ({ Name: name, Type: "PLAINTEXT", "Value.$": path }));

/** The pull request and its commits, as every build gets them. */
const PULL_REQUEST_VARIABLES = Object.fromEntries(PULL_REQUEST_EVENT_FIELDS.map((field) => [RUNNER_ENVIRONMENT[field], `$.${field}`]));

/** Every failure of a task, `States.Timeout` included, goes on to the next step with its cause kept. */
const catchAll = (resultPath: string, next: string) => [{ ErrorEquals: ["States.ALL"], ResultPath: resultPath, Next: next }];

/**
 * DecideCopy (trusted: from the repository's commits alone, can the pull request change a
 * function? When not, it has commented and approved, and the execution ends there: nothing is
 * deployed, tuned or destroyed; when it fails, the copy is deployed as if one were needed) →
 * DeployCopy (untrusted: plan against production, deploy the copy) → Feedback (trusted: comment,
 * tune, approve or revoke) → DestroyCopy (untrusted: destroy what the deploy made) → SweepCopy
 * (trusted: remove whatever of the copy is left, say in the comment what became of it) → outcome.
 * Every failure of DeployCopy or Feedback still leads to Feedback and DestroyCopy, and a failed
 * destroy to the sweep; the execution ends failed, naming the step, when any step failed, and when
 * the destroy failed says whether the sweep cleaned up after it. A deploy whose build never started
 * (StartBuild refused) made nothing, so there is nothing to destroy or sweep. Stopping an execution
 * skips every Catch: the scheduled sweep removes what that leaves.
 */
export function pullRequestWorkflowDefinition(steps: PullRequestWorkflowSteps): Record<string, unknown> {
    const { deployBuildArn, deployOutcome, executionArn } = WORKFLOW_VARIABLES;
    return {
        Comment: "A pull request's throw-away copy, when it can change a function (trusted decision): deploy it (untrusted), give feedback (trusted), destroy it (untrusted), whatever failed.",
        StartAt: "DecideCopy",
        States: {
            DecideCopy: {
                Type: "Task",
                Resource: LAMBDA_INVOKE,
                Parameters: {
                    FunctionName: steps.decisionFunction,
                    Payload: Object.fromEntries(PULL_REQUEST_EVENT_FIELDS.map((field) => [`${field}.$`, `$.${field}`])),
                },
                TimeoutSeconds: DECISION_TIMEOUT_SECONDS,
                // Lambda's own transient errors, as the Step Functions developer guide advises retrying them.
                Retry: [
                    {
                        ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
                        IntervalSeconds: 1,
                        MaxAttempts: 2,
                        BackoffRate: 2,
                    },
                ],
                ResultSelector: { "copyNeeded.$": "$.Payload.copyNeeded" },
                ResultPath: "$.decision",
                // Safe by default: a decision that failed deploys the copy.
                Catch: catchAll("$.decisionFailure", "DeployCopy"),
                Next: "CopyNeeded",
            },
            CopyNeeded: {
                Type: "Choice",
                Choices: [{ Variable: "$.decision.copyNeeded", BooleanEquals: false, Next: "NoFunctionChanged" }],
                Default: "DeployCopy",
            },
            NoFunctionChanged: { Type: "Succeed", Comment: "Nothing that can change a function changed: the decision commented and approved; nothing was deployed." },
            DeployCopy: {
                Type: "Task",
                Resource: START_BUILD_SYNC,
                Parameters: {
                    ProjectName: steps.deployProject,
                    "SourceVersion.$": "$.sourceCommit",
                    EnvironmentVariablesOverride: environment(PULL_REQUEST_VARIABLES),
                },
                TimeoutSeconds: steps.timeoutSeconds.deploy,
                ResultSelector: { "buildArn.$": "$.Build.Arn", outcome: "SUCCEEDED" },
                ResultPath: "$.deploy",
                Catch: catchAll("$.deployFailure", "IdentifyFailedDeploy"),
                Next: "Feedback",
            },
            // A failed build's Cause is the build as JSON ({"Build": {"Arn": …}}). Parsing it inside
            // a Parallel state makes a Cause of another shape (StartBuild refused, States.Timeout)
            // catchable instead of failing the execution before DestroyCopy.
            IdentifyFailedDeploy: {
                Type: "Parallel",
                Branches: [
                    {
                        StartAt: "ParseDeployFailure",
                        States: {
                            ParseDeployFailure: {
                                Type: "Pass",
                                Parameters: { "build.$": "States.StringToJson($.deployFailure.Cause)" },
                                Next: "PickDeployBuild",
                            },
                            PickDeployBuild: { Type: "Pass", Parameters: { "buildArn.$": "$.build.Build.Arn" }, End: true },
                        },
                    },
                ],
                ResultSelector: { "buildArn.$": "$[0].buildArn", outcome: "FAILED" },
                ResultPath: "$.deploy",
                Catch: catchAll("$.deployBuildUnknown", "NoDeployBuild"),
                Next: "Feedback",
            },
            NoDeployBuild: { Type: "Pass", Result: { buildArn: "", outcome: "FAILED" }, ResultPath: "$.deploy", Next: "Feedback" },
            Feedback: {
                Type: "Task",
                Resource: START_BUILD_SYNC,
                Parameters: {
                    ProjectName: steps.feedbackProject,
                    EnvironmentVariablesOverride: environment({
                        ...PULL_REQUEST_VARIABLES,
                        [deployBuildArn]: "$.deploy.buildArn",
                        [deployOutcome]: "$.deploy.outcome",
                        [executionArn]: "$$.Execution.Id",
                    }),
                },
                TimeoutSeconds: steps.timeoutSeconds.feedback,
                ResultPath: null,
                Catch: catchAll("$.feedbackFailure", "AnythingToDestroy"),
                Next: "AnythingToDestroy",
            },
            AnythingToDestroy: {
                Type: "Choice",
                Choices: [{ Variable: "$.deploy.buildArn", StringEquals: "", Next: "Outcome" }],
                Default: "DestroyCopy",
            },
            DestroyCopy: {
                Type: "Task",
                Resource: START_BUILD_SYNC,
                Parameters: {
                    ProjectName: steps.destroyProject,
                    "SourceVersion.$": "$.sourceCommit",
                    EnvironmentVariablesOverride: environment({ ...PULL_REQUEST_VARIABLES, [deployBuildArn]: "$.deploy.buildArn" }),
                },
                TimeoutSeconds: steps.timeoutSeconds.destroy,
                ResultPath: null,
                Catch: catchAll("$.destroyFailure", "SweepCopy"),
                Next: "SweepCopy",
            },
            // Whether the destroy succeeded (the sweep then finds nothing, and says so) or failed (the
            // sweep removes what is left): exactly this copy's names and its deploy's state, whatever their age.
            SweepCopy: {
                Type: "Task",
                Resource: START_BUILD_SYNC,
                Parameters: {
                    ProjectName: steps.sweepProject,
                    EnvironmentVariablesOverride: environment({ ...PULL_REQUEST_VARIABLES, [deployBuildArn]: "$.deploy.buildArn" }),
                },
                TimeoutSeconds: steps.timeoutSeconds.sweep,
                ResultPath: null,
                Catch: catchAll("$.sweepFailure", "Outcome"),
                Next: "Outcome",
            },
            // Something of the copy left behind outweighs any earlier failure.
            Outcome: {
                Type: "Choice",
                Choices: [
                    { And: [{ Variable: "$.destroyFailure", IsPresent: true }, { Variable: "$.sweepFailure", IsPresent: true }], Next: "DestroyFailedCopyLeft" },
                    { Variable: "$.destroyFailure", IsPresent: true, Next: "DestroyFailedSweptClean" },
                    { Variable: "$.sweepFailure", IsPresent: true, Next: "SweepFailed" },
                    { Variable: "$.deploy.outcome", StringEquals: "FAILED", Next: "DeployFailed" },
                    { Variable: "$.feedbackFailure", IsPresent: true, Next: "FeedbackFailed" },
                ],
                Default: "Done",
            },
            DeployFailed: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.deploy,
                Cause: "DeployCopy failed: the pull request's copy could not be deployed (see its build log); whatever it created was destroyed.",
            },
            FeedbackFailed: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.feedback,
                Cause: "Feedback failed or timed out (a tuning failed, the quality gate did not pass, or the comment could not be posted); the copy was destroyed.",
            },
            DestroyFailedSweptClean: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.destroy,
                Cause: "DestroyCopy failed; the sweep after it removed everything of the copy that was left (the pull request's comment says what).",
            },
            DestroyFailedCopyLeft: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.destroy,
                Cause: "DestroyCopy failed, and the sweep after it could not remove everything: part of the copy may still exist until the scheduled sweep removes it (the pull request's comment says what and when).",
            },
            SweepFailed: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.sweep,
                Cause: "The sweep after the destroy failed or could not remove everything it found: part of the copy may still exist until the scheduled sweep removes it (the pull request's comment says what and when).",
            },
            Done: { Type: "Succeed" },
        },
    };
}
