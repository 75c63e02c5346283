import * as assert from "node:assert";
import type * as pulumi from "@pulumi/pulumi";
import { ArtifactStorage, pipelineArtifactFolder } from "../../../components/storage/artifactStorage";
import { StorageAccess } from "../../../components/storage/storageAccess";
import { type MockedStack, mockedStack, named, ofType } from "../../support/mocked-stack";
import { registeredResources, settled, TEST_DEPLOYER_ROLE_ARN, trackConstruction } from "../../support/pulumi-mocks";

/** The resources configuring one bucket (all take the bucket's id as `bucket`). */
function bucketSettings(stack: MockedStack, bucketName: string) {
    const bucket = named(stack, "aws:s3/bucket:Bucket", bucketName);
    const of = (type: string) => ofType(stack, type).filter((resource) => resource.inputs.bucket === bucket.id);
    return {
        bucket,
        encryption: of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
        ownership: of("aws:s3/bucketOwnershipControls:BucketOwnershipControls"),
        publicAccessBlock: of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
        policy: ofType(stack, "aws:s3/bucketPolicy:BucketPolicy").filter((resource) => resource.inputs.bucket === bucket.state.bucket),
        versioning: of("aws:s3/bucketVersioning:BucketVersioning"),
        lifecycle: of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"),
    };
}

/** Creates a component outside the program and records the options each of its resources got. */
async function optionsOfChildren(create: (opts: pulumi.ComponentResourceOptions) => void) {
    const seen: Array<{ type: string; name: string; retainOnDelete?: boolean }> = [];
    const first = registeredResources.length;
    // Legacy transformations run in the SDK itself, so unlike transforms they also run under mocks.
    create({
        transformations: [
            trackConstruction,
            ({ type, name, opts }) => {
                seen.push({ type, name, retainOnDelete: opts.retainOnDelete });
                return undefined;
            },
        ],
    });
    await settled();
    return { seen, registered: registeredResources.slice(first) };
}

