// The buildspecs of the CodeBuild projects, built from typed objects and emitted as YAML.
// They depend only on plain config values (the Terraform release); everything that differs
// per stack or per build reaches them through environment variables set by the components
// (BUILD_VARIABLES, the runner's RUNNER_ENVIRONMENT, REPOSITORY_NAME, STATE_MACHINE_ARN,
// TF_VAR_name_prefix, TF_VAR_permissions_boundary_arn, …), by the pull-request workflow
// (PULL_REQUEST_ID, SOURCE_COMMIT, DESTINATION_COMMIT, WORKFLOW_VARIABLES) or by CodeBuild
// itself (AWS_REGION, CODEBUILD_BUILD_ARN).
import { Document, isMap, isScalar, isSeq } from "yaml";
import { ARTIFACT_LAYOUT, COPY_ROLE_PATH, PULL_REQUEST_BUILD_FILES, RUNNER_ENVIRONMENT, TUNING_FILES } from "../../buildscripts/contract";
import { STATE_LAYOUT } from "../storage/artifactStorage";
import { type TerraformRelease, verifiableTerraformRelease } from "./terraformRelease";

/** Where the trusted builds put the tuning runner bundle they download and verify. */
export const RUNNER_PATH = "/tmp/tuning-runner.js";

/**
 * Where every build keeps the Terraform zip, and the pull-request builds their provider cache:
 * the directory CodeBuild restores from and saves to the pull-request builds' S3 cache. The
 * pipeline's projects have no cache, so there it starts empty and nothing a pull request wrote
 * ever reaches production.
 */
export const BUILD_CACHE_DIRECTORY = "/tmp/terraform-cache";
/** TF_PLUGIN_CACHE_DIR of the pull-request builds: both `terraform init`s of a build, and every later build, share one download. */
export const PROVIDER_CACHE_DIRECTORY = `${BUILD_CACHE_DIRECTORY}/providers`;

/** Environment variables the stack sets on the projects, by what they hold. */
export const BUILD_VARIABLES = {
    stateBucket: "TF_STATE_BUCKET",
    artifactBucket: RUNNER_ENVIRONMENT.artifactBucket,
    /** Production's namePrefix: the untrusted deploy plans against production under these names. */
    productionNamePrefix: RUNNER_ENVIRONMENT.productionNamePrefix,
    /** The permissions boundary of a copy's roles (TF_VAR_permissions_boundary_arn is production's, for the plan). */
    copyBoundaryArn: "COPY_PERMISSIONS_BOUNDARY_ARN",
    runnerS3Uri: "TUNING_RUNNER_S3_URI",
    /** The runner bundle's SHA-256, checked before `node` runs it. */
    runnerSha256: "TUNING_RUNNER_SHA256",
    tuningHistoryUri: RUNNER_ENVIRONMENT.tuningHistoryUri,
} as const;

/**
 * The credentials of one copy, which the pull-request workflow hands the untrusted deploy and
 * destroy builds (a session of the copy role narrowed to that copy), by the variable the AWS CLI
 * and Terraform read them from. The workflow's names are not the SDKs' own, so nothing uses them
 * before the build has checked them and chosen to.
 */
export const COPY_CREDENTIAL_VARIABLES = {
    AWS_ACCESS_KEY_ID: "COPY_AWS_ACCESS_KEY_ID",
    AWS_SECRET_ACCESS_KEY: "COPY_AWS_SECRET_ACCESS_KEY",
    AWS_SESSION_TOKEN: "COPY_AWS_SESSION_TOKEN",
} as const;

/** Environment variables the pull-request workflow adds to a build, besides the PR's id and commits. */
export const WORKFLOW_VARIABLES = {
    deployBuildArn: RUNNER_ENVIRONMENT.deployBuildArn,
    deployOutcome: RUNNER_ENVIRONMENT.deployOutcome,
    executionArn: RUNNER_ENVIRONMENT.workflowExecutionArn,
    /** `s3://<copy bucket>/pull-request-sources/<copy prefix>/source.zip`: where the source hand-over writes (copies in their own account). */
    sourceArchiveUri: "SOURCE_ARCHIVE_URI",
} as const;

/**
 * The Deploy build's environment variable holding the commit of main being deployed. The pipeline
 * sets it from the Source action's output variables: the build's own source is the plan
 * artifact, so CODEBUILD_RESOLVED_SOURCE_VERSION does not name a commit there.
 */
