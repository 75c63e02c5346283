// The buildspecs of the trusted pull-request builds (feedback, sweep) and of the pipeline. Besides
// reading their YAML, these tests RUN them (tests/support/build-run.ts), so "a failed tuning still keeps
// the results and fails the build" is checked as behaviour.
import { strict as assert } from "node:assert";
import { parse as parseYaml } from "yaml";
import { parseCommandLine } from "../../../buildscripts/tuning-runner/cli";
import { feedbackCommandLines, HANDED_ON_FILES } from "../../../buildscripts/tuning-runner/core/pullRequestSteps";
import {
    pullRequestDeployBuildspec,
    pullRequestDestroyBuildspec,
    pullRequestFeedbackBuildspec,
    pullRequestSourceHandOverBuildspec,
    pullRequestSweepBuildspec,
    RUNNER_PATH,
    terraformApplyBuildspec,
    terraformDestroyBuildspec,
    terraformPlanBuildspec,
} from "../../../components/build/buildspecs";
import {
    APPLY_BUILD_ENV,
    ARTIFACT_BUCKET,
    backend,
    type BuildRun,
    BUILDSPECS,
    DEPLOY_BUILD_ARN,
    DEPLOY_BUILD_ENV,
    EXECUTION_ARN,
    FEEDBACK_BUILD_ARN,
    FEEDBACK_BUILD_ENV,
    FOLLOW_UP_SWEEP_ENV,
    phaseStatus,
    PIPELINE_BUILD_ENV,
    PRODUCTION_STATE_KEY,
    PULL_REQUEST,
    RELEASE,
    runBuild,
    RUNNER_S3_URI,
    SCHEDULED_SWEEP_ENV,
    STATE_BUCKET,
    workCalls,
} from "../../support/build-run";

