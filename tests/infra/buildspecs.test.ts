// The buildspecs are pure functions of the Terraform release. Besides reading their YAML,
// these tests RUN it: each command in bash, with fake terraform/aws/node/curl/unzip on PATH
// that record their arguments, under the phase rules CodeBuild documents (see runBuild).
// So "a failed tuning still destroys and fails the build" is checked as behaviour.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseCommandLine } from "../../buildscripts/tuning-runner/cli";
import {
    installTerraform,
    PRODUCTION_STATE_KEY,
    pullRequestBuildspec,
    RUNNER_PATH,
    terraformApplyBuildspec,
    terraformDestroyBuildspec,
    terraformPlanBuildspec,
    type TerraformRelease,
} from "../../components/buildspecs";

/** What the fake curl "downloads"; RELEASE carries its real SHA-256. */
const GENUINE_ZIP = "terraform 1.11.4 linux_arm64 (test stand-in)";
const RELEASE: TerraformRelease = {
    version: "1.11.4",
    sha256Arm64: createHash("sha256").update(GENUINE_ZIP).digest("hex"),
};

const STATE_BUCKET = "lambda-power-tuned-state-0a1b2c3d";
const PIPELINE_BUILD_ENV = {
    AWS_REGION: "us-east-1",
    TF_STATE_BUCKET: STATE_BUCKET,
    TF_VAR_name_prefix: "power-tuned",
    CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
    CODEBUILD_BUILD_NUMBER: "12",
};
// Values as the EventBridge input transformer sets them (shared/fixtures PR-created event).
const PR_BUILD_ENV = {
    ...PIPELINE_BUILD_ENV,
    CODEBUILD_BUILD_NUMBER: "7",
    CODEBUILD_BUILD_ID: "power-tuned-pull-requests:6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29",
    CODEBUILD_BUILD_URL: "https://us-east-1.console.aws.amazon.com/codesuite/codebuild/projects/power-tuned-pull-requests/build/7",
    STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-0a1b2c3d",
    REPOSITORY_NAME: "TargetLambdaFunctionRepository",
    TUNING_RUNNER_S3_URI: `s3://lambda-power-tuned-artifacts-0a1b2c3d/tuning-runner/${"ab".repeat(32)}.js`,
    TUNING_HISTORY_URI: "s3://lambda-power-tuned-artifacts-0a1b2c3d/tuning-history/",
    PULL_REQUEST_ID: "7",
    SOURCE_COMMIT: "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080",
    DESTINATION_COMMIT: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
};
// The Deploy build: runner and history for `record`; CodePipeline's source revision.
const APPLY_BUILD_ENV = {
    ...PIPELINE_BUILD_ENV,
    TUNING_RUNNER_S3_URI: PR_BUILD_ENV.TUNING_RUNNER_S3_URI,
    TUNING_HISTORY_URI: PR_BUILD_ENV.TUNING_HISTORY_URI,
    // CodePipeline's Deploy action sets it from the Source action's CommitId.
    DEPLOYED_COMMIT: `abc1234${"b".repeat(33)}`,
};
const PR_STATE_KEY = "pull-requests/pr-7/build-7.tfstate";
const PR_SUFFIX = "pr-7-3f2a9c1";

const backend = (key: string) =>
    `-backend-config=bucket=${STATE_BUCKET} -backend-config=key=${key} -backend-config=region=us-east-1`;

// ---------------------------------------------------------------------------------------
// Running a buildspec

const FAKE_TOOL = `#!/bin/bash
# Records its argv (unit-separated) and fails when its command line contains a FAKE_FAIL line.
tool=$(basename "$0")
{ printf '%s' "$tool"; printf '\\x1f%s' "$@"; printf '\\n'; } >> "$FAKE_CALLS"
while IFS= read -r pattern; do
  if [[ -n "$pattern" && "$tool $*" == *"$pattern"* ]]; then echo "fake $tool fails: $pattern" >&2; exit 1; fi
done <<< "$FAKE_FAIL"
case "$tool $1" in
  "terraform output" | "terraform show") echo '{}' ;;
  "curl "*) while (( $# )); do if [[ $1 == -o ]]; then printf '%s' "$FAKE_DOWNLOAD" > "$2"; fi; shift; done ;;
esac
`;