export const DEPLOYED_COMMIT_VARIABLE = "DEPLOYED_COMMIT";

/** The Node.js the runner bundle runs on (the bundle targets Node 22). */
const RUNNER_RUNTIME = { nodejs: "22" } as const;

/** One shell command and, when it is not obvious, why it is there (a YAML comment above it). */
export interface BuildCommand {
    readonly run: string;
    readonly why?: string;
}

/** One buildspec phase. */
export interface BuildPhase {
    readonly runtimeVersions?: Readonly<Record<string, string>>;
    readonly commands: readonly BuildCommand[];
    /**
     * CodeBuild runs these even when a command above failed; the phase fails when a command
     * in either list fails. `why` is written above the `finally` key.
     */
    readonly finally?: { readonly why: string; readonly commands: readonly BuildCommand[] };
}

/** The subset of the buildspec 0.2 format these projects use. */
export interface Buildspec {
    /** What the build does, written at the top of the YAML. */
    readonly summary: string;
    readonly variables: Readonly<Record<string, string>>;
    readonly phases: {
        readonly install: BuildPhase;
        readonly pre_build?: BuildPhase;
        readonly build: BuildPhase;
    };
    readonly artifacts?: {
        readonly files: readonly string[];
        readonly excludePaths?: readonly string[];
        readonly discardPaths?: boolean;
    };
    /**
     * What CodeBuild restores before the build and saves after it (only with an S3 cache on the
     * project), under `key`: projects share a cache only under one key and cache namespace.
     */
    readonly cache?: { readonly key: string; readonly paths: readonly string[] };
}

/** Environment every Terraform build runs with: no prompts, output for a log, not a terminal. */
const TERRAFORM_VARIABLES = { TF_INPUT: "false", TF_IN_AUTOMATION: "true" } as const;

/**
 * The pull-request builds' Terraform environment: a provider cache both of a build's inits use.
 * Terraform (1.4 and later) links a cached provider only when it matches an h1: hash of the
 * dependency lock file, and otherwise downloads it again into the cache, so an entry a hostile
 * build left there costs a download, not a provider of its choosing.
 */
const COPY_BUILD_VARIABLES = { ...TERRAFORM_VARIABLES, TF_PLUGIN_CACHE_DIR: PROVIDER_CACHE_DIRECTORY } as const;

/**
 * The pull-request builds' S3 cache: the Terraform zip and the provider cache, under a key of the
 * Terraform release and the lock file's hash (CodeBuild evaluates `$(codebuild-hash-files …)` in
 * the source directory), the same in the deploy and the destroy build so that both share it.
 */
function copyBuildCache(terraform: TerraformRelease): Buildspec["cache"] {
    return {
        key: `terraform-${verifiableTerraformRelease(terraform).version}-$(codebuild-hash-files .terraform.lock.hcl)`,
        paths: [`${BUILD_CACHE_DIRECTORY}/**/*`],
    };
}

const PHASE_ORDER = ["install", "pre_build", "build"] as const;

/**
 * The one definition of the Terraform install, shared by every buildspec: reuse the pinned
 * linux_arm64 release from the build cache when the cached zip has the configured SHA-256, else
 * download it; verify it, and only then unpack it. CodeBuild stops the phase at the first failing
 * command, so a mismatch ends the build before `unzip` runs, and a poisoned cache entry costs a
 * download, never a different Terraform.
 */
export function installTerraform(release: TerraformRelease): readonly BuildCommand[] {
    const { version, sha256Arm64 } = verifiableTerraformRelease(release);
    const zipName = `terraform_${version}_linux_arm64.zip`;
    const zip = `${BUILD_CACHE_DIRECTORY}/${zipName}`;
    const matches = (options: string) => `echo "${sha256Arm64}  ${zip}" | sha256sum --check --strict${options} -`;
    return [
        { run: `mkdir -p ${BUILD_CACHE_DIRECTORY}` },
        {
            run: `find ${BUILD_CACHE_DIRECTORY} -not -type f -not -type d -delete`,
            why: [
                "The build cache (restored by CodeBuild for the pull-request builds only) holds files and directories, never links:",
                "a symbolic link planted by an earlier build could point a write below somewhere else",
            ].join("\n"),
        },
        {
            run: `find ${BUILD_CACHE_DIRECTORY} -maxdepth 1 -name ${zipName} -not -type f -exec rm -rf {} +`,
            why: "Anything but a file at the zip's path (a directory an earlier build left) is discarded and downloaded again, never fatal",
        },
        {
            run: `${matches(" --status")} || curl --fail --silent --show-error --proto =https --tlsv1.2 --retry 3 -o ${zip} https://releases.hashicorp.com/terraform/${version}/terraform_${version}_linux_arm64.zip`,
            why: `Terraform ${version} for Graviton, pinned and checksum-verified: the cached zip when it is exactly that release, else a download`,
        },
        {
            run: matches(""),
            why: "Refuse a download that does not match the configured SHA-256, before anything is unpacked",
        },
        { run: `unzip -o -d /usr/local/bin ${zip} terraform` },
        { run: "terraform version" },
    ];
}

