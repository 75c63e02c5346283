// Runs a buildspec the way CodeBuild does: each command in bash, with fake terraform/aws/node/curl/unzip
// on PATH that record their arguments, under the phase rules CodeBuild documents (see runBuild), and
// the stand-in environments the pull-request and pipeline projects run with.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { STATE_LAYOUT } from "../../components/storage/artifactStorage";
import {
    BUILD_CACHE_DIRECTORY,
    pullRequestDeployBuildspec,
    pullRequestDestroyBuildspec,
    terraformApplyBuildspec,
    terraformDestroyBuildspec,
    terraformPlanBuildspec,
} from "../../components/build/buildspecs";
import type { TerraformRelease } from "../../components/build/terraformRelease";

export const PRODUCTION_STATE_KEY = STATE_LAYOUT.productionStateKey;

/** What the fake curl "downloads"; RELEASE carries its real SHA-256. */
export const GENUINE_ZIP = "terraform 1.11.4 linux_arm64 (test stand-in)";
export const RELEASE: TerraformRelease = {
    version: "1.11.4",
    sha256Arm64: createHash("sha256").update(GENUINE_ZIP).digest("hex"),
};

export const STATE_BUCKET = "lambda-power-tuned-state-0a1b2c3d";
/** What the fake aws "downloads" as the runner bundle; RUNNER_SHA256 is its real SHA-256. */
const GENUINE_RUNNER = "tuning runner bundle (test stand-in)";
const RUNNER_SHA256 = createHash("sha256").update(GENUINE_RUNNER).digest("hex");
const BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/lambda-power-tuned/power-tuned-function-boundary";
export const ARTIFACT_BUCKET = "lambda-power-tuned-artifacts-0a1b2c3d";
export const RUNNER_S3_URI = `s3://${ARTIFACT_BUCKET}/tuning-runner/${RUNNER_SHA256}.js`;
export const HISTORY_URI = `s3://${ARTIFACT_BUCKET}/tuning-history/`;

