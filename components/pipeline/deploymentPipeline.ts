import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type ArtifactBucket, type BucketRef, pipelineArtifactFolder, STATE_LAYOUT } from "../storage/artifactStorage";
import { BuildProject, type BuildProjectArgs } from "../build/buildProject";
import {
    BUILD_VARIABLES,
    DEPLOYED_COMMIT_VARIABLE,
    terraformApplyBuildspec,
    terraformDestroyBuildspec,
    terraformPlanBuildspec,
} from "../build/buildspecs";
import {
    gitPullStatements,
    pipelineArtifactStatements,
    pipelineSourceStatements,
    productionRecordStatements,
    runBuildStatements,
    runnerDownloadStatements,
    startPipelineStatements,
    terraformManagedResourcesStatements,
    type TerraformScope,
    terraformStateStatements,
} from "../iam/policies";
import { ServiceRole } from "../iam/serviceRole";
import type { TerraformRelease } from "../build/terraformRelease";

/** Namespace of the Source action's output variables (CommitId, BranchName, …). */
export const SOURCE_VARIABLES_NAMESPACE = "SourceVariables";

export interface DeploymentPipelineArgs {
    /** Physical pipeline name: the one the artifact bucket was laid out for. */
    readonly pipelineName: string;
    readonly repository: {
        readonly name: pulumi.Input<string>;
        readonly arn: pulumi.Input<string>;
        readonly cloneUrlHttp: pulumi.Input<string>;
    };
    /** Pushes to this branch start the pipeline; the destroy project works on it too. */
    readonly mainBranch: string;
    readonly stateBucket: BucketRef;
    /** Where the pipeline keeps its artifacts, in the folder the bucket expires. */
    readonly artifactBucket: ArtifactBucket;
    /** The runner the Deploy build downloads, verifies and runs to record production's fingerprints. */
    readonly runner: { readonly s3Uri: pulumi.Input<string>; readonly sha256: string };
    readonly tuningHistoryUri: pulumi.Input<string>;
    readonly terraform: TerraformRelease;
    /** Production's names, account and region. */
    readonly scope: TerraformScope;
    /** The permissions boundary every role Terraform creates must carry. */
    readonly functionBoundaryArn: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * Source (main) → ApproveBuild → Build (terraform plan) → ApproveDeploy → Deploy (apply of
 * exactly that plan), plus a DestroyTerraform project run by hand before tearing the stack down.
 */
export class DeploymentPipeline extends pulumi.ComponentResource {
    public readonly pipelineName: pulumi.Output<string>;
    public readonly pipelineArn: pulumi.Output<string>;
    public readonly planProjectName: pulumi.Output<string>;
    public readonly applyProjectName: pulumi.Output<string>;
    public readonly destroyProjectName: pulumi.Output<string>;
    /** The roles that may write production's state (the plan only its lock file). */
    public readonly stateWriterRoleArns: pulumi.Output<string>[];
    /** The role that records production's fingerprints in the tuning history. */
    public readonly applyRoleArn: pulumi.Output<string>;