/**
 * `terraform init` against one state object of the state bucket. `reconfigure` switches an
 * already initialised directory to another state without migrating the old one into it.
 */
function terraformInit(stateKey: string, options: { reconfigure?: boolean; readonlyLockfile?: boolean } = {}): string {
    return [
        "terraform init",
        ...(options.reconfigure ? ["-reconfigure"] : []),
        ...(options.readonlyLockfile ? ["-lockfile=readonly"] : []),
        `-backend-config="bucket=$${BUILD_VARIABLES.stateBucket}"`,
        `-backend-config="key=${stateKey}"`,
        `-backend-config="region=$AWS_REGION"`,
    ].join(" ");
}

// ---------------------------------------------------------------------------------------
// Pull-request builds: deploy and destroy run the pull request's files (untrusted); the
// feedback build never sees them (trusted).

const { stateBucket, artifactBucket, productionNamePrefix, copyBoundaryArn, runnerS3Uri, runnerSha256, tuningHistoryUri } = BUILD_VARIABLES;
const PULL_REQUEST_NAME_PREFIX = RUNNER_ENVIRONMENT.pullRequestNamePrefix;
const { pullRequestId: PULL_REQUEST_ID, sourceCommit: SOURCE_COMMIT } = RUNNER_ENVIRONMENT;

/** terraform-lambda's name_suffix of a pull request's copy, `<id>-<short commit>`, unquoted. */
const COPY_SUFFIX = `\${${PULL_REQUEST_ID}}-\${${SOURCE_COMMIT}:0:7}`;
const TRANSIENT_NAME_SUFFIX = `"${COPY_SUFFIX}"`;
/** The copy's Terraform state, shared by its deploy and its destroy: the only state object the copy's credentials may write. */
const COPY_STATE_PREFIX = `${STATE_LAYOUT.pullRequestStatePrefix}$${PULL_REQUEST_NAME_PREFIX}-${COPY_SUFFIX}/`;
const OWN_STATE_KEY = `"${COPY_STATE_PREFIX}terraform.tfstate"`;
/** Where a pull-request build leaves what it hands on: the only such prefix its role may write. */
const OWN_OUTPUT_URI = `"s3://$${artifactBucket}/${ARTIFACT_LAYOUT.pullRequestBuildsPrefix}$CODEBUILD_BUILD_ARN/"`;
/** A copy's names, and its roles under COPY_ROLE_PATH with the copies' boundary: all its credentials allow. */
const COPY_VARIABLES = `-var "name_prefix=$${PULL_REQUEST_NAME_PREFIX}" -var "name_suffix=$TRANSIENT_NAME_SUFFIX" -var "role_path=${COPY_ROLE_PATH}" -var "permissions_boundary_arn=$${copyBoundaryArn}"`;

/**
 * The Terraform commands of every build, as its buildspec writes them: bash lines run in the
 * checkout of terraform-lambda/, with the project's environment (TF_VAR_*, TF_STATE_BUCKET, …).
 * The buildspecs below and the spec that runs them with a real Terraform take them from here.
 */
