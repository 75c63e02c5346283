import * as assert from "node:assert";
import { PULL_REQUEST_BOT_SESSION_NAME } from "../../../buildscripts/contract";
import {
    pullRequestDeployBuildspec,
    pullRequestDestroyBuildspec,
    pullRequestFeedbackBuildspec,
    pullRequestSweepBuildspec,
} from "../../../components/build/buildspecs";
import { DEFAULT_TERRAFORM } from "../../../components/stack/config";
import { pullRequestWorkflowDefinition } from "../../../components/pull-request/pullRequestWorkflowDefinition";
import { COPY_SESSION_SECONDS } from "../../../components/pull-request/timeouts";
import { loadFixture } from "../../fixtures";
import { matchesEventPattern, transformInput } from "../../support/event-pattern";
import { type MockedStack, mockedStack, named, repositoryOf } from "../../support/mocked-stack";
import { TEST_ACCOUNT_ID } from "../../support/pulumi-mocks";

const pullRequestCreatedEvent = () => loadFixture("codecommit/pull-request-created-event.json");

/** The inline policy statements of one of the stack's roles. */
function roleStatements(
    stack: MockedStack,
    roleName: string,
): Array<{ Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }> {
    return JSON.parse(named(stack, "aws:iam/rolePolicy:RolePolicy", `${roleName}-policy`).inputs.policy).Statement;
}

function environment(stack: MockedStack, project: string): Record<string, string> {
    const variables = named(stack, "aws:codebuild/project:Project", project).inputs.environment.environmentVariables;
    assert.ok(variables.every((variable: { type: string }) => variable.type === "PLAINTEXT"));
    return Object.fromEntries(variables.map((variable: { name: string; value: string }) => [variable.name, variable.value]));
}

