// The buildspecs of the trusted pull-request builds (feedback, sweep) and of the pipeline. Besides
// reading their YAML, these tests RUN them (tests/support/build-run.ts), so "a failed tuning still keeps
// the results and fails the build" is checked as behaviour.
import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { parseCommandLine } from "../../buildscripts/tuning-runner/cli";
import { pullRequestDeployBuildspec, pullRequestFeedbackBuildspec, pullRequestSweepBuildspec, RUNNER_PATH, terraformApplyBuildspec, terraformDestroyBuildspec, terraformPlanBuildspec } from "../../components/buildspecs";
import { APPLY_BUILD_ENV, ARTIFACT_BUCKET, backend, type BuildRun, BUILDSPECS, DEPLOY_BUILD_ARN, DEPLOY_BUILD_ENV, EXECUTION_ARN, FEEDBACK_BUILD_ARN, FEEDBACK_BUILD_ENV, FOLLOW_UP_SWEEP_ENV, HISTORY_URI, phaseStatus, PIPELINE_BUILD_ENV, PRODUCTION_STATE_KEY, PULL_REQUEST, RELEASE, runBuild, RUNNER_S3_URI, SCHEDULED_SWEEP_ENV, STATE_BUCKET, workCalls } from "../support/build-run";

describe("buildspecs: the trusted builds and the pipeline", () => {
    describe("pull-request feedback (trusted)", () => {
        const buildspec = pullRequestFeedbackBuildspec;
        const runnerCalls = (run: BuildRun) => run.argvs.filter((argv) => argv[0] === "node" && argv[1] === RUNNER_PATH).map((argv) => argv.slice(2));
        const download = `aws s3 cp --recursive s3://${ARTIFACT_BUCKET}/pull-request-builds/${DEPLOY_BUILD_ARN}/ /tmp/deploy-build/ --exclude * --include plan.json --include outputs.json`;
        const TUNE = `node ${RUNNER_PATH} tune --terraform-outputs /tmp/deploy-build/outputs.json --settings-from-repository --results /tmp/power-tuning-results.json --history ${HISTORY_URI} --concurrency auto`;
        const EXECUTION_URL = `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ARN}`;

        it("runs in bash with Node 22, without source: it has no checkout", () => {
            const spec = parseYaml(buildspec());
            assert.equal(spec.env.shell, "bash");
            assert.deepEqual(spec.phases.install["runtime-versions"], { nodejs: "22" });
        });

        it("verifies the runner's SHA-256, reads the deploy's plan and outputs as data, comments the plan, tunes, and keeps the results under its own prefix", () => {
            const run = runBuild(buildspec(), FEEDBACK_BUILD_ENV);
            assert.equal(run.succeeded, true);
            assert.deepEqual(workCalls(run), [
                `aws s3 cp ${RUNNER_S3_URI} ${RUNNER_PATH}`,
                `node ${RUNNER_PATH} --version`,
                download,
                `node ${RUNNER_PATH} plan-comment --plan /tmp/deploy-build/plan.json`,
                TUNE,
                `aws s3 cp /tmp/power-tuning-results.json s3://${ARTIFACT_BUCKET}/pull-request-builds/${FEEDBACK_BUILD_ARN}/`,
            ]);
        });

        it("stops before node ever runs when the downloaded runner does not match its SHA-256", () => {
            const run = runBuild(buildspec(), FEEDBACK_BUILD_ENV, { runner: "tampered runner" });
            assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }]);
            assert.ok(!run.calls.some((call) => call.startsWith("node ")), run.calls.join("\n"));
        });

        it("never reads a file of a checkout: repository files in its working directory change nothing", () => {
            const poisoned = { "power-tuning-policy.json": "{}", "power-tuning-input.json": '{"num": 5}', "plan.json": "{}", "outputs.json": "{}", "main.tf": "" };
            const clean = runBuild(buildspec(), FEEDBACK_BUILD_ENV);
            const withFiles = runBuild(buildspec(), FEEDBACK_BUILD_ENV, { files: poisoned });
            assert.deepEqual(withFiles.calls, clean.calls);
            for (const argv of runnerCalls(withFiles)) {
                for (const argument of argv) assert.ok(!Object.keys(poisoned).includes(argument), `the runner got ${argument}`);
                assert.ok(!argv.includes("--policy") && !argv.includes("--input") && !argv.includes("--terraform-dir"), argv.join(" "));
            }
        });

        it("still keeps the results file, and fails, when tuning fails", () => {
            const run = runBuild(buildspec(), FEEDBACK_BUILD_ENV, { fail: ["tuning-runner.js tune"] });
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", pre_build: "SUCCEEDED", build: "FAILED" });
            assert.equal(run.calls.at(-1), `aws s3 cp /tmp/power-tuning-results.json s3://${ARTIFACT_BUCKET}/pull-request-builds/${FEEDBACK_BUILD_ARN}/`);
        });

        it("after a failed deploy: comments the plan it has, says the copy was not deployed, and tunes nothing", () => {
            const run = runBuild(buildspec(), { ...FEEDBACK_BUILD_ENV, DEPLOY_OUTCOME: "FAILED" }, { s3Files: ["plan.json"] });
            assert.equal(run.succeeded, true);
            assert.deepEqual(runnerCalls(run).slice(1), [["plan-comment", "--plan", "/tmp/deploy-build/plan.json", "--deploy-failed", EXECUTION_URL]]);
        });

        it("after a deploy that failed before planning, or never started: comments only that the copy was not deployed", () => {
            for (const env of [{ DEPLOY_OUTCOME: "FAILED" }, { DEPLOY_OUTCOME: "FAILED", DEPLOY_BUILD_ARN: "" }]) {
                const run = runBuild(buildspec(), { ...FEEDBACK_BUILD_ENV, ...env }, { s3Files: [] });
                assert.equal(run.succeeded, true, JSON.stringify(env));
                assert.deepEqual(runnerCalls(run).slice(1), [["plan-comment", "--deploy-failed", EXECUTION_URL]], JSON.stringify(env));
            }
        });

        it("sets the runner's pull-request namespace and bot from its project, and passes the PR through the environment", () => {
            const run = runBuild(buildspec(), FEEDBACK_BUILD_ENV);
            const [, planComment, tune] = runnerCalls(run).map((argv) => parseCommandLine(argv, FEEDBACK_BUILD_ENV));
            const pullRequest = {
                repositoryName: FEEDBACK_BUILD_ENV.REPOSITORY_NAME,
                pullRequestId: "7",
                sourceCommit: PULL_REQUEST.SOURCE_COMMIT,
                destinationCommit: PULL_REQUEST.DESTINATION_COMMIT,
            };
            assert.ok(planComment.kind === "plan-comment");
            assert.deepEqual(planComment.args.pullRequest, pullRequest);
            assert.equal(planComment.args.commentRoleArn, FEEDBACK_BUILD_ENV.PULL_REQUEST_BOT_ROLE_ARN);
            assert.ok(tune.kind === "tune");
            assert.deepEqual(tune.args.pullRequest, pullRequest);
            assert.equal(tune.args.settingsFromRepository, true);
            assert.equal(tune.args.allowedNamePrefix, FEEDBACK_BUILD_ENV.PULL_REQUEST_NAME_PREFIX);
            assert.equal(tune.args.commentRoleArn, FEEDBACK_BUILD_ENV.PULL_REQUEST_BOT_ROLE_ARN);
            assert.equal(tune.args.stateMachineArn, FEEDBACK_BUILD_ENV.STATE_MACHINE_ARN);
            assert.deepEqual(tune.args.history, { bucket: ARTIFACT_BUCKET, prefix: "tuning-history" });
            assert.equal(tune.args.concurrency, "auto", "as many functions at once as the account's Lambda concurrency allows");
        });

        it("calls plan-comment after a failed deploy with flags the runner's parser accepts", () => {
            for (const s3Files of [["plan.json"], []]) {
                const run = runBuild(buildspec(), { ...FEEDBACK_BUILD_ENV, DEPLOY_OUTCOME: "FAILED" }, { s3Files });
                const [, planComment] = runnerCalls(run).map((argv) => parseCommandLine(argv, FEEDBACK_BUILD_ENV));
                assert.ok(planComment.kind === "plan-comment");
                assert.equal(planComment.args.deployFailedUrl, EXECUTION_URL);
                assert.equal(planComment.args.planFile, s3Files.length === 0 ? undefined : "/tmp/deploy-build/plan.json");
            }
        });

        it("refuses to start on values the workflow would never send", () => {
            for (const override of [{ DEPLOY_OUTCOME: "MAYBE" }, { DEPLOY_BUILD_ARN: "" }, { DEPLOY_BUILD_ARN: "x; rm -rf /" }, { DESTINATION_COMMIT: "main" }]) {
                const run = runBuild(buildspec(), { ...FEEDBACK_BUILD_ENV, ...override });
                assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }], JSON.stringify(override));
                assert.deepEqual(run.calls, [], JSON.stringify(override));
            }
        });
    });

    describe("pull-request sweep (trusted)", () => {
        const buildspec = pullRequestSweepBuildspec;
        const runnerCalls = (run: BuildRun) => run.argvs.filter((argv) => argv[0] === "node" && argv[1] === RUNNER_PATH).map((argv) => argv.slice(2));
        const keepReport = `aws s3 cp /tmp/sweep-report.json s3://${ARTIFACT_BUCKET}/pull-request-builds/${SCHEDULED_SWEEP_ENV.CODEBUILD_BUILD_ARN}/`;

        it("runs in bash with Node 22, and stops before node ever runs when the downloaded runner does not match its SHA-256", () => {
            assert.deepEqual(parseYaml(buildspec()).phases.install["runtime-versions"], { nodejs: "22" });
            const run = runBuild(buildspec(), SCHEDULED_SWEEP_ENV, { runner: "tampered runner" });
            assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }]);
            assert.ok(!run.calls.some((call) => call.startsWith("node ")), run.calls.join("\n"));
        });

        it("on its schedule sweeps the whole namespace older than the TTL, production protected, and keeps the report under its own prefix", () => {
            const run = runBuild(buildspec(), SCHEDULED_SWEEP_ENV);
            assert.equal(run.succeeded, true);
            assert.deepEqual(workCalls(run), [
                `aws s3 cp ${RUNNER_S3_URI} ${RUNNER_PATH}`,
                `node ${RUNNER_PATH} --version`,
                `node ${RUNNER_PATH} sweep --name-prefix pr-power-tuned --owner-workflow ${SCHEDULED_SWEEP_ENV.PULL_REQUEST_WORKFLOW_ARN} --older-than 6 --state-uri s3://${STATE_BUCKET}/pull-requests/ --protect-prefix power-tuned --report /tmp/sweep-report.json`,
                keepReport,
            ]);
            const [sweep] = runnerCalls(run).slice(1).map((argv) => parseCommandLine(argv, SCHEDULED_SWEEP_ENV));
            assert.ok(sweep.kind === "sweep");
            assert.equal(sweep.args.pullRequest, undefined, "a scheduled run names no pull request, so it comments nowhere");
        });

        it("after a destroy sweeps exactly the copy the deploy named, whatever its age, and the copy's state, commenting as the bot", () => {
            const run = runBuild(buildspec(), FOLLOW_UP_SWEEP_ENV);
            assert.equal(run.succeeded, true);
            const [sweep] = runnerCalls(run).slice(1).map((argv) => parseCommandLine(argv, FOLLOW_UP_SWEEP_ENV));
            assert.ok(sweep.kind === "sweep");
            // The copy's names are <name_prefix>-<name_suffix>-… as the deploy passed them to Terraform.
            const deploy = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV).argvs;
            const apply = deploy.find((argv) => argv[0] === "terraform" && argv[1] === "apply")!;
            const variable = (name: string) => apply.find((argument) => argument.startsWith(`${name}=`))!.slice(name.length + 1);
            assert.equal(sweep.args.namePrefix, `${variable("name_prefix")}-${variable("name_suffix")}`);
            // The copy's state is the object the deploy's Terraform wrote (its second init's backend key).
            const copyStateKey = deploy.filter((argv) => argv[0] === "terraform" && argv[1] === "init")[1].find((argument) => argument.startsWith("-backend-config=key="))!.slice("-backend-config=key=".length);
            assert.deepEqual(
                [sweep.args.olderThanHours, sweep.args.state, sweep.args.protectPrefix],
                [0, { bucket: STATE_BUCKET, prefix: copyStateKey.replace(/\/terraform\.tfstate$/, "") }, "power-tuned"],
            );
            assert.deepEqual(sweep.args.pullRequest, { repositoryName: SCHEDULED_SWEEP_ENV.REPOSITORY_NAME, pullRequestId: "7", sourceCommit: PULL_REQUEST.SOURCE_COMMIT, destinationCommit: PULL_REQUEST.DESTINATION_COMMIT });
            assert.equal(sweep.args.commentRoleArn, SCHEDULED_SWEEP_ENV.PULL_REQUEST_BOT_ROLE_ARN);
            assert.deepEqual(sweep.args.scheduledSweep, { schedule: "rate(6 hours)", olderThanHours: 6 });
            assert.equal(run.calls.at(-1), keepReport);
        });

        it("still keeps the report, and fails, when the sweep could not remove everything", () => {
            const run = runBuild(buildspec(), FOLLOW_UP_SWEEP_ENV, { fail: ["tuning-runner.js sweep"] });
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", build: "FAILED" });
            assert.equal(run.calls.at(-1), keepReport);
        });

        it("refuses to start on values the workflow would never send after a destroy", () => {
            for (const override of [{ DEPLOY_BUILD_ARN: "" }, { DEPLOY_BUILD_ARN: "x; rm -rf /" }, { SOURCE_COMMIT: "main" }, { PULL_REQUEST_ID: "7*" }, { PULL_REQUEST_ID: "12345678901234567" }]) {
                const run = runBuild(buildspec(), { ...FOLLOW_UP_SWEEP_ENV, ...override });
                assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }], JSON.stringify(override));
                assert.deepEqual(run.calls, [], JSON.stringify(override));
            }
        });
    });

    describe("pipeline builds", () => {
        it("plan: plans production into tfplan and hands on tfplan, .terraform.lock.hcl and the sources, without .terraform/", () => {
            const run = runBuild(terraformPlanBuildspec(RELEASE), PIPELINE_BUILD_ENV);
            assert.equal(run.succeeded, true);
            assert.deepEqual(workCalls(run), [`terraform init ${backend(PRODUCTION_STATE_KEY)}`, "terraform plan -out=tfplan"]);
            assert.deepEqual(parseYaml(terraformPlanBuildspec(RELEASE)).artifacts, {
                files: ["**/*"],
                "exclude-paths": [".terraform/**/*"],
            });
        });

        const RECORD = `node ${RUNNER_PATH} record --terraform-outputs outputs.json --input power-tuning-input.json --history ${APPLY_BUILD_ENV.TUNING_HISTORY_URI} --source-commit ${APPLY_BUILD_ENV.DEPLOYED_COMMIT}`;

        it("apply: records nothing with a runner whose SHA-256 does not match, and the deployment still succeeds", () => {
            const run = runBuild(terraformApplyBuildspec(RELEASE), APPLY_BUILD_ENV, { runner: "tampered runner" });
            assert.equal(run.succeeded, true);
            assert.ok(run.calls.includes("terraform apply tfplan"));
            assert.ok(!run.calls.some((call) => call.startsWith("node ")), run.calls.join("\n"));
        });

        it("apply: applies exactly the plan file from the artifact, with the artifact's lock file read-only, then records production's fingerprints", () => {
            const run = runBuild(terraformApplyBuildspec(RELEASE), APPLY_BUILD_ENV);
            assert.equal(run.succeeded, true);
            assert.deepEqual(workCalls(run), [
                `terraform init -lockfile=readonly ${backend(PRODUCTION_STATE_KEY)}`,
                "terraform apply tfplan",
                `aws s3 cp ${APPLY_BUILD_ENV.TUNING_RUNNER_S3_URI} ${RUNNER_PATH}`,
                "terraform output -json",
                RECORD,
            ]);
            assert.deepEqual(parseYaml(terraformApplyBuildspec(RELEASE)).phases.install["runtime-versions"], { nodejs: "22" });
        });

        it("apply: calls record with flags its command line accepts, the commit the pipeline passes as DEPLOYED_COMMIT", () => {
            const run = runBuild(terraformApplyBuildspec(RELEASE), APPLY_BUILD_ENV);
            const [record] = run.argvs.filter((argv) => argv[0] === "node").map((argv) => parseCommandLine(argv.slice(2), APPLY_BUILD_ENV));
            assert.ok(record.kind === "record");
            assert.equal(record.args.terraformOutputsFile, "outputs.json");
            assert.equal(record.args.inputFile, "power-tuning-input.json");
            assert.deepEqual(record.args.history, { bucket: "lambda-power-tuned-artifacts-0a1b2c3d", prefix: "tuning-history" });
            assert.equal(record.args.commit, APPLY_BUILD_ENV.DEPLOYED_COMMIT);
        });

        it("apply: a deployment whose fingerprints could not be recorded still succeeds (the approved plan cannot be applied twice)", () => {
            for (const failing of ["aws s3 cp", "tuning-runner.js record"]) {
                const run = runBuild(terraformApplyBuildspec(RELEASE), APPLY_BUILD_ENV, { fail: [failing] });
                assert.equal(run.succeeded, true, failing);
                assert.ok(run.calls.includes("terraform apply tfplan"), failing);
                assert.equal(run.calls.includes(RECORD), failing !== "aws s3 cp", failing);
            }
        });

        it("apply: does not apply when init cannot honour the lock file, and records nothing", () => {
            const run = runBuild(terraformApplyBuildspec(RELEASE), APPLY_BUILD_ENV, { fail: ["terraform init"] });
            assert.equal(run.succeeded, false);
            assert.ok(!run.calls.some((call) => call.startsWith("terraform apply") || call.startsWith("node")));
        });

        it("apply: records nothing when the apply fails", () => {
            const run = runBuild(terraformApplyBuildspec(RELEASE), APPLY_BUILD_ENV, { fail: ["terraform apply"] });
            assert.equal(run.succeeded, false);
            assert.ok(!run.calls.some((call) => call.startsWith("node") || call.startsWith("aws")));
        });

        it("destroy: destroys what production's state holds, without a prompt", () => {
            const run = runBuild(terraformDestroyBuildspec(RELEASE), PIPELINE_BUILD_ENV);
            assert.equal(run.succeeded, true);
            assert.deepEqual(workCalls(run), [`terraform init ${backend(PRODUCTION_STATE_KEY)}`, "terraform destroy -auto-approve"]);
        });

        it("run Terraform without prompts, in automation mode, and without any cache of the pull requests'", () => {
            for (const [name, [buildspec]] of Object.entries(BUILDSPECS)) {
                const spec = parseYaml(buildspec(RELEASE));
                const pullRequestBuild = name.startsWith("pull-request");
                assert.deepEqual(spec.env.variables, { TF_INPUT: "false", TF_IN_AUTOMATION: "true", ...(pullRequestBuild ? { TF_PLUGIN_CACHE_DIR: "/tmp/terraform-cache/providers" } : {}) }, name);
                assert.equal(spec.cache !== undefined, pullRequestBuild, name);
            }
        });
    });
});