export const TERRAFORM_COMMANDS = {
    /** Pipeline Build stage: the plan the approver reviews. */
    productionPlan: [terraformInit(STATE_LAYOUT.productionStateKey), "terraform plan -out=tfplan"],
    /** Pipeline Deploy stage: the approved plan, with the plan build's lock file. */
    productionApply: [terraformInit(STATE_LAYOUT.productionStateKey, { readonlyLockfile: true }), "terraform apply tfplan"],
    /** DestroyTerraform. */
    productionDestroy: [terraformInit(STATE_LAYOUT.productionStateKey), "terraform destroy -auto-approve"],
    /** What a pull-request build's install phase exports: its copy's name suffix and state object. */
    copyNames: [`export TRANSIENT_NAME_SUFFIX=${TRANSIENT_NAME_SUFFIX}`, `export OWN_STATE_KEY=${OWN_STATE_KEY}`],
    /** Pull-request deploy, first: the branch planned against production's state. */
    copyPlan: [
        terraformInit(STATE_LAYOUT.productionStateKey),
        `terraform plan -refresh=false -lock=false -var "name_prefix=$${productionNamePrefix}" -out=production.tfplan`,
        `terraform show -json production.tfplan > ${PULL_REQUEST_BUILD_FILES.plan}`,
    ],
    /** Pull-request deploy, then: the copy applied into its own state. */
    copyApply: [
        terraformInit("$OWN_STATE_KEY", { reconfigure: true }),
        `terraform apply -auto-approve ${COPY_VARIABLES}`,
        `terraform output -json > ${PULL_REQUEST_BUILD_FILES.terraformOutputs}`,
    ],
    /** Pull-request destroy: the copy, from the state its deploy wrote. */
    copyDestroy: [terraformInit("$OWN_STATE_KEY", { reconfigure: true }), `terraform destroy -auto-approve ${COPY_VARIABLES}`],
} as const;
const { productionPlan, productionApply, productionDestroy, copyNames, copyPlan, copyApply, copyDestroy } = TERRAFORM_COMMANDS;

const COPY_CREDENTIALS = Object.entries(COPY_CREDENTIAL_VARIABLES);

/**
 * From here on the AWS CLI and Terraform act with the copy's credentials. Bash's `${name:?}` ends
 * the command when one is unset or empty, naming the variable, never its value: a build log is no
 * place for a secret.
 */
const USE_COPY_CREDENTIALS: BuildCommand = {
    run: `export ${COPY_CREDENTIALS.map(([variable, from]) => `${variable}="\${${from}:?the copy credentials the pull-request workflow sets}"`).join(" ")}`,
    why: "Without the copy's own credentials the build has none in the namespace: refuse before anything runs",
};

/** `command` with the project's own role (CodeBuild's container credentials) instead of the copy's. */
function asProjectRole(command: string): string {
    return `env ${COPY_CREDENTIALS.map(([variable]) => `-u ${variable}`).join(" ")} ${command}`;
}

/**
 * The install phase of a build on a pull request's copy: take the copy's credentials, name the copy
 * and its state object, then the verified Terraform. The pull request's id and commits that name
 * the copy were checked by the runner's decision function, which the workflow runs on the same
 * event before it starts any build (it starts none when the decision fails).
 */
function copyBuildInstall(terraform: TerraformRelease, ...exported: BuildCommand[]): BuildCommand[] {
    return [
        USE_COPY_CREDENTIALS,
        ...copyNames.map((run) => ({ run })),
        ...exported,
        ...installTerraform(terraform),
        {
            run: `find ${BUILD_CACHE_DIRECTORY} -maxdepth 1 -path ${PROVIDER_CACHE_DIRECTORY} -not -type d -delete`,
            why: "Anything but a directory at the provider cache's path is discarded: the providers are downloaded again, never fatal",
        },
        // Terraform does not create its plugin cache directory.
        { run: `mkdir -p "$TF_PLUGIN_CACHE_DIR"` },
        {
            run: `find "$TF_PLUGIN_CACHE_DIR" -name "terraform-provider*" -not -type f -prune -exec rm -rf {} +`,
            why: "A directory where a provider's executable belongs would fail its download: discarded, so Terraform downloads it again",
        },
        {
            run: `find "$TF_PLUGIN_CACHE_DIR" -type f -name "terraform-provider*" -exec chmod +x {} +`,
            why: [
                "The S3 cache restores files without their execute bit: a cached provider passes Terraform's h1: check",
                "and would then fail to start. Only the lock file's hashes decide which provider is used",
            ].join("\n"),
        },
    ];
}

/** Pull-request deploy, first, when the copies share production's account: what merging would change in production. */
const PRODUCTION_PLAN_PHASE: BuildPhase = {
    commands: [
        {
            run: copyPlan[0],
            why: "What would merging change in production? Plan against production's state (this role may read it, never write it)",
        },
        {
            run: copyPlan[1],
            why: [
                "No lock (it would write production's state) and no refresh: this role may not read production's",
                "resources, so the plan compares the branch with production as last applied",
            ].join("\n"),
        },
        { run: copyPlan[2] },
        {
            run: asProjectRole(`aws s3 cp ${PULL_REQUEST_BUILD_FILES.plan} "\${OWN_OUTPUT_URI}${PULL_REQUEST_BUILD_FILES.plan}"`),
            why: "Handed on before the copy is deployed, so the comment can show the plan even when the deploy fails",
        },
    ],
};