export const PIPELINE_BUILD_ENV = {
    AWS_REGION: "us-east-1",
    TF_STATE_BUCKET: STATE_BUCKET,
    TF_VAR_name_prefix: "power-tuned",
    TF_VAR_permissions_boundary_arn: BOUNDARY_ARN,
    CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
    CODEBUILD_BUILD_NUMBER: "12",
};
export const DEPLOY_BUILD_ARN = "arn:aws:codebuild:us-east-1:123456789012:build/pr-deploy:6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29";
export const DESTROY_BUILD_ARN = "arn:aws:codebuild:us-east-1:123456789012:build/pr-destroy:0b0b0b0b-1111-4222-8333-944444444444";
export const FEEDBACK_BUILD_ARN = "arn:aws:codebuild:us-east-1:123456789012:build/pr-feedback:7d7d7d7d-1111-4222-8333-944444444444";
// Values as the pull-request workflow sets them (the shared/fixtures PR-created event).
export const PULL_REQUEST = {
    AWS_REGION: "us-east-1",
    CODEBUILD_CONFIG_AUTO_DISCOVER: "false",
    PULL_REQUEST_ID: "7",
    SOURCE_COMMIT: "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080",
    DESTINATION_COMMIT: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
};
export const COPY_BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/lambda-power-tuned/power-tuned-copy-function-boundary";
/** The copy's credentials, as the workflow hands them to one build. */
export const COPY_CREDENTIALS = {
    COPY_AWS_ACCESS_KEY_ID: "ASIACOPY7",
    COPY_AWS_SECRET_ACCESS_KEY: "copy-secret",
    COPY_AWS_SESSION_TOKEN: "copy-token",
};
const COPY_BUILD_ENV = {
    ...PULL_REQUEST,
    ...COPY_CREDENTIALS,
    TF_STATE_BUCKET: STATE_BUCKET,
    PULL_REQUEST_NAME_PREFIX: "pr-power-tuned",
    TF_VAR_permissions_boundary_arn: BOUNDARY_ARN,
    COPY_PERMISSIONS_BOUNDARY_ARN: COPY_BOUNDARY_ARN,
};
export const DEPLOY_BUILD_ENV = {
    ...COPY_BUILD_ENV,
    ARTIFACT_BUCKET,
    PRODUCTION_NAME_PREFIX: "power-tuned",
    CODEBUILD_BUILD_ARN: DEPLOY_BUILD_ARN,
};
export const DESTROY_BUILD_ENV = { ...COPY_BUILD_ENV, CODEBUILD_BUILD_ARN: DESTROY_BUILD_ARN };
export const EXECUTION_ARN = "arn:aws:states:us-east-1:123456789012:execution:pr-workflow:7-3f2a9c1";
export const FEEDBACK_BUILD_ENV = {
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
export const SCHEDULED_SWEEP_ENV = {
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
    PULL_REQUEST_WORKFLOW_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:power-tuned-pull-request-workflow",
};
export const FOLLOW_UP_SWEEP_ENV = { ...SCHEDULED_SWEEP_ENV, ...PULL_REQUEST, DEPLOY_BUILD_ARN };
// The Deploy build: runner and history for `record`; CodePipeline's source revision.
export const APPLY_BUILD_ENV = {
    ...PIPELINE_BUILD_ENV,
    TUNING_RUNNER_S3_URI: RUNNER_S3_URI,
    TUNING_RUNNER_SHA256: RUNNER_SHA256,
    TUNING_HISTORY_URI: HISTORY_URI,
    // CodePipeline's Deploy action sets it from the Source action's CommitId.
    DEPLOYED_COMMIT: `abc1234${"b".repeat(33)}`,
};
export const PR_SUFFIX = "7-3f2a9c1";
/** The state object of the copy the pull request's builds work on. */
export const COPY_STATE_KEY = `pull-requests/pr-power-tuned-${PR_SUFFIX}/terraform.tfstate`;

export const backend = (key: string) =>
    `-backend-config=bucket=${STATE_BUCKET} -backend-config=key=${key} -backend-config=region=us-east-1`;

// ---------------------------------------------------------------------------------------
// Running a buildspec

const FAKE_TOOL = `#!/bin/bash
# Records its argv (unit-separated) and fails when its command line contains a FAKE_FAIL line.
tool=$(basename "$0")
{ printf '%s' "$tool"; printf '\\x1f%s' "$@"; printf '\\n'; } >> "$FAKE_CALLS"
# And the access key it acts with: one from the environment, or none (the project's own role).
{ printf '%s\\x1d%s' "\${AWS_ACCESS_KEY_ID:-project role}" "$tool"; printf '\\x1f%s' "$@"; printf '\\n'; } >> "$FAKE_CALLS.credentials"
# The runner writes its results file (tune) or report (sweep) first, whatever happens next.
if [[ $tool == node ]]; then previous=; for argument in "$@"; do [[ $previous == --results || $previous == --report ]] && echo '{}' > "$argument"; previous=$argument; done; fi
while IFS= read -r pattern; do
  if [[ -n "$pattern" && "$tool $*" == *"$pattern"* ]]; then echo "fake $tool fails: $pattern" >&2; exit 1; fi
done <<< "$FAKE_FAIL"
case "$tool $1" in
  "terraform output" | "terraform show") echo '{}' ;;
  "terraform plan" | "terraform apply" | "terraform destroy")
    # Terraform starts each installed provider as a program: one without its execute bit fails here.
    for provider in $FAKE_PROVIDERS; do
      installed=".terraform/providers/$provider/terraform-provider"
      if [[ -e $installed && ! -x $installed ]]; then echo "fork/exec $installed: permission denied" >&2; exit 1; fi
    done ;;
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
      if [[ -n $cached ]]; then mkdir -p "$(dirname "$cached")" && printf 'genuine %s' "$provider" > "$cached" && chmod +x "$cached" && ln -s "$cached" "$installed" || exit 1
      else printf 'genuine %s' "$provider" > "$installed"; chmod +x "$installed"; fi
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

/** A directory of the fake tools for one run, outside its checkout; the run removes it. */
function fakeTools(): string {
    const bin = mkdtempSync(path.join(tmpdir(), "buildspec-fakes-"));
    for (const tool of ["terraform", "aws", "node", "curl", "unzip"]) {
        writeFileSync(path.join(bin, tool), FAKE_TOOL);
        chmodSync(path.join(bin, tool), 0o755);
    }
    return bin;
}

type PhaseName = "install" | "pre_build" | "build" | "post_build";

/** The providers terraform-lambda's lock file pins, as the plugin cache lays them out for CodeBuild's arm64 hosts. */
export const PROVIDERS = [
    "registry.terraform.io/hashicorp/archive/2.7.1/linux_arm64",
    "registry.terraform.io/hashicorp/aws/6.49.0/linux_arm64",
];

/**
 * A build cache's entries, by path below BUILD_CACHE_DIRECTORY: a file's content, `{ link }` for a
 * symbolic link, or `{ directory }` for a directory holding those files. CodeBuild restores files
 * without their execute bit, and so does runBuild.
 */
type CacheFiles = Record<string, string | { readonly link: string } | { readonly directory: Record<string, string> }>;

export interface BuildRun {
    /** Phases that ran, in order, with their status. */
    readonly phases: ReadonlyArray<{ readonly name: PhaseName; readonly status: "SUCCEEDED" | "FAILED" }>;
    readonly succeeded: boolean;
    /** Every fake tool call as `tool arg arg…` (arguments after shell expansion). */
    readonly calls: readonly string[];
    readonly argvs: ReadonlyArray<readonly string[]>;
    /** Each tool call (as in `calls`) with the access key it acted with (AWS_ACCESS_KEY_ID), or "project role". */
    readonly credentials: ReadonlyArray<{ readonly call: string; readonly key: string }>;
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
export function runBuild(
    buildspec: string,
    env: Record<string, string>,
    options: {
        fail?: string[];
        download?: string;
        runner?: string;
        s3Files?: string[];
        files?: Record<string, string>;
        cache?: CacheFiles;
    } = {},
): BuildRun {
    const spec = parseYaml(buildspec);
    const workspace = mkdtempSync(path.join(tmpdir(), "buildspec-run-"));
    const fakeBin = fakeTools();
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
        if (typeof content === "string") writeFileSync(target, content, { mode: 0o644 });
        else if ("link" in content) symlinkSync(content.link.split("/tmp/").join(`${privateTmp}/`), target);
        else {
            mkdirSync(target);
            for (const [name, text] of Object.entries(content.directory)) writeFileSync(path.join(target, name), text);
        }
    }
    writeFileSync(envFile, "");
    writeFileSync(callsFile, "");
    writeFileSync(`${callsFile}.credentials`, "");
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
            credentials: readFileSync(`${callsFile}.credentials`, "utf8")
                .split("\n")
                .filter((line) => line !== "")
                .map((line) => {
                    const [key, argv] = line.split("\x1d");
                    return { call: argv.split(`${privateTmp}/`).join("/tmp/").split("\x1f").join(" "), key };
                }),
            ...(caches ? { cacheAfter: filesBelow(cacheDirectory) } : {}),
        };
    } finally {
        rmSync(workspace, { recursive: true, force: true });
        rmSync(fakeBin, { recursive: true, force: true });
    }
}

/** The regular files below `directory` by relative path, with their content (links are followed). */
function filesBelow(directory: string): Record<string, string> {
    if (!existsSync(directory)) return {};
    const entries = readdirSync(directory, { recursive: true, withFileTypes: true }) as Array<{
        parentPath: string;
        name: string;
        isFile(): boolean;
    }>;
    return Object.fromEntries(
        entries
            .filter((entry) => entry.isFile())
            .map((entry) => [
                path.relative(directory, path.join(entry.parentPath, entry.name)),
                readFileSync(path.join(entry.parentPath, entry.name), "utf8"),
            ]),
    );
}

/** The calls that touch state, AWS or the runner (leaves out the install's curl/unzip). */
export const workCalls = (run: BuildRun) => run.calls.filter((call) => /^(terraform|aws|node) /.test(call) && call !== "terraform version");

export const phaseStatus = (run: BuildRun) => Object.fromEntries(run.phases.map((phase) => [phase.name, phase.status]));

/** The buildspecs that install Terraform, with the environment their project gives them. */
export const BUILDSPECS = {
    "pull-request deploy": [pullRequestDeployBuildspec, DEPLOY_BUILD_ENV],
    "pull-request destroy": [pullRequestDestroyBuildspec, DESTROY_BUILD_ENV],
    plan: [terraformPlanBuildspec, PIPELINE_BUILD_ENV],
    apply: [terraformApplyBuildspec, APPLY_BUILD_ENV],
    destroy: [terraformDestroyBuildspec, PIPELINE_BUILD_ENV],
} as const;

// ---------------------------------------------------------------------------------------
