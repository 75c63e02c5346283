// Runs the BUILT runner bundle as a child process, the way CodeBuild runs it: plain `node`,
// a working directory holding the input files, AWS configuration from the environment only.
// The bundle is built once per test process into a temporary directory with no node_modules
// anywhere above it, so a test also proves the file is self-contained.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleTuningRunner } from "../../buildscripts/bundle";
import { FakeAws } from "./fake-aws";

/** The pull request of the fixtures' CodeCommit event: what the runner tests comment on. */
export const TEST_PULL_REQUEST = {
    repositoryName: "TargetLambdaFunctionRepository",
    pullRequestId: "7",
    sourceCommit: "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080",
    destinationCommit: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
} as const;

let bundlePath: string | undefined;

/** Path of the runner bundle, built on first use. */
export function runnerBundle(): string {
    bundlePath ??= bundleTuningRunner(join(mkdtempSync(join(tmpdir(), "tuning-runner-bundle-")), "tuning-runner.js")).path;
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

export interface RunnerRun {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** A scratch working directory for one run, with `files` (name → content) written into it. */
export class RunnerWorkspace {
    readonly directory = mkdtempSync(join(tmpdir(), "tuning-runner-run-"));

    constructor(files: Record<string, string> = {}) {
        for (const [name, content] of Object.entries(files)) this.write(name, content);
    }

    write(name: string, content: string): void {
        writeFileSync(join(this.directory, name), content);
    }

    read(name: string): string {
        return readFileSync(join(this.directory, name), "utf8");
    }

    readJson(name: string): any {
        return JSON.parse(this.read(name));
    }

    /**
     * Starts the runner, `node <bundle>` unless `command` names the program to start (found on
     * env.PATH); `whileRunning` may act on the live process (e.g. send SIGTERM).
     */
    async run(args: readonly string[], env: NodeJS.ProcessEnv, whileRunning?: (child: ChildProcess) => Promise<void>, command?: string): Promise<RunnerRun> {
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
}

/** Resolves once `condition` holds, checking every 20 ms; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
