// Pull-request copies in an account of their own (config copyAccount): where each resource of the
// mocked two-account stack is created, and what an IAM policy simulator decides over both accounts'
// documents. Each attack row names the chain it stops.
import * as assert from "node:assert";
import { parse } from "yaml";
import { PULL_REQUEST_BOT_SESSION_NAME } from "../../buildscripts/contract";
import { BUILD_VARIABLES } from "../../components/build/buildspecs";
import { copyAccountAllowedIds } from "../../components/copy-account/copyAccount";
import { STACK_ROLE_PATH } from "../../components/stack/stackNames";
import {
    broadGrantViolations,
    findManagedPolicyArns,
    findPolicyDocuments,
    mockedStackScope,
    publicGrantViolations,
    scopeViolations,
} from "../support/iam-walker";
import { type Decision, type Request, type SimulatedRole, StackIam } from "../support/iam-simulator";
import { type MockedStack, mockedCopyAccountStack, mockedStack, named, ofType } from "../support/mocked-stack";
import { TEST_ACCOUNT_ID as PRODUCTION, TEST_COPY_ACCOUNT_ID as SANDBOX, TEST_REGION as REGION } from "../support/pulumi-mocks";

/** What the stack registers that is no AWS resource of either account: its components, the stack itself, providers. */
const notAnAwsResource = (type: string) => type.startsWith("lambda-power-tuned:") || type.startsWith("pulumi:");

/** `<type> <logical name>` of every AWS resource the stack creates in `account`, sorted. */
function resourcesIn(stack: MockedStack, account: string): string[] {
    return stack.resources
        .filter((resource) => !notAnAwsResource(resource.type) && resource.accountId === account)
        .map((resource) => `${resource.type.slice(resource.type.indexOf(":") + 1)} ${resource.name}`)
        .sort();
}

/** Everything of the sandbox: what pull-request code runs with, the copies, and the roles the trusted side reaches them by. */
const SANDBOX_RESOURCES = [
    "cloudwatch/logGroup:LogGroup pr-deploy-logs",
    "cloudwatch/logGroup:LogGroup pr-destroy-logs",
    "codebuild/project:Project pr-deploy",
    "codebuild/project:Project pr-destroy",
    "iam/policy:Policy function-boundary-copy",
    "iam/role:Role pr-copy-role",
    "iam/role:Role pr-deploy-role",
    "iam/role:Role pr-destroy-role",
    "iam/role:Role pr-feedback-access-role",
    "iam/role:Role pr-source-access-role",
    "iam/role:Role pr-sweeper-access-role",
    "iam/role:Role pr-workflow-access-role",
    "iam/rolePolicy:RolePolicy pr-copy-role-policy",
    "iam/rolePolicy:RolePolicy pr-deploy-role-policy",
    "iam/rolePolicy:RolePolicy pr-destroy-role-policy",
    "iam/rolePolicy:RolePolicy pr-feedback-access-role-policy",
    "iam/rolePolicy:RolePolicy pr-source-access-role-policy",
    "iam/rolePolicy:RolePolicy pr-sweeper-access-role-policy",
    "iam/rolePolicy:RolePolicy pr-workflow-access-role-policy",
    "s3/bucket:Bucket pr-copy-storage-bucket",
    "s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration pr-copy-storage-lifecycle",
    "s3/bucketOwnershipControls:BucketOwnershipControls pr-copy-storage-bucket-ownership",
    "s3/bucketPolicy:BucketPolicy pr-copy-storage-policy",
    "s3/bucketPublicAccessBlock:BucketPublicAccessBlock pr-copy-storage-bucket-public-access-block",
    "s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration pr-copy-storage-bucket-encryption",
    "s3/bucketVersioning:BucketVersioning pr-copy-storage-versioning",
    "serverlessrepository/cloudFormationStack:CloudFormationStack power-tuning-stack",
];