describe("buildspecs: the trusted builds and the pipeline", () => {
    describe("pull-request feedback (trusted)", () => {
        const buildspec = pullRequestFeedbackBuildspec;
        const runnerCalls = (run: BuildRun) =>
            run.argvs.filter((argv) => argv[0] === "node" && argv[1] === RUNNER_PATH).map((argv) => argv.slice(2));
        const FEEDBACK = `node ${RUNNER_PATH} pull-request-feedback --deploy-files /tmp/deploy-build --results /tmp/build-output/power-tuning-results.json`;
        const keepResults = `aws s3 cp --recursive /tmp/build-output/ s3://${ARTIFACT_BUCKET}/pull-request-builds/${FEEDBACK_BUILD_ARN}/`;

        it("runs in bash with Node 22, without source: it has no checkout", () => {
            const spec = parseYaml(buildspec());
            assert.equal(spec.env.shell, "bash");
            assert.deepEqual(spec.phases.install["runtime-versions"], { nodejs: "22" });
        });

        it("verifies the runner's SHA-256, runs the runner's feedback once, and keeps what it wrote under its own prefix", () => {
            const run = runBuild(buildspec(), FEEDBACK_BUILD_ENV);
            assert.equal(run.succeeded, true);
            assert.deepEqual(workCalls(run), [
                `aws s3 cp ${RUNNER_S3_URI} ${RUNNER_PATH}`,
                `node ${RUNNER_PATH} --version`,
                FEEDBACK,
                keepResults,
            ]);
        });

        it("stops before node ever runs when the downloaded runner does not match its SHA-256", () => {
            const run = runBuild(buildspec(), FEEDBACK_BUILD_ENV, { runner: "tampered runner" });
            assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }]);
            assert.ok(!run.calls.some((call) => call.startsWith("node ")), run.calls.join("\n"));
        });

        it("never reads a file of a checkout: repository files in its working directory change nothing", () => {
            const poisoned = {
                "power-tuning-policy.json": "{}",
                "power-tuning-input.json": '{"num": 5}',
                "plan.json": "{}",
                "outputs.json": "{}",
                "main.tf": "",
            };
            const clean = runBuild(buildspec(), FEEDBACK_BUILD_ENV);
            const withFiles = runBuild(buildspec(), FEEDBACK_BUILD_ENV, { files: poisoned });
            assert.deepEqual(withFiles.calls, clean.calls);
            const [, feedback] = runnerCalls(withFiles).map((argv) => parseCommandLine(argv, FEEDBACK_BUILD_ENV));
            assert.ok(feedback.kind === "pull-request-feedback");
            for (const argv of feedbackCommandLines(feedback.request.step, feedback.request, new Set(HANDED_ON_FILES))) {
                for (const argument of argv) assert.ok(!Object.keys(poisoned).includes(argument), `the runner got ${argument}`);
                assert.ok(!argv.includes("--policy") && !argv.includes("--input") && !argv.includes("--terraform-dir"), argv.join(" "));
            }
        });

        it("still keeps the results file, and fails, when tuning fails", () => {
            const run = runBuild(buildspec(), FEEDBACK_BUILD_ENV, { fail: ["tuning-runner.js pull-request-feedback"] });
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", build: "FAILED" });
            assert.equal(run.calls.at(-1), keepResults);
        });

        it("sets the runner's pull-request namespace and bot from its project, and passes the PR and the workflow's values through the environment", () => {
            const run = runBuild(buildspec(), FEEDBACK_BUILD_ENV);
            const [, feedback] = runnerCalls(run).map((argv) => parseCommandLine(argv, FEEDBACK_BUILD_ENV));
            assert.ok(feedback.kind === "pull-request-feedback");
            assert.deepEqual(feedback.request.step, {
                deployOutcome: "SUCCEEDED",
                handedOn: { bucket: ARTIFACT_BUCKET, prefix: `pull-request-builds/${DEPLOY_BUILD_ARN}/` },
            });
            const [planComment, tune] = feedbackCommandLines(feedback.request.step, feedback.request, new Set(HANDED_ON_FILES)).map(
                (argv) => parseCommandLine(argv, FEEDBACK_BUILD_ENV),
            );
            const pullRequest = {
                repositoryName: FEEDBACK_BUILD_ENV.REPOSITORY_NAME,
                pullRequestId: "7",
                sourceCommit: PULL_REQUEST.SOURCE_COMMIT,
                destinationCommit: PULL_REQUEST.DESTINATION_COMMIT,
            };
            assert.ok(planComment.kind === "plan-comment");
            assert.deepEqual(planComment.args.pullRequest, pullRequest);
            assert.equal(planComment.args.planFile, "/tmp/deploy-build/plan.json");
            assert.equal(planComment.args.commentRoleArn, FEEDBACK_BUILD_ENV.PULL_REQUEST_BOT_ROLE_ARN);
            assert.ok(tune.kind === "tune");
            assert.deepEqual(tune.args.pullRequest, pullRequest);
            assert.equal(tune.args.terraformOutputsFile, "/tmp/deploy-build/outputs.json");
            assert.equal(tune.args.resultsFile, "/tmp/build-output/power-tuning-results.json");
            assert.equal(tune.args.settingsFromRepository, true);
            assert.equal(tune.args.allowedNamePrefix, FEEDBACK_BUILD_ENV.PULL_REQUEST_NAME_PREFIX);
            assert.equal(tune.args.commentRoleArn, FEEDBACK_BUILD_ENV.PULL_REQUEST_BOT_ROLE_ARN);
            assert.equal(tune.args.stateMachineArn, FEEDBACK_BUILD_ENV.STATE_MACHINE_ARN);
            assert.deepEqual(tune.args.history, { bucket: ARTIFACT_BUCKET, prefix: "tuning-history" });
            assert.equal(tune.args.concurrency, "auto", "as many functions at once as the account's Lambda concurrency allows");
        });

        it("after a failed deploy, links the workflow execution the workflow passes", () => {
            const [, feedback] = runnerCalls(runBuild(buildspec(), FEEDBACK_BUILD_ENV)).map((argv) =>
                parseCommandLine(argv, { ...FEEDBACK_BUILD_ENV, DEPLOY_OUTCOME: "FAILED" }),
            );
            assert.ok(feedback.kind === "pull-request-feedback");
            assert.equal(
                feedback.request.step.deployFailedUrl,
                `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ARN}`,
            );
        });
    });

    describe("pull-request sweep (trusted)", () => {
        const buildspec = pullRequestSweepBuildspec;
        const runnerCalls = (run: BuildRun) =>
            run.argvs.filter((argv) => argv[0] === "node" && argv[1] === RUNNER_PATH).map((argv) => argv.slice(2));
        const keepReport = `aws s3 cp --recursive /tmp/build-output/ s3://${ARTIFACT_BUCKET}/pull-request-builds/${SCHEDULED_SWEEP_ENV.CODEBUILD_BUILD_ARN}/`;

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
                `node ${RUNNER_PATH} pull-request-sweep --state-uri s3://${STATE_BUCKET}/pull-requests/ --protect-prefix power-tuned --report /tmp/build-output/sweep-report.json`,
                keepReport,
            ]);
            const [sweep] = runnerCalls(run)
                .slice(1)
                .map((argv) => parseCommandLine(argv, SCHEDULED_SWEEP_ENV));
            assert.ok(sweep.kind === "sweep");
            assert.deepEqual(
                [
                    sweep.args.namePrefix,
                    sweep.args.ownerWorkflowArn,
                    sweep.args.olderThanHours,
                    sweep.args.state,
                    sweep.args.protectPrefix,
                    sweep.args.reportFile,
                ],
                [
                    "pr-power-tuned",
                    SCHEDULED_SWEEP_ENV.PULL_REQUEST_WORKFLOW_ARN,
                    6,
                    { bucket: STATE_BUCKET, prefix: "pull-requests" },
                    "power-tuned",
                    "/tmp/build-output/sweep-report.json",
                ],
            );
            assert.equal(sweep.args.pullRequest, undefined, "a scheduled run names no pull request, so it comments nowhere");
        });

        it("after a destroy sweeps exactly the copy the deploy named, whatever its age, and the copy's state, commenting as the bot", () => {
            const run = runBuild(buildspec(), FOLLOW_UP_SWEEP_ENV);
            assert.equal(run.succeeded, true);
            const [sweep] = runnerCalls(run)
                .slice(1)
                .map((argv) => parseCommandLine(argv, FOLLOW_UP_SWEEP_ENV));
            assert.ok(sweep.kind === "sweep");
            // The copy's names are <name_prefix>-<name_suffix>-… as the deploy passed them to Terraform.
            const deploy = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV).argvs;
            const apply = deploy.find((argv) => argv[0] === "terraform" && argv[1] === "apply")!;
            const variable = (name: string) => apply.find((argument) => argument.startsWith(`${name}=`))!.slice(name.length + 1);
            assert.equal(sweep.args.namePrefix, `${variable("name_prefix")}-${variable("name_suffix")}`);
            // The copy's state is the object the deploy's Terraform wrote (its second init's backend key).
            const copyStateKey = deploy
                .filter((argv) => argv[0] === "terraform" && argv[1] === "init")[1]
                .find((argument) => argument.startsWith("-backend-config=key="))!
                .slice("-backend-config=key=".length);
            assert.deepEqual(
                [sweep.args.olderThanHours, sweep.args.state, sweep.args.protectPrefix, sweep.args.ownerWorkflowArn],
                [0, { bucket: STATE_BUCKET, prefix: copyStateKey.replace(/\/terraform\.tfstate$/, "") }, "power-tuned", undefined],
            );
            assert.deepEqual(sweep.args.pullRequest, {
                repositoryName: SCHEDULED_SWEEP_ENV.REPOSITORY_NAME,
                pullRequestId: "7",
                sourceCommit: PULL_REQUEST.SOURCE_COMMIT,
                destinationCommit: PULL_REQUEST.DESTINATION_COMMIT,
            });
            assert.equal(sweep.args.commentRoleArn, SCHEDULED_SWEEP_ENV.PULL_REQUEST_BOT_ROLE_ARN);
            assert.deepEqual(sweep.args.scheduledSweep, { schedule: "rate(6 hours)", olderThanHours: 6 });
            assert.equal(run.calls.at(-1), keepReport);
        });

        it("still keeps the report, and fails, when the sweep could not remove everything", () => {
            const run = runBuild(buildspec(), FOLLOW_UP_SWEEP_ENV, { fail: ["tuning-runner.js pull-request-sweep"] });
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", build: "FAILED" });
            assert.equal(run.calls.at(-1), keepReport);
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
                assert.deepEqual(
                    spec.env.variables,
                    {
                        TF_INPUT: "false",
                        TF_IN_AUTOMATION: "true",
                        ...(pullRequestBuild ? { TF_PLUGIN_CACHE_DIR: "/tmp/terraform-cache/providers" } : {}),
                    },
                    name,
                );
                assert.equal(spec.cache !== undefined, pullRequestBuild, name);
            }
        });
    });
    describe("every buildspec", () => {
        const ALL = {
            "pull-request deploy": pullRequestDeployBuildspec(RELEASE),
            "pull-request deploy (copies in their own account)": pullRequestDeployBuildspec(RELEASE, "own account"),
            "pull-request source hand-over": pullRequestSourceHandOverBuildspec(),
            "pull-request destroy": pullRequestDestroyBuildspec(RELEASE),
            "pull-request feedback": pullRequestFeedbackBuildspec(),
            "pull-request sweep": pullRequestSweepBuildspec(),
            plan: terraformPlanBuildspec(RELEASE),
            apply: terraformApplyBuildspec(RELEASE),
            destroy: terraformDestroyBuildspec(RELEASE),
        };
        /** Shell that makes a decision: tests, command substitution, guards, groups, branches and loops. */
        const DECISION = /\[\[|\]\]|\$\(|`|\|\||&&|(^|[\s;])(if|then|case|for|while|until|test)\s|(^|\s)\{\s|;|(^|\s)!\s/;
        /**
         * The two commands allowed to branch, neither on a value of the workflow: the Terraform install's
         * "cached zip when it is exactly the pinned release, else download" (both then checked against
         * the SHA-256), and the pipeline's apply recording fingerprints, whose failure must not fail a
         * deployment that already applied.
         */
        const TOOL_PLUMBING = [
            /^echo "[0-9a-f]{64} {2}\S+" \| sha256sum --check --strict --status - \|\| curl /,
            /^\{ aws s3 cp "\$TUNING_RUNNER_S3_URI" /,
        ];

        it("are plain lists of tool calls: no command decides on the workflow's values (the runner does, from its environment)", () => {
            for (const [name, yaml] of Object.entries(ALL)) {
                const phases = Object.values(parseYaml(yaml).phases) as Array<{ commands: string[]; finally?: string[] }>;
                for (const command of phases.flatMap((phase) => [...phase.commands, ...(phase.finally ?? [])])) {
                    if (TOOL_PLUMBING.some((allowed) => allowed.test(command))) continue;
                    assert.doesNotMatch(command, DECISION, `${name}: ${command}`);
                }
            }
        });

        it("the check itself catches each shape of decision the buildspecs used to make", () => {
            for (const decision of [
                '[[ "$PULL_REQUEST_ID" =~ ^[1-9][0-9]{0,15}$ ]] || exit 1',
                'node /tmp/tuning-runner.js plan-comment $([[ -f plan.json ]] && echo "--plan plan.json")',
                '[[ -n "$PULL_REQUEST_ID" ]] || node /tmp/tuning-runner.js sweep',
                "{ terraform output -json > outputs.json && node /tmp/tuning-runner.js record; } || echo failed",
                'test -f plan.json && aws s3 cp plan.json "s3://$ARTIFACT_BUCKET/"',
                'if [ -n "$DEPLOY_BUILD_ARN" ]; then aws s3 cp x y; fi',
            ]) {
                assert.match(decision, DECISION, decision);
                assert.ok(!TOOL_PLUMBING.some((allowed) => allowed.test(decision)), decision);
            }
        });
    });
});
