// Runs the tuning runner the two ways the specs need. Against FakeAws: the BUILT bundle as a child
// process, the way CodeBuild runs it (plain `node`, a working directory holding the input files,
// AWS configuration from the environment only), so the real SDK speaks the wire protocols; the
// bundle is built once per test process into a temporary directory with no node_modules anywhere
// above it, so a run also proves the file is self-contained. Against InMemoryAws: main.ts's own
// runCommandLine in this process, with the in-memory clients and a clock that never waits.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleTuningRunner } from "../../buildscripts/bundle";
import { localFiles } from "../../buildscripts/tuning-runner/io";
import { runCommandLine, type Shell } from "../../buildscripts/tuning-runner/main";
import { FakeAws } from "./fake-aws";
import { InMemoryAws } from "./in-memory-aws";
import { scratchDirectory } from "./scratch";

/** The pull request of the fixtures' CodeCommit event: what the runner specs comment on. */
export const TEST_PULL_REQUEST = {
    repositoryName: "TargetLambdaFunctionRepository",
    pullRequestId: "7",
    sourceCommit: "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080",
    destinationCommit: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
} as const;

let bundlePath: string | undefined;

/** Path of the runner bundle, built on first use. */
export function runnerBundle(): string {
    bundlePath ??= bundleTuningRunner(join(scratchDirectory("tuning-runner-bundle-"), "tuning-runner.js")).path;
    return bundlePath;
}

/**
 * Registers the hooks every wire-level spec of the bundled runner needs: the bundle built once,
 * and a fresh FakeAws for each test, handed to `use` (to keep and to script) and stopped after.
 */
export function freshFakeAwsForEachTest(use: (fake: FakeAws) => void): void {
    let current: FakeAws | undefined;
    before(() => runnerBundle());
    beforeEach(async () => {
        current = await FakeAws.start();
        use(current);
    });
    afterEach(async () => {
        await current?.stop();
        current = undefined;
    });
}

/** A fresh InMemoryAws for each in-process spec, handed to `use` to keep and to script. */
export function freshInMemoryAwsForEachTest(use: (aws: InMemoryAws) => void): void {
    beforeEach(() => use(new InMemoryAws()));
}

export interface RunnerRun {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
}

export interface RunOptions {
    /** With FakeAws: acts on the live process (e.g. sends SIGTERM). */
    readonly whileRunning?: (child: ChildProcess) => Promise<void>;
    /** With InMemoryAws: the build is stopped (as by SIGTERM) this long into the run, on its clock. */
    readonly stopAfterMs?: number;
}

/** A scratch working directory for one run, with `files` (name → content) written into it. */
export class RunnerWorkspace {
    readonly directory = scratchDirectory("tuning-runner-run-");

    constructor(files: Record<string, string> = {}) {
        for (const [name, content] of Object.entries(files)) this.write(name, content);
    }

    write(name: string, content: string): void {
        writeFileSync(join(this.directory, name), content);
    }

    read(name: string): string {
        return readFileSync(join(this.directory, name), "utf8");
    }

    exists(name: string): boolean {
        return existsSync(join(this.directory, name));
    }

    readJson(name: string): any {
        return JSON.parse(this.read(name));
    }

    /**
     * Runs the runner with `variables` as the build's environment (besides AWS's own configuration):
     * the bundle against FakeAws, or in this process against InMemoryAws.
     */
    run(
        args: readonly string[],
        variables: Record<string, string>,
        aws: FakeAws | InMemoryAws,
        options: RunOptions = {},
    ): Promise<RunnerRun> {
        if (aws instanceof InMemoryAws) return this.runInProcess(args, variables, aws, options.stopAfterMs);
        return this.runProgram(args, aws.env(variables), options.whileRunning);
    }

    /**
     * Starts `node <bundle>` with exactly `env`, or, when `command` is given, the program of that
     * name found on env.PATH; `whileRunning` may act on the live process.
     */
    async runProgram(
        args: readonly string[],
        env: NodeJS.ProcessEnv,
        whileRunning?: (child: ChildProcess) => Promise<void>,
        command?: string,
    ): Promise<RunnerRun> {
        const [program, ...programArgs] = command === undefined ? [process.execPath, runnerBundle()] : [command];
        const child = spawn(program, [...programArgs, ...args], { cwd: this.directory, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
            child.once("error", reject);
            child.once("close", (code, signal) => resolve({ code, signal }));
        });
        await whileRunning?.(child);
        const { code, signal } = await exited;
        return { code, signal, stdout, stderr };
    }

    private async runInProcess(
        args: readonly string[],
        env: Record<string, string>,
        aws: InMemoryAws,
        stopAfterMs?: number,
    ): Promise<RunnerRun> {
        let stdout = "";
        let stderr = "";
        const files = localFiles(this.directory);
        const log = (message: string): void => {
            stderr += `${new Date(aws.clock.now()).toISOString()} ${message}\n`;
        };
        const shell: Shell = {
            files,
            awsClients: (commentRoleArn, copyAccount) => aws.clients(commentRoleArn, copyAccount),
            // The region is AWS configuration: the wire-level specs cover where it comes from.
            ensureRegion: async () => undefined,
            runtime: {
                now: aws.clock.now,
                sleep: aws.clock.sleep,
                log,
                signal: new AbortController().signal,
                print: (text) => {
                    stdout += text;
                },
                writeFile: (path, content) => files.writeAtomically(path, content),
            },
            untilStopped: (announcement, run) => {
                const stopped = new AbortController();
                if (stopAfterMs !== undefined) {
                    aws.clock.after(stopAfterMs, () => {
                        log(`SIGTERM: ${announcement}`);
                        stopped.abort();
                    });
                }
                return run(stopped.signal);
            },
            printError: (text) => {
                stderr += text;
            },
        };
        const code = await runCommandLine(args, env, shell);
        return { code, signal: null, stdout, stderr };
    }
}

/** Resolves once `condition` holds, checking every 20 ms; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
