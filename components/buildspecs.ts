// The buildspecs of the CodeBuild projects, built from typed objects and emitted as YAML.
// They depend only on plain config values (the Terraform release); everything that differs
// per stack or per build reaches them through environment variables set by the components:
// TF_STATE_BUCKET, TF_VAR_name_prefix, TUNING_RUNNER_S3_URI, TUNING_HISTORY_URI, STATE_MACHINE_ARN,
// REPOSITORY_NAME, PULL_REQUEST_ID, SOURCE_COMMIT, DESTINATION_COMMIT, DEPLOYED_COMMIT, and
// CodeBuild's own AWS_REGION and CODEBUILD_BUILD_NUMBER.
import { Document, isMap, isScalar, isSeq } from "yaml";
import { DEFAULT_POLICY_FILE } from "../buildscripts/tuning-runner/policy";

/** A Terraform release from releases.hashicorp.com and the SHA-256 of its linux_arm64 zip. */
export interface TerraformRelease {
    readonly version: string;
    readonly sha256Arm64: string;
}

/** S3 key of production's Terraform state in the state bucket. */
export const PRODUCTION_STATE_KEY = "terraform-lambda/production.tfstate";

/** terraform-lambda needs the S3 backend's use_lockfile, generally available since 1.11. */
export const MINIMUM_TERRAFORM_VERSION = "1.11.0";

/** Where the PR and apply builds put the tuning runner bundle they download. */
export const RUNNER_PATH = "/tmp/tuning-runner.js";

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
}

/** Environment every Terraform build runs with: no prompts, output for a log, not a terminal. */
const TERRAFORM_VARIABLES = { TF_INPUT: "false", TF_IN_AUTOMATION: "true" } as const;

const PHASE_ORDER = ["install", "pre_build", "build"] as const;

/**
 * The one definition of the Terraform install, shared by every buildspec: download the pinned
 * linux_arm64 release, verify it against the configured SHA-256, and only then unpack it.
 * CodeBuild stops the phase at the first failing command, so a mismatch ends the build before
 * `unzip` runs.
 */
export function installTerraform(release: TerraformRelease): readonly BuildCommand[] {
    const { version, sha256Arm64 } = validTerraformRelease(release);
    const zip = `/tmp/terraform_${version}_linux_arm64.zip`;
    return [
        {
            run: `curl --fail --silent --show-error --proto =https --tlsv1.2 --retry 3 -o ${zip} https://releases.hashicorp.com/terraform/${version}/terraform_${version}_linux_arm64.zip`,
            why: `Terraform ${version} for Graviton, pinned and checksum-verified`,
        },
        {
            run: `echo "${sha256Arm64}  ${zip}" | sha256sum --check --strict -`,
            why: "Refuse a download that does not match the configured SHA-256, before anything is unpacked",
        },
        { run: `unzip -o -d /usr/local/bin ${zip} terraform` },
        { run: "terraform version" },
    ];
}

/** Checks a TerraformRelease and returns it normalised (lowercase checksum). */
export function validTerraformRelease(release: TerraformRelease): TerraformRelease {
    const version = release.version;
    if (typeof version !== "string" || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(version)) {
        throw new Error(
            `TerraformRelease.version must be a release version MAJOR.MINOR.PATCH such as "1.11.4"; got ${JSON.stringify(version)}`,
        );
    }
    if (compareVersions(version, MINIMUM_TERRAFORM_VERSION) < 0) {
        throw new Error(
            `TerraformRelease.version must be ${MINIMUM_TERRAFORM_VERSION} or newer (terraform-lambda's S3 backend uses use_lockfile); got "${version}"`,
        );
    }
    const checksum = release.sha256Arm64;
    if (typeof checksum !== "string" || !/^[0-9a-fA-F]{64}$/.test(checksum)) {
        throw new Error(
            `TerraformRelease.sha256Arm64 must be the 64 hexadecimal characters of the SHA-256 of terraform_${version}_linux_arm64.zip (from terraform_${version}_SHA256SUMS); got ${JSON.stringify(checksum)}`,
        );
    }
    return { version, sha256Arm64: checksum.toLowerCase() };
}

