// The pull-request workflow as an Amazon States Language definition: a pure function of the
// projects it runs, so tests can validate it and run it locally.
import { PULL_REQUEST_EVENT_FIELDS, RUNNER_ENVIRONMENT, type PullRequestEvent } from "../../buildscripts/contract";
import { COPY_CREDENTIAL_VARIABLES, WORKFLOW_VARIABLES } from "../build/buildspecs";
import { SOURCE_ARCHIVE_NAME } from "../copy-account/copyStorage";
import { copySessionPolicy, type CopySessionScope } from "../iam/policies";
import { COPY_SESSION_SECONDS, type WorkflowStep } from "./timeouts";

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
     * Each task's TimeoutSeconds (taskTimeoutSeconds): longer than the project's queued and build
     * timeouts, so that CodeBuild ends a build (TIMED_OUT) before the workflow stops waiting. The
     * deploy's is how long the workflow follows its build before stopping it.
     */
    readonly timeoutSeconds: Readonly<Record<WorkflowStep, number>>;
    /**
     * When the copies have an account of their own, where the untrusted builds live: the role there
     * every task on those builds acts with (the task's `Credentials`: Step Functions assumes it, its
     * external ID the workflow's ARN), the external ID the copy role there requires, the S3 folder
     * (`<bucket>/<prefix>`) under which each copy's source is handed over as `<copy prefix>/source.zip`,
     * and the trusted build of the workflow's account that hands it over (its project name and task
     * timeout). Default: the builds share the workflow's account and clone the repository themselves.
     */
    readonly copyAccount?: {
        readonly taskRoleArn: string;
        readonly externalId: string;
        readonly sourceFolder: string;
        readonly handOver: { readonly project: string; readonly timeoutSeconds: number };
    };
}

/** The `Error` of the Fail state the execution ends in, per step that failed. */
export const WORKFLOW_FAILURES = {
    deploy: "DeployCopyFailed",
    feedback: "FeedbackFailed",
    destroy: "DestroyCopyFailed",
    sweep: "SweepCopyFailed",
} as const;

/**
 * How the deploy ended, as the workflow records it in `$.deploy.ending`: its build ran to an end
 * CodeBuild reported; CodeBuild refused to start one; CodeBuild's answer did not say whether one
 * started (none in time, or one naming no build); or the build could not be followed to its end
 * (its status unreadable, or reported running past the deploy's timeout).
 */
export const DEPLOY_ENDINGS = { ended: "ended", notStarted: "notStarted", unknown: "unknown", lost: "lost" } as const;

const START_BUILD = "arn:aws:states:::codebuild:startBuild";
const START_BUILD_SYNC = "arn:aws:states:::codebuild:startBuild.sync";
const STOP_BUILD = "arn:aws:states:::codebuild:stopBuild";
const BATCH_GET_BUILDS = "arn:aws:states:::aws-sdk:codebuild:batchGetBuilds";
const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
const STS_ASSUME_ROLE = "arn:aws:states:::aws-sdk:sts:assumeRole";

/** The decision is one short Lambda call; beyond this something is wrong, and nothing is deployed (no copy is named). */
export const DECISION_TIMEOUT_SECONDS = 60;

/** One CodeBuild API call (StartBuild, BatchGetBuilds, StopBuild) from the workflow. */
export const API_CALL_TIMEOUT_SECONDS = 60;

/** How often the workflow asks CodeBuild whether the deploy build has ended. */
export const DEPLOY_POLL_SECONDS = 30;

/** Polls of a deploy build before the workflow gives up on it: its task timeout, in polls. */
export function deployPollLimit(deployTimeoutSeconds: number): number {
    return Math.ceil(deployTimeoutSeconds / DEPLOY_POLL_SECONDS);
}

const environment = (variables: Record<string, string>) =>
    Object.entries(variables).map(([name, path]) => ({ Name: name, Type: "PLAINTEXT", "Value.$": path }));

/** The pull request and its commits, as every build gets them. */
const PULL_REQUEST_VARIABLES = Object.fromEntries(PULL_REQUEST_EVENT_FIELDS.map((field) => [RUNNER_ENVIRONMENT[field], `$.${field}`]));

/** Every failure of a task, `States.Timeout` included, goes on to the next step with its cause kept. */
const catchAll = (resultPath: string, next: string) => [{ ErrorEquals: ["States.ALL"], ResultPath: resultPath, Next: next }];

