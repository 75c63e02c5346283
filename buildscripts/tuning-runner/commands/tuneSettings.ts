// `tune`'s settings from the pull request's commits in CodeCommit: input and policy at the
// destination commit, so a pull request can neither loosen the gate it is judged by nor change
// what it is measured with, and the *.tf files at its source commit, read as text and never run.
import type { RepositoryFile, RepositoryFiles } from "../aws/ports";
import { InputError } from "../core/errors";
import { DEFAULT_POLICY_FILE } from "../core/policy";
import type { PullRequestContext } from "../core/resultsFile";
import {
    decodeText,
    repositoryFileName,
    repositoryPath,
    repositoryReadError,
    type RepositoryRead,
    type SettingsPaths,
    type TuneSettings,
} from "../core/settings";
import type { TerraformFile } from "../core/terraformMemory";
import type { NamedText } from "../core/types";

/**
 * The pull request's commits: --input and --policy (default power-tuning-policy.json) at the
 * destination commit, the *.tf files directly in --terraform-dir at the source commit. A missing
 * input is an input error; a missing policy turns the gate off. Input and policy are read at the
 * source commit too, only to tell whether the pull request changes them.
 */
export async function settingsFromRepository(
    paths: SettingsPaths,
    pullRequest: PullRequestContext,
    files: RepositoryFiles,
): Promise<TuneSettings> {
    const { repositoryName, destinationCommit, sourceCommit } = pullRequest;
    const inputPath = repositoryPath(paths.inputFile, "--input", "file");
    const policyPath = repositoryPath(paths.policyFile ?? DEFAULT_POLICY_FILE, "--policy", "file");
    const folder = repositoryPath(paths.terraformDirectory, "--terraform-dir", "folder");
    const read = (what: RepositoryRead) => readRepositoryText(files, repositoryName, what);
    const terraformFiles = async (): Promise<TerraformFile[]> => {
        const where: RepositoryRead = {
            operation: "GetFolder",
            side: "source",
            commit: sourceCommit,
            path: folder,
            flag: "--terraform-dir",
        };
        let listed: RepositoryFile[];
        try {
            listed = await files.filesIn(repositoryName, sourceCommit, folder);
        } catch (error) {
            throw repositoryReadError(error, where, repositoryName);
        }
        const names = listed
            .filter((file) => file.relativePath.endsWith(".tf"))
            .sort((a, b) => a.relativePath.localeCompare(b.relativePath));
        return Promise.all(
            names.map(async ({ absolutePath, relativePath }) => {
                // A commit never changes, so a file its folder lists is there.
                const file = (await read({ ...where, operation: "GetFile", path: absolutePath }))!;
                return { path: relativePath, text: file.text };
            }),
        );
    };
    const atBoth = (path: string, flag: string) =>
        Promise.all(
            (["destination", "source"] as const).map((side) =>
                read({ operation: "GetFile", side, commit: side === "destination" ? destinationCommit : sourceCommit, path, flag }),
            ),
        );
    const [[input, proposedInput], [policy, proposedPolicy], terraform] = await Promise.all([
        atBoth(inputPath, "--input"),
        atBoth(policyPath, "--policy"),
        terraformFiles(),
    ]);
    // What the pull request would change of the gate is read to be named, never used.
    const changedGateInputs = [
        ...(input?.text === proposedInput?.text ? [] : [inputPath]),
        ...(policy?.text === proposedPolicy?.text ? [] : [policyPath]),
    ];
    if (input === undefined) {
        throw InputError.invalid(
            repositoryFileName(destinationCommit, inputPath),
            undefined,
            "the tuning input committed on the branch the pull request merges into (--input names its path)",
            "the pull request's destination commit has no such file",
        );
    }
    return { input, policy, policyFile: policyPath, commit: destinationCommit, terraformFiles: terraform, changedGateInputs };
}

/** A file of the repository at a commit as text named `<commit>:<path>`, or undefined when that commit has no such file. */
export async function readRepositoryText(
    files: RepositoryFiles,
    repositoryName: string,
    what: RepositoryRead,
): Promise<NamedText | undefined> {
    let bytes: Uint8Array | undefined;
    try {
        bytes = await files.file(repositoryName, what.commit, what.path);
    } catch (error) {
        throw repositoryReadError(error, what, repositoryName);
    }
    const name = repositoryFileName(what.commit, what.path);
    return bytes === undefined ? undefined : { name, text: decodeText(bytes, name) };
}
