// Evaluates requests against the policy documents the mocked stack registered — role inline
// policies, trust policies, the function boundaries, bucket policies, and the session policy the
// pull-request workflow passes with each copy's credentials — with an IAM policy simulator
// (@cloud-copilot/iam-simulate, test-only, which evaluates session policies itself), so "denied"
// means what IAM would decide, not what a string match suggests.
import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { COPY_ROLE_PATH, COPY_ROLE_TAG_KEY } from "../../buildscripts/contract";
import type { MockedStack } from "./mocked-stack";
import { named as registered, ofType } from "./mocked-stack";
import { TEST_ACCOUNT_ID } from "./pulumi-mocks";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export interface PolicyDocument {
    readonly Version: string;
    readonly Statement: unknown[];
}

/** A principal: a role of the stack, or one made up for a test (a role Terraform created), in a session. */
export interface SimulatedRole {
    readonly arn: string;
    readonly name: string;
    readonly identityPolicies: readonly PolicyDocument[];
    readonly boundary?: PolicyDocument;
    /** The session's policy (AssumeRole's `Policy`), when it has one. */
    readonly sessionPolicy?: PolicyDocument;
    /** `aws:PrincipalTag/…`: the role's tags, or session tags overriding them. */
    readonly principalTags?: Readonly<Record<string, string>>;
    /** Default a CodeBuild session's name. */
    readonly sessionName?: string;
}

export interface Request {
    readonly action: string;
    readonly resource: string;
    /** Request context beyond the principal's own keys (iam:PermissionsBoundary, codebuild:buildArn, …). */
    readonly context?: Record<string, string>;
    /**
     * Why the request is judged without the simulator's check of the resource against the Service
     * Authorization Reference: AWS authorizes it against a resource the reference does not list.
     */
    readonly unvalidated?: string;
}

/**
 * Keys CodeBuild adds to every request its service role makes (CodeBuild user guide, "Use
 * CodeBuild condition keys as IAM service role variables"). The Service Authorization Reference
 * lists them for CodeBuild's own actions only, so the validated simulation drops them from an
 * S3 request; such a request is evaluated once more, unvalidated, with them.
 */
const CODEBUILD_REQUEST_KEYS = ["codebuild:buildArn", "codebuild:projectArn"];

/** The IAM documents of the mocked stack, by the logical names the program gave them. */
export class StackIam {
    private readonly roles = new Map<string, { arn: string; name: string; trust: PolicyDocument; inline: PolicyDocument[] }>();
    private readonly bucketPolicies = new Map<string, PolicyDocument>();
    private readonly managedPolicies = new Map<string, { arn: string; document: PolicyDocument }>();
    /** The account each bucket is in (an S3 ARN names none). */
    private readonly bucketAccounts = new Map<string, string>();
    /** The boundary of production's roles. */
    readonly boundaryArn: string;
    readonly boundary: PolicyDocument;
    /** The boundary of the roles a pull request's copy creates. */
    readonly copyBoundaryArn: string;
    readonly copyBoundary: PolicyDocument;
    /** The session policy the workflow passes with a copy's credentials, as its States.Format expression. */
    private readonly copySessionPolicyExpression: string;