/** Where the copies live: with production (the deploy first plans against production's state), or in their own account (no plan: production's state stays out of reach). */
export type CopyPlacement = "production's account" | "own account";

function pullRequestDeployBuildspecObject(terraform: TerraformRelease, placement: CopyPlacement): Buildspec {
    const planned = placement === "production's account";
    return {
        summary: (planned
            ? [
                  "Pull-request deploy (runs the pull request's files, under the untrusted role): plan the branch",
                  "against production's state without refreshing or locking it, then deploy a throw-away copy named",
                  `<${PULL_REQUEST_NAME_PREFIX}>-<id>-<commit>-… under this build's own state object, and hand`,
                  `${PULL_REQUEST_BUILD_FILES.plan} and ${PULL_REQUEST_BUILD_FILES.terraformOutputs} on, as data, under this build's own prefix. The workflow destroys the copy.`,
              ]
            : [
                  "Pull-request deploy (runs the pull request's files, under the untrusted role, in the copies' own account,",
                  "where nothing of production is readable, so no plan against production): deploy a throw-away copy named",
                  `<${PULL_REQUEST_NAME_PREFIX}>-<id>-<commit>-… under this build's own state object, and hand`,
                  `${PULL_REQUEST_BUILD_FILES.terraformOutputs} on, as data, under this build's own prefix. The workflow destroys the copy.`,
              ]
        ).join("\n"),
        variables: COPY_BUILD_VARIABLES,
        cache: copyBuildCache(terraform),
        phases: {
            install: {
                commands: copyBuildInstall(terraform, { run: `export OWN_OUTPUT_URI=${OWN_OUTPUT_URI}` }),
            },
            ...(planned && { pre_build: PRODUCTION_PLAN_PHASE }),
            build: {
                commands: [
                    {
                        run: copyApply[0],
                        why: "From here on Terraform works on the copy's own state object, never production's",
                    },
                    { run: copyApply[1] },
                    { run: copyApply[2] },
                    {
                        run: asProjectRole(
                            `aws s3 cp ${PULL_REQUEST_BUILD_FILES.terraformOutputs} "\${OWN_OUTPUT_URI}${PULL_REQUEST_BUILD_FILES.terraformOutputs}"`,
                        ),
                        why: "What a build hands on goes under its own build's prefix, which only the project's own role may write",
                    },
                ],
            },
        },
    };
}

function pullRequestDestroyBuildspecObject(terraform: TerraformRelease): Buildspec {
    return {
        summary: [
            "Pull-request destroy (runs the pull request's files, with the copy's own credentials): destroy everything",
            "in the copy's state object, which its deploy wrote, then delete that object. A failed destroy fails the",
            "build and keeps the object (the sweep after it removes what the copy left, and the object).",
        ].join("\n"),
        variables: COPY_BUILD_VARIABLES,
        cache: copyBuildCache(terraform),
        phases: {
            install: {
                commands: copyBuildInstall(terraform),
            },
            build: {
                commands: [
                    {
                        run: copyDestroy[0],
                        why: "The copy's state, as its deploy left it; a deploy that failed before applying left none, and there is nothing to destroy",
                    },
                    { run: copyDestroy[1] },
                    {
                        run: `aws s3 rm "s3://$${stateBucket}/$OWN_STATE_KEY"`,
                        why: "Only after a successful destroy",
                    },
                ],
            },
        },
    };
}

/** The trusted build's working directory for downloaded files: it has no checkout to mix them with. */
const DEPLOY_FILES = "/tmp/deploy-build";
/** What a trusted build keeps under its own prefix: everything the runner wrote here, and nothing else. */
const KEPT_FILES = "/tmp/build-output";
const RESULTS_FILE = `${KEPT_FILES}/${PULL_REQUEST_BUILD_FILES.tuningResults}`;

