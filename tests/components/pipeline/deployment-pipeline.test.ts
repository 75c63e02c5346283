import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert";
import { pipelineArtifactFolder } from "../../../components/storage/artifactStorage";
import { terraformApplyBuildspec, terraformDestroyBuildspec, terraformPlanBuildspec } from "../../../components/build/buildspecs";
import { DEFAULT_TERRAFORM } from "../../../components/stack/config";
import { DeploymentPipeline } from "../../../components/pipeline/deploymentPipeline";
import { matchesEventPattern } from "../../support/event-pattern";
import { type MockedStack, mockedStack, named, ofType, repositoryOf } from "../../support/mocked-stack";

interface Action {
    name: string;
    category: string;
    owner: string;
    provider: string;
    version: string;
    inputArtifacts?: string[];
    outputArtifacts?: string[];
    namespace?: string;
    configuration: Record<string, string>;
}

function environment(stack: MockedStack, project: string): Record<string, string> {
    const variables = named(stack, "aws:codebuild/project:Project", project).inputs.environment.environmentVariables;
    return Object.fromEntries(variables.map((variable: { name: string; value: string }) => [variable.name, variable.value]));
}

function statements(
    stack: MockedStack,
    roleName: string,
): Array<{ Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }> {
    return JSON.parse(named(stack, "aws:iam/rolePolicy:RolePolicy", `${roleName}-policy`).inputs.policy).Statement;
}

function statementIds(stack: MockedStack, roleName: string): string[] {
    return statements(stack, roleName).map((statement) => statement.Sid);
}

