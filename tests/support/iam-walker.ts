// Finds every IAM policy document in what a mocked Pulumi program registered — wherever it
// sits in a resource's inputs — and reports least-privilege violations, each naming the
// resource and the statement. Independent of components/iam/policies.ts on purpose: it checks
// the documents AWS would receive, not the code that built them.
import { COPY_ROLE_PATH, COPY_ROLE_TAG_KEY } from "../../buildscripts/contract";
import { type MockedStack, ofType, repositoryOf } from "./mocked-stack";
import { type RegisteredResource, TEST_ACCOUNT_ID, TEST_REGION } from "./pulumi-mocks";

export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action?: string | string[];
    readonly NotAction?: string | string[];
    readonly Resource?: string | string[];
    readonly NotResource?: string | string[];
    readonly Principal?: unknown;
    readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface FoundDocument {
    /** `<type> <name>` of the resource holding it. */
    readonly resource: string;
    /** Where in the inputs, e.g. `policy` or `assumeRolePolicy`. */
    readonly field: string;
    readonly statements: readonly PolicyStatement[];
}

export interface Violation {
    readonly resource: string;
    readonly statement: string;
    readonly problem: string;
}

/** What this stack may touch; scope checks allow nothing else. */
export interface StackScope {
    readonly region: string;
    readonly accountId: string;
    /** Terraform's namespaces: production's `<namePrefix>` and the pull-request copies' prefix. */
    readonly namePrefixes: readonly string[];
    /** The IAM path of a namespace's roles, by its prefix; `/` when not given. */
    readonly rolePaths: Readonly<Record<string, string>>;
    /** The tag a copy's roles carry their copy in (the copies' boundary reads it). */
    readonly copyTagKey: string;
    /** The stack's own roles: the only ones a role of the stack may assume. */
    readonly roleArns: readonly string[];
    /** EventBridge rules the stack's roles may manage (Step Functions' managed rule for CodeBuild). */
    readonly eventRuleArns: readonly string[];
    readonly repositoryArns: readonly string[];
    readonly stateMachineArns: readonly string[];
    readonly bucketArns: readonly string[];
    readonly logGroupArns: readonly string[];
    readonly projectArns: readonly string[];
    readonly pipelineArns: readonly string[];
    /** The stack's own Lambda functions (the decision function), outside both Terraform namespaces. */
    readonly functionArns: readonly string[];
}

/**
 * What the mocked stack may touch from one account (production's unless said), read from what it
 * registered there: its own things in that account, and its roles in either account (to assume them).
 */
export function mockedStackScope(stack: MockedStack, accountId: string = TEST_ACCOUNT_ID): StackScope {
    const arns = (type: string) =>
        ofType(stack, type)
            .filter((resource) => (resource.accountId ?? TEST_ACCOUNT_ID) === accountId)
            .map((resource) => resource.state.arn as string);
    return {
        region: TEST_REGION,
        accountId,
        namePrefixes: ["power-tuned", "pr-power-tuned"],
        rolePaths: { "pr-power-tuned": COPY_ROLE_PATH },
        copyTagKey: COPY_ROLE_TAG_KEY,
        roleArns: ofType(stack, "aws:iam/role:Role").map((role) => role.state.arn as string),
        eventRuleArns: [`arn:aws:events:${TEST_REGION}:${accountId}:rule/StepFunctionsGetEventForCodeBuildStartBuildRule`],
        repositoryArns: [repositoryOf(stack).arn].filter((arn) => arn.split(":")[4] === accountId),
        stateMachineArns: [stack.outputs.stateMachineArn as string, stack.outputs.pullRequestWorkflowArn as string].filter(
            (arn) => arn.split(":")[4] === accountId,
        ),
        bucketArns: arns("aws:s3/bucket:Bucket"),
        logGroupArns: arns("aws:cloudwatch/logGroup:LogGroup"),
        projectArns: arns("aws:codebuild/project:Project"),
        pipelineArns: arns("aws:codepipeline/pipeline:Pipeline"),
        functionArns: arns("aws:lambda/function:Function"),
    };
}

