import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ARTIFACT_LAYOUT } from "../../buildscripts/contract";
import { type BucketRef, REPOSITORY_SEED_PREFIX, STATE_LAYOUT } from "./artifactStorage";
import { denyInsecureTransportStatement, onlyWritersStatement, policyDocument } from "../iam/policies";

export interface StorageAccessArgs {
    readonly stateBucket: BucketRef;
    readonly artifactBucket: BucketRef;
    /**
     * Whoever runs `pulumi up` (a role or user ARN, never a session ARN): it uploads the runner
     * and empties the buckets on `pulumi destroy`, so it is a writer everywhere.
     */
    readonly deployer: pulumi.Input<string>;
    /** The only roles that may store tuning results (`tuning-history/results/`): the trusted pull-request step. */
    readonly tuningResultWriters: readonly pulumi.Input<string>[];
    /** The only roles that may record production's fingerprints (`tuning-history/production/`): the pipeline's apply. */
    readonly productionRecordWriters: readonly pulumi.Input<string>[];
    /** The only roles that may write production's state and its lock file: the pipeline's plan, apply and destroy. */
    readonly productionStateWriters: readonly pulumi.Input<string>[];
    /** Keep the policies on `pulumi destroy` (with the buckets they protect). Default false. */
    readonly retainData?: boolean;
}

/**
 * The bucket policies: both buckets refuse anything but TLS, and the prefixes whose content
 * decides what runs or what is trusted can be written only by the roles meant to write them,
 * whatever any identity policy in the account allows:
 * - `tuning-runner/` (the code the trusted builds run): only the deployer;
 * - `repository-seed/` (a new repository's first commit): only the deployer;
 * - `tuning-history/results/` (reused results, baselines): only the trusted pull-request step;
 * - `tuning-history/production/` (what production runs): only the pipeline's apply;
 * - production's Terraform state: only the pipeline's builds.
 * A separate component from ArtifactStorage because it names roles created after the buckets.
 */
export class StorageAccess extends pulumi.ComponentResource {
    constructor(name: string, args: StorageAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:StorageAccess", name, {}, opts);
        const retainData = args.retainData ?? false;
        const { stateBucket, artifactBucket, deployer } = args;
        const writers = (roles: readonly pulumi.Input<string>[]) => [...roles, deployer];

        new aws.s3.BucketPolicy(
            `${name}-state-policy`,
            {
                bucket: stateBucket.name,
                policy: policyDocument([
                    denyInsecureTransportStatement(stateBucket.arn),
                    onlyWritersStatement(
                        "OnlyPipelineWritesProductionState",
                        stateBucket.arn,
                        `${STATE_LAYOUT.productionStateKey}*`,
                        writers(args.productionStateWriters),
                    ),
                ]),
            },
            { parent: this, retainOnDelete: retainData },
        );
        new aws.s3.BucketPolicy(
            `${name}-artifacts-policy`,
            {
                bucket: artifactBucket.name,
                policy: policyDocument([
                    denyInsecureTransportStatement(artifactBucket.arn),
                    onlyWritersStatement(
                        "OnlyDeployerWritesRunner",
                        artifactBucket.arn,
                        `${ARTIFACT_LAYOUT.tuningRunnerPrefix}*`,
                        writers([]),
                    ),
                    onlyWritersStatement("OnlyDeployerWritesRepositorySeed", artifactBucket.arn, `${REPOSITORY_SEED_PREFIX}*`, writers([])),
                    onlyWritersStatement(
                        "OnlyTrustedStepStoresResults",
                        artifactBucket.arn,
                        `${ARTIFACT_LAYOUT.tuningResultsPrefix}*`,
                        writers(args.tuningResultWriters),
                    ),
                    onlyWritersStatement(
                        "OnlyApplyRecordsProduction",
                        artifactBucket.arn,
                        `${ARTIFACT_LAYOUT.productionRecordsPrefix}*`,
                        writers(args.productionRecordWriters),
                    ),
                ]),
            },
            { parent: this, retainOnDelete: retainData },
        );
        this.registerOutputs({});
    }
}
