import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildLogStatements, type Statement } from "../iam/policies";
import { ServiceRole } from "../iam/serviceRole";

/** Graviton build environment: every project here runs arm64, like the functions it deploys. */
export const BUILD_ENVIRONMENT = {
    type: "ARM_CONTAINER",
    image: "aws/codebuild/amazonlinux-aarch64-standard:3.0",
    computeType: "BUILD_GENERAL1_SMALL",
    // No Docker builds happen here; privileged mode would only widen what a build can do.
    privilegedMode: false,
} as const;

/** Where a project's source comes from. */
export type BuildSource =
    | { readonly type: "CODECOMMIT"; readonly cloneUrlHttp: pulumi.Input<string>; readonly sourceVersion?: string }
    | { readonly type: "CODEPIPELINE" }
    /** An S3 object (`<bucket>/<key>` of a zip, or a folder ending in `/`), which each build may override (`sourceLocationOverride`). */
    | { readonly type: "S3"; readonly location: pulumi.Input<string> }
    /** No checkout at all: the build runs only its buildspec (and what it downloads itself). */
    | { readonly type: "NO_SOURCE" };

export interface BuildProjectArgs {
    readonly description: string;
    /** Buildspec YAML text (components/build/buildspecs.ts). */
    readonly buildspec: string;
    readonly source: BuildSource;
    /** Plain-text environment variables, in this order. */
    readonly environmentVariables: Readonly<Record<string, pulumi.Input<string>>>;
    /** What the build may do besides writing its own logs. */
    readonly statements: readonly Statement[];
    readonly accountId: pulumi.Input<string>;
    /**
     * An S3 build cache (the buildspec's cache paths and key): `<bucket>/<prefix>`, and the namespace
     * projects that share one cache give alike; default none.
     */
    readonly cache?: { readonly location: pulumi.Input<string>; readonly namespace: string };
    /** Default 60. */
    readonly buildTimeoutMinutes?: number;
    /**
     * How long a build may wait in CodeBuild's queue before CodeBuild ends it. Default 20
     * (CodeBuild's own default is 480): whoever waits for the build knows when it ends at the latest.
     */
    readonly queuedTimeoutMinutes?: number;
    /** Default 30. */
    readonly logRetentionDays?: number;
    readonly tags: Readonly<Record<string, string>>;
}

/** A CodeBuild project with its own service role and log group. */
export class BuildProject extends pulumi.ComponentResource {
    public readonly projectName: pulumi.Output<string>;
    public readonly projectArn: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: BuildProjectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:BuildProject", name, {}, opts);
        const buildTimeoutMinutes = args.buildTimeoutMinutes ?? 60;
        const queuedTimeoutMinutes = args.queuedTimeoutMinutes ?? 20;
        const logRetentionDays = args.logRetentionDays ?? 30;

        // An explicit group gives the logs a retention and goes away with the stack, unlike
        // the /aws/codebuild/<project> group CodeBuild would create on its own.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { namePrefix: `/aws/codebuild/${name}-`, retentionInDays: logRetentionDays, tags: args.tags },
            { parent: this },
        );
        const role = new ServiceRole(
            `${name}-role`,
            {
                trust: { service: "codebuild.amazonaws.com", accountId: args.accountId },
                statements: [...buildLogStatements(logGroup.arn), ...args.statements],
                tags: args.tags,
            },
            { parent: this },
        );
        const source = args.source;
        const project = new aws.codebuild.Project(
            name,
            {
                description: args.description,
                serviceRole: role.arn,
                buildTimeout: buildTimeoutMinutes,
                queuedTimeout: queuedTimeoutMinutes,
                source:
                    source.type === "CODECOMMIT"
                        ? { type: "CODECOMMIT", location: source.cloneUrlHttp, buildspec: args.buildspec }
                        : source.type === "S3"
                          ? { type: "S3", location: source.location, buildspec: args.buildspec }
                          : { type: source.type, buildspec: args.buildspec },
                sourceVersion: source.type === "CODECOMMIT" ? source.sourceVersion : undefined,
                // Builds upload what they hand on themselves (aws s3 cp), each to its own prefix.
                artifacts: { type: source.type === "CODEPIPELINE" ? "CODEPIPELINE" : "NO_ARTIFACTS" },
                cache:
                    args.cache === undefined
                        ? { type: "NO_CACHE" }
                        : { type: "S3", location: args.cache.location, cacheNamespace: args.cache.namespace },
                environment: {
                    ...BUILD_ENVIRONMENT,
                    environmentVariables: [
                        ...Object.entries(args.environmentVariables).map(([variable, value]) => ({
                            name: variable,
                            value,
                            type: "PLAINTEXT",
                        })),
                        // AWS adds this variable to every project after creation, and pulumi-aws would
                        // then show it as a diff on each `pulumi up`: declared, the project reads as stored.
                        { name: "CODEBUILD_CONFIG_AUTO_DISCOVER", value: "false", type: "PLAINTEXT" },
                    ],
                },
                logsConfig: { cloudwatchLogs: { groupName: logGroup.name, status: "ENABLED" } },
                tags: args.tags,
            },
            // The role's policy must exist before the first build can run.
            { parent: this, dependsOn: [role] },
        );

        this.projectName = project.name;
        this.projectArn = project.arn;
        this.roleName = role.name;
        this.roleArn = role.arn;
        this.registerOutputs({
            projectName: this.projectName,
            projectArn: this.projectArn,
            roleName: this.roleName,
            roleArn: this.roleArn,
        });
    }
}