/**
 * Actions the Service Authorization Reference gives no resource type, so IAM authorizes them only
 * on `*`, each with why the stack needs it. None changes anything.
 */
const ACCOUNT_LEVEL_ACTIONS: Readonly<Record<string, string>> = {
    "lambda:GetAccountSettings": "tune --concurrency auto reads the account's unreserved concurrency",
    "cloudwatch:GetMetricData": "tune reads production's invocations and durations for the comment's monthly figures",
    "lambda:ListFunctions":
        "the sweeper finds the namespace's functions, and the trusted step its own copy's (each filters them by prefix)",
    "lambda:ListEventSourceMappings": "the sweeper finds the mappings of the namespace's functions",
    "iam:ListRoles": "the sweeper finds the namespace's roles (and filters them by path and prefix)",
};

const FORBIDDEN_MANAGED_POLICIES = ["AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"];

/** Every policy document in the inputs of every resource (JSON text or objects, at any depth). */
export function findPolicyDocuments(resources: readonly RegisteredResource[]): FoundDocument[] {
    const found: FoundDocument[] = [];
    for (const resource of resources) {
        visit(resource.inputs, "", (value, field) => {
            const document = asPolicyDocument(value);
            if (document) found.push({ resource: label(resource), field, statements: document });
            return document !== undefined;
        });
    }
    return found;
}

