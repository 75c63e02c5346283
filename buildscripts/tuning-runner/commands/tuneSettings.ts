// Where `tune` gets its settings: the tuning input, the quality gate's policy and the Terraform
// files the suggested memory change is found in. From local files by default; with
// --settings-from-repository from CodeCommit: input and policy at the pull request's destination
// commit, so a pull request can neither loosen the gate it is judged by nor change what it is
// measured with, and the *.tf files at its source commit, read as text and never run.
// The path and error rules are pure; reading goes through the RepositoryFiles it is handed.
import { posix } from "path";
import type { RepositoryFiles } from "../aws";
import type { TuneArguments } from "../cli";
import { InputError } from "../core/input";
import { describeError, readNamedFile, readTerraformFiles } from "../io";
import { DEFAULT_POLICY_FILE } from "../core/policy";
import type { TerraformFile } from "../core/terraformMemory";
import type { NamedText, PullRequestContext } from "../core/types";

export interface TuneSettings {
    readonly input: NamedText;
    /** Undefined: there is no policy, so the quality gate is off. */
    readonly policy?: NamedText;
    /** The policy's path, for the comment, also when there is no policy. */
    readonly policyFile: string;
    /** The commit input and policy were read at; undefined for local files. */
    readonly commit?: string;
    readonly terraformFiles: readonly TerraformFile[];
}

/** Local files: --input always, --policy when given, the *.tf files of --terraform-dir. */
export function settingsFromFiles(args: TuneArguments): TuneSettings {
    return {
        input: { name: args.inputFile, text: readNamedFile(args.inputFile, "--input") },
        policy: args.policyFile === undefined ? undefined : { name: args.policyFile, text: readNamedFile(args.policyFile, "--policy") },
        policyFile: args.policyFile ?? DEFAULT_POLICY_FILE,
        terraformFiles: readTerraformFiles(args.terraformDirectory, "--terraform-dir"),
    };
}

/**
 * The pull request's commits: --input and --policy (default power-tuning-policy.json) at the
 * destination commit, the *.tf files directly in --terraform-dir at the source commit. A missing
 * input is an input error; a missing policy turns the gate off.
 */
export async function settingsFromRepository(args: TuneArguments, pullRequest: PullRequestContext, files: RepositoryFiles): Promise<TuneSettings> {
    const { repositoryName, destinationCommit, sourceCommit } = pullRequest;
    const inputPath = repositoryPath(args.inputFile, "--input", "file");
    const policyPath = repositoryPath(args.policyFile ?? DEFAULT_POLICY_FILE, "--policy", "file");
    const folder = repositoryPath(args.terraformDirectory, "--terraform-dir", "folder");
    const read = async (what: RepositoryRead): Promise<NamedText | undefined> => {
        let bytes: Uint8Array | undefined;
        try {
            bytes = await files.file(repositoryName, what.commit, what.path);
        } catch (error) {
            throw repositoryReadError(error, what, repositoryName);
        }
        const name = repositoryFileName(what.commit, what.path);
        return bytes === undefined ? undefined : { name, text: decodeText(bytes, name) };
    };
    const terraformFiles = async (): Promise<TerraformFile[]> => {
        const where: RepositoryRead = { operation: "GetFolder", side: "source", commit: sourceCommit, path: folder, flag: "--terraform-dir" };
        let listed;
        try {
            listed = await files.filesIn(repositoryName, sourceCommit, folder);
        } catch (error) {
            throw repositoryReadError(error, where, repositoryName);
        }
        const names = listed.filter((file) => file.relativePath.endsWith(".tf")).sort((a, b) => a.relativePath.localeCompare(b.relativePath));
        return Promise.all(
            names.map(async ({ absolutePath, relativePath }) => {
                // A commit never changes, so a file its folder lists is there.
                const file = (await read({ ...where, operation: "GetFile", path: absolutePath }))!;
                return { path: relativePath, text: file.text };
            }),
        );
    };
    const [input, policy, terraform] = await Promise.all([
        read({ operation: "GetFile", side: "destination", commit: destinationCommit, path: inputPath, flag: "--input" }),
        read({ operation: "GetFile", side: "destination", commit: destinationCommit, path: policyPath, flag: "--policy" }),
        terraformFiles(),
    ]);
    if (input === undefined) {
        throw InputError.invalid(
            repositoryFileName(destinationCommit, inputPath),
            undefined,
            "the tuning input committed on the branch the pull request merges into (--input names its path)",
            "the pull request's destination commit has no such file",
        );
    }
    return { input, policy, policyFile: policyPath, commit: destinationCommit, terraformFiles: terraform };
}

/** One read of the repository, for error messages. */
export interface RepositoryRead {
    readonly operation: "GetFile" | "GetFolder";
    /** Which of the pull request's commits. */
    readonly side: "destination" | "source";
    readonly commit: string;
    readonly path: string;
    /** The flag that named the path. */
    readonly flag: string;
}

/** `<commit>:<path>`, as git names a file at a commit: how errors and the comment refer to it. */
export function repositoryFileName(commit: string, path: string): string {
    return `${commit}:${path}`;
}

/**
 * A path given to --input, --policy or --terraform-dir as CodeCommit takes it: relative to the
 * repository's root, without "./" or a leading or trailing "/" ("" is the root folder).
 */
export function repositoryPath(value: string, flag: string, kind: "file" | "folder"): string {
    const path = posix.normalize(value).replace(/^\/+|\/+$/g, "");
    if (path === ".." || path.startsWith("../")) {
        throw InputError.invalid(flag, value, `a ${kind} path inside the repository`, "it leads out of the repository");
    }
    if (kind === "folder") return path === "." ? "" : path;
    if (path === "." || path === "") throw InputError.invalid(flag, value, "a file path inside the repository, such as power-tuning-input.json", "it names no file");
    return path;
}

/** The file's text; a file that is not UTF-8 is an input error naming it. */
export function decodeText(bytes: Uint8Array, name: string): string {
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        throw new InputError(`${name}: the file is not UTF-8 text; allowed: UTF-8 text`);
    }
}

const COMMIT_FIELDS = { destination: "--destination-commit (env DESTINATION_COMMIT)", source: "--source-commit (env SOURCE_COMMIT)" } as const;

/**
 * What a failed read means for the user. A value the runner was given that does not exist in the
 * repository (the commit, the repository, the folder, the path) is an input error naming that value
 * (exit 2); anything else (access denied, throttling, an outage) is an AWS failure (exit 1).
 */
export function repositoryReadError(error: unknown, read: RepositoryRead, repositoryName: string): Error {
    switch ((error as Error).name) {
        case "CommitDoesNotExistException":
            return InputError.invalid(COMMIT_FIELDS[read.side], read.commit, `the pull request's ${read.side} commit in ${repositoryName}`, `no such commit in ${repositoryName}`);
        case "RepositoryDoesNotExistException":
            return InputError.invalid("--repository (env REPOSITORY_NAME)", repositoryName, "the CodeCommit repository of the pull request", "no such repository");
        case "FolderDoesNotExistException":
            return InputError.invalid(read.flag, read.path, `a folder of the ${read.side} commit holding the *.tf files`, `no such folder at ${read.commit}`);
        case "InvalidPathException":
            return InputError.invalid(read.flag, read.path, "a path inside the repository, such as power-tuning-input.json", "CodeCommit rejects it as a path");
        default:
            return new Error(`${read.operation} ${repositoryFileName(read.commit, read.path)} failed: ${describeError(error)}`);
    }
}
