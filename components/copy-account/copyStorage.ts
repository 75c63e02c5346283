import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ARTIFACT_LAYOUT } from "../../buildscripts/contract";
import { type BucketRef, PULL_REQUEST_CACHE_PREFIX, secureBucket, STATE_LAYOUT } from "../storage/artifactStorage";
import { denyInsecureTransportStatement, onlyWritersStatement, policyDocument } from "../iam/policies";

/** The copy bucket's layout: everything of the pull-request copies in their own account. */
export const COPY_BUCKET_LAYOUT = {
    /** `pull-requests/<copy prefix>/`: each copy's Terraform state, as in production's state bucket. */
    copyStatePrefix: STATE_LAYOUT.pullRequestStatePrefix,
    /** `pull-request-sources/<copy prefix>/source.zip`: the source commit, handed over by the trusted side. */
    sourcesPrefix: "pull-request-sources/",
    /** `pull-request-builds/<build ARN>/`: what the untrusted deploy hands on to the trusted step. */
    buildsPrefix: ARTIFACT_LAYOUT.pullRequestBuildsPrefix,
    /** The untrusted builds' CodeBuild cache. */
    cachePrefix: PULL_REQUEST_CACHE_PREFIX,
} as const;

/** The file name of a handed-over source under `<sourcesPrefix><copy prefix>/`. */
export const SOURCE_ARCHIVE_NAME = "source.zip";

export interface CopyStorageArgs {
    /**
     * The only role besides the deployer that may write `pull-request-sources/` (the trusted source
     * hand-over's role in this account), named before it exists.
     */
    readonly sourceWriterRoleArn: pulumi.Input<string>;
    /** The role the stack deploys this account with: it empties the bucket on `pulumi destroy`. */
    readonly deployer: pulumi.Input<string>;
    /** Keep the bucket, its contents and its policy on `pulumi destroy`. Default false. */
    readonly retainData?: boolean;
    /** Days before a copy's state, a handed-over source and a build's files expire. Default 3. */
    readonly transientExpirationDays?: number;
    /** Days before the build cache expires. Default 30. */
    readonly cacheExpirationDays?: number;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The copies' one bucket in their own account (the sandbox): their state, their handed-over
 * sources, what the deploy hands on and the untrusted builds' cache, all of it transient. SSE-S3,
 * private, versioned, TLS only; only the trusted hand-over (and the deployer) writes sources, so a
 * pull request's code cannot swap the source another pull request's build will run.
 */
export class CopyStorage extends pulumi.ComponentResource {
    public readonly bucket: BucketRef;

    constructor(name: string, args: CopyStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:CopyStorage", name, {}, opts);
        const retainData = args.retainData ?? false;
        const transientDays = args.transientExpirationDays ?? 3;
        const cacheDays = args.cacheExpirationDays ?? 30;
        const childOpts: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: retainData };

        const bucket = secureBucket(`${name}-bucket`, retainData, args.tags, childOpts);
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
            childOpts,
        );
        const expiring = (prefix: string, days: number) => ({
            id: `expire-${prefix.replace(/\/$/, "")}`,
            status: "Enabled",
            filter: { prefix },
            expiration: { days },
            noncurrentVersionExpiration: { noncurrentDays: 1 },
        });
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.id,
                rules: [
                    expiring(COPY_BUCKET_LAYOUT.copyStatePrefix, transientDays),
                    expiring(COPY_BUCKET_LAYOUT.sourcesPrefix, transientDays),
                    expiring(COPY_BUCKET_LAYOUT.buildsPrefix, transientDays),
                    expiring(COPY_BUCKET_LAYOUT.cachePrefix, cacheDays),
                    { id: "remove-expired-delete-markers", status: "Enabled", filter: {}, expiration: { expiredObjectDeleteMarker: true } },
                    {
                        id: "abort-incomplete-uploads",
                        status: "Enabled",
                        filter: {},
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            { ...childOpts, dependsOn: [versioning] },
        );
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: bucket.bucket,
                policy: policyDocument([
                    denyInsecureTransportStatement(bucket.arn),
                    onlyWritersStatement("OnlyTheHandOverWritesSources", bucket.arn, `${COPY_BUCKET_LAYOUT.sourcesPrefix}*`, [
                        args.sourceWriterRoleArn,
                        args.deployer,
                    ]),
                ]),
            },
            childOpts,
        );

        this.bucket = { name: bucket.bucket, arn: bucket.arn };
        this.registerOutputs({ bucket: this.bucket });
    }
}
