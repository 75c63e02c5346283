// The pull-request workflow as an Amazon States Language definition: a pure function of the
// three projects it runs, so tests can validate it and run it locally.
import { RUNNER_ENVIRONMENT } from "../buildscripts/contract";
import { WORKFLOW_VARIABLES } from "./buildspecs";

/** The workflow's input, as the EventBridge input transformer builds it from a PR event. */
export interface PullRequestWorkflowInput {
    readonly pullRequestId: string;
    readonly sourceCommit: string;
    readonly destinationCommit: string;
}

export interface PullRequestWorkflowSteps {
    /** The trusted decision function's ARN: whether the pull request needs a copy at all. */
    readonly decisionFunction: string;
    /** CodeBuild project names (`startBuild` accepts names). */
    readonly deployProject: string;
    readonly feedbackProject: string;
    readonly destroyProject: string;
    /**
     * Each task's TimeoutSeconds: a backstop longer than the project's own build timeout, so
     * that normally CodeBuild ends a build (TIMED_OUT) and the task fails with the build's ARN.
     */
    readonly timeoutSeconds: { readonly deploy: number; readonly feedback: number; readonly destroy: number };
}

/** The `Error` of the Fail state the execution ends in, per step that failed. */
export const WORKFLOW_FAILURES = {
    deploy: "DeployCopyFailed",
    feedback: "FeedbackFailed",
    destroy: "DestroyCopyFailed",
} as const;

const START_BUILD_SYNC = "arn:aws:states:::codebuild:startBuild.sync";
const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";

/** The decision is one short Lambda call; beyond this something is wrong, and the copy is deployed instead. */
export const DECISION_TIMEOUT_SECONDS = 60;

const environment = (variables: Record<string, string>) =>
    Object.entries(variables).map(([name, path]) => ({ Name: name, Type: "PLAINTEXT", "Value.$": path }));

/** The pull request and its commits, as every build gets them. */
const PULL_REQUEST_VARIABLES = {
    [RUNNER_ENVIRONMENT.pullRequestId]: "$.pullRequestId",
    [RUNNER_ENVIRONMENT.sourceCommit]: "$.sourceCommit",
    [RUNNER_ENVIRONMENT.destinationCommit]: "$.destinationCommit",
};

/** Every failure of a task, `States.Timeout` included, goes on to the next step with its cause kept. */
const catchAll = (resultPath: string, next: string) => [{ ErrorEquals: ["States.ALL"], ResultPath: resultPath, Next: next }];

/**
 * DecideCopy (trusted: from the repository's commits alone, can the pull request change a
 * function? When not, it has commented and approved, and the execution ends there: nothing is
 * deployed, tuned or destroyed; when it fails, the copy is deployed as if one were needed) →
 * DeployCopy (untrusted: plan against production, deploy the copy) → Feedback (trusted: comment,
 * tune, approve or revoke) → DestroyCopy (untrusted: destroy what the deploy made) → outcome.
 * Every failure of DeployCopy or Feedback still leads to Feedback and DestroyCopy; the execution
 * ends failed, naming the step, when any step failed, and says so when the destroy failed.
 * A deploy whose build never started (StartBuild refused) made nothing, so there is nothing to
 * destroy. Stopping an execution skips every Catch: the sweeper removes what that leaves.
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
                    Payload: { "pullRequestId.$": "$.pullRequestId", "sourceCommit.$": "$.sourceCommit", "destinationCommit.$": "$.destinationCommit" },
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
                Catch: catchAll("$.destroyFailure", "DestroyFailed"),
                Next: "Outcome",
            },
            Outcome: {
                Type: "Choice",
                Choices: [
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
            DestroyFailed: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.destroy,
                Cause: "DestroyCopy failed: the pull request's copy may still exist. Its state stays under pull-requests/ for a retry; the sweeper removes what is left.",
            },
            Done: { Type: "Succeed" },
        },
    };
}
