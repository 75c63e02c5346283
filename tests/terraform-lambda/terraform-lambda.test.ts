// terraform-lambda/ is what the stack seeds into CodeCommit and what users grow. Its HCL is
// read with @cdktf/hcl2json (offline), its variable rules and names are evaluated by a real
// `terraform` when one is on PATH (no providers needed), and its sample function runs here.
import { parse } from "@cdktf/hcl2json";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import type { Context } from "mocha";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { COPY_ROLE_TAG_KEY, copyNamePrefix } from "../../buildscripts/contract";
import { functionsFromTerraformOutputs } from "../../buildscripts/tuning-runner/core/targets";
import { parseTuningInput, peakLambdaConcurrency } from "../../buildscripts/tuning-runner/core/tuningInput";
import { TERRAFORM_MODULE_DIR } from "../support/paths";

const INPUT_FILE = path.join(TERRAFORM_MODULE_DIR, "power-tuning-input.json");

interface DigestResult {
    readonly documentKb: number;
    readonly rounds: number;
    readonly sha256: string;
    readonly bytesHashed: number;
    readonly documentBytes: number;
    readonly compressedBytes: number;
}

interface DigestModule {
    handler(event: unknown): Promise<DigestResult>;
    buildDocument(kb: number): Buffer;
}

// Plain JavaScript, loaded the way the Lambda runtime loads it.
const digest: DigestModule = require(path.join(TERRAFORM_MODULE_DIR, "functions", "digest", "index.js"));

function tfFiles(directory: string): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) return entry.name === ".terraform" || entry.name === "build" ? [] : tfFiles(full);
        return entry.name.endsWith(".tf") ? [full] : [];
    });
}

/** Merges hcl2json's per-file objects into one view of the module (arrays concatenate). */
function merge(target: Record<string, any>, source: Record<string, any>): Record<string, any> {
    for (const [key, value] of Object.entries(source)) {
        if (Array.isArray(value)) target[key] = [...(target[key] ?? []), ...value];
        else if (value !== null && typeof value === "object") target[key] = merge(target[key] ?? {}, value);
        else target[key] = value;
    }
    return target;
}

let moduleConfig: Record<string, any> | undefined;
async function terraformModule(): Promise<Record<string, any>> {
    if (moduleConfig === undefined) {
        const parsed = await Promise.all(
            tfFiles(TERRAFORM_MODULE_DIR).map((file) => parse(path.basename(file), readFileSync(file, "utf8"))),
        );
        moduleConfig = parsed.reduce((all, one) => merge(all, one), {});
    }
    return moduleConfig;
}

const block = (config: Record<string, any>, ...names: string[]): Record<string, any> => {
    const found = names.reduce((node, name) => node?.[name], config);
    assert.ok(Array.isArray(found) && found.length === 1, `expected exactly one block ${names.join(".")}`);
    return found[0];
};

const locals = (config: Record<string, any>): Record<string, any> => Object.assign({}, ...config.locals);

// ---------------------------------------------------------------------------------------
// A real terraform, when there is one. Only variables and locals are copied into a scratch
// directory: no provider, no backend, so nothing is downloaded.

const terraformOnPath = spawnSync("terraform", ["version"], { encoding: "utf8" }).error === undefined;

function requireTerraform(context: Context): void {
    if (terraformOnPath) return;
    context.test!.title += " (skipped: no terraform binary on PATH)";
    context.skip();
}