describe("pull-request workflow", () => {
    let stack: MockedStack;
    let repositoryArn: string;
    const project = (name: string) => named(stack, "aws:codebuild/project:Project", name);
    const boundaryArn = () => named(stack, "aws:iam/policy:Policy", "function-boundary-policy").state.arn;
    const copyBoundaryArn = () => named(stack, "aws:iam/policy:Policy", "function-boundary-copy").state.arn;
    before(async () => {
        stack = await mockedStack();
        repositoryArn = repositoryOf(stack).arn;
    });

    describe("the three builds", () => {
        it("run on Graviton: ARM_CONTAINER, amazonlinux-aarch64-standard:3.0, small, not privileged", () => {
            for (const name of ["pr-deploy", "pr-feedback", "pr-destroy", "pr-sweeper"]) {
                const { type, image, computeType, privilegedMode } = project(name).inputs.environment;
                assert.deepStrictEqual(
                    [type, image, computeType, privilegedMode],
                    ["ARM_CONTAINER", "aws/codebuild/amazonlinux-aarch64-standard:3.0", "BUILD_GENERAL1_SMALL", false],
                    name,
                );
            }
        });

        it("deploy and destroy check out the repository (the PR's files); feedback has no source at all", () => {
            const source = (name: string) => ({
                type: project(name).inputs.source.type,
                location: project(name).inputs.source.location,
                artifacts: project(name).inputs.artifacts.type,
            });
            assert.deepStrictEqual(source("pr-deploy"), {
                type: "CODECOMMIT",
                location: stack.outputs.repositoryCloneUrlHttp,
                artifacts: "NO_ARTIFACTS",
            });
            assert.deepStrictEqual(source("pr-destroy"), {
                type: "CODECOMMIT",
                location: stack.outputs.repositoryCloneUrlHttp,
                artifacts: "NO_ARTIFACTS",
            });
            assert.deepStrictEqual(source("pr-feedback"), { type: "NO_SOURCE", location: undefined, artifacts: "NO_ARTIFACTS" });
        });

        it("use the generated buildspecs", () => {
            assert.strictEqual(project("pr-deploy").inputs.source.buildspec, pullRequestDeployBuildspec(DEFAULT_TERRAFORM));
            assert.strictEqual(project("pr-destroy").inputs.source.buildspec, pullRequestDestroyBuildspec(DEFAULT_TERRAFORM));
            assert.strictEqual(project("pr-feedback").inputs.source.buildspec, pullRequestFeedbackBuildspec());
        });

        it("the untrusted builds get the two namespaces and the two boundaries (production's for the plan, the copies' for the copy), nothing of the runner", () => {
            const copy = {
                TF_STATE_BUCKET: stack.outputs.stateBucketName,
                PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
                TF_VAR_permissions_boundary_arn: boundaryArn(),
                COPY_PERMISSIONS_BOUNDARY_ARN: copyBoundaryArn(),
                CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
            };
            assert.deepStrictEqual(environment(stack, "pr-deploy"), {
                ...copy,
                ARTIFACT_BUCKET: stack.outputs.artifactBucketName,
                PRODUCTION_NAME_PREFIX: "power-tuned",
            });
            assert.deepStrictEqual(environment(stack, "pr-destroy"), copy);
        });

        it("the trusted build gets the runner with its SHA-256, the namespace its copy's prefix is formed in, production's prefix and the bot it acts as", () => {
            const runner = named(stack, "aws:s3/bucketObjectv2:BucketObjectv2", "pr-runner");
            assert.deepStrictEqual(environment(stack, "pr-feedback"), {
                REPOSITORY_NAME: "power-tuned-functions",
                STATE_MACHINE_ARN: stack.outputs.stateMachineArn,
                ARTIFACT_BUCKET: stack.outputs.artifactBucketName,
                TUNING_RUNNER_S3_URI: `s3://${stack.outputs.artifactBucketName}/${runner.inputs.key}`,
                TUNING_RUNNER_SHA256: stack.runnerBundle.sha256,
                TUNING_CONCURRENCY_BUDGET: "100",
                TUNING_MAX_FUNCTIONS: "10",
                TUNING_MAX_FUNCTION_TIMEOUT_SECONDS: "300",
                TUNING_BUDGET_LEASES_URI: `s3://${stack.outputs.artifactBucketName}/tuning-budget/leases.json`,
                TUNING_HISTORY_URI: `s3://${stack.outputs.artifactBucketName}/tuning-history/`,
                PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
                PRODUCTION_NAME_PREFIX: "power-tuned",
                PULL_REQUEST_BOT_ROLE_ARN: named(stack, "aws:iam/role:Role", "pr-bot-role").state.arn,
                CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
            });
        });

        it("each writes its logs to its own log group", () => {
            for (const name of ["pr-deploy", "pr-feedback", "pr-destroy", "pr-sweeper"]) {
                const logGroup = named(stack, "aws:cloudwatch/logGroup:LogGroup", `${name}-logs`);
                assert.deepStrictEqual(project(name).inputs.logsConfig, {
                    cloudwatchLogs: { groupName: logGroup.state.name, status: "ENABLED" },
                });
            }
        });
    });

    describe("the tuning runner upload", () => {
        it("uploads the bundle the program just built to tuning-runner/<its sha256>.js", async () => {
            const runner = named(stack, "aws:s3/bucketObjectv2:BucketObjectv2", "pr-runner");
            assert.strictEqual(runner.inputs.bucket, stack.outputs.artifactBucketName);
            assert.strictEqual(await runner.inputs.source.path, stack.runnerBundle.path);
            assert.strictEqual(runner.inputs.key, `tuning-runner/${stack.runnerBundle.sha256}.js`);
            assert.strictEqual(runner.inputs.contentType, "application/javascript");
        });
    });

    describe("the state machine", () => {
        it("is a standard workflow running the four projects, with the definition the pure function gives", () => {
            const workflow = named(stack, "aws:sfn/stateMachine:StateMachine", "pr-workflow");
            assert.strictEqual(workflow.inputs.type, "STANDARD");
            assert.strictEqual(workflow.inputs.roleArn, named(stack, "aws:iam/role:Role", "pr-workflow-role").state.arn);
            assert.deepStrictEqual(
                JSON.parse(workflow.inputs.definition),
                pullRequestWorkflowDefinition({
                    decisionFunction: named(stack, "aws:lambda/function:Function", "pr-copy-decision").state.arn,
                    deployProject: "pr-deploy",
                    feedbackProject: "pr-feedback",
                    destroyProject: "pr-destroy",
                    sweepProject: "pr-sweeper",
                    copyRole: {
                        arn: named(stack, "aws:iam/role:Role", "pr-copy-role").state.arn,
                        session: {
                            stateBucketName: stack.outputs.stateBucketName as string,
                            productionStateKey: "terraform-lambda/production.tfstate",
                            copyStatePrefix: "pull-requests/",
                        },
                    },
                    // Each build's own timeout, its 20 minutes of queued timeout and 10 minutes more.
                    timeoutSeconds: { deploy: 3600, feedback: 5400, destroy: 3600, sweep: 2700 },
                }),
            );
            assert.strictEqual(stack.outputs.pullRequestWorkflowArn, workflow.state.arn);
        });

        it("waits for each build longer than CodeBuild can queue and run it: every project has a queued timeout, and its task's timeout exceeds both", () => {
            const tasks = JSON.parse(named(stack, "aws:sfn/stateMachine:StateMachine", "pr-workflow").inputs.definition).States;
            const taskOf = {
                "pr-deploy": tasks.PollDeploy,
                "pr-feedback": tasks.Feedback,
                "pr-destroy": tasks.DestroyCopy,
                "pr-sweeper": tasks.SweepCopy,
            };
            // The deploy is followed by polling: its budget is its limit of polls times their interval.
            const limit =
                tasks.DeployStatus.Choices.find((choice: { Next: string }) => choice.Next === "WaitForDeploy").And[1].NumericLessThan *
                tasks.WaitForDeploy.Seconds;
            for (const [name, task] of Object.entries(taskOf)) {
                const { buildTimeout, queuedTimeout } = project(name).inputs;
                assert.ok(
                    queuedTimeout > 0 && queuedTimeout < 480,
                    `${name} has a queued timeout shorter than CodeBuild's default: ${queuedTimeout}`,
                );
                const waited = name === "pr-deploy" ? limit : task.TimeoutSeconds;
                assert.ok(
                    waited > (buildTimeout + queuedTimeout) * 60,
                    `${name}: ${waited} s, build ${buildTimeout} + queued ${queuedTimeout} minutes`,
                );
            }
        });

        it("may take sessions of the copy role, invoke only the decision function, run, follow and stop only the four builds, and manage only Step Functions' CodeBuild rule", () => {
            const projects = ["pr-deploy", "pr-feedback", "pr-destroy", "pr-sweeper"].map((name) => project(name).state.arn);
            assert.deepStrictEqual(roleStatements(stack, "pr-workflow-role"), [
                {
                    Sid: "ConfineEachCopyToItself",
                    Effect: "Allow",
                    Action: "sts:AssumeRole",
                    Resource: named(stack, "aws:iam/role:Role", "pr-copy-role").state.arn,
                },
                {
                    Sid: "InvokeDecision",
                    Effect: "Allow",
                    Action: "lambda:InvokeFunction",
                    Resource: named(stack, "aws:lambda/function:Function", "pr-copy-decision").state.arn,
                },
                {
                    Sid: "RunBuilds",
                    Effect: "Allow",
                    Action: ["codebuild:StartBuild", "codebuild:StopBuild", "codebuild:BatchGetBuilds"],
                    Resource: projects,
                },
                {
                    Sid: "ManageCodeBuildSyncRule",
                    Effect: "Allow",
                    Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                    Resource: `arn:aws:events:us-east-1:${TEST_ACCOUNT_ID}:rule/StepFunctionsGetEventForCodeBuildStartBuildRule`,
                },
            ]);
            assert.strictEqual(
                JSON.parse(named(stack, "aws:iam/role:Role", "pr-workflow-role").inputs.assumeRolePolicy).Statement[0].Principal.Service,
                "states.amazonaws.com",
            );
        });

        it("the copy role trusts the workflow's role alone, in sessions named after a copy", () => {
            assert.deepStrictEqual(JSON.parse(named(stack, "aws:iam/role:Role", "pr-copy-role").inputs.assumeRolePolicy).Statement, [
                {
                    Sid: "AssumedByRoleSession",
                    Effect: "Allow",
                    Principal: { AWS: [named(stack, "aws:iam/role:Role", "pr-workflow-role").state.arn] },
                    Action: "sts:AssumeRole",
                    Condition: { StringLike: { "sts:RoleSessionName": "pr-power-tuned-*" } },
                },
            ]);
        });

        it("the deploy and the destroy end, queue included, within their one-hour copy credentials", () => {
            for (const name of ["pr-deploy", "pr-destroy"]) {
                const { buildTimeout, queuedTimeout } = project(name).inputs;
                assert.ok(
                    buildTimeout + queuedTimeout <= COPY_SESSION_SECONDS / 60,
                    `${name}: build ${buildTimeout} + queued ${queuedTimeout} minutes`,
                );
            }
        });
    });

    describe("the trigger", () => {
        const pattern = () => JSON.parse(named(stack, "aws:cloudwatch/eventRule:EventRule", "pr-trigger").inputs.eventPattern);
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
                detail: { event: ["pullRequestCreated", "pullRequestSourceBranchUpdated"], destinationReference: ["refs/heads/main"] },
            });
            assert.strictEqual(named(stack, "aws:cloudwatch/eventRule:EventRule", "pr-trigger").inputs.state, "ENABLED");
        });

        it("starts the workflow for a pull request created or updated into main", () => {
            assert.strictEqual(matchesEventPattern(pattern(), createdEvent()), true);
            assert.strictEqual(matchesEventPattern(pattern(), withDetail({ event: "pullRequestSourceBranchUpdated" })), true);
        });

        it("starts nothing on merges, status changes, approvals or comments", () => {
            for (const event of [
                "pullRequestMergeStatusUpdated",
                "pullRequestStatusChanged",
                "pullRequestApprovalStateChanged",
                "commentOnPullRequestCreated",
            ]) {
                assert.strictEqual(matchesEventPattern(pattern(), withDetail({ event })), false, event);
            }
        });

        it("starts nothing for pull requests into another branch or in another repository", () => {
            assert.strictEqual(matchesEventPattern(pattern(), withDetail({ destinationReference: "refs/heads/develop" })), false);
            assert.strictEqual(matchesEventPattern(pattern(), pullRequestCreatedEvent()), false, "the fixture's own repository");
        });

        it("gives one execution the PR id and both commits", () => {
            const target = named(stack, "aws:cloudwatch/eventTarget:EventTarget", "pr-trigger-target");
            const fixture = createdEvent();
            assert.deepStrictEqual(transformInput(target.inputs.inputTransformer, fixture), {
                pullRequestId: "7",
                sourceCommit: fixture.detail.sourceCommit,
                destinationCommit: fixture.detail.destinationCommit,
            });
        });

        it("targets the workflow through a role that may only start it", () => {
            const target = named(stack, "aws:cloudwatch/eventTarget:EventTarget", "pr-trigger-target");
            const workflow = named(stack, "aws:sfn/stateMachine:StateMachine", "pr-workflow");
            assert.strictEqual(target.inputs.arn, workflow.state.arn);
            assert.strictEqual(target.inputs.roleArn, named(stack, "aws:iam/role:Role", "pr-trigger-role").state.arn);
            assert.deepStrictEqual(roleStatements(stack, "pr-trigger-role"), [
                { Sid: "StartWorkflow", Effect: "Allow", Action: "states:StartExecution", Resource: workflow.state.arn },
            ]);
        });
    });

    describe("the sweeper", () => {
        it("has no source and runs the generated sweep buildspec", () => {
            assert.deepStrictEqual(
                [project("pr-sweeper").inputs.source.type, project("pr-sweeper").inputs.source.buildspec],
                ["NO_SOURCE", pullRequestSweepBuildspec()],
            );
            assert.strictEqual(project("pr-sweeper").inputs.buildTimeout, 15);
        });

        it("gets the verified runner, both namespaces (one to sweep, one to protect), the state bucket, the bot and the configured schedule and TTL", () => {
            const runner = named(stack, "aws:s3/bucketObjectv2:BucketObjectv2", "pr-runner");
            assert.deepStrictEqual(environment(stack, "pr-sweeper"), {
                REPOSITORY_NAME: "power-tuned-functions",
                TF_STATE_BUCKET: stack.outputs.stateBucketName,
                ARTIFACT_BUCKET: stack.outputs.artifactBucketName,
                TUNING_RUNNER_S3_URI: `s3://${stack.outputs.artifactBucketName}/${runner.inputs.key}`,
                TUNING_RUNNER_SHA256: stack.runnerBundle.sha256,
                PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
                PULL_REQUEST_WORKFLOW_ARN: named(stack, "aws:sfn/stateMachine:StateMachine", "pr-workflow").state.arn,
                PRODUCTION_NAME_PREFIX: "power-tuned",
                PULL_REQUEST_BOT_ROLE_ARN: named(stack, "aws:iam/role:Role", "pr-bot-role").state.arn,
                SWEEP_SCHEDULE: "rate(6 hours)",
                PULL_REQUEST_COPY_TTL_HOURS: "6",
                CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
            });
            assert.strictEqual(stack.outputs.pullRequestSweepProjectName, project("pr-sweeper").state.name);
        });

        it("is started on the configured schedule, with no pull request, through a role that may only start it", () => {
            const rule = named(stack, "aws:cloudwatch/eventRule:EventRule", "pr-sweeper-schedule");
            assert.strictEqual(rule.inputs.scheduleExpression, "rate(6 hours)");
            assert.strictEqual(rule.inputs.eventPattern, undefined);
            const target = named(stack, "aws:cloudwatch/eventTarget:EventTarget", "pr-sweeper-schedule-target");
            assert.deepStrictEqual(
                [target.inputs.rule, target.inputs.arn, target.inputs.roleArn, target.inputs.input],
                [
                    rule.state.name,
                    project("pr-sweeper").state.arn,
                    named(stack, "aws:iam/role:Role", "pr-sweeper-schedule-role").state.arn,
                    "{}",
                ],
            );
            assert.deepStrictEqual(roleStatements(stack, "pr-sweeper-schedule-role"), [
                {
                    Sid: "RunBuilds",
                    Effect: "Allow",
                    Action: ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                    Resource: [project("pr-sweeper").state.arn],
                },
            ]);
        });

        it("lists the state bucket only under pull-requests/ and deletes only there", () => {
            const statements = roleStatements(stack, "pr-sweeper-role");
            const bucket = `arn:aws:s3:::${stack.outputs.stateBucketName}`;
            assert.deepStrictEqual(
                statements.find((s) => s.Sid === "ListStateObjects"),
                {
                    Sid: "ListStateObjects",
                    Effect: "Allow",
                    Action: "s3:ListBucket",
                    Resource: bucket,
                    Condition: { StringLike: { "s3:prefix": "pull-requests/*" } },
                },
            );
            assert.deepStrictEqual(statements.find((s) => s.Sid === "DeleteStateObjects")?.Resource, `${bucket}/pull-requests/*`);
        });
    });

    describe("the pull-request bot (its approval rule: merge-gate.test.ts)", () => {
        it("the bot is trusted only by the trusted builds' roles (feedback, sweeper) and the decision function's, and only under the fixed session name", () => {
            const bot = named(stack, "aws:iam/role:Role", "pr-bot-role");
            assert.strictEqual(bot.state.name, "power-tuned-pull-request-bot");
            assert.deepStrictEqual(JSON.parse(bot.inputs.assumeRolePolicy).Statement, [
                {
                    Sid: "AssumedByRoleSession",
                    Effect: "Allow",
                    Principal: {
                        AWS: ["pr-feedback-role", "pr-sweeper-role", "pr-copy-decision-role"].map(
                            (role) => named(stack, "aws:iam/role:Role", role).state.arn,
                        ),
                    },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "sts:RoleSessionName": PULL_REQUEST_BOT_SESSION_NAME } },
                },
            ]);
        });

        it("the bot may read the PR, comment, edit its comment and approve or revoke, on this repository only", () => {
            assert.deepStrictEqual(roleStatements(stack, "pr-bot-role"), [
                {
                    Sid: "PullRequestFeedback",
                    Effect: "Allow",
                    Action: [
                        "codecommit:GetPullRequest",
                        "codecommit:GetCommentsForPullRequest",
                        "codecommit:PostCommentForPullRequest",
                        "codecommit:UpdateComment",
                        "codecommit:UpdatePullRequestApprovalState",
                    ],
                    Resource: repositoryArn,
                },
            ]);
        });
    });

    describe("the decision function (trusted: never runs a file of the pull request)", () => {
        const decisionFunction = () => named(stack, "aws:lambda/function:Function", "pr-copy-decision");

        it("runs the uploaded runner bundle's handler entry on Node.js 22, arm64, under a name no Terraform scope reaches", async () => {
            const fn = decisionFunction();
            assert.deepStrictEqual(
                [fn.inputs.runtime, fn.inputs.architectures, fn.inputs.handler, fn.inputs.name],
                ["nodejs22.x", ["arm64"], "index.handler", "lambda-power-tuned-decision-power-tuned"],
            );
            const assets = await fn.inputs.code.assets;
            assert.deepStrictEqual(Object.keys(assets), ["index.js"]);
            assert.strictEqual(await assets["index.js"].path, stack.runnerBundle.path);
            assert.strictEqual(fn.inputs.role, named(stack, "aws:iam/role:Role", "pr-copy-decision-role").state.arn);
            assert.deepStrictEqual(fn.inputs.loggingConfig, {
                logFormat: "Text",
                logGroup: "/aws/lambda/lambda-power-tuned-decision-power-tuned",
            });
        });

        it("gets the repository, the tuning history, the bot, the configured globs and the copies' prefix (it names the copy) from its environment", () => {
            assert.deepStrictEqual(decisionFunction().inputs.environment.variables, {
                REPOSITORY_NAME: "power-tuned-functions",
                TUNING_HISTORY_URI: `s3://${stack.outputs.artifactBucketName}/tuning-history/`,
                PULL_REQUEST_BOT_ROLE_ARN: named(stack, "aws:iam/role:Role", "pr-bot-role").state.arn,
                NON_FUNCTION_PATHS: JSON.stringify(["README.md", "docs/**", "LICENSE", ".gitignore"]),
                PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
            });
        });

        it("may read the differences, the policy and the folders of changed documents, read the tuning history, become the bot, and write its own logs; nothing else", () => {
            const logGroup = named(stack, "aws:cloudwatch/logGroup:LogGroup", "pr-copy-decision-logs").state.arn;
            const artifacts = `arn:aws:s3:::${stack.outputs.artifactBucketName}`;
            assert.deepStrictEqual(roleStatements(stack, "pr-copy-decision-role"), [
                {
                    Sid: "WriteBuildLogs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: `${logGroup}:*`,
                },
                {
                    Sid: "ReadDifferencesPolicyAndFolders",
                    Effect: "Allow",
                    Action: ["codecommit:GetDifferences", "codecommit:GetFile", "codecommit:GetFolder"],
                    Resource: repositoryArn,
                },
                { Sid: "ReadTuningHistory", Effect: "Allow", Action: "s3:GetObject", Resource: `${artifacts}/tuning-history/*` },
                { Sid: "ListArtifactBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: artifacts },
                {
                    Sid: "ActAsPullRequestBot",
                    Effect: "Allow",
                    Action: "sts:AssumeRole",
                    Resource: named(stack, "aws:iam/role:Role", "pr-bot-role").state.arn,
                },
            ]);
            assert.strictEqual(
                JSON.parse(named(stack, "aws:iam/role:Role", "pr-copy-decision-role").inputs.assumeRolePolicy).Statement[0].Principal
                    .Service,
                "lambda.amazonaws.com",
            );
        });
    });

    describe("the build cache (Terraform and its providers)", () => {
        it("the untrusted builds really share one S3 cache (one location and one cache namespace, as CodeBuild shares across projects) under an expiring prefix of the artifact bucket; the trusted build has none", () => {
            const [deploy, destroy] = ["pr-deploy", "pr-destroy"].map((name) => project(name).inputs.cache);
            assert.equal(deploy.type, "S3");
            assert.equal(deploy.location, `${stack.outputs.artifactBucketName}/pull-request-cache/`);
            assert.match(deploy.cacheNamespace, /\S/);
            assert.deepStrictEqual(destroy, deploy);
            assert.deepStrictEqual(project("pr-feedback").inputs.cache, { type: "NO_CACHE" });
        });

        it("the pipeline's builds have no cache: production never reads what a pull request's build wrote", () => {
            for (const name of ["deployment-plan", "deployment-apply", "deployment-destroy"])
                assert.deepStrictEqual(project(name).inputs.cache, { type: "NO_CACHE" }, name);
        });

        it("the untrusted builds may locate the bucket and read and write the cache prefix only", () => {
            const artifacts = `arn:aws:s3:::${stack.outputs.artifactBucketName}`;
            for (const role of ["pr-deploy-role", "pr-destroy-role"]) {
                const statements = roleStatements(stack, role);
                assert.deepStrictEqual(statements.find((s) => s.Sid === "LocateCacheBucket")?.Resource, artifacts, role);
                assert.deepStrictEqual(
                    statements.find((s) => s.Sid === "RestoreAndSaveBuildCache"),
                    {
                        Sid: "RestoreAndSaveBuildCache",
                        Effect: "Allow",
                        Action: ["s3:GetObject", "s3:PutObject"],
                        Resource: `${artifacts}/pull-request-cache/*`,
                    },
                    role,
                );
            }
        });
    });

    describe("what each build may do (the attack paths are decided in attack-paths.test.ts)", () => {
        const statement = (role: string, sid: string) => {
            const found = roleStatements(stack, role).find((s) => s.Sid === sid);
            assert.ok(found, `${role}: statement ${sid}`);
            return found;
        };

        it("the untrusted projects' own roles hold nothing in the namespace: clone, cache, and (the deploy) hand files on under their own build", () => {
            assert.deepStrictEqual(
                ["pr-deploy-role", "pr-destroy-role"].map((role) => roleStatements(stack, role).map((s) => s.Sid)),
                [
                    ["WriteBuildLogs", "CloneRepository", "StoreOwnBuildOutput", "LocateCacheBucket", "RestoreAndSaveBuildCache"],
                    ["WriteBuildLogs", "CloneRepository", "LocateCacheBucket", "RestoreAndSaveBuildCache"],
                ],
            );
        });

        it("the copy role reads production's state and writes the copies' state (each session only its own copy's)", () => {
            const bucket = `arn:aws:s3:::${stack.outputs.stateBucketName}`;
            assert.deepStrictEqual(statement("pr-copy-role", "WriteState").Resource, [`${bucket}/pull-requests/*`]);
            assert.deepStrictEqual(statement("pr-copy-role", "ReadState").Resource, [
                `${bucket}/terraform-lambda/production.tfstate`,
                `${bucket}/pull-requests/*`,
            ]);
        });

        it("the copy role writes role permissions only with the copies' boundary, and only under the copies' path", () => {
            assert.deepStrictEqual(statement("pr-copy-role", "WritePrefixedRolesWithBoundary").Condition, {
                StringEquals: { "iam:PermissionsBoundary": copyBoundaryArn() },
            });
            assert.strictEqual(
                statement("pr-copy-role", "WritePrefixedRolesWithBoundary").Resource,
                `arn:aws:iam::${TEST_ACCOUNT_ID}:role/pull-request-copies/pr-power-tuned-*`,
            );
        });

        it("the trusted build may read the account's Lambda concurrency (--concurrency auto), which IAM authorizes only on *", () => {
            assert.deepStrictEqual(statement("pr-feedback-role", "ReadAccountConcurrency"), {
                Sid: "ReadAccountConcurrency",
                Effect: "Allow",
                Action: "lambda:GetAccountSettings",
                Resource: "*",
            });
        });

        it("the trusted build may read metrics (production's traffic), which IAM authorizes only on *; no untrusted build may", () => {
            assert.deepStrictEqual(statement("pr-feedback-role", "ReadProductionTraffic"), {
                Sid: "ReadProductionTraffic",
                Effect: "Allow",
                Action: "cloudwatch:GetMetricData",
                Resource: "*",
            });
            for (const role of ["pr-deploy-role", "pr-destroy-role"]) {
                assert.ok(
                    roleStatements(stack, role).every(
                        (found) => ![found.Action].flat().some((action: string) => action.startsWith("cloudwatch:")),
                    ),
                    role,
                );
            }
        });

        it("the trusted build lists the artifact bucket without a prefix condition, so a missing history entry reads as 404", () => {
            assert.deepStrictEqual(statement("pr-feedback-role", "ListArtifactBucket"), {
                Sid: "ListArtifactBucket",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: `arn:aws:s3:::${stack.outputs.artifactBucketName}`,
            });
        });
    });
});
