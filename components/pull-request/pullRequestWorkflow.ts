import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RunnerBundle } from "../../buildscripts/bundle";
import {
    ARTIFACT_LAYOUT,
    assumedRoleSessionArn,
    PULL_REQUEST_BOT_SESSION_NAME,
    PULL_REQUEST_EVENT_FIELDS,
    RUNNER_ENVIRONMENT,
} from "../../buildscripts/contract";
import { type BucketRef, PULL_REQUEST_CACHE_PREFIX, STATE_LAYOUT } from "../storage/artifactStorage";
import { BuildProject, type BuildProjectArgs } from "../build/buildProject";
import {
    BUILD_VARIABLES,
    pullRequestDeployBuildspec,
    pullRequestDestroyBuildspec,
    pullRequestFeedbackBuildspec,
    pullRequestSourceHandOverBuildspec,
} from "../build/buildspecs";
import { CopyDecisionFunction } from "./copyDecisionFunction";
import { COPY_BUCKET_LAYOUT, CopyStorage } from "../copy-account/copyStorage";
import {
    assumeBotStatements,
    assumeCopyAccountRoleStatements,
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
    sourceDownloadStatements,
    sourceHandOverStatements,
    stackRoleArn,
    type Statement,
    startExecutionStatements,
    type TerraformScope,
    tuningExecutionStatements,
    tuningHistoryStatements,
} from "../iam/policies";
import { pullRequestWorkflowDefinition } from "./pullRequestWorkflowDefinition";
import {
    PULL_REQUEST_BUILD_TIMEOUT_MINUTES,
    PULL_REQUEST_QUEUED_TIMEOUT_MINUTES,
    requireWithinCopySession,
    taskTimeoutSeconds,
} from "./timeouts";
import { PullRequestSweeper } from "./pullRequestSweeper";
import { ServiceRole } from "../iam/serviceRole";
import type { TerraformRelease } from "../build/terraformRelease";

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
    /**
     * The copies' names (roles under COPY_ROLE_PATH) and their account: each copy may create, change
     * or delete only its own share of them.
     */
    readonly pullRequests: TerraformScope;
    /**
     * When the copies have an account of their own (`pullRequests.accountId`, config `copyAccount`):
     * its provider, and the role the stack deploys it with. Everything pull-request code runs with then
     * lives there (the deploy and destroy builds, the copy role, the copies' bucket), and the trusted
     * side reaches it only through roles there made for each trusted identity. Default: one account.
     */
    readonly copyAccount?: { readonly provider: pulumi.ProviderResource; readonly deployRoleArn: pulumi.Input<string> };
    /** Keep the copies' bucket (in their own account) on `pulumi destroy`. Default false. */
    readonly retainData?: boolean;
    /**
     * The permissions boundaries (FunctionBoundary): every role a copy creates must carry `copy`; the
     * deploy's plan against production names production's.
     */
    readonly functionBoundaries: { readonly production: pulumi.Input<string>; readonly copy: pulumi.Input<string> };
    /**
     * Build timeouts in minutes. Default PULL_REQUEST_BUILD_TIMEOUT_MINUTES: deploy 30, feedback 60
     * (tuning takes a while), destroy 30, sweep 15, source 10 (the hand-over, with copyAccount only);
     * config.ts checks the copies' TTL against them.
     * Deploy and destroy, queue included, must end within their one-hour copy credentials.
     */
    readonly buildTimeoutMinutes?: {
        readonly deploy?: number;
        readonly feedback?: number;
        readonly destroy?: number;
        readonly sweep?: number;
        readonly source?: number;
    };
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
export const WORKFLOW_INPUT_TEMPLATE = JSON.stringify(
    Object.fromEntries(Object.keys(EVENT_FIELDS).map((field) => [field, `<${field}>`])),
).replace(/"(<\w+>)"/g, "$1");

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
        const copyAccount = args.copyAccount;
        // Everything pull-request code runs with is created here: the copies' account when they have
        // one, production's otherwise.
        const inCopyAccount: pulumi.ComponentResourceOptions =
            copyAccount === undefined ? { parent: this } : { parent: this, providers: [copyAccount.provider] };

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

        // Named in advance: trust policies, the workflow's definition and the runner name them.
        const workflowName = `${production.namePrefix}-pull-request-workflow`;
        const workflowArn = pulumi.interpolate`arn:aws:states:${production.region}:${accountId}:stateMachine:${workflowName}`;
        // The one external ID every role of the copies' account requires: Step Functions sends the
        // state machine's ARN when it assumes a task's role, and the runner and the workflow send it too.
        const externalId = workflowArn;
        const botRoleName = `${production.namePrefix}-pull-request-bot`;
        const botRoleArn = stackRoleArn(accountId, botRoleName);
        const copyRoleName = `${production.namePrefix}-pull-request-copy`;
        const copyRoleArn = stackRoleArn(pullRequests.accountId, copyRoleName);
        const copyAccessRole = (suffix: string) => {
            const roleName = `${production.namePrefix}-pull-request-${suffix}-access`;
            return { roleName, arn: stackRoleArn(pullRequests.accountId, roleName) };
        };
        const workflowAccess = copyAccessRole("workflow");
        const feedbackAccess = copyAccessRole("feedback");
        const sourceAccess = copyAccessRole("source");

        // Where the copies' state, the deploy's files and the untrusted cache live: one bucket of the
        // copies' own account, or production's two buckets.
        const copyStorage =
            copyAccount === undefined
                ? undefined
                : new CopyStorage(
                      `${name}-copy-storage`,
                      { sourceWriterRoleArn: sourceAccess.arn, deployer: copyAccount.deployRoleArn, retainData: args.retainData, tags },
                      inCopyAccount,
                  );
        const copiesState = copyStorage?.bucket ?? stateBucket;
        const handedOn = copyStorage?.bucket ?? artifactBucket;

        const project = (
            suffix: string,
            spec: Omit<BuildProjectArgs, "accountId" | "tags" | "queuedTimeoutMinutes">,
            where: "production" | "copies" = "production",
        ) =>
            new BuildProject(
                `${name}-${suffix}`,
                {
                    ...spec,
                    queuedTimeoutMinutes: PULL_REQUEST_QUEUED_TIMEOUT_MINUTES,
                    accountId: where === "copies" ? pullRequests.accountId : accountId,
                    tags,
                },
                where === "copies" ? inCopyAccount : { parent: this },
            );
        const copyEnvironment = {
            [BUILD_VARIABLES.stateBucket]: copiesState.name,
            [RUNNER_ENVIRONMENT.pullRequestNamePrefix]: pullRequests.namePrefix,
            // The plan against production, in production's account only.
            ...(copyAccount === undefined && { TF_VAR_permissions_boundary_arn: args.functionBoundaries.production }),
            [BUILD_VARIABLES.copyBoundaryArn]: args.functionBoundaries.copy,
        };
        // In the copies' own account a project cannot clone production's repository: it reads the
        // source the workflow names for each build, handed over by the trusted side.
        const source =
            copyAccount === undefined
                ? ({ type: "CODECOMMIT", cloneUrlHttp: repository.cloneUrlHttp } as const)
                : ({ type: "S3", location: pulumi.interpolate`${handedOn.name}/${COPY_BUCKET_LAYOUT.sourcesPrefix}` } as const);
        const sourceStatements: Statement[] =
            copyAccount === undefined
                ? gitPullStatements(repository.arn)
                : sourceDownloadStatements(handedOn.arn, COPY_BUCKET_LAYOUT.sourcesPrefix);
        // Shared by the untrusted builds only: nothing trusted and nothing of production reads it.
        // CodeBuild shares an S3 cache between projects only under one cache namespace and the
        // buildspecs' one cache key (the Terraform release and the lock file's hash).
        const untrustedCache = {
            cache: { location: pulumi.interpolate`${handedOn.name}/${PULL_REQUEST_CACHE_PREFIX}`, namespace: `${name}-terraform` },
            statements: buildCacheStatements(handedOn.arn, PULL_REQUEST_CACHE_PREFIX),
        };

        const deploy = project(
            "deploy",
            {
                description:
                    copyAccount === undefined
                        ? "Untrusted (runs the pull request's files): plans the branch against production, deploys its throw-away copy, hands plan and outputs on."
                        : "Untrusted (runs the pull request's files, in the copies' own account): deploys its throw-away copy, hands its outputs on.",
                buildspec: pullRequestDeployBuildspec(args.terraform, copyAccount === undefined ? "production's account" : "own account"),
                source,
                environmentVariables: {
                    ...copyEnvironment,
                    [BUILD_VARIABLES.artifactBucket]: handedOn.name,
                    [BUILD_VARIABLES.productionNamePrefix]: production.namePrefix,
                },
                // Nothing in the namespace: the copy's own credentials come from the workflow (copyRole below).
                statements: [...sourceStatements, ...pullRequestBuildOutputStatements(handedOn.arn), ...untrustedCache.statements],
                cache: untrustedCache.cache,
                buildTimeoutMinutes: timeouts.deploy,
            },
            "copies",
        );
        const destroy = project(
            "destroy",
            {
                description: "Untrusted (runs the pull request's files): destroys the throw-away copy a deploy build made.",
                buildspec: pullRequestDestroyBuildspec(args.terraform),
                source,
                environmentVariables: copyEnvironment,
                statements: [...sourceStatements, ...untrustedCache.statements],
                cache: untrustedCache.cache,
                buildTimeoutMinutes: timeouts.destroy,
            },
            "copies",
        );

        // Trusted (production's account): the copies' own account cannot clone the repository, so this
        // build checks the source commit out and hands it over as an archive, running none of it.
        const handOver =
            copyAccount === undefined
                ? undefined
                : project("source", {
                      description:
                          "Trusted (checks out, never runs, the pull request's files): hands the source commit over to the copies' account as an archive.",
                      buildspec: pullRequestSourceHandOverBuildspec(),
                      source: { type: "CODECOMMIT", cloneUrlHttp: repository.cloneUrlHttp },
                      environmentVariables: {
                          [RUNNER_ENVIRONMENT.copyAccountRoleArn]: sourceAccess.arn,
                          [RUNNER_ENVIRONMENT.copyAccountExternalId]: externalId,
                      },
                      statements: [...gitPullStatements(repository.arn), ...assumeCopyAccountRoleStatements(sourceAccess.arn)],
                      buildTimeoutMinutes: timeouts.source,
                  });

        // What the trusted step does to the copies: in their own account through its access role there.
        const feedbackOnCopies = [
            ...pullRequestBuildInputStatements(handedOn.arn),
            ...tuningExecutionStatements(args.stateMachineArn),
            ...functionConfigurationStatements(pullRequests),
            ...lambdaAccountSettingsStatements(),
        ];
        const feedback = project("feedback", {
            description:
                "Trusted (no source, verified runner): comments the plan, tunes the copy, approves or revokes as the pull-request bot.",
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
                ...(copyAccount !== undefined && {
                    [RUNNER_ENVIRONMENT.copyAccountRoleArn]: feedbackAccess.arn,
                    [RUNNER_ENVIRONMENT.copyAccountExternalId]: externalId,
                    [RUNNER_ENVIRONMENT.deployFilesBucket]: handedOn.name,
                }),
            },
            statements: [
                ...runnerDownloadStatements(artifactBucket.arn),
                ...tuningBudgetStatements(artifactBucket.arn),
                ...pullRequestBuildOutputStatements(artifactBucket.arn),
                ...tuningHistoryStatements(artifactBucket.arn),
                ...(copyAccount === undefined ? feedbackOnCopies : assumeCopyAccountRoleStatements(feedbackAccess.arn)),
                // Production's traffic, for the monthly cost: production's account.
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
                stateBucket: copiesState,
                artifactBucket,
                runner: { s3Uri: this.runnerS3Uri, sha256: args.runnerBundle.sha256 },
                production,
                pullRequests,
                copyAccount: copyAccount === undefined ? undefined : { provider: copyAccount.provider, externalId },
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
        // In the copies' own account nothing of production is readable: no plan against production's state.
        const copyStateScope = {
            ...(copyAccount === undefined && { productionStateKey: STATE_LAYOUT.productionStateKey }),
            copyStatePrefix: COPY_BUCKET_LAYOUT.copyStatePrefix,
        };
        const workflowRole = new ServiceRole(
            `${name}-workflow-role`,
            {
                trust: { service: "states.amazonaws.com", accountId },
                statements: [
                    ...assumeCopyRoleStatements(copyRoleArn),
                    ...invokeFunctionStatements(decision.functionArn),
                    ...runBuildStatements(
                        handOver === undefined
                            ? [deploy.projectArn, feedback.projectArn, destroy.projectArn, sweeper.projectArn]
                            : [handOver.projectArn, feedback.projectArn, sweeper.projectArn],
                        { stop: true },
                    ),
                    ...(copyAccount === undefined ? [] : assumeCopyAccountRoleStatements(workflowAccess.arn)),
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
                trust: {
                    roles: [workflowRole.arn],
                    sessionName: { like: `${pullRequests.namePrefix}-*` },
                    ...(copyAccount !== undefined && { externalId }),
                },
                statements: copyRoleStatements(
                    pullRequests,
                    { bucketArn: copiesState.arn, ...copyStateScope },
                    args.functionBoundaries.copy,
                ),
                tags,
            },
            inCopyAccount,
        );
        const workflowAccessRole =
            copyAccount === undefined
                ? undefined
                : new ServiceRole(
                      `${name}-workflow-access-role`,
                      {
                          roleName: workflowAccess.roleName,
                          // Step Functions polls a build of another account (no EventBridge rule there).
                          trust: { roles: [workflowRole.arn], externalId },
                          statements: runBuildStatements([deploy.projectArn, destroy.projectArn], { stop: true }),
                          tags,
                      },
                      inCopyAccount,
                  );
        if (copyAccount !== undefined && handOver !== undefined) {
            new ServiceRole(
                `${name}-feedback-access-role`,
                { roleName: feedbackAccess.roleName, trust: { roles: [feedback.roleArn], externalId }, statements: feedbackOnCopies, tags },
                inCopyAccount,
            );
            new ServiceRole(
                `${name}-source-access-role`,
                {
                    roleName: sourceAccess.roleName,
                    trust: { roles: [handOver.roleArn], externalId },
                    statements: sourceHandOverStatements(handedOn.arn, COPY_BUCKET_LAYOUT.sourcesPrefix),
                    tags,
                },
                inCopyAccount,
            );
        }
        const workflow = new aws.sfn.StateMachine(
            `${name}-workflow`,
            {
                name: workflowName,
                type: "STANDARD",
                roleArn: workflowRole.arn,
                definition: pulumi
                    .all([
                        decision.functionArn,
                        deploy.projectName,
                        feedback.projectName,
                        destroy.projectName,
                        sweeper.projectName,
                        copyRole.arn,
                        copiesState.name,
                        workflowArn,
                        handedOn.name,
                        workflowAccess.arn,
                        handOver?.projectName ?? "",
                    ])
                    .apply(
                        ([
                            decisionFunction,
                            deployProject,
                            feedbackProject,
                            destroyProject,
                            sweepProject,
                            copyRoleArn,
                            stateBucketName,
                            workflowArnValue,
                            handedOnBucket,
                            workflowAccessArn,
                            handOverProject,
                        ]) =>
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
                                    ...(handOverProject !== "" && {
                                        copyAccount: {
                                            taskRoleArn: workflowAccessArn,
                                            externalId: workflowArnValue,
                                            sourceFolder: `${handedOnBucket}/${COPY_BUCKET_LAYOUT.sourcesPrefix}`,
                                            handOver: { project: handOverProject, timeoutSeconds: taskTimeoutSeconds(timeouts.source) },
                                        },
                                    }),
                                }),
                            ),
                    ),
                tags,
            },
            // The roles' policies must exist before the first execution.
            { parent: this, dependsOn: [workflowRole, copyRole, ...(workflowAccessRole === undefined ? [] : [workflowAccessRole])] },
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
