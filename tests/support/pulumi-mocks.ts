// Loaded once by mocha (--require) before any test file imports the Pulumi program:
// setMocks is process-global, and a program module imported before it would register
// its resources against the real engine and resolve every output to undefined.
import * as pulumi from "@pulumi/pulumi";

export const TEST_ACCOUNT_ID = "123456789012";
/** The sandbox account of the two-account tests (config `copyAccount`). */
export const TEST_COPY_ACCOUNT_ID = "210987654321";
export const TEST_REGION = "us-east-1";
/** Who runs `pulumi up` in the tests: an SSO session, whose role has a path (as AWS IAM Identity Center's roles do). */
export const TEST_DEPLOYER_SESSION_ARN = `arn:aws:sts::${TEST_ACCOUNT_ID}:assumed-role/AWSReservedSSO_Admin_0a1b2c3d/deployer@example.com`;
export const TEST_DEPLOYER_ROLE_ARN = `arn:aws:iam::${TEST_ACCOUNT_ID}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0a1b2c3d`;

/** Every resource the program registered under mocks, in registration order. */
export interface RegisteredResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly id: string;
    readonly state: Record<string, any>;
    /**
     * The account the resource is created in: its explicit AWS provider's only allowed account, or
     * production's (the default provider's). Always set by the mocks; optional for resources a test makes up.
     */
    readonly accountId?: string;
}

export const registeredResources: RegisteredResource[] = [];

/** Every resource constructed under trackConstruction, registered or not yet. */
const constructed = new Set<pulumi.Resource>();

/**
 * Notes each resource as it is constructed, and changes nothing. A (legacy) transformation,
 * because those run in the SDK itself, under mocks too: registered on the stack it sees the
 * whole program, passed in a component's options it sees the component and its children.
 */
export const trackConstruction: pulumi.ResourceTransformation = ({ resource }) => {
    constructed.add(resource);
    return undefined;
};

/**
 * Waits until every tracked resource has reached the mocks: a resource whose inputs are Outputs
 * of others registers only once those resolve, and its URN is known only once it registered.
 * Resources constructed while waiting are waited for too.
 */
export async function settled(): Promise<void> {
    for (let waitedFor = -1; waitedFor !== constructed.size; ) {
        const resources = [...constructed];
        waitedFor = resources.length;
        await Promise.all(resources.map((resource) => new Promise((registered) => resource.urn.apply(registered))));
    }
}

/** The accounts explicit AWS providers are confined to (`allowedAccountIds`), by their id. */
const providerAccounts = new Map<string, string>();

/** A provider reference (`<urn>::<id>`) as the engine passes it, to the account its resources go to. */
function accountOf(provider: string | undefined): string {
    const id = provider?.slice(provider.lastIndexOf("::") + 2);
    return (id !== undefined && providerAccounts.get(id)) || TEST_ACCOUNT_ID;
}

/** Records an explicit AWS provider's one allowed account (the engine may pass a list input as JSON text). */
function recordProvider(id: string, inputs: Record<string, any>): void {
    const allowed = typeof inputs.allowedAccountIds === "string" ? JSON.parse(inputs.allowedAccountIds) : inputs.allowedAccountIds;
    if (Array.isArray(allowed) && allowed.length === 1) providerAccounts.set(id, allowed[0]);
}

