import { CodeCommitClient } from "@aws-sdk/client-codecommit";
import * as assert from "assert";
import { execFileSync } from "child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { TUNING_FILES } from "../../buildscripts/contract";
import { LambdaRepository, readSeedFiles, SEED_DIRECTORY, withTuningSettings } from "../../components/lambdaRepository";
import { repositorySeedProvider, SeedFile, seedRepository, SeedRequest } from "../../components/repositorySeed";
import { peakLambdaConcurrency } from "../../buildscripts/tuning-runner/core/tuningInput";
import { FakeAws } from "../support/fake-aws";
import { mockedStack, ofType } from "../support/mocked-stack";
import { registeredResources, settled, trackConstruction } from "../support/pulumi-mocks";
import { scratchDirectory as temporaryDirectory } from "../support/scratch";

const REPOSITORY_ROOT = path.join(__dirname, "..", "..");
const text = (file: SeedFile) => Buffer.from(file.contentBase64, "base64").toString("utf8");
const DEFAULT_TUNING = { powerValues: [128, 256], defaults: { num: 5, strategy: "speed", balancedWeight: 0.5, parallelInvocation: true } } as const;

/** A scratch seed directory with the given files (relative path → content). */
function scratchDirectory(files: Record<string, string | Buffer>): string {
    const directory = temporaryDirectory("seed-");
    for (const [relative, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(directory, relative)), { recursive: true });
        writeFileSync(path.join(directory, relative), content);
    }
    return directory;
}

const DEPLOY_KEY = "AKIADEPLOYPROFILE";

/** A shared credentials file whose `deploy` profile holds DEPLOY_KEY. */
function credentialsFile(): string {
    const directory = temporaryDirectory("aws-credentials-");
    writeFileSync(path.join(directory, "credentials"), `[deploy]\naws_access_key_id = ${DEPLOY_KEY}\naws_secret_access_key = deploy-secret\n`);
    return path.join(directory, "credentials");
}

