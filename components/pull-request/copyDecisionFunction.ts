import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RunnerBundle } from "../../buildscripts/bundle";
import { RUNNER_ENVIRONMENT } from "../../buildscripts/contract";
import { assumeBotStatements, buildLogStatements, repositoryDifferencesStatements, tuningHistoryReadStatements } from "../iam/policies";
import { ServiceRole } from "../iam/serviceRole";
import { DECISION_FUNCTION_NAME_PREFIX } from "../stack/stackNames";

export interface CopyDecisionFunctionArgs {
    /** Names the function `lambda-power-tuned-decision-<namePrefix>`, apart from every Terraform scope. */
    readonly namePrefix: string;
    /** The bundled runner: the function runs its `handler` entry, the same code as the trusted build. */
    readonly runnerBundle: RunnerBundle;
    readonly repository: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
    /** The artifact bucket holding the tuning history it shows production's results from. */
    readonly artifactBucketArn: pulumi.Input<string>;
    /** `s3://<artifact bucket>/tuning-history/` */
    readonly tuningHistoryUri: pulumi.Input<string>;
    /** The pull-request bot it comments and approves as (whose trust policy must name this function's role). */
    readonly botRoleArn: pulumi.Input<string>;
    /** Globs of the paths that cannot change a function (config `nonFunctionPaths`). */
    readonly nonFunctionPaths: readonly string[];
    /** The copies' namePrefix: the decision names the copy (copyNamePrefix), whose credentials the workflow confines to it. */
    readonly pullRequestNamePrefix: string;
    readonly accountId: pulumi.Input<string>;
    /**
     * Default 512: Lambda gives CPU in proportion to memory, and the bundle's start-up (loading
     * the AWS SDK) is CPU-bound, so the decision reaches the reviewer sooner at no real cost.
     */
    readonly memorySizeMB?: number;
    /** Default 30: a decision is a few calls; the workflow gives up after DECISION_TIMEOUT_SECONDS anyway. */
    readonly timeoutSeconds?: number;
    /** Default 30. */
    readonly logRetentionDays?: number;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The first, trusted step of a pull request's workflow: a Lambda function running the runner's
 * `decide-copy` (its `handler` entry). It never executes a file of the pull request: it reads
 * the differences between the pull request's commits, the policy at the destination commit and
 * the tuning history as data, and may only comment and approve as the pull-request bot. It
 * cannot deploy, tune or write the history.
 */
export class CopyDecisionFunction extends pulumi.ComponentResource {
    public readonly functionArn: pulumi.Output<string>;
    public readonly functionName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: CopyDecisionFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:CopyDecisionFunction", name, {}, opts);
        const memorySizeMB = args.memorySizeMB ?? 512;
        const timeoutSeconds = args.timeoutSeconds ?? 30;
        const logRetentionDays = args.logRetentionDays ?? 30;
        const functionName = `${DECISION_FUNCTION_NAME_PREFIX}${args.namePrefix}`;

        // Created before the function, so Lambda never creates it on its own without a retention.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { name: `/aws/lambda/${functionName}`, retentionInDays: logRetentionDays, tags: args.tags },
            { parent: this },
        );
        const role = new ServiceRole(
            `${name}-role`,
            {
                trust: { service: "lambda.amazonaws.com", accountId: args.accountId },
                statements: [
                    ...buildLogStatements(logGroup.arn),
                    ...repositoryDifferencesStatements(args.repository.arn),
                    ...tuningHistoryReadStatements(args.artifactBucketArn),
                    ...assumeBotStatements(args.botRoleArn),
                ],
                tags: args.tags,
            },
            { parent: this },
        );
        const fn = new aws.lambda.Function(
            name,
            {
                name: functionName,
                description:
                    "Decides from the repository alone whether a pull request can change a function (runner decide-copy); when not, comments and approves as the pull-request bot.",
                role: role.arn,
                runtime: "nodejs22.x",
                architectures: ["arm64"],
                handler: "index.handler",
                code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.FileAsset(args.runnerBundle.path) }),
                memorySize: memorySizeMB,
                timeout: timeoutSeconds,
                environment: {
                    variables: {
                        [RUNNER_ENVIRONMENT.repositoryName]: args.repository.name,
                        [RUNNER_ENVIRONMENT.tuningHistoryUri]: args.tuningHistoryUri,
                        [RUNNER_ENVIRONMENT.pullRequestBotRoleArn]: args.botRoleArn,
                        [RUNNER_ENVIRONMENT.nonFunctionPaths]: JSON.stringify(args.nonFunctionPaths),
                        [RUNNER_ENVIRONMENT.pullRequestNamePrefix]: args.pullRequestNamePrefix,
                    },
                },
                loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
                tags: args.tags,
            },
            // The role's policy and the log group must exist before the first invocation.
            { parent: this, dependsOn: [role, logGroup] },
        );

        this.functionArn = fn.arn;
        this.functionName = fn.name;
        this.roleArn = role.arn;
        this.registerOutputs({ functionArn: this.functionArn, functionName: this.functionName, roleArn: this.roleArn });
    }
}
