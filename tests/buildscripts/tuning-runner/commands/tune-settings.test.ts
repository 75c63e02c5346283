import * as assert from "node:assert/strict";

import type { RepositoryFiles } from "../../../../buildscripts/tuning-runner/aws/ports";
import { type Command, parseCommandLine, type TuneArguments } from "../../../../buildscripts/tuning-runner/cli";
import { settingsFromRepository } from "../../../../buildscripts/tuning-runner/commands/tuneSettings";
import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import { parsePolicy } from "../../../../buildscripts/tuning-runner/core/policy";
import { decodeText, repositoryPath, type RepositoryRead, repositoryReadError } from "../../../../buildscripts/tuning-runner/core/settings";
import { parseTuningInput } from "../../../../buildscripts/tuning-runner/core/tuningInput";

const REPOSITORY = "TargetLambdaFunctionRepository";
const SOURCE = "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080";
const DESTINATION = "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d";
const PULL_REQUEST = { repositoryName: REPOSITORY, pullRequestId: "7", sourceCommit: SOURCE, destinationCommit: DESTINATION };
const READ: RepositoryRead = {
    operation: "GetFile",
    side: "destination",
    commit: DESTINATION,
    path: "power-tuning-input.json",
    flag: "--input",
};

/** An AWS SDK error as the client throws it: the exception's name and message. */
function awsError(name: string, message = `${name} from CodeCommit`): Error {
    return Object.assign(new Error(message), { name });
}

/** Two commits of a repository in memory, recording every read as "<operation> <commit>:<path>". */
class InMemoryRepository implements RepositoryFiles {
    readonly reads: string[] = [];
    failure?: Error;

    constructor(private readonly commits: Record<string, Record<string, string | Uint8Array>>) {}

    async file(repositoryName: string, commit: string, path: string): Promise<Uint8Array | undefined> {
        this.reads.push(`GetFile ${commit}:${path}`);
        if (this.failure) throw this.failure;
        assert.equal(repositoryName, REPOSITORY);
        const content = this.commits[commit]?.[path];
        return typeof content === "string" ? new TextEncoder().encode(content) : content;
    }

    async filesIn(repositoryName: string, commit: string, folder: string) {
        this.reads.push(`GetFolder ${commit}:${folder}`);
        assert.equal(repositoryName, REPOSITORY);
        const prefix = folder === "" ? "" : `${folder}/`;
        return Object.keys(this.commits[commit] ?? {})
            .filter((path) => path.startsWith(prefix) && !path.slice(prefix.length).includes("/"))
            .map((path) => ({ absolutePath: path, relativePath: path.slice(prefix.length) }));
    }
}

function tuneArgs(argv: string[] = []): TuneArguments {
    return (
        parseCommandLine(["tune", "--settings-from-repository", ...argv], {
            REPOSITORY_NAME: REPOSITORY,
            PULL_REQUEST_ID: "7",
            SOURCE_COMMIT: SOURCE,
            DESTINATION_COMMIT: DESTINATION,
        }) as Extract<Command, { kind: "tune" }>
    ).args;
}

/** Asserts that `run` rejects with an InputError whose message contains every fragment. */
async function rejectsWithInputError(run: Promise<unknown>, ...fragments: string[]): Promise<void> {
    await assert.rejects(run, (error: unknown) => {
        assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
        for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
        return true;
    });
}

