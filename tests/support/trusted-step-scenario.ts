// The trusted step of the pull-request flow as its specs set it up: the repository's two commits
// (the destination branch with its settings, the pull request with its own), the untrusted step's
// plan.json and outputs.json as the only files, and the trusted project's environment.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RUNNER_ENVIRONMENT } from "../../buildscripts/contract";
import { readFixtureText } from "../fixtures";
import type { AwsModel } from "./aws-model";
import { RunnerWorkspace, TEST_PULL_REQUEST as PULL_REQUEST } from "./runner-workspace";
import { withPullRequest } from "./tune-scenario";
import { TERRAFORM_MODULE_DIR } from "./paths";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
export const NAME_PREFIX = "pr-power-tuned";
export const PRODUCTION_NAME_PREFIX = "power-tuned";
/** This pull request's copy: PULL_REQUEST 7 at its source commit 3f2a9c1. */
export const COPY_PREFIX = `${NAME_PREFIX}-7-3f2a9c1`;
/** Another pull request's copy in the same namespace. */
export const OTHER_COPY_DIGEST = `arn:aws:lambda:us-east-1:123456789012:function:${NAME_PREFIX}-8-8e1f0c2-digest`;
export const DIGEST = `arn:aws:lambda:us-east-1:123456789012:function:${NAME_PREFIX}-7-3f2a9c1-digest`;
export const COPY_BILLING = `arn:aws:lambda:us-east-1:123456789012:function:${NAME_PREFIX}-7-3f2a9c1-billing`;
export const PRODUCTION_BILLING = "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-billing";
export const BOT_ROLE = "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-bot";
export const HISTORY_URI = "s3://power-tuned-artifacts-1a2b/tuning-history/";
export const SOURCE = PULL_REQUEST.sourceCommit;
export const DESTINATION = PULL_REQUEST.destinationCommit;
const PLAN = readFixtureText("terraform/plan-add-update-replace-delete.json");

/** The settings of the branch the pull request merges into, and the ones the pull request would like. */
export const MAIN_INPUT = { powerValues: [128, 256, 512, 1024], num: 10, strategy: "cost" };
export const PR_INPUT = { powerValues: [10240], num: 5, payload: { chosenBy: "the pull request" } };
export const PASSING_POLICY = { requireConfiguredMemoryWithinPercent: 5, failOnTuningError: true };
export const STRICT_POLICY = { requireConfiguredMemoryWithinPercent: 1 };

/** terraform-lambda/'s *.tf files, with `memoryDefault` as variables.tf's memory_size default. */
function terraformFiles(memoryDefault: number): Record<string, string> {
    const files = readdirSync(TERRAFORM_MODULE_DIR).filter((name) => name.endsWith(".tf"));
    const text = (name: string) => readFileSync(join(TERRAFORM_MODULE_DIR, name), "utf8");
    return Object.fromEntries(
        files.map((name) => [
            name,
            name === "variables.tf" ? text(name).replace("default     = 128", `default     = ${memoryDefault}`) : text(name),
        ]),
    );
}

/** A commit's tree: the Terraform files and, unless left out, the tuning input and policy. */
export function tree(memoryDefault: number, settings: { input?: object; policy?: object }): Record<string, string> {
    return {
        ...terraformFiles(memoryDefault),
        ...(settings.input === undefined ? {} : { "power-tuning-input.json": JSON.stringify(settings.input) }),
        ...(settings.policy === undefined ? {} : { "power-tuning-policy.json": JSON.stringify(settings.policy) }),
    };
}

export const output = (value: unknown) => ({ sensitive: false, type: typeof value === "string" ? "string" : ["map", "string"], value });
export const OUTPUTS = { arn: output(DIGEST), functions: output({ digest: DIGEST }) };

/** What the untrusted step leaves for the trusted one: no checkout, just its plan and outputs. */
export function trustedWorkspace(outputs: object = OUTPUTS): RunnerWorkspace {
    return new RunnerWorkspace({ "plan.json": PLAN, "outputs.json": JSON.stringify(outputs) });
}

/** The trusted project's environment. */
export function trustedEnv(): Record<string, string> {
    return {
        [RUNNER_ENVIRONMENT.stateMachineArn]: STATE_MACHINE,
        [RUNNER_ENVIRONMENT.repositoryName]: PULL_REQUEST.repositoryName,
        [RUNNER_ENVIRONMENT.pullRequestId]: PULL_REQUEST.pullRequestId,
        [RUNNER_ENVIRONMENT.sourceCommit]: SOURCE,
        [RUNNER_ENVIRONMENT.destinationCommit]: DESTINATION,
        [RUNNER_ENVIRONMENT.tuningHistoryUri]: HISTORY_URI,
        [RUNNER_ENVIRONMENT.pullRequestNamePrefix]: NAME_PREFIX,
        [RUNNER_ENVIRONMENT.productionNamePrefix]: PRODUCTION_NAME_PREFIX,
        [RUNNER_ENVIRONMENT.pullRequestBotRoleArn]: BOT_ROLE,
        CODEBUILD_BUILD_ID: "power-tuned-pull-request-trusted:0b5c4f3e-2d1a-4c7b-9e8f-1a2b3c4d5e6f",
        CODEBUILD_BUILD_URL: "",
    };
}

/** How the trusted step runs `tune`: the untrusted step's outputs, settings from the repository, the tuning history. */
export const TUNE = [
    "tune",
    "--terraform-outputs",
    "outputs.json",
    "--settings-from-repository",
    "--results",
    "power-tuning-results.json",
    "--history",
    HISTORY_URI,
];

/** The pull request (withPullRequest's, on DIGEST) with its destination commit holding main's settings and its source commit the pull request's own. */
export function withTrustedStepCommits<Aws extends AwsModel>(aws: Aws): Aws {
    withPullRequest(aws, DIGEST);
    aws.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(128, { input: MAIN_INPUT, policy: PASSING_POLICY }));
    aws.setCommit(PULL_REQUEST.repositoryName, SOURCE, tree(128, { input: PR_INPUT, policy: {} }));
    return aws;
}
