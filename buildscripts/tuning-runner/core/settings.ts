// Where `tune`'s settings come from (functional core): the tuning input, the quality gate's
// policy and the Terraform files the suggested memory change is found in. From local files by
// default; with --settings-from-repository from the pull request's commits in CodeCommit (the
// shell reads them, commands/tuneSettings.ts). Here: the paths as CodeCommit takes them, the
// names errors give the files, and what a failed read means for the user.
import { posix } from "node:path";
import { RUNNER_ENVIRONMENT } from "../../contract";
import { describeError, InputError } from "./errors";
import type { TerraformFile } from "./terraformMemory";
import type { NamedText } from "./types";

/** The settings' paths as the command line gives them: files, or paths in the repository. */
export interface SettingsPaths {
    readonly inputFile: string;
    /** `--policy`; without it, the default policy file in the repository, and no gate for local files. */
    readonly policyFile?: string;
    /** `--terraform-dir`: where the suggested memory_size change is looked for. */
    readonly terraformDirectory: string;
}

/** The settings of a run, read. */
export interface TuneSettings {
    readonly input: NamedText;
    /** Undefined: there is no policy, so the quality gate is off. */
    readonly policy?: NamedText;
    /** The policy's path, for the comment, also when there is no policy. */
    readonly policyFile: string;
    /** The commit input and policy were read at; undefined for local files. */
    readonly commit?: string;
    readonly terraformFiles: readonly TerraformFile[];
    /** The gate's inputs (tuning input, policy) the pull request changes: a person approves those. */
    readonly changedGateInputs?: readonly string[];
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
    if (path === "." || path === "")
        throw InputError.invalid(flag, value, "a file path inside the repository, such as power-tuning-input.json", "it names no file");
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

const COMMIT_FIELDS = {
    destination: `--destination-commit (env ${RUNNER_ENVIRONMENT.destinationCommit})`,
    source: `--source-commit (env ${RUNNER_ENVIRONMENT.sourceCommit})`,
} as const;

/**
 * What a failed read means for the user. A value the runner was given that does not exist in the
 * repository (the commit, the repository, the folder, the path) is an input error naming that value
 * (exit 2); anything else (access denied, throttling, an outage) is an AWS failure (exit 1).
 */
export function repositoryReadError(error: unknown, read: RepositoryRead, repositoryName: string): Error {
    switch ((error as Error).name) {
        case "CommitDoesNotExistException":
            return InputError.invalid(
                COMMIT_FIELDS[read.side],
                read.commit,
                `the pull request's ${read.side} commit in ${repositoryName}`,
                `no such commit in ${repositoryName}`,
            );
        case "RepositoryDoesNotExistException":
            return InputError.invalid(
                `--repository (env ${RUNNER_ENVIRONMENT.repositoryName})`,
                repositoryName,
                "the CodeCommit repository of the pull request",
                "no such repository",
            );
        case "FolderDoesNotExistException":
            return InputError.invalid(
                read.flag,
                read.path,
                `a folder of the ${read.side} commit holding the *.tf files`,
                `no such folder at ${read.commit}`,
            );
        case "InvalidPathException":
            return InputError.invalid(
                read.flag,
                read.path,
                "a path inside the repository, such as power-tuning-input.json",
                "CodeCommit rejects it as a path",
            );
        default:
            return new Error(`${read.operation} ${repositoryFileName(read.commit, read.path)} failed: ${describeError(error)}`);
    }
}