    constructor(name: string, args: DeploymentPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:DeploymentPipeline", name, {}, opts);
        const { scope, repository, stateBucket, artifactBucket, terraform, tags } = args;
        const artifactFolder = artifactBucket.pipelineArtifactFolder;
        if (pipelineArtifactFolder(args.pipelineName) !== artifactFolder) {
            // The roles would be limited to, and the bucket would expire, a folder CodePipeline never writes.
            throw new Error(
                `DeploymentPipeline ${JSON.stringify(args.pipelineName)} keeps its artifacts under ${JSON.stringify(pipelineArtifactFolder(args.pipelineName))}, ` +
                    `but the artifact bucket was laid out for ${JSON.stringify(artifactFolder)}: give ArtifactStorage the same pipelineName`,
            );
        }
        const terraformEnvironment = {
            [BUILD_VARIABLES.stateBucket]: stateBucket.name,
            TF_VAR_name_prefix: scope.namePrefix,
            TF_VAR_permissions_boundary_arn: args.functionBoundaryArn,
        };
        const productionState = STATE_LAYOUT.productionStateKey;
        const pipelineArtifacts = pipelineArtifactStatements(artifactBucket.arn, artifactFolder);
        const project = (suffix: string, spec: Omit<BuildProjectArgs, "accountId" | "tags">) =>
            new BuildProject(`${name}-${suffix}`, { ...spec, accountId: scope.accountId, tags }, { parent: this });

        const plan = project("plan", {
            description: "terraform plan of main; the saved plan, lock file and sources become the Deploy input.",
            buildspec: terraformPlanBuildspec(terraform),
            source: { type: "CODEPIPELINE" },
            environmentVariables: terraformEnvironment,
            statements: [
                ...terraformManagedResourcesStatements(scope, "plan"),
                // The plan takes the state's S3 lock, so it may write the lock file and nothing else.
                ...terraformStateStatements(stateBucket.arn, { readable: [productionState], writable: [`${productionState}.tflock`] }),
                ...pipelineArtifacts,
            ],
        });
        const apply = project("apply", {
            description: "terraform apply of exactly the approved plan, then records production's tuning fingerprints.",
            buildspec: terraformApplyBuildspec(terraform),
            source: { type: "CODEPIPELINE" },
            environmentVariables: {
                ...terraformEnvironment,
                [BUILD_VARIABLES.runnerS3Uri]: args.runner.s3Uri,
                [BUILD_VARIABLES.runnerSha256]: args.runner.sha256,
                [BUILD_VARIABLES.tuningHistoryUri]: args.tuningHistoryUri,
            },
            statements: [
                ...terraformManagedResourcesStatements(scope, "apply", args.functionBoundaryArn),
                ...terraformStateStatements(stateBucket.arn, { readable: [], writable: [`${productionState}*`] }),
                ...pipelineArtifacts,
                ...runnerDownloadStatements(artifactBucket.arn),
                ...productionRecordStatements(artifactBucket.arn),
            ],
        });
        const destroy = project("destroy", {
            description: "DestroyTerraform: run by hand to destroy what main's Terraform deployed, before pulumi destroy.",
            buildspec: terraformDestroyBuildspec(terraform),
            source: { type: "CODECOMMIT", cloneUrlHttp: repository.cloneUrlHttp, sourceVersion: `refs/heads/${args.mainBranch}` },
            environmentVariables: terraformEnvironment,
            statements: [
                ...gitPullStatements(repository.arn),
                ...terraformManagedResourcesStatements(scope, "apply", args.functionBoundaryArn),
                ...terraformStateStatements(stateBucket.arn, { readable: [], writable: [`${productionState}*`] }),
            ],
        });

        const pipelineRole = new ServiceRole(
            `${name}-pipeline-role`,
            {
                trust: { service: "codepipeline.amazonaws.com", accountId: scope.accountId },
                statements: [
                    ...pipelineSourceStatements(repository.arn),
                    ...runBuildStatements([plan.projectArn, apply.projectArn], { stop: false }),
                    ...pipelineArtifacts,
                ],
                tags,
            },
            { parent: this },
        );
        const manualApproval = (actionName: string, customData: string) => ({
            name: actionName,
            category: "Approval",
            owner: "AWS",
            provider: "Manual",
            version: "1",
            configuration: { CustomData: customData },
        });
        const codeBuild = (
            actionName: string,
            projectName: pulumi.Input<string>,
            input: string,
            output?: string,
            environment?: Record<string, string>,
        ) => ({
            name: actionName,
            category: "Build",
            owner: "AWS",
            provider: "CodeBuild",
            version: "1",
            inputArtifacts: [input],
            outputArtifacts: output ? [output] : [],
            configuration: {
                ProjectName: projectName,
                ...(environment && {
                    EnvironmentVariables: JSON.stringify(
                        Object.entries(environment).map(([name, value]) => ({ name, value, type: "PLAINTEXT" })),
                    ),
                }),
            },
        });
        const pipeline = new aws.codepipeline.Pipeline(
            name,
            {
                name: args.pipelineName,
                pipelineType: "V2",
                // A newer commit replaces an older one still waiting for approval: stale plans are never applied.
                executionMode: "SUPERSEDED",
                roleArn: pipelineRole.arn,
                artifactStores: [{ type: "S3", location: artifactBucket.name }],
                stages: [
                    {
                        name: "Source",
                        actions: [
                            {
                                name: "Source",
                                category: "Source",
                                owner: "AWS",
                                provider: "CodeCommit",
                                version: "1",
                                outputArtifacts: ["source"],
                                // Its output variables (CommitId) reach later stages as #{SourceVariables.*}.
                                namespace: SOURCE_VARIABLES_NAMESPACE,
                                // Started by the EventBridge rule below instead of polling.
                                configuration: {
                                    RepositoryName: repository.name,
                                    BranchName: args.mainBranch,
                                    PollForSourceChanges: "false",
                                    OutputArtifactFormat: "CODE_ZIP",
                                },
                            },
                        ],
                    },
                    {
                        name: "ApproveBuild",
                        actions: [manualApproval("ApproveBuild", "Approve to run terraform plan for this commit of main.")],
                    },
                    { name: "Build", actions: [codeBuild("TerraformPlan", plan.projectName, "source", "plan")] },
                    {
                        name: "ApproveDeploy",
                        actions: [
                            manualApproval(
                                "ApproveDeploy",
                                "Read the plan in the TerraformPlan build log; approving applies exactly that plan.",
                            ),
                        ],
                    },
                    {
                        name: "Deploy",
                        actions: [
                            codeBuild("TerraformApply", apply.projectName, "plan", undefined, {
                                [DEPLOYED_COMMIT_VARIABLE]: `#{${SOURCE_VARIABLES_NAMESPACE}.CommitId}`,
                            }),
                        ],
                    },
                ],
                tags,
            },
            // The role's policy must exist before the pipeline's first (automatic) run.
            { parent: this, dependsOn: [pipelineRole] },
        );

        const onPush = new aws.cloudwatch.EventRule(
            `${name}-on-push`,
            {
                description: `Commits to ${args.mainBranch}: start the deployment pipeline.`,
                eventPattern: pulumi.jsonStringify({
                    source: ["aws.codecommit"],
                    "detail-type": ["CodeCommit Repository State Change"],
                    resources: [repository.arn],
                    detail: {
                        event: ["referenceCreated", "referenceUpdated"],
                        referenceType: ["branch"],
                        referenceName: [args.mainBranch],
                    },
                }),
                state: "ENABLED",
                tags,
            },
            { parent: this },
        );
        const onPushRole = new ServiceRole(
            `${name}-on-push-role`,
            {
                trust: { service: "events.amazonaws.com", accountId: scope.accountId },
                statements: startPipelineStatements(pipeline.arn),
                tags,
            },
            { parent: this },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-on-push-target`,
            { rule: onPush.name, arn: pipeline.arn, roleArn: onPushRole.arn },
            { parent: this, dependsOn: [onPushRole] },
        );

        this.pipelineName = pipeline.name;
        this.pipelineArn = pipeline.arn;
        this.planProjectName = plan.projectName;
        this.applyProjectName = apply.projectName;
        this.destroyProjectName = destroy.projectName;
        this.stateWriterRoleArns = [plan.roleArn, apply.roleArn, destroy.roleArn];
        this.applyRoleArn = apply.roleArn;
        this.registerOutputs({
            pipelineName: this.pipelineName,
            pipelineArn: this.pipelineArn,
            planProjectName: this.planProjectName,
            applyProjectName: this.applyProjectName,
            destroyProjectName: this.destroyProjectName,
            stateWriterRoleArns: this.stateWriterRoleArns,
            applyRoleArn: this.applyRoleArn,
        });
    }
}
