// The lambda-power-tuned stack: validated config in, components wired together, outputs out.
// First, so that an old Node.js stops here with the way out, before anything is loaded or created.
import "./buildscripts/requireNode";
import * as aws from "@pulumi/aws";
import { bundleTuningRunner } from "./buildscripts/bundle";
import { COPY_ROLE_PATH } from "./buildscripts/contract";
import { ArtifactStorage } from "./components/storage/artifactStorage";
import { loadStackConfig } from "./components/stack/config";
import { CopyAccount } from "./components/copy-account/copyAccount";
import { DeploymentPipeline } from "./components/pipeline/deploymentPipeline";
import { FunctionBoundary } from "./components/iam/functionBoundary";
import { LambdaRepository } from "./components/repository/lambdaRepository";
import { MergeGate } from "./components/repository/mergeGate";
import { PowerTuningApp } from "./components/power-tuning/powerTuningApp";
import { PullRequestWorkflow } from "./components/pull-request/pullRequestWorkflow";
import { StorageAccess } from "./components/storage/storageAccess";

const config = loadStackConfig();
const { tags } = config;
const caller = aws.getCallerIdentityOutput();
const production = { namePrefix: config.namePrefix, region: config.region, accountId: caller.accountId };
// With copyAccount, pull-request code runs in that account only: its side of the stack is created there.
const copyAccount =
    config.copyAccount &&
    new CopyAccount("copy-account", { ...config.copyAccount, region: config.region, productionAccountId: caller.accountId });
const pullRequests = {
    ...production,
    namePrefix: config.pullRequestNamePrefix,
    rolePath: COPY_ROLE_PATH,
    accountId: copyAccount?.accountId ?? caller.accountId,
};
const inCopyAccount = copyAccount && { providers: [copyAccount.provider] };
// Bucket policies match aws:PrincipalArn, which for a role session is the role's ARN (with its path), not the session's.
const deployer = aws.iam.getSessionContextOutput({ arn: caller.arn }).issuerArn;
const deploymentPipelineName = `${config.namePrefix}-deployment`;

const storage = new ArtifactStorage("storage", {
    retainData: config.retainData,
    pipelineName: deploymentPipelineName,
    tags,
});

const boundary = new FunctionBoundary("function-boundary", {
    production,
    pullRequests,
    functionPermissions: config.functionPermissions,
    copyProvider: copyAccount?.provider,
    tags,
});

const powerTuning = new PowerTuningApp(
    "power-tuning",
    {
        semanticVersion: config.powerTuningVersion,
        scope: pullRequests,
        powerValues: config.powerValues,
        tags,
    },
    inCopyAccount,
);

const functions = new LambdaRepository("functions", {
    repositoryName: config.repositoryName,
    mainBranch: config.mainBranch,
    seedBucket: storage.artifactBucket.name,
    tuning: { powerValues: config.powerValues, defaults: config.tuningDefaults },
    retainData: config.retainData,
    tags,
});
const repository = { name: functions.repositoryName, arn: functions.arn, cloneUrlHttp: functions.cloneUrlHttp };

// Built from the working tree on every run, so `pulumi up` ships the current runner.
const runnerBundle = bundleTuningRunner();
const pullRequestWorkflow = new PullRequestWorkflow("pr", {
    repository,
    mainBranch: config.mainBranch,
    stateMachineArn: powerTuning.stateMachineArn,
    stateBucket: storage.stateBucket,
    artifactBucket: storage.artifactBucket,
    runnerBundle,
    terraform: config.terraform,
    production,
    pullRequests,
    copyAccount: copyAccount && { provider: copyAccount.provider, deployRoleArn: copyAccount.deployRoleArn },
    retainData: config.retainData,
    functionBoundaries: { production: boundary.productionArn, copy: boundary.copyArn },
    sweep: { schedule: config.sweepSchedule, copyTtlHours: config.pullRequestCopyTtlHours },
    tuningCaps: {
        concurrencyBudget: config.tuningConcurrencyBudget,
        maxFunctions: config.maxFunctionsPerPullRequest,
        maxFunctionTimeoutSeconds: config.maxCopyFunctionTimeoutSeconds,
    },
    nonFunctionPaths: config.nonFunctionPaths,
    tags,
});

const mergeGate = new MergeGate("merge-gate", {
    repository,
    mainBranch: config.mainBranch,
    botSessionArn: pullRequestWorkflow.botSessionArn,
    reviewers: config.reviewers,
    requiredReviews: config.requiredReviews,
    namePrefix: config.namePrefix,
    accountId: caller.accountId,
    tags,
});

const deployment = new DeploymentPipeline("deployment", {
    pipelineName: deploymentPipelineName,
    repository,
    mainBranch: config.mainBranch,
    stateBucket: storage.stateBucket,
    artifactBucket: storage.artifactBucket,
    runner: { s3Uri: pullRequestWorkflow.runnerS3Uri, sha256: runnerBundle.sha256 },
    tuningHistoryUri: pullRequestWorkflow.tuningHistoryUri,
    terraform: config.terraform,
    scope: production,
    functionBoundaryArn: boundary.productionArn,
    tags,
});

new StorageAccess("storage-access", {
    stateBucket: storage.stateBucket,
    artifactBucket: storage.artifactBucket,
    deployer,
    tuningResultWriters: [pullRequestWorkflow.feedbackRoleArn],
    productionRecordWriters: [deployment.applyRoleArn],
    productionStateWriters: deployment.stateWriterRoleArns,
    retainData: config.retainData,
});

export const repositoryCloneUrlHttp = functions.cloneUrlHttp;
export const repositoryCloneUrlSsh = functions.cloneUrlSsh;
export const stateMachineArn = powerTuning.stateMachineArn;
export const pipelineName = deployment.pipelineName;
export const pullRequestWorkflowArn = pullRequestWorkflow.stateMachineArn;
export const pullRequestDestroyProjectName = pullRequestWorkflow.destroyProjectName;
export const pullRequestSweepProjectName = pullRequestWorkflow.sweepProjectName;
export const destroyProjectName = deployment.destroyProjectName;
export const stateBucketName = storage.stateBucket.name;
export const artifactBucketName = storage.artifactBucket.name;
/** Attach to every developer principal: main changes only by merging an approved pull request. */
export const protectMainPolicyArn = mergeGate.protectMainPolicyArn;
