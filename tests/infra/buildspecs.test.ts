// The buildspecs are pure functions of the Terraform release. Besides reading their YAML,
// these tests RUN it: each command in bash, with fake terraform/aws/node/curl/unzip on PATH
// that record their arguments, under the phase rules CodeBuild documents (see runBuild).
// So "a failed tuning still destroys and fails the build" is checked as behaviour.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseCommandLine } from "../../buildscripts/tuning-runner/cli";
import { STATE_LAYOUT } from "../../components/artifactStorage";
import {
    BUILD_CACHE_DIRECTORY,
    installTerraform,
    pullRequestDeployBuildspec,
    pullRequestDestroyBuildspec,
    pullRequestFeedbackBuildspec,
    pullRequestSweepBuildspec,
    RUNNER_PATH,
    terraformApplyBuildspec,
    terraformDestroyBuildspec,
    terraformPlanBuildspec,
} from "../../components/buildspecs";
import type { TerraformRelease } from "../../components/terraformRelease";

const PRODUCTION_STATE_KEY = STATE_LAYOUT.productionStateKey;

/** What the fake curl "downloads"; RELEASE carries its real SHA-256. */
const GENUINE_ZIP = "terraform 1.11.4 linux_arm64 (test stand-in)";
const RELEASE: TerraformRelease = {
    version: "1.11.4",
    sha256Arm64: createHash("sha256").update(GENUINE_ZIP).digest("hex"),
};

const STATE_BUCKET = "lambda-power-tuned-state-0a1b2c3d";
/** What the fake aws "downloads" as the runner bundle; RUNNER_SHA256 is its real SHA-256. */
const GENUINE_RUNNER = "tuning runner bundle (test stand-in)";
const RUNNER_SHA256 = createHash("sha256").update(GENUINE_RUNNER).digest("hex");
const BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/lambda-power-tuned/power-tuned-function-boundary";
const ARTIFACT_BUCKET = "lambda-power-tuned-artifacts-0a1b2c3d";
const RUNNER_S3_URI = `s3://${ARTIFACT_BUCKET}/tuning-runner/${RUNNER_SHA256}.js`;
const HISTORY_URI = `s3://${ARTIFACT_BUCKET}/tuning-history/`;

