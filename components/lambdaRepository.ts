import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { TUNING_FILES } from "../buildscripts/contract";
import type { AwsAccess, TuningDefaults } from "./config";
import { RepositorySeed, SeedFile } from "./repositorySeed";

/** What a new repository is seeded with. */
export const SEED_DIRECTORY = path.join(__dirname, "..", "terraform-lambda");
// CreateCommit accepts at most 6 MB of files in one commit.
const MAX_SEED_BYTES = 6 * 1024 * 1024;

export interface LambdaRepositoryArgs {
    readonly repositoryName: string;
    /** Branch the first commit creates. */
    readonly mainBranch: string;
    /** Region of the repository (the seeding call is made outside the AWS provider). */
    readonly region: string;
    /** How the stack's AWS provider reaches AWS, which the seeding follows. Default: the SDK's default chain. */
    readonly awsAccess?: AwsAccess;
    /** Tuning settings the seeded power-tuning-input.json starts with. */
    readonly tuning: { readonly powerValues: readonly number[]; readonly defaults: TuningDefaults };
    /** Directory whose files become the first commit. Default: terraform-lambda/. */
    readonly seedDirectory?: string;
    /** Keep the repository on `pulumi destroy`. Default false. */
    readonly retainData?: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/** The CodeCommit repository of the Terraform-managed functions, seeded once on creation. */
export class LambdaRepository extends pulumi.ComponentResource {
    public readonly repositoryName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    public readonly cloneUrlHttp: pulumi.Output<string>;
    public readonly cloneUrlSsh: pulumi.Output<string>;
    /** Tip of the main branch right after seeding (or as found, when it already existed). */
    public readonly seedCommitId: pulumi.Output<string>;

    constructor(name: string, args: LambdaRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:LambdaRepository", name, {}, opts);
        const seedDirectory = args.seedDirectory ?? SEED_DIRECTORY;
        const retainData = args.retainData ?? false;

        const repository = new aws.codecommit.Repository(
            `${name}-repository`,
            {
                repositoryName: args.repositoryName,
                description: "Terraform-managed Lambda functions; every pull request into the main branch is power-tuned.",
                tags: args.tags,
            },
            { parent: this, retainOnDelete: retainData },
        );
        const seed = new RepositorySeed(
            `${name}-seed`,
            {
                repositoryName: repository.repositoryName,
                branchName: args.mainBranch,
                access: { ...withoutStaticCredentials(args.awsAccess), region: args.region },
                staticCredentials: args.awsAccess?.staticCredentials,
                files: withTuningSettings(readSeedFiles(seedDirectory), args.tuning),
                authorName: "lambda-power-tuned",
                commitMessage: "Initial Terraform-managed Lambda functions (seeded by the lambda-power-tuned stack)",
            },
            { parent: this },
        );

        this.repositoryName = repository.repositoryName;
        this.arn = repository.arn;
        this.cloneUrlHttp = repository.cloneUrlHttp;
        this.cloneUrlSsh = repository.cloneUrlSsh;
        this.seedCommitId = seed.commitId;
        this.registerOutputs({
            repositoryName: this.repositoryName,
            arn: this.arn,
            cloneUrlHttp: this.cloneUrlHttp,
            cloneUrlSsh: this.cloneUrlSsh,
            seedCommitId: this.seedCommitId,
        });
    }
}

function withoutStaticCredentials(access: AwsAccess | undefined): Omit<AwsAccess, "staticCredentials"> {
    if (access === undefined) return { assumeRoles: [] };
    const { staticCredentials: _secret, ...rest } = access;
    return rest;
}

/**
 * The files of a directory as a first commit, in path order, leaving out what the directory's
 * own .gitignore excludes (Terraform's working files, local build output).
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
                files.push({
                    path: entryPath,
                    contentBase64: readFileSync(absolute).toString("base64"),
                    executable: (statSync(absolute).mode & 0o111) !== 0,
                });
            }
        }
    };
    walk("");
    files.sort((a, b) => (a.path < b.path ? -1 : 1));

    const bytes = files.reduce((sum, file) => sum + Buffer.byteLength(file.contentBase64, "base64"), 0);
    if (bytes > MAX_SEED_BYTES) {
        throw new Error(`${directory} holds ${bytes} bytes of files; CodeCommit's CreateCommit accepts at most ${MAX_SEED_BYTES} in the first commit`);
    }
    return files;
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
                throw new Error(`${file}: pattern ${JSON.stringify(line)} is not supported for seeding (use a name or *-glob, optionally ending in /)`);
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
    const original = JSON.parse(Buffer.from(input.contentBase64, "base64").toString("utf8"));
    const tuned = {
        ...original,
        powerValues: [...tuning.powerValues],
        num: tuning.defaults.num,
        strategy: tuning.defaults.strategy,
        balancedWeight: tuning.defaults.balancedWeight,
        parallelInvocation: tuning.defaults.parallelInvocation,
    };
    const contentBase64 = Buffer.from(`${JSON.stringify(tuned, null, 2)}\n`, "utf8").toString("base64");
    return files.map((file) => (file === input ? { ...file, contentBase64 } : file));
}
