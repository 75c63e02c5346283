// The trusted step of the pull-request flow end to end: the built bundle as a child process, run
// the way that step runs it — no checkout, only the untrusted step's plan.json and outputs.json —
// against FakeAws, which records the access key of every request. It proves who does what:
// comments and approvals by the pull-request bot's fixed session, everything else with the build's
// own credentials, settings from the destination commit, functions only from the PR namespace.
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PULL_REQUEST_BOT_SESSION_NAME, RUNNER_ENVIRONMENT } from "../../buildscripts/contract";
import { BUILD_ACCESS_KEY_ID, FakeAws } from "../support/fake-aws";
import { RunnerWorkspace, TEST_PULL_REQUEST as PULL_REQUEST } from "../support/runner-process";
import { freshPullRequestForEachTest, PULL_REQUEST_REVISION as REVISION } from "../support/tune-scenario";
import { readFixtureText } from "../fixtures";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
const NAME_PREFIX = "pr-power-tuned";
const DIGEST = `arn:aws:lambda:us-east-1:123456789012:function:${NAME_PREFIX}-digest-pr-7-3f2a9c1`;
const PRODUCTION_BILLING = "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-billing";
const BOT_ROLE = "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-bot";
const BOT_AUTHOR = `arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-bot/${PULL_REQUEST_BOT_SESSION_NAME}`;
const HISTORY_URI = "s3://power-tuned-artifacts-1a2b/tuning-history/";
const SOURCE = PULL_REQUEST.sourceCommit;
const DESTINATION = PULL_REQUEST.destinationCommit;
const PLAN = readFixtureText("terraform/plan-add-update-replace-delete.json");
const TERRAFORM_DIR = join(__dirname, "..", "..", "terraform-lambda");

/** The settings of the branch the pull request merges into, and the ones the pull request would like. */
const MAIN_INPUT = { powerValues: [128, 256, 512, 1024], num: 10, strategy: "cost" };
const PR_INPUT = { powerValues: [10240], num: 5, payload: { chosenBy: "the pull request" } };
const PASSING_POLICY = { requireConfiguredMemoryWithinPercent: 5, failOnTuningError: true };
const STRICT_POLICY = { requireConfiguredMemoryWithinPercent: 1 };

/** terraform-lambda/'s *.tf files, with `memoryDefault` as variables.tf's memory_size default. */
function terraformFiles(memoryDefault: number): Record<string, string> {
    const files = readdirSync(TERRAFORM_DIR).filter((name) => name.endsWith(".tf"));
    const text = (name: string) => readFileSync(join(TERRAFORM_DIR, name), "utf8");
    return Object.fromEntries(files.map((name) => [name, name === "variables.tf" ? text(name).replace("default     = 128", `default     = ${memoryDefault}`) : text(name)]));
}

/** A commit's tree: the Terraform files and, unless left out, the tuning input and policy. */
function tree(memoryDefault: number, settings: { input?: object; policy?: object }): Record<string, string> {
    return {
        ...terraformFiles(memoryDefault),
        ...(settings.input === undefined ? {} : { "power-tuning-input.json": JSON.stringify(settings.input) }),
        ...(settings.policy === undefined ? {} : { "power-tuning-policy.json": JSON.stringify(settings.policy) }),
    };
}

const output = (value: unknown) => ({ sensitive: false, type: typeof value === "string" ? "string" : ["map", "string"], value });
const OUTPUTS = { arn: output(DIGEST), functions: output({ digest: DIGEST }) };

/** What the untrusted step leaves for the trusted one: no checkout, just its plan and outputs. */
function trustedWorkspace(outputs: object = OUTPUTS): RunnerWorkspace {
    return new RunnerWorkspace({ "plan.json": PLAN, "outputs.json": JSON.stringify(outputs) });
}

/** The trusted project's environment. */
function trustedEnv(fake: FakeAws): NodeJS.ProcessEnv {
    return fake.env({
        STATE_MACHINE_ARN: STATE_MACHINE,
        REPOSITORY_NAME: PULL_REQUEST.repositoryName,
        PULL_REQUEST_ID: PULL_REQUEST.pullRequestId,
        SOURCE_COMMIT: SOURCE,
        DESTINATION_COMMIT: DESTINATION,
        TUNING_HISTORY_URI: HISTORY_URI,
        [RUNNER_ENVIRONMENT.pullRequestNamePrefix]: NAME_PREFIX,
        [RUNNER_ENVIRONMENT.pullRequestBotRoleArn]: BOT_ROLE,
        CODEBUILD_BUILD_ID: "power-tuned-pull-request-trusted:0b5c4f3e-2d1a-4c7b-9e8f-1a2b3c4d5e6f",
        CODEBUILD_BUILD_URL: "",
    });
}

const PLAN_COMMENT = ["plan-comment", "--plan", "plan.json"];
const TUNE = ["tune", "--terraform-outputs", "outputs.json", "--settings-from-repository", "--results", "power-tuning-results.json", "--history", HISTORY_URI];

