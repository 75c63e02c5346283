import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { unzipSync } from "fflate";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { TUNING_FILES } from "../../../buildscripts/contract";
import {
    readSeedFiles,
    repositoryTemplate,
    SEED_DIRECTORY,
    type SeedFile,
    seedArchive,
    withTuningSettings,
} from "../../../components/repository/lambdaRepository";
import { peakLambdaConcurrency } from "../../../buildscripts/tuning-runner/core/tuningInput";
import { type MockedStack, mockedStack, named, repositoryOf } from "../../support/mocked-stack";
import { scratchDirectory as temporaryDirectory } from "../../support/scratch";
import { REPOSITORY_ROOT } from "../../support/paths";

const text = (file: SeedFile) => file.content.toString("utf8");
const DEFAULT_TUNING = {
    powerValues: [128, 256],
    defaults: { num: 5, strategy: "speed", balancedWeight: 0.5, parallelInvocation: true },
} as const;

/** A scratch seed directory with the given files (relative path → content). */
function scratchDirectory(files: Record<string, string | Buffer>): string {
    const directory = temporaryDirectory("seed-");
    for (const [relative, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(directory, relative)), { recursive: true });
        writeFileSync(path.join(directory, relative), content);
    }
    return directory;
}

/** The seed zip the stack uploads, as the mocks received it. */
const uploadedSeed = (stack: MockedStack) => named(stack, "aws:s3/bucketObjectv2:BucketObjectv2", "functions-seed");
/** The template of the repository's CloudFormation stack, as the mocks received it. */
const templateOf = (stack: MockedStack) =>
    JSON.parse(named(stack, "aws:cloudformation/stack:Stack", "functions-stack").inputs.templateBody);
/** Each file of a zip, by its path in the zip. */
const unzipped = (zip: Buffer) =>
    new Map(Object.entries(unzipSync(new Uint8Array(zip))).map(([name, bytes]) => [name, Buffer.from(bytes)]));