describe("tune settings from the pull request's commits", () => {
    const destination = {
        "power-tuning-input.json": '{"num": 20, "powerValues": [128, 256]}',
        "power-tuning-policy.json": '{"maxCostIncreasePercent": 5}',
        "main.tf": "destination",
    };
    const source = {
        "power-tuning-input.json": '{"num": 5, "powerValues": [10240]}',
        "power-tuning-policy.json": "{}",
        "variables.tf": "variable",
        "main.tf": "source",
        "README.md": "# not Terraform",
        "modules/lambda/main.tf": "module",
        "infra/main.tf": "infra",
    };

    it("reads input and policy at the destination commit and the *.tf files directly in the folder at the source commit", async () => {
        const repository = new InMemoryRepository({ [DESTINATION]: destination, [SOURCE]: source });
        const settings = await settingsFromRepository(tuneArgs(), PULL_REQUEST, repository);
        assert.deepEqual(settings.input, { name: `${DESTINATION}:power-tuning-input.json`, text: destination["power-tuning-input.json"] });
        assert.deepEqual(settings.policy, {
            name: `${DESTINATION}:power-tuning-policy.json`,
            text: destination["power-tuning-policy.json"],
        });
        assert.deepEqual([settings.policyFile, settings.commit], ["power-tuning-policy.json", DESTINATION]);
        assert.deepEqual(settings.terraformFiles, [
            { path: "main.tf", text: "source" },
            { path: "variables.tf", text: "variable" },
        ]);
        assert.deepEqual(
            settings.changedGateInputs,
            ["power-tuning-input.json", "power-tuning-policy.json"],
            "the pull request's own are read only to be compared",
        );
    });

    it("reads --input and --policy paths at the destination commit and --terraform-dir at the source commit, as repository paths", async () => {
        const repository = new InMemoryRepository({
            [DESTINATION]: {
                "tuning/input.json": destination["power-tuning-input.json"],
                "tuning/gate.json": destination["power-tuning-policy.json"],
            },
            [SOURCE]: source,
        });
        const settings = await settingsFromRepository(
            tuneArgs(["--input", "./tuning/input.json", "--policy", "/tuning/gate.json", "--terraform-dir", "infra/"]),
            PULL_REQUEST,
            repository,
        );
        assert.deepEqual(repository.reads.sort(), [
            `GetFile ${SOURCE}:infra/main.tf`,
            `GetFile ${SOURCE}:tuning/gate.json`,
            `GetFile ${SOURCE}:tuning/input.json`,
            `GetFile ${DESTINATION}:tuning/gate.json`,
            `GetFile ${DESTINATION}:tuning/input.json`,
            `GetFolder ${SOURCE}:infra`,
        ]);
        assert.deepEqual(settings.terraformFiles, [{ path: "main.tf", text: "infra" }]);
        assert.equal(settings.policyFile, "tuning/gate.json");
    });

    it("turns the gate off when the destination commit has no policy, even if the pull request adds one", async () => {
        const { "power-tuning-policy.json": _, ...withoutPolicy } = destination;
        const settings = await settingsFromRepository(
            tuneArgs(),
            PULL_REQUEST,
            new InMemoryRepository({ [DESTINATION]: withoutPolicy, [SOURCE]: source }),
        );
        assert.equal(settings.policy, undefined);
        assert.equal(settings.policyFile, "power-tuning-policy.json");
    });

    it("refuses a destination commit without the tuning input, naming <commit>:<path>", async () => {
        const { "power-tuning-input.json": _, ...withoutInput } = destination;
        await rejectsWithInputError(
            settingsFromRepository(tuneArgs(), PULL_REQUEST, new InMemoryRepository({ [DESTINATION]: withoutInput, [SOURCE]: source })),
            `${DESTINATION}:power-tuning-input.json is missing (the pull request's destination commit has no such file); allowed: the tuning input committed on the branch the pull request merges into (--input names its path)`,
        );
    });

    it("names <commit>:<path> with line and column when the file is not valid JSON, as for a local file", async () => {
        const broken = {
            ...destination,
            "power-tuning-input.json": '{\n  "num": 20,\n  "powerValues": [128 256]\n}',
            "power-tuning-policy.json": '{"maxCostIncreasePercent": "ten"}',
        };
        const settings = await settingsFromRepository(
            tuneArgs(),
            PULL_REQUEST,
            new InMemoryRepository({ [DESTINATION]: broken, [SOURCE]: source }),
        );
        assert.throws(
            () => parseTuningInput(settings.input.text, settings.input.name),
            (error: Error) => {
                assert.match(error.message, new RegExp(`^${DESTINATION}:power-tuning-input\\.json: invalid JSON at line 3, column 23`));
                return true;
            },
        );
        assert.throws(
            () => parsePolicy(settings.policy!.text, settings.policy!.name),
            new RegExp(`^InputError: ${DESTINATION}:power-tuning-policy\\.json: "maxCostIncreasePercent" is "ten"; allowed: a number ≥ 0`),
        );
    });

    it("reports an AWS failure as one, naming the operation and <commit>:<path>", async () => {
        const repository = new InMemoryRepository({ [DESTINATION]: destination, [SOURCE]: source });
        repository.failure = awsError("AccessDeniedException", "not authorized to perform codecommit:GetFile");
        await assert.rejects(settingsFromRepository(tuneArgs(), PULL_REQUEST, repository), (error: Error) => {
            assert.ok(!(error instanceof InputError), "not an input error: exit 1");
            assert.match(
                error.message,
                new RegExp(
                    `^GetFile ${DESTINATION}:power-tuning-(input|policy)\\.json failed: AccessDeniedException: not authorized to perform codecommit:GetFile$`,
                ),
            );
            return true;
        });
    });

    describe("repository paths", () => {
        it("are relative to the repository's root, without ./ or surrounding slashes", () => {
            assert.equal(repositoryPath("./power-tuning-input.json", "--input", "file"), "power-tuning-input.json");
            assert.equal(repositoryPath("/tuning//input.json", "--input", "file"), "tuning/input.json");
            assert.equal(repositoryPath(".", "--terraform-dir", "folder"), "");
            assert.equal(repositoryPath("./infra/", "--terraform-dir", "folder"), "infra");
        });

        it("may not lead out of the repository or name no file, naming the flag and the value", () => {
            assert.throws(
                () => repositoryPath("../secrets.json", "--policy", "file"),
                /^InputError: --policy is "\.\.\/secrets\.json" \(it leads out of the repository\); allowed: a file path inside the repository$/,
            );
            assert.throws(
                () => repositoryPath("infra/../..", "--terraform-dir", "folder"),
                /--terraform-dir is "infra\/\.\.\/\.\." \(it leads out of the repository\)/,
            );
            assert.throws(() => repositoryPath("./", "--input", "file"), /--input is "\.\/" \(it names no file\)/);
        });
    });

    describe("read errors", () => {
        it("name the commit the pull request gave when CodeCommit has no such commit (exit 2)", () => {
            const error = repositoryReadError(awsError("CommitDoesNotExistException"), READ, REPOSITORY);
            assert.ok(error instanceof InputError);
            assert.equal(
                error.message,
                `--destination-commit (env DESTINATION_COMMIT) is "${DESTINATION}" (no such commit in ${REPOSITORY}); allowed: the pull request's destination commit in ${REPOSITORY}`,
            );
            const fromSource = repositoryReadError(
                awsError("CommitDoesNotExistException"),
                { ...READ, side: "source", commit: SOURCE },
                REPOSITORY,
            );
            assert.match(fromSource.message, /^--source-commit \(env SOURCE_COMMIT\) is "3f2a9c1b/);
        });

        it("name the repository, the folder or the path the runner was given when it does not exist (exit 2)", () => {
            assert.equal(
                repositoryReadError(awsError("RepositoryDoesNotExistException"), READ, REPOSITORY).message,
                `--repository (env REPOSITORY_NAME) is "${REPOSITORY}" (no such repository); allowed: the CodeCommit repository of the pull request`,
            );
            const folder: RepositoryRead = {
                operation: "GetFolder",
                side: "source",
                commit: SOURCE,
                path: "infra",
                flag: "--terraform-dir",
            };
            assert.equal(
                repositoryReadError(awsError("FolderDoesNotExistException"), folder, REPOSITORY).message,
                `--terraform-dir is "infra" (no such folder at ${SOURCE}); allowed: a folder of the source commit holding the *.tf files`,
            );
            const invalid = repositoryReadError(awsError("InvalidPathException"), { ...READ, path: "a//b" }, REPOSITORY);
            assert.ok(invalid instanceof InputError);
            assert.match(invalid.message, /^--input is "a\/\/b" \(CodeCommit rejects it as a path\)/);
        });

        it("pass any other failure on as an AWS error naming the operation and <commit>:<path> (exit 1)", () => {
            const error = repositoryReadError(awsError("ThrottlingException", "Rate exceeded"), READ, REPOSITORY);
            assert.ok(!(error instanceof InputError));
            assert.equal(error.message, `GetFile ${DESTINATION}:power-tuning-input.json failed: ThrottlingException: Rate exceeded`);
        });

        it("refuse a file that is not UTF-8 text, naming it", () => {
            assert.equal(decodeText(new TextEncoder().encode('{"num": 10} ✓'), "x"), '{"num": 10} ✓');
            assert.throws(
                () => decodeText(Uint8Array.of(0x7b, 0xff, 0x7d), `${DESTINATION}:power-tuning-input.json`),
                (error: Error) => {
                    assert.ok(error instanceof InputError);
                    assert.equal(error.message, `${DESTINATION}:power-tuning-input.json: the file is not UTF-8 text; allowed: UTF-8 text`);
                    return true;
                },
            );
        });
    });
});