let fakeBin: string;
before(() => {
    fakeBin = mkdtempSync(path.join(tmpdir(), "buildspec-fakes-"));
    for (const tool of ["terraform", "aws", "node", "curl", "unzip"]) {
        writeFileSync(path.join(fakeBin, tool), FAKE_TOOL);
        chmodSync(path.join(fakeBin, tool), 0o755);
    }
});
after(() => rmSync(fakeBin, { recursive: true, force: true }));

type PhaseName = "install" | "pre_build" | "build" | "post_build";

interface BuildRun {
    /** Phases that ran, in order, with their status. */
    readonly phases: ReadonlyArray<{ readonly name: PhaseName; readonly status: "SUCCEEDED" | "FAILED" }>;
    readonly succeeded: boolean;
    /** Every fake tool call as `tool arg arg…` (arguments after shell expansion). */
    readonly calls: readonly string[];
    readonly argvs: ReadonlyArray<readonly string[]>;
}

/**
 * Runs a buildspec the way CodeBuild's build-spec reference describes: the commands of a
 * phase run one at a time in order, and the first failing command skips the rest of them;
 * the `finally` commands run even when a command failed; the phase fails when any command
 * of either list failed; a failed install/pre_build/build phase ends the build. Each command
 * runs in its own bash (`env.shell: bash`), and exported variables carry over to later
 * commands, as buildspec 0.2 keeps them. Every build gets its own /tmp, as every CodeBuild
 * container does (here: /tmp/ in commands is mapped into the run's workspace and back in the
 * recorded calls, so concurrent test runs never share a download). runtime-versions is not
 * simulated.
 */
function runBuild(buildspec: string, env: Record<string, string>, options: { fail?: string[]; download?: string; files?: Record<string, string> } = {}): BuildRun {
    const spec = parseYaml(buildspec);
    const workspace = mkdtempSync(path.join(tmpdir(), "buildspec-run-"));
    // The checked-out repository's files the build looks at.
    for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(path.join(workspace, name), content);
    const envFile = path.join(workspace, ".exported-variables");
    const callsFile = path.join(workspace, ".calls");
    const privateTmp = path.join(workspace, "tmp");
    mkdirSync(privateTmp);
    writeFileSync(envFile, "");
    writeFileSync(callsFile, "");
    const processEnv = {
        ...env,
        PATH: `${fakeBin}:/usr/bin:/bin`,
        HOME: workspace,
        EXPORTED_VARIABLES: envFile,
        FAKE_CALLS: callsFile,
        FAKE_FAIL: (options.fail ?? []).join("\n"),
        FAKE_DOWNLOAD: options.download ?? GENUINE_ZIP,
        ...spec.env?.variables,
    };
    const succeeds = (command: string) =>
        spawnSync("bash", ["-c", `source "$EXPORTED_VARIABLES"\ntrap 'export -p > "$EXPORTED_VARIABLES"' EXIT\n${command.split("/tmp/").join(`${privateTmp}/`)}`], {
            cwd: workspace,
            env: processEnv,
            encoding: "utf8",
        }).status === 0;
    const phases: Array<BuildRun["phases"][number]> = [];
    try {
        for (const name of ["install", "pre_build", "build", "post_build"] as const) {
            const phase = spec.phases?.[name];
            if (phase === undefined) continue;
            const commandsSucceeded = (phase.commands as string[]).every(succeeds);
            const finallySucceeded = ((phase.finally ?? []) as string[]).every(succeeds);
            phases.push({ name, status: commandsSucceeded && finallySucceeded ? "SUCCEEDED" : "FAILED" });
            if (!(commandsSucceeded && finallySucceeded)) break;
        }
        const argvs = readFileSync(callsFile, "utf8")
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => line.split(`${privateTmp}/`).join("/tmp/").split("\x1f"));
        return {
            phases,
            succeeded: phases.every((phase) => phase.status === "SUCCEEDED"),
            calls: argvs.map((argv) => argv.join(" ")),
            argvs,
        };
    } finally {
        rmSync(workspace, { recursive: true, force: true });
    }
}

