import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RunnerBundle } from "../buildscripts/bundle";
import type { BucketRef } from "./artifactStorage";
import { BuildProject } from "./buildProject";
import { pullRequestBuildspec, TerraformRelease } from "./buildspecs";
import {
    pullRequestFeedbackStatements,
    startBuildStatements,
    terraformManagedResourcesStatements,
    TerraformScope,
    terraformStateStatements,
    tuningArtifactStatements,
    tuningExecutionStatements,
    PULL_REQUEST_BUILD_OUTPUT_PREFIX,
    pullRequestBuildOutputStatements,
    TUNING_HISTORY_PREFIX,
    TUNING_RUNNER_PREFIX,
} from "./policies";
import { ServiceRole } from "./serviceRole";

export interface PullRequestTuningArgs {
    readonly repository: {
        readonly name: pulumi.Input<string>;
        readonly arn: pulumi.Input<string>;
        readonly cloneUrlHttp: pulumi.Input<string>;
    };
    /** Pull requests into this branch are tuned, and need the build's approval to merge. */
    readonly mainBranch: string;
    readonly stateMachineArn: pulumi.Input<string>;
    readonly stateBucket: BucketRef;
    /** Receives the runner bundle; holds the tuning history. */
    readonly artifactBucket: BucketRef;
    /** The bundled tuning runner (`bundleTuningRunner()`), uploaded under its content hash. */
    readonly runnerBundle: RunnerBundle;
    readonly terraform: TerraformRelease;
    /** Names, account and region Terraform's resources live in. */
    readonly scope: TerraformScope;
    /** Default 60: tuning several functions one after another takes a while. */
    readonly buildTimeoutMinutes?: number;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * Where the PR buildspec keeps each build's throw-away state. The build plans against
 * production's state without locking it, so it may write here and nowhere else: a pull
 * request cannot alter production's state.
 */
export const PULL_REQUEST_STATE_PREFIX = "pull-requests/";

/** EventBridge fields the build needs, by input-transformer placeholder. */
const EVENT_FIELDS = {
    pullRequestId: "$.detail.pullRequestId",
    sourceCommit: "$.detail.sourceCommit",
    destinationCommit: "$.detail.destinationCommit",
} as const;

/**
 * The StartBuild request sent for each event: build the PR's source commit and tell the runner
 * which PR and commits it comments on. Placeholders stay unquoted: EventBridge substitutes
 * string values as quoted JSON strings.
 */
export const START_BUILD_INPUT_TEMPLATE = JSON.stringify({
    sourceVersion: "<sourceCommit>",
    environmentVariablesOverride: [
        { name: "PULL_REQUEST_ID", value: "<pullRequestId>", type: "PLAINTEXT" },
        { name: "SOURCE_COMMIT", value: "<sourceCommit>", type: "PLAINTEXT" },
        { name: "DESTINATION_COMMIT", value: "<destinationCommit>", type: "PLAINTEXT" },
    ],
}).replace(/"(<\w+>)"/g, "$1");

/**
 * The PR build: on every pull request opened or pushed to against the main branch, it plans,
 * deploys a throw-away copy, tunes it, comments, and approves or revokes the merge gate.
 */
export class PullRequestTuning extends pulumi.ComponentResource {
    public readonly projectName: pulumi.Output<string>;
    public readonly projectArn: pulumi.Output<string>;
    /** The build's role; the approval rule accepts approvals from its sessions only. */
    public readonly roleName: pulumi.Output<string>;
    /** `s3://<artifact bucket>/tuning-runner/<sha256>.js` */
    public readonly runnerS3Uri: pulumi.Output<string>;
    /** `s3://<artifact bucket>/tuning-history/` */
    public readonly tuningHistoryUri: pulumi.Output<string>;
    public readonly approvalRuleTemplateName: pulumi.Output<string>;

