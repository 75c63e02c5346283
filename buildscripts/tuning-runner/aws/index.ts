// The AWS calls the runner makes: small interfaces the commands take, and their implementations
// with the SDK. Clients take the SDK's standard configuration only (AWS_REGION, the credential
// chain, AWS_ENDPOINT_URL_SFN / _CODECOMMIT / _LAMBDA / _S3 / _STS / _IAM / _CLOUDWATCH_LOGS / _CLOUDWATCH, AWS_RETRY_MODE,
// AWS_MAX_ATTEMPTS): the same binary runs in CodeBuild and against the local test server without
// a flag of its own. The one exception is the pull request's voice: comments and approvals may be
// made as the pull-request bot role instead of the build.
import { SFNClient } from "@aws-sdk/client-sfn";
import { UsageError } from "../core/errors";
import { regionSharedByArns } from "../core/targets";
import { lambdaMetricsClient } from "./cloudwatch";
import {
    commentAuthor,
    pullRequestApprovalsClient,
    pullRequestCommentsClient,
    repositoryDifferencesClient,
    repositoryFilesClient,
    speakingFor,
} from "./codecommit";
import { sweepableRolesClient } from "./iam";
import { lambdaFunctionsClient, sweepableFunctionsClient } from "./lambda";
import { sweepableLogGroupsClient } from "./logs";
import type { CopyAccountRole } from "../core/pullRequestSteps";
import type { AwsClients } from "./ports";
import { assumedRole } from "./sdk";
import { budgetLeaseObjectClient, sweepableObjectsClient, tuningHistoryObjectsClient } from "./s3";
import { runningExecutionsClient, stepFunctionsClient } from "./sfn";

/** The session name of a trusted build in the copies' own account: CloudTrail there tells it apart. */
export const COPY_ACCOUNT_SESSION_NAME = "lambda-power-tuned-trusted";

/**
 * The SDK clients of one run. Comments and approvals are made as `commentRoleArn` assumed under
 * the fixed session name PULL_REQUEST_BOT_SESSION_NAME when it is given: CodeCommit lets only a
 * comment's author update it, and the approval rule's pool names this one session, while the
 * build's own session name changes with every build. When the copies have an account of their own,
 * everything of theirs (their functions, the power-tuning executions, their state objects, the
 * deploy's files, what a sweep lists and removes) is reached with a session of `copyAccount`'s role,
 * with its external ID. Everything else keeps the build's credentials.
 */
export function awsClients(commentRoleArn: string | undefined, copyAccount?: CopyAccountRole): AwsClients {
    const pullRequest = speakingFor(commentRoleArn);
    const copies =
        copyAccount === undefined
            ? undefined
            : assumedRole({ RoleArn: copyAccount.roleArn, RoleSessionName: COPY_ACCOUNT_SESSION_NAME, ExternalId: copyAccount.externalId });
    return {
        stepFunctions: stepFunctionsClient(copies),
        lambda: lambdaFunctionsClient(copies),
        metrics: lambdaMetricsClient(),
        tuningHistory: tuningHistoryObjectsClient(),
        repositoryFiles: repositoryFilesClient(),
        repositoryDifferences: repositoryDifferencesClient(),
        pullRequestComments: pullRequestCommentsClient(pullRequest, commentAuthor(commentRoleArn)),
        pullRequestApprovals: pullRequestApprovalsClient(pullRequest),
        sweepable: {
            runningExecutions: runningExecutionsClient(),
            functions: sweepableFunctionsClient(copies),
            roles: sweepableRolesClient(copies),
            logGroups: sweepableLogGroupsClient(copies),
            objects: sweepableObjectsClient(copies),
        },
        budgetLeases: budgetLeaseObjectClient(),
        deployFiles: tuningHistoryObjectsClient(copies),
    };
}

/**
 * Makes sure the SDK has a region before the first AWS call. The SDK's own configuration
 * (AWS_REGION, the profile's region) wins; without one, the region `arns` share becomes
 * AWS_REGION for every client of this run, as if the user had set it, and `log` says so. With
 * neither, nothing can be called: a usage error (exit 2) says what to set.
 */
export async function ensureRegion(arns: readonly string[], from: string, log: (message: string) => void): Promise<void> {
    // A client resolves the region exactly as every other client of the run will.
    const configured = await new SFNClient({}).config.region().catch(() => undefined);
    if (configured !== undefined) return;
    const region = regionSharedByArns(arns);
    if (region === undefined) {
        const why = arns.length === 0 ? "" : `; the ARNs of ${from} name different regions`;
        throw new UsageError(`no AWS region: set AWS_REGION (e.g. AWS_REGION=us-east-1) or a region in your AWS profile${why}`);
    }
    process.env.AWS_REGION = region;
    log(`region ${region}, from ${from} (neither AWS_REGION nor the AWS profile names one)`);
}