    constructor(stack: MockedStack) {
        const parse = (json: string): PolicyDocument => JSON.parse(json);
        const inlineByRoleId = new Map<string, PolicyDocument[]>();
        for (const policy of ofType(stack, "aws:iam/rolePolicy:RolePolicy")) {
            inlineByRoleId.set(policy.inputs.role, [...(inlineByRoleId.get(policy.inputs.role) ?? []), parse(policy.inputs.policy)]);
        }
        for (const role of ofType(stack, "aws:iam/role:Role")) {
            this.roles.set(role.name, {
                arn: role.state.arn,
                name: role.state.name,
                trust: parse(role.inputs.assumeRolePolicy),
                inline: inlineByRoleId.get(role.id) ?? [],
            });
        }
        const buckets = new Map(ofType(stack, "aws:s3/bucket:Bucket").map((bucket) => [bucket.state.bucket, bucket.state.arn as string]));
        for (const bucket of ofType(stack, "aws:s3/bucket:Bucket"))
            this.bucketAccounts.set(bucket.state.arn, bucket.accountId ?? TEST_ACCOUNT_ID);
        for (const policy of ofType(stack, "aws:s3/bucketPolicy:BucketPolicy")) {
            const arn = buckets.get(policy.inputs.bucket);
            if (arn === undefined) throw new Error(`bucket policy ${policy.name} names an unknown bucket ${policy.inputs.bucket}`);
            this.bucketPolicies.set(arn, parse(policy.inputs.policy));
        }
        for (const policy of ofType(stack, "aws:iam/policy:Policy"))
            this.managedPolicies.set(policy.name, { arn: policy.state.arn, document: parse(policy.inputs.policy) });
        const boundary = registered(stack, "aws:iam/policy:Policy", "function-boundary-policy");
        this.boundaryArn = boundary.state.arn;
        this.boundary = parse(boundary.inputs.policy);
        const copyBoundary = registered(stack, "aws:iam/policy:Policy", "function-boundary-copy");
        this.copyBoundaryArn = copyBoundary.state.arn;
        this.copyBoundary = parse(copyBoundary.inputs.policy);
        const workflow = JSON.parse(registered(stack, "aws:sfn/stateMachine:StateMachine", "pr-workflow").inputs.definition);
        const expressions = new Set(
            Object.values(workflow.States as Record<string, { Resource?: string; Parameters?: Record<string, string> }>)
                .filter((state) => state.Resource === "arn:aws:states:::aws-sdk:sts:assumeRole")
                .map((state) => state.Parameters!["Policy.$"]),
        );
        if (expressions.size !== 1) throw new Error(`expected one session policy for the copies' credentials, found ${expressions.size}`);
        this.copySessionPolicyExpression = [...expressions][0];
    }

    /**
     * A session of the copy role as the workflow hands it to a copy's builds: named after the copy,
     * with the session policy the workflow's definition computes for it.
     */
    copySession(copyPrefix: string): SimulatedRole {
        return {
            ...this.role("pr-copy-role"),
            sessionPolicy: JSON.parse(statesFormat(this.copySessionPolicyExpression, copyPrefix)),
            sessionName: copyPrefix,
        };
    }

    /**
     * A role as a pull request's copy would create it: named `<copy prefix>-…` under the copies'
     * path, tagged with its copy, under the copies' boundary; `principalTags` as a session of it
     * would carry them (a session tag overrides the role's tag).
     */
    copyCreatedRole(
        copyPrefix: string,
        name: string,
        principalTags: Record<string, string> = { [COPY_ROLE_TAG_KEY]: copyPrefix },
        ...identityPolicies: PolicyDocument[]
    ): SimulatedRole {
        const roleName = `${copyPrefix}-${name}`;
        // In the account of the copies' boundary: production's, or the copies' own.
        return {
            arn: `arn:aws:iam::${arnAccount(this.copyBoundaryArn)}:role${COPY_ROLE_PATH}${roleName}`,
            name: roleName,
            identityPolicies,
            boundary: this.copyBoundary,
            principalTags,
        };
    }

    /** One of the stack's roles, by logical name (e.g. `pr-deploy-role`). */
    role(logicalName: string): SimulatedRole {
        const role = this.roles.get(logicalName);
        if (role === undefined) throw new Error(`no role ${logicalName} among ${[...this.roles.keys()].join(", ")}`);
        return { arn: role.arn, name: role.name, identityPolicies: role.inline };
    }

    roleArn(logicalName: string): string {
        return this.role(logicalName).arn;
    }

    /** One of the stack's managed policies, by logical name (e.g. `merge-gate-protect-main`): its ARN and document. */
    managedPolicy(logicalName: string): { arn: string; document: PolicyDocument } {
        const policy = this.managedPolicies.get(logicalName);
        if (policy === undefined) throw new Error(`no managed policy ${logicalName} among ${[...this.managedPolicies.keys()].join(", ")}`);
        return policy;
    }