describe("repository seed", () => {
    describe("what is committed", () => {
        it("is exactly the files git tracks in terraform-lambda/, at the repository root", () => {
            const tracked = execFileSync("git", ["ls-files", "-z", "--", "terraform-lambda"], { cwd: REPOSITORY_ROOT, encoding: "utf8" })
                .split("\0")
                .filter(Boolean)
                .map((file) => path.posix.relative("terraform-lambda", file))
                .sort();
            assert.ok(tracked.includes("main.tf") && tracked.includes(TUNING_FILES.input));
            assert.deepStrictEqual(readSeedFiles(SEED_DIRECTORY).map((file) => file.path), tracked);
        });

        it("holds each file's bytes as they are on disk", () => {
            for (const file of readSeedFiles(SEED_DIRECTORY)) {
                assert.ok(Buffer.from(file.contentBase64, "base64").equals(readFileSync(path.join(SEED_DIRECTORY, file.path))), file.path);
            }
        });

        it("is what the stack hands the seed resource: the dev config's tuning settings in power-tuning-input.json, every other file unchanged", async () => {
            const stack = await mockedStack();
            const [seed] = ofType(stack, "pulumi-nodejs:dynamic:Resource");
            assert.deepStrictEqual(
                { repositoryName: seed.inputs.repositoryName, branchName: seed.inputs.branchName, access: seed.inputs.access },
                { repositoryName: "power-tuned-functions", branchName: "main", access: { region: "us-east-1", assumeRoles: [] } },
            );
            const onDisk = readSeedFiles(SEED_DIRECTORY);
            const seeded: SeedFile[] = seed.inputs.files;
            assert.deepStrictEqual(seeded.map((file) => file.path), onDisk.map((file) => file.path));
            for (const file of seeded.filter((f) => f.path !== TUNING_FILES.input)) {
                assert.strictEqual(file.contentBase64, onDisk.find((f) => f.path === file.path)?.contentBase64, file.path);
            }
            const input = JSON.parse(text(seeded.find((file) => file.path === TUNING_FILES.input)!));
            const original = JSON.parse(readFileSync(path.join(SEED_DIRECTORY, TUNING_FILES.input), "utf8"));
            assert.deepStrictEqual(input, { ...original, powerValues: [128, 256, 512, 1024, 2048], num: 20, strategy: "cost", balancedWeight: 0.5, parallelInvocation: false });
        });

        it("tunes within the Lambda concurrency a new account often has (10), one function at a time, with the dev stack's settings", async () => {
            const [seed] = ofType(await mockedStack(), "pulumi-nodejs:dynamic:Resource");
            const input = JSON.parse(text((seed.inputs.files as SeedFile[]).find((file) => file.path === TUNING_FILES.input)!));
            assert.strictEqual(peakLambdaConcurrency({ powerValueCount: input.powerValues.length, num: input.num, parallelInvocation: input.parallelInvocation }, 1), 10);
        });

        it("writes every tuning setting of the stack into the input, parallelInvocation included", () => {
            const [file] = withTuningSettings([{ path: TUNING_FILES.input, contentBase64: Buffer.from('{"num": 50, "payload": {"a": 1}}').toString("base64"), executable: false }], DEFAULT_TUNING);
            assert.deepStrictEqual(JSON.parse(text(file)), { num: 5, payload: { a: 1 }, powerValues: [128, 256], strategy: "speed", balancedWeight: 0.5, parallelInvocation: true });
        });

        it("leaves out what the directory's .gitignore excludes (Terraform's working files, build output)", () => {
            const directory = scratchDirectory({
                ".gitignore": "# comment\n.terraform/\nbuild/\n*.tfplan\n",
                "main.tf": "",
                "functions/a/index.js": "",
                ".terraform/providers/x": "",
                "build/a.zip": "",
                "prod.tfplan": "",
            });
            try {
                assert.deepStrictEqual(readSeedFiles(directory).map((file) => file.path), [".gitignore", "functions/a/index.js", "main.tf"]);
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

        it("refuses more than CreateCommit accepts in one commit (6 MB)", () => {
            const directory = scratchDirectory({ "big.bin": Buffer.alloc(6 * 1024 * 1024 + 1) });
            try {
                assert.throws(() => readSeedFiles(directory), /holds 6291457 bytes of files; CodeCommit's CreateCommit accepts at most 6291456/);
            } finally {
                rmSync(directory, { recursive: true });
            }
        });

        it("refuses a seed without power-tuning-input.json, which the PR build tunes with", () => {
            assert.throws(() => withTuningSettings([], DEFAULT_TUNING), /The seed directory has no power-tuning-input\.json/);
        });

        it("marks executable files executable", () => {
            const directory = scratchDirectory({ "run.sh": "#!/bin/sh\n", "main.tf": "" });
            try {
                execFileSync("chmod", ["+x", path.join(directory, "run.sh")]);
                assert.deepStrictEqual(
                    readSeedFiles(directory).map((file) => [file.path, file.executable]),
                    [["main.tf", false], ["run.sh", true]],
                );
            } finally {
                rmSync(directory, { recursive: true });
            }
        });
    });

    describe("in the state", () => {
        it("keeps aws:accessKey and aws:secretKey secret: only a secret input of the seed resource holds them, never its access settings or its serialized code", async () => {
            const first = registeredResources.length;
            new LambdaRepository(
                "keyed-functions",
                {
                    repositoryName: "keyed",
                    mainBranch: "main",
                    region: "eu-west-1",
                    // Not marked secret here: the seed resource must mark it itself.
                    awsAccess: { profile: "deploy", assumeRoles: [], staticCredentials: pulumi.output({ accessKeyId: "AKIASTACKCONFIG", secretAccessKey: "very-secret-key" }) },
                    tuning: DEFAULT_TUNING,
                    tags: {},
                },
                { transformations: [trackConstruction] },
            );
            await settled();
            const seed = registeredResources.slice(first).find((resource) => resource.type === "pulumi-nodejs:dynamic:Resource")!;
            // Mocks see inputs as the engine receives them, where a secret is wrapped; the SDK's runtime reads that wrapping.
            assert.strictEqual(pulumi.runtime.isRpcSecret(seed.inputs.staticCredentials), true);
            assert.deepStrictEqual(pulumi.runtime.unwrapRpcSecret(seed.inputs.staticCredentials), { accessKeyId: "AKIASTACKCONFIG", secretAccessKey: "very-secret-key" });
            assert.deepStrictEqual(seed.inputs.access, { region: "eu-west-1", profile: "deploy", assumeRoles: [] });
            const { staticCredentials: _secret, ...others } = seed.inputs;
            assert.doesNotMatch(JSON.stringify(others), /very-secret-key|AKIASTACKCONFIG/);
        });
    });

    describe("against CodeCommit (the local fake AWS, real SDK client)", () => {
        let fake: FakeAws;
        let savedEnv: NodeJS.ProcessEnv;
        const client = () => new CodeCommitClient({});
        const request = (repositoryName: string): SeedRequest => ({
            repositoryName,
            branchName: "main",
            files: withTuningSettings(readSeedFiles(SEED_DIRECTORY), DEFAULT_TUNING),
            authorName: "lambda-power-tuned",
            commitMessage: "Initial commit",
        });

        /** The access key ids that signed each request of `operation`. */
        const signers = (operation: string) => fake.requests.filter((r) => r.operation === operation).map((r) => r.accessKeyId);

        beforeEach(async () => {
            fake = await FakeAws.start();
            savedEnv = process.env;
            process.env = fake.env();
        });
        afterEach(async () => {
            process.env = savedEnv;
            await fake.stop();
        });

        it("creates the first commit, without a parent, when the branch does not exist", async () => {
            const seed = request("fresh");
            const result = await seedRepository(client(), seed);
            assert.strictEqual(result.created, true);
            const [commit] = fake.calls("CreateCommit");
            assert.strictEqual(fake.calls("CreateCommit").length, 1);
            assert.strictEqual(commit.parentCommitId, undefined);
            assert.deepStrictEqual([commit.repositoryName, commit.branchName], ["fresh", "main"]);
            assert.deepStrictEqual(fake.files("fresh", "main"), new Map(seed.files.map((file) => [file.path, text(file)])));
            assert.strictEqual(result.commitId, fake.commits[0].commitId);
        });

        it("writes nothing when the branch already exists, whatever it holds", async () => {
            fake.setBranch("used", "main", "0123456789abcdef0123456789abcdef01234567");
            const result = await seedRepository(client(), request("used"));
            assert.deepStrictEqual(result, { commitId: "0123456789abcdef0123456789abcdef01234567", created: false });
            assert.deepStrictEqual(fake.calls("CreateCommit"), []);
        });

        it("does nothing the second time: a later pulumi up never rewrites the branch", async () => {
            const first = await seedRepository(client(), request("twice"));
            const second = await seedRepository(client(), request("twice"));
            assert.deepStrictEqual(second, { commitId: first.commitId, created: false });
            assert.strictEqual(fake.calls("CreateCommit").length, 1);
        });

        it("stops on any other error instead of committing", async () => {
            fake.failNext("GetBranch", 1, { status: 400, type: "RepositoryDoesNotExistException", message: "no such repository" });
            await assert.rejects(seedRepository(client(), request("missing")), (error: Error) => error.name === "RepositoryDoesNotExistException");
            assert.deepStrictEqual(fake.calls("CreateCommit"), []);
        });

        it("the dynamic provider seeds through the SDK's standard configuration and reports the commit", async () => {
            const result = await repositorySeedProvider.create!({ ...request("provider"), access: { region: "us-east-1", assumeRoles: [] } });
            assert.strictEqual(result.id, "provider/main");
            assert.deepStrictEqual(result.outs, { repositoryName: "provider", branchName: "main", commitId: fake.commits[0].commitId, created: true });
        });

        it("the provider as Pulumi serializes it into the stack seeds on its own, loaded the way the dynamic provider host loads it", async () => {
            const [seed] = ofType(await mockedStack(), "pulumi-nodejs:dynamic:Resource");
            // Exactly what @pulumi/pulumi's dynamic provider host does with the serialized text.
            const requireFromString: (code: string) => { handler(): typeof repositorySeedProvider } = require("require-from-string");
            const provider = requireFromString(String(seed.inputs.__provider)).handler();
            const result = await provider.create!({ ...request("serialized"), access: { region: "us-east-1", profile: "deploy", sharedCredentialsFile: credentialsFile(), assumeRoles: [] } });
            assert.strictEqual(result.outs.created, true);
            assert.strictEqual(fake.calls("CreateCommit").length, 1);
            assert.deepStrictEqual(signers("CreateCommit"), [DEPLOY_KEY]);
        });

        describe("as the stack's AWS provider reaches AWS", () => {
            /** The access key FakeAws's STS handed out for the role named `roleName`. */
            const sessionOf = (roleName: string) => fake.assumedRoles.find((session) => session.roleArn.endsWith(`/${roleName}`))!.accessKeyId;

            it("signs with aws:profile's keys, not the environment's, in aws:region", async () => {
                await repositorySeedProvider.create!({ ...request("profiled"), access: { region: "eu-west-1", profile: "deploy", sharedCredentialsFile: credentialsFile(), assumeRoles: [] } });
                assert.deepStrictEqual(signers("CreateCommit"), [DEPLOY_KEY]);
                assert.deepStrictEqual([...new Set(fake.requests.map((r) => r.signingRegion))], ["eu-west-1"]);
            });

            it("assumes aws:assumeRoles in order, each with the credentials before it, and seeds as the last role", async () => {
                const assumeRoles = [
                    { roleArn: "arn:aws:iam::210987654321:role/deployer", sessionName: "pulumi", externalId: "shared-secret", durationSeconds: 3600 },
                    { roleArn: "arn:aws:iam::210987654321:role/seeder", policyArns: ["arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"], tags: { team: "perf" } },
                ];
                await repositorySeedProvider.create!({ ...request("assumed"), access: { region: "us-east-1", profile: "deploy", sharedCredentialsFile: credentialsFile(), assumeRoles } });
                assert.deepStrictEqual(
                    fake.assumedRoles.map((session) => [session.callerAccessKeyId, session.roleArn]),
                    [
                        [DEPLOY_KEY, "arn:aws:iam::210987654321:role/deployer"],
                        [sessionOf("deployer"), "arn:aws:iam::210987654321:role/seeder"],
                    ],
                );
                const [first, second] = fake.calls("AssumeRole");
                assert.deepStrictEqual([first.RoleSessionName, first.ExternalId, first.DurationSeconds], ["pulumi", "shared-secret", "3600"]);
                assert.deepStrictEqual([second["PolicyArns.member.1.arn"], second["Tags.member.1.Key"], second["Tags.member.1.Value"]], ["arn:aws:iam::aws:policy/AWSCodeCommitPowerUser", "team", "perf"]);
                assert.deepStrictEqual(signers("CreateCommit"), [sessionOf("seeder")]);
            });

            it("signs with aws:accessKey and aws:secretKey when the stack config has them", async () => {
                await repositorySeedProvider.create!({
                    ...request("keyed"),
                    access: { region: "us-east-1", profile: "deploy", sharedCredentialsFile: credentialsFile(), assumeRoles: [] },
                    staticCredentials: { accessKeyId: "AKIASTACKCONFIG", secretAccessKey: "from-pulumi-config" },
                });
                assert.deepStrictEqual(signers("CreateCommit"), ["AKIASTACKCONFIG"]);
            });
        });

        it("the dynamic provider ignores changed seed files, replaces only for another repository or branch, and deletes nothing", async () => {
            const old = { ...request("diff"), access: { region: "us-east-1", assumeRoles: [] } };
            const changedFiles = { ...old, files: old.files.slice(1) };
            assert.deepStrictEqual(await repositorySeedProvider.diff!("diff/main", old, changedFiles), { changes: false, replaces: [] });
            assert.deepStrictEqual(await repositorySeedProvider.diff!("diff/main", old, { ...old, branchName: "trunk" }), { changes: true, replaces: ["branchName"] });
            await repositorySeedProvider.delete!("diff/main", old);
            assert.deepStrictEqual(fake.requests, []);
        });
    });
});
