// What a pull-request author can and cannot do, decided by an IAM policy simulator over the
// policy documents the mocked stack registers (not over the builders that wrote them). Each
// attack row names the chain it stops; each workload row is something a build must be able to do.
import * as assert from "node:assert";
import { COPY_ROLE_TAG_KEY, PULL_REQUEST_BOT_SESSION_NAME } from "../../buildscripts/contract";
import { type Decision, type Request, type SimulatedRole, StackIam } from "../support/iam-simulator";
import { mockedCopyAccountStack, mockedStack } from "../support/mocked-stack";
import { TEST_ACCOUNT_ID as ACCOUNT, TEST_COPY_ACCOUNT_ID, TEST_DEPLOYER_ROLE_ARN, TEST_REGION as REGION } from "../support/pulumi-mocks";

/** The chains of attack a pull request author has against a stack that trusts PR code. */
const CHAINS = {
    admin: "become account admin (a role with more than the boundary, or one that trusts anyone)",
    production: "change production without review",
    approval: "approve its own pull request",
    baselines: "poison tuning baselines",
    runner: "replace the code the trusted steps run",
    otherCopies: "tamper with another build's copy or state",
    sweeper: "make the trusted sweeper reach beyond the pull-request namespace",
    traffic: "read production's traffic (CloudWatch metrics)",
    capacity: "take the shared tuning budget (or release others' share of it)",
    throttle: "throttle production (reserved or provisioned concurrency)",
    exposure: "open the copy to, or point it at, anything outside it (function URL, resource policy, event source mapping)",
    squat: "squat a name production or another copy needs (a role under a deeper path, or outside the copy's prefix)",
    forgeLogs: "forge production's or another copy's logs",
    credentials: "take another copy's credentials, or a session without the copy's session policy",
} as const;

const BUDGET_LEASES = "arn:aws:s3:::storage-artifacts-0a1b2c3d/tuning-budget/leases.json";

const STATE = "arn:aws:s3:::storage-state-0a1b2c3d";
const ARTIFACTS = "arn:aws:s3:::storage-artifacts-0a1b2c3d";

/**
 * Where pull-request code and its copies live: production's account, its state bucket (the copies'
 * state) and artifact bucket (what the deploy hands on, the build cache); or, with copyAccount, the
 * sandbox and its one copy bucket. Every attack of pull-request code is judged in both.
 */
interface Placement {
    readonly copies: string;
    readonly copyState: string;
    readonly handedOn: string;
}
const ONE_ACCOUNT: Placement = { copies: ACCOUNT, copyState: STATE, handedOn: ARTIFACTS };
const COPY_BUCKET = "arn:aws:s3:::pr-copy-storage-bucket-0a1b2c3d";
const COPIES_OWN_ACCOUNT: Placement = { copies: TEST_COPY_ACCOUNT_ID, copyState: COPY_BUCKET, handedOn: COPY_BUCKET };
/** The placement the running describe block judges. */
let placed = ONE_ACCOUNT;
/** A zip CloudFormation seeds the repository from, if it creates the repository (again). */
const SEED_ZIP = `${ARTIFACTS}/repository-seed/${"ab".repeat(32)}.zip`;
/** The pull-request workflow's state machine, named in advance (the sweeper reads its executions). */
const WORKFLOW_NAME = "power-tuned-pull-request-workflow";
const REPOSITORY = `arn:aws:codecommit:${REGION}:${ACCOUNT}:power-tuned-functions`;
const ownBuildArn = () => `arn:aws:codebuild:${REGION}:${placed.copies}:build/pr-deploy:6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29`;
const otherBuildArn = () => `arn:aws:codebuild:${REGION}:${placed.copies}:build/pr-deploy:0b0b0b0b-1111-4222-8333-944444444444`;
// Two copies of pull requests running at once: A (#7 at 3f2a9c1) holds the credentials, B (#8 at 0b0b0b0) is its target.
const COPY_A = "pr-power-tuned-7-3f2a9c1";
const COPY_B = "pr-power-tuned-8-0b0b0b0";
const copyRole = (copy: string, name = "digest-role") => `arn:aws:iam::${placed.copies}:role/pull-request-copies/${copy}-${name}`;
const copyFunction = (copy: string) => `arn:aws:lambda:${REGION}:${placed.copies}:function:${copy}-digest`;
const copyState = (copy: string, file = "terraform.tfstate") => `${placed.copyState}/pull-requests/${copy}/${file}`;
const prRole = () => copyRole(COPY_A);
const prFunction = () => copyFunction(COPY_A);
/** The credentials the workflow hands copy A's deploy and destroy builds (a session of the copy role). */
const COPY_A_CREDENTIALS = "copy A's credentials";
const otherCopyFunction = () => copyFunction(COPY_B);
const PRODUCTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/power-tuned-digest-role`;
const PRODUCTION_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:power-tuned-digest`;
const powerTuning = () => `arn:aws:states:${REGION}:${placed.copies}:stateMachine:powerTuningStateMachine-0a1b2c3d`;
const ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess";
const EVENT_SOURCE_MAPPING = `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:0b0b0b0b-1111-4222-8333-944444444444`;
/** A function's log group: a copy's (`pr-power-tuned-…`) where the copies live, any other in production's account. */
const logGroup = (name: string) =>
    `arn:aws:logs:${REGION}:${name.startsWith("pr-power-tuned-") ? placed.copies : ACCOUNT}:log-group:/aws/lambda/${name}`;
const FEEDBACK_BUILD = {
    "codebuild:buildArn": `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/pr-feedback:7d7d7d7d-1111-4222-8333-944444444444`,
};
const SWEEP_BUILD = {
    "codebuild:buildArn": `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/pr-sweeper:5e5e5e5e-1111-4222-8333-944444444444`,
};

interface Row {
    readonly as: string;
    readonly does: string;
    readonly request: (iam: StackIam) => Request;
    readonly expect: Decision | "denied";
    readonly chain?: keyof typeof CHAINS;
    /** What is decided instead when the copies live in their own account. */
    readonly inCopiesOwnAccount?: Pick<Row, "expect" | "chain">;
}

/** Where pull-request code runs: its builds' roles and its copy's credentials. Their rows are judged in both placements. */
const PULL_REQUEST_CODE = ["pr-deploy-role", "pr-destroy-role", COPY_A_CREDENTIALS];

const withBoundary = (iam: StackIam, extra: Record<string, string> = {}) => ({ "iam:PermissionsBoundary": iam.boundaryArn, ...extra });
const withCopyBoundary = (iam: StackIam) => ({ "iam:PermissionsBoundary": iam.copyBoundaryArn });
const principal = (iam: StackIam, as: string) => (as === COPY_A_CREDENTIALS ? iam.copySession(COPY_A) : iam.role(as));
const ownBuild = () => ({ "codebuild:buildArn": ownBuildArn() });