    /** A role as Terraform would create it under the stack's boundary, with these inline policies. */
    terraformRole(name: string, ...identityPolicies: PolicyDocument[]): SimulatedRole {
        return { arn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${name}`, name, identityPolicies, boundary: this.boundary };
    }

    /** What IAM decides when `principal` (in a session) makes `request`. */
    async decide(principal: SimulatedRole, request: Request): Promise<Decision> {
        const sessionName = principal.sessionName ?? "AWSCodeBuild-6c1f3f0e";
        const tags = Object.fromEntries(
            Object.entries(principal.principalTags ?? {}).map(([key, value]) => [`aws:PrincipalTag/${key}`, value]),
        );
        const principalAccount = arnAccount(principal.arn);
        const simulation: Simulation = {
            request: {
                principal: `arn:aws:sts::${principalAccount}:assumed-role/${principal.name}/${sessionName}`,
                action: request.action,
                resource: { resource: request.resource, accountId: this.resourceAccount(request.resource) ?? principalAccount },
                contextVariables: { "aws:PrincipalArn": principal.arn, "aws:SecureTransport": "true", ...tags, ...request.context },
            },
            ...(principal.sessionPolicy ? { sessionPolicy: principal.sessionPolicy } : {}),
            identityPolicies: principal.identityPolicies.map((policy, index) => ({ name: `${principal.name}-inline-${index}`, policy })),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            ...(principal.boundary ? { permissionBoundaryPolicies: [{ name: "function-boundary", policy: principal.boundary }] } : {}),
            ...this.resourcePolicy(request),
        };
        if (request.unvalidated !== undefined) {
            const resourcePolicy = simulation.resourcePolicy && named(simulation.resourcePolicy, "resource policy");
            return runUnsafeSimulation({ ...simulation, resourcePolicy }, {}) as Decision;
        }
        const validated = await runSimulation(simulation, {});
        if (validated.resultType === "error")
            throw new Error(`invalid simulation of ${request.action} on ${request.resource}: ${JSON.stringify(validated.errors)}`);
        const ignored = validated.resultType === "single" ? (validated.result.ignoredContextKeys ?? []) : [];
        if (ignored.length === 0) return validated.overallResult as Decision;
        const unknown = ignored.filter((key) => !CODEBUILD_REQUEST_KEYS.includes(key));
        if (unknown.length > 0)
            throw new Error(`${request.action} does not take the context key(s) ${unknown.join(", ")}: the request is wrong`);
        const resourcePolicy = simulation.resourcePolicy && named(simulation.resourcePolicy, "resource policy");
        return runUnsafeSimulation({ ...simulation, resourcePolicy }, {}) as Decision;
    }

    /** The account a resource is in: the one its ARN names, or its bucket's; undefined for `*`. */
    private resourceAccount(resource: string): string | undefined {
        const bucket = /^(arn:aws:s3:::[^/]+)/.exec(resource)?.[1];
        if (bucket !== undefined) return this.bucketAccounts.get(bucket) ?? TEST_ACCOUNT_ID;
        return resource.startsWith("arn:") ? arnAccount(resource) || undefined : undefined;
    }

    /** The bucket policy of an S3 request's bucket, or the trust policy of an AssumeRole's role. */
    private resourcePolicy(request: Request): Pick<Simulation, "resourcePolicy"> {
        if (request.action.toLowerCase() === "sts:assumerole") {
            const target = [...this.roles.values()].find((role) => role.arn === request.resource);
            if (target === undefined) throw new Error(`AssumeRole of ${request.resource}, which is not a role of the stack`);
            return { resourcePolicy: target.trust };
        }
        const bucket = /^(arn:aws:s3:::[^/]+)/.exec(request.resource)?.[1];
        const policy = bucket === undefined ? undefined : this.bucketPolicies.get(bucket);
        return policy === undefined ? {} : { resourcePolicy: policy };
    }
}

/**
 * Step Functions' States.Format with every argument the one value given: `{}` is the next
 * argument, `\\x` the character x (how a template escapes `{`, `}`, `'` and `\\`).
 */
function statesFormat(expression: string, value: string): string {
    const match = /^States\.Format\('((?:[^'\\]|\\.)*)'((?:, \$[.\w]+)*)\)$/.exec(expression);
    if (match === null) throw new Error(`not a States.Format expression of paths: ${expression.slice(0, 80)}…`);
    const text = match[1].replace(/\\(.)|\{\}/g, (_, escaped: string | undefined) => escaped ?? value);
    const placeholders = (match[1].replace(/\\./g, "").match(/\{\}/g) ?? []).length;
    if (placeholders !== match[2].split(", $").length - 1)
        throw new Error(`States.Format with ${placeholders} placeholders and other arguments: ${match[2]}`);
    return text;
}

/** A resource policy as iam-policy's already-validated form: the unvalidated simulation needs its name. */
function named(policyDocument: PolicyDocument, name: string) {
    return { __validated: true, policyDocument, metadata: { name }, errors: [] };
}

/** The account field of an ARN (empty for S3's). */
function arnAccount(arn: string): string {
    return arn.split(":")[4] ?? "";
}
