// Seeds a new CodeCommit repository with its first commit, exactly once. CodeCommit has no
// "initial content" option, so a dynamic resource calls CreateCommit itself.
import type { CodeCommitClient } from "@aws-sdk/client-codecommit";
import * as pulumi from "@pulumi/pulumi";

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

interface SeedInputs extends SeedRequest {
    readonly region: string;
}

/** Creates the first commit once; never updates or deletes anything in the repository. */
export const repositorySeedProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: SeedInputs) {
        const { CodeCommitClient } = codeCommitSdk();
        const result = await seedRepository(new CodeCommitClient({ region: inputs.region }), inputs);
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
    readonly region: string;
    readonly files: readonly SeedFile[];
    readonly authorName: string;
    readonly commitMessage: string;
}

/** The repository's first commit on its main branch (see seedRepository). */
export class RepositorySeed extends pulumi.dynamic.Resource {
    public readonly commitId!: pulumi.Output<string>;
    public readonly created!: pulumi.Output<boolean>;

    constructor(name: string, args: RepositorySeedArgs, opts?: pulumi.CustomResourceOptions) {
        super(repositorySeedProvider, name, { ...args, commitId: undefined, created: undefined }, opts);
    }
}
