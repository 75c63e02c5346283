// The Terraform the builds download: which releases the stack accepts and how a release is
// verified. The stack configuration and the buildspecs judge a release with this one check, so
// they cannot disagree on what is a version, what is too old, or what is a checksum.

/** A Terraform release from releases.hashicorp.com and the SHA-256 of its linux_arm64 zip. */
export interface TerraformRelease {
    readonly version: string;
    readonly sha256Arm64: string;
}

/**
 * Releases whose linux_arm64 checksum is known here, each from a source cited beside it. A known
 * version with another checksum, or a checksum of a known release under another version (a version
 * changed without its checksum), is refused before anything is created instead of failing in the
 * build's download check.
 */
export const KNOWN_TERRAFORM_RELEASES: readonly TerraformRelease[] = [
    // terraform_1.11.4_SHA256SUMS, as published by HashiCorp; the same value is pinned in
    // hashicorp/homebrew-tap Formula/terraform.rb for 1.11.4.
    { version: "1.11.4", sha256Arm64: "a43d1d0da9b9bab214a8305a39db0e40869572594ccf50c416a7756499143633" },
];

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
        problems.push({
            field: "version",
            value: version,
            allowed: `${MINIMUM_TERRAFORM_VERSION} or later (terraform-lambda's S3 backend uses its lock file, use_lockfile)`,
        });
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

/**
 * What contradicts KNOWN_TERRAFORM_RELEASES in a well-formed release: a known version with
 * another checksum, or a known release's checksum under another version. The stack's
 * configuration refuses it; the buildspecs' own check is the download's.
 */
export function knownTerraformReleaseProblem({ version, sha256Arm64 }: TerraformRelease): TerraformReleaseProblem | undefined {
    const checksum = sha256Arm64.toLowerCase();
    const known = KNOWN_TERRAFORM_RELEASES.find((release) => release.version === version);
    if (known !== undefined && known.sha256Arm64 !== checksum) {
        return {
            field: "sha256Arm64",
            value: sha256Arm64,
            allowed: `${known.sha256Arm64}, the SHA-256 HashiCorp publishes for terraform_${version}_linux_arm64.zip`,
        };
    }
    const owner = KNOWN_TERRAFORM_RELEASES.find((release) => release.sha256Arm64 === checksum);
    if (known === undefined && owner !== undefined) {
        return {
            field: "sha256Arm64",
            value: sha256Arm64,
            allowed: `the SHA-256 of terraform_${version}_linux_arm64.zip, not of ${owner.version}'s: change both keys together (its line in terraform_${version}_SHA256SUMS)`,
        };
    }
    return undefined;
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
