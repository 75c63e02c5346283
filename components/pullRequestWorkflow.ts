import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RunnerBundle } from "../buildscripts/bundle";
import { ARTIFACT_LAYOUT, assumedRoleSessionArn, PULL_REQUEST_BOT_SESSION_NAME, PULL_REQUEST_EVENT_FIELDS, RUNNER_ENVIRONMENT } from "../buildscripts/contract";
import { BucketRef, PULL_REQUEST_CACHE_PREFIX, STATE_LAYOUT } from "./artifactStorage";
import { BuildProject, BuildProjectArgs } from "./buildProject";
import { BUILD_VARIABLES, pullRequestDeployBuildspec, pullRequestDestroyBuildspec, pullRequestFeedbackBuildspec } from "./buildspecs";
import { CopyDecisionFunction } from "./copyDecisionFunction";
import {
    assumeBotStatements,
    assumeCopyRoleStatements,
    buildCacheStatements,
    tuningBudgetStatements,
    codeBuildSyncRuleStatements,
    copyRoleStatements,
    functionConfigurationStatements,
    gitPullStatements,
    invokeFunctionStatements,
    lambdaAccountSettingsStatements,
    lambdaMetricsReadStatements,
    pullRequestBotStatements,
    pullRequestBuildInputStatements,
    pullRequestBuildOutputStatements,
    repositoryReadStatements,
    runBuildStatements,
    runnerDownloadStatements,
    stackRoleArn,
    startExecutionStatements,
    TerraformScope,
    tuningExecutionStatements,
    tuningHistoryStatements,
} from "./policies";
import { PULL_REQUEST_BUILD_TIMEOUT_MINUTES, PULL_REQUEST_QUEUED_TIMEOUT_MINUTES, pullRequestWorkflowDefinition, requireWithinCopySession, taskTimeoutSeconds } from "./pullRequestWorkflowDefinition";
import { PullRequestSweeper } from "./pullRequestSweeper";
import { ServiceRole } from "./serviceRole";
import type { TerraformRelease } from "./terraformRelease";

export interface PullRequestWorkflowArgs {
    readonly repository: {
        readonly name: pulumi.Input<string>;
        readonly arn: pulumi.Input<string>;
        readonly cloneUrlHttp: pulumi.Input<string>;
    };
    /** Pull requests into this branch are tuned; the bot approves or revokes them. */
    readonly mainBranch: string;
    /** The power-tuning state machine (it may touch only the pull-request namespace). */
    readonly stateMachineArn: pulumi.Input<string>;
    readonly stateBucket: BucketRef;
    /** Receives the runner bundle; holds the tuning history and what each build hands on. */
    readonly artifactBucket: BucketRef;
    /** The bundled tuning runner (`bundleTuningRunner()`), uploaded under its SHA-256. */
    readonly runnerBundle: RunnerBundle;
    readonly terraform: TerraformRelease;
    /** Production's names: the deploy plans against production's state under them (read-only). */
    readonly production: TerraformScope;
    /** The copies' names (roles under COPY_ROLE_PATH): each copy may create, change or delete only its own share of them. */
    readonly pullRequests: TerraformScope;
    /**
     * The permissions boundaries (FunctionBoundary): every role a copy creates must carry `copy`; the
     * deploy's plan against production names production's.
     */
    readonly functionBoundaries: { readonly production: pulumi.Input<string>; readonly copy: pulumi.Input<string> };
    /**
     * Build timeouts in minutes. Default PULL_REQUEST_BUILD_TIMEOUT_MINUTES: deploy 30, feedback 60
     * (tuning takes a while), destroy 30, sweep 15; config.ts checks the copies' TTL against them.
     * Deploy and destroy, queue included, must end within their one-hour copy credentials.
     */
    readonly buildTimeoutMinutes?: { readonly deploy?: number; readonly feedback?: number; readonly destroy?: number; readonly sweep?: number };
    /** The scheduled sweep of the pull-request namespace: its EventBridge schedule, and the age from which it removes things. */
    readonly sweep: { readonly schedule: string; readonly copyTtlHours: number };
    /**
     * What a pull request's tuning may take: Lambda invocations in flight all running tunings share
     * (config `tuningConcurrencyBudget`), functions per pull request (`maxFunctionsPerPullRequest`) and
     * a copy function's timeout (`maxCopyFunctionTimeoutSeconds`).
     */
    readonly tuningCaps: { readonly concurrencyBudget: number; readonly maxFunctions: number; readonly maxFunctionTimeoutSeconds: number };
    /** Globs of the paths that cannot change a function: a pull request changing nothing else gets no copy (config `nonFunctionPaths`). */
    readonly nonFunctionPaths: readonly string[];
    readonly tags: Readonly<Record<string, string>>;
}

