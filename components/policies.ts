// Every IAM permission the stack grants, written once. Components compose these builders
// instead of writing statements inline, so a reviewer reads the whole attack surface here.
import * as pulumi from "@pulumi/pulumi";

/**
 * IAM path of every role this stack creates. Role ARNs then read `role/lambda-power-tuned/…`,
 * which the Terraform scope `role/<namePrefix>-*` cannot reach (config.ts rejects prefixes
 * that would), so a pull request's Terraform can never modify the roles that run it.
 */
export const STACK_ROLE_PATH = "/lambda-power-tuned/";

/**
 * Names the stack owns, as seen from the builds' `<namePrefix>-*` scopes: its roles (by path)
 * and the SAR application's functions, roles and log groups (CloudFormation names them
 * `serverlessrepo-<stack>-…`).
 */
export const STACK_OWNED_NAME_PATTERNS: readonly string[] = [`${STACK_ROLE_PATH.slice(1)}*`, "serverlessrepo-*"];

/** Where the tuning runner bundle and the tuning history live in the artifact bucket. */
export const TUNING_RUNNER_PREFIX = "tuning-runner/";
export const TUNING_HISTORY_PREFIX = "tuning-history/";
/** Where each pull-request build leaves its plan and results files (they expire). */
export const PULL_REQUEST_BUILD_OUTPUT_PREFIX = "pull-request-builds/";

type Resources = pulumi.Input<string> | pulumi.Input<string>[];

export interface Statement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string | string[];
    /** Absent only in trust policies, whose resource is the role itself. */
    readonly Resource?: Resources;
    readonly Principal?: unknown;
    readonly Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

function allow(Sid: string, Action: string | string[], Resource: Resources, Condition?: Statement["Condition"]): Statement {
    return { Sid, Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) };
}

/** A policy document as JSON text; Outputs anywhere inside are resolved first. */
export function policyDocument(statements: readonly Statement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * Trust policy for an AWS service. `aws:SourceAccount` stops another account from making the
 * service act with this role (the confused-deputy problem).
 */
export function serviceTrustPolicy(service: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
    return policyDocument([
        {
            Sid: "AssumedByService",
            Effect: "Allow",
            Principal: { Service: service },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
    ]);
}

/** Where Terraform's resources may live: `<namePrefix>-*` in this account and region. */
export interface TerraformScope {
    readonly namePrefix: string;
    readonly region: string;
    readonly accountId: pulumi.Input<string>;
}

/** ARN patterns of what Terraform manages; the IAM walker test checks against the same values. */
export function terraformScopeArns(scope: TerraformScope) {
    const { namePrefix, region, accountId } = scope;
    return {
        functions: pulumi.interpolate`arn:aws:lambda:${region}:${accountId}:function:${namePrefix}-*`,
        roles: pulumi.interpolate`arn:aws:iam::${accountId}:role/${namePrefix}-*`,
        logGroups: pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/${namePrefix}-*`,
        // DescribeLogGroups is a list action: IAM authorizes it only against `log-group:*`.
        anyLogGroup: pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:*`,
    };
}

/**
 * What a role running Terraform on terraform-lambda/ needs: Lambda functions, their IAM roles
 * and log groups named `<namePrefix>-*`. `plan` reads them (refresh); `apply` also creates,
 * changes and deletes them. Those roles may be passed to Lambda only; no managed policy may be
 * attached to them (terraform-lambda/ gives each function an inline policy for its own log group).
 */
export function terraformManagedResourcesStatements(scope: TerraformScope, access: "plan" | "apply"): Statement[] {
    const arns = terraformScopeArns(scope);
    const read = [
        allow("ReadPrefixedFunctions", ["lambda:Get*", "lambda:List*"], arns.functions),
        allow(
            "ReadPrefixedRoles",
            ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRoleTags"],
            arns.roles,
        ),
        allow("ReadPrefixedLogGroups", ["logs:ListTagsForResource", "logs:ListTagsLogGroup"], arns.logGroups),
        allow("FindLogGroups", "logs:DescribeLogGroups", arns.anyLogGroup),
    ];
    if (access === "plan") return read;
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
        allow(
            "ManagePrefixedRoles",
            [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
            ],
            arns.roles,
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

/**
 * Terraform state in the state bucket: read every state, write only the keys matching
 * `writableKeys` (e.g. `*.tflock` for a plan that only takes the S3 lock, `*` for production's
 * apply, `pull-requests/*` for a pull request's throw-away copies).
 */
export function terraformStateStatements(stateBucketArn: pulumi.Input<string>, writableKeys: string): Statement[] {
    return [
        allow("ListStateBucket", "s3:ListBucket", stateBucketArn),
        allow("ReadState", "s3:GetObject", pulumi.interpolate`${stateBucketArn}/*`),
        allow("WriteState", ["s3:PutObject", "s3:DeleteObject"], pulumi.interpolate`${stateBucketArn}/${writableKeys}`),
    ];
}

/**
 * The runner bundle (read) and the tuning history (read and write) in the artifact bucket.
 * Listing is limited to the history prefix so a missing entry reads as 404, not 403.
 */
export function tuningArtifactStatements(artifactBucketArn: pulumi.Input<string>): Statement[] {
    return [
        allow("DownloadTuningRunner", "s3:GetObject", pulumi.interpolate`${artifactBucketArn}/${TUNING_RUNNER_PREFIX}*`),
        allow("ReadWriteTuningHistory", ["s3:GetObject", "s3:PutObject"], pulumi.interpolate`${artifactBucketArn}/${TUNING_HISTORY_PREFIX}*`),
        allow("ListTuningHistory", "s3:ListBucket", artifactBucketArn, {
            StringLike: { "s3:prefix": `${TUNING_HISTORY_PREFIX}*` },
        }),
    ];
}

/** Pipeline artifacts: only the pipeline's own folder of the artifact bucket. */
/** The PR build's own output (plan.json, power-tuning-results.json), written by CodeBuild as the build's artifacts. */
export function pullRequestBuildOutputStatements(artifactBucketArn: pulumi.Input<string>): Statement[] {
    return [allow("StorePullRequestBuildOutput", "s3:PutObject", pulumi.interpolate`${artifactBucketArn}/${PULL_REQUEST_BUILD_OUTPUT_PREFIX}*`)];
}

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

/** A CodeBuild project writing its log streams into its own log group. */
export function buildLogStatements(logGroupArn: pulumi.Input<string>): Statement[] {
    return [allow("WriteBuildLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], pulumi.interpolate`${logGroupArn}:*`)];
}

/** What the PR build does on its repository: clone, read the PR, comment, approve or revoke. */
export function pullRequestFeedbackStatements(repositoryArn: pulumi.Input<string>): Statement[] {
    return [
        allow(
            "PullRequestFeedback",
            [
                "codecommit:GitPull",
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

/** Clone the repository (CODECOMMIT source of a CodeBuild project). */
export function gitPullStatements(repositoryArn: pulumi.Input<string>): Statement[] {
    return [allow("CloneRepository", "codecommit:GitPull", repositoryArn)];
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

/** Start builds of the given projects (and, for CodePipeline, follow them). */
export function startBuildStatements(projectArns: pulumi.Input<string>[], follow: boolean): Statement[] {
    return [allow("StartBuilds", follow ? ["codebuild:StartBuild", "codebuild:BatchGetBuilds"] : "codebuild:StartBuild", projectArns)];
}

/** Start one pipeline. */
export function startPipelineStatements(pipelineArn: pulumi.Input<string>): Statement[] {
    return [allow("StartPipeline", "codepipeline:StartPipelineExecution", pipelineArn)];
}

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