/** Attacks open to code running in the untrusted deploy or destroy build: with the project's own role, or with the copy's credentials. */
const untrustedAttacks = (role: string): Row[] => {
    // The copy role denies these outright; the projects' own roles hold nothing of the kind to deny.
    const refused = role === COPY_A_CREDENTIALS ? "ExplicitlyDenied" : "denied";
    return [
        {
            as: role,
            does: "read production's metrics",
            chain: "traffic",
            expect: "denied",
            request: () => ({ action: "cloudwatch:GetMetricData", resource: "*" }),
        },
        {
            as: role,
            does: "create a PR-namespace role without the boundary",
            chain: "admin",
            expect: "denied",
            request: () => ({ action: "iam:CreateRole", resource: prRole() }),
        },
        {
            as: role,
            does: "create a PR-namespace role with another boundary (AdministratorAccess)",
            chain: "admin",
            expect: "denied",
            request: () => ({ action: "iam:CreateRole", resource: prRole(), context: { "iam:PermissionsBoundary": ADMINISTRATOR_ACCESS } }),
        },
        {
            as: role,
            does: "put an inline policy on a role without the boundary",
            chain: "admin",
            expect: "denied",
            request: () => ({ action: "iam:PutRolePolicy", resource: prRole() }),
        },
        {
            as: role,
            does: "attach a managed policy to a role without the boundary",
            chain: "admin",
            expect: "denied",
            request: () => ({ action: "iam:AttachRolePolicy", resource: prRole(), context: { "iam:PolicyARN": ADMINISTRATOR_ACCESS } }),
        },
        {
            as: role,
            does: "rewrite a role's trust policy (UpdateAssumeRolePolicy)",
            chain: "admin",
            expect: refused,
            request: () => ({ action: "iam:UpdateAssumeRolePolicy", resource: prRole() }),
        },
        {
            as: role,
            does: "remove a role's boundary (DeleteRolePermissionsBoundary)",
            chain: "admin",
            expect: refused,
            request: (iam) => ({ action: "iam:DeleteRolePermissionsBoundary", resource: prRole(), context: withCopyBoundary(iam) }),
        },
        {
            as: role,
            does: "rewrite the copies' boundary policy (CreatePolicyVersion)",
            chain: "admin",
            expect: refused,
            request: (iam) => ({ action: "iam:CreatePolicyVersion", resource: iam.copyBoundaryArn }),
        },
        {
            as: role,
            does: "delete the copies' boundary policy",
            chain: "admin",
            expect: refused,
            request: (iam) => ({ action: "iam:DeletePolicy", resource: iam.copyBoundaryArn }),
        },
        {
            as: role,
            does: "rewrite production's boundary policy (CreatePolicyVersion)",
            chain: "admin",
            expect: "denied",
            request: (iam) => ({ action: "iam:CreatePolicyVersion", resource: iam.boundaryArn }),
        },
        {
            as: role,
            does: "pass a PR role to a service other than Lambda",
            chain: "admin",
            expect: "denied",
            request: () => ({ action: "iam:PassRole", resource: prRole(), context: { "iam:PassedToService": "ec2.amazonaws.com" } }),
        },
        {
            as: role,
            does: "assume the pull-request bot",
            chain: "approval",
            expect: "denied",
            request: (iam) => ({
                action: "sts:AssumeRole",
                resource: iam.roleArn("pr-bot-role"),
                context: { "sts:RoleSessionName": PULL_REQUEST_BOT_SESSION_NAME },
            }),
        },
        {
            as: role,
            does: "update a production function's code",
            chain: "production",
            expect: "denied",
            request: () => ({ action: "lambda:UpdateFunctionCode", resource: PRODUCTION_FUNCTION }),
        },
        {
            as: role,
            does: "delete a production function",
            chain: "production",
            expect: "denied",
            request: () => ({ action: "lambda:DeleteFunction", resource: PRODUCTION_FUNCTION }),
        },
        {
            as: role,
            does: "read a production function (import it into its state)",
            chain: "production",
            expect: "denied",
            request: () => ({ action: "lambda:GetFunction", resource: PRODUCTION_FUNCTION }),
        },
        {
            as: role,
            does: "write a production role's policy, even with the boundary",
            chain: "production",
            expect: "denied",
            request: (iam) => ({ action: "iam:PutRolePolicy", resource: PRODUCTION_ROLE, context: withBoundary(iam) }),
        },
        {
            as: role,
            does: "delete a production role",
            chain: "production",
            expect: "denied",
            request: () => ({ action: "iam:DeleteRole", resource: PRODUCTION_ROLE }),
        },
        {
            as: role,
            does: "pass a production role to Lambda",
            chain: "production",
            expect: "denied",
            request: () => ({
                action: "iam:PassRole",
                resource: PRODUCTION_ROLE,
                context: { "iam:PassedToService": "lambda.amazonaws.com" },
            }),
        },
        {
            as: role,
            does: "delete a production log group",
            chain: "production",
            expect: "denied",
            request: () => ({
                action: "logs:DeleteLogGroup",
                resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/power-tuned-digest`,
            }),
        },
        {
            as: role,
            does: "write production's state",
            chain: "production",
            expect: "denied",
            request: () => ({ action: "s3:PutObject", resource: `${STATE}/terraform-lambda/production.tfstate`, context: ownBuild() }),
        },
        {
            as: role,
            does: "take production's state lock",
            chain: "production",
            expect: "denied",
            request: () => ({
                action: "s3:PutObject",
                resource: `${STATE}/terraform-lambda/production.tfstate.tflock`,
                context: ownBuild(),
            }),
        },
        {
            as: role,
            does: "overwrite another copy's state object",
            chain: "otherCopies",
            expect: "denied",
            request: () => ({ action: "s3:PutObject", resource: copyState(COPY_B) }),
        },
        {
            as: role,
            does: "read another copy's state object",
            chain: "otherCopies",
            expect: "denied",
            request: () => ({ action: "s3:GetObject", resource: copyState(COPY_B) }),
        },
        {
            as: role,
            does: "update another copy's function while it is measured",
            chain: "otherCopies",
            expect: "denied",
            request: () => ({ action: "lambda:UpdateFunctionCode", resource: copyFunction(COPY_B) }),
        },
        {
            as: role,
            does: "delete another copy's function",
            chain: "otherCopies",
            expect: "denied",
            request: () => ({ action: "lambda:DeleteFunction", resource: copyFunction(COPY_B) }),
        },
        {
            as: role,
            does: "rewrite another copy's role policy, even with the copies' boundary",
            chain: "otherCopies",
            expect: "denied",
            request: (iam) => ({ action: "iam:PutRolePolicy", resource: copyRole(COPY_B), context: withCopyBoundary(iam) }),
        },
        {
            as: role,
            does: "delete another copy's role",
            chain: "otherCopies",
            expect: "denied",
            request: () => ({ action: "iam:DeleteRole", resource: copyRole(COPY_B) }),
        },
        {
            as: role,
            does: "delete another copy's log group",
            chain: "otherCopies",
            expect: "denied",
            request: () => ({ action: "logs:DeleteLogGroup", resource: logGroup(`${COPY_B}-digest`) }),
        },
        {
            as: role,
            does: "create a role in another copy's names, with the copies' boundary",
            chain: "squat",
            expect: "denied",
            request: (iam) => ({ action: "iam:CreateRole", resource: copyRole(COPY_B, "x-role"), context: withCopyBoundary(iam) }),
        },
        {
            as: role,
            does: "create production's role name under a deeper path of its own (role/pull-request-copies/<copy>-x/power-tuned-digest-role)",
            chain: "squat",
            expect: refused,
            request: (iam) => ({
                action: "iam:CreateRole",
                resource: copyRole(COPY_A, "x/power-tuned-digest-role"),
                context: withCopyBoundary(iam),
            }),
        },
        {
            as: role,
            does: "create production's role name under the copies' path",
            chain: "squat",
            expect: "denied",
            request: (iam) => ({
                action: "iam:CreateRole",
                resource: `arn:aws:iam::${placed.copies}:role/pull-request-copies/power-tuned-digest-role`,
                context: withCopyBoundary(iam),
            }),
        },
        {
            as: role,
            does: "create a role of its own copy's name outside the copies' path",
            chain: "squat",
            expect: "denied",
            request: (iam) => ({
                action: "iam:CreateRole",
                resource: `arn:aws:iam::${placed.copies}:role/${COPY_A}-digest-role`,
                context: withCopyBoundary(iam),
            }),
        },
        {
            as: role,
            does: "reserve concurrency for its own function (PutFunctionConcurrency)",
            chain: "throttle",
            expect: refused,
            request: () => ({ action: "lambda:PutFunctionConcurrency", resource: prFunction() }),
        },
        {
            as: role,
            does: "configure provisioned concurrency for its own function",
            chain: "throttle",
            expect: refused,
            // An alias and a version have the same ARN shape: every qualifier at once.
            request: () => ({ action: "lambda:PutProvisionedConcurrencyConfig", resource: `${prFunction()}:*` }),
        },
        {
            as: role,
            does: "give its own function a public URL (CreateFunctionUrlConfig)",
            chain: "exposure",
            expect: refused,
            request: () => ({
                action: "lambda:CreateFunctionUrlConfig",
                resource: prFunction(),
                context: { "lambda:FunctionUrlAuthType": "NONE" },
            }),
        },
        {
            as: role,
            does: "let anyone invoke its own function (AddPermission)",
            chain: "exposure",
            expect: refused,
            request: () => ({ action: "lambda:AddPermission", resource: prFunction(), context: { "lambda:Principal": "*" } }),
        },
        {
            as: role,
            does: "map an event source onto its own function (CreateEventSourceMapping)",
            chain: "exposure",
            expect: refused,
            // IAM authorizes CreateEventSourceMapping on `*`, with the function as a condition key.
            request: () => ({ action: "lambda:CreateEventSourceMapping", resource: "*", context: { "lambda:FunctionArn": prFunction() } }),
        },
        {
            as: role,
            does: "assume the copy role for a session without its copy's session policy",
            chain: "credentials",
            expect: "denied",
            request: (iam) => ({ action: "sts:AssumeRole", resource: iam.roleArn("pr-copy-role") }),
        },
        {
            as: role,
            does: "read the builds' environment (BatchGetBuilds), where copies' credentials are",
            chain: "credentials",
            expect: "denied",
            request: () => ({
                action: "codebuild:BatchGetBuilds",
                resource: `arn:aws:codebuild:${REGION}:${placed.copies}:project/pr-deploy`,
            }),
        },
        {
            as: role,
            does: "read the workflow's execution history, where copies' credentials are",
            chain: "credentials",
            expect: "denied",
            request: () => ({
                action: "states:GetExecutionHistory",
                resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:pr-workflow:7-3f2a9c1`,
            }),
        },
        {
            as: role,
            does: "replace another build's outputs for the trusted step",
            chain: "otherCopies",
            expect: "denied",
            request: () => ({
                action: "s3:PutObject",
                resource: `${placed.handedOn}/pull-request-builds/${otherBuildArn()}/outputs.json`,
                context: ownBuild(),
            }),
        },
        {
            as: role,
            does: "post a comment on the pull request",
            chain: "approval",
            expect: "denied",
            request: () => ({ action: "codecommit:PostCommentForPullRequest", resource: REPOSITORY }),
        },
        {
            as: role,
            does: "approve the pull request",
            chain: "approval",
            expect: "denied",
            request: () => ({ action: "codecommit:UpdatePullRequestApprovalState", resource: REPOSITORY }),
        },
        {
            as: role,
            does: "read the history of comments",
            chain: "approval",
            expect: "denied",
            request: () => ({ action: "codecommit:GetCommentsForPullRequest", resource: REPOSITORY }),
        },
        {
            as: role,
            does: "store a tuning result (results/)",
            chain: "baselines",
            expect: "denied",
            request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/results/0a1b.json`, context: ownBuild() }),
        },
        {
            as: role,
            does: "record production's fingerprint (production/)",
            chain: "baselines",
            expect: "denied",
            request: () => ({
                action: "s3:PutObject",
                resource: `${ARTIFACTS}/tuning-history/production/digest.json`,
                context: ownBuild(),
            }),
        },
        {
            as: role,
            does: "upload a runner bundle",
            chain: "runner",
            expect: "denied",
            request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-runner/${"ab".repeat(32)}.js`, context: ownBuild() }),
        },
        {
            as: role,
            does: "plant files in the first commit of a repository CloudFormation creates (repository-seed/)",
            chain: "production",
            expect: "denied",
            request: () => ({ action: "s3:PutObject", resource: SEED_ZIP, context: ownBuild() }),
        },
        {
            as: role,
            does: "start a power-tuning execution (it invokes functions)",
            chain: "production",
            expect: "denied",
            request: () => ({ action: "states:StartExecution", resource: powerTuning() }),
        },
        {
            as: role,
            does: "rewrite the tuning budget's lease table",
            chain: "capacity",
            expect: "denied",
            request: () => ({ action: "s3:PutObject", resource: BUDGET_LEASES, context: ownBuild() }),
        },
        {
            as: role,
            does: "delete the tuning budget's lease table",
            chain: "capacity",
            expect: "denied",
            request: () => ({ action: "s3:DeleteObject", resource: BUDGET_LEASES, context: ownBuild() }),
        },
        {
            as: role,
            does: "read the tuning budget's lease table",
            chain: "capacity",
            expect: "denied",
            request: () => ({ action: "s3:GetObject", resource: BUDGET_LEASES, context: ownBuild() }),
        },
    ];
};