/** The calls that speak for the pull request's reviewers: comments and approvals. */
const BOT_OPERATIONS = new Set(["GetCommentsForPullRequest", "PostCommentForPullRequest", "UpdateComment", "GetPullRequest", "UpdatePullRequestApprovalState"]);

describe("the trusted pull-request step, run as the bundled CLI against the AWS wire protocols", function () {
    this.timeout(60_000);
    let fake: FakeAws;

    // The digest copy tunes to the cost fixture: 256 MB recommended, 1.78 % dearer at its 128 MB.
    freshPullRequestForEachTest(DIGEST, (started) => {
        fake = started;
        fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(128, { input: MAIN_INPUT, policy: PASSING_POLICY }));
        fake.setCommit(PULL_REQUEST.repositoryName, SOURCE, tree(128, { input: PR_INPUT, policy: {} }));
    });

    const filesRead = (operation: "GetFile" | "GetFolder") =>
        fake.calls(operation).map((call) => `${call.commitSpecifier === DESTINATION ? "destination" : call.commitSpecifier === SOURCE ? "source" : call.commitSpecifier}:${call.filePath ?? call.folderPath}`);

    describe("identities", () => {
        it("comments and approves as the bot's fixed session; tunes, reads the repository and the history with the build's credentials", async () => {
            const work = trustedWorkspace();
            const planComment = await work.run(PLAN_COMMENT, trustedEnv(fake));
            assert.equal(planComment.code, 0, planComment.stderr);
            const tune = await work.run(TUNE, trustedEnv(fake));
            assert.equal(tune.code, 0, tune.stderr);

            assert.deepEqual(
                fake.assumedRoles.map(({ roleArn, roleSessionName, callerAccessKeyId }) => ({ roleArn, roleSessionName, callerAccessKeyId })),
                [1, 2].map(() => ({ roleArn: BOT_ROLE, roleSessionName: PULL_REQUEST_BOT_SESSION_NAME, callerAccessKeyId: BUILD_ACCESS_KEY_ID })),
                "one AssumeRole per run, with the fixed session name",
            );
            const botKeys = new Set(fake.assumedRoles.map((session) => session.accessKeyId));
            for (const request of fake.requests) {
                const expected = BOT_OPERATIONS.has(request.operation) ? "the bot" : "the build";
                const actual = botKeys.has(request.accessKeyId!) ? "the bot" : request.accessKeyId === BUILD_ACCESS_KEY_ID ? "the build" : request.accessKeyId;
                assert.equal(actual, expected, `${request.operation} was made by ${actual}`);
            }
            const operations = new Set(fake.requests.map((request) => request.operation));
            for (const operation of [...BOT_OPERATIONS, "StartExecution", "DescribeExecution", "GetFile", "GetFolder", "GetFunctionConfiguration", "PutObject"]) {
                assert.ok(operations.has(operation), `${operation} was called`);
            }
        });

        it("keeps one living comment across builds: each build's new session has the same author, who may update it", async () => {
            const work = trustedWorkspace();
            await work.run(PLAN_COMMENT, trustedEnv(fake));
            await work.run(TUNE, trustedEnv(fake));
            assert.notEqual(fake.assumedRoles[0].accessKeyId, fake.assumedRoles[1].accessKeyId, "two builds, two sessions");
            assert.equal(fake.comments.length, 1);
            assert.equal(fake.comments[0].authorArn, BOT_AUTHOR);
            assert.equal(fake.calls("UpdateComment").length, 1);
            assert.deepEqual(fake.approvals, [{ pullRequestId: "7", revisionId: REVISION, approvalState: "APPROVE" }]);
        });

        it("still writes the results, exits 1 and names the failure when the bot role cannot be assumed, never falling back to the build's credentials", async () => {
            const denied = `User: arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-trusted/AWSCodeBuild-0b5c is not authorized to perform: sts:AssumeRole on resource: ${BOT_ROLE}`;
            fake.failNext("AssumeRole", 20, { status: 403, type: "AccessDenied", message: denied });
            const work = trustedWorkspace();
            const run = await work.run(TUNE, trustedEnv(fake));
            assert.equal(run.code, 1, run.stderr);
            assert.deepEqual(work.readJson("power-tuning-results.json").functions.map((fn: { name: string; status: string }) => [fn.name, fn.status]), [["digest", "succeeded"]]);
            assert.ok(run.stderr.includes(`AssumeRole of ${BOT_ROLE} as session ${PULL_REQUEST_BOT_SESSION_NAME} failed: AccessDenied: ${denied}`), run.stderr);
            assert.match(run.stderr, /error: PostCommentForPullRequest failed: AssumeRoleError: AssumeRole of/);
            assert.equal(fake.requests.filter((request) => BOT_OPERATIONS.has(request.operation)).length, 0, "no comment or approval call under any identity");
            assert.match(run.stdout, /Quality gate/, "the Markdown still goes to the build log");
        });
    });

    describe("settings from the destination commit", () => {
        it("judges by the destination branch's policy and input: the pull request's {} policy and its own input change nothing", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(512, { input: MAIN_INPUT, policy: STRICT_POLICY }));
            const work = trustedWorkspace();
            // Even files of the pull request in the working directory are not read.
            work.write("power-tuning-policy.json", "{}");
            work.write("power-tuning-input.json", JSON.stringify(PR_INPUT));
            const run = await work.run(TUNE, trustedEnv(fake));

            assert.equal(run.code, 1, run.stderr);
            assert.deepEqual(fake.approvals, [{ pullRequestId: "7", revisionId: REVISION, approvalState: "REVOKE" }]);
            const started = JSON.parse(fake.calls("StartExecution")[0].input);
            assert.deepEqual([started.powerValues, started.num, started.payload], [MAIN_INPUT.powerValues, MAIN_INPUT.num, undefined]);
            const content = fake.comments[0].content;
            assert.match(content, /Rules from `power-tuning-policy\.json` on the destination branch \(`9c1d2e3`\): the configured memory at most 1 % dearer than the recommended\./);
            assert.match(content, /\| `digest` \| cost at the configured memory above the recommended \(`requireConfiguredMemoryWithinPercent`\) \| \+1\.78 % \| 1 % \|/);
            assert.deepEqual(filesRead("GetFile").filter((read) => read.includes("power-tuning")).sort(), [
                "destination:power-tuning-input.json",
                "destination:power-tuning-policy.json",
            ]);
        });

        it("suggests the memory change in the pull request's own *.tf files, read at the source commit", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(512, { input: MAIN_INPUT, policy: STRICT_POLICY }));
            await trustedWorkspace().run(TUNE, trustedEnv(fake));
            const content = fake.comments[0].content;
            assert.match(content, /`variables\.tf` line \d+ \(reached from `main\.tf:\d+` → `functions\.tf:\d+`\):\n```diff\n-  default     = 128\n\+  default     = 256\n```/);
            assert.doesNotMatch(content, /the Terraform files set 512 MB/, "not the destination's files");
            assert.deepEqual(filesRead("GetFolder"), ["source:/"]);
            assert.ok(filesRead("GetFile").filter((read) => read.endsWith(".tf")).every((read) => read.startsWith("source:")));
        });

        it("turns the gate off and says why when the destination branch has no policy, whatever policy the pull request adds", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(128, { input: MAIN_INPUT }));
            fake.setCommit(PULL_REQUEST.repositoryName, SOURCE, tree(128, { input: PR_INPUT, policy: PASSING_POLICY }));
            const run = await trustedWorkspace().run(TUNE, trustedEnv(fake));
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.calls("UpdatePullRequestApprovalState").length, 0);
            assert.match(
                fake.comments[0].content,
                /### ⚪ Quality gate off\n\nThe destination branch has no `power-tuning-policy\.json` \(at `9c1d2e3`; the pull request's own copy is not used\), so nothing was checked\. The build does not approve the pull request either/,
            );
        });

        it("refuses a tuning input missing from, or invalid at, the destination commit with exit 2 naming <commit>:<path>, before any tuning", async () => {
            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, tree(128, { policy: PASSING_POLICY }));
            const missing = await trustedWorkspace().run(TUNE, trustedEnv(fake));
            assert.equal(missing.code, 2, missing.stderr);
            assert.ok(missing.stderr.includes(`error: ${DESTINATION}:power-tuning-input.json is missing (the pull request's destination commit has no such file)`), missing.stderr);

            fake.setCommit(PULL_REQUEST.repositoryName, DESTINATION, { ...tree(128, { policy: PASSING_POLICY }), "power-tuning-input.json": '{\n  "num": 10,\n}' });
            const invalid = await trustedWorkspace().run(TUNE, trustedEnv(fake));
            assert.equal(invalid.code, 2, invalid.stderr);
            assert.ok(invalid.stderr.includes(`error: ${DESTINATION}:power-tuning-input.json: invalid JSON at line 3, column 1`), invalid.stderr);
            assert.deepEqual([fake.calls("StartExecution").length, fake.comments.length], [0, 0]);
        });
    });

    describe("the pull-request namespace", () => {
        it("refuses an output naming a function outside it with exit 2, before any AWS request", async () => {
            const work = trustedWorkspace({ ...OUTPUTS, functions: output({ digest: DIGEST, billing: PRODUCTION_BILLING }) });
            const run = await work.run(TUNE, trustedEnv(fake));
            assert.equal(run.code, 2, run.stderr);
            assert.ok(
                run.stderr.includes(
                    `error: outputs.json: output "functions" key "billing" is "${PRODUCTION_BILLING}" (the function "power-tuned-billing" is outside the pull-request namespace); allowed: functions named ${NAME_PREFIX}-…, the prefix given by --allowed-name-prefix (env PULL_REQUEST_NAME_PREFIX)`,
                ),
                run.stderr,
            );
            assert.deepEqual(fake.requests, []);
            assert.throws(() => work.read("power-tuning-results.json"), /ENOENT/);
        });
    });
});
