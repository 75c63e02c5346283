import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RUNNER_ENVIRONMENT } from "../../buildscripts/contract";
import { type BucketRef, STATE_LAYOUT } from "../storage/artifactStorage";
import { BuildProject } from "../build/buildProject";
import { BUILD_VARIABLES, pullRequestSweepBuildspec } from "../build/buildspecs";
import {
    assumeBotStatements,
    assumeCopyAccountRoleStatements,
    pullRequestBuildOutputStatements,
    runBuildStatements,
    runnerDownloadStatements,
    runningExecutionsStatements,
    stackRoleArn,
    sweepStatements,
    type TerraformScope,
} from "../iam/policies";
import { PULL_REQUEST_BUILD_TIMEOUT_MINUTES, PULL_REQUEST_QUEUED_TIMEOUT_MINUTES } from "./timeouts";
import { ServiceRole } from "../iam/serviceRole";

export interface PullRequestSweeperArgs {
    /** The repository whose pull requests' comments say what became of each copy. */
    readonly repositoryName: pulumi.Input<string>;
    /** Holds the copies' Terraform state under `pull-requests/`. */
    readonly stateBucket: BucketRef;
    /** Holds the runner bundle, and the sweep reports under `pull-request-builds/<build ARN>/`. */
    readonly artifactBucket: BucketRef;
    /** The uploaded runner bundle and its SHA-256, checked before `node` runs it. */
    readonly runner: { readonly s3Uri: pulumi.Input<string>; readonly sha256: string };
    /** Production's names: the sweep refuses to run with a prefix that could reach them. */
    readonly production: TerraformScope;
    /** The copies' names: all the sweeper may list and remove (in the copies' account). */
    readonly pullRequests: TerraformScope;
    /**
     * When the copies have an account of their own (`pullRequests.accountId`): its provider, and the
     * external ID the sweeper's role there requires. The sweep then removes there only, through a role
     * made for it that trusts the sweeper's role alone. Default: the copies share production's account.
     */
    readonly copyAccount?: { readonly provider: pulumi.ProviderResource; readonly externalId: pulumi.Input<string> };
    /** The pull-request workflow: its running executions own their copies, which the scheduled sweep keeps. */
    readonly workflowArn: pulumi.Input<string>;
    /** The pull-request bot the sweeper comments as (its trust policy must name the sweeper's role). */
    readonly botRoleArn: pulumi.Input<string>;
    /** EventBridge schedule expression of the scheduled sweep (validated in config.ts). */
    readonly schedule: string;
    /** The scheduled sweep removes only what is at least this many hours old. */
    readonly copyTtlHours: number;
    /** Default PULL_REQUEST_BUILD_TIMEOUT_MINUTES.sweep (15), the timeout the workflow's SweepCopy task is made for. */
    readonly buildTimeoutMinutes?: number;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The trusted sweeper: a CodeBuild project with no source that runs the verified runner's
 * `sweep` over the pull-request namespace on a schedule (all but the copies running workflow
 * executions own), and, started by the pull-request workflow after a destroy, over exactly that
 * copy. Its role may list and remove the pull-request namespace's functions, roles, log groups and
 * state objects, read the workflow's executions, and nothing of production.
 */
export class PullRequestSweeper extends pulumi.ComponentResource {
    public readonly projectName: pulumi.Output<string>;
    public readonly projectArn: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: PullRequestSweeperArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:PullRequestSweeper", name, {}, opts);
        const buildTimeoutMinutes = args.buildTimeoutMinutes ?? PULL_REQUEST_BUILD_TIMEOUT_MINUTES.sweep;
        const { artifactBucket, stateBucket, production, pullRequests, tags } = args;
        const accountId = production.accountId;
        const copyAccount = args.copyAccount;
        const sweep = sweepStatements(pullRequests, stateBucket.arn, STATE_LAYOUT.pullRequestStatePrefix);
        // Named in advance: the project's role may assume it, and it trusts only the project's role.
        const accessRoleName = `${production.namePrefix}-pull-request-sweeper-access`;
        const accessRoleArn = stackRoleArn(pullRequests.accountId, accessRoleName);

