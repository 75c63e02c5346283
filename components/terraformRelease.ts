// The Terraform the builds download: which releases the stack accepts and how a release is
// verified. The stack configuration and the buildspecs judge a release with this one check, so
// they cannot disagree on what is a version, what is too old, or what is a checksum.

/** A Terraform release from releases.hashicorp.com and the SHA-256 of its linux_arm64 zip. */
export interface TerraformRelease {
    readonly version: string;
    readonly sha256Arm64: string;
}

/** terraform-lambda needs the S3 backend's use_lockfile, generally available since 1.11. */
const MINIMUM_TERRAFORM_VERSION = "1.11.0";

/**
 * MAJOR.MINOR.PATCH with an optional pre-release (HashiCorp publishes release candidates with
 * their own SHA256SUMS). The version is written into a download URL and a shell command, so
 * nothing else passes.
 */
const VERSION = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.]+)?$/;
const SHA256 = /^[0-9a-fA-F]{64}$/;

/** A release as configured, before it is known to hold text. */
export type UncheckedTerraformRelease = { readonly [K in keyof TerraformRelease]: unknown };

/** One field of a release that cannot be verified, and what it may be instead. */
export interface TerraformReleaseProblem {
    readonly field: keyof TerraformRelease;
    readonly value: unknown;
    readonly allowed: string;
}

/**
 * What is wrong with a release, field by field (nothing for a release the builds can download
 * and verify). Values are `unknown`: configuration reaches here before it is known to be text.
 */
export function terraformReleaseProblems(release: UncheckedTerraformRelease): TerraformReleaseProblem[] {
    const problems: TerraformReleaseProblem[] = [];
    const { version, sha256Arm64 } = release;
    const parts = typeof version === "string" ? VERSION.exec(version) : null;
    if (parts === null) {
        problems.push({ field: "version", value: version, allowed: "a release version MAJOR.MINOR.PATCH such as 1.11.4" });
    } else if (olderThanMinimum(parts.slice(1, 4).map(Number))) {
        problems.push({ field: "version", value: version, allowed: `${MINIMUM_TERRAFORM_VERSION} or later (terraform-lambda's S3 backend uses its lock file, use_lockfile)` });
    }
    if (typeof sha256Arm64 !== "string" || !SHA256.test(sha256Arm64)) {
        const named = parts === null ? "<version>" : String(version);
        problems.push({
            field: "sha256Arm64",
            value: sha256Arm64,
            allowed: `the 64 hex characters of the SHA-256 of terraform_${named}_linux_arm64.zip (its line in terraform_${named}_SHA256SUMS)`,
        });
    }
    return problems;
}

/** A pre-release counts as the release it leads to. */
function olderThanMinimum(version: readonly number[]): boolean {
    const minimum = MINIMUM_TERRAFORM_VERSION.split(".").map(Number);
    const index = version.findIndex((part, i) => part !== minimum[i]);
    return index >= 0 && version[index] < minimum[index];
}

/** The release with its checksum written the way sha256sum prints it; throws on any problem. */
export function verifiableTerraformRelease(release: UncheckedTerraformRelease): TerraformRelease {
    const [problem] = terraformReleaseProblems(release);
    if (problem !== undefined) {
        throw new Error(`TerraformRelease.${problem.field} must be ${problem.allowed}; got ${JSON.stringify(problem.value)}`);
    }
    return { version: String(release.version), sha256Arm64: String(release.sha256Arm64).toLowerCase() };
}