describe("deployment pipeline", () => {
    let stack: MockedStack;
    let pipeline: { inputs: Record<string, any>; state: Record<string, any> };
    const stages = () => pipeline.inputs.stages as Array<{ name: string; actions: Action[] }>;
    const action = (stage: string) => {
        const found = stages().find((s) => s.name === stage);
        assert.ok(found && found.actions.length === 1, `stage ${stage} with one action`);
        return found.actions[0];
    };
    before(async () => {
        stack = await mockedStack();
        pipeline = named(stack, "aws:codepipeline/pipeline:Pipeline", "deployment");
    });

    it("is a V2 pipeline whose newer runs supersede older ones waiting for approval", () => {
        assert.strictEqual(pipeline.inputs.pipelineType, "V2");
        assert.strictEqual(pipeline.inputs.executionMode, "SUPERSEDED");
        assert.strictEqual(pipeline.inputs.roleArn, named(stack, "aws:iam/role:Role", "deployment-pipeline-role").state.arn);
    });

    it("runs Source → ApproveBuild → Build → ApproveDeploy → Deploy", () => {
        assert.deepStrictEqual(
            stages().map((stage) => stage.name),
            ["Source", "ApproveBuild", "Build", "ApproveDeploy", "Deploy"],
        );
        assert.deepStrictEqual(
            stages().map((stage) => stage.actions.map((a) => `${a.category}/${a.owner}/${a.provider}`)),
            [["Source/AWS/CodeCommit"], ["Approval/AWS/Manual"], ["Build/AWS/CodeBuild"], ["Approval/AWS/Manual"], ["Build/AWS/CodeBuild"]],
        );
    });

    it("takes main from CodeCommit without polling", () => {
        assert.deepStrictEqual(action("Source").configuration, {
            RepositoryName: "power-tuned-functions",
            BranchName: "main",
            PollForSourceChanges: "false",
            OutputArtifactFormat: "CODE_ZIP",
        });
    });

    it("plans in Build and applies exactly Build's output in Deploy", () => {
        const plan = named(stack, "aws:codebuild/project:Project", "deployment-plan");
        const apply = named(stack, "aws:codebuild/project:Project", "deployment-apply");
        assert.deepStrictEqual(action("Build").configuration, { ProjectName: plan.state.name });
        assert.strictEqual(action("Deploy").configuration.ProjectName, apply.state.name);
        assert.deepStrictEqual(action("Source").outputArtifacts, ["source"]);
        assert.deepStrictEqual([action("Build").inputArtifacts, action("Build").outputArtifacts], [["source"], ["plan"]]);
        assert.deepStrictEqual(action("Deploy").inputArtifacts, ["plan"]);
    });

    it("tells the Deploy build which commit of main it deploys, from the Source action's variables", () => {
        assert.strictEqual(action("Source").namespace, "SourceVariables");
        assert.deepStrictEqual(JSON.parse(action("Deploy").configuration.EnvironmentVariables), [
            { name: "DEPLOYED_COMMIT", value: "#{SourceVariables.CommitId}", type: "PLAINTEXT" },
        ]);
    });

    it("only consumes artifacts that an earlier stage produced", () => {
        const produced = new Set<string>();
        for (const stage of stages()) {
            for (const a of stage.actions)
                for (const input of a.inputArtifacts ?? []) assert.ok(produced.has(input), `${a.name} reads ${input} before it exists`);
            for (const a of stage.actions) for (const output of a.outputArtifacts ?? []) produced.add(output);
        }
    });

    it("asks a person before planning and again before applying", () => {
        assert.match(action("ApproveBuild").configuration.CustomData, /terraform plan/);
        assert.match(action("ApproveDeploy").configuration.CustomData, /approving applies exactly that plan/);
    });

    describe("the start on push", () => {
        const pattern = () => JSON.parse(named(stack, "aws:cloudwatch/eventRule:EventRule", "deployment-on-push").inputs.eventPattern);
        const pushEvent = (detail: Record<string, unknown>) => ({
            source: "aws.codecommit",
            "detail-type": "CodeCommit Repository State Change",
            resources: [repositoryOf(stack).arn],
            detail: {
                event: "referenceUpdated",
                referenceType: "branch",
                referenceName: "main",
                commitId: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
                ...detail,
            },
        });

        it("starts the pipeline when main is created or moves", () => {
            assert.strictEqual(matchesEventPattern(pattern(), pushEvent({})), true);
            assert.strictEqual(matchesEventPattern(pattern(), pushEvent({ event: "referenceCreated" })), true);
        });

        it("ignores other branches, tags and deleted branches", () => {
            assert.strictEqual(matchesEventPattern(pattern(), pushEvent({ referenceName: "feature" })), false);
            assert.strictEqual(matchesEventPattern(pattern(), pushEvent({ referenceType: "tag" })), false);
            assert.strictEqual(matchesEventPattern(pattern(), pushEvent({ event: "referenceDeleted" })), false);
        });

        it("starts it through a role that may start only this pipeline", () => {
            const target = named(stack, "aws:cloudwatch/eventTarget:EventTarget", "deployment-on-push-target");
            assert.strictEqual(target.inputs.arn, pipeline.state.arn);
            assert.strictEqual(target.inputs.roleArn, named(stack, "aws:iam/role:Role", "deployment-on-push-role").state.arn);
            const policy = JSON.parse(named(stack, "aws:iam/rolePolicy:RolePolicy", "deployment-on-push-role-policy").inputs.policy);
            assert.deepStrictEqual(policy.Statement, [
                { Sid: "StartPipeline", Effect: "Allow", Action: "codepipeline:StartPipelineExecution", Resource: pipeline.state.arn },
            ]);
        });
    });

    describe("the Terraform build projects", () => {
        it("all run arm64 (amazonlinux-aarch64-standard:3.0, small, not privileged)", () => {
            const projects = ofType(stack, "aws:codebuild/project:Project").filter((project) => project.name.startsWith("deployment-"));
            assert.strictEqual(projects.length, 3);
            for (const project of projects) {
                const { type, image, computeType, privilegedMode } = project.inputs.environment;
                assert.deepStrictEqual(
                    [type, image, computeType, privilegedMode],
                    ["ARM_CONTAINER", "aws/codebuild/amazonlinux-aarch64-standard:3.0", "BUILD_GENERAL1_SMALL", false],
                    project.name,
                );
            }
        });

        it("use the generated buildspecs of the pinned Terraform", () => {
            const buildspecs = Object.fromEntries(
                ofType(stack, "aws:codebuild/project:Project")
                    .filter((p) => p.name.startsWith("deployment-"))
                    .map((p) => [p.name, p.inputs.source.buildspec]),
            );
            assert.deepStrictEqual(buildspecs, {
                "deployment-plan": terraformPlanBuildspec(DEFAULT_TERRAFORM),
                "deployment-apply": terraformApplyBuildspec(DEFAULT_TERRAFORM),
                "deployment-destroy": terraformDestroyBuildspec(DEFAULT_TERRAFORM),
            });
        });

        it("plan and apply take their input from the pipeline; destroy, started by hand, clones main", () => {
            const io = (name: string) => {
                const { source, artifacts, sourceVersion } = named(stack, "aws:codebuild/project:Project", name).inputs;
                return { source: source.type, location: source.location, sourceVersion, artifacts: artifacts.type };
            };
            assert.deepStrictEqual(io("deployment-plan"), {
                source: "CODEPIPELINE",
                location: undefined,
                sourceVersion: undefined,
                artifacts: "CODEPIPELINE",
            });
            assert.deepStrictEqual(io("deployment-apply"), {
                source: "CODEPIPELINE",
                location: undefined,
                sourceVersion: undefined,
                artifacts: "CODEPIPELINE",
            });
            assert.deepStrictEqual(io("deployment-destroy"), {
                source: "CODECOMMIT",
                location: stack.outputs.repositoryCloneUrlHttp,
                sourceVersion: "refs/heads/main",
                artifacts: "NO_ARTIFACTS",
            });
        });

        it("get the state bucket, production's name prefix and the function boundary; apply also the runner with its SHA-256 and the history", () => {
            const terraform = {
                TF_STATE_BUCKET: stack.outputs.stateBucketName,
                TF_VAR_name_prefix: "power-tuned",
                TF_VAR_permissions_boundary_arn: named(stack, "aws:iam/policy:Policy", "function-boundary-policy").state.arn,
                CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
            };
            assert.deepStrictEqual(environment(stack, "deployment-plan"), terraform);
            assert.deepStrictEqual(environment(stack, "deployment-destroy"), terraform);
            assert.deepStrictEqual(environment(stack, "deployment-apply"), {
                ...terraform,
                TUNING_RUNNER_S3_URI: environment(stack, "pr-feedback").TUNING_RUNNER_S3_URI,
                TUNING_RUNNER_SHA256: stack.runnerBundle.sha256,
                TUNING_HISTORY_URI: `s3://${stack.outputs.artifactBucketName}/tuning-history/`,
            });
        });

        it("plan may only read what Terraform manages and write production's lock file; apply and destroy may change them", () => {
            assert.deepStrictEqual(statementIds(stack, "deployment-plan-role"), [
                "WriteBuildLogs",
                "ReadPrefixedFunctions",
                "ReadPrefixedRoles",
                "ReadPrefixedLogGroups",
                "FindLogGroups",
                "ListStateBucket",
                "ReadState",
                "WriteState",
                "LocateArtifactBucket",
                "ReadWritePipelineArtifacts",
            ]);
            const state = `arn:aws:s3:::${stack.outputs.stateBucketName}`;
            assert.deepStrictEqual(statements(stack, "deployment-plan-role").find((s) => s.Sid === "WriteState")?.Resource, [
                `${state}/terraform-lambda/production.tfstate.tflock`,
            ]);
            for (const role of ["deployment-apply-role", "deployment-destroy-role"]) {
                assert.ok(statementIds(stack, role).includes("ManagePrefixedFunctions"), role);
                assert.deepStrictEqual(
                    statements(stack, role).find((s) => s.Sid === "WriteState")?.Resource,
                    [`${state}/terraform-lambda/production.tfstate*`],
                    role,
                );
            }
        });

        it("apply and destroy write role permissions only with the function boundary, and never remove it or rewrite trust", () => {
            const boundary = named(stack, "aws:iam/policy:Policy", "function-boundary-policy").state.arn;
            for (const role of ["deployment-apply-role", "deployment-destroy-role"]) {
                const conditioned = statements(stack, role).find((s) => s.Sid === "WritePrefixedRolesWithBoundary");
                assert.deepStrictEqual(conditioned?.Condition, { StringEquals: { "iam:PermissionsBoundary": boundary } }, role);
                assert.deepStrictEqual(statements(stack, role).find((s) => s.Sid === "NeverRemoveBoundariesOrRewriteTrust")?.Action, [
                    "iam:DeleteRolePermissionsBoundary",
                    "iam:UpdateAssumeRolePolicy",
                ]);
            }
        });

        it("only apply downloads the runner and records production's fingerprints, under production/ only", () => {
            const artifacts = `arn:aws:s3:::${stack.outputs.artifactBucketName}`;
            assert.deepStrictEqual(
                statements(stack, "deployment-apply-role").find((s) => s.Sid === "RecordProduction"),
                {
                    Sid: "RecordProduction",
                    Effect: "Allow",
                    Action: "s3:PutObject",
                    Resource: `${artifacts}/tuning-history/production/*`,
                },
            );
            assert.ok(statementIds(stack, "deployment-apply-role").includes("DownloadTuningRunner"));
            for (const role of ["deployment-plan-role", "deployment-destroy-role"]) {
                assert.ok(!statementIds(stack, role).some((sid) => ["RecordProduction", "DownloadTuningRunner"].includes(sid)), role);
            }
        });

        it("the pipeline's artifacts are read and written only in its own folder", () => {
            const policy = JSON.parse(named(stack, "aws:iam/rolePolicy:RolePolicy", "deployment-pipeline-role-policy").inputs.policy);
            const artifacts = policy.Statement.find((s: { Sid: string }) => s.Sid === "ReadWritePipelineArtifacts");
            assert.strictEqual(artifacts.Resource, `arn:aws:s3:::${stack.outputs.artifactBucketName}/power-tuned-deployme/*`);
        });

        it("refuses an artifact bucket laid out for another pipeline's folder, naming both", () => {
            const bucket = { name: pulumi.output("artifacts"), arn: pulumi.output("arn:aws:s3:::artifacts") };
            assert.throws(
                () =>
                    new DeploymentPipeline("mismatched", {
                        pipelineName: "team-b-deployment",
                        repository: {
                            name: "functions",
                            arn: "arn:aws:codecommit:us-east-1:123456789012:functions",
                            cloneUrlHttp: "https://example.com/functions",
                        },
                        mainBranch: "main",
                        stateBucket: bucket,
                        artifactBucket: { ...bucket, pipelineArtifactFolder: pipelineArtifactFolder("team-a-deployment") },
                        runner: { s3Uri: "s3://artifacts/tuning-runner/x.js", sha256: "0".repeat(64) },
                        tuningHistoryUri: "s3://artifacts/tuning-history/",
                        terraform: DEFAULT_TERRAFORM,
                        scope: { namePrefix: "team", region: "us-east-1", accountId: "123456789012" },
                        functionBoundaryArn: "arn:aws:iam::123456789012:policy/boundary",
                        tags: {},
                    }),
                /DeploymentPipeline "team-b-deployment" keeps its artifacts under "team-b-deployment\/", but the artifact bucket was laid out for "team-a-deployment\/"/,
            );
        });
    });
});