function pullRequestFeedbackBuildspecObject(): Buildspec {
    return {
        summary: [
            "Pull-request feedback (trusted: no source, never runs a file of the pull request): verify the",
            "runner bundle's SHA-256, then the runner reads the deploy build's plan and outputs as data, comments the",
            "plan and tunes the copy's functions as the pull-request bot (settings from the destination commit), as the",
            "workflow's values decide; the results file is kept under this build's own prefix even when tuning fails.",
        ].join("\n"),
        variables: {},
        phases: {
            install: trustedRunnerInstall([{ run: `mkdir -p ${DEPLOY_FILES} ${KEPT_FILES}` }]),
            build: {
                commands: [
                    {
                        run: `node ${RUNNER_PATH} pull-request-feedback --deploy-files ${DEPLOY_FILES} --results ${RESULTS_FILE}`,
                        why: [
                            "The runner checks the workflow's values, reads the deploy build's plan and outputs, comments the plan",
                            "(saying so when the copy could not be deployed) and tunes a deployed copy only: it refuses any ARN outside",
                            "the pull-request namespace, reads the tuning settings from the destination commit (GetFile), tunes as many",
                            "functions at once as the account's unreserved Lambda concurrency allows, approves or revokes as the bot,",
                            "and exits 1 when a tuning failed or the quality gate did not pass, 2 on a value the workflow would never send",
                        ].join("\n"),
                    },
                ],
                finally: {
                    why: "Runs even when tuning failed: the results file outlives the build container",
                    commands: [KEEP_UNDER_OWN_PREFIX],
                },
            },
        },
    };
}

/** Uploads what the build wrote under KEPT_FILES (nothing, when it wrote nothing) under its own prefix: a `finally` command. */
const KEEP_UNDER_OWN_PREFIX: BuildCommand = { run: `aws s3 cp --recursive ${KEPT_FILES}/ ${OWN_OUTPUT_URI}` };

function pullRequestSweepBuildspecObject(): Buildspec {
    return {
        summary: [
            "Pull-request sweep (trusted: no source, never runs a file of a pull request): with the verified runner,",
            `on its schedule remove what of the pull-request namespace no running workflow execution owns (owned copies once their execution is $${RUNNER_ENVIRONMENT.pullRequestCopyTtlHours} hours old);`,
            "started by the pull-request workflow after a destroy, remove exactly that copy and its deploy's state,",
            "whatever their age, and say in the pull request's comment what became of the copy (as the bot).",
            "Production's names are protected; the report is kept under this build's own prefix.",
        ].join("\n"),
        variables: {},
        phases: {
            install: trustedRunnerInstall([{ run: `mkdir -p ${KEPT_FILES}` }]),
            build: {
                commands: [
                    {
                        run: `node ${RUNNER_PATH} pull-request-sweep --state-uri "s3://$${stateBucket}/${STATE_LAYOUT.pullRequestStatePrefix}" --protect-prefix "$${productionNamePrefix}" --report ${KEPT_FILES}/${PULL_REQUEST_BUILD_FILES.sweepReport}`,
                        why: [
                            "The runner decides what to sweep: on the schedule (no pull request), the whole namespace but the copies running",
                            "workflow executions own; after a pull request's destroy, exactly that copy and its deploy's state, whatever their",
                            "age, commenting as the bot (the pull request, the bot and the scheduled sweep come from the environment)",
                        ].join("\n"),
                    },
                ],
                finally: {
                    why: "Runs even when the sweep could not remove everything: the report outlives the build container",
                    commands: [KEEP_UNDER_OWN_PREFIX],
                },
            },
        },
    };
}

/** Where the source hand-over zips the checkout. */
const SOURCE_ARCHIVE = "/tmp/source.zip";
/** The AWS CLI profile of the hand-over's role in the copies' own account. */
const COPY_ACCOUNT_PROFILE = "copy-account";

function pullRequestSourceHandOverBuildspecObject(): Buildspec {
    const profile = (setting: string, value: string) => ({
        run: `aws configure set ${setting} ${value} --profile ${COPY_ACCOUNT_PROFILE}`,
    });
    return {
        summary: [
            "Pull-request source hand-over (trusted: checks the source commit out and never runs a file of it): zip the",
            "checkout, links stored as links and without .git, and write it where the workflow says, in the copies' own",
            "account, with the role there that may write nothing but handed-over sources (CodeBuild's container",
            "credentials assume it, with the stack's external ID). The untrusted builds there take it as their source.",
        ].join("\n"),
        variables: {},
        phases: {
            install: {
                commands: [
                    profile("role_arn", `"$${RUNNER_ENVIRONMENT.copyAccountRoleArn}"`),
                    profile("external_id", `"$${RUNNER_ENVIRONMENT.copyAccountExternalId}"`),
                    profile("credential_source", "EcsContainer"),
                ],
            },
            build: {
                commands: [
                    {
                        run: `zip -q -r --symlinks ${SOURCE_ARCHIVE} . -x '.git/*'`,
                        why: "--symlinks keeps a link a link: a pull request's link to a file of this build's container stays a link",
                    },
                    { run: `aws s3 cp ${SOURCE_ARCHIVE} "$${WORKFLOW_VARIABLES.sourceArchiveUri}" --profile ${COPY_ACCOUNT_PROFILE}` },
                ],
            },
        },
    };
}