/** A CodeBuild API call's transient failures, retried (StartBuild safely: the execution's name is its idempotency token). */
const RETRY_API_CALL = [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 2 }];

/**
 * Choice rules sending the execution to `next` unless `path` holds a value of `type`. A comparison
 * on a missing path raises States.Runtime, which no Catch can take (AWS's Step Functions developer
 * guide, "Error handling": States.ALL does not match States.Runtime), and rules are tried in order:
 * these come first.
 */
const unless = (path: string, type: "IsString" | "IsBoolean", next: string) => [
    { Not: { Variable: path, IsPresent: true }, Next: next },
    { Not: { Variable: path, [type]: true }, Next: next },
];

/** A Pass state setting `$.deploy`. */
const recordDeploy = (deploy: Record<string, unknown>, next: string) => ({
    Type: "Pass",
    Parameters: deploy,
    ResultPath: "$.deploy",
    Next: next,
});

/** Where the decision's answer names the copy (copyNamePrefix); checked before anything reads it. */
const COPY_NAME_PREFIX_PATH = "$.decision.Payload.copyNamePrefix";
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
 * copy the decision named: its credentials go to that build only.
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
            // The workflow's own role assumes the copy role of the copies' account, which requires it.
            ...(steps.copyAccount !== undefined && { ExternalId: steps.copyAccount.externalId }),
        },
        TimeoutSeconds: API_CALL_TIMEOUT_SECONDS,
        Retry: RETRY_API_CALL,
        ResultSelector: {
            "AccessKeyId.$": "$.Credentials.AccessKeyId",
            "SecretAccessKey.$": "$.Credentials.SecretAccessKey",
            "SessionToken.$": "$.Credentials.SessionToken",
        },
        ResultPath: COPY_CREDENTIALS_PATH,
        Catch: catchAll(failure.resultPath, failure.next),
        Next: next,
    };
}

/**
 * What a task on an untrusted build needs beyond its own parameters: in the copies' own account,
 * the role Step Functions acts there with (API reference, `TaskCredentials`; developer guide,
 * "Accessing resources in other AWS accounts"); none in the workflow's account.
 */
function untrustedBuildCredentials(steps: PullRequestWorkflowSteps) {
    return steps.copyAccount === undefined ? {} : { Credentials: { RoleArn: steps.copyAccount.taskRoleArn } };
}

/** `<bucket>/<prefix><copy prefix>/source.zip`: where the copy's source is handed over, as a States.Format expression. */
function sourceArchiveExpression(copyAccount: NonNullable<PullRequestWorkflowSteps["copyAccount"]>, scheme: "" | "s3://"): string {
    return `States.Format('${scheme}${copyAccount.sourceFolder}{}/${SOURCE_ARCHIVE_NAME}', ${COPY_NAME_PREFIX_PATH})`;
}

/**
 * Where an untrusted build gets the pull request's files: in the workflow's account it clones the
 * source commit itself; in the copies' own account (a CodeBuild project there cannot clone another
 * account's repository) it reads the archive the trusted side handed over for its copy.
 */
function untrustedBuildSource(steps: PullRequestWorkflowSteps) {
    if (steps.copyAccount === undefined) return { "SourceVersion.$": "$.sourceCommit" };
    return { "SourceLocationOverride.$": sourceArchiveExpression(steps.copyAccount, "") };
}

/**
 * HandOverSource (trusted, the workflow's account): a build that checks out the source commit and
 * writes it, as an archive and never run, where the copies' account's builds read it. Its failure
 * deploys nothing. Only when the copies have an account of their own.
 */
