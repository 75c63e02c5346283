// Every IAM permission the stack grants, written once. Components compose these builders
// instead of writing statements inline, so a reviewer reads the whole attack surface here.
import * as pulumi from "@pulumi/pulumi";
import { ARTIFACT_LAYOUT, COPY_ROLE_PATH, COPY_ROLE_TAG_KEY } from "../../buildscripts/contract";
import type { FunctionPermission } from "../stack/config";
import { STACK_ROLE_PATH } from "../stack/stackNames";

/**
 * The IAM policy variable CodeBuild resolves to the ARN of the build making the request
 * (CodeBuild user guide: "Use CodeBuild condition keys as IAM service role variables"). A
 * resource ending in `${OWN_BUILD}/*` lets each build write only its own objects, although
 * every build of a project shares one role.
 */
export const OWN_BUILD = "${codebuild:buildArn}";

type Resources = pulumi.Input<string> | pulumi.Input<string>[];
type Conditions = Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;

export interface Statement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string | string[];
    /** Absent only in trust policies, whose resource is the role itself. */
    readonly Resource?: Resources;
    readonly Principal?: unknown;
    readonly Condition?: Conditions;
}

function allow(Sid: string, Action: string | string[], Resource: Resources, Condition?: Conditions): Statement {
    return { Sid, Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) };
}

function deny(Sid: string, Action: string | string[], Resource: Resources, Condition?: Conditions): Statement {
    return { Sid, Effect: "Deny", Action, Resource, ...(Condition ? { Condition } : {}) };
}

/** The ARN of one of the stack's roles, by its name (for roles that must be named before they exist). */
export function stackRoleArn(accountId: pulumi.Input<string>, roleName: string): pulumi.Output<string> {
    return pulumi.interpolate`arn:aws:iam::${accountId}:role${STACK_ROLE_PATH}${roleName}`;
}

/** The ARN of one of the stack's managed policies, by its name (for a policy that names itself). */
export function stackPolicyArn(accountId: pulumi.Input<string>, policyName: string): pulumi.Output<string> {
    return pulumi.interpolate`arn:aws:iam::${accountId}:policy${STACK_ROLE_PATH}${policyName}`;
}

