import * as assert from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import { MockedStack, mockedStack } from "../support/mocked-stack";

/** Whether the provider's own type definitions give this resource type a `tags` input. */
function isTaggable(type: string): boolean {
    const [, module, className] = type.split(":");
    const awsRoot = path.dirname(require.resolve("@pulumi/aws/package.json"));
    const definitions = readFileSync(path.join(awsRoot, `${module}.d.ts`), "utf8");
    const start = definitions.indexOf(`export interface ${className}Args {`);
    assert.ok(start >= 0, `no ${className}Args in @pulumi/aws/${module}.d.ts`);
    const args = definitions.slice(start, definitions.indexOf("\n}\n", start));
    return /\n\s+tags\?:/.test(args);
}

describe("the whole stack under mocks (Pulumi.dev.yaml)", () => {
    let stack: MockedStack;
    before(async () => {
        stack = await mockedStack();
    });

    it("registers exactly these resources", () => {
        const counts: Record<string, number> = {};
        for (const resource of stack.resources) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
        assert.deepStrictEqual(counts, {
            "lambda-power-tuned:index:ArtifactStorage": 1,
            "lambda-power-tuned:index:StorageAccess": 1,
            "lambda-power-tuned:index:FunctionBoundary": 1,
            "lambda-power-tuned:index:PowerTuningApp": 1,
            "lambda-power-tuned:index:LambdaRepository": 1,
            "lambda-power-tuned:index:PullRequestWorkflow": 1,
            "lambda-power-tuned:index:DeploymentPipeline": 1,
            // Pull-request deploy, feedback, destroy + pipeline plan, apply, destroy.
            "lambda-power-tuned:index:BuildProject": 6,
            // The six builds, the bot, the workflow, the pipeline, and the two EventBridge targets.
            "lambda-power-tuned:index:ServiceRole": 11,
            "aws:iam/role:Role": 11,
            "aws:iam/rolePolicy:RolePolicy": 11,
            "aws:iam/policy:Policy": 1,
            "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": 1,
            "aws:s3/bucket:Bucket": 2,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 2,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 2,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 2,
            "aws:s3/bucketPolicy:BucketPolicy": 2,
            "aws:s3/bucketVersioning:BucketVersioning": 1,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 2,
            "aws:s3/bucketObjectv2:BucketObjectv2": 1,
            "aws:codecommit/repository:Repository": 1,
            "pulumi-nodejs:dynamic:Resource": 1,
            "aws:codecommit/approvalRuleTemplate:ApprovalRuleTemplate": 1,
            "aws:codecommit/approvalRuleTemplateAssociation:ApprovalRuleTemplateAssociation": 1,
            "aws:codebuild/project:Project": 6,
            "aws:cloudwatch/logGroup:LogGroup": 6,
            "aws:cloudwatch/eventRule:EventRule": 2,
            "aws:cloudwatch/eventTarget:EventTarget": 2,
            "aws:codepipeline/pipeline:Pipeline": 1,
            "aws:sfn/stateMachine:StateMachine": 1,
        });
    });

    it("uses the lambda-power-tuned:index:<Name> type token for every component", () => {
        const components = stack.resources.filter((resource) => !resource.type.startsWith("aws:") && !resource.type.startsWith("pulumi-nodejs:"));
        assert.ok(components.length > 0);
        for (const component of components) assert.match(component.type, /^lambda-power-tuned:index:[A-Z][A-Za-z]+$/);
    });

    it("exports clone URLs, the state machines, the pipeline, both destroy projects and both buckets", () => {
        assert.deepStrictEqual(stack.outputs, {
            repositoryCloneUrlHttp: "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/power-tuned-functions",
            repositoryCloneUrlSsh: "ssh://git-codecommit.us-east-1.amazonaws.com/v1/repos/power-tuned-functions",
            stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-0a1b2c3d",
            pipelineName: "power-tuned-deployment",
            pullRequestWorkflowArn: "arn:aws:states:us-east-1:123456789012:stateMachine:pr-workflow",
            pullRequestDestroyProjectName: "pr-destroy",
            destroyProjectName: "deployment-destroy",
            stateBucketName: "storage-state-0a1b2c3d",
            artifactBucketName: "storage-artifacts-0a1b2c3d",
        });
    });

    it("tags every taggable resource with the configured tags", () => {
        const configuredTags = stack.config["lambda-power-tuned:tags"] as Record<string, string>;
        assert.ok(Object.keys(configuredTags).length > 0, "Pulumi.dev.yaml sets tags");
        const taggable = stack.resources.filter((resource) => resource.type.startsWith("aws:") && isTaggable(resource.type));
        const untaggable = new Set(stack.resources.filter((resource) => resource.type.startsWith("aws:") && !isTaggable(resource.type)).map((r) => r.type));
        // The check means something only if it covers the stack's main resources.
        for (const type of ["aws:s3/bucket:Bucket", "aws:codebuild/project:Project", "aws:iam/role:Role", "aws:codepipeline/pipeline:Pipeline", "aws:serverlessrepository/cloudFormationStack:CloudFormationStack"]) {
            assert.ok(taggable.some((resource) => resource.type === type), `${type} is taggable and present`);
        }
        assert.ok(untaggable.has("aws:iam/rolePolicy:RolePolicy"), "untaggable types are recognised as such");
        const missing = taggable.filter((resource) => !isDeepStrictEqual(resource.inputs.tags, configuredTags)).map((r) => `${r.type} ${r.name}`);
        assert.deepStrictEqual(missing, []);
    });
});