/** Outputs AWS would compute that the program reads back, in the resource's account; keyed by resource type. */
function computedOutputs(type: string, name: string, inputs: Record<string, any>, accountId: string): Record<string, any> {
    const arnTail = inputs.name ?? name;
    switch (type) {
        case "aws:s3/bucket:Bucket": {
            const bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? name}-0a1b2c3d`;
            return { bucket, arn: `arn:aws:s3:::${bucket}` };
        }
        case "aws:iam/policy:Policy":
            return { arn: `arn:aws:iam::${accountId}:policy${inputs.path ?? "/"}${arnTail}`, name: arnTail };
        case "aws:sfn/stateMachine:StateMachine":
            return { arn: `arn:aws:states:${TEST_REGION}:${accountId}:stateMachine:${arnTail}`, name: arnTail };
        case "aws:iam/role:Role":
            // IAM puts a role's path into its ARN (but not into assumed-role session ARNs).
            return { arn: `arn:aws:iam::${accountId}:role${inputs.path ?? "/"}${arnTail}`, name: arnTail };
        case "aws:cloudwatch/logGroup:LogGroup": {
            const logGroupName = inputs.name ?? `${inputs.namePrefix ?? `${name}-`}0a1b2c3d`;
            return { arn: `arn:aws:logs:${TEST_REGION}:${accountId}:log-group:${logGroupName}`, name: logGroupName };
        }
        case "aws:codecommit/approvalRuleTemplate:ApprovalRuleTemplate":
            return { name: arnTail, approvalRuleTemplateId: "0a1b2c3d-0000-4000-8000-000000000002" };
        case "aws:cloudformation/stack:Stack":
            return { outputs: cloudFormationOutputs(JSON.parse(inputs.templateBody), accountId) };
        case "aws:lambda/function:Function":
            return { arn: `arn:aws:lambda:${TEST_REGION}:${accountId}:function:${arnTail}`, name: arnTail };
        case "aws:codebuild/project:Project":
            return { arn: `arn:aws:codebuild:${TEST_REGION}:${accountId}:project/${arnTail}`, name: arnTail };
        case "aws:codepipeline/pipeline:Pipeline":
            return { arn: `arn:aws:codepipeline:${TEST_REGION}:${accountId}:${arnTail}`, name: arnTail };
        case "aws:cloudwatch/eventRule:EventRule":
            return { arn: `arn:aws:events:${TEST_REGION}:${accountId}:rule/${arnTail}`, name: arnTail };
        case "aws:serverlessrepository/cloudFormationStack:CloudFormationStack":
            return {
                outputs: {
                    StateMachineARN: `arn:aws:states:${TEST_REGION}:${accountId}:stateMachine:powerTuningStateMachine-0a1b2c3d`,
                },
            };
        default:
            return {};
    }
}

/**
 * The outputs CloudFormation would report for a template: each `Fn::GetAtt` of a CodeCommit
 * repository (the only kind of resource the stack's templates hold) as AWS computes it.
 */
function cloudFormationOutputs(
    template: { Resources: Record<string, { Type: string; Properties: Record<string, any> }>; Outputs?: Record<string, { Value: any }> },
    accountId: string,
) {
    const attribute = ([logicalId, name]: [string, string]): string => {
        const { Type, Properties } = template.Resources[logicalId];
        if (Type !== "AWS::CodeCommit::Repository") throw new Error(`no mock for ${Type}.${name}`);
        const repositoryName: string = Properties.RepositoryName;
        const attributes: Record<string, string> = {
            Name: repositoryName,
            Arn: `arn:aws:codecommit:${TEST_REGION}:${accountId}:${repositoryName}`,
            CloneUrlHttp: `https://git-codecommit.${TEST_REGION}.amazonaws.com/v1/repos/${repositoryName}`,
            CloneUrlSsh: `ssh://git-codecommit.${TEST_REGION}.amazonaws.com/v1/repos/${repositoryName}`,
        };
        if (attributes[name] === undefined) throw new Error(`no mock for ${Type}.${name}`);
        return attributes[name];
    };
    return Object.fromEntries(Object.entries(template.Outputs ?? {}).map(([key, { Value }]) => [key, attribute(Value["Fn::GetAtt"])]));
}

pulumi.runtime.setMocks(
    {
        newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
            const id = `${args.name}-id`;
            if (args.type === "pulumi:providers:aws") recordProvider(id, args.inputs);
            const accountId = accountOf(args.provider);
            const state = { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs, accountId) };
            registeredResources.push({ type: args.type, name: args.name, inputs: args.inputs, id, state, accountId });
            return { id, state };
        },
        call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
            switch (args.token) {
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return {
                        accountId: TEST_ACCOUNT_ID,
                        arn: TEST_DEPLOYER_SESSION_ARN,
                        userId: "AROATEST:deployer@example.com",
                        id: TEST_ACCOUNT_ID,
                    };
                case "aws:iam/getSessionContext:getSessionContext":
                    // As IAM answers: a session's issuer is its role, with the role's path; any other ARN is its own issuer.
                    if (args.inputs.arn !== TEST_DEPLOYER_SESSION_ARN)
                        return { arn: args.inputs.arn, issuerArn: args.inputs.arn, id: args.inputs.arn };
                    return {
                        arn: args.inputs.arn,
                        issuerArn: TEST_DEPLOYER_ROLE_ARN,
                        issuerId: "AROATEST",
                        issuerName: "AWSReservedSSO_Admin_0a1b2c3d",
                        sessionName: "deployer@example.com",
                        id: args.inputs.arn,
                    };
                case "aws:index/getRegion:getRegion":
                    return { name: TEST_REGION, region: TEST_REGION, id: TEST_REGION, description: "US East (N. Virginia)" };
                case "aws:index/getPartition:getPartition":
                    return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
                default:
                    // A missing mock must be loud: an undefined invoke result turns into silently wrong resources.
                    throw new Error(`no mock for invoke ${args.token}`);
            }
        },
    },
    "lambda-power-tuned",
    "test",
    false, // preview = false: with true, unknown outputs never resolve and tests hang
);