function terraform(directory: string, args: readonly string[]) {
    const result = spawnSync("terraform", [`-chdir=${directory}`, ...args], {
        encoding: "utf8",
        env: { ...process.env, TF_IN_AUTOMATION: "true", TF_INPUT: "false", CHECKPOINT_DISABLE: "1" },
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}`.replace(/\s+/g, " ") };
}

/** A scratch module holding copies of `files` from terraform-lambda/. */
function scratchModule(files: readonly string[]): string {
    const directory = mkdtempSync(path.join(tmpdir(), "terraform-lambda-"));
    for (const file of files) copyFileSync(path.join(TERRAFORM_MODULE_DIR, file), path.join(directory, file));
    return directory;
}

function varArgs(vars: Record<string, string>): string[] {
    return Object.entries(vars).map(([name, value]) => `-var=${name}=${value}`);
}

// ---------------------------------------------------------------------------------------

describe("terraform-lambda", () => {
    describe("configuration", () => {
        it("parses every .tf file", async () => {
            const files = tfFiles(TERRAFORM_MODULE_DIR).map((file) => path.relative(TERRAFORM_MODULE_DIR, file));
            assert.deepEqual(files.sort(), ["functions.tf", "main.tf", "names.tf", "outputs.tf", "variables.tf", "versions.tf"]);
            await terraformModule();
        });

        it("keeps state in S3 with S3's own lock file, leaving bucket, key and region to each build", async () => {
            const settings = block(await terraformModule(), "terraform");
            const backends = Object.keys(settings.backend);
            assert.deepEqual(backends, ["s3"]);
            const s3 = settings.backend.s3[0];
            assert.equal(s3.use_lockfile, true);
            for (const perBuild of ["bucket", "key", "region", "dynamodb_table"]) {
                assert.equal(s3[perBuild], undefined, `${perBuild} must come from -backend-config, not the code`);
            }
        });

        it("requires Terraform 1.11 or newer (use_lockfile is generally available from 1.11) and pins the providers' major versions", async () => {
            const settings = block(await terraformModule(), "terraform");
            assert.match(settings.required_version, /^>= 1\.11\.\d+, < 2\.0\.0$/);
            const providers = Object.assign({}, ...settings.required_providers);
            assert.deepEqual(Object.keys(providers).sort(), ["archive", "aws"]);
            assert.deepEqual(providers.aws, { source: "hashicorp/aws", version: "~> 6.0" });
            assert.deepEqual(providers.archive, { source: "hashicorp/archive", version: "~> 2.7" });
        });

        it("declares name_prefix, name_suffix, role_path and memory_size with production defaults, and permissions_boundary_arn without one", async () => {
            const config = await terraformModule();
            assert.equal(block(config, "variable", "name_prefix").default, "power-tuned");
            assert.equal(block(config, "variable", "name_suffix").default, "");
            assert.equal(block(config, "variable", "role_path").default, "/");
            assert.equal(block(config, "variable", "memory_size").default, 128);
            assert.ok(
                !("default" in block(config, "variable", "permissions_boundary_arn")),
                "every build must pass the boundary (TF_VAR_permissions_boundary_arn)",
            );
            for (const name of ["name_prefix", "name_suffix", "role_path", "memory_size", "permissions_boundary_arn"]) {
                assert.ok(block(config, "variable", name).validation?.length === 1, `variable ${name} has a validation rule`);
            }
        });

        it("outputs arn (the digest function) and functions (every function by logical name)", async () => {
            const config = await terraformModule();
            assert.equal(block(config, "output", "arn").value, '${aws_lambda_function.function["digest"].arn}');
            assert.equal(
                block(config, "output", "functions").value,
                "${{ for key, function in aws_lambda_function.function : key => function.arn }}",
            );
            assert.ok("digest" in locals(config).functions, "the digest function is in local.functions");
        });

        it("deploys every function on nodejs22.x and arm64 from its deterministic package", async () => {
            const config = await terraformModule();
            const lambda = block(config, "resource", "aws_lambda_function", "function");
            assert.equal(lambda.for_each, "${local.functions}");
            assert.equal(lambda.runtime, "nodejs22.x");
            assert.deepEqual(lambda.architectures, ["arm64"]);
            assert.equal(lambda.filename, "${data.archive_file.package[each.key].output_path}");
            assert.equal(lambda.source_code_hash, "${data.archive_file.package[each.key].output_base64sha256}");
            const archive = block(config, "data", "archive_file", "package");
            assert.equal(archive.type, "zip");
            // The provider zeroes timestamps itself; the file mode is what differs between machines.
            assert.equal(archive.output_file_mode, "0644");
        });

        it("names every function, role and log group <name_prefix>[-<name_suffix>]-<what>", async () => {
            const config = await terraformModule();
            const names = locals(config);
            assert.equal(names.names_start, '${var.name_suffix == "" ? var.name_prefix : "${var.name_prefix}-${var.name_suffix}"}');
            assert.match(names.function_names, /=> "\$\{local\.names_start\}-\$\{key\}"/);
            assert.match(names.role_names, /=> "\$\{local\.names_start\}-\$\{key\}-role"/);
            assert.equal(block(config, "resource", "aws_lambda_function", "function").function_name, "${local.function_names[each.key]}");
            assert.equal(block(config, "resource", "aws_iam_role", "function").name, "${local.role_names[each.key]}");
            assert.equal(
                block(config, "resource", "aws_cloudwatch_log_group", "function").name,
                "/aws/lambda/${local.function_names[each.key]}",
            );
        });

        it("stops at plan time, with the name, when a function or role name would exceed AWS's 64 characters", async () => {
            const config = await terraformModule();
            const limits: Array<[string, string]> = [
                ["aws_lambda_function", "${length(local.function_names[each.key]) <= 64}"],
                ["aws_iam_role", "${length(local.role_names[each.key]) <= 64}"],
            ];
            for (const [type, condition] of limits) {
                const [precondition] = block(config, "resource", type, "function").lifecycle[0].precondition;
                assert.equal(precondition.condition, condition, type);
                assert.match(precondition.error_message, /is longer than 64 characters/, type);
            }
        });

        it("puts the stack's permissions boundary, the roles' path and a copy's tag on every role it creates", async () => {
            const config = await terraformModule();
            const roles = Object.entries(config.resource.aws_iam_role as Record<string, Array<Record<string, unknown>>>);
            assert.ok(roles.length > 0);
            for (const [name, [role]] of roles) {
                assert.equal(role.permissions_boundary, "${var.permissions_boundary_arn}", `aws_iam_role.${name}`);
                assert.equal(role.path, "${var.role_path}", `aws_iam_role.${name}`);
                assert.equal(role.tags, "${local.role_tags}", `aws_iam_role.${name}`);
            }
        });

        it("lets each function's role do nothing but write to its own log group, kept for a bounded time", async () => {
            const config = await terraformModule();
            assert.equal(config.resource.aws_iam_role_policy_attachment, undefined, "no managed policy is attached");
            const assume = block(config, "data", "aws_iam_policy_document", "lambda_assume_role").statement[0];
            assert.deepEqual(assume.actions, ["sts:AssumeRole"]);
            assert.deepEqual(assume.principals, [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }]);
            const statements = block(config, "data", "aws_iam_policy_document", "write_own_logs").statement;
            assert.deepEqual(statements, [
                {
                    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources: ["${aws_cloudwatch_log_group.function[each.key].arn}:*"],
                },
            ]);
            const policy = block(config, "resource", "aws_iam_role_policy", "write_own_logs");
            assert.equal(policy.role, "${aws_iam_role.function[each.key].id}");
            const retention = block(config, "resource", "aws_cloudwatch_log_group", "function").retention_in_days;
            assert.ok(Number.isInteger(retention) && retention > 0, `retention_in_days ${retention}`);
        });
    });

    describe("checked by terraform itself", () => {
        const scratch: string[] = [];
        after(() => {
            for (const directory of scratch) rmSync(directory, { recursive: true, force: true });
        });

        it("is formatted (terraform fmt -check -recursive)", function () {
            requireTerraform(this);
            const result = terraform(TERRAFORM_MODULE_DIR, ["fmt", "-check", "-recursive", "-no-color"]);
            assert.equal(result.status, 0, `files need terraform fmt: ${result.output}`);
        });

        it("rejects variables AWS or the IAM scope would refuse, naming the value", function () {
            requireTerraform(this);
            const directory = scratchModule(["variables.tf"]);
            scratch.push(directory);
            assert.equal(terraform(directory, ["init", "-no-color"]).status, 0);
            const boundary = {
                permissions_boundary_arn: "arn:aws:iam::123456789012:policy/lambda-power-tuned/power-tuned-function-boundary",
            };
            const rejected: Array<[Record<string, string>, string]> = [
                [
                    { permissions_boundary_arn: "arn:aws:iam::123456789012:role/admin" },
                    "permissions_boundary_arn must be the ARN of an IAM managed policy",
                ],
                [{ permissions_boundary_arn: "" }, 'got "".'],
                [{ memory_size: "127" }, "memory_size must be a whole number of MB from 128 to 10240; got 127."],
                [{ memory_size: "10241" }, "got 10241."],
                [{ memory_size: "256.5" }, "got 256.5."],
                [
                    { name_prefix: "9lives" },
                    "name_prefix must be 1-32 letters, digits or hyphens, starting with a letter and not ending with a hyphen",
                ],
                [{ name_prefix: "trailing-" }, 'got "trailing-".'],
                [{ name_prefix: "a-prefix-of-thirty-three-letters1" }, 'got "a-prefix-of-thirty-three-letters1".'],
                [{ name_suffix: "42-0123ABC" }, "name_suffix must be empty (production) or <pull request id>-<7-character commit id>"],
                [{ name_suffix: "pr-42-0123abc" }, 'got "pr-42-0123abc".'],
                [{ name_suffix: "42" }, 'got "42".'],
                [{ name_suffix: "42-0123abcd" }, 'got "42-0123abcd".'],
                [{ name_suffix: "12345678901234567-0123abc" }, 'got "12345678901234567-0123abc".'],
                [{ role_path: "pull-request-copies/" }, "role_path must be an IAM path"],
                [{ role_path: "/pull-request-copies" }, 'got "/pull-request-copies".'],
                [{ role_path: "/a b/" }, 'got "/a b/".'],
            ];
            for (const [vars, message] of rejected) {
                const result = terraform(directory, ["plan", "-no-color", ...varArgs({ ...boundary, ...vars })]);
                assert.notEqual(result.status, 0, `${JSON.stringify(vars)} was accepted`);
                assert.ok(result.output.includes(message), `${JSON.stringify(vars)}: expected "${message}" in: ${result.output}`);
            }
            const accepted: Array<Record<string, string>> = [
                {},
                {
                    name_suffix: "42-0123abc",
                    memory_size: "1769",
                    name_prefix: "a-prefix-of-thirty-two-letters-1",
                    role_path: "/pull-request-copies/",
                },
            ];
            for (const vars of accepted) {
                const result = terraform(directory, ["plan", "-no-color", ...varArgs({ ...boundary, ...vars })]);
                assert.equal(result.status, 0, `${JSON.stringify(vars)} was rejected: ${result.output}`);
            }
        });

        it("names a pull request's copy apart from production, every name under the copy's own prefix, within AWS's 64 characters for the default prefixes", function () {
            requireTerraform(this);
            const directory = scratchModule(["variables.tf", "functions.tf", "names.tf"]);
            scratch.push(directory);
            const names = (vars: Record<string, string>) => {
                const result = spawnSync(
                    "terraform",
                    ["console", ...varArgs({ permissions_boundary_arn: "arn:aws:iam::123456789012:policy/b", ...vars })],
                    {
                        cwd: directory,
                        encoding: "utf8",
                        input: "jsonencode({ functions = local.function_names, roles = local.role_names, tags = local.role_tags })\n",
                    },
                );
                assert.equal(result.status, 0, result.stderr);
                return JSON.parse(JSON.parse(result.stdout.trim()));
            };
            assert.deepEqual(names({}), {
                functions: { digest: "power-tuned-digest" },
                roles: { digest: "power-tuned-digest-role" },
                tags: {},
            });
            // A pull request's copy: the pull-request namespace (pr-<namePrefix>), then the copy's own <id>-<commit>,
            // so `sweep --name-prefix pr-power-tuned-42-0123abc` selects exactly this copy.
            // Its roles carry the copy's prefix in the tag the copies' boundary reads.
            assert.deepEqual(names({ name_prefix: "pr-power-tuned", name_suffix: "42-0123abc" }), {
                functions: { digest: "pr-power-tuned-42-0123abc-digest" },
                roles: { digest: "pr-power-tuned-42-0123abc-digest-role" },
                tags: {
                    [COPY_ROLE_TAG_KEY]: copyNamePrefix("pr-power-tuned", { pullRequestId: "42", sourceCommit: "0123abc".padEnd(40, "0") }),
                },
            });
            const longestSuffix = names({ name_prefix: "pr-power-tuned", name_suffix: "1234567890123456-0123abc" });
            for (const name of [...Object.values(longestSuffix.functions), ...Object.values(longestSuffix.roles)] as string[]) {
                assert.ok(name.startsWith("pr-power-tuned-1234567890123456-0123abc-"), name);
                assert.ok(name.length <= 64, `${name} is ${name.length} characters`);
            }
        });
    });

    describe("the digest function", () => {
        const payload = JSON.parse(readFileSync(INPUT_FILE, "utf8")).payload;

        it("fingerprints and compresses the document that power-tuning-input.json's payload asks for", async () => {
            const result = await digest.handler(payload);
            const document = digest.buildDocument(payload.documentKb);
            assert.equal(document.length, payload.documentKb * 1024);
            let expected = Buffer.alloc(0);
            for (let round = 0; round < payload.rounds; round++) {
                expected = createHash("sha256").update(expected).update(document).digest();
            }
            assert.equal(result.sha256, expected.toString("hex"));
            assert.equal(result.documentBytes, document.length);
            assert.ok(
                result.compressedBytes > 0 && result.compressedBytes < document.length / 2,
                `compressed to ${result.compressedBytes} bytes`,
            );
        });

        it("does work that grows with the document size and with the rounds", async () => {
            const base = await digest.handler({ documentKb: 64, rounds: 10 });
            const moreRounds = await digest.handler({ documentKb: 64, rounds: 20 });
            const largerDocument = await digest.handler({ documentKb: 128, rounds: 10 });
            assert.ok(moreRounds.bytesHashed > 1.9 * base.bytesHashed, `${moreRounds.bytesHashed} vs ${base.bytesHashed}`);
            assert.ok(largerDocument.bytesHashed > 1.9 * base.bytesHashed, `${largerDocument.bytesHashed} vs ${base.bytesHashed}`);
            assert.ok(largerDocument.compressedBytes > base.compressedBytes);
            assert.equal(new Set([base.sha256, moreRounds.sha256, largerDocument.sha256]).size, 3);
            assert.deepEqual(await digest.handler({ documentKb: 64, rounds: 10 }), base, "the same event does the same work");
        });

        it("rejects an event outside its limits, naming the field, the value and the range", async () => {
            await assert.rejects(digest.handler({ documentKb: 0, rounds: 1 }), {
                name: "RangeError",
                message: "documentKb must be a whole number from 1 to 4096; got 0",
            });
            await assert.rejects(digest.handler({ documentKb: 1, rounds: "3" }), {
                message: 'rounds must be a whole number from 1 to 1000; got "3"',
            });
            await assert.rejects(digest.handler(null), { message: "documentKb must be a whole number from 1 to 4096; got undefined" });
        });
    });

    describe("power-tuning-input.json", () => {
        it("is an input the tuning runner accepts: one invocation at a time, at least 10 invocations per size, cost strategy, no lambdaARN", () => {
            const input = parseTuningInput(readFileSync(INPUT_FILE, "utf8"), "power-tuning-input.json");
            assert.equal(input.parallelInvocation, false);
            assert.ok(input.num >= 10, `num ${input.num}`);
            assert.equal(input.strategy, "cost");
            assert.ok(Array.isArray(input.powerValues) && input.powerValues.length >= 4, "several memory sizes");
            assert.equal("lambdaARN" in input, false);
        });

        it("fits the Lambda concurrency a new account often has (10) while one function is tuned at a time", () => {
            const input = parseTuningInput(readFileSync(INPUT_FILE, "utf8"), "power-tuning-input.json");
            const powerValues = input.powerValues as readonly number[];
            assert.ok(
                peakLambdaConcurrency(
                    { powerValueCount: powerValues.length, num: input.num, parallelInvocation: input.parallelInvocation },
                    1,
                ) <= 10,
            );
        });

        it("gets each function tuned once although both outputs name the digest function", async () => {
            const config = await terraformModule();
            assert.deepEqual(Object.keys(config.output).sort(), ["arn", "functions"]);
            const arn = "arn:aws:lambda:us-east-1:123456789012:function:pr-power-tuned-42-0123abc-digest";
            // `terraform output -json` as these two outputs print it.
            const outputs = {
                arn: { sensitive: false, type: "string", value: arn },
                functions: { sensitive: false, type: ["object", { digest: "string" }], value: { digest: arn } },
            };
            assert.deepEqual(functionsFromTerraformOutputs(outputs, "outputs.json"), [{ name: "digest", arn }]);
        });
    });
});
