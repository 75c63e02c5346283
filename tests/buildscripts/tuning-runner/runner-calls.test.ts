// The runner's own AWS calls, as the in-process model logs them, each decided by the IAM simulator
// against the role that makes it in the stack: the project's role for the build's own key, the
// assumed role for a session's key (the pull-request bot). A denied or unmapped call fails.
import * as assert from "node:assert/strict";
import { authorizationOf, type CallScope } from "../../support/iam-requests";
import { StackIam } from "../../support/iam-simulator";
import { BUILD_ACCESS_KEY_ID, type AwsModel } from "../../support/aws-model";
import { InMemoryAws } from "../../support/in-memory-aws";
import { mockedStack, named, ofType, repositoryOf, type MockedStack } from "../../support/mocked-stack";
import { TEST_ACCOUNT_ID as ACCOUNT, TEST_REGION as REGION } from "../../support/pulumi-mocks";
import { RunnerWorkspace } from "../../support/runner-workspace";
import { ARTIFACT_LAYOUT, RUNNER_ENVIRONMENT } from "../../../buildscripts/contract";
import { DECIDE_COPY, decisionEnv, withPullRequestChanging } from "../../support/copy-decision-scenario";
import { MAIN_INPUT, trustedEnv, trustedWorkspace, TUNE, withTrustedStepCommits } from "../../support/trusted-step-scenario";
import { FOLLOW_UP_ENV, FOLLOW_UP_SWEEP, OLD_COPY, SCHEDULED_SWEEP, withAbandonedCopies } from "../../support/sweep-scenario";

/**
 * Every call of a run allowed for its role; the denied ones, described. CodeCommit calls are
 * judged on the stack's repository: the scenarios' pull request lives in a fixture repository of
 * another name.
 */
async function deniedCalls(
    stack: MockedStack,
    runner: string,
    aws: AwsModel,
    scenario: Pick<CallScope, "functionOfMapping" | "roleOf"> = {},
): Promise<string[]> {
    const iam = new StackIam(stack);
    const buildRole = iam.role(roleOf(stack, runner));
    const roleNamed = (arn: string) => iam.role(roleOf(stack, arn));
    const codebuild = {
        "codebuild:buildArn": `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${runner}:5e5e5e5e-1111-4222-8333-944444444444`,
    };
    const repositoryName = repositoryOf(stack).name;
    const denied: string[] = [];
    for (const request of aws.requests) {
        const session = aws.assumedRoles.find((assumed) => assumed.accessKeyId === request.accessKeyId);
        assert.ok(
            session !== undefined || request.accessKeyId === BUILD_ACCESS_KEY_ID,
            `${request.operation} signed by ${request.accessKeyId}, neither the build nor a session`,
        );
        const role = session === undefined ? buildRole : roleNamed(session.roleArn);
        const input = request.service === "codecommit" ? { ...request.body, repositoryName } : request.body;
        const authorization = await authorizationOf(
            { service: request.service, operation: request.operation, input },
            { accountId: ACCOUNT, region: REGION, repositoryName, ...scenario },
        );
        if ("noPermission" in authorization) continue;
        for (const needed of authorization.requests) {
            const context = needed.action.startsWith("s3:") ? { ...codebuild, ...needed.context } : needed.context;
            const decision = await iam.decide(role, { ...needed, ...(context ? { context } : {}) });
            if (decision !== "Allowed")
                denied.push(`${request.operation} needs ${needed.action} on ${needed.resource} as ${role.name}: ${decision}`);
        }
    }
    return denied;
}

/**
 * The logical name of the role that runs the runner: a project's service role, the decision
 * function's role, or the role of that ARN.
 */
function roleOf(stack: MockedStack, runner: string): string {
    const project = ofType(stack, "aws:codebuild/project:Project").find((candidate) => candidate.name === runner);
    const decision = ofType(stack, "aws:lambda/function:Function").find((candidate) => candidate.name === runner);
    const arn = project?.inputs.serviceRole ?? decision?.inputs.role ?? runner;
    const role = ofType(stack, "aws:iam/role:Role").find((candidate) => candidate.state.arn === arn);
    assert.ok(role, `${runner} runs as a role of the stack (${arn})`);
    return role.name;
}

