// The trusted pull-request builds' decisions on the workflow's values, made once, here, from the
// build's environment: whether there is a plan, whether the copy was deployed, which copy a sweep
// removes. Each decision is a command line of an existing command, so the buildspecs only pass
// the environment through and check the exit code.
import {
    ARTIFACT_LAYOUT,
    BUILD_ARN_RULE,
    copyNamePrefix,
    DEPLOY_OUTCOMES,
    type DeployOutcome,
    EXECUTION_ARN_RULE,
    PULL_REQUEST_BUILD_FILES,
    PULL_REQUEST_ID_RULE,
    COMMIT_ID_RULE,
    RUNNER_ENVIRONMENT,
} from "../../contract";
import { InputError } from "./errors";

type Environment = Readonly<Record<string, string | undefined>>;

const { deployOutcome, deployBuildArn, workflowExecutionArn, artifactBucket, pullRequestId, sourceCommit } = RUNNER_ENVIRONMENT;

/** A variable's value, "" when unset: the workflow sets an empty value where it has none. */
const variableValue = (env: Environment, variable: string): string => env[variable] ?? "";

/** A variable the stack sets on the project, refused when empty. */
function requiredVariable(env: Environment, variable: string, allowed: string): string {
    const value = variableValue(env, variable);
    if (value === "") throw InputError.invalid(variable, value, allowed);
    return value;
}

/** What the feedback build is told of the copy's deploy, checked. */
export interface FeedbackStep {
    readonly deployOutcome: DeployOutcome;
    /** Where the deploy build handed its files on; undefined when no deploy build ran. */
    readonly handedOn?: { readonly bucket: string; readonly prefix: string };
    /** The workflow execution's console page, linked from the comment when the copy was not deployed. */
    readonly deployFailedUrl?: string;
}

/** The feedback build's workflow values (DEPLOY_OUTCOME, DEPLOY_BUILD_ARN, WORKFLOW_EXECUTION_ARN), checked before any AWS call. */
export function feedbackStepFrom(env: Environment): FeedbackStep {
    const outcome = variableValue(env, deployOutcome);
    if (!(DEPLOY_OUTCOMES as readonly string[]).includes(outcome))
        throw InputError.invalid(deployOutcome, outcome, DEPLOY_OUTCOMES.join(" or "));
    const deployed = outcome as DeployOutcome;
    const buildArn = variableValue(env, deployBuildArn);
    // Only a deploy that never started has no build, and such a deploy failed.
    if (buildArn === "" ? deployed === "SUCCEEDED" : !BUILD_ARN_RULE.pattern.test(buildArn)) {
        throw InputError.invalid(deployBuildArn, buildArn, `${BUILD_ARN_RULE.allowed}; empty only when ${deployOutcome} is FAILED`);
    }
    const handedOn =
        buildArn === ""
            ? undefined
            : {
                  // The copies' own account's bucket when they have one; the artifact bucket otherwise.
                  bucket:
                      variableValue(env, RUNNER_ENVIRONMENT.deployFilesBucket) ||
                      requiredVariable(env, artifactBucket, "the artifact bucket's name, set by the stack"),
                  prefix: `${ARTIFACT_LAYOUT.pullRequestBuildsPrefix}${buildArn}/`,
              };
    if (deployed === "SUCCEEDED") return { deployOutcome: deployed, handedOn };
    const executionArn = variableValue(env, workflowExecutionArn);
    const region = EXECUTION_ARN_RULE.pattern.exec(executionArn)?.[1];
    if (region === undefined) throw InputError.invalid(workflowExecutionArn, executionArn, EXECUTION_ARN_RULE.allowed);
    const deployFailedUrl = `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
    return { deployOutcome: deployed, handedOn, deployFailedUrl };
}

/** The role of the copies' own account a trusted build reaches them with, and the external ID its trust requires. */
export interface CopyAccountRole {
    readonly roleArn: string;
    readonly externalId: string;
}

const ROLE_ARN_RULE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * The copies' own account, when the stack set COPY_ACCOUNT_ROLE_ARN and COPY_ACCOUNT_EXTERNAL_ID
 * (both, or neither: the copies then share the build's account), checked before any AWS call.
 */
export function copyAccountRoleFrom(env: Environment): CopyAccountRole | undefined {
    const roleArn = variableValue(env, RUNNER_ENVIRONMENT.copyAccountRoleArn);
    const externalId = variableValue(env, RUNNER_ENVIRONMENT.copyAccountExternalId);
    if (roleArn === "" && externalId === "") return undefined;
    if (!ROLE_ARN_RULE.test(roleArn)) {
        throw InputError.invalid(
            RUNNER_ENVIRONMENT.copyAccountRoleArn,
            roleArn,
            `an IAM role ARN of the copies' own account, set by the stack together with ${RUNNER_ENVIRONMENT.copyAccountExternalId}`,
        );
    }
    return {
        roleArn,
        externalId: requiredVariable(env, RUNNER_ENVIRONMENT.copyAccountExternalId, `the external ID of ${roleArn}, set by the stack`),
    };
}

