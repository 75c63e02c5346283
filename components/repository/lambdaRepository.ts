import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { zipSync } from "fflate";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { TUNING_FILES } from "../../buildscripts/contract";
import { REPOSITORY_SEED_PREFIX } from "../storage/artifactStorage";
import type { TuningDefaults } from "../stack/config";

/** What a new repository is seeded with. */
export const SEED_DIRECTORY = path.join(__dirname, "..", "..", "terraform-lambda");

/** One file of the first commit. */
export interface SeedFile {
    /** POSIX path from the repository root. */
    readonly path: string;
    readonly content: Buffer;
}

/** The repository's logical id in the CloudFormation template. */
const REPOSITORY_ID = "Repository";

export interface LambdaRepositoryArgs {
    readonly repositoryName: string;
    /** Branch the first commit creates. */
    readonly mainBranch: string;
    /** Tuning settings the seeded power-tuning-input.json starts with. */
    readonly tuning: { readonly powerValues: readonly number[]; readonly defaults: TuningDefaults };
    /** Bucket the seed zip is uploaded to, under `repository-seed/` (the artifact bucket). */
    readonly seedBucket: pulumi.Input<string>;
    /** Directory whose files become the first commit. Default: terraform-lambda/. */
    readonly seedDirectory?: string;
    /** Keep the repository on `pulumi destroy`. Default false. */
    readonly retainData?: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The CodeCommit repository of the Terraform-managed functions, seeded once on creation. It is the
 * one resource of a small CloudFormation stack because only CloudFormation's
 * AWS::CodeCommit::Repository takes initial content (`Code`: a zip in S3 and the branch to
 * create); CloudFormation reads it when it creates the repository and ignores it ever after, so
 * a later `pulumi up` never writes into the repository, whatever the seed became.
 */
export class LambdaRepository extends pulumi.ComponentResource {
    public readonly repositoryName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    public readonly cloneUrlHttp: pulumi.Output<string>;
    public readonly cloneUrlSsh: pulumi.Output<string>;

