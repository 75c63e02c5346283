import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ARTIFACT_LAYOUT } from "../../buildscripts/contract";

/** The state bucket's layout. */
export const STATE_LAYOUT = {
    /** Production's Terraform state, written only by the pipeline's builds. */
    productionStateKey: "terraform-lambda/production.tfstate",
    /** `pull-requests/<build ARN>/terraform.tfstate`: each pull-request build's own state; expires. */
    pullRequestStatePrefix: "pull-requests/",
} as const;

/**
 * The artifact bucket's prefix of the untrusted pull-request builds' CodeBuild cache (Terraform and
 * its providers). Only those builds read or write it; it expires, so an abandoned cache goes away.
 */
export const PULL_REQUEST_CACHE_PREFIX = "pull-request-cache/";

/**
 * The artifact bucket's prefix of the zips CloudFormation seeds the repository from: what the
 * repository's first commit holds, so only the deployer writes it. It persists: CloudFormation
 * reads it again if it ever creates the repository again.
 */
export const REPOSITORY_SEED_PREFIX = "repository-seed/";

/**
 * The key prefix under which CodePipeline stores a pipeline's artifacts: the first 20
 * characters of the pipeline's name. Known in advance because the name is fixed, so the
 * artifact bucket can expire exactly this folder and the roles can be limited to it.
 */
export function pipelineArtifactFolder(pipelineName: string): string {
    return `${pipelineName.slice(0, 20)}/`;
}

export interface ArtifactStorageArgs {
    /**
     * Keep both buckets, their contents and their security settings on `pulumi destroy`, and
     * never force-empty them. Default false: destroy empties and deletes them.
     */
    readonly retainData?: boolean;
    /** The deployment pipeline that keeps its artifacts in the artifact bucket (its folder expires). */
    readonly pipelineName: string;
    /** Days before an object under an expiring artifact prefix expires. Default 30. */
    readonly artifactExpirationDays?: number;
    /**
     * Days before a pull-request build's Terraform state (`pull-requests/`) expires. Every build
     * writes its own object; a destroy deletes its own, and the deploy's copy is left to expire.
     * Default 3.
     */
    readonly transientStateExpirationDays?: number;
    /** Days an overwritten Terraform state version is kept (for recovery). Default 90. */
    readonly noncurrentStateRetentionDays?: number;
    readonly tags: Readonly<Record<string, string>>;
}

/** A bucket's name and ARN. */
export interface BucketRef {
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
}

/** The artifact bucket, with the one part of its layout this stack decides. */
export interface ArtifactBucket extends BucketRef {
    /** `<first 20 characters of the pipeline name>/`: the deployment pipeline's artifacts. */
    readonly pipelineArtifactFolder: string;
}

/**
 * The Terraform state bucket (versioned) and the artifact bucket, and what expires in them. The
 * artifact bucket holds, by prefix (the contract's ARTIFACT_LAYOUT and the pipeline's folder):
 * runner bundles (`tuning-runner/`), the tuning history (`tuning-history/`) and the repository's seed (`repository-seed/`), which persist;
 * what each pull-request build hands on (`pull-request-builds/`), the untrusted builds' cache
 * (`pull-request-cache/`) and the pipeline's artifacts, which expire. S3 lifecycle filters cannot exclude a prefix, so expiry is opt-in per prefix.
 * Both buckets: SSE-S3, all public access blocked, ACLs disabled. Their bucket policies (TLS
 * only, who may write the protected prefixes) are StorageAccess's: they name roles that are
 * created after the buckets.
 */
export class ArtifactStorage extends pulumi.ComponentResource {
    public readonly stateBucket: BucketRef;
    public readonly artifactBucket: ArtifactBucket;

    constructor(name: string, args: ArtifactStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:ArtifactStorage", name, {}, opts);
        const retainData = args.retainData ?? false;
        const artifactExpirationDays = args.artifactExpirationDays ?? 30;
        const transientStateExpirationDays = args.transientStateExpirationDays ?? 3;
        const noncurrentStateRetentionDays = args.noncurrentStateRetentionDays ?? 90;
        // Retaining only the bucket would still delete its policy and public access block on
        // destroy, leaving a kept bucket unprotected: every bucket resource shares the option.
        const childOpts: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: retainData };

        const state = secureBucket(`${name}-state`, retainData, args.tags, childOpts);
        const versioning = new aws.s3.BucketVersioning(
            `${name}-state-versioning`,
            { bucket: state.id, versioningConfiguration: { status: "Enabled" } },
            childOpts,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-state-lifecycle`,
            {
                bucket: state.id,
                rules: [
                    {
                        id: "expire-old-state-versions",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: noncurrentStateRetentionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                    {
                        id: "expire-pull-request-states",
                        status: "Enabled",
                        filter: { prefix: STATE_LAYOUT.pullRequestStatePrefix },
                        expiration: { days: transientStateExpirationDays },
                        noncurrentVersionExpiration: { noncurrentDays: 1 },
                    },
                    {
                        id: "remove-expired-delete-markers",
                        status: "Enabled",
                        filter: {},
                        expiration: { expiredObjectDeleteMarker: true },
                    },
                ],
            },
            { ...childOpts, dependsOn: [versioning] },
        );

        const artifacts = secureBucket(`${name}-artifacts`, retainData, args.tags, childOpts);
        const folder = pipelineArtifactFolder(args.pipelineName);
        const expiringPrefixes = [folder, ARTIFACT_LAYOUT.pullRequestBuildsPrefix, PULL_REQUEST_CACHE_PREFIX];
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-artifacts-lifecycle`,
            {
                bucket: artifacts.id,
                rules: [
                    ...expiringPrefixes.map((prefix) => ({
                        id: `expire-${prefix.replace(/[^A-Za-z0-9-]+/g, "-").replace(/-+$/, "")}`,
                        status: "Enabled",
                        filter: { prefix },
                        expiration: { days: artifactExpirationDays },
                    })),
                    {
                        id: "abort-incomplete-uploads",
                        status: "Enabled",
                        filter: {},
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            childOpts,
        );

        this.stateBucket = { name: state.bucket, arn: state.arn };
        this.artifactBucket = { name: artifacts.bucket, arn: artifacts.arn, pipelineArtifactFolder: folder };
        this.registerOutputs({ stateBucket: this.stateBucket, artifactBucket: this.artifactBucket });
    }
}

/**
 * A bucket as every bucket of the stack is: SSE-S3, all public access blocked, ACLs disabled,
 * emptied on `pulumi destroy` unless its data is retained. Its policy (TLS only) is its owner's.
 */
export function secureBucket(
    name: string,
    retainData: boolean,
    tags: Readonly<Record<string, string>>,
    childOpts: pulumi.CustomResourceOptions,
): aws.s3.Bucket {
    // forceDestroy must already be in state when `pulumi destroy` runs, so it is set at creation.
    const bucket = new aws.s3.Bucket(name, { forceDestroy: !retainData, tags }, childOpts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        childOpts,
    );
    new aws.s3.BucketOwnershipControls(
        `${name}-ownership`,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        childOpts,
    );
    new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access-block`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        childOpts,
    );
    return bucket;
}
