// The pull-request workflow as an Amazon States Language definition: a pure function of the
// projects it runs, so tests can validate it and run it locally.
import { PULL_REQUEST_EVENT_FIELDS, RUNNER_ENVIRONMENT, type PullRequestEvent } from "../buildscripts/contract";
import { COPY_CREDENTIAL_VARIABLES, WORKFLOW_VARIABLES } from "./buildspecs";
import { copySessionPolicy, type CopySessionScope } from "./policies";

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
    /** The role whose sessions, each narrowed to one copy (copySessionPolicy), the deploy and destroy builds work with. */
    readonly copyRole: { readonly arn: string; readonly session: CopySessionScope };
    /**
     * Each task's TimeoutSeconds: a backstop longer than the project's own build timeout, so
     * that normally CodeBuild ends a build (TIMED_OUT) and the task fails with the build's ARN.
     */
    readonly timeoutSeconds: Readonly<Record<WorkflowStep, number>>;
}

type WorkflowStep = "deploy" | "feedback" | "destroy" | "sweep";

/** The builds' own timeouts in minutes, unless the workflow is given others. */
export const PULL_REQUEST_BUILD_TIMEOUT_MINUTES: Readonly<Record<WorkflowStep, number>> = { deploy: 30, feedback: 60, destroy: 30, sweep: 15 };

/**
 * How long a copy's credentials last. The workflow's own role assumes the copy role, and STS caps
 * such a chained session at one hour (IAM user guide, "Role chaining"; STS AssumeRole,
 * DurationSeconds).
 */
export const COPY_SESSION_SECONDS = 3600;

/** CodeBuild's smallest queued timeout (CreateProject, queuedTimeoutInMinutes). */
const MIN_QUEUED_TIMEOUT_MINUTES = 5;

/**
 * The queued timeout of a build working with a copy's credentials: the queue and the build
 * together end within the credentials' hour, so a build never outlives them midway.
 */
export function copyBuildQueuedTimeoutMinutes(step: "deploy" | "destroy", buildTimeoutMinutes: number): number {
    const queued = COPY_SESSION_SECONDS / 60 - buildTimeoutMinutes;
    if (queued < MIN_QUEUED_TIMEOUT_MINUTES) {
        throw new Error(
            `buildTimeoutMinutes.${step} is ${buildTimeoutMinutes}; allowed: at most ${COPY_SESSION_SECONDS / 60 - MIN_QUEUED_TIMEOUT_MINUTES} minutes, so that at least ${MIN_QUEUED_TIMEOUT_MINUTES} minutes of queue and the build fit in the copy's one-hour credentials`,
        );
    }
    return queued;
}

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
const STS_ASSUME_ROLE = "arn:aws:states:::aws-sdk:sts:assumeRole";
const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";

/** The decision is one short Lambda call; beyond this something is wrong, and the copy is deployed instead. */
export const DECISION_TIMEOUT_SECONDS = 60;

const environment = (variables: Record<string, string>) =>
    Object.entries(variables).map(([name, path]) => ({ Name: name, Type: "PLAINTEXT", "Value.$": path }));

/** The pull request and its commits, as every build gets them. */
const PULL_REQUEST_VARIABLES = Object.fromEntries(PULL_REQUEST_EVENT_FIELDS.map((field) => [RUNNER_ENVIRONMENT[field], `$.${field}`]));

/** Every failure of a task, `States.Timeout` included, goes on to the next step with its cause kept. */
const catchAll = (resultPath: string, next: string) => [{ ErrorEquals: ["States.ALL"], ResultPath: resultPath, Next: next }];

/** Where the decision put the prefix of the copy's names (copyNamePrefix). */
const COPY_NAME_PREFIX_PATH = "$.decision.copyNamePrefix";
/** Where a copy-credentials task puts them, for the one build that follows. */
const COPY_CREDENTIALS_PATH = "$.copyCredentials";
/** Stands for the copy's prefix while the policy is written; no policy text contains `@`. */
const COPY_PREFIX_MARKER = "@copy-name-prefix@";

/**
 * The copy's session policy as a States.Format expression of the copy's prefix: the very document
 * copySessionPolicy builds, with every `{`, `}` escaped as States.Format requires and the prefix
 * in each place it occurs.
 */