const PIPELINE_BUILD_ENV = {
    AWS_REGION: "us-east-1",
    TF_STATE_BUCKET: STATE_BUCKET,
    TF_VAR_name_prefix: "power-tuned",
    TF_VAR_permissions_boundary_arn: BOUNDARY_ARN,
    CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
    CODEBUILD_BUILD_NUMBER: "12",
};
const DEPLOY_BUILD_ARN = "arn:aws:codebuild:us-east-1:123456789012:build/pr-deploy:6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29";
const DESTROY_BUILD_ARN = "arn:aws:codebuild:us-east-1:123456789012:build/pr-destroy:0b0b0b0b-1111-4222-8333-944444444444";
const FEEDBACK_BUILD_ARN = "arn:aws:codebuild:us-east-1:123456789012:build/pr-feedback:7d7d7d7d-1111-4222-8333-944444444444";
// Values as the pull-request workflow sets them (the shared/fixtures PR-created event).
const PULL_REQUEST = {
    AWS_REGION: "us-east-1",
    CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
    PULL_REQUEST_ID: "7",
    SOURCE_COMMIT: "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080",
    DESTINATION_COMMIT: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
};
const DEPLOY_BUILD_ENV = {
    ...PULL_REQUEST,
    TF_STATE_BUCKET: STATE_BUCKET,
    ARTIFACT_BUCKET,
    PRODUCTION_NAME_PREFIX: "power-tuned",
    PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
    TF_VAR_permissions_boundary_arn: BOUNDARY_ARN,
    CODEBUILD_BUILD_ARN: DEPLOY_BUILD_ARN,
};
const DESTROY_BUILD_ENV = {
    ...PULL_REQUEST,
    TF_STATE_BUCKET: STATE_BUCKET,
    PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
    TF_VAR_permissions_boundary_arn: BOUNDARY_ARN,
    CODEBUILD_BUILD_ARN: DESTROY_BUILD_ARN,
    DEPLOY_BUILD_ARN,
};
const EXECUTION_ARN = "arn:aws:states:us-east-1:123456789012:execution:pr-workflow:7-3f2a9c1";
const FEEDBACK_BUILD_ENV = {
    ...PULL_REQUEST,
    CODEBUILD_BUILD_ARN: FEEDBACK_BUILD_ARN,
    CODEBUILD_BUILD_URL: "https://us-east-1.console.aws.amazon.com/codesuite/codebuild/projects/pr-feedback/build/pr-feedback:7d7d7d7d/",
    REPOSITORY_NAME: "TargetLambdaFunctionRepository",
    STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-0a1b2c3d",
    ARTIFACT_BUCKET,
    TUNING_RUNNER_S3_URI: RUNNER_S3_URI,
    TUNING_RUNNER_SHA256: RUNNER_SHA256,
    TUNING_HISTORY_URI: HISTORY_URI,
    PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
    PULL_REQUEST_BOT_ROLE_ARN: "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-bot",
    DEPLOY_BUILD_ARN,
    DEPLOY_OUTCOME: "SUCCEEDED",
    WORKFLOW_EXECUTION_ARN: EXECUTION_ARN,
};
/** The sweeper project's own environment; the workflow adds the pull request and the deploy's build after a destroy. */
const SCHEDULED_SWEEP_ENV = {
    AWS_REGION: "us-east-1",
    CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
    CODEBUILD_BUILD_ARN: "arn:aws:codebuild:us-east-1:123456789012:build/pr-sweeper:5e5e5e5e-1111-4222-8333-944444444444",
    REPOSITORY_NAME: "TargetLambdaFunctionRepository",
    TF_STATE_BUCKET: STATE_BUCKET,
    ARTIFACT_BUCKET,
    TUNING_RUNNER_S3_URI: RUNNER_S3_URI,
    TUNING_RUNNER_SHA256: RUNNER_SHA256,
    PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
    PRODUCTION_NAME_PREFIX: "power-tuned",
    PULL_REQUEST_BOT_ROLE_ARN: "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-bot",
    SWEEP_SCHEDULE: "rate(6 hours)",
    PULL_REQUEST_COPY_TTL_HOURS: "6",
};
const FOLLOW_UP_SWEEP_ENV = { ...SCHEDULED_SWEEP_ENV, ...PULL_REQUEST, DEPLOY_BUILD_ARN };
// The Deploy build: runner and history for `record`; CodePipeline's source revision.
const APPLY_BUILD_ENV = {
    ...PIPELINE_BUILD_ENV,
    TUNING_RUNNER_S3_URI: RUNNER_S3_URI,
    TUNING_RUNNER_SHA256: RUNNER_SHA256,
    TUNING_HISTORY_URI: HISTORY_URI,
    // CodePipeline's Deploy action sets it from the Source action's CommitId.
    DEPLOYED_COMMIT: `abc1234${"b".repeat(33)}`,
};
const PR_SUFFIX = "7-3f2a9c1";
const OWN_STATE_KEY = (buildArn: string) => `pull-requests/${buildArn}/terraform.tfstate`;

const backend = (key: string) =>
    `-backend-config=bucket=${STATE_BUCKET} -backend-config=key=${key} -backend-config=region=us-east-1`;

// ---------------------------------------------------------------------------------------
// Running a buildspec

