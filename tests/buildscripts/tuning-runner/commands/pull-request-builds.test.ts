// The trusted pull-request builds' one runner command each, in process against InMemoryAws:
// `pull-request-feedback` decides from the workflow's values (DEPLOY_OUTCOME, DEPLOY_BUILD_ARN,
// WORKFLOW_EXECUTION_ARN) whether there is a plan to comment and a copy to tune, reading the deploy
// build's files from where it handed them on; `pull-request-sweep` decides which copies it sweeps.
// Both refuse a value the workflow would never send with exit 2, before any AWS call. What the
// buildspecs pass them is specified in tests/components/build/buildspecs.test.ts.
import * as assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACT_LAYOUT, RUNNER_ENVIRONMENT } from "../../../../buildscripts/contract";
import { parseCommandLine } from "../../../../buildscripts/tuning-runner/cli";
import { readFixtureText } from "../../../fixtures";
import { InMemoryAws } from "../../../support/in-memory-aws";
import { freshInMemoryAwsForEachTest, RunnerWorkspace, TEST_PULL_REQUEST as PULL_REQUEST } from "../../../support/runner-workspace";
import {
    COPY_PREFIX,
    DESTINATION,
    MAIN_INPUT,
    OUTPUTS,
    STRICT_POLICY,
    tree,
    trustedEnv,
    withTrustedStepCommits,
} from "../../../support/trusted-step-scenario";

const BUCKET = "power-tuned-artifacts-1a2b";
const DEPLOY_BUILD_ARN = "arn:aws:codebuild:us-east-1:123456789012:build/pr-deploy:6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29";
const EXECUTION_ARN = "arn:aws:states:eu-west-1:123456789012:execution:pr-workflow:7-3f2a9c1";
const EXECUTION_URL = `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION_ARN}`;
const FEEDBACK = ["pull-request-feedback", "--deploy-files", "deploy-build", "--results", "output/power-tuning-results.json"];

/** The feedback project's environment with the workflow's values for one copy. */
const feedbackEnv = (workflow: Record<string, string> = {}): Record<string, string> => ({
    ...trustedEnv(),
    [RUNNER_ENVIRONMENT.artifactBucket]: BUCKET,
    [RUNNER_ENVIRONMENT.deployOutcome]: "SUCCEEDED",
    [RUNNER_ENVIRONMENT.deployBuildArn]: DEPLOY_BUILD_ARN,
    [RUNNER_ENVIRONMENT.workflowExecutionArn]: EXECUTION_ARN,
    ...workflow,
});

/** A workspace as the feedback build's: no checkout, two empty directories. */
function feedbackWorkspace(): RunnerWorkspace {
    const work = new RunnerWorkspace({});
    for (const directory of ["deploy-build", "output"]) mkdirSync(join(work.directory, directory));
    return work;
}