    constructor(name: string, args: LambdaRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:LambdaRepository", name, {}, opts);
        const seedDirectory = args.seedDirectory ?? SEED_DIRECTORY;
        const retainData = args.retainData ?? false;

        const archive = seedArchive(withTuningSettings(readSeedFiles(seedDirectory), args.tuning));
        // A content-hash key: only a changed seed is a new object (and a template change CloudFormation ignores).
        const seed = new aws.s3.BucketObjectv2(
            `${name}-seed`,
            {
                bucket: args.seedBucket,
                key: `${REPOSITORY_SEED_PREFIX}${createHash("sha256").update(archive).digest("hex")}.zip`,
                contentBase64: archive.toString("base64"),
                contentType: "application/zip",
                tags: args.tags,
            },
            { parent: this },
        );
        const stack = new aws.cloudformation.Stack(
            `${name}-stack`,
            {
                templateBody: pulumi
                    .all([seed.bucket, seed.key])
                    .apply(([bucket, key]) => JSON.stringify(repositoryTemplate({ ...args, retainData, seed: { bucket, key } }))),
                // A failed creation leaves no stack behind that would block the next `pulumi up`.
                onFailure: "DELETE",
                tags: args.tags,
            },
            { parent: this },
        );
        const output = (key: keyof typeof REPOSITORY_OUTPUTS) => stack.outputs.apply((outputs) => outputs[key]);

        this.repositoryName = output("Name");
        this.arn = output("Arn");
        this.cloneUrlHttp = output("CloneUrlHttp");
        this.cloneUrlSsh = output("CloneUrlSsh");
        this.registerOutputs({
            repositoryName: this.repositoryName,
            arn: this.arn,
            cloneUrlHttp: this.cloneUrlHttp,
            cloneUrlSsh: this.cloneUrlSsh,
        });
    }
}

/** The template's outputs: the repository's attributes the pipeline and the pull-request workflow use. */
const REPOSITORY_OUTPUTS = {
    Name: { "Fn::GetAtt": [REPOSITORY_ID, "Name"] },
    Arn: { "Fn::GetAtt": [REPOSITORY_ID, "Arn"] },
    CloneUrlHttp: { "Fn::GetAtt": [REPOSITORY_ID, "CloneUrlHttp"] },
    CloneUrlSsh: { "Fn::GetAtt": [REPOSITORY_ID, "CloneUrlSsh"] },
} as const;

/** The CloudFormation template of the repository, seeded from `seed` and kept on delete with retainData. */
export function repositoryTemplate(args: {
    readonly repositoryName: string;
    readonly mainBranch: string;
    readonly seed: { readonly bucket: string; readonly key: string };
    readonly retainData: boolean;
    readonly tags: Readonly<Record<string, string>>;
}) {
    const policy = args.retainData ? "Retain" : "Delete";
    return {
        AWSTemplateFormatVersion: "2010-09-09",
        Description: "The lambda-power-tuned stack's CodeCommit repository, seeded on creation",
        Resources: {
            [REPOSITORY_ID]: {
                Type: "AWS::CodeCommit::Repository",
                DeletionPolicy: policy,
                UpdateReplacePolicy: policy,
                Properties: {
                    RepositoryName: args.repositoryName,
                    RepositoryDescription: "Terraform-managed Lambda functions; every pull request into the main branch is power-tuned.",
                    Code: { BranchName: args.mainBranch, S3: { Bucket: args.seed.bucket, Key: args.seed.key } },
                    Tags: Object.entries(args.tags).map(([Key, Value]) => ({ Key, Value })),
                },
            },
        },
        Outputs: Object.fromEntries(Object.entries(REPOSITORY_OUTPUTS).map(([key, value]) => [key, { Value: value }])),
    };
}

// Any fixed time: the same files make the same zip, hence the same key. Local time, as the zip format stores it.
const ZIP_ENTRY_TIME = new Date(1980, 0, 2);

/** The seed files as the zip CloudFormation commits: each file at its path from the zip's root. */
export function seedArchive(files: readonly SeedFile[]): Buffer {
    return Buffer.from(
        zipSync(Object.fromEntries(files.map((file) => [file.path, [new Uint8Array(file.content), { mtime: ZIP_ENTRY_TIME }]]))),
    );
}

/**
 * The files of a directory as a first commit, in path order, leaving out what the directory's
 * own .gitignore excludes (Terraform's working files, local build output). A file CloudFormation
 * would not commit as it is on disk is refused: an executable one (its zip's file modes are not
 * kept) or an empty one (the whole zip is then refused as invalid).
 */
export function readSeedFiles(directory: string): SeedFile[] {
    const ignored = readIgnorePatterns(path.join(directory, ".gitignore"));
    const files: SeedFile[] = [];
    const walk = (relative: string) => {
        for (const entry of readdirSync(path.join(directory, relative), { withFileTypes: true })) {
            const entryPath = relative === "" ? entry.name : `${relative}/${entry.name}`;
            if (ignored.some((pattern) => pattern.matches(entry.name, entry.isDirectory()))) continue;
            if (entry.isDirectory()) {
                walk(entryPath);
            } else if (entry.isFile()) {
                const absolute = path.join(directory, entryPath);
                const problem = seedFileProblem(statSync(absolute));
                if (problem !== undefined) throw new Error(`${absolute} ${problem}`);
                files.push({ path: entryPath, content: readFileSync(absolute) });
            }
        }
    };
    walk("");
    return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Why CloudFormation's repository seeding cannot commit a file as it is, if it cannot. */
function seedFileProblem(stat: { readonly mode: number; readonly size: number }): string | undefined {
    if ((stat.mode & 0o111) !== 0) {
        return "is executable, but CloudFormation commits every seed file as a normal one (the zip's file modes are not kept); clear its executable bits, or commit it later with git";
    }
    if (stat.size === 0)
        return "is empty, and CloudFormation refuses a seed zip that holds an empty file; give it content, or commit it later with git";
    return undefined;
}

interface IgnorePattern {
    matches(name: string, isDirectory: boolean): boolean;
}

/**
 * The subset of .gitignore the seed directory uses: names or `*` globs, optionally ending in
 * `/` for directories, matched at any depth. Anything else is refused rather than guessed.
 */
function readIgnorePatterns(file: string): IgnorePattern[] {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch {
        return [];
    }
    return text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => {
            const directoryOnly = line.endsWith("/");
            const glob = directoryOnly ? line.slice(0, -1) : line;
            if (/[/!\\[\]?]/.test(glob)) {
                throw new Error(
                    `${file}: pattern ${JSON.stringify(line)} is not supported for seeding (use a name or *-glob, optionally ending in /)`,
                );
            }
            const regex = new RegExp(`^${glob.split("*").map(escapeRegExp).join(".*")}$`);
            return { matches: (name: string, isDirectory: boolean) => (!directoryOnly || isDirectory) && regex.test(name) };
        });
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Writes the stack's tuning settings into the seeded power-tuning-input.json, keeping its other
 * fields (payload, …) and their order.
 */
export function withTuningSettings(files: readonly SeedFile[], tuning: LambdaRepositoryArgs["tuning"]): SeedFile[] {
    const input = files.find((file) => file.path === TUNING_FILES.input);
    if (input === undefined) {
        throw new Error(`The seed directory has no ${TUNING_FILES.input}; the pull-request build tunes with it`);
    }
    const original = JSON.parse(input.content.toString("utf8"));
    const tuned = {
        ...original,
        powerValues: [...tuning.powerValues],
        num: tuning.defaults.num,
        strategy: tuning.defaults.strategy,
        balancedWeight: tuning.defaults.balancedWeight,
        parallelInvocation: tuning.defaults.parallelInvocation,
    };
    const content = Buffer.from(`${JSON.stringify(tuned, null, 2)}\n`, "utf8");
    return files.map((file) => (file === input ? { ...file, content } : file));
}