export function copySessionPolicyExpression(scope: CopySessionScope): string {
    const template = JSON.stringify(copySessionPolicy(COPY_PREFIX_MARKER, scope));
    const parts = template.replace(/[{}]/g, (brace) => `\\${brace}`).split(COPY_PREFIX_MARKER);
    return `States.Format('${parts.join("{}")}'${`, ${COPY_NAME_PREFIX_PATH}`.repeat(parts.length - 1)})`;
}

/**
 * A session of the copy role for the next untrusted build, narrowed by its session policy to the
 * copy the decision named: its credentials go to that build only. Without them nothing of the
 * copy can be touched, so a failure goes where the build's own would.
 */
function copyCredentialsTask(steps: PullRequestWorkflowSteps, failure: { resultPath: string; next: string }, next: string) {
    return {
        Type: "Task",
        Resource: STS_ASSUME_ROLE,
        Parameters: {
            RoleArn: steps.copyRole.arn,
            "RoleSessionName.$": COPY_NAME_PREFIX_PATH,
            DurationSeconds: COPY_SESSION_SECONDS,
            "Policy.$": copySessionPolicyExpression(steps.copyRole.session),
        },
        ResultSelector: { "AccessKeyId.$": "$.Credentials.AccessKeyId", "SecretAccessKey.$": "$.Credentials.SecretAccessKey", "SessionToken.$": "$.Credentials.SessionToken" },
        ResultPath: COPY_CREDENTIALS_PATH,
        Catch: catchAll(failure.resultPath, failure.next),
        Next: next,
    };
}

/** The copy's credentials as a build's variables (COPY_CREDENTIAL_VARIABLES). */
const COPY_CREDENTIAL_BUILD_VARIABLES = {
    [COPY_CREDENTIAL_VARIABLES.AWS_ACCESS_KEY_ID]: `${COPY_CREDENTIALS_PATH}.AccessKeyId`,
    [COPY_CREDENTIAL_VARIABLES.AWS_SECRET_ACCESS_KEY]: `${COPY_CREDENTIALS_PATH}.SecretAccessKey`,
    [COPY_CREDENTIAL_VARIABLES.AWS_SESSION_TOKEN]: `${COPY_CREDENTIALS_PATH}.SessionToken`,
};

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
                ResultSelector: { "copyNeeded.$": "$.Payload.copyNeeded", "copyNamePrefix.$": "$.Payload.copyNamePrefix" },
                ResultPath: "$.decision",
                // Without a decision the copy has no name to confine its credentials to: nothing is
                // deployed, and the feedback says the copy could not be deployed (no approval).
                Catch: catchAll("$.decisionFailure", "NoDeployBuild"),
                Next: "CopyNeeded",
            },
            CopyNeeded: {
                Type: "Choice",
                Choices: [{ Variable: "$.decision.copyNeeded", BooleanEquals: false, Next: "NoFunctionChanged" }],
                Default: "CopyCredentialsForDeploy",
            },
            NoFunctionChanged: { Type: "Succeed", Comment: "Nothing that can change a function changed: the decision commented and approved; nothing was deployed." },
            CopyCredentialsForDeploy: copyCredentialsTask(steps, { resultPath: "$.deployFailure", next: "NoDeployBuild" }, "DeployCopy"),
            DeployCopy: {
                Type: "Task",
                Resource: START_BUILD_SYNC,
                Parameters: {
                    ProjectName: steps.deployProject,
                    "SourceVersion.$": "$.sourceCommit",
                    EnvironmentVariablesOverride: environment({ ...PULL_REQUEST_VARIABLES, ...COPY_CREDENTIAL_BUILD_VARIABLES }),
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
                Default: "CopyCredentialsForDestroy",
            },
            CopyCredentialsForDestroy: copyCredentialsTask(steps, { resultPath: "$.destroyFailure", next: "SweepCopy" }, "DestroyCopy"),
            DestroyCopy: {
                Type: "Task",
                Resource: START_BUILD_SYNC,
                Parameters: {
                    ProjectName: steps.destroyProject,
                    "SourceVersion.$": "$.sourceCommit",
                    EnvironmentVariablesOverride: environment({ ...PULL_REQUEST_VARIABLES, ...COPY_CREDENTIAL_BUILD_VARIABLES }),
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