describe("the trusted pull-request builds' commands", () => {
    let fake: InMemoryAws;

    freshInMemoryAwsForEachTest((started) => (fake = withTrustedStepCommits(started)));

    /** The deploy build handed `files` on under its own prefix. */
    const handedOn = (files: Record<string, string>) => {
        for (const [name, text] of Object.entries(files))
            fake.putObject(BUCKET, `${ARTIFACT_LAYOUT.pullRequestBuildsPrefix}${DEPLOY_BUILD_ARN}/${name}`, text);
    };
    const PLAN = readFixtureText("terraform/plan-add-update-replace-delete.json");

    /** Each override of the environment ends the command with exit 2 and its message, before any AWS call. */
    async function refusedBeforeAnyAwsCall(
        refused: ReadonlyArray<readonly [Record<string, string>, RegExp]>,
        run: (override: Record<string, string>) => ReturnType<RunnerWorkspace["run"]>,
    ): Promise<void> {
        for (const [override, message] of refused) {
            const { code, stderr } = await run(override);
            assert.equal(code, 2, JSON.stringify(override));
            assert.match(stderr, message);
            assert.deepEqual(fake.requests, [], `no AWS call with ${JSON.stringify(override)}`);
        }
    }

    describe("pull-request-feedback", () => {
        it("after a deployed copy: reads the deploy build's plan and outputs from its prefix, comments the plan, then tunes the copy", async () => {
            handedOn({ "plan.json": PLAN, "outputs.json": JSON.stringify(OUTPUTS) });
            const work = feedbackWorkspace();
            const run = await work.run(FEEDBACK, feedbackEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(
                fake
                    .calls("GetObject")
                    .map((call) => call.Key)
                    .filter((key) => key.startsWith(ARTIFACT_LAYOUT.pullRequestBuildsPrefix)),
                ["plan.json", "outputs.json"].map((file) => `${ARTIFACT_LAYOUT.pullRequestBuildsPrefix}${DEPLOY_BUILD_ARN}/${file}`),
            );
            assert.equal(work.read("deploy-build/plan.json"), PLAN);
            assert.match(fake.comments[0].content, /\*\*Plan: \d+ to add/);
            assert.ok(fake.calls("StartExecution").length > 0, "the copy was tuned");
            assert.ok(work.exists("output/power-tuning-results.json"), "the results file is where the build keeps it");
        });

        it("after a failed deploy: comments the plan it has, says the copy was not deployed, and tunes nothing", async () => {
            handedOn({ "plan.json": PLAN });
            const run = await feedbackWorkspace().run(FEEDBACK, feedbackEnv({ DEPLOY_OUTCOME: "FAILED" }), fake);
            assert.equal(run.code, 0, run.stderr);
            const content = fake.comments[0].content;
            assert.match(content, /\*\*Plan: \d+ to add/);
            assert.ok(
                content.includes(`could not be deployed, so nothing was measured for this push. [Workflow execution](${EXECUTION_URL})`),
                content,
            );
            assert.deepEqual(fake.calls("StartExecution"), []);
        });

        it("after a deploy that failed before planning, or never started: comments only that the copy was not deployed", async () => {
            for (const arn of [DEPLOY_BUILD_ARN, ""]) {
                fake = withTrustedStepCommits(new InMemoryAws());
                const run = await feedbackWorkspace().run(FEEDBACK, feedbackEnv({ DEPLOY_OUTCOME: "FAILED", DEPLOY_BUILD_ARN: arn }), fake);
                assert.equal(run.code, 0, run.stderr);
                const content = fake.comments[0].content;
                assert.doesNotMatch(content, /\*\*Plan:/, arn);
                assert.ok(content.includes(EXECUTION_URL), arn);
                assert.deepEqual(fake.calls("StartExecution"), [], arn);
                // No deploy build, nothing to read.
                assert.equal(
                    fake.calls("GetObject").some((call) => call.Key.startsWith(ARTIFACT_LAYOUT.pullRequestBuildsPrefix)),
                    arn !== "",
                    arn,
                );
            }
        });

        it("exits 1 with the results written when the quality gate does not pass; the plan was commented first", async () => {
            // The destination branch's gate allows 1 %; the copy is 1.78 % dearer than recommended.
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(512, { input: MAIN_INPUT, policy: STRICT_POLICY }));
            handedOn({ "plan.json": PLAN, "outputs.json": JSON.stringify(OUTPUTS) });
            const work = feedbackWorkspace();
            const run = await work.run(FEEDBACK, feedbackEnv(), fake);
            assert.equal(run.code, 1, run.stderr);
            assert.ok(work.exists("output/power-tuning-results.json"));
            assert.match(fake.comments[0].content, /\*\*Plan: \d+ to add/);
        });

        it("refuses to start on values the workflow would never send", async () => {
            const refused = [
                [{ DEPLOY_OUTCOME: "MAYBE" }, /DEPLOY_OUTCOME is "MAYBE"; allowed: SUCCEEDED or FAILED/],
                [
                    { DEPLOY_BUILD_ARN: "" },
                    /DEPLOY_BUILD_ARN is ""; allowed: a CodeBuild build ARN .*; empty only when DEPLOY_OUTCOME is FAILED/,
                ],
                [{ DEPLOY_BUILD_ARN: "x; rm -rf /" }, /DEPLOY_BUILD_ARN is "x; rm -rf \/"; allowed: a CodeBuild build ARN/],
                [
                    { DEPLOY_OUTCOME: "FAILED", WORKFLOW_EXECUTION_ARN: "https://evil.example" },
                    /WORKFLOW_EXECUTION_ARN is "https:\/\/evil.example"; allowed: a Step Functions execution ARN/,
                ],
                [{ DESTINATION_COMMIT: "main" }, /--destination-commit must be a full 40-character lowercase commit id; got "main"/],
                [
                    { PULL_REQUEST_ID: "7; rm -rf /" },
                    /--pull-request-id must be a positive whole number of at most 16 digits; got "7; rm -rf \/"/,
                ],
            ] as const;
            handedOn({ "plan.json": PLAN, "outputs.json": JSON.stringify(OUTPUTS) });
            await refusedBeforeAnyAwsCall(refused, (override) => feedbackWorkspace().run(FEEDBACK, feedbackEnv(override), fake));
        });
    });

    describe("pull-request-feedback with the copies in their own account", () => {
        const COPY_BUCKET = "pr-copy-storage-bucket-0a1b2c3d";
        const ACCESS_ROLE = "arn:aws:iam::210987654321:role/lambda-power-tuned/power-tuned-pull-request-feedback-access";
        const EXTERNAL_ID = "arn:aws:states:us-east-1:123456789012:stateMachine:power-tuned-pull-request-workflow";
        const copyAccountEnv = (override: Record<string, string> = {}) =>
            feedbackEnv({
                [RUNNER_ENVIRONMENT.copyAccountRoleArn]: ACCESS_ROLE,
                [RUNNER_ENVIRONMENT.copyAccountExternalId]: EXTERNAL_ID,
                [RUNNER_ENVIRONMENT.deployFilesBucket]: COPY_BUCKET,
                ...override,
            });

        it("reads the deploy's files, the copy's functions and the tuning executions as a session of its access role there (with the external ID); history, comments and production's traffic as before", async () => {
            for (const [name, text] of Object.entries({ "plan.json": PLAN, "outputs.json": JSON.stringify(OUTPUTS) })) {
                fake.putObject(COPY_BUCKET, `${ARTIFACT_LAYOUT.pullRequestBuildsPrefix}${DEPLOY_BUILD_ARN}/${name}`, text);
            }
            const run = await feedbackWorkspace().run(FEEDBACK, copyAccountEnv(), fake);
            assert.equal(run.code, 0, run.stderr);
            const assumed = fake.calls("AssumeRole").filter((call) => call.RoleArn === ACCESS_ROLE);
            // Each command of the run (the feedback's read of the deploy's files, then the tuning) takes its own session.
            assert.deepEqual(
                [...new Set(assumed.map((call) => `${call.RoleSessionName} ${call.ExternalId}`))],
                [`lambda-power-tuned-trusted ${EXTERNAL_ID}`],
            );
            // The model is one account: a session is told apart by its role and session name.
            const signer = (request: (typeof fake.requests)[number]) => fake.callerArn(request.accessKeyId).split(":").at(-1);
            const copySession = "assumed-role/power-tuned-pull-request-feedback-access/lambda-power-tuned-trusted";
            const byService = (service: string) => fake.requests.filter((request) => request.service === service);
            assert.ok(byService("lambda").length > 0 && byService("sfn").length > 0);
            for (const request of [...byService("lambda"), ...byService("sfn")])
                assert.equal(signer(request), copySession, `${request.service} ${request.operation}`);
            for (const request of byService("s3")) {
                const inCopies = (request.body as { Bucket?: string }).Bucket === COPY_BUCKET;
                assert.equal(
                    signer(request) === copySession,
                    inCopies,
                    `${request.operation} ${JSON.stringify(request.body)}: the copy bucket as the copy-account session, production's buckets as the build`,
                );
            }
            for (const request of [...byService("codecommit"), ...byService("cloudwatch")])
                assert.notEqual(signer(request), copySession, `${request.service} ${request.operation}`);
        });

        it("refuses half a copy account, or a role that is no role ARN, before any AWS call", async () => {
            const refused = [
                [
                    { [RUNNER_ENVIRONMENT.copyAccountExternalId]: "" },
                    /COPY_ACCOUNT_EXTERNAL_ID is ""; allowed: the external ID of arn:aws:iam::210987654321:role/,
                ],
                [
                    { [RUNNER_ENVIRONMENT.copyAccountRoleArn]: "" },
                    /COPY_ACCOUNT_ROLE_ARN is ""; allowed: an IAM role ARN of the copies' own account/,
                ],
                [
                    { [RUNNER_ENVIRONMENT.copyAccountRoleArn]: "arn:aws:iam::210987654321:user/someone" },
                    /COPY_ACCOUNT_ROLE_ARN is "arn:aws:iam::210987654321:user\/someone"; allowed: an IAM role ARN/,
                ],
            ] as const;
            await refusedBeforeAnyAwsCall(refused, (override) => feedbackWorkspace().run(FEEDBACK, copyAccountEnv(override), fake));
        });
    });

    describe("pull-request-sweep", () => {
        const SWEEP = [
            "pull-request-sweep",
            "--state-uri",
            "s3://power-tuned-state-1a2b/pull-requests/",
            "--protect-prefix",
            "power-tuned",
            "--report",
            "sweep-report.json",
        ];
        const scheduledEnv = {
            [RUNNER_ENVIRONMENT.pullRequestNamePrefix]: "pr-power-tuned",
            [RUNNER_ENVIRONMENT.pullRequestWorkflowArn]:
                "arn:aws:states:us-east-1:123456789012:stateMachine:power-tuned-pull-request-workflow",
            [RUNNER_ENVIRONMENT.pullRequestCopyTtlHours]: "6",
            [RUNNER_ENVIRONMENT.repositoryName]: "TargetLambdaFunctionRepository",
        };
        const followUpEnv = {
            ...scheduledEnv,
            PULL_REQUEST_ID: "7",
            SOURCE_COMMIT: "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080",
            DESTINATION_COMMIT: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
        };

        it("on the schedule (no pull request named): the whole namespace but what running executions own, older than the TTL, commenting nowhere", () => {
            const sweep = parseCommandLine(SWEEP, scheduledEnv);
            assert.ok(sweep.kind === "sweep");
            assert.deepEqual(
                [
                    sweep.args.namePrefix,
                    sweep.args.ownerWorkflowArn,
                    sweep.args.olderThanHours,
                    sweep.args.state,
                    sweep.args.protectPrefix,
                    sweep.args.pullRequest,
                ],
                [
                    "pr-power-tuned",
                    scheduledEnv.PULL_REQUEST_WORKFLOW_ARN,
                    6,
                    { bucket: "power-tuned-state-1a2b", prefix: "pull-requests" },
                    "power-tuned",
                    undefined,
                ],
            );
        });

        it("after a destroy: exactly the named copy and its state, whatever their age, commenting on its pull request", () => {
            const sweep = parseCommandLine(SWEEP, followUpEnv);
            assert.ok(sweep.kind === "sweep");
            assert.deepEqual(
                [
                    sweep.args.namePrefix,
                    sweep.args.ownerWorkflowArn,
                    sweep.args.olderThanHours,
                    sweep.args.state,
                    sweep.args.pullRequest?.pullRequestId,
                ],
                [COPY_PREFIX, undefined, 0, { bucket: "power-tuned-state-1a2b", prefix: `pull-requests/${COPY_PREFIX}` }, "7"],
            );
        });

        it("refuses to start on values the workflow would never send after a destroy", async () => {
            const refused = [
                [
                    { PULL_REQUEST_ID: "7*" },
                    /PULL_REQUEST_ID is "7\*"; allowed: a positive whole number of at most 16 digits, or empty on the schedule/,
                ],
                [{ PULL_REQUEST_ID: "12345678901234567" }, /PULL_REQUEST_ID is "12345678901234567"; allowed: a positive whole number/],
                [{ SOURCE_COMMIT: "main" }, /SOURCE_COMMIT is "main"; allowed: a full 40-character lowercase commit id/],
                [{ DESTINATION_COMMIT: "" }, /needs all four .* missing --destination-commit/],
            ] as const;
            await refusedBeforeAnyAwsCall(refused, (override) => new RunnerWorkspace({}).run(SWEEP, { ...followUpEnv, ...override }, fake));
        });
    });
});