        const project = new BuildProject(
            name,
            {
                description:
                    "Trusted (no source, verified runner): removes what pull requests' copies left behind, on a schedule and after each destroy.",
                buildspec: pullRequestSweepBuildspec(),
                source: { type: "NO_SOURCE" },
                environmentVariables: {
                    [RUNNER_ENVIRONMENT.repositoryName]: args.repositoryName,
                    [BUILD_VARIABLES.stateBucket]: stateBucket.name,
                    [BUILD_VARIABLES.artifactBucket]: artifactBucket.name,
                    [BUILD_VARIABLES.runnerS3Uri]: args.runner.s3Uri,
                    [BUILD_VARIABLES.runnerSha256]: args.runner.sha256,
                    [RUNNER_ENVIRONMENT.pullRequestNamePrefix]: pullRequests.namePrefix,
                    [BUILD_VARIABLES.productionNamePrefix]: production.namePrefix,
                    [RUNNER_ENVIRONMENT.pullRequestBotRoleArn]: args.botRoleArn,
                    [RUNNER_ENVIRONMENT.sweepSchedule]: args.schedule,
                    [RUNNER_ENVIRONMENT.pullRequestCopyTtlHours]: String(args.copyTtlHours),
                    [RUNNER_ENVIRONMENT.pullRequestWorkflowArn]: args.workflowArn,
                    ...(copyAccount !== undefined && {
                        [RUNNER_ENVIRONMENT.copyAccountRoleArn]: accessRoleArn,
                        [RUNNER_ENVIRONMENT.copyAccountExternalId]: copyAccount.externalId,
                    }),
                },
                statements: [
                    ...runnerDownloadStatements(artifactBucket.arn),
                    ...pullRequestBuildOutputStatements(artifactBucket.arn),
                    ...(copyAccount === undefined ? sweep : assumeCopyAccountRoleStatements(accessRoleArn)),
                    ...runningExecutionsStatements(args.workflowArn),
                    ...assumeBotStatements(args.botRoleArn),
                ],
                accountId,
                buildTimeoutMinutes,
                queuedTimeoutMinutes: PULL_REQUEST_QUEUED_TIMEOUT_MINUTES,
                tags,
            },
            { parent: this },
        );

        if (copyAccount !== undefined) {
            new ServiceRole(
                `${name}-access-role`,
                {
                    roleName: accessRoleName,
                    trust: { roles: [project.roleArn], externalId: copyAccount.externalId },
                    statements: sweep,
                    tags,
                },
                { parent: this, providers: [copyAccount.provider] },
            );
        }

        const schedule = new aws.cloudwatch.EventRule(
            `${name}-schedule`,
            {
                description: `Sweeps the pull-request namespace (${pullRequests.namePrefix}-*) of whatever no running workflow execution owns (or owns for more than ${args.copyTtlHours} hours).`,
                scheduleExpression: args.schedule,
                state: "ENABLED",
                tags,
            },
            { parent: this },
        );
        const scheduleRole = new ServiceRole(
            `${name}-schedule-role`,
            {
                trust: { service: "events.amazonaws.com", accountId },
                statements: runBuildStatements([project.projectArn], { stop: false }),
                tags,
            },
            { parent: this },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-schedule-target`,
            {
                rule: schedule.name,
                arn: project.projectArn,
                roleArn: scheduleRole.arn,
                // StartBuild's own defaults, and no pull request: the scheduled sweep of the whole namespace.
                input: "{}",
            },
            { parent: this, dependsOn: [scheduleRole] },
        );

        this.projectName = project.projectName;
        this.projectArn = project.projectArn;
        this.roleArn = project.roleArn;
        this.registerOutputs({ projectName: this.projectName, projectArn: this.projectArn, roleArn: this.roleArn });
    }
}