/** The deploy build's files the feedback reads, as data. */
export const HANDED_ON_FILES = [PULL_REQUEST_BUILD_FILES.plan, PULL_REQUEST_BUILD_FILES.terraformOutputs] as const;

/** Where the feedback puts the deploy build's files and the results. */
export interface FeedbackFiles {
    readonly deployFilesDirectory: string;
    readonly resultsFile: string;
}

/**
 * What the feedback runs: the plan comment (with the plan when the deploy handed one on, saying so
 * when the copy was not deployed), then, only for a deployed copy, its tuning with the settings of
 * the destination commit, as many functions at once as the account's Lambda concurrency allows.
 */
export function feedbackCommandLines(step: FeedbackStep, files: FeedbackFiles, handedOn: ReadonlySet<string>): string[][] {
    const local = (file: string) => `${files.deployFilesDirectory}/${file}`;
    const planComment = [
        "plan-comment",
        ...(handedOn.has(PULL_REQUEST_BUILD_FILES.plan) ? ["--plan", local(PULL_REQUEST_BUILD_FILES.plan)] : []),
        ...(step.deployFailedUrl === undefined ? [] : ["--deploy-failed", step.deployFailedUrl]),
    ];
    if (step.deployOutcome !== "SUCCEEDED") return [planComment];
    const tune = [
        "tune",
        "--terraform-outputs",
        local(PULL_REQUEST_BUILD_FILES.terraformOutputs),
        "--settings-from-repository",
        "--results",
        files.resultsFile,
        "--concurrency",
        "auto",
    ];
    return [planComment, tune];
}

/** The pull-request sweep's own flags, passed on to `sweep` in either mode. */
export interface PullRequestSweepFlags {
    /** `s3://<state bucket>/<pull-request state prefix>`: every copy's state object is below it. */
    readonly statesUri: string;
    readonly protectPrefix: string;
    readonly reportFile: string;
}

/**
 * The `sweep` a pull-request sweep build runs. Without a pull request (the schedule), the whole
 * pull-request namespace but what running workflow executions own, once older than the copies'
 * TTL; after a destroy (the workflow names the pull request), exactly that copy and its state,
 * whatever their age.
 */
export function pullRequestSweepCommandLine(env: Environment, flags: PullRequestSweepFlags): string[] {
    const namespace = requiredVariable(
        env,
        RUNNER_ENVIRONMENT.pullRequestNamePrefix,
        "the pull-request namespace's name prefix, set by the stack",
    );
    const common = ["--protect-prefix", flags.protectPrefix, "--report", flags.reportFile];
    const id = variableValue(env, pullRequestId);
    if (id === "") {
        return [
            "sweep",
            "--name-prefix",
            namespace,
            "--owner-workflow",
            requiredVariable(env, RUNNER_ENVIRONMENT.pullRequestWorkflowArn, "the pull-request workflow's ARN, set by the stack"),
            "--older-than",
            requiredVariable(env, RUNNER_ENVIRONMENT.pullRequestCopyTtlHours, "the copies' TTL in hours, set by the stack"),
            "--state-uri",
            flags.statesUri,
            ...common,
        ];
    }
    if (!PULL_REQUEST_ID_RULE.pattern.test(id))
        throw InputError.invalid(pullRequestId, id, `${PULL_REQUEST_ID_RULE.allowed}, or empty on the schedule`);
    const commit = variableValue(env, sourceCommit);
    if (!COMMIT_ID_RULE.pattern.test(commit)) throw InputError.invalid(sourceCommit, commit, COMMIT_ID_RULE.allowed);
    const copy = copyNamePrefix(namespace, { pullRequestId: id, sourceCommit: commit });
    return [
        "sweep",
        "--name-prefix",
        copy,
        "--older-than",
        "0",
        "--state-uri",
        `${flags.statesUri.replace(/\/?$/, "/")}${copy}/`,
        ...common,
    ];
}
