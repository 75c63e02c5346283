import * as assert from "assert";
import { parse } from "yaml";
import { pullRequestBuildspec } from "../../components/buildspecs";
import { DEFAULT_TERRAFORM } from "../../components/config";
import { PULL_REQUEST_STATE_PREFIX } from "../../components/pullRequestTuning";
import { loadFixture } from "../fixtures";
import { matchesEventPattern, transformInput } from "../support/event-pattern";
import { MockedStack, mockedStack, named } from "../support/mocked-stack";
import { TEST_ACCOUNT_ID } from "../support/pulumi-mocks";

const pullRequestCreatedEvent = () => loadFixture("codecommit/pull-request-created-event.json");

/** The inline policy statements of one of the stack's roles. */
function roleStatements(stack: MockedStack, roleName: string): Array<{ Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }> {
    return JSON.parse(named(stack, "aws:iam/rolePolicy:RolePolicy", `${roleName}-policy`).inputs.policy).Statement;
}

describe("pull-request tuning", () => {
    let stack: MockedStack;
    let repositoryArn: string;
    before(async () => {
        stack = await mockedStack();
        repositoryArn = named(stack, "aws:codecommit/repository:Repository", "functions-repository").state.arn;
    });

    describe("the PR build project", () => {
        const project = () => named(stack, "aws:codebuild/project:Project", "pr-tuning-build");

        it("runs on Graviton: ARM_CONTAINER, amazonlinux-aarch64-standard:3.0, small, not privileged", () => {
            const { type, image, computeType, privilegedMode } = project().inputs.environment;
            assert.deepStrictEqual({ type, image, computeType, privilegedMode }, {
                type: "ARM_CONTAINER",
                image: "aws/codebuild/amazonlinux-aarch64-standard:3.0",
                computeType: "BUILD_GENERAL1_SMALL",
                privilegedMode: false,
            });
        });

        it("builds the repository's code with the generated PR buildspec", () => {
            const { source } = project().inputs;
            assert.strictEqual(source.type, "CODECOMMIT");
            assert.strictEqual(source.location, stack.outputs.repositoryCloneUrlHttp);
            assert.strictEqual(source.buildspec, pullRequestBuildspec(DEFAULT_TERRAFORM));
        });

        it("keeps each build's plan and results files in the artifact bucket, unzipped, one folder per build", () => {
            assert.deepStrictEqual(project().inputs.artifacts, {
                type: "S3",
                location: stack.outputs.artifactBucketName,
                path: "pull-request-builds",
                namespaceType: "BUILD_ID",
                packaging: "NONE",
                name: "output",
                encryptionDisabled: false,
            });
            assert.deepStrictEqual(parse(project().inputs.source.buildspec).artifacts.files, ["plan.json", "power-tuning-results.json"]);
        });

        it("gets exactly the agreed environment variables", () => {
            const runner = named(stack, "aws:s3/bucketObjectv2:BucketObjectv2", "pr-tuning-runner");
            const variables = project().inputs.environment.environmentVariables;
            assert.ok(variables.every((variable: { type: string }) => variable.type === "PLAINTEXT"));
            assert.deepStrictEqual(Object.fromEntries(variables.map((variable: { name: string; value: string }) => [variable.name, variable.value])), {
                STATE_MACHINE_ARN: stack.outputs.stateMachineArn,
                REPOSITORY_NAME: "power-tuned-functions",
                TF_STATE_BUCKET: stack.outputs.stateBucketName,
                TUNING_RUNNER_S3_URI: `s3://${stack.outputs.artifactBucketName}/${runner.inputs.key}`,
                TUNING_HISTORY_URI: `s3://${stack.outputs.artifactBucketName}/tuning-history/`,
                TF_VAR_name_prefix: "power-tuned",
                CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
            });
        });

        it("writes its logs to its own log group", () => {
            const logGroup = named(stack, "aws:cloudwatch/logGroup:LogGroup", "pr-tuning-build-logs");
            assert.deepStrictEqual(project().inputs.logsConfig, { cloudwatchLogs: { groupName: logGroup.state.name, status: "ENABLED" } });
            assert.match(logGroup.state.name, /^\/aws\/codebuild\/pr-tuning-build-/);
            assert.strictEqual(logGroup.inputs.retentionInDays, 30);
        });
    });

    describe("the tuning runner upload", () => {
        it("puts the bundle into the artifact bucket under tuning-runner/<sha256>.js", () => {
            const runner = named(stack, "aws:s3/bucketObjectv2:BucketObjectv2", "pr-tuning-runner");
            assert.strictEqual(runner.inputs.bucket, stack.outputs.artifactBucketName);
            assert.match(runner.inputs.key, /^tuning-runner\/[0-9a-f]{64}\.js$/);
            assert.strictEqual(runner.inputs.contentType, "application/javascript");
        });

        it("uploads the bundle the program just built, named after its SHA-256", async () => {
            const runner = named(stack, "aws:s3/bucketObjectv2:BucketObjectv2", "pr-tuning-runner");
            assert.strictEqual(await runner.inputs.source.path, stack.runnerBundle.path);
            assert.strictEqual(runner.inputs.key, `tuning-runner/${stack.runnerBundle.sha256}.js`);
        });
    });

    describe("the trigger", () => {
        const pattern = () => JSON.parse(named(stack, "aws:cloudwatch/eventRule:EventRule", "pr-tuning-trigger").inputs.eventPattern);
        /** The fixture event, as if it came from this stack's repository. */
        const createdEvent = () => ({ ...pullRequestCreatedEvent(), resources: [repositoryArn] });
        const withDetail = (detail: Record<string, unknown>) => {
            const event = createdEvent();
            return { ...event, detail: { ...event.detail, ...detail } };
        };

        it("listens to CodeCommit pull request state changes of this repository, created or source-updated, into main", () => {
            assert.deepStrictEqual(pattern(), {
                source: ["aws.codecommit"],
                "detail-type": ["CodeCommit Pull Request State Change"],
                resources: [repositoryArn],
                detail: {
                    event: ["pullRequestCreated", "pullRequestSourceBranchUpdated"],
                    destinationReference: ["refs/heads/main"],
                },
            });
            assert.strictEqual(named(stack, "aws:cloudwatch/eventRule:EventRule", "pr-tuning-trigger").inputs.state, "ENABLED");
        });

        it("starts a build for a pull request created or updated into main", () => {
            assert.strictEqual(matchesEventPattern(pattern(), createdEvent()), true);
            assert.strictEqual(matchesEventPattern(pattern(), withDetail({ event: "pullRequestSourceBranchUpdated" })), true);
        });

        it("starts nothing on merges, status changes, approvals or comments", () => {
            for (const event of ["pullRequestMergeStatusUpdated", "pullRequestStatusChanged", "pullRequestApprovalStateChanged", "commentOnPullRequestCreated"]) {
                assert.strictEqual(matchesEventPattern(pattern(), withDetail({ event })), false, event);
            }
        });

        it("starts nothing for pull requests into another branch or in another repository", () => {
            assert.strictEqual(matchesEventPattern(pattern(), withDetail({ destinationReference: "refs/heads/develop" })), false);
            assert.strictEqual(matchesEventPattern(pattern(), pullRequestCreatedEvent()), false, "the fixture's own repository");
        });

        it("builds the PR's source commit and passes the PR id and both commits", () => {
            const target = named(stack, "aws:cloudwatch/eventTarget:EventTarget", "pr-tuning-trigger-target");
            const fixture = createdEvent();
            assert.deepStrictEqual(transformInput(target.inputs.inputTransformer, fixture), {
                sourceVersion: fixture.detail.sourceCommit,
                environmentVariablesOverride: [
                    { name: "PULL_REQUEST_ID", value: "7", type: "PLAINTEXT" },
                    { name: "SOURCE_COMMIT", value: fixture.detail.sourceCommit, type: "PLAINTEXT" },
                    { name: "DESTINATION_COMMIT", value: fixture.detail.destinationCommit, type: "PLAINTEXT" },
                ],
            });
        });

        it("targets the PR project through a role that may only start that project", () => {
            const target = named(stack, "aws:cloudwatch/eventTarget:EventTarget", "pr-tuning-trigger-target");
            const project = named(stack, "aws:codebuild/project:Project", "pr-tuning-build");
            const role = named(stack, "aws:iam/role:Role", "pr-tuning-trigger-role");
            assert.strictEqual(target.inputs.rule, "pr-tuning-trigger");
            assert.strictEqual(target.inputs.arn, project.state.arn);
            assert.strictEqual(target.inputs.roleArn, role.state.arn);
            assert.deepStrictEqual(roleStatements(stack, "pr-tuning-trigger-role"), [{ Sid: "StartBuilds", Effect: "Allow", Action: "codebuild:StartBuild", Resource: [project.state.arn] }]);
            assert.strictEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "events.amazonaws.com");
        });
    });

    describe("the merge gate", () => {
        it("requires one approval from the PR build's role for pull requests into main", () => {
            const template = named(stack, "aws:codecommit/approvalRuleTemplate:ApprovalRuleTemplate", "pr-tuning-approval");
            const buildRole = named(stack, "aws:iam/role:Role", "pr-tuning-build-role");
            assert.strictEqual(named(stack, "aws:codebuild/project:Project", "pr-tuning-build").inputs.serviceRole, buildRole.state.arn, "the role the PR build runs as");
            assert.deepStrictEqual(JSON.parse(template.inputs.content), {
                Version: "2018-11-08",
                DestinationReferences: ["refs/heads/main"],
                Statements: [
                    {
                        Type: "Approvers",
                        NumberOfApprovalsNeeded: 1,
                        // Session ARNs carry the role name without its IAM path.
                        ApprovalPoolMembers: [`arn:aws:sts::${TEST_ACCOUNT_ID}:assumed-role/${buildRole.state.name}/*`],
                    },
                ],
            });
        });

        it("is associated with this repository", () => {
            const association = named(stack, "aws:codecommit/approvalRuleTemplateAssociation:ApprovalRuleTemplateAssociation", "pr-tuning-approval-association");
            const template = named(stack, "aws:codecommit/approvalRuleTemplate:ApprovalRuleTemplate", "pr-tuning-approval");
            assert.deepStrictEqual(association.inputs, { approvalRuleTemplateName: template.state.name, repositoryName: "power-tuned-functions" });
        });
    });

    describe("the PR build's permissions", () => {
        const statement = (sid: string) => {
            const found = roleStatements(stack, "pr-tuning-build-role").find((s) => s.Sid === sid);
            assert.ok(found, `statement ${sid}`);
            return found;
        };

        it("may read the PR, comment, edit its comment and approve or revoke, on this repository only", () => {
            assert.deepStrictEqual(statement("PullRequestFeedback"), {
                Sid: "PullRequestFeedback",
                Effect: "Allow",
                Action: [
                    "codecommit:GitPull",
                    "codecommit:GetPullRequest",
                    "codecommit:GetCommentsForPullRequest",
                    "codecommit:PostCommentForPullRequest",
                    "codecommit:UpdateComment",
                    "codecommit:UpdatePullRequestApprovalState",
                ],
                Resource: repositoryArn,
            });
        });

        it("may start this state machine and follow or stop only its executions", () => {
            const stateMachine = stack.outputs.stateMachineArn as string;
            assert.deepStrictEqual(statement("StartTuning").Resource, stateMachine);
            assert.deepStrictEqual(statement("FollowTuning"), {
                Sid: "FollowTuning",
                Effect: "Allow",
                Action: ["states:DescribeExecution", "states:StopExecution", "states:GetExecutionHistory"],
                Resource: `${stateMachine.replace(":stateMachine:", ":execution:")}:*`,
            });
        });

        it("may download the runner, read and write the tuning history and store its own output, nothing else of the artifact bucket", () => {
            const bucket = `arn:aws:s3:::${stack.outputs.artifactBucketName}`;
            assert.deepStrictEqual(statement("StorePullRequestBuildOutput").Action, "s3:PutObject");
            assert.deepStrictEqual(statement("StorePullRequestBuildOutput").Resource, `${bucket}/pull-request-builds/*`);
            assert.deepStrictEqual(statement("DownloadTuningRunner").Resource, `${bucket}/tuning-runner/*`);
            assert.deepStrictEqual(statement("ReadWriteTuningHistory").Action, ["s3:GetObject", "s3:PutObject"]);
            assert.deepStrictEqual(statement("ReadWriteTuningHistory").Resource, `${bucket}/tuning-history/*`);
            assert.deepStrictEqual(statement("ListTuningHistory").Condition, { StringLike: { "s3:prefix": "tuning-history/*" } });
        });

        it("may read production's state but write only its throw-away states, where the buildspec keeps them", () => {
            const bucket = `arn:aws:s3:::${stack.outputs.stateBucketName}`;
            assert.deepStrictEqual(statement("ReadState").Resource, `${bucket}/*`);
            assert.deepStrictEqual(statement("WriteState").Resource, `${bucket}/${PULL_REQUEST_STATE_PREFIX}*`);
            const buildspec = parse(named(stack, "aws:codebuild/project:Project", "pr-tuning-build").inputs.source.buildspec);
            const commands: string[] = Object.values(buildspec.phases).flatMap((phase: any) => [...phase.commands, ...(phase.finally ?? [])]);
            const stateKey = commands.map((command) => /^export TRANSIENT_STATE_KEY="([^"]+)"$/.exec(command)?.[1]).find(Boolean);
            assert.ok(stateKey?.startsWith(PULL_REQUEST_STATE_PREFIX), `the per-build state key ${stateKey} is writable`);
            // Production's state is only planned against, without taking its lock (which would write).
            const productionPlans = commands.filter((command) => command.startsWith("terraform plan"));
            assert.deepStrictEqual(productionPlans, ["terraform plan -lock=false -out=production.tfplan"]);
        });
    });
});