const ROWS: Row[] = [
    ...untrustedAttacks("pr-deploy-role"),
    ...untrustedAttacks("pr-destroy-role"),
    // The trusted step shares the tuning budget through its lease table, and nothing else of the bucket's root.
    {
        as: "pr-feedback-role",
        does: "read the tuning budget's lease table",
        expect: "Allowed",
        request: () => ({ action: "s3:GetObject", resource: BUDGET_LEASES }),
    },
    {
        as: "pr-feedback-role",
        does: "replace the tuning budget's lease table",
        expect: "Allowed",
        request: () => ({ action: "s3:PutObject", resource: BUDGET_LEASES }),
    },
    {
        as: "pr-feedback-role",
        does: "write beside the lease table",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: "arn:aws:s3:::storage-artifacts-0a1b2c3d/tuning-budget/other.json" }),
    },
    ...untrustedAttacks(COPY_A_CREDENTIALS),
    // What the deploy and the destroy do with the copy's credentials: deploy and destroy their own copy.
    {
        as: COPY_A_CREDENTIALS,
        does: "create its copy's role with the copies' boundary",
        expect: "Allowed",
        request: (iam) => ({ action: "iam:CreateRole", resource: prRole(), context: withCopyBoundary(iam) }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "create its copy's role with production's boundary",
        chain: "forgeLogs",
        expect: "denied",
        request: (iam) => ({ action: "iam:CreateRole", resource: prRole(), context: withBoundary(iam) }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "put its copy's role's inline policy, with the copies' boundary",
        expect: "Allowed",
        request: (iam) => ({ action: "iam:PutRolePolicy", resource: prRole(), context: withCopyBoundary(iam) }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "tag its copy's role",
        expect: "Allowed",
        request: () => ({ action: "iam:TagRole", resource: prRole() }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "create its copy's function",
        expect: "Allowed",
        request: () => ({ action: "lambda:CreateFunction", resource: prFunction() }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "update its copy's function's configuration",
        expect: "Allowed",
        request: () => ({ action: "lambda:UpdateFunctionConfiguration", resource: prFunction() }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "pass its copy's role to Lambda",
        expect: "Allowed",
        request: () => ({ action: "iam:PassRole", resource: prRole(), context: { "iam:PassedToService": "lambda.amazonaws.com" } }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "pass another copy's role to Lambda",
        chain: "otherCopies",
        expect: "denied",
        request: () => ({ action: "iam:PassRole", resource: copyRole(COPY_B), context: { "iam:PassedToService": "lambda.amazonaws.com" } }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "create its copy's log group",
        expect: "Allowed",
        request: () => ({ action: "logs:CreateLogGroup", resource: logGroup(`${COPY_A}-digest`) }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "read production's state for the plan",
        expect: "Allowed",
        // No plan against production from the copies' own account: production's state stays out of pull-request code's reach.
        inCopiesOwnAccount: { expect: "denied", chain: "production" },
        request: () => ({ action: "s3:GetObject", resource: `${STATE}/terraform-lambda/production.tfstate` }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "write its copy's state",
        expect: "Allowed",
        request: () => ({ action: "s3:PutObject", resource: copyState(COPY_A) }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "take its copy's state lock",
        expect: "Allowed",
        request: () => ({ action: "s3:PutObject", resource: copyState(COPY_A, "terraform.tfstate.tflock") }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "read its copy's state (the destroy)",
        expect: "Allowed",
        request: () => ({ action: "s3:GetObject", resource: copyState(COPY_A) }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "delete its copy's role's inline policy",
        expect: "Allowed",
        request: (iam) => ({ action: "iam:DeleteRolePolicy", resource: prRole(), context: withCopyBoundary(iam) }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "delete its copy's role",
        expect: "Allowed",
        request: () => ({ action: "iam:DeleteRole", resource: prRole() }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "delete its copy's function",
        expect: "Allowed",
        request: () => ({ action: "lambda:DeleteFunction", resource: prFunction() }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "delete its copy's log group",
        expect: "Allowed",
        request: () => ({ action: "logs:DeleteLogGroup", resource: logGroup(`${COPY_A}-digest`) }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "delete its copy's state object",
        expect: "Allowed",
        request: () => ({ action: "s3:DeleteObject", resource: copyState(COPY_A) }),
    },
    {
        as: COPY_A_CREDENTIALS,
        does: "hand files on under a build's prefix (the project's own role does)",
        chain: "otherCopies",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${placed.handedOn}/pull-request-builds/${ownBuildArn()}/plan.json` }),
    },
    // What the project roles still do themselves: hand files on under their own build's prefix.
    {
        as: "pr-deploy-role",
        does: "hand its plan on",
        expect: "Allowed",
        request: () => ({
            action: "s3:PutObject",
            resource: `${placed.handedOn}/pull-request-builds/${ownBuildArn()}/plan.json`,
            context: ownBuild(),
        }),
    },
    {
        as: "pr-deploy-role",
        does: "create any function, its own copy's included (it holds nothing in the namespace)",
        chain: "otherCopies",
        expect: "denied",
        request: () => ({ action: "lambda:CreateFunction", resource: prFunction() }),
    },
    {
        as: "pr-destroy-role",
        does: "delete any function, its own copy's included (it holds nothing in the namespace)",
        chain: "otherCopies",
        expect: "denied",
        request: () => ({ action: "lambda:DeleteFunction", resource: prFunction() }),
    },
    // Where the copies' credentials come from.
    {
        as: "pr-workflow-role",
        does: "take a session of the copy role",
        expect: "Allowed",
        request: (iam) => ({ action: "sts:AssumeRole", resource: iam.roleArn("pr-copy-role"), context: { "sts:RoleSessionName": COPY_A } }),
    },
    {
        as: "pr-feedback-role",
        does: "take a session of the copy role",
        chain: "credentials",
        expect: "denied",
        request: (iam) => ({ action: "sts:AssumeRole", resource: iam.roleArn("pr-copy-role") }),
    },
    {
        as: "pr-sweeper-role",
        does: "take a session of the copy role",
        chain: "credentials",
        expect: "denied",
        request: (iam) => ({ action: "sts:AssumeRole", resource: iam.roleArn("pr-copy-role") }),
    },
    // The trusted step.
    {
        as: "pr-feedback-role",
        does: "start a tuning execution",
        expect: "Allowed",
        request: () => ({ action: "states:StartExecution", resource: powerTuning() }),
    },
    {
        as: "pr-feedback-role",
        does: "follow its tuning execution",
        expect: "Allowed",
        request: () => ({
            action: "states:DescribeExecution",
            resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:powerTuningStateMachine-0a1b2c3d:pr-7-3f2a9c1-digest`,
        }),
    },
    {
        as: "pr-feedback-role",
        does: "read a PR function's configuration",
        expect: "Allowed",
        request: () => ({ action: "lambda:GetFunctionConfiguration", resource: prFunction() }),
    },
    {
        as: "pr-feedback-role",
        does: "read the settings from the destination commit",
        expect: "Allowed",
        request: () => ({ action: "codecommit:GetFile", resource: REPOSITORY }),
    },
    {
        as: "pr-feedback-role",
        does: "list the source commit's *.tf files",
        expect: "Allowed",
        request: () => ({ action: "codecommit:GetFolder", resource: REPOSITORY }),
    },
    {
        as: "pr-feedback-role",
        does: "download the runner",
        expect: "Allowed",
        request: () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/tuning-runner/${"ab".repeat(32)}.js` }),
    },
    {
        as: "pr-feedback-role",
        does: "read the deploy's outputs",
        expect: "Allowed",
        request: () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/pull-request-builds/${ownBuildArn()}/outputs.json` }),
    },
    {
        as: "pr-feedback-role",
        does: "store a tuning result",
        expect: "Allowed",
        request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/results/0a1b.json` }),
    },
    {
        as: "pr-feedback-role",
        does: "list the artifact bucket, so a missing history entry reads as 404",
        expect: "Allowed",
        request: () => ({ action: "s3:ListBucket", resource: ARTIFACTS }),
    },
    {
        as: "pr-feedback-role",
        does: "stop its tuning execution (--timeout, a stopped build)",
        expect: "Allowed",
        request: () => ({
            action: "states:StopExecution",
            resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:powerTuningStateMachine-0a1b2c3d:pr-7-3f2a9c1-digest`,
        }),
    },
    {
        as: "pr-feedback-role",
        does: "keep its results file under its own prefix",
        expect: "Allowed",
        request: () => ({
            action: "s3:PutObject",
            resource: `${ARTIFACTS}/pull-request-builds/${FEEDBACK_BUILD["codebuild:buildArn"]}/power-tuning-results.json`,
            context: FEEDBACK_BUILD,
        }),
    },
    {
        as: "pr-feedback-role",
        does: "replace the deploy's outputs it is about to read",
        chain: "otherCopies",
        expect: "denied",
        request: () => ({
            action: "s3:PutObject",
            resource: `${ARTIFACTS}/pull-request-builds/${ownBuildArn()}/outputs.json`,
            context: FEEDBACK_BUILD,
        }),
    },
    {
        as: "pr-feedback-role",
        does: "become the pull-request bot under its fixed session name",
        expect: "Allowed",
        request: (iam) => ({
            action: "sts:AssumeRole",
            resource: iam.roleArn("pr-bot-role"),
            context: { "sts:RoleSessionName": PULL_REQUEST_BOT_SESSION_NAME },
        }),
    },
    {
        as: "pr-feedback-role",
        does: "become the bot under another session name",
        chain: "approval",
        expect: "denied",
        request: (iam) => ({
            action: "sts:AssumeRole",
            resource: iam.roleArn("pr-bot-role"),
            context: { "sts:RoleSessionName": "AWSCodeBuild-6c1f3f0e" },
        }),
    },
    {
        as: "pr-feedback-role",
        does: "comment without being the bot",
        chain: "approval",
        expect: "denied",
        request: () => ({ action: "codecommit:PostCommentForPullRequest", resource: REPOSITORY }),
    },
    {
        as: "pr-feedback-role",
        does: "record production's fingerprint",
        chain: "baselines",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/production/digest.json` }),
    },
    {
        as: "pr-feedback-role",
        does: "read a production function",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "lambda:GetFunctionConfiguration", resource: PRODUCTION_FUNCTION }),
    },
    // Which functions are tuned is the runner's decision (its copy's prefix, listed); IAM keeps the step itself off them.
    {
        as: "pr-feedback-role",
        does: "list the functions to find its own copy's",
        expect: "Allowed",
        request: () => ({ action: "lambda:ListFunctions", resource: "*" }),
    },
    {
        as: "pr-feedback-role",
        does: "stops: tuning another pull request's copy (invoking it directly)",
        chain: "otherCopies",
        expect: "denied",
        request: () => ({ action: "lambda:InvokeFunction", resource: otherCopyFunction() }),
    },
    {
        as: "pr-feedback-role",
        does: "stops: tuning another pull request's copy (reconfiguring its memory)",
        chain: "otherCopies",
        expect: "denied",
        request: () => ({ action: "lambda:UpdateFunctionConfiguration", resource: otherCopyFunction() }),
    },
    // The copy decision (trusted: reads the repository and the history as data, speaks only as the bot).
    {
        as: "pr-copy-decision-role",
        does: "read the differences between the pull request's commits",
        expect: "Allowed",
        request: () => ({ action: "codecommit:GetDifferences", resource: REPOSITORY }),
    },
    {
        as: "pr-copy-decision-role",
        does: "write its own log group",
        expect: "Allowed",
        request: () => ({
            action: "logs:PutLogEvents",
            resource: `${logGroup("lambda-power-tuned-decision-power-tuned")}:log-stream:2026/11/26/[$LATEST]0a1b`,
        }),
    },
    {
        as: "pr-copy-decision-role",
        does: "read the policy at the destination commit",
        expect: "Allowed",
        request: () => ({ action: "codecommit:GetFile", resource: REPOSITORY }),
    },
    {
        as: "pr-copy-decision-role",
        does: "list the folder of a changed document at the source commit (a function's code may sit beside it)",
        expect: "Allowed",
        request: () => ({ action: "codecommit:GetFolder", resource: REPOSITORY }),
    },
    {
        as: "pr-copy-decision-role",
        does: "read production's records in the tuning history",
        expect: "Allowed",
        request: () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/tuning-history/production/digest.json` }),
    },
    {
        as: "pr-copy-decision-role",
        does: "list the artifact bucket (production's records, 404 for a missing one)",
        expect: "Allowed",
        request: () => ({ action: "s3:ListBucket", resource: ARTIFACTS }),
    },
    {
        as: "pr-copy-decision-role",
        does: "become the pull-request bot under its fixed session name",
        expect: "Allowed",
        request: (iam) => ({
            action: "sts:AssumeRole",
            resource: iam.roleArn("pr-bot-role"),
            context: { "sts:RoleSessionName": PULL_REQUEST_BOT_SESSION_NAME },
        }),
    },
    {
        as: "pr-copy-decision-role",
        does: "become the bot under another session name",
        chain: "approval",
        expect: "denied",
        request: (iam) => ({
            action: "sts:AssumeRole",
            resource: iam.roleArn("pr-bot-role"),
            context: { "sts:RoleSessionName": "decision" },
        }),
    },
    {
        as: "pr-copy-decision-role",
        does: "approve without being the bot",
        chain: "approval",
        expect: "denied",
        request: () => ({ action: "codecommit:UpdatePullRequestApprovalState", resource: REPOSITORY }),
    },
    {
        as: "pr-copy-decision-role",
        does: "store a tuning result",
        chain: "baselines",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/results/0a1b.json` }),
    },
    {
        as: "pr-copy-decision-role",
        does: "record production's fingerprint",
        chain: "baselines",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/production/digest.json` }),
    },
    {
        as: "pr-copy-decision-role",
        does: "start a build (deploy anything)",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "codebuild:StartBuild", resource: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/pr-deploy` }),
    },
    {
        as: "pr-copy-decision-role",
        does: "start a tuning",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "states:StartExecution", resource: powerTuning() }),
    },
    {
        as: "pr-copy-decision-role",
        does: "write production's state",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${STATE}/terraform-lambda/production.tfstate` }),
    },
    {
        as: "pr-copy-decision-role",
        does: "create a role",
        chain: "admin",
        expect: "denied",
        request: (iam) => ({ action: "iam:CreateRole", resource: prRole(), context: withCopyBoundary(iam) }),
    },
    {
        as: "pr-copy-decision-role",
        does: "push to the repository",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "codecommit:GitPush", resource: REPOSITORY }),
    },
    // The untrusted builds' shared cache: written by pull-request code, read by nothing trusted.
    {
        as: "pr-deploy-role",
        does: "restore and save the build cache",
        expect: "Allowed",
        request: () => ({ action: "s3:PutObject", resource: `${placed.handedOn}/pull-request-cache/cache.zip` }),
    },
    {
        as: "pr-destroy-role",
        does: "restore the build cache",
        expect: "Allowed",
        request: () => ({ action: "s3:GetObject", resource: `${placed.handedOn}/pull-request-cache/cache.zip` }),
    },
    {
        as: "pr-feedback-role",
        does: "read the pull requests' build cache",
        chain: "runner",
        expect: "denied",
        request: () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/pull-request-cache/cache.zip` }),
    },
    {
        as: "deployment-apply-role",
        does: "read the pull requests' build cache",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/pull-request-cache/cache.zip` }),
    },
    {
        as: "deployment-plan-role",
        does: "read the pull requests' build cache",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/pull-request-cache/cache.zip` }),
    },
    {
        as: "pr-copy-decision-role",
        does: "read the pull requests' build cache",
        chain: "runner",
        expect: "denied",
        request: () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/pull-request-cache/cache.zip` }),
    },
    {
        as: "pr-deploy-role",
        does: "invoke the decision function",
        chain: "approval",
        expect: "denied",
        request: () => ({
            action: "lambda:InvokeFunction",
            resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:lambda-power-tuned-decision-power-tuned`,
        }),
    },
    {
        as: "pr-deploy-role",
        does: "replace the decision function's code",
        chain: "runner",
        expect: "denied",
        request: () => ({
            action: "lambda:UpdateFunctionCode",
            resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:lambda-power-tuned-decision-power-tuned`,
        }),
    },
    {
        as: "pr-workflow-role",
        does: "invoke the decision function",
        expect: "Allowed",
        request: () => ({
            action: "lambda:InvokeFunction",
            resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:lambda-power-tuned-decision-power-tuned`,
        }),
    },
    {
        as: "pr-feedback-role",
        does: "read the account's Lambda concurrency (--concurrency auto)",
        expect: "Allowed",
        request: () => ({ action: "lambda:GetAccountSettings", resource: "*" }),
    },
    {
        as: "pr-feedback-role",
        does: "read production's invocations and durations (GetMetricData)",
        expect: "Allowed",
        request: () => ({ action: "cloudwatch:GetMetricData", resource: "*" }),
    },
    {
        as: "pr-feedback-role",
        does: "read or write anything else of CloudWatch",
        chain: "traffic",
        expect: "denied",
        request: () => ({ action: "cloudwatch:PutMetricData", resource: "*" }),
    },
    {
        as: "pr-copy-decision-role",
        does: "read production's metrics",
        chain: "traffic",
        expect: "denied",
        request: () => ({ action: "cloudwatch:GetMetricData", resource: "*" }),
    },
    {
        as: "pr-sweeper-role",
        does: "read production's metrics",
        chain: "traffic",
        expect: "denied",
        request: () => ({ action: "cloudwatch:GetMetricData", resource: "*" }),
    },
    // The bot.
    {
        as: "pr-bot-role",
        does: "comment on the pull request",
        expect: "Allowed",
        request: () => ({ action: "codecommit:PostCommentForPullRequest", resource: REPOSITORY }),
    },
    {
        as: "pr-bot-role",
        does: "edit its comment",
        expect: "Allowed",
        request: () => ({ action: "codecommit:UpdateComment", resource: REPOSITORY }),
    },
    {
        as: "pr-bot-role",
        does: "approve or revoke",
        expect: "Allowed",
        request: () => ({ action: "codecommit:UpdatePullRequestApprovalState", resource: REPOSITORY }),
    },
    {
        as: "pr-bot-role",
        does: "push to the repository",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "codecommit:GitPush", resource: REPOSITORY }),
    },
    // The sweeper (trusted, scheduled and after each destroy): the pull-request namespace only.
    {
        as: "pr-sweeper-role",
        does: "list every function to find the namespace's",
        expect: "Allowed",
        request: () => ({ action: "lambda:ListFunctions", resource: "*" }),
    },
    {
        as: "pr-sweeper-role",
        does: "list every role to find the namespace's",
        expect: "Allowed",
        request: () => ({ action: "iam:ListRoles", resource: "*" }),
    },
    {
        as: "pr-sweeper-role",
        does: "list a PR function's event source mappings",
        expect: "Allowed",
        request: () => ({ action: "lambda:ListEventSourceMappings", resource: "*" }),
    },
    {
        as: "pr-sweeper-role",
        does: "list a PR role's inline policies",
        expect: "Allowed",
        request: () => ({ action: "iam:ListRolePolicies", resource: prRole() }),
    },
    {
        as: "pr-sweeper-role",
        does: "list a PR role's attached policies",
        expect: "Allowed",
        request: () => ({ action: "iam:ListAttachedRolePolicies", resource: prRole() }),
    },
    {
        as: "pr-sweeper-role",
        does: "list a PR role's instance profiles",
        expect: "Allowed",
        request: () => ({ action: "iam:ListInstanceProfilesForRole", resource: prRole() }),
    },
    {
        as: "pr-sweeper-role",
        does: "download the runner",
        expect: "Allowed",
        request: () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/tuning-runner/${"ab".repeat(32)}.js` }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a PR function's event source mapping",
        expect: "Allowed",
        request: () => ({
            action: "lambda:DeleteEventSourceMapping",
            resource: EVENT_SOURCE_MAPPING,
            context: { "lambda:FunctionArn": prFunction() },
        }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a PR function",
        expect: "Allowed",
        request: () => ({ action: "lambda:DeleteFunction", resource: prFunction() }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a PR role's inline policy",
        expect: "Allowed",
        request: () => ({ action: "iam:DeleteRolePolicy", resource: prRole() }),
    },
    {
        as: "pr-sweeper-role",
        does: "detach a PR role's managed policy",
        expect: "Allowed",
        request: () => ({ action: "iam:DetachRolePolicy", resource: prRole(), context: { "iam:PolicyARN": ADMINISTRATOR_ACCESS } }),
    },
    {
        as: "pr-sweeper-role",
        does: "remove a PR role from a PR instance profile",
        expect: "Allowed",
        request: () => ({
            action: "iam:RemoveRoleFromInstanceProfile",
            resource: `arn:aws:iam::${ACCOUNT}:instance-profile/pr-power-tuned-7-3f2a9c1-digest`,
        }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a PR role",
        expect: "Allowed",
        request: () => ({ action: "iam:DeleteRole", resource: prRole() }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a PR log group",
        expect: "Allowed",
        request: () => ({ action: "logs:DeleteLogGroup", resource: logGroup("pr-power-tuned-7-3f2a9c1-digest") }),
    },
    {
        as: "pr-sweeper-role",
        does: "list the PR state objects",
        expect: "Allowed",
        request: () => ({ action: "s3:ListBucket", resource: STATE, context: { "s3:prefix": "pull-requests/" } }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a PR state object",
        expect: "Allowed",
        request: () => ({ action: "s3:DeleteObject", resource: copyState(COPY_B) }),
    },
    {
        as: "pr-sweeper-role",
        does: "keep its report under its own prefix",
        expect: "Allowed",
        request: () => ({
            action: "s3:PutObject",
            resource: `${ARTIFACTS}/pull-request-builds/${SWEEP_BUILD["codebuild:buildArn"]}/sweep-report.json`,
            context: SWEEP_BUILD,
        }),
    },
    {
        as: "pr-sweeper-role",
        does: "replace another build's files for the trusted step",
        chain: "otherCopies",
        expect: "denied",
        request: () => ({
            action: "s3:PutObject",
            resource: `${ARTIFACTS}/pull-request-builds/${otherBuildArn()}/outputs.json`,
            context: SWEEP_BUILD,
        }),
    },
    {
        as: "pr-sweeper-role",
        does: "become the pull-request bot under its fixed session name",
        expect: "Allowed",
        request: (iam) => ({
            action: "sts:AssumeRole",
            resource: iam.roleArn("pr-bot-role"),
            context: { "sts:RoleSessionName": PULL_REQUEST_BOT_SESSION_NAME },
        }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a production function",
        chain: "sweeper",
        expect: "denied",
        request: () => ({ action: "lambda:DeleteFunction", resource: PRODUCTION_FUNCTION }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a production function's event source mapping",
        chain: "sweeper",
        expect: "denied",
        request: () => ({
            action: "lambda:DeleteEventSourceMapping",
            resource: EVENT_SOURCE_MAPPING,
            context: { "lambda:FunctionArn": PRODUCTION_FUNCTION },
        }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a production role",
        chain: "sweeper",
        expect: "denied",
        request: () => ({ action: "iam:DeleteRole", resource: PRODUCTION_ROLE }),
    },
    {
        as: "pr-sweeper-role",
        does: "strip a production role's inline policy",
        chain: "sweeper",
        expect: "denied",
        request: () => ({ action: "iam:DeleteRolePolicy", resource: PRODUCTION_ROLE }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete one of the stack's own roles",
        chain: "sweeper",
        expect: "denied",
        request: (iam) => ({ action: "iam:DeleteRole", resource: iam.roleArn("pr-deploy-role") }),
    },
    {
        as: "pr-sweeper-role",
        does: "remove a role from another instance profile",
        chain: "sweeper",
        expect: "denied",
        request: () => ({
            action: "iam:RemoveRoleFromInstanceProfile",
            resource: `arn:aws:iam::${ACCOUNT}:instance-profile/power-tuned-web`,
        }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete a production log group",
        chain: "sweeper",
        expect: "denied",
        request: () => ({ action: "logs:DeleteLogGroup", resource: logGroup("power-tuned-digest") }),
    },
    {
        as: "pr-sweeper-role",
        does: "delete production's state",
        chain: "sweeper",
        expect: "denied",
        request: () => ({ action: "s3:DeleteObject", resource: `${STATE}/terraform-lambda/production.tfstate` }),
    },
    {
        as: "pr-sweeper-role",
        does: "list the state bucket beyond pull-requests/",
        chain: "sweeper",
        expect: "denied",
        request: () => ({ action: "s3:ListBucket", resource: STATE, context: { "s3:prefix": "terraform-lambda/" } }),
    },
    {
        as: "pr-sweeper-role",
        does: "post a comment without being the bot",
        chain: "approval",
        expect: "denied",
        request: () => ({ action: "codecommit:PostCommentForPullRequest", resource: REPOSITORY }),
    },
    {
        as: "pr-sweeper-role",
        does: "approve the pull request",
        chain: "approval",
        expect: "denied",
        request: () => ({ action: "codecommit:UpdatePullRequestApprovalState", resource: REPOSITORY }),
    },
    {
        as: "pr-sweeper-role",
        does: "become the bot under another session name",
        chain: "approval",
        expect: "denied",
        request: (iam) => ({
            action: "sts:AssumeRole",
            resource: iam.roleArn("pr-bot-role"),
            context: { "sts:RoleSessionName": "AWSCodeBuild-5e5e5e5e" },
        }),
    },
    {
        as: "pr-sweeper-role",
        does: "store a tuning result (results/)",
        chain: "baselines",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/results/0a1b.json`, context: SWEEP_BUILD }),
    },
    {
        as: "pr-sweeper-role",
        does: "record production's fingerprint (production/)",
        chain: "baselines",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/production/digest.json`, context: SWEEP_BUILD }),
    },
    {
        as: "pr-sweeper-role",
        does: "upload a runner bundle",
        chain: "runner",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-runner/${"ab".repeat(32)}.js`, context: SWEEP_BUILD }),
    },
    {
        as: "pr-sweeper-role",
        does: "plant files in the first commit of a repository CloudFormation creates (repository-seed/)",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: SEED_ZIP, context: SWEEP_BUILD }),
    },
    {
        as: "pr-sweeper-role",
        does: "start a power-tuning execution (it invokes functions)",
        chain: "sweeper",
        expect: "denied",
        request: () => ({ action: "states:StartExecution", resource: powerTuning() }),
    },
    {
        as: "pr-sweeper-schedule-role",
        does: "start the sweeper",
        expect: "Allowed",
        request: () => ({ action: "codebuild:StartBuild", resource: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/pr-sweeper` }),
    },
    {
        as: "pr-sweeper-schedule-role",
        does: "start the pull-request destroy build",
        chain: "sweeper",
        expect: "denied",
        request: () => ({ action: "codebuild:StartBuild", resource: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/pr-destroy` }),
    },
    // Production.
    {
        as: "deployment-apply-role",
        does: "create a production role with the boundary",
        expect: "Allowed",
        request: (iam) => ({ action: "iam:CreateRole", resource: PRODUCTION_ROLE, context: withBoundary(iam) }),
    },
    {
        as: "deployment-apply-role",
        does: "create a production role without the boundary",
        chain: "admin",
        expect: "denied",
        request: () => ({ action: "iam:CreateRole", resource: PRODUCTION_ROLE }),
    },
    {
        as: "deployment-apply-role",
        does: "rewrite a production role's trust policy",
        chain: "admin",
        expect: "ExplicitlyDenied",
        request: () => ({ action: "iam:UpdateAssumeRolePolicy", resource: PRODUCTION_ROLE }),
    },
    {
        as: "deployment-apply-role",
        does: "update a production function",
        expect: "Allowed",
        request: () => ({ action: "lambda:UpdateFunctionCode", resource: PRODUCTION_FUNCTION }),
    },
    {
        as: "deployment-apply-role",
        does: "write production's state",
        expect: "Allowed",
        request: () => ({ action: "s3:PutObject", resource: `${STATE}/terraform-lambda/production.tfstate` }),
    },
    {
        as: "deployment-apply-role",
        does: "record production's fingerprints",
        expect: "Allowed",
        request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/production/digest.json` }),
    },
    {
        as: "deployment-apply-role",
        does: "store a tuning result",
        chain: "baselines",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${ARTIFACTS}/tuning-history/results/0a1b.json` }),
    },
    {
        as: "deployment-apply-role",
        does: "plant files in the first commit of a repository CloudFormation creates (repository-seed/)",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: SEED_ZIP }),
    },
    {
        as: "deployment-apply-role",
        does: "download the runner to record with",
        expect: "Allowed",
        request: () => ({ action: "s3:GetObject", resource: `${ARTIFACTS}/tuning-runner/${"ab".repeat(32)}.js` }),
    },
    {
        as: "deployment-plan-role",
        does: "take production's state lock",
        expect: "Allowed",
        request: () => ({ action: "s3:PutObject", resource: `${STATE}/terraform-lambda/production.tfstate.tflock` }),
    },
    {
        as: "deployment-plan-role",
        does: "write production's state itself",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "s3:PutObject", resource: `${STATE}/terraform-lambda/production.tfstate` }),
    },
    // The workflow and its trigger.
    {
        as: "pr-workflow-role",
        does: "start the deploy build",
        expect: "Allowed",
        request: () => ({ action: "codebuild:StartBuild", resource: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/pr-deploy` }),
    },
    {
        as: "pr-workflow-role",
        does: "start the pipeline's apply build",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "codebuild:StartBuild", resource: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/deployment-apply` }),
    },
    {
        as: "pr-trigger-role",
        does: "start the pull-request workflow",
        expect: "Allowed",
        request: () => ({ action: "states:StartExecution", resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${WORKFLOW_NAME}` }),
    },
    {
        as: "pr-sweeper-role",
        does: "read the pull-request workflow's running executions (which copies they own)",
        expect: "Allowed",
        request: () => ({ action: "states:ListExecutions", resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${WORKFLOW_NAME}` }),
    },
    {
        as: "pr-sweeper-role",
        does: "read an execution of the power-tuning state machine",
        expect: "denied",
        request: () => ({
            action: "states:DescribeExecution",
            resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:powerTuningStateMachine-0a1b2c3d:x`,
        }),
    },
    {
        as: "pr-trigger-role",
        does: "start the power-tuning state machine",
        chain: "production",
        expect: "denied",
        request: () => ({ action: "states:StartExecution", resource: powerTuning() }),
    },
];

// Every row in production's account; with the copies in an account of their own (copyAccount), every
// row of pull-request code (the trusted side's rows there are in copy-account.test.ts).
for (const [where, placement, stack] of [
    ["", ONE_ACCOUNT, mockedStack],
    [" (copies in their own account)", COPIES_OWN_ACCOUNT, mockedCopyAccountStack],
] as const)
    describe(`attack paths, decided by an IAM policy simulator over the stack's own documents${where}`, () => {
        let iam: StackIam;
        before(async () => {
            placed = placement;
            iam = new StackIam(await stack());
        });

        const matches = (decision: Decision, expected: Row["expect"]) =>
            expected === "denied" ? decision !== "Allowed" : decision === expected;
        const rows =
            placement === ONE_ACCOUNT
                ? ROWS
                : ROWS.filter((row) => PULL_REQUEST_CODE.includes(row.as)).map((row) => ({ ...row, ...row.inCopiesOwnAccount }));

        for (const row of rows) {
            const verdict = row.expect === "Allowed" ? "may" : "may not";
            const title = `${row.as} ${verdict} ${row.does}${row.chain ? ` — stops: ${CHAINS[row.chain]}` : ""}`;
            it(title, async () => {
                const decision = await iam.decide(principal(iam, row.as), row.request(iam));
                assert.ok(
                    matches(decision, row.expect),
                    `${row.as}: ${JSON.stringify(row.request(iam))} was ${decision}, expected ${row.expect}`,
                );
            });
        }

        const everything = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

        describe("a role a copy created with Action * under the copies' boundary (chain: become account admin)", () => {
            let functionRole: SimulatedRole;
            before(() => {
                functionRole = iam.copyCreatedRole(COPY_A, "x-role", undefined, everything);
            });

            const denied: Array<[string, (iam: StackIam) => Request]> = [
                ["create a role", () => ({ action: "iam:CreateRole", resource: `arn:aws:iam::${ACCOUNT}:role/anything` })],
                [
                    "attach AdministratorAccess to itself",
                    () => ({
                        action: "iam:AttachRolePolicy",
                        resource: `arn:aws:iam::${placed.copies}:role/pr-power-tuned-7-3f2a9c1-x-role`,
                    }),
                ],
                [
                    "assume the bot",
                    (stackIam) => ({
                        action: "sts:AssumeRole",
                        resource: stackIam.roleArn("pr-bot-role"),
                        context: { "sts:RoleSessionName": PULL_REQUEST_BOT_SESSION_NAME },
                    }),
                ],
                ["approve a pull request", () => ({ action: "codecommit:UpdatePullRequestApprovalState", resource: REPOSITORY })],
                ["write production's state", () => ({ action: "s3:PutObject", resource: `${STATE}/terraform-lambda/production.tfstate` })],
                [
                    "write a pull request's state",
                    () => ({ action: "s3:PutObject", resource: `${STATE}/pull-requests/${ownBuildArn()}/terraform.tfstate` }),
                ],
                ["update a production function", () => ({ action: "lambda:UpdateFunctionCode", resource: PRODUCTION_FUNCTION })],
                ["read production's metrics", () => ({ action: "cloudwatch:GetMetricData", resource: "*" })],
            ];
            for (const [what, request] of denied) {
                it(`may not ${what}`, async () => {
                    assert.notStrictEqual(await iam.decide(functionRole, request(iam)), "Allowed");
                });
            }

            it("may still write its function's log streams, which is all the boundary grants", async () => {
                const logStream = `${logGroup("pr-power-tuned-7-3f2a9c1-x")}:log-stream:2026/11/26/[$LATEST]0a1b`;
                assert.strictEqual(await iam.decide(functionRole, { action: "logs:PutLogEvents", resource: logStream }), "Allowed");
            });
        });

        describe("the boundaries cover one copy's logs, or production's (chain: forge production's or another copy's logs)", () => {
            const stream = (logGroupName: string) => ({
                action: "logs:PutLogEvents",
                resource: `${logGroup(logGroupName)}:log-stream:2026/11/26/[$LATEST]0a1b`,
            });
            const tagged = (copy: string) => ({ [COPY_ROLE_TAG_KEY]: copy });

            it("a copy's role writes its own copy's log groups", async () => {
                assert.strictEqual(
                    await iam.decide(iam.copyCreatedRole(COPY_A, "digest-role", undefined, everything), stream(`${COPY_A}-digest`)),
                    "Allowed",
                );
            });

            it("a copy's role may not write production's log groups, nor another copy's", async () => {
                const role = iam.copyCreatedRole(COPY_A, "digest-role", undefined, everything);
                for (const target of ["power-tuned-digest", `${COPY_B}-digest`])
                    assert.notStrictEqual(await iam.decide(role, stream(target)), "Allowed", target);
            });

            it("a copy's role whose trust policy lets an outsider assume it with a forged copy tag (a session tag) still may not write production's or another copy's logs", async () => {
                const forgeries: Array<[Record<string, string>, string]> = [
                    [tagged("power-tuned"), "power-tuned-digest"],
                    [tagged(COPY_B), `${COPY_B}-digest`],
                    // A shorter prefix of its own name would cover every copy of the namespace.
                    [tagged("pr-power-tuned"), `${COPY_B}-digest`],
                    [tagged("pr-power-tuned-7"), "pr-power-tuned-7-0000000-digest"],
                ];
                for (const [tags, target] of forgeries) {
                    const role = iam.copyCreatedRole(COPY_A, "digest-role", tags, everything);
                    assert.notStrictEqual(await iam.decide(role, stream(target)), "Allowed", `${JSON.stringify(tags)} → ${target}`);
                }
            });

            it("a role without its copy tag writes no log group at all", async () => {
                assert.notStrictEqual(
                    await iam.decide(iam.copyCreatedRole(COPY_A, "digest-role", {}, everything), stream(`${COPY_A}-digest`)),
                    "Allowed",
                );
            });

            it("production's roles write production's log groups, never a copy's", async () => {
                const role = iam.terraformRole("power-tuned-digest-role", everything);
                assert.strictEqual(await iam.decide(role, stream("power-tuned-digest")), "Allowed");
                assert.notStrictEqual(await iam.decide(role, stream(`${COPY_A}-digest`)), "Allowed");
            });
        });

        describe("the bucket policies on their own (chains: poison baselines, replace the runner or the repository's seed, change production)", () => {
            // Any principal of the account whose identity policies allow every S3 write, e.g. an administrator.
            const administrator = (name: string, arn = `arn:aws:iam::${ACCOUNT}:role/${name}`): SimulatedRole => ({
                arn,
                name,
                identityPolicies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }],
            });
            const protectedKeys = [
                `${ARTIFACTS}/tuning-runner/${"ab".repeat(32)}.js`,
                SEED_ZIP,
                `${ARTIFACTS}/tuning-history/results/0a1b.json`,
                `${ARTIFACTS}/tuning-history/production/digest.json`,
                `${STATE}/terraform-lambda/production.tfstate`,
            ];

            it("deny every other principal, even one allowed s3:* on everything", async () => {
                for (const key of protectedKeys) {
                    for (const action of ["s3:PutObject", "s3:DeleteObject"]) {
                        assert.strictEqual(
                            await iam.decide(administrator("team-admin"), { action, resource: key }),
                            "ExplicitlyDenied",
                            `${action} ${key}`,
                        );
                    }
                }
            });

            it("let the deploying principal (the role of its SSO session, with its path) write everything, so pulumi up and destroy work", async () => {
                for (const key of protectedKeys) {
                    assert.strictEqual(
                        await iam.decide(administrator("AWSReservedSSO_Admin_0a1b2c3d", TEST_DEPLOYER_ROLE_ARN), {
                            action: "s3:DeleteObject",
                            resource: key,
                        }),
                        "Allowed",
                        key,
                    );
                }
            });

            it("leave the seed zip readable by the deploying principal, whose credentials CloudFormation uses to read it when it creates the repository", async () => {
                const deployer = administrator("AWSReservedSSO_Admin_0a1b2c3d", TEST_DEPLOYER_ROLE_ARN);
                assert.strictEqual(await iam.decide(deployer, { action: "s3:GetObject", resource: SEED_ZIP }), "Allowed");
            });

            it("refuse a request not made over TLS, from anyone", async () => {
                const deployer = administrator("AWSReservedSSO_Admin_0a1b2c3d", TEST_DEPLOYER_ROLE_ARN);
                const request = {
                    action: "s3:GetObject",
                    resource: `${ARTIFACTS}/tuning-history/results/0a1b.json`,
                    context: { "aws:SecureTransport": "false" },
                };
                assert.strictEqual(await iam.decide(deployer, request), "ExplicitlyDenied");
            });
        });
    });