const FAKE_TOOL = `#!/bin/bash
# Records its argv (unit-separated) and fails when its command line contains a FAKE_FAIL line.
tool=$(basename "$0")
{ printf '%s' "$tool"; printf '\\x1f%s' "$@"; printf '\\n'; } >> "$FAKE_CALLS"
# The runner writes its results file (tune) or report (sweep) first, whatever happens next.
if [[ $tool == node ]]; then previous=; for argument in "$@"; do [[ $previous == --results || $previous == --report ]] && echo '{}' > "$argument"; previous=$argument; done; fi
while IFS= read -r pattern; do
  if [[ -n "$pattern" && "$tool $*" == *"$pattern"* ]]; then echo "fake $tool fails: $pattern" >&2; exit 1; fi
done <<< "$FAKE_FAIL"
case "$tool $1" in
  "terraform output" | "terraform show") echo '{}' ;;
  "terraform init")
    # How terraform init installs each provider (hashicorp/terraform, internal/providercache/installer.go):
    # one already installed in the working directory is kept; else a plugin-cache entry is linked
    # only when it matches the lock file (here: holds the genuine package); else the provider is
    # downloaded, into the cache when there is one (replacing an entry that did not match).
    for provider in $FAKE_PROVIDERS; do
      installed=".terraform/providers/$provider/terraform-provider"
      [[ -e $installed ]] && continue
      mkdir -p "$(dirname "$installed")"
      cached=\${TF_PLUGIN_CACHE_DIR:+$TF_PLUGIN_CACHE_DIR/$provider/terraform-provider}
      if [[ -n $cached && -f $cached && $(cat "$cached") == "genuine $provider" ]]; then ln -s "$cached" "$installed"; continue; fi
      printf 'registry\\x1fdownload\\x1f%s\\n' "$provider" >> "$FAKE_CALLS"
      if [[ -n $cached ]]; then mkdir -p "$(dirname "$cached")"; printf 'genuine %s' "$provider" > "$cached"; ln -s "$cached" "$installed"
      else printf 'genuine %s' "$provider" > "$installed"; fi
    done ;;
  "curl "*) while (( $# )); do if [[ $1 == -o ]]; then printf '%s' "$FAKE_DOWNLOAD" > "$2"; fi; shift; done ;;
  "aws s3")
    # A download of the runner gets FAKE_RUNNER; a recursive download of a build's prefix gets FAKE_S3_FILES.
    if [[ $2 == cp && $3 == s3://*.js ]]; then printf '%s' "$FAKE_RUNNER" > "$4"; fi
    if [[ $2 == cp && $3 == --recursive && $4 == s3://* && $5 != s3://* ]]; then
      mkdir -p "$5"; for file in $FAKE_S3_FILES; do echo '{}' > "$5/$file"; done
    fi ;;
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

/** The providers terraform-lambda's lock file pins, as the plugin cache lays them out for CodeBuild's arm64 hosts. */
const PROVIDERS = ["registry.terraform.io/hashicorp/archive/2.7.1/linux_arm64", "registry.terraform.io/hashicorp/aws/6.49.0/linux_arm64"];

/** A build cache's files, by path below BUILD_CACHE_DIRECTORY: content, or `{ link }` for a symbolic link. */
type CacheFiles = Record<string, string | { readonly link: string }>;

interface BuildRun {
    /** Phases that ran, in order, with their status. */
    readonly phases: ReadonlyArray<{ readonly name: PhaseName; readonly status: "SUCCEEDED" | "FAILED" }>;
    readonly succeeded: boolean;
    /** Every fake tool call as `tool arg arg…` (arguments after shell expansion). */
    readonly calls: readonly string[];
    readonly argvs: ReadonlyArray<readonly string[]>;
    /** What CodeBuild would save to the S3 cache after the build (buildspecs with cache paths only). */
    readonly cacheAfter?: Record<string, string>;
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
function runBuild(
    buildspec: string,
    env: Record<string, string>,
    options: { fail?: string[]; download?: string; runner?: string; s3Files?: string[]; files?: Record<string, string>; cache?: CacheFiles } = {},
): BuildRun {
    const spec = parseYaml(buildspec);
    const workspace = mkdtempSync(path.join(tmpdir(), "buildspec-run-"));
    // CodeBuild restores a project's S3 cache before the install phase and saves it after the build,
    // for the paths the buildspec lists; here the cache directory is always /tmp/terraform-cache.
    const caches = spec.cache !== undefined;
    if (caches) assert.deepEqual(spec.cache.paths, [`${BUILD_CACHE_DIRECTORY}/**/*`]);
    // The checked-out repository's files the build looks at.
    for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(path.join(workspace, name), content);
    const envFile = path.join(workspace, ".exported-variables");
    const callsFile = path.join(workspace, ".calls");
    const privateTmp = path.join(workspace, "tmp");
    mkdirSync(privateTmp);
    const cacheDirectory = path.join(privateTmp, path.relative("/tmp", BUILD_CACHE_DIRECTORY));
    for (const [file, content] of Object.entries(caches ? (options.cache ?? {}) : {})) {
        const target = path.join(cacheDirectory, file);
        mkdirSync(path.dirname(target), { recursive: true });
        if (typeof content === "string") writeFileSync(target, content);
        else symlinkSync(content.link.split("/tmp/").join(`${privateTmp}/`), target);
    }
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
        FAKE_RUNNER: options.runner ?? GENUINE_RUNNER,
        FAKE_S3_FILES: (options.s3Files ?? ["plan.json", "outputs.json"]).join(" "),
        FAKE_PROVIDERS: PROVIDERS.join(" "),
        ...spec.env?.variables,
    };
    const inPrivateTmp = (text: string) => text.split("/tmp/").join(`${privateTmp}/`);
    // The buildspec's own variables may name /tmp too (the plugin cache).
    for (const [name, value] of Object.entries(spec.env?.variables ?? {})) processEnv[name] = inPrivateTmp(String(value));
    const succeeds = (command: string) =>
        spawnSync("bash", ["-c", `source "$EXPORTED_VARIABLES"\ntrap 'export -p > "$EXPORTED_VARIABLES"' EXIT\n${inPrivateTmp(command)}`], {
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
            ...(caches ? { cacheAfter: filesBelow(cacheDirectory) } : {}),
        };
    } finally {
        rmSync(workspace, { recursive: true, force: true });
    }
}

/** The regular files below `directory` by relative path, with their content (links are followed). */
function filesBelow(directory: string): Record<string, string> {
    if (!existsSync(directory)) return {};
    const entries = readdirSync(directory, { recursive: true, withFileTypes: true }) as Array<{ parentPath: string; name: string; isFile(): boolean }>;
    return Object.fromEntries(
        entries.filter((entry) => entry.isFile()).map((entry) => [path.relative(directory, path.join(entry.parentPath, entry.name)), readFileSync(path.join(entry.parentPath, entry.name), "utf8")]),
    );
}

/** The calls that touch state, AWS or the runner (leaves out the install's curl/unzip). */
const workCalls = (run: BuildRun) => run.calls.filter((call) => /^(terraform|aws|node) /.test(call) && call !== "terraform version");

const phaseStatus = (run: BuildRun) => Object.fromEntries(run.phases.map((phase) => [phase.name, phase.status]));

/** The buildspecs that install Terraform, with the environment their project gives them. */
const BUILDSPECS = {
    "pull-request deploy": [pullRequestDeployBuildspec, DEPLOY_BUILD_ENV],
    "pull-request destroy": [pullRequestDestroyBuildspec, DESTROY_BUILD_ENV],
    plan: [terraformPlanBuildspec, PIPELINE_BUILD_ENV],
    apply: [terraformApplyBuildspec, APPLY_BUILD_ENV],
    destroy: [terraformDestroyBuildspec, PIPELINE_BUILD_ENV],
} as const;

// ---------------------------------------------------------------------------------------

describe("buildspecs", () => {
    describe("Terraform install", () => {
        it("downloads the pinned linux_arm64 release from releases.hashicorp.com over HTTPS only, unless the build cache holds exactly that zip", () => {
            const download = installTerraform(RELEASE).map((command) => command.run).find((command) => command.includes("curl "))!;
            assert.match(download, new RegExp(`^echo "${RELEASE.sha256Arm64}  ${BUILD_CACHE_DIRECTORY}/terraform_1\\.11\\.4_linux_arm64\\.zip" \\| sha256sum --check --strict --status - \\|\\| curl --fail `));
            assert.match(download, /--proto =https /);
            assert.ok(
                download.endsWith(" https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_linux_arm64.zip"),
                download,
            );
        });

        it("checks the SHA-256 before unzipping, installing to /usr/local/bin", () => {
            const commands = installTerraform(RELEASE).map((command) => command.run);
            const check = commands.findIndex((command) => command.startsWith("echo") && command.endsWith("sha256sum --check --strict -"));
            const unzip = commands.findIndex((command) => command.startsWith("unzip "));
            assert.ok(check >= 0 && unzip > check, `checksum at ${check}, unzip at ${unzip}`);
            assert.equal(commands[check], `echo "${RELEASE.sha256Arm64}  /tmp/terraform-cache/terraform_1.11.4_linux_arm64.zip" | sha256sum --check --strict -`);
            assert.equal(commands[unzip], "unzip -o -d /usr/local/bin /tmp/terraform-cache/terraform_1.11.4_linux_arm64.zip terraform");
        });

        for (const [name, [buildspec, env]] of Object.entries(BUILDSPECS)) {
            it(`stops the ${name} build before unzip when the download does not match the checksum`, () => {
                const run = runBuild(buildspec(RELEASE), env, { download: "tampered" });
                assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }]);
                assert.deepEqual(
                    run.calls.map((call) => call.split(" ")[0]),
                    ["curl"],
                    "nothing after the download ran",
                );
            });
        }

        it("is one command block, the same in every buildspec that runs Terraform", () => {
            const install = installTerraform(RELEASE).map((command) => command.run);
            for (const [name, [buildspec]] of Object.entries(BUILDSPECS)) {
                const commands: string[] = parseYaml(buildspec(RELEASE)).phases.install.commands;
                const start = commands.indexOf(install[0]);
                assert.ok(start >= 0, `${name} installs Terraform`);
                assert.deepEqual(commands.slice(start, start + install.length), install, `${name} uses the shared install`);
                assert.equal(commands.filter((command) => command.includes("releases.hashicorp.com")).length, 1);
            }
        });

        it("rejects a TerraformRelease it cannot verify, naming the field, the value and what is allowed", () => {
            const rejected: Array<[TerraformRelease, RegExp]> = [
                [{ ...RELEASE, version: "1.11" }, /^TerraformRelease\.version must be a release version MAJOR\.MINOR\.PATCH such as 1\.11\.4; got "1\.11"$/],
                [{ ...RELEASE, version: "1.11.4; rm -rf /" }, /TerraformRelease\.version .* got "1\.11\.4; rm -rf \/"/],
                [{ ...RELEASE, version: "1.10.5" }, /^TerraformRelease\.version must be 1\.11\.0 or later \(terraform-lambda's S3 backend uses its lock file, use_lockfile\); got "1\.10\.5"$/],
                [{ ...RELEASE, sha256Arm64: "abc123" }, /^TerraformRelease\.sha256Arm64 must be the 64 hex characters of the SHA-256 of terraform_1\.11\.4_linux_arm64\.zip .*; got "abc123"$/],
                [{ ...RELEASE, sha256Arm64: "g".repeat(64) }, /TerraformRelease\.sha256Arm64 must be .*; got "g{64}"/],
            ];
            for (const [release, message] of rejected) {
                for (const [buildspec] of Object.values(BUILDSPECS)) {
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

    describe("pull-request deploy (untrusted)", () => {
        const buildspec = () => pullRequestDeployBuildspec(RELEASE);

        it("plans against production's state without refreshing or locking it, hands the plan on, then deploys a copy under its own state and hands the outputs on", () => {
            const run = runBuild(buildspec(), DEPLOY_BUILD_ENV);
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", pre_build: "SUCCEEDED", build: "SUCCEEDED" });
            const output = `s3://${ARTIFACT_BUCKET}/pull-request-builds/${DEPLOY_BUILD_ARN}/`;
            assert.deepEqual(workCalls(run), [
                `terraform init ${backend(PRODUCTION_STATE_KEY)}`,
                "terraform plan -refresh=false -lock=false -var name_prefix=power-tuned -out=production.tfplan",
                "terraform show -json production.tfplan",
                `aws s3 cp plan.json ${output}plan.json`,
                `terraform init -reconfigure ${backend(OWN_STATE_KEY(DEPLOY_BUILD_ARN))}`,
                `terraform apply -auto-approve -var name_prefix=pr-power-tuned -var name_suffix=${PR_SUFFIX}`,
                "terraform output -json",
                `aws s3 cp outputs.json ${output}outputs.json`,
            ]);
        });

        it("never runs the runner, comments, or destroys: the workflow's other steps do", () => {
            const yaml = buildspec();
            assert.ok(!yaml.includes(RUNNER_PATH) && !yaml.includes("tuning-runner"), "no runner");
            assert.ok(!/terraform destroy/.test(yaml), "no destroy");
            assert.strictEqual(parseYaml(yaml).artifacts, undefined, "hands files on itself, under its own build ARN");
        });

        it("has the plan handed on even when the deploy then fails", () => {
            const run = runBuild(buildspec(), DEPLOY_BUILD_ENV, { fail: ["terraform apply"] });
            assert.equal(run.succeeded, false);
            assert.ok(run.calls.some((call) => call.startsWith("aws s3 cp plan.json ")));
            assert.ok(!run.calls.some((call) => call.startsWith("aws s3 cp outputs.json ")), "no outputs of a failed deploy");
        });

        it("creates nothing when the plan fails", () => {
            const run = runBuild(buildspec(), DEPLOY_BUILD_ENV, { fail: ["terraform plan"] });
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", pre_build: "FAILED" });
            assert.ok(!run.calls.some((call) => call.startsWith("terraform apply")));
        });

        it("refuses to start without the workflow's pull request id and commits", () => {
            for (const override of [{ PULL_REQUEST_ID: "" }, { PULL_REQUEST_ID: "7; rm -rf /" }, { SOURCE_COMMIT: "main" }, { DESTINATION_COMMIT: "" }]) {
                const run = runBuild(buildspec(), { ...DEPLOY_BUILD_ENV, ...override });
                assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }], JSON.stringify(override));
                assert.deepEqual(run.calls, [], JSON.stringify(override));
            }
        });
    });

    describe("pull-request destroy (untrusted)", () => {
        const buildspec = () => pullRequestDestroyBuildspec(RELEASE);
        const takeOver = `aws s3 cp --recursive s3://${STATE_BUCKET}/pull-requests/${DEPLOY_BUILD_ARN}/ s3://${STATE_BUCKET}/pull-requests/${DESTROY_BUILD_ARN}/ --exclude * --include terraform.tfstate`;

        it("copies the deploy's state to its own, destroys the copy from there, then deletes its own state object", () => {
            const run = runBuild(buildspec(), DESTROY_BUILD_ENV);
            assert.equal(run.succeeded, true);
            assert.deepEqual(workCalls(run), [
                takeOver,
                `terraform init -reconfigure ${backend(OWN_STATE_KEY(DESTROY_BUILD_ARN))}`,
                `terraform destroy -auto-approve -var name_prefix=pr-power-tuned -var name_suffix=${PR_SUFFIX}`,
                `aws s3 rm s3://${STATE_BUCKET}/${OWN_STATE_KEY(DESTROY_BUILD_ARN)}`,
            ]);
        });

        it("fails and keeps its state object when the destroy fails", () => {
            const run = runBuild(buildspec(), DESTROY_BUILD_ENV, { fail: ["terraform destroy"] });
            assert.equal(run.succeeded, false);
            assert.ok(!run.calls.some((call) => call.startsWith("aws s3 rm")));
        });

        it("never destroys unless it could take over the deploy's state first", () => {
            const run = runBuild(buildspec(), DESTROY_BUILD_ENV, { fail: ["aws s3 cp --recursive"] });
            assert.equal(run.succeeded, false);
            assert.ok(!run.calls.some((call) => call.startsWith("terraform destroy")));
        });

        it("refuses to start without a deploy build ARN from the workflow", () => {
            for (const override of [{ DEPLOY_BUILD_ARN: "" }, { DEPLOY_BUILD_ARN: "pull-requests/../terraform-lambda" }, { SOURCE_COMMIT: "main" }]) {
                const run = runBuild(buildspec(), { ...DESTROY_BUILD_ENV, ...override });
                assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }], JSON.stringify(override));
                assert.deepEqual(run.calls, [], JSON.stringify(override));
            }
        });
    });

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
                `node ${RUNNER_PATH} sweep --name-prefix pr-power-tuned --older-than 6 --state-uri s3://${STATE_BUCKET}/pull-requests/ --protect-prefix power-tuned --report /tmp/sweep-report.json`,
                keepReport,
            ]);
            const [sweep] = runnerCalls(run).slice(1).map((argv) => parseCommandLine(argv, SCHEDULED_SWEEP_ENV));
            assert.ok(sweep.kind === "sweep");
            assert.equal(sweep.args.pullRequest, undefined, "a scheduled run names no pull request, so it comments nowhere");
        });

        it("after a destroy sweeps exactly the copy the deploy named, whatever its age, and its deploy's state, commenting as the bot", () => {
            const run = runBuild(buildspec(), FOLLOW_UP_SWEEP_ENV);
            assert.equal(run.succeeded, true);
            const [sweep] = runnerCalls(run).slice(1).map((argv) => parseCommandLine(argv, FOLLOW_UP_SWEEP_ENV));
            assert.ok(sweep.kind === "sweep");
            // The copy's names are <name_prefix>-<name_suffix>-… as the deploy passed them to Terraform.
            const apply = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV).argvs.find((argv) => argv[0] === "terraform" && argv[1] === "apply")!;
            const variable = (name: string) => apply.find((argument) => argument.startsWith(`${name}=`))!.slice(name.length + 1);
            assert.equal(sweep.args.namePrefix, `${variable("name_prefix")}-${variable("name_suffix")}`);
            assert.deepEqual(
                [sweep.args.olderThanHours, sweep.args.state, sweep.args.protectPrefix],
                [0, { bucket: STATE_BUCKET, prefix: `pull-requests/${DEPLOY_BUILD_ARN}` }, "power-tuned"],
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
            for (const override of [{ DEPLOY_BUILD_ARN: "" }, { DEPLOY_BUILD_ARN: "x; rm -rf /" }, { SOURCE_COMMIT: "main" }, { PULL_REQUEST_ID: "7*" }]) {
                const run = runBuild(buildspec(), { ...FOLLOW_UP_SWEEP_ENV, ...override });
                assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }], JSON.stringify(override));
                assert.deepEqual(run.calls, [], JSON.stringify(override));
            }
        });
    });

    describe("the untrusted builds' cache (Terraform and its providers)", () => {
        const downloads = (run: BuildRun) => run.calls.filter((call) => call.startsWith("registry download ") || call.startsWith("curl "));
        const ZIP = "terraform_1.11.4_linux_arm64.zip";
        const coldDeploy = () => runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV);

        it("a cold cache: each provider is downloaded once for both inits of the deploy build, Terraform once, and CodeBuild saves them", () => {
            const run = coldDeploy();
            assert.equal(run.succeeded, true);
            assert.deepEqual(downloads(run), [`curl --fail --silent --show-error --proto =https --tlsv1.2 --retry 3 -o /tmp/terraform-cache/${ZIP} https://releases.hashicorp.com/terraform/1.11.4/${ZIP}`, ...PROVIDERS.map((provider) => `registry download ${provider}`)]);
            assert.equal(run.calls.filter((call) => call.startsWith("terraform init")).length, 2);
            assert.deepEqual(Object.keys(run.cacheAfter!).sort(), [ZIP, ...PROVIDERS.map((provider) => `providers/${provider}/terraform-provider`)].sort());
        });

        it("a warm cache (what an earlier build saved): no provider and no Terraform download, in the deploy and in the destroy build", () => {
            const saved = coldDeploy().cacheAfter!;
            for (const [buildspec, env] of [[pullRequestDeployBuildspec, DEPLOY_BUILD_ENV], [pullRequestDestroyBuildspec, DESTROY_BUILD_ENV]] as const) {
                const run = runBuild(buildspec(RELEASE), env, { cache: saved });
                assert.equal(run.succeeded, true);
                assert.deepEqual(downloads(run), []);
            }
        });

        it("a poisoned cache entry costs a download and is replaced, never used: a zip of the wrong checksum, a provider that does not match the lock file", () => {
            const saved = coldDeploy().cacheAfter!;
            const poisoned = { ...saved, [ZIP]: "tampered", [`providers/${PROVIDERS[1]}/terraform-provider`]: "hostile provider" };
            const run = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV, { cache: poisoned });
            assert.equal(run.succeeded, true);
            assert.deepEqual(downloads(run).map((call) => call.split(" ")[0]), ["curl", "registry"]);
            assert.deepEqual(run.cacheAfter, saved, "the next build finds the genuine packages again");
        });

        it("a poisoned zip with a tampered download still stops before unzip", () => {
            const run = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV, { cache: { [ZIP]: "tampered" }, download: "tampered too" });
            assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }]);
            assert.ok(!run.calls.some((call) => call.startsWith("unzip")));
        });

        it("removes a symbolic link planted in the cache before anything is written through it", () => {
            const run = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV, { cache: { [ZIP]: { link: "/tmp/elsewhere" } } });
            assert.equal(run.succeeded, true);
            assert.equal(run.cacheAfter![ZIP], GENUINE_ZIP, "downloaded into a file of its own");
        });

        it("the trusted build and the pipeline's builds declare no cache and no plugin cache", () => {
            for (const yaml of [pullRequestFeedbackBuildspec(), terraformPlanBuildspec(RELEASE), terraformApplyBuildspec(RELEASE), terraformDestroyBuildspec(RELEASE)]) {
                const spec = parseYaml(yaml);
                assert.equal(spec.cache, undefined);
                assert.equal(spec.env.variables.TF_PLUGIN_CACHE_DIR, undefined);
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