/** The calls that touch state, AWS or the runner (leaves out the install's curl/unzip). */
const workCalls = (run: BuildRun) => run.calls.filter((call) => /^(terraform|aws|node) /.test(call) && call !== "terraform version");

const phaseStatus = (run: BuildRun) => Object.fromEntries(run.phases.map((phase) => [phase.name, phase.status]));

const BUILDSPECS = {
    "pull-request": pullRequestBuildspec,
    plan: terraformPlanBuildspec,
    apply: terraformApplyBuildspec,
    destroy: terraformDestroyBuildspec,
} as const;

// ---------------------------------------------------------------------------------------

describe("buildspecs", () => {
    describe("Terraform install", () => {
        it("downloads the pinned linux_arm64 release from releases.hashicorp.com over HTTPS only", () => {
            const [download] = installTerraform(RELEASE).map((command) => command.run);
            assert.match(download, /^curl --fail /);
            assert.match(download, /--proto =https /);
            assert.ok(
                download.endsWith(" https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_linux_arm64.zip"),
                download,
            );
        });

        it("checks the SHA-256 before unzipping, installing to /usr/local/bin", () => {
            const commands = installTerraform(RELEASE).map((command) => command.run);
            const check = commands.findIndex((command) => command.includes("sha256sum --check"));
            const unzip = commands.findIndex((command) => command.startsWith("unzip "));
            assert.ok(check >= 0 && unzip > check, `checksum at ${check}, unzip at ${unzip}`);
            assert.equal(commands[check], `echo "${RELEASE.sha256Arm64}  /tmp/terraform_1.11.4_linux_arm64.zip" | sha256sum --check --strict -`);
            assert.equal(commands[unzip], "unzip -o -d /usr/local/bin /tmp/terraform_1.11.4_linux_arm64.zip terraform");
        });

        for (const [name, buildspec] of Object.entries(BUILDSPECS)) {
            it(`stops the ${name} build before unzip when the download does not match the checksum`, () => {
                const run = runBuild(buildspec(RELEASE), PR_BUILD_ENV, { download: "tampered" });
                assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }]);
                assert.deepEqual(
                    run.calls.map((call) => call.split(" ")[0]),
                    ["curl"],
                    "nothing after the download ran",
                );
            });
        }

        it("is one command block, the same in the pull-request, plan, apply and destroy buildspecs", () => {
            const install = installTerraform(RELEASE).map((command) => command.run);
            for (const [name, buildspec] of Object.entries(BUILDSPECS)) {
                const commands: string[] = parseYaml(buildspec(RELEASE)).phases.install.commands;
                const start = commands.indexOf(install[0]);
                assert.ok(start >= 0, `${name} installs Terraform`);
                assert.deepEqual(commands.slice(start, start + install.length), install, `${name} uses the shared install`);
                assert.equal(commands.filter((command) => command.includes("releases.hashicorp.com")).length, 1);
            }
        });

        it("rejects a TerraformRelease it cannot verify, naming the field, the value and what is allowed", () => {
            const rejected: Array<[TerraformRelease, RegExp]> = [
                [{ ...RELEASE, version: "1.11" }, /^TerraformRelease\.version must be a release version MAJOR\.MINOR\.PATCH such as "1\.11\.4"; got "1\.11"$/],
                [{ ...RELEASE, version: "1.11.4; rm -rf /" }, /TerraformRelease\.version .* got "1\.11\.4; rm -rf \/"/],
                [{ ...RELEASE, version: "1.10.5" }, /^TerraformRelease\.version must be 1\.11\.0 or newer \(terraform-lambda's S3 backend uses use_lockfile\); got "1\.10\.5"$/],
                [{ ...RELEASE, sha256Arm64: "abc123" }, /^TerraformRelease\.sha256Arm64 must be the 64 hexadecimal characters of the SHA-256 of terraform_1\.11\.4_linux_arm64\.zip .*; got "abc123"$/],
                [{ ...RELEASE, sha256Arm64: "g".repeat(64) }, /TerraformRelease\.sha256Arm64 must be .*; got "g{64}"/],
            ];
            for (const [release, message] of rejected) {
                for (const buildspec of Object.values(BUILDSPECS)) {
                    assert.throws(() => buildspec(release), { message });
                }
            }
        });

        it("accepts newer and pre-release versions and an uppercase checksum (written lowercase)", () => {
            assert.doesNotThrow(() => installTerraform({ ...RELEASE, version: "1.12.0-rc1" }));
            assert.doesNotThrow(() => installTerraform({ ...RELEASE, version: "1.14.2" }));
            const check = installTerraform({ ...RELEASE, sha256Arm64: RELEASE.sha256Arm64.toUpperCase() })[1].run;
            assert.ok(check.includes(RELEASE.sha256Arm64), check);
        });
    });

    describe("pull-request build", () => {
        const buildspec = () => pullRequestBuildspec(RELEASE);

        it("runs in bash with Node 22 from the image and the runner bundle from TUNING_RUNNER_S3_URI", () => {
            const spec = parseYaml(buildspec());
            assert.equal(spec.version, 0.2);
            assert.equal(spec.env.shell, "bash");
            assert.deepEqual(spec.phases.install["runtime-versions"], { nodejs: "22" });
            assert.ok(spec.phases.install.commands.includes(`aws s3 cp "$TUNING_RUNNER_S3_URI" ${RUNNER_PATH}`));
        });

        it("plans against production's state without locking it and comments the plan, then tunes a per-build copy and destroys it", () => {
            const run = runBuild(buildspec(), PR_BUILD_ENV);
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", pre_build: "SUCCEEDED", build: "SUCCEEDED" });
            assert.deepEqual(workCalls(run), [
                `aws s3 cp ${PR_BUILD_ENV.TUNING_RUNNER_S3_URI} ${RUNNER_PATH}`,
                `node ${RUNNER_PATH} --version`,
                `terraform init ${backend(PRODUCTION_STATE_KEY)}`,
                "terraform plan -lock=false -out=production.tfplan",
                "terraform show -json production.tfplan",
                `node ${RUNNER_PATH} plan-comment --plan plan.json`,
                `terraform init -reconfigure ${backend(PR_STATE_KEY)}`,
                `terraform apply -auto-approve -var name_suffix=${PR_SUFFIX}`,
                "terraform output -json",
                `node ${RUNNER_PATH} tune --terraform-outputs outputs.json --input power-tuning-input.json --results power-tuning-results.json --history ${PR_BUILD_ENV.TUNING_HISTORY_URI}`,
                `terraform init -reconfigure ${backend(PR_STATE_KEY)}`,
                `terraform destroy -auto-approve -var name_suffix=${PR_SUFFIX}`,
                `aws s3 rm s3://${STATE_BUCKET}/${PR_STATE_KEY}`,
            ]);
        });

        it("gives every build its own state key and never production's", () => {
            const stateKeys = ["7", "8"].map((buildNumber) =>
                runBuild(buildspec(), { ...PR_BUILD_ENV, CODEBUILD_BUILD_NUMBER: buildNumber })
                    .calls.filter((call) => call.startsWith("terraform init -reconfigure"))
                    .map((call) => /key=(\S+)/.exec(call)![1]),
            );
            assert.deepEqual(stateKeys, [
                ["pull-requests/pr-7/build-7.tfstate", "pull-requests/pr-7/build-7.tfstate"],
                ["pull-requests/pr-7/build-8.tfstate", "pull-requests/pr-7/build-8.tfstate"],
            ]);
        });

        it("destroys in the finally block of the phase that applies", () => {
            const build = parseYaml(buildspec()).phases.build;
            assert.ok(build.commands.some((command: string) => command.startsWith("terraform apply ")));
            assert.ok(!build.commands.some((command: string) => command.includes("terraform destroy")));
            assert.equal(build.finally.length, 1);
            assert.match(build.finally[0], /terraform init -reconfigure .* &&\nterraform destroy -auto-approve .* &&\naws s3 rm /);
            const yaml = buildspec();
            assert.match(yaml, /# Runs even when apply or tuning failed[^\n]*\n(\s+#[^\n]*\n)*\s+finally:/, "the YAML says why, above finally:");
        });

        it("still destroys the copy, and fails the build, when tuning fails", () => {
            const run = runBuild(buildspec(), PR_BUILD_ENV, { fail: ["tuning-runner.js tune"] });
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", pre_build: "SUCCEEDED", build: "FAILED" });
            assert.deepEqual(workCalls(run).slice(-4), [
                `node ${RUNNER_PATH} tune --terraform-outputs outputs.json --input power-tuning-input.json --results power-tuning-results.json --history ${PR_BUILD_ENV.TUNING_HISTORY_URI}`,
                `terraform init -reconfigure ${backend(PR_STATE_KEY)}`,
                `terraform destroy -auto-approve -var name_suffix=${PR_SUFFIX}`,
                `aws s3 rm s3://${STATE_BUCKET}/${PR_STATE_KEY}`,
            ]);
        });

        it("still destroys what a failed apply created, and does not tune", () => {
            const run = runBuild(buildspec(), PR_BUILD_ENV, { fail: ["terraform apply"] });
            assert.equal(run.succeeded, false);
            assert.ok(!run.calls.some((call) => call.includes(" tune ")));
            assert.deepEqual(workCalls(run).slice(-3), [
                `terraform init -reconfigure ${backend(PR_STATE_KEY)}`,
                `terraform destroy -auto-approve -var name_suffix=${PR_SUFFIX}`,
                `aws s3 rm s3://${STATE_BUCKET}/${PR_STATE_KEY}`,
            ]);
        });

        it("fails the build and keeps the state object when destroy fails, even after a successful tuning", () => {
            const run = runBuild(buildspec(), PR_BUILD_ENV, { fail: ["terraform destroy"] });
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", pre_build: "SUCCEEDED", build: "FAILED" });
            assert.ok(run.calls.some((call) => call.includes(" tune ")));
            assert.equal(workCalls(run).at(-1), `terraform destroy -auto-approve -var name_suffix=${PR_SUFFIX}`);
            assert.ok(!run.calls.some((call) => call.startsWith("aws s3 rm")));
        });

        it("never destroys unless it could switch to this build's own state first", () => {
            const run = runBuild(buildspec(), PR_BUILD_ENV, { fail: ["terraform init -reconfigure"] });
            assert.equal(run.succeeded, false);
            const calls = workCalls(run);
            assert.equal(calls.filter((call) => call.startsWith("terraform init -reconfigure")).length, 2, "tried in commands and in finally");
            assert.ok(!calls.some((call) => /^terraform (apply|destroy)/.test(call)), calls.join("\n"));
        });

        it("creates nothing when planning or the plan comment fails", () => {
            for (const failing of ["terraform plan", "tuning-runner.js plan-comment"]) {
                const run = runBuild(buildspec(), PR_BUILD_ENV, { fail: [failing] });
                assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", pre_build: "FAILED" }, failing);
                assert.ok(!run.calls.some((call) => /^terraform (apply|destroy)/.test(call)), failing);
            }
        });

        it("refuses to start without the trigger's pull request id and source commit", () => {
            const missing: Array<Record<string, string>> = [
                { PULL_REQUEST_ID: "" },
                { PULL_REQUEST_ID: "7; rm -rf /" },
                { SOURCE_COMMIT: "main" },
            ];
            for (const override of missing) {
                const run = runBuild(buildspec(), { ...PR_BUILD_ENV, ...override });
                assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }], JSON.stringify(override));
                assert.deepEqual(run.calls, [], JSON.stringify(override));
            }
        });

        it("calls the runner only with commands and flags its command line accepts", () => {
            const run = runBuild(buildspec(), PR_BUILD_ENV);
            const invocations = run.argvs.filter((argv) => argv[0] === "node" && argv[1] === RUNNER_PATH).map((argv) => argv.slice(2));
            const commands = invocations.map((argv) => parseCommandLine(argv, PR_BUILD_ENV));
            assert.deepEqual(
                commands.map((command) => command.kind),
                ["version", "plan-comment", "tune"],
            );
            const expectedPullRequest = {
                repositoryName: PR_BUILD_ENV.REPOSITORY_NAME,
                pullRequestId: PR_BUILD_ENV.PULL_REQUEST_ID,
                sourceCommit: PR_BUILD_ENV.SOURCE_COMMIT,
                destinationCommit: PR_BUILD_ENV.DESTINATION_COMMIT,
            };
            const [, planComment, tune] = commands;
            assert.ok(planComment.kind === "plan-comment" && tune.kind === "tune");
            assert.equal(planComment.args.planFile, "plan.json");
            assert.deepEqual(planComment.args.pullRequest, expectedPullRequest);
            assert.equal(tune.args.terraformOutputsFile, "outputs.json");
            assert.equal(tune.args.inputFile, "power-tuning-input.json");
            assert.equal(tune.args.resultsFile, "power-tuning-results.json");
            assert.equal(tune.args.stateMachineArn, PR_BUILD_ENV.STATE_MACHINE_ARN);
            assert.deepEqual(tune.args.pullRequest, expectedPullRequest);
            assert.equal(tune.args.build.buildUrl, PR_BUILD_ENV.CODEBUILD_BUILD_URL);
            assert.deepEqual(tune.args.history, { bucket: "lambda-power-tuned-artifacts-0a1b2c3d", prefix: "tuning-history" });
        });

        it("passes --policy power-tuning-policy.json to tune exactly when the repository has that file", () => {
            const tuneArgv = (files: Record<string, string>) => {
                const argv = runBuild(buildspec(), PR_BUILD_ENV, { files }).argvs.find((call) => call[0] === "node" && call[2] === "tune");
                assert.ok(argv, "tune ran");
                return argv.slice(2);
            };
            const withPolicy = tuneArgv({ "power-tuning-policy.json": '{"failOnTuningError": true}' });
            assert.deepEqual(withPolicy.slice(-2), ["--policy", "power-tuning-policy.json"]);
            const command = parseCommandLine(withPolicy, PR_BUILD_ENV);
            assert.ok(command.kind === "tune");
            assert.equal(command.args.policyFile, "power-tuning-policy.json");
            assert.ok(!tuneArgv({}).includes("--policy"), "no file, no flag: the runner states that the gate is off");
        });

        it("keeps plan.json and power-tuning-results.json as the build's artifacts", () => {
            assert.deepEqual(parseYaml(buildspec()).artifacts, {
                files: ["plan.json", "power-tuning-results.json"],
                "discard-paths": "yes",
            });
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

        it("run Terraform without prompts, in automation mode", () => {
            for (const buildspec of Object.values(BUILDSPECS)) {
                assert.deepEqual(parseYaml(buildspec(RELEASE)).env.variables, { TF_INPUT: "false", TF_IN_AUTOMATION: "true" });
            }
        });
    });
});
