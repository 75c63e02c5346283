// Bundles the tuning runner into one self-contained file that CodeBuild runs with plain
// `node` (no npm install inside the build). Used by `npm run build` (which `npm ci` runs as
// the prepare script, so the `tuning-runner` command works right after installing) and by the
// Pulumi program, so `pulumi up` always ships the runner that is in the working tree.
import { createHash } from "node:crypto";
import * as esbuild from "esbuild";
import { chmodSync, readFileSync } from "node:fs";
import * as path from "node:path";

export const RUNNER_ENTRY_POINT = path.join(__dirname, "tuning-runner", "main.ts");
export const RUNNER_BUNDLE_PATH = path.join(__dirname, "..", "dist", "tuning-runner.js");

export interface RunnerBundle {
    /** Absolute path of the bundled file. */
    readonly path: string;
    /** Hex SHA-256 of its content: the artifact key, so a changed runner is a new object. */
    readonly sha256: string;
}

/** Builds dist/tuning-runner.js synchronously (Pulumi programs register resources synchronously). */
export function bundleTuningRunner(outFile: string = RUNNER_BUNDLE_PATH): RunnerBundle {
    esbuild.buildSync({
        entryPoints: [RUNNER_ENTRY_POINT],
        outfile: outFile,
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        minify: true,
        // Deterministic output: the same sources give the same bytes, hence the same S3 key.
        legalComments: "none",
        logLevel: "warning",
        // package.json's bin points here: with the banner and the mode below, npm links it as
        // the `tuning-runner` command, and it runs on its own as ./tuning-runner.js.
        banner: { js: "#!/usr/bin/env node" },
    });
    chmodSync(outFile, 0o755);
    const sha256 = createHash("sha256").update(readFileSync(outFile)).digest("hex");
    return { path: outFile, sha256 };
}

if (require.main === module) {
    const bundle = bundleTuningRunner();
    console.log(`${path.relative(process.cwd(), bundle.path)} sha256:${bundle.sha256}`);
}