/** The install phase of a trusted build: the verified runner on Node 22, then `prepare`. */
function trustedRunnerInstall(prepare: readonly BuildCommand[]): BuildPhase {
    return { runtimeVersions: RUNNER_RUNTIME, commands: [...verifiedRunnerDownload(), ...prepare] };
}

/**
 * The runner bundle the stack uploaded, checked against the SHA-256 the stack set before `node`
 * ever runs it: CodeBuild stops the phase at the first failing command.
 */
function verifiedRunnerDownload(): BuildCommand[] {
    return [
        { run: `aws s3 cp "$${runnerS3Uri}" ${RUNNER_PATH}`, why: "The tuning runner bundle the stack uploaded" },
        {
            run: `echo "$${runnerSha256}  ${RUNNER_PATH}" | sha256sum --check --strict -`,
            why: "Run only the bundle the stack built: its SHA-256 was set by `pulumi up`",
        },
        { run: `node ${RUNNER_PATH} --version` },
    ];
}

/** The untrusted deploy's buildspec; default: the copies share production's account, and the branch is first planned against production. */
export function pullRequestDeployBuildspec(terraform: TerraformRelease, placement: CopyPlacement = "production's account"): string {
    return renderBuildspec(pullRequestDeployBuildspecObject(terraform, placement));
}

export function pullRequestDestroyBuildspec(terraform: TerraformRelease): string {
    return renderBuildspec(pullRequestDestroyBuildspecObject(terraform));
}

export function pullRequestSourceHandOverBuildspec(): string {
    return renderBuildspec(pullRequestSourceHandOverBuildspecObject());
}

export function pullRequestFeedbackBuildspec(): string {
    return renderBuildspec(pullRequestFeedbackBuildspecObject());
}

export function pullRequestSweepBuildspec(): string {
    return renderBuildspec(pullRequestSweepBuildspecObject());
}

// ---------------------------------------------------------------------------------------
// Pipeline builds (production state)

/** A pipeline build on production's state: the verified Terraform install, then `commands`. */
function productionBuildspec(
    terraform: TerraformRelease,
    summary: string,
    commands: readonly BuildCommand[],
    options: { readonly artifacts?: Buildspec["artifacts"]; readonly runtimeVersions?: BuildPhase["runtimeVersions"] } = {},
): Buildspec {
    const { artifacts, runtimeVersions } = options;
    return {
        summary,
        variables: TERRAFORM_VARIABLES,
        phases: {
            install: { ...(runtimeVersions ? { runtimeVersions } : {}), commands: installTerraform(terraform) },
            build: { commands },
        },
        ...(artifacts ? { artifacts } : {}),
    };
}

/** Pipeline Build stage: the plan the approver reviews, handed on with its lock file and sources. */
export function terraformPlanBuildspec(terraform: TerraformRelease): string {
    return renderBuildspec(
        productionBuildspec(
            terraform,
            "Pipeline plan: the plan the approver reviews. The output artifact carries tfplan, .terraform.lock.hcl and the sources to the apply build.",
            productionPlan.map((run) => ({ run })),
            // Providers are downloaded again by the apply build, verified against the lock file.
            { artifacts: { files: ["**/*"], excludePaths: [".terraform/**/*"] } },
        ),
    );
}

/**
 * After production's apply: the fingerprints production now runs, which pull requests compare
 * against. A failure here must not fail the deployment — the approved plan cannot be applied a
 * second time, and a missing record only costs pull requests their baseline (their comment says
 * so) until the next deployment records again — so it is reported and the build goes on.
 */