/** What the stack sets in a project's or the decision function's environment. */
function environmentOf(stack: MockedStack, runner: string): Record<string, string> {
    const project = ofType(stack, "aws:codebuild/project:Project").find((candidate) => candidate.name === runner);
    if (project !== undefined)
        return Object.fromEntries(
            project.inputs.environment.environmentVariables.map(({ name, value }: { name: string; value: string }) => [name, value]),
        );
    return named(stack, "aws:lambda/function:Function", runner).inputs.environment.variables;
}

/**
 * What the sweep's calls name only by name or id, taken before the sweep deletes it: the function
 * each event source mapping invokes (the old copy's), and each role's path.
 */
function sweptAccount(aws: InMemoryAws): Pick<CallScope, "functionOfMapping" | "roleOf"> {
    const uuids = aws.eventSourceMappingIds();
    const roles = new Map([...aws.roles].map(([name, role]) => [name, { path: role.path }]));
    return {
        functionOfMapping: (uuid) => (uuids.includes(uuid) ? `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${OLD_COPY}-digest` : undefined),
        roleOf: (name) => roles.get(name),
    };
}

describe("the runner's own AWS calls, each allowed for the role that runs the command in the stack", () => {
    let stack: MockedStack;
    before(async function () {
        // The whole Pulumi program, once per process: slow on a crowded machine.
        this.timeout(120_000);
        stack = await mockedStack();
    });

    describe("sweep (pr-sweeper)", () => {
        it("the scheduled sweep of the namespace: lists, deletes in order, removes state objects", async () => {
            const aws = withAbandonedCopies(new InMemoryAws());
            const account = sweptAccount(aws);
            const run = await new RunnerWorkspace().run(SCHEDULED_SWEEP, {}, aws);
            assert.equal(run.code, 0, run.stderr);
            assert.ok(
                aws.requests.some((request) => request.operation === "DeleteRole"),
                "the sweep deleted something, so its writes were judged",
            );
            assert.deepEqual(await deniedCalls(stack, "pr-sweeper", aws, account), []);
        });

        it("the sweep after a destroy: exactly that copy, then the pull request's comment as the bot", async () => {
            const aws = withAbandonedCopies(new InMemoryAws());
            const account = sweptAccount(aws);
            const run = await new RunnerWorkspace().run(FOLLOW_UP_SWEEP, FOLLOW_UP_ENV, aws);
            assert.equal(run.code, 0, run.stderr);
            assert.ok(aws.assumedRoles.length > 0, "the comment went as the bot, so the bot's calls were judged");
            assert.deepEqual(await deniedCalls(stack, "pr-sweeper", aws, account), []);
        });
    });

    /** The stack's own values in the scenario's environment; the repository stays the scenario's (see deniedCalls). */
    const fromStack = (runner: string, ...names: string[]) =>
        Object.fromEntries(names.map((name) => [name, environmentOf(stack, runner)[name]]));

    describe("the feedback build (pr-feedback, and the bot)", () => {
        const feedbackEnv = () => ({
            ...trustedEnv(),
            ...fromStack(
                "pr-feedback",
                RUNNER_ENVIRONMENT.stateMachineArn,
                RUNNER_ENVIRONMENT.tuningHistoryUri,
                RUNNER_ENVIRONMENT.pullRequestNamePrefix,
                RUNNER_ENVIRONMENT.pullRequestBotRoleArn,
            ),
        });

        it("plan-comment: the plan commented on the pull request as the bot", async () => {
            const aws = withTrustedStepCommits(new InMemoryAws());
            const run = await trustedWorkspace().run(["plan-comment", "--plan", "plan.json"], feedbackEnv(), aws);
            assert.equal(run.code, 0, run.stderr);
            assert.ok(aws.requests.some((request) => request.operation === "PostCommentForPullRequest"));
            assert.deepEqual(await deniedCalls(stack, "pr-feedback", aws), []);
        });

        it("tune: settings from the destination commit, the tuning, the history, the comment and the approval", async () => {
            const aws = withTrustedStepCommits(new InMemoryAws());
            const history = feedbackEnv()[RUNNER_ENVIRONMENT.tuningHistoryUri];
            const args = [...TUNE.map((arg) => (arg.startsWith("s3://") ? history : arg)), "--concurrency", "auto"];
            const run = await trustedWorkspace().run(args, feedbackEnv(), aws);
            assert.equal(run.code, 0, run.stderr);
            for (const operation of ["GetFile", "StartExecution", "PutObject", "UpdatePullRequestApprovalState"])
                assert.ok(
                    aws.requests.some((request) => request.operation === operation),
                    `${operation} was made and judged`,
                );
            assert.deepEqual(await deniedCalls(stack, "pr-feedback", aws), []);
        });

        it("pull-request-feedback: the deploy build's plan and outputs read from its prefix, then the plan comment and the tuning", async () => {
            const aws = withTrustedStepCommits(new InMemoryAws());
            const bucket = fromStack("pr-feedback", RUNNER_ENVIRONMENT.artifactBucket)[RUNNER_ENVIRONMENT.artifactBucket];
            const deployBuild = `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/pr-deploy:6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29`;
            const work = trustedWorkspace();
            for (const file of ["plan.json", "outputs.json"])
                aws.putObject(bucket, `${ARTIFACT_LAYOUT.pullRequestBuildsPrefix}${deployBuild}/${file}`, work.read(file));
            const env = {
                ...feedbackEnv(),
                ...fromStack("pr-feedback", RUNNER_ENVIRONMENT.artifactBucket),
                [RUNNER_ENVIRONMENT.deployOutcome]: "SUCCEEDED",
                [RUNNER_ENVIRONMENT.deployBuildArn]: deployBuild,
            };
            const run = await work.run(
                ["pull-request-feedback", "--deploy-files", ".", "--results", "power-tuning-results.json"],
                env,
                aws,
            );
            assert.equal(run.code, 0, run.stderr);
            for (const operation of ["GetObject", "PostCommentForPullRequest", "StartExecution"])
                assert.ok(
                    aws.requests.some((request) => request.operation === operation),
                    `${operation} was made and judged`,
                );
            assert.deepEqual(await deniedCalls(stack, "pr-feedback", aws), []);
        });
    });

    it("decide-copy (the decision function's role, and the bot): the differences, the policy, production's history", async () => {
        const decision = ofType(stack, "aws:lambda/function:Function").find(
            (candidate) => candidate.inputs.environment?.variables?.[RUNNER_ENVIRONMENT.nonFunctionPaths] !== undefined,
        );
        assert.ok(decision, "the stack's decision function");
        const aws = withPullRequestChanging(new InMemoryAws(), { "README.md": "# Functions, documented\n" });
        const env = decisionEnv(
            fromStack(
                decision.name,
                RUNNER_ENVIRONMENT.tuningHistoryUri,
                RUNNER_ENVIRONMENT.pullRequestBotRoleArn,
                RUNNER_ENVIRONMENT.nonFunctionPaths,
            ),
        );
        const run = await new RunnerWorkspace().run(DECIDE_COPY, env, aws);
        assert.equal(run.code, 0, run.stderr);
        assert.ok(aws.requests.some((request) => request.operation === "GetDifferences"));
        assert.deepEqual(await deniedCalls(stack, decision.name, aws), []);
    });

    it("record (deployment-apply): production's configurations read, their fingerprints stored", async () => {
        const aws = new InMemoryAws();
        const digest = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${environmentOf(stack, "deployment-apply").TF_VAR_name_prefix}-digest`;
        aws.setFunctionConfiguration(digest, {
            MemorySize: 128,
            Runtime: "nodejs22.x",
            CodeSha256: "abc=",
            Architectures: ["arm64"],
            Handler: "index.handler",
            PackageType: "Zip",
        });
        const work = new RunnerWorkspace({
            "power-tuning-input.json": JSON.stringify(MAIN_INPUT),
            "outputs.json": JSON.stringify({ functions: { sensitive: false, type: ["map", "string"], value: { digest } } }),
        });
        const history = environmentOf(stack, "deployment-apply")[RUNNER_ENVIRONMENT.tuningHistoryUri];
        const run = await work.run(
            [
                "record",
                "--terraform-outputs",
                "outputs.json",
                "--input",
                "power-tuning-input.json",
                "--history",
                history,
                "--source-commit",
                "a".repeat(40),
            ],
            {},
            aws,
        );
        assert.equal(run.code, 0, run.stderr);
        assert.ok(aws.requests.some((request) => request.operation === "PutObject"));
        assert.deepEqual(await deniedCalls(stack, "deployment-apply", aws), []);
    });
});