/** EventBridge fields the workflow needs, by input-transformer placeholder: CodeCommit's event names them as the workflow does. */
const EVENT_FIELDS = Object.fromEntries(PULL_REQUEST_EVENT_FIELDS.map((field) => [field, `$.detail.${field}`]));

/**
 * The workflow's input for each event (PullRequestWorkflowInput). Placeholders stay unquoted:
 * EventBridge substitutes string values as quoted JSON strings.
 */
export const WORKFLOW_INPUT_TEMPLATE = JSON.stringify(Object.fromEntries(Object.keys(EVENT_FIELDS).map((field) => [field, `<${field}>`]))).replace(
    /"(<\w+>)"/g,
    "$1",
);

/**
 * Every pull request opened or pushed to against the main branch starts one execution of a
 * Step Functions workflow: a trusted function decides from the repository's commits whether the
 * pull request can change a function at all (when not, it comments and approves and the execution
 * ends); otherwise an untrusted build deploys a throw-away copy of the branch under the
 * pull-request namespace, a trusted build (no checkout, verified runner) comments, tunes and
 * approves or revokes as the pull-request bot, an untrusted build destroys the copy, after any
 * failure too, and the trusted sweeper removes whatever of it is left and says so in the comment.
 * The sweeper also sweeps the whole namespace on a schedule.
 * The untrusted builds share an S3 cache of Terraform and its providers.
 */
export class PullRequestWorkflow extends pulumi.ComponentResource {
    public readonly stateMachineArn: pulumi.Output<string>;
    public readonly deployProjectName: pulumi.Output<string>;
    public readonly feedbackProjectName: pulumi.Output<string>;
    public readonly destroyProjectName: pulumi.Output<string>;
    /** Start it by hand for a sweep of the namespace now (as on its schedule). */
    public readonly sweepProjectName: pulumi.Output<string>;
    /** The trusted step's role: the only writer of stored tuning results. */
    public readonly feedbackRoleArn: pulumi.Output<string>;
    /** The identity comments and approvals come from (assumed as PULL_REQUEST_BOT_SESSION_NAME). */
    public readonly botRoleName: pulumi.Output<string>;
    /** `s3://<artifact bucket>/tuning-runner/<sha256>.js` */
    public readonly runnerS3Uri: pulumi.Output<string>;
    /** `s3://<artifact bucket>/tuning-history/` */
    public readonly tuningHistoryUri: pulumi.Output<string>;
    /** The bot's one session (`assumed-role/<bot role>/lambda-power-tuned-bot`): the approval it gives is the tuning verdict. */
    public readonly botSessionArn: pulumi.Output<string>;
    /** The trusted decision function the workflow starts with. */
    public readonly decisionFunctionArn: pulumi.Output<string>;