function compareVersions(left: string, right: string): number {
    const numbers = (version: string) => version.split("-")[0].split(".").map(Number);
    const [a, b] = [numbers(left), numbers(right)];
    for (let index = 0; index < 3; index++) {
        if (a[index] !== b[index]) return a[index] - b[index];
    }
    return 0;
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
        `-backend-config="bucket=$TF_STATE_BUCKET"`,
        `-backend-config="key=${stateKey}"`,
        `-backend-config="region=$AWS_REGION"`,
    ].join(" ");
}

// ---------------------------------------------------------------------------------------
// Pull-request build

/** The PR's throw-away copy: names end in this suffix (terraform-lambda's name_suffix). */
const TRANSIENT_NAME_SUFFIX = '"pr-${PULL_REQUEST_ID}-${SOURCE_COMMIT:0:7}"';
/** ... and its state is this object, one per build (CODEBUILD_BUILD_NUMBER counts up per project). */
const TRANSIENT_STATE_KEY = '"pull-requests/pr-${PULL_REQUEST_ID}/build-${CODEBUILD_BUILD_NUMBER}.tfstate"';
const SUFFIX_VARIABLE = '-var "name_suffix=$TRANSIENT_NAME_SUFFIX"';

function pullRequestBuildspecObject(terraform: TerraformRelease): Buildspec {
    return {
        summary: [
            "Pull-request build: plan against production and comment the plan, deploy a throw-away",
            "copy of the branch under its own state, tune its functions and comment the results, and",
            "destroy the copy in `finally`, which CodeBuild runs even when apply or tuning failed.",
        ].join("\n"),
        variables: TERRAFORM_VARIABLES,
        phases: {
            install: {
                runtimeVersions: RUNNER_RUNTIME,
                commands: [
                    {
                        run: `[[ "$PULL_REQUEST_ID" =~ ^[1-9][0-9]*$ && "$SOURCE_COMMIT" =~ ^[0-9a-f]{40}$ ]] || { echo "PULL_REQUEST_ID (a number) and SOURCE_COMMIT (a 40-character commit id) are set by the pull-request trigger; got '$PULL_REQUEST_ID' and '$SOURCE_COMMIT'" >&2; exit 1; }`,
                        why: "The trigger's values name the throw-away copy and its state object: refuse anything else",
                    },
                    { run: `export TRANSIENT_NAME_SUFFIX=${TRANSIENT_NAME_SUFFIX}` },
                    { run: `export TRANSIENT_STATE_KEY=${TRANSIENT_STATE_KEY}` },
                    ...installTerraform(terraform),
                    {
                        run: `aws s3 cp "$TUNING_RUNNER_S3_URI" ${RUNNER_PATH}`,
                        why: "The tuning runner bundle the stack uploaded (its key is its SHA-256)",
                    },
                    { run: `node ${RUNNER_PATH} --version` },
                ],
            },
            pre_build: {
                commands: [
                    {
                        run: terraformInit(PRODUCTION_STATE_KEY),
                        why: "What would merging change in production? Plan against production's state",
                    },
                    {
                        run: "terraform plan -lock=false -out=production.tfplan",
                        why: "Read-only: no lock taken, nothing written to production's state",
                    },
                    { run: "terraform show -json production.tfplan > plan.json" },
                    {
                        run: `node ${RUNNER_PATH} plan-comment --plan plan.json`,
                        why: "Comments the plan on the PR (PR and build come from the environment)",
                    },
                ],
            },
            build: {
                commands: [
                    {
                        run: terraformInit("$TRANSIENT_STATE_KEY", { reconfigure: true }),
                        why: "From here on Terraform works on this build's own state object, never production's",
                    },
                    { run: `terraform apply -auto-approve ${SUFFIX_VARIABLE}` },
                    { run: "terraform output -json > outputs.json" },
                    {
                        run: `node ${RUNNER_PATH} tune --terraform-outputs outputs.json --input power-tuning-input.json --results power-tuning-results.json --history "$TUNING_HISTORY_URI" $([[ -f ${DEFAULT_POLICY_FILE} ]] && echo "--policy ${DEFAULT_POLICY_FILE}")`,
                        why: [
                            "Exits 1 when a tuning failed: CodeBuild then fails the phase and still runs `finally`.",
                            "The history reuses results of unchanged functions and compares with production's.",
                            `With ${DEFAULT_POLICY_FILE} in the repository, the quality gate approves or revokes the pull request`,
                            "(and a violation exits 1); without it the gate is off and the comment says so.",
                        ].join("\n"),
                    },
                ],
                finally: {
                    why: [
                        "Runs even when apply or tuning failed. Re-initialising first means destroy can only",
                        "reach this build's state; the state object is deleted only after a successful destroy,",
                        "so a failed destroy fails the build and leaves what is needed to retry it.",
                    ].join("\n"),
                    commands: [
                        {
                            run: [
                                `${terraformInit("$TRANSIENT_STATE_KEY", { reconfigure: true })} &&`,
                                `terraform destroy -auto-approve ${SUFFIX_VARIABLE} &&`,
                                `aws s3 rm "s3://$TF_STATE_BUCKET/$TRANSIENT_STATE_KEY"`,
                            ].join("\n"),
                        },
                    ],
                },
            },
        },
        artifacts: {
            files: ["plan.json", "power-tuning-results.json"],
            discardPaths: true,
        },
    };
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
        phases: { install: { ...(runtimeVersions ? { runtimeVersions } : {}), commands: installTerraform(terraform) }, build: { commands } },
        ...(artifacts ? { artifacts } : {}),
    };
}

