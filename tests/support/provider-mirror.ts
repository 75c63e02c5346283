// A real `terraform init` against a provider served from a local filesystem mirror (the packed
// layout the registry's zips have), with or without a plugin cache: how the specs and the
// benchmark see what Terraform itself does with a cache entry, offline. Needs a `terraform` and a
// `zip` on PATH.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { scratchDirectory } from "./scratch";

/** Whether this machine can run the real thing, or why not. */
export function providerMirrorUnavailable(): string | undefined {
    for (const tool of ["terraform", "zip"]) {
        if (spawnSync(tool, ["--version"], { encoding: "utf8" }).error !== undefined) return `no ${tool} binary on PATH`;
    }
    return undefined;
}

/** `linux_amd64` and the like: the platform the terraform binary on PATH installs providers for. */
export function terraformPlatform(): string {
    return JSON.parse(spawnSync("terraform", ["version", "-json"], { encoding: "utf8" }).stdout).platform;
}

export interface ProviderMirror {
    readonly directory: string;
    /** `<hostname>/<namespace>/<type>` */
    readonly source: string;
    readonly version: string;
    /** The plugin cache's copy of the provider's executable. */
    readonly cachedExecutable: string;
    /** `terraform init` in the configuration's directory; the "- …" lines Terraform printed and the wall time. */
    init(options?: { cache?: boolean }): { status: number | null; lines: string[]; output: string; wallMs: number };
    /** Replaces the lock file with one holding only `hashes`. */
    lockWith(hashes: readonly string[]): void;
    /** The lock file as `terraform providers lock` wrote it for this platform: its hashes. */
    readonly lockedHashes: readonly string[];
    /** `zh:<SHA-256 of the zip>`, the hash the registry's SHA256SUMS give for a package. */
    readonly zipHash: string;
}

/**
 * A configuration requiring one provider, served from a packed filesystem mirror holding
 * `executable` (a file to copy, or a small script when none is given), and its lock file as
 * `terraform providers lock` writes it for this platform.
 */
export function providerMirror(options: { source?: string; version?: string; executable?: string } = {}): ProviderMirror {
    const source = options.source ?? "example.com/lambda-power-tuned/fake";
    const version = options.version ?? "1.0.0";
    const type = source.split("/")[2];
    const platform = terraformPlatform();
    const directory = scratchDirectory("provider-mirror-");
    const [mirror, configuration, cache, staging] = ["mirror", "configuration", "cache", "staging"].map((name) =>
        path.join(directory, name),
    );
    for (const folder of [path.join(mirror, source), configuration, cache, staging]) mkdirSync(folder, { recursive: true });
    const executableName = `terraform-provider-${type}_v${version}`;
    if (options.executable === undefined) writeFileSync(path.join(staging, executableName), "#!/bin/sh\necho genuine provider\n");
    else copyFileSync(options.executable, path.join(staging, executableName));
    chmodSync(path.join(staging, executableName), 0o755);
    const zip = path.join(mirror, source, `terraform-provider-${type}_${version}_${platform}.zip`);
    run("zip", ["-q", "-1", zip, executableName], staging);
    writeFileSync(
        path.join(directory, "cli.tfrc"),
        `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`,
    );
    writeFileSync(
        path.join(configuration, "main.tf"),
        `terraform {\n  required_providers {\n    ${type} = { source = ${JSON.stringify(source)}, version = ${JSON.stringify(version)} }\n  }\n}\n`,
    );
    const env = {
        ...process.env,
        TF_CLI_CONFIG_FILE: path.join(directory, "cli.tfrc"),
        CHECKPOINT_DISABLE: "1",
        TF_IN_AUTOMATION: "true",
        TF_INPUT: "false",
    };
    run("terraform", [`-chdir=${configuration}`, "providers", "lock", `-fs-mirror=${mirror}`, `-platform=${platform}`], directory, env);
    const lockFile = path.join(configuration, ".terraform.lock.hcl");
    const lockedHashes = [...readFileSync(lockFile, "utf8").matchAll(/"((?:h1|zh):[^"]+)"/g)].map((match) => match[1]);
    return {
        directory,
        source,
        version,
        cachedExecutable: path.join(cache, source, version, platform, executableName),
        lockedHashes,
        zipHash: `zh:${createHash("sha256").update(readFileSync(zip)).digest("hex")}`,
        lockWith(hashes) {
            const lines = hashes.map((hash) => `    ${JSON.stringify(hash)},`).join("\n");
            writeFileSync(
                lockFile,
                `provider "registry.terraform.io/${source}" {\n  version = "${version}"\n  hashes = [\n${lines}\n  ]\n}\n`.replace(
                    "registry.terraform.io/",
                    "",
                ),
            );
        },
        init(initOptions = {}) {
            spawnSync("rm", ["-rf", path.join(configuration, ".terraform")]);
            const started = process.hrtime.bigint();
            const result = spawnSync("terraform", [`-chdir=${configuration}`, "init", "-input=false", "-no-color"], {
                encoding: "utf8",
                env: { ...env, ...(initOptions.cache === false ? {} : { TF_PLUGIN_CACHE_DIR: cache }) },
            });
            const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
            const output = `${result.stdout}${result.stderr}`;
            return { status: result.status, lines: output.split("\n").filter((line) => line.startsWith("- ")), output, wallMs };
        },
    };
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
    const result = spawnSync(command, args, { cwd, env, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stdout}${result.stderr}`);
}