/** A policy document as JSON text; Outputs anywhere inside are resolved first. */
export function policyDocument(statements: readonly Statement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** Who may assume one of the stack's roles. */
export type RoleTrust =
    /** An AWS service, on behalf of this account only. */
    | { readonly service: string; readonly accountId: pulumi.Input<string> }
    /**
     * Roles of this stack (exact ARNs, never an account), only under one fixed session name, or under
     * names matching one pattern (`like`), or under any name the caller cannot choose (a service
     * names the session); across accounts only with `externalId`.
     */
    | {
          readonly roles: readonly pulumi.Input<string>[];
          readonly sessionName?: string | { readonly like: string };
          /** Required as `sts:ExternalId` (a role the other account's roles assume). */
          readonly externalId?: pulumi.Input<string>;
      };

/**
 * A role's trust policy. For a service, `aws:SourceAccount` stops another account from making
 * the service act with this role (the confused-deputy problem). For a role, the fixed session
 * name makes every session one stable identity (CodeCommit lets only a comment's author edit it,
 * and an approval pool can name exactly that session); a pattern names a family of sessions
 * (each copy's, after the copy). A role another account's roles assume also requires their
 * external ID, as AWS recommends for cross-account roles (IAM user guide, "The confused deputy
 * problem"); Step Functions sends the state machine's ARN as the external ID of a task's role.
 */
export function trustPolicy(trust: RoleTrust): pulumi.Output<string> {
    if ("service" in trust) {
        return policyDocument([
            {
                Sid: "AssumedByService",
                Effect: "Allow",
                Principal: { Service: trust.service },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": trust.accountId } },
            },
        ]);
    }
    return policyDocument([
        {
            Sid: "AssumedByRoleSession",
            Effect: "Allow",
            Principal: { AWS: [...trust.roles] },
            Action: "sts:AssumeRole",
            Condition: roleTrustConditions(trust.sessionName, trust.externalId),
        },
    ]);
}

function roleTrustConditions(
    sessionName: string | { readonly like: string } | undefined,
    externalId: pulumi.Input<string> | undefined,
): Conditions {
    const equals = {
        ...(typeof sessionName === "string" && { "sts:RoleSessionName": sessionName }),
        ...(externalId !== undefined && { "sts:ExternalId": externalId }),
    };
    return {
        ...(Object.keys(equals).length > 0 && { StringEquals: equals }),
        ...(typeof sessionName === "object" && { StringLike: { "sts:RoleSessionName": sessionName.like } }),
    };
}

// ---------------------------------------------------------------------------------------
// Terraform's resources

/** Where one Terraform deployment's resources live: `<namePrefix>-*` in this account and region. */
export interface TerraformScope {
    readonly namePrefix: string;
    readonly region: string;
    readonly accountId: pulumi.Input<string>;
    /** The IAM path of its roles. Default `/`; the pull-request copies' is COPY_ROLE_PATH. */
    readonly rolePath?: string;
}

/** ARN patterns of what Terraform manages in a scope; the IAM tests check against the same values. */
export function terraformScopeArns(scope: TerraformScope) {
    const { namePrefix, region, accountId } = scope;
    const rolePath = scope.rolePath ?? "/";
    return {
        functions: pulumi.interpolate`arn:aws:lambda:${region}:${accountId}:function:${namePrefix}-*`,
        roles: pulumi.interpolate`arn:aws:iam::${accountId}:role${rolePath}${namePrefix}-*`,
        // IAM's `*` matches `/` too: `role<path><prefix>-*` alone would also match a role under a deeper path.
        rolesBelowPath: pulumi.interpolate`arn:aws:iam::${accountId}:role${rolePath}*/*`,
        logGroups: pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/${namePrefix}-*`,
        // DescribeLogGroups is a list action: IAM authorizes it only against `log-group:*`.
        anyLogGroup: pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:*`,
    };
}

/**
 * Actions that write a role's permissions or boundary. Allowed only when the request names the
 * stack's function boundary (`iam:PermissionsBoundary`): a role Terraform creates or changes
 * can never hold more than the boundary allows, whatever its own policies say.
 */
const ROLE_PERMISSION_WRITES = [
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
];

/**
 * What a role running Terraform on terraform-lambda/ needs in one scope: Lambda functions,
 * their IAM roles and log groups named `<prefix>-*`. `plan` reads them (refresh); `apply` also
 * creates, changes and deletes them, and then:
 * - writes role permissions only with the boundary attached (ROLE_PERMISSION_WRITES);
 * - may never remove a boundary, rewrite a trust policy (a boundary does not limit who may
 *   assume a role), or change or delete the boundary policy itself;
 * - passes its roles to Lambda only.
 */
export function terraformManagedResourcesStatements(
    scope: TerraformScope,
    access: "plan" | "apply",
    boundaryArn?: pulumi.Input<string>,
): Statement[] {
    const arns = terraformScopeArns(scope);
    const read = [
        allow("ReadPrefixedFunctions", ["lambda:Get*", "lambda:List*"], arns.functions),
        allow(
            "ReadPrefixedRoles",
            [
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRoleTags",
            ],
            arns.roles,
        ),
        allow("ReadPrefixedLogGroups", ["logs:ListTagsForResource", "logs:ListTagsLogGroup"], arns.logGroups),
        allow("FindLogGroups", "logs:DescribeLogGroups", arns.anyLogGroup),
    ];
    if (access === "plan") return read;
    if (boundaryArn === undefined) throw new Error("terraformManagedResourcesStatements: apply access needs the function boundary's ARN");
    return [
        ...read,
        allow(
            "ManagePrefixedFunctions",
            [
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:PublishVersion",
                "lambda:PutFunctionConcurrency",
                "lambda:DeleteFunctionConcurrency",
                "lambda:TagResource",
                "lambda:UntagResource",
            ],
            arns.functions,
        ),
        allow("WritePrefixedRolesWithBoundary", ROLE_PERMISSION_WRITES, arns.roles, {
            StringEquals: { "iam:PermissionsBoundary": boundaryArn },
        }),
        allow(
            "ManagePrefixedRoles",
            ["iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:TagRole", "iam:UntagRole"],
            arns.roles,
        ),
        deny("NeverRemoveBoundariesOrRewriteTrust", ["iam:DeleteRolePermissionsBoundary", "iam:UpdateAssumeRolePolicy"], "*"),
        deny(
            "NeverChangeTheBoundary",
            ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion"],
            boundaryArn,
        ),
        allow("PassPrefixedRolesToLambdaOnly", "iam:PassRole", arns.roles, {
            StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" },
        }),
        allow(
            "ManagePrefixedLogGroups",
            [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:DeleteRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
                "logs:TagLogGroup",
                "logs:UntagLogGroup",
            ],
            arns.logGroups,
        ),
    ];
}

/** What every role Terraform creates may use besides its logs: the stack's `functionPermissions` (validated in config.ts: no iam, sts or codecommit). */
function functionPermissionStatements(functionPermissions: readonly FunctionPermission[]): Statement[] {
    return functionPermissions.map(
        (permission, index): Statement => ({
            Sid: permission.Sid ?? `FunctionPermission${index}`,
            Effect: "Allow",
            Action: [permission.Action].flat(),
            Resource: [permission.Resource].flat(),
            ...(permission.Condition ? { Condition: permission.Condition as Conditions } : {}),
        }),
    );
}

/**
 * The permissions boundary of every role production's Terraform creates: a function may write
 * its log streams in production's `/aws/lambda/<namePrefix>-*`, plus the `functionPermissions`.
 */
export function productionBoundaryStatements(production: TerraformScope, functionPermissions: readonly FunctionPermission[]): Statement[] {
    return [
        allow("WriteOwnLogStreams", ["logs:CreateLogStream", "logs:PutLogEvents"], terraformScopeArns(production).logGroups),
        ...functionPermissionStatements(functionPermissions),
    ];
}

/**
 * The permissions boundary of every role a pull request's copy creates: a function may write its
 * log streams only in the log groups of its own copy, `/aws/lambda/<copy prefix>-*`, plus the
 * `functionPermissions`. The copy is read from the role's COPY_ROLE_TAG_KEY tag, and believed only
 * when it has a copy prefix's shape (`<pullRequestNamePrefix>-<id>-<7 characters>`) and the role's
 * own name starts with it under COPY_ROLE_PATH. A copy may create roles only as `<its prefix>-…`
 * there, so a tag naming another copy or production (set by TagRole, or as a session tag by
 * whoever the role's pull-request-written trust policy lets assume it: a session tag overrides a
 * role's tag in `aws:PrincipalTag`) matches no role the copy could have made.
 */
export function copyBoundaryStatements(pullRequests: TerraformScope, functionPermissions: readonly FunctionPermission[]): Statement[] {
    const copy = `\${aws:PrincipalTag/${COPY_ROLE_TAG_KEY}}`;
    const { region, accountId, namePrefix } = pullRequests;
    return [
        allow(
            "WriteOwnCopyLogStreams",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/${copy}-*`,
            {
                StringLike: { [`aws:PrincipalTag/${COPY_ROLE_TAG_KEY}`]: `${namePrefix}-*-???????` },
                ArnLike: { "aws:PrincipalArn": pulumi.interpolate`arn:aws:iam::${accountId}:role${COPY_ROLE_PATH}${copy}-*` },
            },
        ),
        ...functionPermissionStatements(functionPermissions),
    ];
}

// ---------------------------------------------------------------------------------------
// The pull-request copies: one role for all of them, one session per copy

/**
 * Lambda actions no pull-request copy may use on any function, its own included: reserved and
 * provisioned concurrency take capacity production shares; a function URL, a resource policy
 * (AddPermission), an event source mapping or an asynchronous destination opens the copy to, or
 * points it at, things outside it.
 */
export const COPY_FORBIDDEN_LAMBDA_ACTIONS = [
    "lambda:PutFunctionConcurrency",
    "lambda:DeleteFunctionConcurrency",
    "lambda:PutProvisionedConcurrencyConfig",
    "lambda:DeleteProvisionedConcurrencyConfig",
    "lambda:CreateFunctionUrlConfig",
    "lambda:UpdateFunctionUrlConfig",
    "lambda:AddPermission",
    "lambda:CreateEventSourceMapping",
    "lambda:UpdateEventSourceMapping",
    "lambda:PutFunctionEventInvokeConfig",
    "lambda:UpdateFunctionEventInvokeConfig",
] as const;

/**
 * The identity policy of the role whose sessions the untrusted deploy and destroy builds work
 * with: Terraform on the whole pull-request namespace (its roles only under COPY_ROLE_PATH, never
 * deeper, and only with the copies' boundary), every copy's state, production's state read-only
 * (the plan; only when the copies share production's account). Every session of it carries
 * copySessionPolicy, which narrows all of this to one copy.
 */
export function copyRoleStatements(
    pullRequests: TerraformScope,
    state: { readonly bucketArn: pulumi.Input<string>; readonly productionStateKey?: string; readonly copyStatePrefix: string },
    copyBoundaryArn: pulumi.Input<string>,
): Statement[] {
    if (pullRequests.rolePath !== COPY_ROLE_PATH)
        throw new Error(`copyRoleStatements: the copies' roles live under ${COPY_ROLE_PATH}, not ${pullRequests.rolePath ?? "/"}`);
    return [
        ...terraformManagedResourcesStatements(pullRequests, "apply", copyBoundaryArn),
        ...terraformStateStatements(state.bucketArn, {
            readable: state.productionStateKey === undefined ? [] : [state.productionStateKey],
            writable: [`${state.copyStatePrefix}*`],
        }),
        deny("NoCapacityAndNothingBeyondTheCopy", [...COPY_FORBIDDEN_LAMBDA_ACTIONS], "*"),
        deny("NoRoleBelowTheCopiesPath", "iam:*", terraformScopeArns(pullRequests).rolesBelowPath),
    ];
}

/** Names a copy's session policy needs, all known when the stack is deployed. */
export interface CopySessionScope {
    readonly stateBucketName: string;
    /** Production's state, which the plan reads; absent in an account of the copies' own, where nothing of production is readable. */
    readonly productionStateKey?: string;
    /** Each copy's state lives under `<this><copy prefix>/`. */
    readonly copyStatePrefix: string;
}

/**
 * The session policy of one copy's credentials (AssumeRole's `Policy`): the session may do what
 * the copy role allows (copyRoleStatements), and of that only on the copy's own functions, roles,
 * log groups and state object. Region and account are `*` here because the role's own policy
 * fixes them, and AWS caps a session policy at 2,048 characters (STS AssumeRole, `Policy`).
 */
export function copySessionPolicy(copyPrefix: string, scope: CopySessionScope): { Version: string; Statement: Statement[] } {
    const bucket = `arn:aws:s3:::${scope.stateBucketName}`;
    return {
        Version: "2012-10-17",
        Statement: [
            allow("CopyFunctions", "lambda:*", `arn:aws:lambda:*:*:function:${copyPrefix}-*`),
            allow("CopyRoles", "iam:*", `arn:aws:iam::*:role${COPY_ROLE_PATH}${copyPrefix}-*`),
            allow("CopyLogGroups", "logs:*", `arn:aws:logs:*:*:log-group:/aws/lambda/${copyPrefix}-*`),
            allow("FindLogGroups", "logs:DescribeLogGroups", "*"),
            allow("CopyState", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], `${bucket}/${scope.copyStatePrefix}${copyPrefix}/*`),
            ...(scope.productionStateKey === undefined
                ? []
                : [allow("ProductionStateForThePlan", "s3:GetObject", `${bucket}/${scope.productionStateKey}`)]),
            allow("StateBucket", "s3:ListBucket", bucket),
        ],
    };
}

/** The trusted workflow takes one session of the copy role per untrusted build. */
export function assumeCopyRoleStatements(copyRoleArn: pulumi.Input<string>): Statement[] {
    return [allow("ConfineEachCopyToItself", "sts:AssumeRole", copyRoleArn)];
}

/**
 * A trusted identity of production's account reaches the copies' account only through one role
 * there, made for it (the role's trust names this identity and the stack's external ID).
 */
export function assumeCopyAccountRoleStatements(roleArn: pulumi.Input<string>): Statement[] {
    return [allow("ReachTheCopiesAccountThroughItsOwnRole", "sts:AssumeRole", roleArn)];
}

/**
 * The untrusted builds of the copies' own account take the pull request's source as their S3
 * source, handed over under `sourcesPrefix` (CodeBuild reads the object and locates its bucket).
 */
export function sourceDownloadStatements(bucketArn: pulumi.Input<string>, sourcesPrefix: string): Statement[] {
    return [
        allow("LocateSourceBucket", ["s3:GetBucketAcl", "s3:GetBucketLocation"], bucketArn),
        allow("ReadHandedOverSources", ["s3:GetObject", "s3:GetObjectVersion"], pulumi.interpolate`${bucketArn}/${sourcesPrefix}*`),
    ];
}

/** The trusted source hand-over writes a pull request's source under `sourcesPrefix`, and nothing else. */
export function sourceHandOverStatements(bucketArn: pulumi.Input<string>, sourcesPrefix: string): Statement[] {
    return [allow("HandOverSources", "s3:PutObject", pulumi.interpolate`${bucketArn}/${sourcesPrefix}*`)];
}

/**
 * What the sweeper removes from a scope, and nothing else: functions (with their event source
 * mappings), roles (after their inline and attached policies and instance-profile links) and log
 * groups named `<prefix>-*`, and the Terraform state objects under `pull-requests/`. Three list
 * actions authorize only against `*` (the Service Authorization Reference gives them no resource):
 * they reveal names and configurations, never change anything, and the sweep filters what they
 * return by the scope's prefix.
 */
export function sweepStatements(scope: TerraformScope, stateBucketArn: pulumi.Input<string>, statePrefix: string): Statement[] {
    const arns = terraformScopeArns(scope);
    const { region, accountId, namePrefix } = scope;
    return [
        allow("ListFunctionsAndRolesToFindTheScope", ["lambda:ListFunctions", "lambda:ListEventSourceMappings", "iam:ListRoles"], "*"),
        allow("DeleteScopedFunctions", "lambda:DeleteFunction", arns.functions),
        allow(
            "DeleteScopedFunctionsEventSourceMappings",
            "lambda:DeleteEventSourceMapping",
            pulumi.interpolate`arn:aws:lambda:${region}:${accountId}:event-source-mapping:*`,
            {
                ArnLike: { "lambda:FunctionArn": arns.functions },
            },
        ),
        allow(
            "DeleteScopedRoles",
            [
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:DeleteRole",
            ],
            arns.roles,
        ),
        allow(
            "UnlinkScopedInstanceProfiles",
            "iam:RemoveRoleFromInstanceProfile",
            pulumi.interpolate`arn:aws:iam::${accountId}:instance-profile/${namePrefix}-*`,
        ),
        allow("FindLogGroups", "logs:DescribeLogGroups", arns.anyLogGroup),
        allow("DeleteScopedLogGroups", "logs:DeleteLogGroup", arns.logGroups),
        allow("ListStateObjects", "s3:ListBucket", stateBucketArn, { StringLike: { "s3:prefix": `${statePrefix}*` } }),
        allow("DeleteStateObjects", "s3:DeleteObject", pulumi.interpolate`${stateBucketArn}/${statePrefix}*`),
    ];
}

/**
 * The account's Lambda settings (`tune --concurrency auto`): GetAccountSettings has no resource
 * of its own, so IAM authorizes it only on `*`.
 */
export function lambdaAccountSettingsStatements(): Statement[] {
    return [allow("ReadAccountConcurrency", "lambda:GetAccountSettings", "*")];
}

/**
 * Production's traffic for the comment's monthly figures: GetMetricData has no resource of its
 * own (nor condition keys that narrow it to a namespace or a function), so IAM authorizes it only
 * on `*`. It reads figures, never code, payloads or logs; only the trusted step holds it.
 */
export function lambdaMetricsReadStatements(): Statement[] {
    return [allow("ReadProductionTraffic", "cloudwatch:GetMetricData", "*")];
}

/**
 * Read the functions of a scope as data (the tuning history's fingerprints), and list the account's
 * functions, which the trusted step filters down to its own copy's prefix to decide what it tunes.
 * ListFunctions has no resource type: it is authorized on `*` only, and returns configurations, not code.
 */
export function functionConfigurationStatements(scope: TerraformScope): Statement[] {
    return [
        allow("ReadFunctionConfigurations", "lambda:GetFunctionConfiguration", terraformScopeArns(scope).functions),
        allow("ListFunctionsToFindTheCopy", "lambda:ListFunctions", "*"),
    ];
}

// ---------------------------------------------------------------------------------------
// Terraform state

/**
 * Terraform state in the state bucket: read the keys matching `readable`, write (and delete)
 * those matching `writable`. Keys are patterns below the bucket, e.g.
 * `terraform-lambda/production.tfstate` or `pull-requests/${OWN_BUILD}/*`.
 */
export function terraformStateStatements(
    stateBucketArn: pulumi.Input<string>,
    access: { readable: string[]; writable: string[] },
): Statement[] {
    const objects = (keys: string[]) => keys.map((key) => pulumi.interpolate`${stateBucketArn}/${key}`);
    return [
        allow("ListStateBucket", "s3:ListBucket", stateBucketArn),
        allow("ReadState", "s3:GetObject", objects([...access.readable, ...access.writable])),
        allow("WriteState", ["s3:PutObject", "s3:DeleteObject"], objects(access.writable)),
    ];
}

// ---------------------------------------------------------------------------------------
// The artifact bucket

/** Download the runner bundle the stack uploaded. */
export function runnerDownloadStatements(artifactBucketArn: pulumi.Input<string>): Statement[] {
    return [allow("DownloadTuningRunner", "s3:GetObject", pulumi.interpolate`${artifactBucketArn}/${ARTIFACT_LAYOUT.tuningRunnerPrefix}*`)];
}

/**
 * The tuning history as the trusted pull-request step uses it: read everything, write only
 * stored results. `s3:ListBucket` carries no `s3:prefix` condition on purpose: S3 answers a
 * GetObject of a missing key with 404 only when the caller may list the bucket, and that check
 * has no prefix; with a condition a missing entry reads as AccessDenied.
 */
export function tuningHistoryStatements(artifactBucketArn: pulumi.Input<string>): Statement[] {
    return [
        ...tuningHistoryReadStatements(artifactBucketArn),
        allow("StoreTuningResults", "s3:PutObject", pulumi.interpolate`${artifactBucketArn}/${ARTIFACT_LAYOUT.tuningResultsPrefix}*`),
    ];
}

/** Read and replace the tuning budget's lease table, that one object only (the trusted step). */
export function tuningBudgetStatements(artifactBucketArn: pulumi.Input<string>): Statement[] {
    return [
        allow(
            "ShareTuningBudget",
            ["s3:GetObject", "s3:PutObject"],
            pulumi.interpolate`${artifactBucketArn}/${ARTIFACT_LAYOUT.tuningBudgetLeasesKey}`,
        ),
    ];
}

/**
 * The tuning history as the copy decision reads it: production's records (listed) and the stored
 * results they name; it writes nothing. ListBucket has no prefix condition for the same reason as
 * in tuningHistoryStatements.
 */
export function tuningHistoryReadStatements(artifactBucketArn: pulumi.Input<string>): Statement[] {
    return [
        allow("ReadTuningHistory", "s3:GetObject", pulumi.interpolate`${artifactBucketArn}/${ARTIFACT_LAYOUT.tuningHistoryPrefix}*`),
        allow("ListArtifactBucket", "s3:ListBucket", artifactBucketArn),
    ];
}

/**
 * CodeBuild's S3 cache of the untrusted builds (Terraform and its providers), under one prefix
 * of the artifact bucket that nothing trusted reads. CodeBuild locates the bucket before it
 * restores or saves the cache.
 */
export function buildCacheStatements(artifactBucketArn: pulumi.Input<string>, cachePrefix: string): Statement[] {
    return [
        allow("LocateCacheBucket", ["s3:GetBucketAcl", "s3:GetBucketLocation"], artifactBucketArn),
        allow("RestoreAndSaveBuildCache", ["s3:GetObject", "s3:PutObject"], pulumi.interpolate`${artifactBucketArn}/${cachePrefix}*`),
    ];
}

/** Production's fingerprints, written by the pipeline's apply build after a deployment (`record`). */
export function productionRecordStatements(artifactBucketArn: pulumi.Input<string>): Statement[] {
    return [
        allow("RecordProduction", "s3:PutObject", pulumi.interpolate`${artifactBucketArn}/${ARTIFACT_LAYOUT.productionRecordsPrefix}*`),
    ];
}

/** What a pull-request build hands on: only under `pull-request-builds/<its own build ARN>/`. */
export function pullRequestBuildOutputStatements(artifactBucketArn: pulumi.Input<string>): Statement[] {
    return [
        allow(
            "StoreOwnBuildOutput",
            "s3:PutObject",
            pulumi.interpolate`${artifactBucketArn}/${ARTIFACT_LAYOUT.pullRequestBuildsPrefix}${OWN_BUILD}/*`,
        ),
    ];
}

/** The trusted step reads what the untrusted deploy build handed on (as data). */
export function pullRequestBuildInputStatements(artifactBucketArn: pulumi.Input<string>): Statement[] {
    return [
        allow(
            "ReadPullRequestBuildOutput",
            "s3:GetObject",
            pulumi.interpolate`${artifactBucketArn}/${ARTIFACT_LAYOUT.pullRequestBuildsPrefix}*`,
        ),
    ];
}

/** Pipeline artifacts: only the pipeline's own folder of the artifact bucket. */
export function pipelineArtifactStatements(artifactBucketArn: pulumi.Input<string>, artifactFolder: pulumi.Input<string>): Statement[] {
    return [
        allow("LocateArtifactBucket", ["s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetBucketVersioning"], artifactBucketArn),
        allow(
            "ReadWritePipelineArtifacts",
            ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            pulumi.interpolate`${artifactBucketArn}/${artifactFolder}*`,
        ),
    ];
}

// ---------------------------------------------------------------------------------------
// Builds, the repository, the state machines

/** A CodeBuild project or a Lambda function writing its log streams into its own log group. */
export function buildLogStatements(logGroupArn: pulumi.Input<string>): Statement[] {
    return [allow("WriteBuildLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], pulumi.interpolate`${logGroupArn}:*`)];
}

/** Clone the repository (CODECOMMIT source of a CodeBuild project). */
export function gitPullStatements(repositoryArn: pulumi.Input<string>): Statement[] {
    return [allow("CloneRepository", "codecommit:GitPull", repositoryArn)];
}

/**
 * The trusted step reads the repository as data, never by checking it out: the settings from
 * the destination commit, the `*.tf` files of the source commit (listed with GetFolder). The pull
 * request itself is read by the bot, whose approval needs its revision.
 */
export function repositoryReadStatements(repositoryArn: pulumi.Input<string>): Statement[] {
    return [allow("ReadRepositoryAsData", ["codecommit:GetFile", "codecommit:GetFolder"], repositoryArn)];
}

/**
 * The copy decision reads the repository as data: the differences between the pull request's two
 * commits (GetDifferences pages with a token it hands back: no other action), the policy at the
 * destination commit, and the folders of changed documentation at the source commit (GetFolder),
 * whose other files may be a function's code.
 */
export function repositoryDifferencesStatements(repositoryArn: pulumi.Input<string>): Statement[] {
    return [
        allow(
            "ReadDifferencesPolicyAndFolders",
            ["codecommit:GetDifferences", "codecommit:GetFile", "codecommit:GetFolder"],
            repositoryArn,
        ),
    ];
}

/** Invoke one Lambda function (the workflow's decision). */
export function invokeFunctionStatements(functionArn: pulumi.Input<string>): Statement[] {
    return [allow("InvokeDecision", "lambda:InvokeFunction", functionArn)];
}

/** What the pull-request bot does on the repository: read the PR, comment, edit its comment, approve or revoke. */
export function pullRequestBotStatements(repositoryArn: pulumi.Input<string>): Statement[] {
    return [
        allow(
            "PullRequestFeedback",
            [
                "codecommit:GetPullRequest",
                "codecommit:GetCommentsForPullRequest",
                "codecommit:PostCommentForPullRequest",
                "codecommit:UpdateComment",
                "codecommit:UpdatePullRequestApprovalState",
            ],
            repositoryArn,
        ),
    ];
}

/** Become the pull-request bot (its trust policy also requires the fixed session name). */
export function assumeBotStatements(botRoleArn: pulumi.Input<string>): Statement[] {
    return [allow("ActAsPullRequestBot", "sts:AssumeRole", botRoleArn)];
}

/** A CodePipeline CodeCommit source action: archive a branch's commit. */
export function pipelineSourceStatements(repositoryArn: pulumi.Input<string>): Statement[] {
    return [
        allow(
            "ReadSourceBranch",
            [
                "codecommit:GetBranch",
                "codecommit:GetCommit",
                "codecommit:GetRepository",
                "codecommit:UploadArchive",
                "codecommit:GetUploadArchiveStatus",
                "codecommit:CancelUploadArchive",
            ],
            repositoryArn,
        ),
    ];
}

/**
 * Run the power-tuning state machine: start it, and watch or stop only its own executions
 * (execution ARNs are `…:execution:<state machine name>:<execution name>`).
 */
export function tuningExecutionStatements(stateMachineArn: pulumi.Input<string>): Statement[] {
    const executions = pulumi.output(stateMachineArn).apply((arn) => `${arn.replace(":stateMachine:", ":execution:")}:*`);
    return [
        allow("StartTuning", "states:StartExecution", stateMachineArn),
        allow("FollowTuning", ["states:DescribeExecution", "states:StopExecution", "states:GetExecutionHistory"], executions),
    ];
}

/**
 * Read which executions of one state machine are running, and their input (the sweeper: the
 * pull-request workflow's running executions own their copies).
 */
export function runningExecutionsStatements(stateMachineArn: pulumi.Input<string>): Statement[] {
    const executions = pulumi.output(stateMachineArn).apply((arn) => `${arn.replace(":stateMachine:", ":execution:")}:*`);
    return [
        allow("ListWorkflowExecutions", "states:ListExecutions", stateMachineArn),
        allow("ReadWorkflowExecutions", "states:DescribeExecution", executions),
    ];
}

/** Start one state machine (the EventBridge target of pull-request events). */
export function startExecutionStatements(stateMachineArn: pulumi.Input<string>): Statement[] {
    return [allow("StartWorkflow", "states:StartExecution", stateMachineArn)];
}

/**
 * Run builds of the given projects and follow them to the end; `stop` also lets the caller
 * stop them (Step Functions stops a `.sync` build whose task times out).
 */
export function runBuildStatements(projectArns: pulumi.Input<string>[], options: { stop: boolean }): Statement[] {
    const actions = ["codebuild:StartBuild", ...(options.stop ? ["codebuild:StopBuild"] : []), "codebuild:BatchGetBuilds"];
    return [allow("RunBuilds", actions, projectArns)];
}

/**
 * Step Functions' `codebuild:startBuild.sync` learns that a build ended through an EventBridge
 * rule it manages in the account, under this fixed name.
 */
export function codeBuildSyncRuleStatements(region: string, accountId: pulumi.Input<string>): Statement[] {
    return [
        allow(
            "ManageCodeBuildSyncRule",
            ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            pulumi.interpolate`arn:aws:events:${region}:${accountId}:rule/StepFunctionsGetEventForCodeBuildStartBuildRule`,
        ),
    ];
}

/** Start one pipeline. */
export function startPipelineStatements(pipelineArn: pulumi.Input<string>): Statement[] {
    return [allow("StartPipeline", "codepipeline:StartPipelineExecution", pipelineArn)];
}

// ---------------------------------------------------------------------------------------
// The main branch, for the people who work on the repository

/**
 * Actions that write a branch and that IAM authorizes with the branch as `codecommit:References`
 * (Service Authorization Reference for CodeCommit). Merging a pull request (MergePullRequestBy*)
 * is not among them: that is the way into the main branch, and CodeCommit allows it only once the
 * pull request's approval rules are satisfied.
 */
const BRANCH_WRITES = [
    "codecommit:GitPush",
    "codecommit:PutFile",
    "codecommit:DeleteFile",
    "codecommit:CreateCommit",
    "codecommit:CreateBranch",
    "codecommit:DeleteBranch",
    "codecommit:MergeBranchesByFastForward",
    "codecommit:MergeBranchesBySquash",
    "codecommit:MergeBranchesByThreeWay",
];

/**
 * What a developer may never do, whatever else they are allowed: write the main branch other than
 * by merging an approved pull request, or set the approval rules aside (override them, edit or
 * delete a pull request's rules, disassociate a template from the repository, change or delete a
 * template), or rid themselves of this policy. The branch condition is the one the CodeCommit user
 * guide documents ("Limit pushes and merges to branches"): StringEqualsIfExists on
 * `codecommit:References` with `Null: false`, so a request naming the main branch is refused and
 * one naming no branch is left to the other policies. Approval rule templates have no ARN: IAM
 * authorizes their actions only on `*`, so the template statement covers every template of the
 * account and region.
 */
export function protectMainStatements(repositoryArn: pulumi.Input<string>, mainBranch: string, ownArn: pulumi.Input<string>): Statement[] {
    return [
        deny("NoDirectWritesToMain", BRANCH_WRITES, repositoryArn, {
            StringEqualsIfExists: { "codecommit:References": `refs/heads/${mainBranch}` },
            Null: { "codecommit:References": "false" },
        }),
        deny(
            "NoSettingPullRequestApprovalRulesAside",
            [
                "codecommit:OverridePullRequestApprovalRules",
                "codecommit:UpdatePullRequestApprovalRuleContent",
                "codecommit:DeletePullRequestApprovalRule",
                "codecommit:DisassociateApprovalRuleTemplateFromRepository",
                "codecommit:BatchDisassociateApprovalRuleTemplateFromRepositories",
            ],
            repositoryArn,
        ),
        deny(
            "NoChangingApprovalRuleTemplates",
            [
                "codecommit:UpdateApprovalRuleTemplateContent",
                "codecommit:UpdateApprovalRuleTemplateName",
                "codecommit:DeleteApprovalRuleTemplate",
            ],
            "*",
        ),
        deny("NoDetachingThisPolicy", ["iam:DetachUserPolicy", "iam:DetachRolePolicy", "iam:DetachGroupPolicy"], "*", {
            ArnEquals: { "iam:PolicyARN": ownArn },
        }),
        deny(
            "NoChangingThisPolicy",
            ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy"],
            ownArn,
        ),
    ];
}

// ---------------------------------------------------------------------------------------
// Bucket policies

/** Bucket policy statement refusing any request not made over TLS. */
export function denyInsecureTransportStatement(bucketArn: pulumi.Input<string>): Statement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/**
 * Bucket policy statement: nobody but `writers` may write or delete objects matching `keys`,
 * whatever their identity policies say. `aws:PrincipalArn` of a role session is the role's
 * ARN (with its path), so writers are roles or users, never session ARNs.
 */
export function onlyWritersStatement(
    sid: string,
    bucketArn: pulumi.Input<string>,
    keys: string,
    writers: pulumi.Input<string>[],
): Statement {
    return {
        Sid: sid,
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        Resource: pulumi.interpolate`${bucketArn}/${keys}`,
        Condition: { ArnNotLike: { "aws:PrincipalArn": writers } },
    };
}
