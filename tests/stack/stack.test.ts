import * as assert from "node:assert";
import { isDeepStrictEqual } from "node:util";
import { type MockedStack, mockedStack, ofType } from "../support/mocked-stack";

/**
 * The AWS resource types of this stack whose arguments have no `tags` (checked against
 * @pulumi/aws's definitions when each was added). A type missing from this list must be tagged.
 */
const UNTAGGABLE_TYPES = new Set([
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:codecommit/approvalRuleTemplate:ApprovalRuleTemplate",
    "aws:codecommit/approvalRuleTemplateAssociation:ApprovalRuleTemplateAssociation",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
]);

/** The logical names of the registered resources of one type, sorted. */
function namesOf(stack: MockedStack, type: string): string[] {
    return ofType(stack, type)
        .map((resource) => resource.name)
        .sort();
}

describe("the whole stack under mocks (Pulumi.dev.yaml)", () => {
    let stack: MockedStack;
    before(async () => {
        stack = await mockedStack();
    });

    it("is made of these components", () => {
        const components = (name: string) => namesOf(stack, `lambda-power-tuned:index:${name}`);
        assert.deepStrictEqual(components("ArtifactStorage"), ["storage"]);
        assert.deepStrictEqual(components("StorageAccess"), ["storage-access"]);
        assert.deepStrictEqual(components("FunctionBoundary"), ["function-boundary"]);
        assert.deepStrictEqual(components("PowerTuningApp"), ["power-tuning"]);
        assert.deepStrictEqual(components("LambdaRepository"), ["functions"]);
        assert.deepStrictEqual(components("PullRequestWorkflow"), ["pr"]);
        assert.deepStrictEqual(components("PullRequestSweeper"), ["pr-sweeper"]);
        assert.deepStrictEqual(components("CopyDecisionFunction"), ["pr-copy-decision"]);
        assert.deepStrictEqual(components("DeploymentPipeline"), ["deployment"]);
        assert.deepStrictEqual(components("BuildProject"), [
            "deployment-apply",
            "deployment-destroy",
            "deployment-plan",
            "pr-deploy",
            "pr-destroy",
            "pr-feedback",
            "pr-sweeper",
        ]);
    });

    it("creates exactly these identities, each with one inline policy and none managed", () => {
        const roles = [
            ...["deployment-apply", "deployment-destroy", "deployment-plan", "pr-deploy", "pr-destroy", "pr-feedback", "pr-sweeper"].map(
                (build) => `${build}-role`,
            ),
            "deployment-on-push-role",
            "deployment-pipeline-role",
            "pr-bot-role",
            "pr-sweeper-schedule-role",
            "pr-copy-decision-role",
            "pr-copy-role",
            "pr-trigger-role",
            "pr-workflow-role",
        ].sort();
        assert.deepStrictEqual(namesOf(stack, "aws:iam/role:Role"), roles);
        assert.deepStrictEqual(namesOf(stack, "lambda-power-tuned:index:ServiceRole"), roles);
        assert.deepStrictEqual(namesOf(stack, "aws:iam/rolePolicy:RolePolicy"), roles.map((role) => `${role}-policy`).sort());
        assert.deepStrictEqual(namesOf(stack, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"), []);
        assert.deepStrictEqual(namesOf(stack, "aws:iam/policy:Policy"), [
            "function-boundary-copy",
            "function-boundary-policy",
            "merge-gate-protect-main",
        ]);
        assert.deepStrictEqual(namesOf(stack, "aws:iam/user:User"), []);
    });

    it("creates exactly these buckets, each secured, and two objects: the repository's seed and the runner", () => {
        const buckets = ["storage-artifacts", "storage-state"];
        assert.deepStrictEqual(namesOf(stack, "aws:s3/bucket:Bucket"), buckets);
        for (const [type, suffix] of [
            ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "encryption"],
            ["aws:s3/bucketOwnershipControls:BucketOwnershipControls", "ownership"],
            ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "public-access-block"],
            ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lifecycle"],
        ]) {
            assert.deepStrictEqual(
                namesOf(stack, type),
                buckets.map((bucket) => `${bucket}-${suffix}`),
                type,
            );
        }
        assert.deepStrictEqual(namesOf(stack, "aws:s3/bucketVersioning:BucketVersioning"), ["storage-state-versioning"]);
        assert.deepStrictEqual(namesOf(stack, "aws:s3/bucketPolicy:BucketPolicy"), [
            "storage-access-artifacts-policy",
            "storage-access-state-policy",
        ]);
        assert.deepStrictEqual(namesOf(stack, "aws:s3/bucketObjectv2:BucketObjectv2"), ["functions-seed", "pr-runner"]);
    });

    it("creates exactly these builds, functions, state machines, pipelines, triggers, repositories and approval rules", () => {
        const builds = [
            "deployment-apply",
            "deployment-destroy",
            "deployment-plan",
            "pr-deploy",
            "pr-destroy",
            "pr-feedback",
            "pr-sweeper",
        ];
        assert.deepStrictEqual(namesOf(stack, "aws:codebuild/project:Project"), builds);
        assert.deepStrictEqual(
            namesOf(stack, "aws:cloudwatch/logGroup:LogGroup"),
            [...builds.map((build) => `${build}-logs`), "pr-copy-decision-logs"].sort(),
        );
        assert.deepStrictEqual(namesOf(stack, "aws:lambda/function:Function"), ["pr-copy-decision"]);
        assert.deepStrictEqual(namesOf(stack, "aws:sfn/stateMachine:StateMachine"), ["pr-workflow"]);
        assert.deepStrictEqual(namesOf(stack, "aws:serverlessrepository/cloudFormationStack:CloudFormationStack"), ["power-tuning-stack"]);
        assert.deepStrictEqual(namesOf(stack, "aws:codepipeline/pipeline:Pipeline"), ["deployment"]);
        assert.deepStrictEqual(namesOf(stack, "aws:cloudwatch/eventRule:EventRule"), [
            "deployment-on-push",
            "pr-sweeper-schedule",
            "pr-trigger",
        ]);
        assert.deepStrictEqual(namesOf(stack, "aws:cloudwatch/eventTarget:EventTarget"), [
            "deployment-on-push-target",
            "pr-sweeper-schedule-target",
            "pr-trigger-target",
        ]);
        // The repository is the one resource of its own CloudFormation stack, which seeds it.
        assert.deepStrictEqual(namesOf(stack, "aws:cloudformation/stack:Stack"), ["functions-stack"]);
        assert.deepStrictEqual(namesOf(stack, "aws:codecommit/repository:Repository"), []);
        assert.deepStrictEqual(namesOf(stack, "pulumi-nodejs:dynamic:Resource"), []);
        assert.deepStrictEqual(namesOf(stack, "aws:codecommit/approvalRuleTemplate:ApprovalRuleTemplate"), [
            "merge-gate-bot-approval",
            "merge-gate-review-approval",
        ]);
        assert.deepStrictEqual(namesOf(stack, "aws:codecommit/approvalRuleTemplateAssociation:ApprovalRuleTemplateAssociation"), [
            "merge-gate-bot-approval-association",
            "merge-gate-review-approval-association",
        ]);
    });

    it("uses the lambda-power-tuned:index:<Name> type token for every component", () => {
        const components = stack.resources.filter((resource) => !/^(aws|pulumi|pulumi-nodejs):/.test(resource.type));
        assert.ok(components.length > 0);
        for (const component of components) assert.match(component.type, /^lambda-power-tuned:index:[A-Z][A-Za-z]+$/);
    });

    it("exports clone URLs, the state machines, the pipeline, both destroy projects, the sweeper, both buckets and the protect-main policy", () => {
        assert.deepStrictEqual(stack.outputs, {
            repositoryCloneUrlHttp: "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/power-tuned-functions",
            repositoryCloneUrlSsh: "ssh://git-codecommit.us-east-1.amazonaws.com/v1/repos/power-tuned-functions",
            stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-0a1b2c3d",
            pipelineName: "power-tuned-deployment",
            pullRequestWorkflowArn: "arn:aws:states:us-east-1:123456789012:stateMachine:power-tuned-pull-request-workflow",
            pullRequestDestroyProjectName: "pr-destroy",
            pullRequestSweepProjectName: "pr-sweeper",
            destroyProjectName: "deployment-destroy",
            stateBucketName: "storage-state-0a1b2c3d",
            artifactBucketName: "storage-artifacts-0a1b2c3d",
            protectMainPolicyArn: "arn:aws:iam::123456789012:policy/lambda-power-tuned/power-tuned-protect-main",
        });
    });

    it("tags every taggable resource with the configured tags", () => {
        const configuredTags = stack.config["lambda-power-tuned:tags"] as Record<string, string>;
        assert.ok(Object.keys(configuredTags).length > 0, "Pulumi.dev.yaml sets tags");
        const resources = stack.resources.filter((resource) => resource.type.startsWith("aws:"));
        const taggable = resources.filter((resource) => !UNTAGGABLE_TYPES.has(resource.type));
        // The check means something only if it covers the stack's main resources.
        for (const type of [
            "aws:s3/bucket:Bucket",
            "aws:codebuild/project:Project",
            "aws:iam/role:Role",
            "aws:codepipeline/pipeline:Pipeline",
            "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
        ]) {
            assert.ok(
                taggable.some((resource) => resource.type === type),
                `${type} is taggable and present`,
            );
        }
        const missing = taggable
            .filter((resource) => !isDeepStrictEqual(resource.inputs.tags, configuredTags))
            .map((r) => `${r.type} ${r.name}`);
        assert.deepStrictEqual(missing, []);
        // A type listed as untaggable is one the stack has, and it is given no tags (so none is silently dropped).
        for (const type of UNTAGGABLE_TYPES) {
            const ofThisType = resources.filter((resource) => resource.type === type);
            assert.ok(ofThisType.length > 0, `${type} is in the stack`);
            assert.deepStrictEqual(
                ofThisType.filter((resource) => resource.inputs.tags !== undefined).map((r) => r.name),
                [],
                type,
            );
        }
    });
});
