// Seeds a new CodeCommit repository with its first commit, exactly once. CodeCommit has no
// "initial content" option, so a dynamic resource calls CreateCommit itself.
import type { CodeCommitClient, CodeCommitClientConfig } from "@aws-sdk/client-codecommit";
import * as pulumi from "@pulumi/pulumi";
import type { AwsAccess, StaticCredentials } from "./config";

/** One file of the first commit. */
export interface SeedFile {
    /** POSIX path from the repository root. */
    readonly path: string;
    /** File content, base64 (CreateCommit takes bytes; state stores text). */
    readonly contentBase64: string;
    readonly executable: boolean;
}

export interface SeedRequest {
    readonly repositoryName: string;
    readonly branchName: string;
    readonly files: readonly SeedFile[];
    readonly authorName: string;
    readonly commitMessage: string;
}

export interface SeedResult {
    /** The tip of the branch after seeding: the new commit, or the commit found there. */
    readonly commitId: string;
    /** False when the branch already existed and nothing was written. */
    readonly created: boolean;
}

/**
 * Creates the branch's first commit when, and only when, the branch does not exist yet. An
 * existing branch, with whatever users pushed to it, is never touched. Without a parent commit
 * CreateCommit also refuses to write onto a branch that appeared in the meantime.
 */
export async function seedRepository(client: CodeCommitClient, request: SeedRequest): Promise<SeedResult> {
    // Required here, not imported at the top: this function is serialized into the dynamic
    // provider, and a plain require() is what Pulumi's closure serializer carries over.
    const { GetBranchCommand, CreateCommitCommand } = codeCommitSdk();
    try {
        const { branch } = await client.send(new GetBranchCommand({ repositoryName: request.repositoryName, branchName: request.branchName }));
        return { commitId: branch?.commitId ?? "", created: false };
    } catch (error) {
        if ((error as { name?: string }).name !== "BranchDoesNotExistException") throw error;
    }
    const commit = await client.send(
        new CreateCommitCommand({
            repositoryName: request.repositoryName,
            branchName: request.branchName,
            authorName: request.authorName,
            commitMessage: request.commitMessage,
            putFiles: request.files.map((file) => ({
                filePath: file.path,
                fileContent: Buffer.from(file.contentBase64, "base64"),
                fileMode: file.executable ? "EXECUTABLE" : "NORMAL",
            })),
        }),
    );
    return { commitId: commit.commitId ?? "", created: true };
}

function codeCommitSdk(): typeof import("@aws-sdk/client-codecommit") {
    return require("@aws-sdk/client-codecommit");
}

/** Where and as whom the seeding calls CodeCommit: the stack's region and its AWS provider's access, secrets left out. */
export type SeedingAccess = Omit<AwsAccess, "staticCredentials"> & { readonly region: string };

/**
 * The CodeCommit client configuration that acts like the stack's AWS provider: static keys, else
 * the profile (and shared files) named in the stack config, else the SDK's default chain; then
 * each `aws:assumeRoles` entry assumed in turn with the credentials before it.
 */
export function seedingClientConfig(access: SeedingAccess, staticCredentials?: StaticCredentials): CodeCommitClientConfig {
    // Required here for the same reason as codeCommitSdk: this runs inside the serialized provider.
    const { fromIni, fromTemporaryCredentials }: typeof import("@aws-sdk/credential-providers") = require("@aws-sdk/credential-providers");
    let credentials: CodeCommitClientConfig["credentials"] =
        staticCredentials !== undefined
            ? staticCredentials
            : access.profile !== undefined || access.sharedConfigFile !== undefined || access.sharedCredentialsFile !== undefined
              ? fromIni({ profile: access.profile, configFilepath: access.sharedConfigFile, filepath: access.sharedCredentialsFile })
              : undefined;
    for (const role of access.assumeRoles) {
        credentials = fromTemporaryCredentials({
            masterCredentials: credentials,
            clientConfig: { region: access.stsRegion ?? access.region },
            params: {
                RoleArn: role.roleArn,
                RoleSessionName: role.sessionName,
                ExternalId: role.externalId,
                DurationSeconds: role.durationSeconds,
                Policy: role.policy,
                PolicyArns: role.policyArns?.map((arn) => ({ arn })),
                SourceIdentity: role.sourceIdentity,
                Tags: role.tags === undefined ? undefined : Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })),
                TransitiveTagKeys: role.transitiveTagKeys === undefined ? undefined : [...role.transitiveTagKeys],
            },
        });
    }
    return { region: access.region, credentials };
}

interface SeedInputs extends SeedRequest {
    readonly access: SeedingAccess;
    /** Stored in the state as a secret (RepositorySeed wraps it). */
    readonly staticCredentials?: StaticCredentials;
}

/** Creates the first commit once; never updates or deletes anything in the repository. */
export const repositorySeedProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: SeedInputs) {
        const { CodeCommitClient } = codeCommitSdk();
        const result = await seedRepository(new CodeCommitClient(seedingClientConfig(inputs.access, inputs.staticCredentials)), inputs);
        return {
            id: `${inputs.repositoryName}/${inputs.branchName}`,
            outs: { repositoryName: inputs.repositoryName, branchName: inputs.branchName, commitId: result.commitId, created: result.created },
        };
    },
    // Changed seed files never reach the repository: after the first commit it belongs to its
    // users. Only a different repository or branch (which gets its own first commit) replaces.
    async diff(_id: string, olds: SeedInputs, news: SeedInputs) {
        const replaces = (["repositoryName", "branchName"] as const).filter((key) => olds[key] !== news[key]);
        return { changes: replaces.length > 0, replaces };
    },
    // Deleting the seed deletes nothing: commits are the users' history.
    async delete() {},
};

export interface RepositorySeedArgs {
    readonly repositoryName: pulumi.Input<string>;
    readonly branchName: string;
    readonly access: SeedingAccess;
    /** The provider's `aws:accessKey`/`aws:secretKey`/`aws:token`, when set. */
    readonly staticCredentials?: pulumi.Output<StaticCredentials>;
    readonly files: readonly SeedFile[];
    readonly authorName: string;
    readonly commitMessage: string;
}

/** The repository's first commit on its main branch (see seedRepository). */
export class RepositorySeed extends pulumi.dynamic.Resource {
    public readonly commitId!: pulumi.Output<string>;
    public readonly created!: pulumi.Output<boolean>;

    constructor(name: string, args: RepositorySeedArgs, opts?: pulumi.CustomResourceOptions) {
        // Dynamic resources keep their inputs in the state: keys must stay encrypted there.
        const staticCredentials = args.staticCredentials === undefined ? undefined : pulumi.secret(args.staticCredentials);
        super(repositorySeedProvider, name, { ...args, staticCredentials, commitId: undefined, created: undefined }, opts);
    }
}