const RECORD_PRODUCTION_FINGERPRINTS: BuildCommand = {
    run: [
        `{ ${verifiedRunnerDownload()
            .slice(0, 2)
            .map((command) => command.run)
            .join(" &&\n")} &&`,
        `terraform output -json > ${PULL_REQUEST_BUILD_FILES.terraformOutputs} &&`,
        `node ${RUNNER_PATH} record --terraform-outputs ${PULL_REQUEST_BUILD_FILES.terraformOutputs} --input ${TUNING_FILES.input} --history "$${tuningHistoryUri}" --source-commit "$${DEPLOYED_COMMIT_VARIABLE}"; } ||`,
        `echo "WARNING: production's tuning fingerprints were not recorded; pull requests show no baseline until the next deployment records them" >&2`,
    ].join("\n"),
    why: "Record production's tuning fingerprints for pull-request baselines with the verified runner; a failure is reported, not fatal (see the log)",
};

/** Pipeline Deploy stage: exactly the approved plan, with the providers it was made with, then the fingerprints. */
export function terraformApplyBuildspec(terraform: TerraformRelease): string {
    return renderBuildspec(
        productionBuildspec(
            terraform,
            "Pipeline apply: exactly the approved plan (tfplan from the plan build's artifact), with the provider versions it was made with; then the tuning fingerprints production runs.",
            [
                {
                    run: productionApply[0],
                    why: "The artifact's .terraform.lock.hcl decides the providers; init fails rather than change it",
                },
                {
                    run: productionApply[1],
                    why: "The approved plan file: Terraform refuses it if production's state changed since the plan",
                },
                RECORD_PRODUCTION_FINGERPRINTS,
            ],
            { runtimeVersions: RUNNER_RUNTIME },
        ),
    );
}

/** DestroyTerraform project, started by hand: removes everything production's state holds. */
export function terraformDestroyBuildspec(terraform: TerraformRelease): string {
    return renderBuildspec(
        productionBuildspec(
            terraform,
            "DestroyTerraform (started by hand): destroys everything in production's Terraform state.",
            productionDestroy.map((run) => ({ run })),
        ),
    );
}

// ---------------------------------------------------------------------------------------
// YAML

/** Emits a buildspec as YAML 0.2, each command's `why` as a comment above it. */
function renderBuildspec(spec: Buildspec): string {
    const phases: Record<string, unknown> = {};
    for (const name of PHASE_ORDER) {
        const phase = spec.phases[name];
        if (phase === undefined) continue;
        phases[name] = {
            ...(phase.runtimeVersions ? { "runtime-versions": phase.runtimeVersions } : {}),
            commands: phase.commands.map((command) => command.run),
            ...(phase.finally ? { finally: phase.finally.commands.map((command) => command.run) } : {}),
        };
    }
    const artifacts = spec.artifacts && {
        files: spec.artifacts.files,
        ...(spec.artifacts.excludePaths ? { "exclude-paths": spec.artifacts.excludePaths } : {}),
        ...(spec.artifacts.discardPaths !== undefined ? { "discard-paths": spec.artifacts.discardPaths ? "yes" : "no" } : {}),
    };
    const document = new Document({
        version: 0.2,
        env: { shell: "bash", variables: spec.variables },
        phases,
        ...(artifacts ? { artifacts } : {}),
        ...(spec.cache ? { cache: { key: spec.cache.key, paths: spec.cache.paths } } : {}),
    });
    document.commentBefore = comment(spec.summary);
    for (const name of PHASE_ORDER) {
        const phase = spec.phases[name];
        if (phase === undefined) continue;
        annotateCommands(document, ["phases", name, "commands"], phase.commands);
        if (phase.finally) {
            annotateCommands(document, ["phases", name, "finally"], phase.finally.commands);
            const phaseNode = document.getIn(["phases", name], true);
            const finallyPair = isMap(phaseNode)
                ? phaseNode.items.find((pair) => isScalar(pair.key) && pair.key.value === "finally")
                : undefined;
            if (finallyPair && isScalar(finallyPair.key)) finallyPair.key.commentBefore = comment(phase.finally.why);
        }
    }
    return document.toString({ lineWidth: 0 });
}

function annotateCommands(document: Document, path: readonly string[], commands: readonly BuildCommand[]): void {
    const sequence = document.getIn(path, true);
    if (!isSeq(sequence)) return;
    sequence.items.forEach((item, index) => {
        const why = commands[index].why;
        if (why !== undefined && isScalar(item)) item.commentBefore = comment(why);
    });
}

/** YAML comment text: a leading space after each `#`. */
function comment(text: string): string {
    return text
        .split("\n")
        .map((line) => ` ${line}`)
        .join("\n");
}
