// What running terraform-lambda/ with a real Terraform against moto needs, offline: the AWS
// provider from a local filesystem mirror and a checkout of the module Terraform can plan without
// downloading anything. Run as a script, it prints why the spec that does so would skip (.ci/run).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { motoMissing } from "./moto-server";
import { providerMirrorUnavailable, terraformPlatform } from "./provider-mirror";
import { TERRAFORM_MODULE_DIR } from "./paths";

export const MODULE_DIR = TERRAFORM_MODULE_DIR;
const AWS_PROVIDER = path.join("registry.terraform.io", "hashicorp", "aws");

/** A filesystem mirror holding hashicorp/aws for this platform, and the newest version it holds. */
export interface AwsProviderMirror {
    readonly directory: string;
    readonly version: string;
}

/**
 * Where a mirror may be: TF_PROVIDER_MIRROR, the filesystem_mirror paths of the CLI config,
 * Terraform's implied local mirror directories, and the directories under /opt (where machine
 * images put a mirror).
 */
function mirrorCandidates(): string[] {
    const configFile = process.env.TF_CLI_CONFIG_FILE ?? path.join(homedir(), ".terraformrc");
    const configured = existsSync(configFile)
        ? [...readFileSync(configFile, "utf8").matchAll(/filesystem_mirror\s*\{[^}]*path\s*=\s*"([^"]+)"/g)].map((match) => match[1])
        : [];
    const dataHome = process.env.XDG_DATA_HOME ?? path.join(homedir(), ".local", "share");
    const opt = existsSync("/opt") ? readdirSync("/opt").map((name) => path.join("/opt", name)) : [];
    return [
        ...(process.env.TF_PROVIDER_MIRROR ? [process.env.TF_PROVIDER_MIRROR] : []),
        ...configured,
        path.join(dataHome, "terraform", "plugins"),
        "/usr/local/share/terraform/plugins",
        "/usr/share/terraform/plugins",
        ...opt,
    ];
}

export function awsProviderMirror(): AwsProviderMirror | undefined {
    const platform = terraformPlatform();
    const byVersion = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });
    for (const directory of mirrorCandidates()) {
        const versions = existsSync(path.join(directory, AWS_PROVIDER)) ? readdirSync(path.join(directory, AWS_PROVIDER)) : [];
        const usable = versions.filter((version) => existsSync(path.join(directory, AWS_PROVIDER, version, platform))).sort(byVersion);
        if (usable.length > 0) return { directory, version: usable[usable.length - 1] };
    }
    return undefined;
}

/** Why the real Terraform cannot run against moto here, or undefined when it can. */
export function terraformEmulationUnavailable(): string | undefined {
    const tools = providerMirrorUnavailable();
    if (tools !== undefined) return tools;
    if (awsProviderMirror() === undefined) {
        return "no hashicorp/aws provider in a filesystem mirror (set TF_PROVIDER_MIRROR, or a filesystem_mirror in the CLI config)";
    }
    return motoMissing();
}

/**
 * A copy of terraform-lambda/ at `directory` that plans offline with `providerVersion`:
 * - the archive provider is not in the mirror, so `archive_file` gives way to zips of the same
 *   directories, built here, with the attributes the functions read;
 * - the AWS provider constraint is pinned to the mirror's version when it does not allow it;
 * - the committed lock file (for the registry's providers) is left out: `terraform init` writes
 *   one for the mirror's provider, as a plan build hands one on to the apply build;
 * - `memorySize`, when given, is the new default of var.memory_size: the commit that changes it.
 */
export function offlineCheckout(directory: string, providerVersion: string, options: { memorySize?: number } = {}): void {
    // The sources keep their times, so every checkout zips to the same bytes (and source_code_hash).
    cpSync(MODULE_DIR, directory, {
        recursive: true,
        preserveTimestamps: true,
        filter: (source) => !/[\\/](\.terraform|build)$|\.terraform\.lock\.hcl$/.test(source),
    });
    const edit = (file: string, change: string, from: RegExp | string, to: string) => {
        const full = path.join(directory, file);
        const before = readFileSync(full, "utf8");
        const after = before.replace(from, to);
        if (after === before) throw new Error(`${file} no longer has what the offline checkout replaces (${change})`);
        writeFileSync(full, after);
    };
    edit("versions.tf", "no archive provider", /\n\s*archive = \{[^}]*\}/, "");
    edit(
        "main.tf",
        "archive_file replaced by zips built by the spec",
        /data "archive_file" "package" \{[\s\S]*?\n\}/,
        'locals {\n  package = { for key, _ in local.functions : key => { output_path = "${path.module}/build/${key}.zip", output_base64sha256 = filebase64sha256("${path.module}/build/${key}.zip") } }\n}',
    );
    edit("main.tf", "functions read the spec's zips", /data\.archive_file\.package/g, "local.package");
    const constraint = /(source\s*=\s*"hashicorp\/aws"\s*\n\s*version\s*=\s*)"([^"]+)"/.exec(
        readFileSync(path.join(directory, "versions.tf"), "utf8"),
    );
    if (constraint === null) throw new Error("versions.tf has no hashicorp/aws version constraint");
    if (!allows(constraint[2], providerVersion))
        edit(
            "versions.tf",
            `aws provider "${constraint[2]}" pinned to the mirror's ${providerVersion}`,
            constraint[0],
            `${constraint[1]}"${providerVersion}"`,
        );
    if (options.memorySize !== undefined)
        edit(
            "variables.tf",
            `memory_size default ${options.memorySize}`,
            /(variable "memory_size" \{[^}]*default\s*=\s*)\d+/,
            `$1${options.memorySize}`,
        );
    mkdirSync(path.join(directory, "build"));
    for (const key of readdirSync(path.join(directory, "functions"))) {
        const zipped = spawnSync("zip", ["-q", "-X", "-r", path.join("..", "..", "build", `${key}.zip`), "."], {
            cwd: path.join(directory, "functions", key),
            encoding: "utf8",
        });
        if (zipped.status !== 0) throw new Error(`zip of functions/${key} failed: ${zipped.stderr}`);
    }
}

/** Whether a `~> X.Y` (or exact) constraint allows `version`; other forms are taken as not allowing it. */
function allows(constraint: string, version: string): boolean {
    const pessimistic = /^~>\s*(\d+)\.(\d+)$/.exec(constraint.trim());
    if (pessimistic !== null) {
        const [major, minor] = version.split(".").map(Number);
        return major === Number(pessimistic[1]) && minor >= Number(pessimistic[2]);
    }
    return constraint.trim() === version;
}

if (require.main === module) {
    const reason = terraformEmulationUnavailable();
    console.log(
        reason === undefined
            ? "Terraform's calls are judged against moto: terraform, the AWS provider mirror and moto are here"
            : `Terraform's calls are not judged against moto (that spec skips): ${reason}`,
    );
}