/** Every AWS managed policy ARN referenced anywhere in the inputs (attachments, managedPolicyArns, …). */
export function findManagedPolicyArns(resources: readonly RegisteredResource[]): Array<{ resource: string; field: string; arn: string }> {
    const found: Array<{ resource: string; field: string; arn: string }> = [];
    for (const resource of resources) {
        visit(resource.inputs, "", (value, field) => {
            if (typeof value === "string" && /^arn:aws[a-z-]*:iam::aws:policy\//.test(value))
                found.push({ resource: label(resource), field, arn: value });
            return false;
        });
    }
    return found;
}

/** AdministratorAccess / ReadOnlyAccess / PowerUserAccess, whatever their managed-policy path. */
export function forbiddenManagedPolicyViolations(resources: readonly RegisteredResource[]): Violation[] {
    return findManagedPolicyArns(resources)
        .filter(({ arn }) => FORBIDDEN_MANAGED_POLICIES.includes(arn.split("/").pop() ?? ""))
        .map(({ resource, field, arn }) => ({ resource, statement: field, problem: `attaches ${arn}` }));
}

/** Action `*` anywhere, `<service>:*` on Resource `*`, and NotAction/NotResource allows. */
export function broadGrantViolations(documents: readonly FoundDocument[]): Violation[] {
    return eachAllow(documents, (statement) => {
        if (statement.NotAction !== undefined || statement.NotResource !== undefined) return "allows by NotAction/NotResource";
        const actions = list(statement.Action);
        const resources = list(statement.Resource);
        if (actions.includes("*")) return "allows Action *";
        const wholeService = actions.find((action) => /^[a-z0-9-]+:\*$/.test(action));
        if (wholeService && resources.includes("*")) return `allows ${wholeService} on Resource *`;
        return undefined;
    });
}

/**
 * Identity-policy grants outside the stack's own things: Lambda and IAM only on `<prefix>-*` of
 * Terraform's namespaces (event source mappings only of such functions, by `lambda:FunctionArn`;
 * instance profiles `<prefix>-*`; a few list actions on `*`), logs only on `/aws/lambda/<prefix>-*` and the stack's own log groups,
 * CodeCommit only on its repository, Step Functions only on its state machines and executions,
 * S3 only on its buckets, CodeBuild/CodePipeline only on its projects and pipeline, STS only on
 * its own roles, EventBridge only on the named rules; no other service.
 */
export function scopeViolations(documents: readonly FoundDocument[], scope: StackScope): Violation[] {
    const identityPolicies = documents.filter((document) => document.statements.every((statement) => statement.Principal === undefined));
    return eachAllow(identityPolicies, (statement) => {
        const outside = list(statement.Action).flatMap((action) =>
            list(statement.Resource)
                .filter((resource) => !withinScope(action, resource, statement.Condition, scope))
                .map((resource) => `${action} on ${resource}`),
        );
        return outside.length > 0 ? `outside the stack's scope: ${outside.join("; ")}` : undefined;
    });
}

/** Resource policies (e.g. bucket policies) may only deny anonymous principals, never allow them. */
export function publicGrantViolations(documents: readonly FoundDocument[]): Violation[] {
    const resourcePolicies = documents.filter((document) => document.field !== "assumeRolePolicy");
    return eachAllow(resourcePolicies, (statement) => {
        const principal = JSON.stringify(statement.Principal ?? null);
        return principal === '"*"' || principal === '{"AWS":"*"}' ? `allows the anonymous principal ${principal}` : undefined;
    });
}

/**
 * Trust policies: assumed by AWS services on behalf of this account only, or by one of the
 * stack's own roles under one fixed session name (`sts:RoleSessionName`), or under session names
 * `<namespace prefix>-*` (a session per copy).
 */
export function trustPolicyViolations(
    documents: readonly FoundDocument[],
    accountId: string,
    stackRoleArns: readonly string[],
    namePrefixes: readonly string[] = [],
): Violation[] {
    return eachAllow(
        documents.filter((document) => document.field === "assumeRolePolicy"),
        (statement) => {
            const principal = statement.Principal as { Service?: unknown; AWS?: unknown } | undefined;
            const roles = list(principal?.AWS as string | string[] | undefined);
            if (Object.keys(principal ?? {}).length === 1 && roles.length > 0) {
                if (!roles.every((role) => stackRoleArns.includes(role)))
                    return `trusts ${JSON.stringify(statement.Principal)}, not only the stack's own roles`;
                const sessionName = statement.Condition?.StringEquals?.["sts:RoleSessionName"];
                const sessionNames = statement.Condition?.StringLike?.["sts:RoleSessionName"];
                if (typeof sessionName === "string" && !sessionName.includes("*")) return undefined;
                if (typeof sessionNames === "string" && namePrefixes.some((prefix) => sessionNames === `${prefix}-*`)) return undefined;
                return "trusts a role without fixing its session name (sts:RoleSessionName)";
            }
            const services = list(principal?.Service as string | string[] | undefined);
            if (
                Object.keys(principal ?? {}).length !== 1 ||
                services.length === 0 ||
                !services.every((s) => /^[a-z0-9-]+\.amazonaws\.com$/.test(s))
            ) {
                return `trusts ${JSON.stringify(statement.Principal)}, not only AWS services`;
            }
            if (statement.Condition?.StringEquals?.["aws:SourceAccount"] !== accountId)
                return "lacks the aws:SourceAccount condition (confused deputy)";
            return undefined;
        },
    );
}

function withinScope(action: string, resource: string, condition: PolicyStatement["Condition"], scope: StackScope): boolean {
    const { region, accountId, namePrefixes } = scope;
    const service = action.split(":")[0];
    const functions = (prefix: string) => `arn:aws:lambda:${region}:${accountId}:function:${prefix}-*`;
    const inNamespace = (arn: (prefix: string) => string, value = resource) => namePrefixes.some((prefix) => value === arn(prefix));
    if (resource === "*" && ACCOUNT_LEVEL_ACTIONS[action] !== undefined) return true;
    switch (service) {
        case "lambda": {
            const mappingsOf = condition?.ArnLike?.["lambda:FunctionArn"];
            const ofNamespaceFunctions =
                action === "lambda:DeleteEventSourceMapping" &&
                resource === `arn:aws:lambda:${region}:${accountId}:event-source-mapping:*` &&
                typeof mappingsOf === "string" &&
                inNamespace(functions, mappingsOf);
            return (
                ofNamespaceFunctions ||
                inNamespace(functions) ||
                (action === "lambda:InvokeFunction" && scope.functionArns.includes(resource))
            );
        }
        case "iam":
            return (
                inNamespace((prefix) => `arn:aws:iam::${accountId}:role${scope.rolePaths[prefix] ?? "/"}${prefix}-*`) ||
                inNamespace((prefix) => `arn:aws:iam::${accountId}:instance-profile/${prefix}-*`)
            );
        case "sts":
            return action === "sts:AssumeRole" && scope.roleArns.includes(resource);
        case "events":
            return scope.eventRuleArns.includes(resource);
        case "logs": {
            // The copies' boundary: the log groups of the copy a role's tag names, believed only for a tag of the namespace.
            const taggedCopy = `\${aws:PrincipalTag/${scope.copyTagKey}}`;
            const tagPattern = condition?.StringLike?.[`aws:PrincipalTag/${scope.copyTagKey}`];
            const ofTaggedCopy =
                resource === `arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/${taggedCopy}-*` &&
                typeof tagPattern === "string" &&
                namePrefixes.some((prefix) => tagPattern.startsWith(`${prefix}-`));
            return (
                ofTaggedCopy ||
                inNamespace((prefix) => `arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/${prefix}-*`) ||
                scope.logGroupArns.some((group) => resource === group || resource === `${group}:*`) ||
                // A list action: IAM authorizes it only against every log group of the account and region.
                (action === "logs:DescribeLogGroups" && resource === `arn:aws:logs:${region}:${accountId}:log-group:*`)
            );
        }
        case "codecommit":
            return scope.repositoryArns.includes(resource);
        case "states":
            return scope.stateMachineArns.some(
                (stateMachine) => resource === stateMachine || resource === `${stateMachine.replace(":stateMachine:", ":execution:")}:*`,
            );
        case "s3":
            return scope.bucketArns.some((bucket) => resource === bucket || resource.startsWith(`${bucket}/`));
        case "codebuild":
            return scope.projectArns.includes(resource);
        case "codepipeline":
            return scope.pipelineArns.includes(resource);
        default:
            return false;
    }
}

function eachAllow(documents: readonly FoundDocument[], check: (statement: PolicyStatement) => string | undefined): Violation[] {
    return documents.flatMap((document) =>
        document.statements.flatMap((statement, index) => {
            if (statement.Effect !== "Allow") return [];
            const problem = check(statement);
            return problem
                ? [{ resource: `${document.resource} (${document.field})`, statement: statement.Sid ?? `#${index}`, problem }]
                : [];
        }),
    );
}

function asPolicyDocument(value: unknown): PolicyStatement[] | undefined {
    let candidate = value;
    if (typeof value === "string" && value.trimStart().startsWith("{")) {
        try {
            candidate = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    if (typeof candidate !== "object" || candidate === null || !("Statement" in candidate)) return undefined;
    const statements = (candidate as { Statement: PolicyStatement | PolicyStatement[] }).Statement;
    return Array.isArray(statements) ? statements : [statements];
}

/** Depth-first over inputs; `found` returning true stops descending into that value. */
function visit(value: unknown, field: string, found: (value: unknown, field: string) => boolean): void {
    if (found(value, field)) return;
    if (Array.isArray(value)) {
        for (const [index, item] of value.entries()) visit(item, `${field}[${index}]`, found);
    } else if (typeof value === "object" && value !== null) {
        for (const [key, item] of Object.entries(value)) visit(item, field === "" ? key : `${field}.${key}`, found);
    }
}

function list(value: string | string[] | undefined): string[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function label(resource: RegisteredResource): string {
    return `${resource.type} ${resource.name}`;
}
