// The lambda-power-tuned stack: validated config in, components wired together, outputs out.
import * as aws from "@pulumi/aws";
import { bundleTuningRunner } from "./buildscripts/bundle";
import { ArtifactStorage } from "./components/artifactStorage";
import { loadStackConfig } from "./components/config";
import { DeploymentPipeline, pipelineArtifactFolder } from "./components/deploymentPipeline";
import { LambdaRepository } from "./components/lambdaRepository";
import { PULL_REQUEST_BUILD_OUTPUT_PREFIX } from "./components/policies";
import { PowerTuningApp } from "./components/powerTuningApp";
import { PullRequestTuning } from "./components/pullRequestTuning";

const config = loadStackConfig();
const { tags } = config;
const scope = { namePrefix: config.namePrefix, region: config.region, accountId: aws.getCallerIdentityOutput().accountId };
const deploymentPipelineName = `${config.namePrefix}-deployment`;

const storage = new ArtifactStorage("storage", {
    retainData: config.retainData,
    expiringArtifactPrefixes: [pipelineArtifactFolder(deploymentPipelineName), PULL_REQUEST_BUILD_OUTPUT_PREFIX],
    tags,
});

const powerTuning = new PowerTuningApp("power-tuning", {
    semanticVersion: config.powerTuningVersion,
    scope,
    powerValues: config.powerValues,
    tags,
});

const functions = new LambdaRepository("functions", {
    repositoryName: config.repositoryName,
    mainBranch: config.mainBranch,
    region: config.region,
    awsAccess: config.awsAccess,
    tuning: { powerValues: config.powerValues, defaults: config.tuningDefaults },
    retainData: config.retainData,
    tags,
});
const repository = { name: functions.repositoryName, arn: functions.arn, cloneUrlHttp: functions.cloneUrlHttp };

const pullRequests = new PullRequestTuning("pr-tuning", {
    repository,
    mainBranch: config.mainBranch,
    stateMachineArn: powerTuning.stateMachineArn,
    stateBucket: storage.stateBucket,
    artifactBucket: storage.artifactBucket,
    // Built from the working tree on every run, so `pulumi up` ships the current runner.
    runnerBundle: bundleTuningRunner(),
    terraform: config.terraform,
    scope,
    tags,
});

const deployment = new DeploymentPipeline("deployment", {
    pipelineName: deploymentPipelineName,
    repository,
    mainBranch: config.mainBranch,
    stateBucket: storage.stateBucket,
    artifactBucket: storage.artifactBucket,
    runnerS3Uri: pullRequests.runnerS3Uri,
    tuningHistoryUri: pullRequests.tuningHistoryUri,
    terraform: config.terraform,
    scope,
    tags,
});

export const repositoryCloneUrlHttp = functions.cloneUrlHttp;
export const repositoryCloneUrlSsh = functions.cloneUrlSsh;
export const stateMachineArn = powerTuning.stateMachineArn;
export const pipelineName = deployment.pipelineName;
export const pullRequestProjectName = pullRequests.projectName;
export const destroyProjectName = deployment.destroyProjectName;
export const stateBucketName = storage.stateBucket.name;
export const artifactBucketName = storage.artifactBucket.name;
