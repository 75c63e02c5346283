// Bundles the tuning runner into one self-contained file that CodeBuild runs with plain
// `node` (no npm install inside the build). Used by `npm run build` (which `npm ci` runs as
// the prepare script, so the `tuning-runner` command works right after installing) and by the
// Pulumi program, so `pulumi up` always ships the runner that is in the working tree.
import { createHash } from "crypto";
import * as esbuild from "esbuild";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { brotliCompressSync, constants as zlibConstants } from "zlib";

export const RUNNER_ENTRY_POINT = path.join(__dirname, "tuning-runner", "main.ts");
export const RUNNER_BUNDLE_PATH = path.join(__dirname, "..", "dist", "tuning-runner.js");

export interface RunnerBundle {
    /** Absolute path of the bundled file. */
    readonly path: string;
    /** Hex SHA-256 of its content: the artifact key, so a changed runner is a new object. */
    readonly sha256: string;
}

/** The SDK packages the runner uses; buildscripts/tuning-runner/aws.ts is the only importer. */
const AWS_SDK_CLIENTS = ["@aws-sdk/client-codecommit", "@aws-sdk/client-lambda", "@aws-sdk/client-s3", "@aws-sdk/client-sfn", "@aws-sdk/credential-providers"];

const COMMON_OPTIONS = {
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    // Deterministic output: the same sources give the same bytes, hence the same S3 key.
    legalComments: "none",
    logLevel: "warning",
} as const satisfies esbuild.BuildOptions;

/** Builds dist/tuning-runner.js synchronously (Pulumi programs register resources synchronously). */
export function bundleTuningRunner(outFile: string = RUNNER_BUNDLE_PATH): RunnerBundle {
    esbuild.buildSync({
        ...COMMON_OPTIONS,
        entryPoints: [RUNNER_ENTRY_POINT],
        outfile: outFile,
        // package.json's bin points here: with the banner and the mode below, npm links it as
        // the `tuning-runner` command, and it runs on its own as ./tuning-runner.js.
        banner: { js: "#!/usr/bin/env node" },
        alias: deferredAwsSdk(bundleAwsSdk(), path.join(path.dirname(outFile), ".deferred-aws-sdk")),
    });
    chmodSync(outFile, 0o755);
    const sha256 = createHash("sha256").update(readFileSync(outFile)).digest("hex");
    return { path: outFile, sha256 };
}

/** The SDK clients as one CommonJS module whose exports are keyed by package name. */
function bundleAwsSdk(): string {
    const entry = `module.exports = {${AWS_SDK_CLIENTS.map((name) => `${JSON.stringify(name)}: require(${JSON.stringify(name)})`).join(",")}};`;
    const result = esbuild.buildSync({
        ...COMMON_OPTIONS,
        stdin: { contents: entry, resolveDir: path.join(__dirname, ".."), sourcefile: "aws-sdk.js", loader: "js" },
        write: false,
    });
    return result.outputFiles[0].text;
}

/**
 * The SDK is over 90% of the bundle, and V8 parses a script whole before running a line of it,
 * so `--help`, `--version` and `report` would pay ~100 ms for code they never call. Instead the
 * SDK travels inside the one file brotli-compressed (a 1 MB string literal alone still costs
 * ~25 ms to scan; the compressed one a few) and is inflated and compiled the first time aws.ts
 * is loaded, i.e. only by the commands that call AWS. Returns the esbuild aliases that route
 * each client's import to a generated stand-in module in `directory`.
 */
function deferredAwsSdk(sdkSource: string, directory: string): Record<string, string> {
    mkdirSync(directory, { recursive: true });
    const wrapped = `(function (require, module, exports, __filename, __dirname) {${sdkSource}\n})`;
    // Quality 9: a tenth of quality 11's build time for a payload only 9% larger.
    const packed = brotliCompressSync(wrapped, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9 } }).toString("base64");
    writeFileSync(
        path.join(directory, "loader.js"),
        `const source = require("zlib").brotliDecompressSync(Buffer.from(${JSON.stringify(packed)}, "base64")).toString("utf8");
const sdk = { exports: {} };
require("vm").runInThisContext(source, { filename: "aws-sdk (deferred)" })(require, sdk, sdk.exports, __filename, __dirname);
module.exports = sdk.exports;
`,
    );
    return Object.fromEntries(
        AWS_SDK_CLIENTS.map((name) => {
            const standIn = path.join(directory, `${name.replace(/^@aws-sdk\//, "")}.js`);
            writeFileSync(standIn, `module.exports = require("./loader.js")[${JSON.stringify(name)}];\n`);
            return [name, standIn];
        }),
    );
}

if (require.main === module) {
    const bundle = bundleTuningRunner();
    console.log(`${path.relative(process.cwd(), bundle.path)} sha256:${bundle.sha256}`);
}