describe("artifact storage", () => {
    let stack: MockedStack;
    before(async () => {
        stack = await mockedStack();
    });

    for (const bucketName of ["storage-state", "storage-artifacts"]) {
        describe(`the ${bucketName} bucket`, () => {
            it("is encrypted at rest (SSE-S3)", () => {
                const { encryption } = bucketSettings(stack, bucketName);
                assert.deepStrictEqual(
                    encryption.map((resource) => resource.inputs.rules),
                    [[{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]],
                );
            });

            it("blocks all public access and disables ACLs", () => {
                const { publicAccessBlock, ownership } = bucketSettings(stack, bucketName);
                assert.strictEqual(publicAccessBlock.length, 1);
                const { blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets } = publicAccessBlock[0].inputs;
                assert.deepStrictEqual(
                    [blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets],
                    [true, true, true, true],
                );
                assert.deepStrictEqual(
                    ownership.map((resource) => resource.inputs.rule),
                    [{ objectOwnership: "BucketOwnerEnforced" }],
                );
            });

            it("refuses every request not made over TLS", () => {
                const { bucket, policy } = bucketSettings(stack, bucketName);
                assert.strictEqual(policy.length, 1);
                const arn = bucket.state.arn;
                assert.deepStrictEqual(JSON.parse(policy[0].inputs.policy).Statement[0], {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [arn, `${arn}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                });
            });

            it("is emptied and deleted by pulumi destroy in dev (retainData false)", () => {
                assert.strictEqual(bucketSettings(stack, bucketName).bucket.inputs.forceDestroy, true);
            });
        });
    }

    it("versions Terraform state and expires overwritten versions after 90 days", () => {
        const { versioning, lifecycle } = bucketSettings(stack, "storage-state");
        assert.deepStrictEqual(
            versioning.map((resource) => resource.inputs.versioningConfiguration),
            [{ status: "Enabled" }],
        );
        assert.strictEqual(lifecycle.length, 1);
        const rule = lifecycle[0].inputs.rules.find((r: { id: string }) => r.id === "expire-old-state-versions");
        assert.deepStrictEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 90 });
        assert.deepStrictEqual(rule.filter, {});
        const expiring = lifecycle[0].inputs.rules.filter((r: { expiration?: { days?: number } }) => r.expiration?.days);
        for (const rule of expiring)
            assert.ok(
                !"terraform-lambda/production.tfstate".startsWith(rule.filter.prefix ?? ""),
                `production's current state never expires (${rule.id})`,
            );
    });

    it("expires each pull-request build's state after 3 days (a destroy deletes its own; the deploy's copy is left to expire)", () => {
        const { lifecycle } = bucketSettings(stack, "storage-state");
        const rule = lifecycle[0].inputs.rules.find((r: { id: string }) => r.id === "expire-pull-request-states");
        assert.deepStrictEqual(rule.filter, { prefix: "pull-requests/" });
        assert.deepStrictEqual(rule.expiration, { days: 3 });
        assert.ok(!"terraform-lambda/production.tfstate".startsWith(rule.filter.prefix), "production's state never expires");
    });

    describe("who may write what (bucket policies)", () => {
        const writers = (bucketName: string, sid: string) => {
            const statement = JSON.parse(bucketSettings(stack, bucketName).policy[0].inputs.policy).Statement.find(
                (s: { Sid: string }) => s.Sid === sid,
            );
            assert.ok(statement, sid);
            assert.deepStrictEqual(
                [statement.Effect, statement.Principal, statement.Action],
                ["Deny", "*", ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]],
            );
            return {
                keys: statement.Resource.replace(/^arn:aws:s3:::[^/]+\//, ""),
                except: statement.Condition.ArnNotLike["aws:PrincipalArn"],
            };
        };
        const role = (name: string) => named(stack, "aws:iam/role:Role", name).state.arn;

        it("the runner bundles: only the deploying principal, as its role's ARN with its path (not the session's)", () => {
            assert.deepStrictEqual(writers("storage-artifacts", "OnlyDeployerWritesRunner"), {
                keys: "tuning-runner/*",
                except: [TEST_DEPLOYER_ROLE_ARN],
            });
        });

        it("the repository's seed zips: only the deploying principal", () => {
            assert.deepStrictEqual(writers("storage-artifacts", "OnlyDeployerWritesRepositorySeed"), {
                keys: "repository-seed/*",
                except: [TEST_DEPLOYER_ROLE_ARN],
            });
        });

        it("stored tuning results: only the trusted pull-request step (and the deployer)", () => {
            assert.deepStrictEqual(writers("storage-artifacts", "OnlyTrustedStepStoresResults"), {
                keys: "tuning-history/results/*",
                except: [role("pr-feedback-role"), TEST_DEPLOYER_ROLE_ARN],
            });
        });

        it("production's fingerprints: only the pipeline's apply (and the deployer)", () => {
            assert.deepStrictEqual(writers("storage-artifacts", "OnlyApplyRecordsProduction"), {
                keys: "tuning-history/production/*",
                except: [role("deployment-apply-role"), TEST_DEPLOYER_ROLE_ARN],
            });
        });

        it("production's state and its lock: only the pipeline's plan, apply and destroy (and the deployer)", () => {
            assert.deepStrictEqual(writers("storage-state", "OnlyPipelineWritesProductionState"), {
                keys: "terraform-lambda/production.tfstate*",
                except: [
                    role("deployment-plan-role"),
                    role("deployment-apply-role"),
                    role("deployment-destroy-role"),
                    TEST_DEPLOYER_ROLE_ARN,
                ],
            });
        });
    });

    it("expires only the pipeline's artifact folder, the PR builds' output and their build cache, so runner bundles and tuning history persist", () => {
        const { versioning, lifecycle } = bucketSettings(stack, "storage-artifacts");
        assert.deepStrictEqual(versioning, []);
        const expiring = lifecycle[0].inputs.rules.filter((r: { expiration?: { days?: number } }) => r.expiration?.days !== undefined);
        const pipeline = named(stack, "aws:codepipeline/pipeline:Pipeline", "deployment");
        assert.deepStrictEqual(
            expiring.map((rule: { filter: { prefix: string } }) => rule.filter),
            [
                { prefix: pipelineArtifactFolder(pipeline.inputs.name) },
                { prefix: "pull-request-builds/" },
                { prefix: "pull-request-cache/" },
            ],
        );
        assert.strictEqual(
            expiring[0].filter.prefix,
            "power-tuned-deployme/",
            "CodePipeline keeps artifacts under the first 20 characters of the pipeline name",
        );
        assert.strictEqual(new Set(expiring.map((rule: { id: string }) => rule.id)).size, expiring.length, "rule ids are unique");
        for (const persistent of ["tuning-history/", "tuning-runner/", "repository-seed/"]) {
            for (const rule of expiring) assert.ok(!persistent.startsWith(rule.filter.prefix), `${persistent} must not expire`);
        }
        assert.deepStrictEqual(pipeline.inputs.artifactStores, [
            { type: "S3", location: named(stack, "aws:s3/bucket:Bucket", "storage-artifacts").state.bucket },
        ]);
    });

    describe("retainData", () => {
        it("true keeps both buckets and every resource securing them on destroy, and never force-empties them", async () => {
            const { seen, registered } = await optionsOfChildren((opts) => {
                const storage = new ArtifactStorage("kept", { retainData: true, pipelineName: "pipeline", tags: {} }, opts);
                new StorageAccess(
                    "kept-access",
                    {
                        ...storage,
                        deployer: "arn:aws:iam::123456789012:user/ops",
                        tuningResultWriters: [],
                        productionRecordWriters: [],
                        productionStateWriters: [],
                        retainData: true,
                    },
                    opts,
                );
            });
            const children = seen.filter((child) => child.type.startsWith("aws:s3/"));
            assert.strictEqual(children.length, 13);
            assert.deepStrictEqual(
                children.filter((child) => child.retainOnDelete !== true),
                [],
            );
            const buckets = registered.filter((resource) => resource.type === "aws:s3/bucket:Bucket");
            assert.deepStrictEqual(
                buckets.map((bucket) => bucket.inputs.forceDestroy),
                [false, false],
            );
        });

        it("false lets pulumi destroy delete them", async () => {
            const { seen } = await optionsOfChildren((opts) => {
                const storage = new ArtifactStorage("dropped", { retainData: false, pipelineName: "pipeline", tags: {} }, opts);
                new StorageAccess(
                    "dropped-access",
                    {
                        ...storage,
                        deployer: "arn:aws:iam::123456789012:user/ops",
                        tuningResultWriters: [],
                        productionRecordWriters: [],
                        productionStateWriters: [],
                    },
                    opts,
                );
            });
            assert.strictEqual(seen.filter((child) => child.type.startsWith("aws:s3/")).length, 13);
            assert.deepStrictEqual(
                seen.filter((child) => child.retainOnDelete === true),
                [],
            );
        });
    });
});