describe("repository seed", () => {
    let stack: MockedStack;
    before(async () => {
        stack = await mockedStack();
    });

    describe("what is committed", () => {
        it("is exactly the files git tracks in terraform-lambda/, at the repository root", () => {
            const tracked = execFileSync("git", ["ls-files", "-z", "--", "terraform-lambda"], { cwd: REPOSITORY_ROOT, encoding: "utf8" })
                .split("\0")
                .filter(Boolean)
                .map((file) => path.posix.relative("terraform-lambda", file))
                .sort();
            assert.ok(tracked.includes("main.tf") && tracked.includes(TUNING_FILES.input));
            assert.deepStrictEqual(
                readSeedFiles(SEED_DIRECTORY).map((file) => file.path),
                tracked,
            );
        });

        it("holds each file's bytes as they are on disk", () => {
            for (const file of readSeedFiles(SEED_DIRECTORY)) {
                assert.ok(file.content.equals(readFileSync(path.join(SEED_DIRECTORY, file.path))), file.path);
            }
        });

        it("is the zip the stack uploads: every file at its path from the zip's root, the dev config's tuning settings in power-tuning-input.json, every other file unchanged", () => {
            const zip = unzipped(Buffer.from(uploadedSeed(stack).inputs.contentBase64, "base64"));
            const onDisk = readSeedFiles(SEED_DIRECTORY);
            assert.deepStrictEqual(
                [...zip.keys()].sort(),
                onDisk.map((file) => file.path),
                "no folder around the files, nothing else in the zip",
            );
            for (const file of onDisk.filter((f) => f.path !== TUNING_FILES.input)) {
                assert.ok(zip.get(file.path)!.equals(file.content), file.path);
            }
            const input = JSON.parse(zip.get(TUNING_FILES.input)!.toString("utf8"));
            const original = JSON.parse(readFileSync(path.join(SEED_DIRECTORY, TUNING_FILES.input), "utf8"));
            assert.deepStrictEqual(input, {
                ...original,
                powerValues: [128, 256, 512, 1024, 2048],
                num: 20,
                strategy: "cost",
                balancedWeight: 0.5,
                parallelInvocation: false,
            });
        });

        it("tunes within the Lambda concurrency a new account often has (10), one function at a time, with the dev stack's settings", () => {
            const zip = unzipped(Buffer.from(uploadedSeed(stack).inputs.contentBase64, "base64"));
            const input = JSON.parse(zip.get(TUNING_FILES.input)!.toString("utf8"));
            assert.strictEqual(
                peakLambdaConcurrency(
                    { powerValueCount: input.powerValues.length, num: input.num, parallelInvocation: input.parallelInvocation },
                    1,
                ),
                10,
            );
        });

        it("writes every tuning setting of the stack into the input, parallelInvocation included", () => {
            const [file] = withTuningSettings(
                [{ path: TUNING_FILES.input, content: Buffer.from('{"num": 50, "payload": {"a": 1}}') }],
                DEFAULT_TUNING,
            );
            assert.deepStrictEqual(JSON.parse(text(file)), {
                num: 5,
                payload: { a: 1 },
                powerValues: [128, 256],
                strategy: "speed",
                balancedWeight: 0.5,
                parallelInvocation: true,
            });
        });
        it("leaves out what the directory's .gitignore excludes (Terraform's working files, build output)", () => {
            const directory = scratchDirectory({
                ".gitignore": "# comment\n.terraform/\nbuild/\n*.tfplan\n",
                "main.tf": "x",
                "functions/a/index.js": "x",
                ".terraform/providers/x": "",
                "build/a.zip": "x",
                "prod.tfplan": "x",
            });
            try {
                assert.deepStrictEqual(
                    readSeedFiles(directory).map((file) => file.path),
                    [".gitignore", "functions/a/index.js", "main.tf"],
                );
            } finally {
                rmSync(directory, { recursive: true });
            }
        });

        it("refuses .gitignore patterns it would have to guess at", () => {
            const directory = scratchDirectory({ ".gitignore": "!keep.zip\n", "main.tf": "" });
            try {
                assert.throws(() => readSeedFiles(directory), /\.gitignore: pattern "!keep\.zip" is not supported for seeding/);
            } finally {
                rmSync(directory, { recursive: true });
            }
        });

        it("refuses a seed without power-tuning-input.json, which the PR build tunes with", () => {
            assert.throws(() => withTuningSettings([], DEFAULT_TUNING), /The seed directory has no power-tuning-input\.json/);
        });

        it("refuses an executable file, whose mode CloudFormation's seeding would not keep", () => {
            const directory = scratchDirectory({ "run.sh": "#!/bin/sh\n", "main.tf": "x" });
            try {
                execFileSync("chmod", ["+x", path.join(directory, "run.sh")]);
                assert.throws(
                    () => readSeedFiles(directory),
                    /run\.sh is executable, but CloudFormation commits every seed file as a normal one/,
                );
            } finally {
                rmSync(directory, { recursive: true });
            }
        });

        it("refuses an empty file, for which CloudFormation would refuse the whole zip", () => {
            const directory = scratchDirectory({ "functions/a/__init__.py": "", "main.tf": "x" });
            try {
                assert.throws(
                    () => readSeedFiles(directory),
                    /__init__\.py is empty, and CloudFormation refuses a seed zip that holds an empty file/,
                );
            } finally {
                rmSync(directory, { recursive: true });
            }
        });
    });

    describe("the upload", () => {
        it("goes to the artifact bucket under repository-seed/<sha256 of the zip>.zip", () => {
            const seed = uploadedSeed(stack);
            const zip = Buffer.from(seed.inputs.contentBase64, "base64");
            assert.deepStrictEqual(
                [seed.inputs.bucket, seed.inputs.key, seed.inputs.contentType],
                [
                    named(stack, "aws:s3/bucket:Bucket", "storage-artifacts").state.bucket,
                    `repository-seed/${createHash("sha256").update(zip).digest("hex")}.zip`,
                    "application/zip",
                ],
            );
        });

        it("is the same zip, hence the same key, for the same files wherever it is built: only a changed seed is a new object", () => {
            const files = withTuningSettings(readSeedFiles(SEED_DIRECTORY), DEFAULT_TUNING);
            const sha256 = (zip: Buffer) => createHash("sha256").update(zip).digest("hex");
            // Zip entries carry a local time: another time zone (at another moment) must give the same bytes.
            const elsewhere = execFileSync(
                process.execPath,
                [
                    "-r",
                    "ts-node/register/transpile-only",
                    "-e",
                    `const seed = require("./components/repository/lambdaRepository"); process.stdout.write(require("crypto").createHash("sha256").update(seed.seedArchive(seed.withTuningSettings(seed.readSeedFiles(seed.SEED_DIRECTORY), ${JSON.stringify(DEFAULT_TUNING)}))).digest("hex"))`,
                ],
                { cwd: REPOSITORY_ROOT, env: { ...process.env, TZ: "Pacific/Kiritimati" }, encoding: "utf8" },
            );
            assert.strictEqual(elsewhere, sha256(seedArchive(files)));
            assert.notStrictEqual(sha256(seedArchive(withTuningSettings(files, { ...DEFAULT_TUNING, powerValues: [128] }))), elsewhere);
        });
    });

    describe("the repository's CloudFormation stack", () => {
        it("creates the repository with its first commit on the main branch from the uploaded zip, tagged like the rest", () => {
            const seed = uploadedSeed(stack);
            const { Resources } = templateOf(stack);
            assert.deepStrictEqual(Object.keys(Resources), ["Repository"], "the repository is the stack's only resource");
            const { Type, Properties } = Resources.Repository;
            assert.strictEqual(Type, "AWS::CodeCommit::Repository");
            assert.deepStrictEqual(Properties.Code, { BranchName: "main", S3: { Bucket: seed.inputs.bucket, Key: seed.inputs.key } });
            assert.strictEqual(Properties.RepositoryName, "power-tuned-functions");
            const byKey = (tags: Array<{ Key: string }>) => [...tags].sort((a, b) => a.Key.localeCompare(b.Key));
            assert.deepStrictEqual(
                byKey(Properties.Tags),
                byKey(Object.entries(seed.inputs.tags).map(([Key, Value]) => ({ Key, Value: Value as string }))),
            );
            assert.ok(Properties.Tags.length > 0, "the dev stack has tags");
        });

        it("deletes a stack whose creation failed, so that the next pulumi up can create it again", () => {
            assert.strictEqual(named(stack, "aws:cloudformation/stack:Stack", "functions-stack").inputs.onFailure, "DELETE");
        });

        it("keeps the repository on destroy and on replacement exactly when retainData is set", () => {
            const template = (retainData: boolean) =>
                repositoryTemplate({ repositoryName: "kept", mainBranch: "main", seed: { bucket: "b", key: "k" }, retainData, tags: {} })
                    .Resources.Repository;
            assert.deepStrictEqual([template(true).DeletionPolicy, template(true).UpdateReplacePolicy], ["Retain", "Retain"]);
            assert.deepStrictEqual([template(false).DeletionPolicy, template(false).UpdateReplacePolicy], ["Delete", "Delete"]);
            assert.strictEqual(templateOf(stack).Resources.Repository.DeletionPolicy, "Delete", "the dev stack does not set retainData");
        });

        it("reports the repository's name, ARN and clone URL, which the pipeline and the pull-request builds use", () => {
            const repository = repositoryOf(stack);
            assert.deepStrictEqual(repository, {
                name: "power-tuned-functions",
                arn: "arn:aws:codecommit:us-east-1:123456789012:power-tuned-functions",
                cloneUrlHttp: "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/power-tuned-functions",
            });
            assert.strictEqual(stack.outputs.repositoryCloneUrlHttp, repository.cloneUrlHttp);
            const pipeline = named(stack, "aws:codepipeline/pipeline:Pipeline", "deployment");
            assert.strictEqual(pipeline.inputs.stages[0].actions[0].configuration.RepositoryName, repository.name);
            assert.strictEqual(named(stack, "aws:codebuild/project:Project", "pr-deploy").inputs.source.location, repository.cloneUrlHttp);
        });
    });
});