const WORKFLOW_ARN = `arn:aws:states:${REGION}:${PRODUCTION}:stateMachine:power-tuned-pull-request-workflow`;
const COPY_A = "pr-power-tuned-7-3f2a9c1";
const COPY_B = "pr-power-tuned-8-0b0b0b0";
const sandboxFunction = (copy: string) => `arn:aws:lambda:${REGION}:${SANDBOX}:function:${copy}-digest`;
const PRODUCTION_FUNCTION = `arn:aws:lambda:${REGION}:${PRODUCTION}:function:power-tuned-digest`;
const PRODUCTION_ROLE = `arn:aws:iam::${PRODUCTION}:role/power-tuned-digest-role`;
const STATE = "arn:aws:s3:::storage-state-0a1b2c3d";
const ARTIFACTS = "arn:aws:s3:::storage-artifacts-0a1b2c3d";
const COPY_BUCKET = "arn:aws:s3:::pr-copy-storage-bucket-0a1b2c3d";
const REPOSITORY = `arn:aws:codecommit:${REGION}:${PRODUCTION}:power-tuned-functions`;
const SANDBOX_BUILD = {
    "codebuild:buildArn": `arn:aws:codebuild:${REGION}:${SANDBOX}:build/pr-deploy:6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29`,
};
const everything = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** The credentials a pull request's code can obtain: its builds' roles, its copy's session, a role its Terraform created. */
const PULL_REQUEST_CODE = ["pr-deploy-role", "pr-destroy-role", "copy A's credentials", "a role copy A created with Action *"] as const;
type PullRequestPrincipal = (typeof PULL_REQUEST_CODE)[number];

function pullRequestPrincipal(iam: StackIam, as: PullRequestPrincipal): SimulatedRole {
    if (as === "copy A's credentials") return iam.copySession(COPY_A);
    if (as === "a role copy A created with Action *") return iam.copyCreatedRole(COPY_A, "x-role", undefined, everything);
    return iam.role(as);
}

