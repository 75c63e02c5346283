// The setting shared by the `tune` integration specs: one state machine, three functions, the
// tuning input the workspace holds, and the environment CodeBuild (or a developer) gives the runner.
import { FakeAws, type ScriptedExecution } from "./fake-aws";
import { freshFakeAwsForEachTest, RunnerWorkspace, TEST_PULL_REQUEST as PULL_REQUEST } from "./runner-process";
import { readFixtureText } from "../fixtures";

export const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
export const functionArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
export const FUNCTION_A = functionArn("power-tuned-digest");
export const FUNCTION_B = functionArn("power-tuned-resize");
export const FUNCTION_C = functionArn("power-tuned-thumbnail");
export const BUILD_ID = "power-tuned-pull-request:0b5c4f3e-2d1a-4c7b-9e8f-1a2b3c4d5e6f";
export const INPUT = { powerValues: [128, 256, 512, 1024], num: 50, payload: { documentKb: 512 }, parallelInvocation: true, strategy: "cost" };

const costOutput = readFixtureText("power-tuning/output-cost-x86-4-powers.json");
export const succeeded = (runningMs = 0): ScriptedExecution => ({ status: "SUCCEEDED", output: costOutput, runningMs });
export const stillRunning: ScriptedExecution = { status: "SUCCEEDED", output: costOutput, runningMs: 10 * 60_000 };

/** The fixtures' pull request's current revision, which the gate approves or revokes. */
export const PULL_REQUEST_REVISION = "4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c";

/**
 * A fresh FakeAws for each test holding the fixtures' pull request (at PULL_REQUEST_REVISION) and
 * one function, deployed with 128 MB, whose tuning succeeds with the cost fixture (256 MB
 * recommended; 1M invocations cost 1.78 % more at 128 MB); handed to `use` to keep and to script.
 */
export function freshPullRequestForEachTest(functionArn: string, use: (fake: FakeAws) => void): void {
    freshFakeAwsForEachTest((fake) => {
        fake.scriptExecution(functionArn, succeeded());
        fake.setPullRequest({ ...PULL_REQUEST, revisionId: PULL_REQUEST_REVISION });
        fake.setFunctionConfiguration(functionArn, { MemorySize: 128, Runtime: "nodejs22.x", CodeSha256: "abc=" });
        use(fake);
    });
}

/** PR context the way CodeBuild passes it: environment variables set by the EventBridge target. */
export function codeBuildEnv(fake: FakeAws, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return fake.env({
        STATE_MACHINE_ARN: STATE_MACHINE,
        REPOSITORY_NAME: PULL_REQUEST.repositoryName,
        PULL_REQUEST_ID: PULL_REQUEST.pullRequestId,
        SOURCE_COMMIT: PULL_REQUEST.sourceCommit,
        DESTINATION_COMMIT: PULL_REQUEST.destinationCommit,
        CODEBUILD_BUILD_ID: BUILD_ID,
        CODEBUILD_BUILD_URL: "https://us-east-1.console.aws.amazon.com/codesuite/codebuild/projects/power-tuned-pull-request/build/1",
        ...extra,
    });
}

/** No pull request: outside CodeBuild, or a build started by hand. */
export function localEnv(fake: FakeAws, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return fake.env({
        STATE_MACHINE_ARN: STATE_MACHINE,
        REPOSITORY_NAME: "",
        PULL_REQUEST_ID: "",
        SOURCE_COMMIT: "",
        DESTINATION_COMMIT: "",
        CODEBUILD_BUILD_ID: "",
        CODEBUILD_BUILD_URL: "",
        ...extra,
    });
}

export const workspace = () => new RunnerWorkspace({ "power-tuning-input.json": JSON.stringify(INPUT, null, 2) });