    constructor(name: string, args: PullRequestWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:PullRequestWorkflow", name, {}, opts);
        const timeouts = { ...PULL_REQUEST_BUILD_TIMEOUT_MINUTES, ...args.buildTimeoutMinutes };
        requireWithinCopySession("deploy", timeouts.deploy);
        requireWithinCopySession("destroy", timeouts.destroy);
        const { repository, production, pullRequests, artifactBucket, stateBucket, tags } = args;
        const accountId = production.accountId;

        // A content-hash key: a changed runner is a new object, and a running build keeps the one it started with.
        const runner = new aws.s3.BucketObjectv2(
            `${name}-runner`,
            {
                bucket: artifactBucket.name,
                key: `${ARTIFACT_LAYOUT.tuningRunnerPrefix}${args.runnerBundle.sha256}.js`,
                source: new pulumi.asset.FileAsset(args.runnerBundle.path),
                contentType: "application/javascript",
                tags,
            },
            { parent: this },
        );
        this.runnerS3Uri = pulumi.interpolate`s3://${runner.bucket}/${runner.key}`;
        this.tuningHistoryUri = pulumi.interpolate`s3://${artifactBucket.name}/${ARTIFACT_LAYOUT.tuningHistoryPrefix}`;

        const project = (suffix: string, spec: Omit<BuildProjectArgs, "accountId" | "tags" | "queuedTimeoutMinutes">) =>
            new BuildProject(`${name}-${suffix}`, { ...spec, queuedTimeoutMinutes: PULL_REQUEST_QUEUED_TIMEOUT_MINUTES, accountId, tags }, { parent: this });
        const copyEnvironment = {
            [BUILD_VARIABLES.stateBucket]: stateBucket.name,
            [RUNNER_ENVIRONMENT.pullRequestNamePrefix]: pullRequests.namePrefix,
            TF_VAR_permissions_boundary_arn: args.functionBoundaries.production,
            [BUILD_VARIABLES.copyBoundaryArn]: args.functionBoundaries.copy,
        };
        const source = { type: "CODECOMMIT", cloneUrlHttp: repository.cloneUrlHttp } as const;
        // Shared by the untrusted builds only: nothing trusted and nothing of production reads it.
        // CodeBuild shares an S3 cache between projects only under one cache namespace and the
        // buildspecs' one cache key (the Terraform release and the lock file's hash).
        const untrustedCache = {
            cache: { location: pulumi.interpolate`${artifactBucket.name}/${PULL_REQUEST_CACHE_PREFIX}`, namespace: `${name}-terraform` },
            statements: buildCacheStatements(artifactBucket.arn, PULL_REQUEST_CACHE_PREFIX),
        };

        const deploy = project("deploy", {
            description: "Untrusted (runs the pull request's files): plans the branch against production, deploys its throw-away copy, hands plan and outputs on.",
            buildspec: pullRequestDeployBuildspec(args.terraform),
            source,
            environmentVariables: {
                ...copyEnvironment,
                [BUILD_VARIABLES.artifactBucket]: artifactBucket.name,
                [BUILD_VARIABLES.productionNamePrefix]: production.namePrefix,
            },
            // Nothing in the namespace: the copy's own credentials come from the workflow (copyRole below).
            statements: [...gitPullStatements(repository.arn), ...pullRequestBuildOutputStatements(artifactBucket.arn), ...untrustedCache.statements],
            cache: untrustedCache.cache,
            buildTimeoutMinutes: timeouts.deploy,
        });
        const destroy = project("destroy", {
            description: "Untrusted (runs the pull request's files): destroys the throw-away copy a deploy build made.",
            buildspec: pullRequestDestroyBuildspec(args.terraform),
            source,
            environmentVariables: copyEnvironment,
            statements: [...gitPullStatements(repository.arn), ...untrustedCache.statements],
            cache: untrustedCache.cache,
            buildTimeoutMinutes: timeouts.destroy,
        });

        // Named in advance: the trusted role may assume it, and only the trusted role is trusted by it.
        const botRoleName = `${production.namePrefix}-pull-request-bot`;
        // Named in advance too: the sweeper reads its running executions, and it starts the sweeper.
        const workflowName = `${production.namePrefix}-pull-request-workflow`;
        const workflowArn = pulumi.interpolate`arn:aws:states:${production.region}:${accountId}:stateMachine:${workflowName}`;
        const botRoleArn = stackRoleArn(accountId, botRoleName);
        const feedback = project("feedback", {
            description: "Trusted (no source, verified runner): comments the plan, tunes the copy, approves or revokes as the pull-request bot.",
            buildspec: pullRequestFeedbackBuildspec(),
            source: { type: "NO_SOURCE" },
            environmentVariables: {
                [RUNNER_ENVIRONMENT.repositoryName]: repository.name,
                [RUNNER_ENVIRONMENT.stateMachineArn]: args.stateMachineArn,
                [BUILD_VARIABLES.artifactBucket]: artifactBucket.name,
                [BUILD_VARIABLES.runnerS3Uri]: this.runnerS3Uri,
                [BUILD_VARIABLES.runnerSha256]: args.runnerBundle.sha256,
                [BUILD_VARIABLES.tuningHistoryUri]: this.tuningHistoryUri,
                [RUNNER_ENVIRONMENT.pullRequestNamePrefix]: pullRequests.namePrefix,
                [RUNNER_ENVIRONMENT.productionNamePrefix]: production.namePrefix,
                [RUNNER_ENVIRONMENT.pullRequestBotRoleArn]: botRoleArn,
                [RUNNER_ENVIRONMENT.tuningBudget]: String(args.tuningCaps.concurrencyBudget),
                [RUNNER_ENVIRONMENT.maxFunctions]: String(args.tuningCaps.maxFunctions),
                [RUNNER_ENVIRONMENT.maxFunctionTimeoutSeconds]: String(args.tuningCaps.maxFunctionTimeoutSeconds),
                [RUNNER_ENVIRONMENT.tuningBudgetLeasesUri]: pulumi.interpolate`s3://${artifactBucket.name}/${ARTIFACT_LAYOUT.tuningBudgetLeasesKey}`,
            },
            statements: [
                ...runnerDownloadStatements(artifactBucket.arn),
                ...tuningBudgetStatements(artifactBucket.arn),
                ...pullRequestBuildInputStatements(artifactBucket.arn),
                ...pullRequestBuildOutputStatements(artifactBucket.arn),
                ...tuningHistoryStatements(artifactBucket.arn),
                ...tuningExecutionStatements(args.stateMachineArn),
                ...functionConfigurationStatements(pullRequests),
                ...lambdaAccountSettingsStatements(),
                ...lambdaMetricsReadStatements(),
                ...repositoryReadStatements(repository.arn),
                ...assumeBotStatements(botRoleArn),
            ],
            buildTimeoutMinutes: timeouts.feedback,
        });
        const sweeper = new PullRequestSweeper(
            `${name}-sweeper`,
            {
                repositoryName: repository.name,
                stateBucket,
                artifactBucket,
                runner: { s3Uri: this.runnerS3Uri, sha256: args.runnerBundle.sha256 },
                production,
                pullRequests,
                botRoleArn,
                workflowArn,
                schedule: args.sweep.schedule,
                copyTtlHours: args.sweep.copyTtlHours,
                buildTimeoutMinutes: timeouts.sweep,
                tags,
            },
            { parent: this },
        );
        const decision = new CopyDecisionFunction(
            `${name}-copy-decision`,
            {
                namePrefix: production.namePrefix,
                runnerBundle: args.runnerBundle,
                repository,
                artifactBucketArn: artifactBucket.arn,
                tuningHistoryUri: this.tuningHistoryUri,
                botRoleArn,
                nonFunctionPaths: args.nonFunctionPaths,
                pullRequestNamePrefix: pullRequests.namePrefix,
                accountId,
                tags,
            },
            { parent: this },
        );
        const bot = new ServiceRole(
            `${name}-bot-role`,
            {
                roleName: botRoleName,
                trust: { roles: [feedback.roleArn, sweeper.roleArn, decision.roleArn], sessionName: PULL_REQUEST_BOT_SESSION_NAME },
                statements: pullRequestBotStatements(repository.arn),
                tags,
            },
            { parent: this },
        );

        // One role for every copy, named in advance (the workflow's role may assume it, and only that
        // role is trusted by it). The workflow hands each untrusted build a session of it whose policy
        // narrows it to that build's copy; the untrusted projects' own roles hold nothing in the namespace.
        const copyRoleName = `${production.namePrefix}-pull-request-copy`;
        const copyRoleArn = stackRoleArn(accountId, copyRoleName);
        const copyStateScope = { productionStateKey: STATE_LAYOUT.productionStateKey, copyStatePrefix: STATE_LAYOUT.pullRequestStatePrefix };
        const workflowRole = new ServiceRole(
            `${name}-workflow-role`,
            {
                trust: { service: "states.amazonaws.com", accountId },
                statements: [
                    ...assumeCopyRoleStatements(copyRoleArn),
                    ...invokeFunctionStatements(decision.functionArn),
                    ...runBuildStatements([deploy.projectArn, feedback.projectArn, destroy.projectArn, sweeper.projectArn], { stop: true }),
                    ...codeBuildSyncRuleStatements(production.region, accountId),
                ],
                tags,
            },
            { parent: this },
        );
        const copyRole = new ServiceRole(
            `${name}-copy-role`,
            {
                roleName: copyRoleName,
                // Each session is named after its copy (copyNamePrefix), so CloudTrail tells the copies apart.
                trust: { roles: [workflowRole.arn], sessionName: { like: `${pullRequests.namePrefix}-*` } },
                statements: copyRoleStatements(pullRequests, { bucketArn: stateBucket.arn, ...copyStateScope }, args.functionBoundaries.copy),
                tags,
            },
            { parent: this },
        );
        const workflow = new aws.sfn.StateMachine(
            `${name}-workflow`,
            {
                name: workflowName,
                type: "STANDARD",
                roleArn: workflowRole.arn,
                definition: pulumi
                    .all([decision.functionArn, deploy.projectName, feedback.projectName, destroy.projectName, sweeper.projectName, copyRole.arn, stateBucket.name])
                    .apply(([decisionFunction, deployProject, feedbackProject, destroyProject, sweepProject, copyRoleArn, stateBucketName]) =>
                        JSON.stringify(
                            pullRequestWorkflowDefinition({
                                decisionFunction,
                                deployProject,
                                feedbackProject,
                                destroyProject,
                                sweepProject,
                                copyRole: { arn: copyRoleArn, session: { stateBucketName, ...copyStateScope } },
                                timeoutSeconds: {
                                    deploy: taskTimeoutSeconds(timeouts.deploy),
                                    feedback: taskTimeoutSeconds(timeouts.feedback),
                                    destroy: taskTimeoutSeconds(timeouts.destroy),
                                    sweep: taskTimeoutSeconds(timeouts.sweep),
                                },
                            }),
                        ),
                    ),
                tags,
            },
            // The roles' policies must exist before the first execution.
            { parent: this, dependsOn: [workflowRole, copyRole] },
        );

        const trigger = new aws.cloudwatch.EventRule(
            `${name}-trigger`,
            {
                description: `Pull requests into ${args.mainBranch} opened or updated: start the pull-request workflow.`,
                // Created and source-updated only: merges, approvals and comments change a PR's
                // state too and must not start anything.
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
                tags,
            },
            { parent: this },
        );
        const triggerRole = new ServiceRole(
            `${name}-trigger-role`,
            { trust: { service: "events.amazonaws.com", accountId }, statements: startExecutionStatements(workflow.arn), tags },
            { parent: this },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-trigger-target`,
            {
                rule: trigger.name,
                arn: workflow.arn,
                roleArn: triggerRole.arn,
                inputTransformer: { inputPaths: EVENT_FIELDS, inputTemplate: WORKFLOW_INPUT_TEMPLATE },
            },
            { parent: this, dependsOn: [triggerRole] },
        );

        this.stateMachineArn = workflow.arn;
        this.deployProjectName = deploy.projectName;
        this.feedbackProjectName = feedback.projectName;
        this.destroyProjectName = destroy.projectName;
        this.sweepProjectName = sweeper.projectName;
        this.feedbackRoleArn = feedback.roleArn;
        this.botRoleName = bot.name;
        this.botSessionArn = bot.arn.apply((arn) => assumedRoleSessionArn(arn, PULL_REQUEST_BOT_SESSION_NAME));
        this.decisionFunctionArn = decision.functionArn;
        this.registerOutputs({
            decisionFunctionArn: this.decisionFunctionArn,
            stateMachineArn: this.stateMachineArn,
            deployProjectName: this.deployProjectName,
            feedbackProjectName: this.feedbackProjectName,
            destroyProjectName: this.destroyProjectName,
            sweepProjectName: this.sweepProjectName,
            feedbackRoleArn: this.feedbackRoleArn,
            botRoleName: this.botRoleName,
            runnerS3Uri: this.runnerS3Uri,
            tuningHistoryUri: this.tuningHistoryUri,
            botSessionArn: this.botSessionArn,
        });
    }
}
