// The runner's own AWS calls, as the in-process model logs them, each decided by the IAM simulator
// against the role that makes it in the stack: the project's role for the build's own key, the
// assumed role for a session's key (the pull-request bot). A denied or unmapped call fails.
import * as assert from "node:assert/strict";
import { authorizationOf } from "../support/iam-requests";
import { StackIam } from "../support/iam-simulator";
import { BUILD_ACCESS_KEY_ID, type AwsModel } from "../support/aws-model";
import { InMemoryAws } from "../support/in-memory-aws";
import { mockedStack, named, ofType, type MockedStack } from "../support/mocked-stack";
import { TEST_ACCOUNT_ID as ACCOUNT, TEST_REGION as REGION } from "../support/pulumi-mocks";
import { RunnerWorkspace } from "../support/runner-workspace";
import { FOLLOW_UP_ENV, FOLLOW_UP_SWEEP, OLD_COPY, SCHEDULED_SWEEP, withAbandonedCopies } from "../support/sweep-scenario";

/**
 * Every call of a run allowed for its role; the denied ones, described. CodeCommit calls are
 * judged on the stack's repository: the scenarios' pull request lives in a fixture repository of
 * another name.
 */
async function deniedCalls(stack: MockedStack, project: string, aws: AwsModel, functionOfMapping?: (uuid: string) => string | undefined): Promise<string[]> {
    const iam = new StackIam(stack);
    const roleNamed = (arn: string) => {
        const role = ofType(stack, "aws:iam/role:Role").find((candidate) => candidate.state.arn === arn);
        assert.ok(role, `${arn} is a role of the stack`);
        return iam.role(role.name);
    };
    const buildRole = roleNamed(named(stack, "aws:codebuild/project:Project", project).inputs.serviceRole);
    const codebuild = { "codebuild:buildArn": `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${project}:5e5e5e5e-1111-4222-8333-944444444444` };
    const repositoryName = ofType(stack, "aws:codecommit/repository:Repository")[0]?.inputs.repositoryName;
    const denied: string[] = [];
    for (const request of aws.requests) {
        const session = aws.assumedRoles.find((assumed) => assumed.accessKeyId === request.accessKeyId);
        assert.ok(session !== undefined || request.accessKeyId === BUILD_ACCESS_KEY_ID, `${request.operation} signed by ${request.accessKeyId}, neither the build nor a session`);
        const role = session === undefined ? buildRole : roleNamed(session.roleArn);
        const input = request.service === "codecommit" ? { ...request.body, repositoryName } : request.body;
        const authorization = await authorizationOf({ service: request.service, operation: request.operation, input }, { accountId: ACCOUNT, region: REGION, repositoryName, functionOfMapping });
        if ("noPermission" in authorization) continue;
        for (const needed of authorization.requests) {
            const context = needed.action.startsWith("s3:") ? { ...codebuild, ...needed.context } : needed.context;
            const decision = await iam.decide(role, { ...needed, ...(context ? { context } : {}) });
            if (decision !== "Allowed") denied.push(`${request.operation} needs ${needed.action} on ${needed.resource} as ${role.name}: ${decision}`);
        }
    }
    return denied;
}

/** The scenario's event source mappings: each invokes the old copy's function. */
function oldCopyMappings(aws: InMemoryAws): (uuid: string) => string | undefined {
    const uuids = aws.eventSourceMappingIds();
    return (uuid) => (uuids.includes(uuid) ? `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${OLD_COPY}-digest` : undefined);
}

describe("the runner's own AWS calls, each allowed for the role that runs the command in the stack", () => {
    let stack: MockedStack;
    before(async () => {
        stack = await mockedStack();
    });

    describe("sweep (pr-sweeper)", () => {
        it("the scheduled sweep of the namespace: lists, deletes in order, removes state objects", async () => {
            const aws = withAbandonedCopies(new InMemoryAws());
            const mappings = oldCopyMappings(aws);
            const run = await new RunnerWorkspace().run(SCHEDULED_SWEEP, {}, aws);
            assert.equal(run.code, 0, run.stderr);
            assert.ok(aws.requests.some((request) => request.operation === "DeleteRole"), "the sweep deleted something, so its writes were judged");
            assert.deepEqual(await deniedCalls(stack, "pr-sweeper", aws, mappings), []);
        });

        it("the sweep after a destroy: exactly that copy, then the pull request's comment as the bot", async () => {
            const aws = withAbandonedCopies(new InMemoryAws());
            const mappings = oldCopyMappings(aws);
            const run = await new RunnerWorkspace().run(FOLLOW_UP_SWEEP, FOLLOW_UP_ENV, aws);
            assert.equal(run.code, 0, run.stderr);
            assert.ok(aws.assumedRoles.length > 0, "the comment went as the bot, so the bot's calls were judged");
            assert.deepEqual(await deniedCalls(stack, "pr-sweeper", aws, mappings), []);
        });
    });
});