    constructor(name: string, args: PullRequestTuningArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:PullRequestTuning", name, {}, opts);
        const buildTimeoutMinutes = args.buildTimeoutMinutes ?? 60;
        const { repository, scope, artifactBucket } = args;

        // A content-hash key: a changed runner is a new object, and a running build keeps the one it started with.
        const runner = new aws.s3.BucketObjectv2(
            `${name}-runner`,
            {
                bucket: artifactBucket.name,
                key: `${TUNING_RUNNER_PREFIX}${args.runnerBundle.sha256}.js`,
                source: new pulumi.asset.FileAsset(args.runnerBundle.path),
                contentType: "application/javascript",
                tags: args.tags,
            },
            { parent: this },
        );
        this.runnerS3Uri = pulumi.interpolate`s3://${runner.bucket}/${runner.key}`;
        this.tuningHistoryUri = pulumi.interpolate`s3://${artifactBucket.name}/${TUNING_HISTORY_PREFIX}`;

        const build = new BuildProject(
            `${name}-build`,
            {
                description: "Plans, deploys a throw-away copy of, and power-tunes the Lambda functions of a pull request; comments the results.",
                buildspec: pullRequestBuildspec(args.terraform),
                source: { type: "CODECOMMIT", cloneUrlHttp: repository.cloneUrlHttp },
                // The results file outlives the build container, whatever happened to the comment.
                artifactsTo: { bucket: artifactBucket.name, path: PULL_REQUEST_BUILD_OUTPUT_PREFIX.replace(/\/$/, "") },
                environmentVariables: {
                    STATE_MACHINE_ARN: args.stateMachineArn,
                    REPOSITORY_NAME: repository.name,
                    TF_STATE_BUCKET: args.stateBucket.name,
                    TUNING_RUNNER_S3_URI: this.runnerS3Uri,
                    TUNING_HISTORY_URI: this.tuningHistoryUri,
                    TF_VAR_name_prefix: scope.namePrefix,
                },
                statements: [
                    ...pullRequestFeedbackStatements(repository.arn),
                    ...tuningExecutionStatements(args.stateMachineArn),
                    ...terraformManagedResourcesStatements(scope, "apply"),
                    ...terraformStateStatements(args.stateBucket.arn, `${PULL_REQUEST_STATE_PREFIX}*`),
                    ...tuningArtifactStatements(artifactBucket.arn),
                    ...pullRequestBuildOutputStatements(artifactBucket.arn),
                ],
                accountId: scope.accountId,
                buildTimeoutMinutes,
                tags: args.tags,
            },
            { parent: this },
        );

        const trigger = new aws.cloudwatch.EventRule(
            `${name}-trigger`,
            {
                description: `Pull requests into ${args.mainBranch} opened or updated: start the tuning build.`,
                // Created and source-updated only: merges, approvals and comments change a PR's
                // state too and must not start builds.
                eventPattern: pulumi.jsonStringify({
                    source: ["aws.codecommit"],
                    "detail-type": ["CodeCommit Pull Request State Change"],
                    resources: [repository.arn],
                    detail: {
                        event: ["pullRequestCreated", "pullRequestSourceBranchUpdated"],
                        destinationReference: [`refs/heads/${args.mainBranch}`],
                    },
                }),
                state: "ENABLED",
                tags: args.tags,
            },
            { parent: this },
        );
        const triggerRole = new ServiceRole(
            `${name}-trigger-role`,
            { service: "events.amazonaws.com", accountId: scope.accountId, statements: startBuildStatements([build.projectArn], false), tags: args.tags },
            { parent: this },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-trigger-target`,
            {
                rule: trigger.name,
                arn: build.projectArn,
                roleArn: triggerRole.arn,
                inputTransformer: { inputPaths: EVENT_FIELDS, inputTemplate: START_BUILD_INPUT_TEMPLATE },
            },
            { parent: this, dependsOn: [triggerRole] },
        );

        // The merge gate: a PR into main needs one approval, and only the tuning build's role can
        // give it (the runner approves when the tuning policy passes and revokes when it fails).
        // Assumed-role ARNs carry the role name without its path, and `*` matches any build session.
        const approvalRule = new aws.codecommit.ApprovalRuleTemplate(
            `${name}-approval`,
            {
                description: "Requires the power-tuning build's approval: it approves only when the tuning policy passes.",
                content: pulumi.jsonStringify({
                    Version: "2018-11-08",
                    DestinationReferences: [`refs/heads/${args.mainBranch}`],
                    Statements: [
                        {
                            Type: "Approvers",
                            NumberOfApprovalsNeeded: 1,
                            ApprovalPoolMembers: [pulumi.interpolate`arn:aws:sts::${scope.accountId}:assumed-role/${build.roleName}/*`],
                        },
                    ],
                }),
            },
            { parent: this },
        );
        new aws.codecommit.ApprovalRuleTemplateAssociation(
            `${name}-approval-association`,
            { approvalRuleTemplateName: approvalRule.name, repositoryName: repository.name },
            { parent: this },
        );

        this.projectName = build.projectName;
        this.projectArn = build.projectArn;
        this.roleName = build.roleName;
        this.approvalRuleTemplateName = approvalRule.name;
        this.registerOutputs({
            projectName: this.projectName,
            projectArn: this.projectArn,
            roleName: this.roleName,
            runnerS3Uri: this.runnerS3Uri,
            tuningHistoryUri: this.tuningHistoryUri,
            approvalRuleTemplateName: this.approvalRuleTemplateName,
        });
    }
}