describe("pull-request copies in an account of their own (copyAccount)", () => {
    let stack: MockedStack;
    let iam: StackIam;
    before(async () => {
        stack = await mockedCopyAccountStack();
        iam = new StackIam(stack);
    });

    describe("every resource in the account it belongs to", () => {
        it("the sandbox holds what pull-request code runs with, the copies' state and sources, the power-tuning state machine, and the trusted side's access roles; nothing else", () => {
            assert.deepStrictEqual(resourcesIn(stack, SANDBOX), SANDBOX_RESOURCES);
        });

        it("production's account holds everything else: the repository (its CloudFormation stack), the gate, the pipeline, the workflow, the trusted builds, the bot, the history", () => {
            const all = stack.resources.filter((resource) => !notAnAwsResource(resource.type)).length;
            const production = resourcesIn(stack, PRODUCTION);
            assert.strictEqual(production.length, all - SANDBOX_RESOURCES.length);
            for (const expected of [
                "cloudformation/stack:Stack functions-stack",
                "codepipeline/pipeline:Pipeline deployment",
                "sfn/stateMachine:StateMachine pr-workflow",
                "codebuild/project:Project pr-feedback",
                "codebuild/project:Project pr-sweeper",
                "lambda/function:Function pr-copy-decision",
                "iam/role:Role pr-bot-role",
                "s3/bucket:Bucket storage-artifacts",
                "s3/bucket:Bucket storage-state",
                "iam/policy:Policy function-boundary-policy",
            ]) {
                assert.ok(production.includes(expected), `${expected} in production's account`);
            }
        });

        it("the sandbox's provider assumes copyAccount's deploy role and may act in the sandbox alone", () => {
            const [provider] = ofType(stack, "pulumi:providers:aws");
            const parse = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value);
            assert.deepStrictEqual(parse(provider.inputs.allowedAccountIds), [SANDBOX]);
            assert.deepStrictEqual(
                parse(provider.inputs.assumeRoles).map((role: { roleArn: string; externalId: string }) => [role.roleArn, role.externalId]),
                [[`arn:aws:iam::${SANDBOX}:role/lambda-power-tuned-deployer`, "sandbox-deploy"]],
            );
        });

        it("refuses production's own account as the sandbox, naming the setting, the value and what is allowed", () => {
            assert.throws(() => copyAccountAllowedIds(PRODUCTION, PRODUCTION), {
                message: `lambda-power-tuned:copyAccount.accountId = "${PRODUCTION}" is invalid: it is production's own account (the default provider's); allowed: another account, which pull-request code then runs in`,
            });
            assert.deepStrictEqual(copyAccountAllowedIds(SANDBOX, PRODUCTION), [SANDBOX]);
        });

        it("without copyAccount every resource is in production's account, and there is no second provider", async () => {
            const single = await mockedStack();
            assert.deepStrictEqual(ofType(single, "pulumi:providers:aws"), []);
            assert.deepStrictEqual(
                single.resources.filter((resource) => !notAnAwsResource(resource.type) && resource.accountId !== PRODUCTION),
                [],
            );
        });

        it("no project of production's account runs a pull request's files: its projects have no source, the pipeline's or main's (all reviewed), or only zip and copy the checkout (the hand-over)", () => {
            for (const project of ofType(stack, "aws:codebuild/project:Project").filter(
                (candidate) => candidate.accountId === PRODUCTION,
            )) {
                const { type } = project.inputs.source;
                const main = type === "CODECOMMIT" && project.inputs.sourceVersion === "refs/heads/main";
                if (project.name === "pr-source") continue;
                assert.ok(["NO_SOURCE", "CODEPIPELINE"].includes(type) || main, `${project.name}: ${type} ${project.inputs.sourceVersion}`);
            }
            const handOver = named(stack, "aws:codebuild/project:Project", "pr-source");
            const phases = parse(handOver.inputs.source.buildspec).phases;
            assert.deepStrictEqual(
                Object.values(phases)
                    .flatMap((phase: any) => phase.commands)
                    .map((command: string) => command.split(" ").slice(0, 2).join(" ")),
                ["aws configure", "aws configure", "aws configure", "zip -q", "aws s3"],
                "configure the sandbox role's profile, zip the checkout (links kept as links), copy it: nothing of the pull request runs",
            );
            for (const untrusted of ["pr-deploy", "pr-destroy"]) {
                const project = named(stack, "aws:codebuild/project:Project", untrusted);
                assert.strictEqual(project.accountId, SANDBOX);
                assert.strictEqual(
                    project.inputs.source.type,
                    "S3",
                    "a project of the sandbox cannot clone production's repository: it reads the handed-over source",
                );
                assert.match(project.inputs.serviceRole, new RegExp(`^arn:aws:iam::${SANDBOX}:role/`));
            }
        });

        it("the copies' bucket is encrypted, private, versioned and refuses anything but TLS", () => {
            const bucketOf = (type: string) => ofType(stack, type).filter((resource) => resource.accountId === SANDBOX);
            assert.strictEqual(
                bucketOf("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0].inputs.rules[0]
                    .applyServerSideEncryptionByDefault.sseAlgorithm,
                "AES256",
            );
            assert.deepStrictEqual(
                (({ blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets }) => [
                    blockPublicAcls,
                    blockPublicPolicy,
                    ignorePublicAcls,
                    restrictPublicBuckets,
                ])(bucketOf("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs),
                [true, true, true, true],
            );
            assert.strictEqual(bucketOf("aws:s3/bucketVersioning:BucketVersioning")[0].inputs.versioningConfiguration.status, "Enabled");
            const policy = JSON.parse(bucketOf("aws:s3/bucketPolicy:BucketPolicy")[0].inputs.policy);
            assert.deepStrictEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.strictEqual(policy.Statement[0].Effect, "Deny");
        });
    });

    describe("least privilege in both accounts", () => {
        const documentsIn = (account: string) => findPolicyDocuments(stack.resources.filter((resource) => resource.accountId === account));

        it("no managed policy, no Action * or <service>:* on *, no bucket policy allowing anyone, in either account", () => {
            assert.deepStrictEqual(findManagedPolicyArns(stack.resources), []);
            assert.deepStrictEqual(broadGrantViolations(findPolicyDocuments(stack.resources)), []);
            assert.deepStrictEqual(publicGrantViolations(findPolicyDocuments(stack.resources)), []);
        });

        it("each account's policies grant only on that account's things of the stack (and the stack's roles, to assume them)", () => {
            assert.ok(documentsIn(SANDBOX).length >= 10);
            assert.deepStrictEqual(scopeViolations(documentsIn(SANDBOX), mockedStackScope(stack, SANDBOX)), []);
            assert.deepStrictEqual(scopeViolations(documentsIn(PRODUCTION), mockedStackScope(stack, PRODUCTION)), []);
        });

        it("puts every role of either account under the stack's IAM path", () => {
            assert.deepStrictEqual(
                ofType(stack, "aws:iam/role:Role")
                    .filter((role) => role.inputs.path !== STACK_ROLE_PATH)
                    .map((role) => role.name),
                [],
            );
        });
    });

    describe("what each identity holds, by account", () => {
        const sids = (role: string) =>
            JSON.parse(named(stack, "aws:iam/rolePolicy:RolePolicy", `${role}-policy`).inputs.policy).Statement.map(
                (statement: { Sid: string }) => statement.Sid,
            );
        const environment = (project: string): Record<string, string> =>
            Object.fromEntries(
                named(stack, "aws:codebuild/project:Project", project).inputs.environment.environmentVariables.map(
                    (variable: { name: string; value: string }) => [variable.name, variable.value],
                ),
            );

        it("the trusted feedback keeps production's side (runner, budget, history, production's traffic, the repository, the bot) and reaches the copies only through its access role", () => {
            assert.deepStrictEqual(sids("pr-feedback-role"), [
                "WriteBuildLogs",
                "DownloadTuningRunner",
                "ShareTuningBudget",
                "StoreOwnBuildOutput",
                "ReadTuningHistory",
                "ListArtifactBucket",
                "StoreTuningResults",
                "ReachTheCopiesAccountThroughItsOwnRole",
                "ReadProductionTraffic",
                "ReadRepositoryAsData",
                "ActAsPullRequestBot",
            ]);
            assert.deepStrictEqual(sids("pr-feedback-access-role"), [
                "ReadPullRequestBuildOutput",
                "StartTuning",
                "FollowTuning",
                "ReadFunctionConfigurations",
                "ListFunctionsToFindTheCopy",
                "ReadAccountConcurrency",
            ]);
        });

        it("the sweeper keeps its runner, its reports, the workflow's executions and the bot, and sweeps only through its access role", () => {
            assert.deepStrictEqual(sids("pr-sweeper-role"), [
                "WriteBuildLogs",
                "DownloadTuningRunner",
                "StoreOwnBuildOutput",
                "ReachTheCopiesAccountThroughItsOwnRole",
                "ListWorkflowExecutions",
                "ReadWorkflowExecutions",
                "ActAsPullRequestBot",
            ]);
            assert.ok(sids("pr-sweeper-access-role").includes("DeleteScopedFunctions"));
            assert.ok(!sids("pr-sweeper-access-role").includes("ActAsPullRequestBot"));
        });

        it("the workflow's role runs only production's builds itself; the sandbox's through its access role, which may run nothing but the deploy and the destroy", () => {
            assert.deepStrictEqual(sids("pr-workflow-role"), [
                "ConfineEachCopyToItself",
                "InvokeDecision",
                "RunBuilds",
                "ReachTheCopiesAccountThroughItsOwnRole",
                "ManageCodeBuildSyncRule",
            ]);
            const policy = (role: string) =>
                JSON.parse(named(stack, "aws:iam/rolePolicy:RolePolicy", `${role}-policy`).inputs.policy).Statement;
            const runBuilds = (role: string) => policy(role).find((statement: { Sid: string }) => statement.Sid === "RunBuilds").Resource;
            assert.deepStrictEqual(
                runBuilds("pr-workflow-role"),
                ["pr-source", "pr-feedback", "pr-sweeper"].map((name) => named(stack, "aws:codebuild/project:Project", name).state.arn),
            );
            assert.deepStrictEqual(
                runBuilds("pr-workflow-access-role"),
                ["pr-deploy", "pr-destroy"].map((name) => named(stack, "aws:codebuild/project:Project", name).state.arn),
            );
            assert.deepStrictEqual(sids("pr-workflow-access-role"), ["RunBuilds"]);
        });

        it("the trusted builds name their access role and the external ID to the runner; the deploy gets no production boundary to plan with", () => {
            assert.deepStrictEqual(
                [environment("pr-feedback").COPY_ACCOUNT_ROLE_ARN, environment("pr-feedback").COPY_ACCOUNT_EXTERNAL_ID],
                [iam.roleArn("pr-feedback-access-role"), WORKFLOW_ARN],
            );
            assert.deepStrictEqual(
                [environment("pr-sweeper").COPY_ACCOUNT_ROLE_ARN, environment("pr-sweeper").COPY_ACCOUNT_EXTERNAL_ID],
                [iam.roleArn("pr-sweeper-access-role"), WORKFLOW_ARN],
            );
            assert.strictEqual(environment("pr-deploy").TF_VAR_permissions_boundary_arn, undefined);
            assert.strictEqual(environment("pr-deploy")[BUILD_VARIABLES.stateBucket], "pr-copy-storage-bucket-0a1b2c3d");
        });

        it("without copyAccount no build is told of a copy account", async () => {
            const single = await mockedStack();
            for (const project of ofType(single, "aws:codebuild/project:Project")) {
                const names = project.inputs.environment.environmentVariables.map((variable: { name: string }) => variable.name);
                assert.ok(!names.includes("COPY_ACCOUNT_ROLE_ARN") && !names.includes("COPY_ACCOUNT_EXTERNAL_ID"), project.name);
            }
        });
    });

    describe("the workflow acts on the sandbox's builds with a role there, and on its own builds as itself", () => {
        let states: Record<string, { Resource?: string; Credentials?: { RoleArn: string }; Parameters?: Record<string, unknown> }>;
        before(() => {
            states = JSON.parse(named(stack, "aws:sfn/stateMachine:StateMachine", "pr-workflow").inputs.definition).States;
        });

        it("every task on the deploy or the destroy build carries the sandbox's workflow-access role as its Credentials, and no other task does", () => {
            const access = iam.roleArn("pr-workflow-access-role");
            const withCredentials = Object.entries(states)
                .filter(([, state]) => state.Credentials !== undefined)
                .map(([name, state]) => [name, state.Credentials!.RoleArn]);
            assert.deepStrictEqual(withCredentials, [
                ["StartDeploy", access],
                ["PollDeploy", access],
                ["StopDeploy", access],
                ["DestroyCopy", access],
            ]);
            for (const trusted of ["DecideCopy", "Feedback", "SweepCopy"])
                assert.strictEqual(states[trusted].Credentials, undefined, trusted);
        });

        it("takes each copy's credentials from the sandbox's copy role with the stack's external ID", () => {
            for (const name of ["CopyCredentialsForDeploy", "CopyCredentialsForDestroy"]) {
                assert.strictEqual(states[name].Parameters!.RoleArn, iam.roleArn("pr-copy-role"));
                assert.match(iam.roleArn("pr-copy-role"), new RegExp(`^arn:aws:iam::${SANDBOX}:`));
                assert.strictEqual(states[name].Parameters!.ExternalId, WORKFLOW_ARN);
            }
        });

        it("gives the untrusted builds the copy's handed-over source, never a commit to clone", () => {
            for (const name of ["StartDeploy", "DestroyCopy"]) {
                assert.strictEqual(states[name].Parameters!["SourceVersion.$"], undefined);
                assert.strictEqual(
                    states[name].Parameters!["SourceLocationOverride.$"],
                    "States.Format('pr-copy-storage-bucket-0a1b2c3d/pull-request-sources/{}/source.zip', $.decision.Payload.copyNamePrefix)",
                );
            }
        });
    });

    describe("cross-account trust: the stack's named roles only, with the external ID", () => {
        it("every sandbox role another account may assume names exact roles of production's account and requires the workflow's ARN as external ID; CodeBuild's own roles only for the sandbox", () => {
            for (const role of ofType(stack, "aws:iam/role:Role").filter((candidate) => candidate.accountId === SANDBOX)) {
                for (const statement of JSON.parse(role.inputs.assumeRolePolicy).Statement) {
                    if (statement.Principal.Service !== undefined) {
                        assert.strictEqual(statement.Principal.Service, "codebuild.amazonaws.com", role.name);
                        assert.deepStrictEqual(statement.Condition, { StringEquals: { "aws:SourceAccount": SANDBOX } }, role.name);
                        continue;
                    }
                    for (const principal of statement.Principal.AWS) {
                        assert.match(
                            principal,
                            new RegExp(`^arn:aws:iam::${PRODUCTION}:role/lambda-power-tuned/[\\w+=,.@-]+$`),
                            `${role.name} trusts ${principal}: an exact role, never an account or a wildcard`,
                        );
                    }
                    assert.strictEqual(statement.Condition.StringEquals["sts:ExternalId"], WORKFLOW_ARN, role.name);
                }
            }
        });

        const ASSUMES: Array<[string, string, Record<string, string>]> = [
            ["pr-workflow-role", "pr-workflow-access-role", {}],
            ["pr-workflow-role", "pr-copy-role", { "sts:RoleSessionName": COPY_A }],
            ["pr-feedback-role", "pr-feedback-access-role", {}],
            ["pr-sweeper-role", "pr-sweeper-access-role", {}],
            ["pr-source-role", "pr-source-access-role", {}],
        ];
        for (const [as, target, context] of ASSUMES) {
            it(`${as} may assume ${target} with the external ID, and not without it or with another`, async () => {
                const assume = (externalId?: string): Request => ({
                    action: "sts:AssumeRole",
                    resource: iam.roleArn(target),
                    context: { ...context, ...(externalId === undefined ? {} : { "sts:ExternalId": externalId }) },
                });
                assert.strictEqual(await iam.decide(iam.role(as), assume(WORKFLOW_ARN)), "Allowed");
                assert.notStrictEqual(await iam.decide(iam.role(as), assume()), "Allowed");
                assert.notStrictEqual(await iam.decide(iam.role(as), assume(`${WORKFLOW_ARN}-other`)), "Allowed");
            });
        }

        it("stops: another identity of production's account reaching the sandbox with the external ID (a role not named, an administrator)", async () => {
            const administrator: SimulatedRole = {
                arn: `arn:aws:iam::${PRODUCTION}:role/team-admin`,
                name: "team-admin",
                identityPolicies: [everything],
            };
            for (const target of ["pr-workflow-access-role", "pr-feedback-access-role", "pr-sweeper-access-role", "pr-copy-role"]) {
                for (const as of [
                    administrator,
                    iam.role("pr-copy-decision-role"),
                    iam.role("deployment-apply-role"),
                    iam.role("pr-feedback-role"),
                ].filter((candidate) => !(candidate.name === iam.role("pr-feedback-role").name && target === "pr-feedback-access-role"))) {
                    const request = {
                        action: "sts:AssumeRole",
                        resource: iam.roleArn(target),
                        context: { "sts:ExternalId": WORKFLOW_ARN, "sts:RoleSessionName": COPY_A },
                    };
                    assert.notStrictEqual(await iam.decide(as, request), "Allowed", `${as.name} → ${target}`);
                }
            }
        });
    });

    describe("no credentials pull-request code can obtain reach production's account (chain: change production, approve itself, poison baselines or the runner, from the sandbox)", () => {
        /** What production's account holds that pull-request code would want. */
        const PRODUCTION_TARGETS: Array<[string, (iam: StackIam) => Request]> = [
            ["update a production function's code", () => ({ action: "lambda:UpdateFunctionCode", resource: PRODUCTION_FUNCTION })],
            [
                "create a role in production's account",
                (stackIam) => ({
                    action: "iam:CreateRole",
                    resource: PRODUCTION_ROLE,
                    context: { "iam:PermissionsBoundary": stackIam.copyBoundaryArn },
                }),
            ],
            [
                "read production's state (the plan is dropped in this mode)",
                () => ({ action: "s3:GetObject", resource: `${STATE}/terraform-lambda/production.tfstate` }),
            ],
            ["write production's state", () => ({ action: "s3:PutObject", resource: `${STATE}/terraform-lambda/production.tfstate` })],
            ["upload a runner bundle", () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-runner/${"ab".repeat(32)}.js` })],
            ["store a tuning result", () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/results/0a1b.json` })],
            ["read the tuning history", () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/tuning-history/production/digest.json` })],
            ["approve the pull request", () => ({ action: "codecommit:UpdatePullRequestApprovalState", resource: REPOSITORY })],
            ["clone the repository", () => ({ action: "codecommit:GitPull", resource: REPOSITORY })],
            ["start the pull-request workflow", () => ({ action: "states:StartExecution", resource: WORKFLOW_ARN })],
            [
                "start the pipeline's apply build",
                () => ({ action: "codebuild:StartBuild", resource: `arn:aws:codebuild:${REGION}:${PRODUCTION}:project/deployment-apply` }),
            ],
        ];
        for (const as of PULL_REQUEST_CODE) {
            it(`${as} may not act on production's account: ${PRODUCTION_TARGETS.map(([what]) => what).join("; ")}`, async () => {
                for (const [what, request] of PRODUCTION_TARGETS) {
                    assert.notStrictEqual(await iam.decide(pullRequestPrincipal(iam, as), request(iam)), "Allowed", what);
                }
            });

            it(`${as} may not assume any role of production's account, the bot's included, whatever the session name or external ID`, async () => {
                const productionRoles = ofType(stack, "aws:iam/role:Role").filter((role) => role.accountId === PRODUCTION);
                assert.ok(productionRoles.length > 10);
                for (const role of productionRoles) {
                    const request = {
                        action: "sts:AssumeRole",
                        resource: role.state.arn,
                        context: { "sts:RoleSessionName": PULL_REQUEST_BOT_SESSION_NAME, "sts:ExternalId": WORKFLOW_ARN },
                    };
                    assert.notStrictEqual(await iam.decide(pullRequestPrincipal(iam, as), request), "Allowed", role.name);
                }
            });

            it(`${as} may not become the trusted side's roles in the sandbox (workflow, feedback, sweeper and source access; the copy role without its session policy)`, async () => {
                for (const target of [
                    "pr-workflow-access-role",
                    "pr-feedback-access-role",
                    "pr-sweeper-access-role",
                    "pr-source-access-role",
                    "pr-copy-role",
                ]) {
                    const request = {
                        action: "sts:AssumeRole",
                        resource: iam.roleArn(target),
                        context: { "sts:ExternalId": WORKFLOW_ARN, "sts:RoleSessionName": COPY_A },
                    };
                    assert.notStrictEqual(await iam.decide(pullRequestPrincipal(iam, as), request), "Allowed", target);
                }
            });
        }

        it("pr-deploy-role and copy A's credentials may not swap the source another pull request's build runs — stops: tamper with another build's copy", async () => {
            for (const as of ["pr-deploy-role", "copy A's credentials"] as const) {
                const request = {
                    action: "s3:PutObject",
                    resource: `${COPY_BUCKET}/pull-request-sources/${COPY_B}/source.zip`,
                    context: SANDBOX_BUILD,
                };
                assert.strictEqual(await iam.decide(pullRequestPrincipal(iam, as), request), "ExplicitlyDenied", as);
            }
        });
    });

    describe("what each side still does in the sandbox", () => {
        const ROWS: Array<{ as: string | SimulatedRole; does: string; request: Request; expect: Decision | "denied" }> = [
            {
                as: "copy A's credentials",
                does: "create its copy's function in the sandbox",
                request: { action: "lambda:CreateFunction", resource: sandboxFunction(COPY_A) },
                expect: "Allowed",
            },
            {
                as: "copy A's credentials",
                does: "write its copy's state in the copy bucket",
                request: { action: "s3:PutObject", resource: `${COPY_BUCKET}/pull-requests/${COPY_A}/terraform.tfstate` },
                expect: "Allowed",
            },
            {
                as: "copy A's credentials",
                does: "update another copy's function — stops: tamper with another build's copy",
                request: { action: "lambda:UpdateFunctionCode", resource: sandboxFunction(COPY_B) },
                expect: "denied",
            },
            {
                as: "pr-deploy-role",
                does: "read its handed-over source",
                request: { action: "s3:GetObject", resource: `${COPY_BUCKET}/pull-request-sources/${COPY_A}/source.zip` },
                expect: "Allowed",
            },
            {
                as: "pr-deploy-role",
                does: "hand its outputs on under its own build",
                request: {
                    action: "s3:PutObject",
                    resource: `${COPY_BUCKET}/pull-request-builds/${SANDBOX_BUILD["codebuild:buildArn"]}/outputs.json`,
                    context: SANDBOX_BUILD,
                },
                expect: "Allowed",
            },
            {
                as: "pr-feedback-access-role",
                does: "start a tuning execution in the sandbox",
                request: {
                    action: "states:StartExecution",
                    resource: `arn:aws:states:${REGION}:${SANDBOX}:stateMachine:powerTuningStateMachine-0a1b2c3d`,
                },
                expect: "Allowed",
            },
            {
                as: "pr-feedback-access-role",
                does: "read a copy's function configuration",
                request: { action: "lambda:GetFunctionConfiguration", resource: sandboxFunction(COPY_A) },
                expect: "Allowed",
            },
            {
                as: "pr-feedback-access-role",
                does: "read the deploy's outputs",
                request: {
                    action: "s3:GetObject",
                    resource: `${COPY_BUCKET}/pull-request-builds/${SANDBOX_BUILD["codebuild:buildArn"]}/outputs.json`,
                },
                expect: "Allowed",
            },
            {
                as: "pr-feedback-role",
                does: "start a tuning execution as itself (only through its access role)",
                request: {
                    action: "states:StartExecution",
                    resource: `arn:aws:states:${REGION}:${SANDBOX}:stateMachine:powerTuningStateMachine-0a1b2c3d`,
                },
                expect: "denied",
            },
            {
                as: "pr-sweeper-access-role",
                does: "delete a copy's function in the sandbox",
                request: { action: "lambda:DeleteFunction", resource: sandboxFunction(COPY_A) },
                expect: "Allowed",
            },
            {
                as: "pr-sweeper-access-role",
                does: "delete a copy's state object",
                request: { action: "s3:DeleteObject", resource: `${COPY_BUCKET}/pull-requests/${COPY_A}/terraform.tfstate` },
                expect: "Allowed",
            },
            {
                as: "pr-sweeper-access-role",
                does: "delete a production function — stops: make the trusted sweeper reach beyond the pull-request namespace",
                request: { action: "lambda:DeleteFunction", resource: PRODUCTION_FUNCTION },
                expect: "denied",
            },
            {
                as: "pr-sweeper-access-role",
                does: "delete production's state",
                request: { action: "s3:DeleteObject", resource: `${STATE}/terraform-lambda/production.tfstate` },
                expect: "denied",
            },
            {
                as: "pr-source-access-role",
                does: "hand a copy's source over",
                request: { action: "s3:PutObject", resource: `${COPY_BUCKET}/pull-request-sources/${COPY_A}/source.zip` },
                expect: "Allowed",
            },
            {
                as: "pr-source-access-role",
                does: "write a copy's state — stops: tamper with another build's copy",
                request: { action: "s3:PutObject", resource: `${COPY_BUCKET}/pull-requests/${COPY_A}/terraform.tfstate` },
                expect: "denied",
            },
            {
                as: "pr-source-role",
                does: "write a source in the sandbox as itself (only through its access role)",
                request: { action: "s3:PutObject", resource: `${COPY_BUCKET}/pull-request-sources/${COPY_A}/source.zip` },
                expect: "denied",
            },
            {
                as: "pr-source-role",
                does: "comment or approve — stops: approve its own pull request",
                request: { action: "codecommit:UpdatePullRequestApprovalState", resource: REPOSITORY },
                expect: "denied",
            },
            {
                as: "pr-workflow-access-role",
                does: "start the sandbox's deploy build",
                request: { action: "codebuild:StartBuild", resource: `arn:aws:codebuild:${REGION}:${SANDBOX}:project/pr-deploy` },
                expect: "Allowed",
            },
            {
                as: "pr-workflow-access-role",
                does: "start anything of production's account",
                request: { action: "codebuild:StartBuild", resource: `arn:aws:codebuild:${REGION}:${PRODUCTION}:project/deployment-apply` },
                expect: "denied",
            },
        ];
        for (const row of ROWS) {
            const name = typeof row.as === "string" ? row.as : row.as.name;
            it(`${name} ${row.expect === "Allowed" ? "may" : "may not"} ${row.does}`, async () => {
                const principal =
                    typeof row.as !== "string" ? row.as : row.as === "copy A's credentials" ? iam.copySession(COPY_A) : iam.role(row.as);
                const decision = await iam.decide(principal, row.request);
                assert.ok(
                    row.expect === "denied" ? decision !== "Allowed" : decision === row.expect,
                    `${decision}, expected ${row.expect}`,
                );
            });
        }
    });
});