function handOverSourceStates(steps: PullRequestWorkflowSteps): Record<string, unknown> {
    if (steps.copyAccount === undefined) return {};
    return {
        HandOverSource: {
            Type: "Task",
            Resource: START_BUILD_SYNC,
            Parameters: {
                ProjectName: steps.copyAccount.handOver.project,
                "SourceVersion.$": "$.sourceCommit",
                EnvironmentVariablesOverride: [
                    ...environment(PULL_REQUEST_VARIABLES),
                    {
                        Name: WORKFLOW_VARIABLES.sourceArchiveUri,
                        Type: "PLAINTEXT",
                        "Value.$": sourceArchiveExpression(steps.copyAccount, "s3://"),
                    },
                ],
            },
            TimeoutSeconds: steps.copyAccount.handOver.timeoutSeconds,
            ResultPath: null,
            Catch: catchAll("$.deployFailure", "RecordSourceNotHandedOver"),
            Next: "CopyCredentialsForDeploy",
        },
        RecordSourceNotHandedOver: recordDeploy(
            {
                buildArn: "",
                outcome: "FAILED",
                ending: DEPLOY_ENDINGS.notStarted,
                "because.$":
                    "States.Format('DeployCopy started no build: the trusted hand-over of the source to the account of the copies failed with {}. Nothing was deployed, so nothing was destroyed or swept.', $.deployFailure.Error)",
            },
            "Feedback",
        ),
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
 * deployed, tuned or destroyed; when it answers anything else with the copy's name, the copy is
 * deployed; when it fails or names no copy, nothing is: the copy's credentials could not be
 * confined to it) → CopyCredentialsForDeploy (trusted: a session of the copy role narrowed to the
 * copy) → StartDeploy (untrusted build with those credentials: plan against production, deploy the copy),
 * followed until CodeBuild reports its end → Feedback (trusted: comment, tune, approve or revoke) →
 * CopyCredentialsForDestroy → DestroyCopy (untrusted, with fresh credentials: destroy what the deploy made) → SweepCopy (trusted: remove whatever of
 * the copy is left, say in the comment what became of it) → outcome.
 *
 * The deploy is started without `.sync` so that the workflow holds its build's ARN from CodeBuild's
 * own answer the moment the build exists: every later way the deploy can end (failed, timed out,
 * stopped, its status unreadable, still running past its timeouts and then stopped) leads to
 * DestroyCopy and SweepCopy, exactly once, with that ARN, which keys the copy's state and files.
 * A StartBuild CodeBuild refused (retried first: the execution's name is its idempotency token, so
 * a retry cannot start a second build) made nothing, and nothing is destroyed; one that never
 * answered, or answered without an ARN, leaves the copy (if any) to the scheduled sweep. Every failure of
 * Feedback still leads to DestroyCopy, and a failed destroy to the sweep; the execution ends failed,
 * naming the step and saying what was left, when any step failed. No state reads a path that may be
 * missing without checking it first. Stopping an execution skips every Catch: the scheduled sweep
 * removes what that leaves.
 */
export function pullRequestWorkflowDefinition(steps: PullRequestWorkflowSteps): Record<string, unknown> {
    const { deployBuildArn, deployOutcome, executionArn } = WORKFLOW_VARIABLES;
    const copyNeeded = "$.decision.Payload.copyNeeded";
    const deployStatus = "$.deployPoll.Builds[0].BuildStatus";
    const deployArn = { "buildArn.$": "$.deploy.buildArn" };
    return {
        Comment:
            "A pull request's throw-away copy, when it can change a function (trusted decision): deploy it (untrusted), give feedback (trusted), destroy it (untrusted) and sweep it (trusted), whatever failed.",
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
                        ErrorEquals: [
                            "Lambda.ServiceException",
                            "Lambda.AWSLambdaException",
                            "Lambda.SdkClientException",
                            "Lambda.TooManyRequestsException",
                        ],
                        IntervalSeconds: 1,
                        MaxAttempts: 2,
                        BackoffRate: 2,
                    },
                ],
                // The whole answer, unselected: a selector naming a field the answer lacks would end the execution.
                ResultPath: "$.decision",
                // A decision that failed names no copy: nothing can be confined to it, so nothing is deployed.
                Catch: catchAll("$.decisionFailure", "RecordCopyUnnamed"),
                Next: "CopyNeeded",
            },
            // Only a boolean false skips the copy; no answer, or any other, deploys it, once named.
            CopyNeeded: {
                Type: "Choice",
                Choices: [
                    ...unless(copyNeeded, "IsBoolean", "CopyNamed"),
                    { Variable: copyNeeded, BooleanEquals: false, Next: "NoFunctionChanged" },
                ],
                Default: "CopyNamed",
            },
            CopyNamed: {
                Type: "Choice",
                Choices: unless(COPY_NAME_PREFIX_PATH, "IsString", "RecordCopyUnnamed"),
                Default: steps.copyAccount === undefined ? "CopyCredentialsForDeploy" : "HandOverSource",
            },
            ...handOverSourceStates(steps),
            CopyCredentialsForDeploy: copyCredentialsTask(
                steps,
                { resultPath: "$.deployFailure", next: "RecordNoCopyCredentials" },
                "StartDeploy",
            ),
            NoFunctionChanged: {
                Type: "Succeed",
                Comment: "Nothing that can change a function changed: the decision commented and approved; nothing was deployed.",
            },
            StartDeploy: {
                Type: "Task",
                Resource: START_BUILD,
                ...untrustedBuildCredentials(steps),
                Parameters: {
                    ProjectName: steps.deployProject,
                    ...untrustedBuildSource(steps),
                    EnvironmentVariablesOverride: environment({ ...PULL_REQUEST_VARIABLES, ...COPY_CREDENTIAL_BUILD_VARIABLES }),
                    "IdempotencyToken.$": "$$.Execution.Name",
                },
                TimeoutSeconds: API_CALL_TIMEOUT_SECONDS,
                Retry: RETRY_API_CALL,
                ResultPath: "$.startedDeploy",
                // Any answer but a timeout is CodeBuild's refusal: no build exists.
                Catch: [
                    { ErrorEquals: ["States.Timeout"], ResultPath: "$.deployFailure", Next: "RecordDeployUnknown" },
                    ...catchAll("$.deployFailure", "RecordDeployNotStarted"),
                ],
                Next: "DeployNamed",
            },
            DeployNamed: {
                Type: "Choice",
                Choices: unless("$.startedDeploy.Build.Arn", "IsString", "RecordDeployUnknown"),
                Default: "DeployStarted",
            },
            DeployStarted: {
                Type: "Pass",
                Parameters: { "buildArn.$": "$.startedDeploy.Build.Arn", polls: 0 },
                ResultPath: "$.deploy",
                Next: "WaitForDeploy",
            },
            WaitForDeploy: { Type: "Wait", Seconds: DEPLOY_POLL_SECONDS, Next: "PollDeploy" },
            PollDeploy: {
                Type: "Task",
                Resource: BATCH_GET_BUILDS,
                ...untrustedBuildCredentials(steps),
                Parameters: { "Ids.$": "States.Array($.deploy.buildArn)" },
                TimeoutSeconds: API_CALL_TIMEOUT_SECONDS,
                Retry: RETRY_API_CALL,
                ResultPath: "$.deployPoll",
                Catch: catchAll("$.deployPollFailure", "StopDeploy"),
                Next: "CountDeployPoll",
            },
            CountDeployPoll: {
                Type: "Pass",
                Parameters: { ...deployArn, "polls.$": "States.MathAdd($.deploy.polls, 1)" },
                ResultPath: "$.deploy",
                Next: "DeployStatus",
            },
            // CodeBuild ends a build at its queued and build timeouts; one reported running past
            // the deploy task's timeout, or not reported at all, is stopped and handled as failed.
            DeployStatus: {
                Type: "Choice",
                Choices: [
                    ...unless(deployStatus, "IsString", "StopDeploy"),
                    { Variable: deployStatus, StringEquals: "SUCCEEDED", Next: "RecordDeploySucceeded" },
                    {
                        And: [
                            { Variable: deployStatus, StringEquals: "IN_PROGRESS" },
                            { Variable: "$.deploy.polls", NumericLessThan: deployPollLimit(steps.timeoutSeconds.deploy) },
                        ],
                        Next: "WaitForDeploy",
                    },
                    { Variable: deployStatus, StringEquals: "IN_PROGRESS", Next: "StopDeploy" },
                ],
                // FAILED, FAULT, STOPPED, TIMED_OUT.
                Default: "RecordDeployFailed",
            },
            StopDeploy: {
                Type: "Task",
                Resource: STOP_BUILD,
                ...untrustedBuildCredentials(steps),
                Parameters: { "Id.$": "$.deploy.buildArn" },
                TimeoutSeconds: API_CALL_TIMEOUT_SECONDS,
                Retry: RETRY_API_CALL,
                ResultPath: null,
                Catch: catchAll("$.deployStopFailure", "RecordDeployLost"),
                Next: "RecordDeployLost",
            },
            RecordDeploySucceeded: recordDeploy({ ...deployArn, outcome: "SUCCEEDED", ending: DEPLOY_ENDINGS.ended }, "Feedback"),
            RecordDeployFailed: recordDeploy({ ...deployArn, outcome: "FAILED", ending: DEPLOY_ENDINGS.ended }, "Feedback"),
            RecordDeployLost: recordDeploy({ ...deployArn, outcome: "FAILED", ending: DEPLOY_ENDINGS.lost }, "Feedback"),
            RecordDeployNotStarted: recordDeploy(
                {
                    buildArn: "",
                    outcome: "FAILED",
                    ending: DEPLOY_ENDINGS.notStarted,
                    "because.$":
                        "States.Format('DeployCopy could not start a build: CodeBuild answered StartBuild with {}. Nothing was deployed, so nothing was destroyed or swept.', $.deployFailure.Error)",
                },
                "Feedback",
            ),
            RecordDeployUnknown: recordDeploy({ buildArn: "", outcome: "FAILED", ending: DEPLOY_ENDINGS.unknown }, "Feedback"),
            RecordCopyUnnamed: recordDeploy(
                {
                    buildArn: "",
                    outcome: "FAILED",
                    ending: DEPLOY_ENDINGS.notStarted,
                    because:
                        "DeployCopy started no build: the decision failed or named no copy, so no credentials could be confined to one. Nothing was deployed, so nothing was destroyed or swept.",
                },
                "Feedback",
            ),
            RecordNoCopyCredentials: recordDeploy(
                {
                    buildArn: "",
                    outcome: "FAILED",
                    ending: DEPLOY_ENDINGS.notStarted,
                    "because.$":
                        "States.Format('DeployCopy started no build: STS answered AssumeRole for the copy credentials with {}. Nothing was deployed, so nothing was destroyed or swept.', $.deployFailure.Error)",
                },
                "Feedback",
            ),
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
            // A deploy build exists only for a named copy, so the name is there.
            CopyCredentialsForDestroy: copyCredentialsTask(steps, { resultPath: "$.destroyFailure", next: "SweepCopy" }, "DestroyCopy"),
            DestroyCopy: {
                Type: "Task",
                Resource: START_BUILD_SYNC,
                ...untrustedBuildCredentials(steps),
                Parameters: {
                    ProjectName: steps.destroyProject,
                    ...untrustedBuildSource(steps),
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
                    {
                        And: [
                            { Variable: "$.destroyFailure", IsPresent: true },
                            { Variable: "$.sweepFailure", IsPresent: true },
                        ],
                        Next: "DestroyFailedCopyLeft",
                    },
                    { Variable: "$.destroyFailure", IsPresent: true, Next: "DestroyFailedSweptClean" },
                    { Variable: "$.sweepFailure", IsPresent: true, Next: "SweepFailed" },
                    { Variable: "$.deploy.ending", StringEquals: DEPLOY_ENDINGS.notStarted, Next: "DeployNotStarted" },
                    { Variable: "$.deploy.ending", StringEquals: DEPLOY_ENDINGS.unknown, Next: "DeployUnknown" },
                    { Variable: "$.deploy.ending", StringEquals: DEPLOY_ENDINGS.lost, Next: "DeployLost" },
                    { Variable: "$.deploy.outcome", StringEquals: "FAILED", Next: "DeployFailed" },
                    { Variable: "$.feedbackFailure", IsPresent: true, Next: "FeedbackFailed" },
                ],
                Default: "Done",
            },
            DeployFailed: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.deploy,
                Cause: "DeployCopy's build ended without success (see its build log); the destroy and the sweep after it removed the copy.",
            },
            DeployNotStarted: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.deploy,
                CausePath: "$.deploy.because",
            },
            DeployUnknown: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.deploy,
                Cause: "DeployCopy could not learn from CodeBuild whether its build started (StartBuild did not answer in time, or answered without naming a build): without the build's ARN the workflow cannot destroy or sweep it, and the scheduled sweep removes anything of the copy once it is older than the TTL.",
            },
            DeployLost: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.deploy,
                Cause: "DeployCopy's build could not be followed to its end (CodeBuild did not report its status, or reported it running past the deploy's timeout): the workflow asked CodeBuild to stop it, and the destroy and the sweep after it removed the copy; anything the build created after that goes with the scheduled sweep.",
            },
            FeedbackFailed: {
                Type: "Fail",
                Error: WORKFLOW_FAILURES.feedback,
                Cause: "Feedback failed or timed out (a tuning failed, the quality gate did not pass, or the comment could not be posted); the copy was destroyed and swept.",
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
