// The setting shared by the `tune` specs: one state machine, three functions, the tuning input the
// workspace holds, and the environment CodeBuild (or a developer) gives the runner.
import { RUNNER_ENVIRONMENT } from "../../buildscripts/contract";
import { readFixtureText } from "../fixtures";
import type { AwsModel, ScriptedExecution } from "./aws-model";
import type { FakeAws } from "./fake-aws";
import type { InMemoryAws } from "./in-memory-aws";
import {
    freshFakeAwsForEachTest,
    freshInMemoryAwsForEachTest,
    RunnerWorkspace,
    TEST_PULL_REQUEST as PULL_REQUEST,
} from "./runner-workspace";

export const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
export const functionArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
export const FUNCTION_A = functionArn("power-tuned-digest");
export const FUNCTION_B = functionArn("power-tuned-resize");
export const FUNCTION_C = functionArn("power-tuned-thumbnail");
export const BUILD_ID = "power-tuned-pull-request:0b5c4f3e-2d1a-4c7b-9e8f-1a2b3c4d5e6f";
export const INPUT = {
    powerValues: [128, 256, 512, 1024],
    num: 50,
    payload: { documentKb: 512 },
    parallelInvocation: true,
    strategy: "cost",
};

const costOutput = readFixtureText("power-tuning/output-cost-x86-4-powers.json");
export const succeeded = (runningMs = 0): ScriptedExecution => ({ status: "SUCCEEDED", output: costOutput, runningMs });
export const stillRunning: ScriptedExecution = { status: "SUCCEEDED", output: costOutput, runningMs: 10 * 60_000 };

/** The fixtures' pull request's current revision, which the gate approves or revokes. */
export const PULL_REQUEST_REVISION = "4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c";

/**
 * The fixtures' pull request (at PULL_REQUEST_REVISION) and one function, deployed with 128 MB,
 * whose tuning succeeds with the cost fixture (256 MB recommended; 1M invocations cost 1.78 %
 * more at 128 MB).
 */
export function withPullRequest<Aws extends AwsModel>(aws: Aws, functionArn: string): Aws {
    aws.scriptExecution(functionArn, succeeded());
    aws.setPullRequest({ ...PULL_REQUEST, revisionId: PULL_REQUEST_REVISION });
    aws.setFunctionConfiguration(functionArn, { MemorySize: 128, Runtime: "nodejs22.x", CodeSha256: "abc=" });
    return aws;
}

/** A fresh InMemoryAws for each in-process spec, holding withPullRequest's pull request and function. */
export function freshPullRequestForEachTest(functionArn: string, use: (aws: InMemoryAws) => void): void {
    freshInMemoryAwsForEachTest((aws) => use(withPullRequest(aws, functionArn)));
}

/** A fresh FakeAws for each wire-level spec, holding withPullRequest's pull request and function. */
export function freshPullRequestOnTheWireForEachTest(functionArn: string, use: (fake: FakeAws) => void): void {
    freshFakeAwsForEachTest((fake) => use(withPullRequest(fake, functionArn)));
}

/** PR context the way CodeBuild passes it: environment variables set by the EventBridge target. */
export function codeBuildEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
        [RUNNER_ENVIRONMENT.stateMachineArn]: STATE_MACHINE,
        [RUNNER_ENVIRONMENT.repositoryName]: PULL_REQUEST.repositoryName,
        [RUNNER_ENVIRONMENT.pullRequestId]: PULL_REQUEST.pullRequestId,
        [RUNNER_ENVIRONMENT.sourceCommit]: PULL_REQUEST.sourceCommit,
        [RUNNER_ENVIRONMENT.destinationCommit]: PULL_REQUEST.destinationCommit,
        CODEBUILD_BUILD_ID: BUILD_ID,
        CODEBUILD_BUILD_URL: "https://us-east-1.console.aws.amazon.com/codesuite/codebuild/projects/power-tuned-pull-request/build/1",
        ...extra,
    };
}

/** No pull request: outside CodeBuild, or a build started by hand. */
export function localEnv(extra: Record<string, string> = {}): Record<string, string> {
    return codeBuildEnv({
        [RUNNER_ENVIRONMENT.repositoryName]: "",
        [RUNNER_ENVIRONMENT.pullRequestId]: "",
        [RUNNER_ENVIRONMENT.sourceCommit]: "",
        [RUNNER_ENVIRONMENT.destinationCommit]: "",
        CODEBUILD_BUILD_ID: "",
        CODEBUILD_BUILD_URL: "",
        ...extra,
    });
}

export const workspace = () => new RunnerWorkspace({ "power-tuning-input.json": JSON.stringify(INPUT, null, 2) });

/** The pull request's four values as flags, for commands run outside CodeBuild. */
export const PULL_REQUEST_FLAGS = [
    "--repository",
    PULL_REQUEST.repositoryName,
    "--pull-request-id",
    PULL_REQUEST.pullRequestId,
    "--source-commit",
    PULL_REQUEST.sourceCommit,
    "--destination-commit",
    PULL_REQUEST.destinationCommit,
];

/** The Markdown table rows of a rendered report, as cell lists (header and separator left out). */
export function tableRows(markdown: string): string[][] {
    return markdown
        .split("\n")
        .filter((line) => /^\| (\*\*)?\d/.test(line))
        .map((line) =>
            line
                .split("|")
                .slice(1, -1)
                .map((cell) => cell.trim()),
        );
}