export function pullRequestBuildspec(terraform: TerraformRelease): string {
    return renderBuildspec(pullRequestBuildspecObject(terraform));
}

/** Pipeline Build stage: the plan the approver reviews, handed on with its lock file and sources. */
export function terraformPlanBuildspec(terraform: TerraformRelease): string {
    return renderBuildspec(
        productionBuildspec(
            terraform,
            "Pipeline plan: the plan the approver reviews. The output artifact carries tfplan, .terraform.lock.hcl and the sources to the apply build.",
            [{ run: terraformInit(PRODUCTION_STATE_KEY) }, { run: "terraform plan -out=tfplan" }],
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
        `{ aws s3 cp "$TUNING_RUNNER_S3_URI" ${RUNNER_PATH} &&`,
        "terraform output -json > outputs.json &&",
        `node ${RUNNER_PATH} record --terraform-outputs outputs.json --input power-tuning-input.json --history "$TUNING_HISTORY_URI" --source-commit "$${DEPLOYED_COMMIT_VARIABLE}"; } ||`,
        `echo "WARNING: production's tuning fingerprints were not recorded; pull requests show no baseline until the next deployment records them" >&2`,
    ].join("\n"),
    why: "Record production's tuning fingerprints for pull-request baselines; a failure is reported, not fatal (see the log)",
};

/** Pipeline Deploy stage: exactly the approved plan, with the providers it was made with, then the fingerprints. */
export function terraformApplyBuildspec(terraform: TerraformRelease): string {
    return renderBuildspec(
        productionBuildspec(
            terraform,
            "Pipeline apply: exactly the approved plan (tfplan from the plan build's artifact), with the provider versions it was made with; then the tuning fingerprints production runs.",
            [
                {
                    run: terraformInit(PRODUCTION_STATE_KEY, { readonlyLockfile: true }),
                    why: "The artifact's .terraform.lock.hcl decides the providers; init fails rather than change it",
                },
                {
                    run: "terraform apply tfplan",
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
            [{ run: terraformInit(PRODUCTION_STATE_KEY) }, { run: "terraform destroy -auto-approve" }],
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
    });
    document.commentBefore = comment(spec.summary);
    for (const name of PHASE_ORDER) {
        const phase = spec.phases[name];
        if (phase === undefined) continue;
        annotateCommands(document, ["phases", name, "commands"], phase.commands);
        if (phase.finally) {
            annotateCommands(document, ["phases", name, "finally"], phase.finally.commands);
            const phaseNode = document.getIn(["phases", name], true);
            const finallyPair = isMap(phaseNode) ? phaseNode.items.find((pair) => isScalar(pair.key) && pair.key.value === "finally") : undefined;
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
