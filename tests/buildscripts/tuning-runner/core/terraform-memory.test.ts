import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { resultFromStateMachineOutput } from "../../../../buildscripts/tuning-runner/core/results";
import type { TuningResult } from "../../../../buildscripts/tuning-runner/core/resultsFile";
import { locateMemorySize, suggestMemoryChanges, type TerraformFile } from "../../../../buildscripts/tuning-runner/core/terraformMemory";
import { loadFixture } from "../../../fixtures";
import { TERRAFORM_MODULE_DIR } from "../../../support/paths";

/** The seeded repository's Terraform files, as the shell reads them (`*.tf` in the working directory). */
function seededFiles(): TerraformFile[] {
    return readdirSync(TERRAFORM_MODULE_DIR)
        .filter((name) => name.endsWith(".tf"))
        .map((name) => ({ path: name, text: readFileSync(join(TERRAFORM_MODULE_DIR, name), "utf8") }));
}

/** The line of a seeded file that matches `pattern`, with its 1-based number. */
function seededLine(file: string, pattern: RegExp): { line: number; text: string } {
    const lines = readFileSync(join(TERRAFORM_MODULE_DIR, file), "utf8").split("\n");
    const index = lines.findIndex((text) => pattern.test(text));
    assert.ok(index >= 0, `${file} has a line matching ${pattern}`);
    return { line: index + 1, text: lines[index] };
}

/** The x86 fixture (128–1024 MB measured, 256 MB recommended) as the function `name`. */
function tuned(name: string, fields: Partial<TuningResult> = {}): TuningResult {
    return { ...resultFromStateMachineOutput(loadFixture("power-tuning/output-cost-x86-4-powers.json"), name), ...fields };
}

function file(path: string, text: string): TerraformFile {
    return { path, text: text.replace(/^\n/, "") };
}

describe("Terraform memory size suggestion", () => {
    describe("in the seeded terraform-lambda/", () => {
        it("follows the digest function's memory_size from main.tf through functions.tf to the variable's default in variables.tf", () => {
            const location = locateMemorySize(seededFiles(), "digest");
            assert.equal(location.kind, "literal");
            if (location.kind !== "literal") return;
            const defaultLine = seededLine("variables.tf", /^\s*default\s*=\s*128\s*$/);
            assert.deepEqual(location.at, { file: "variables.tf", ...defaultLine });
            assert.equal(location.valueMB, 128);
            assert.deepEqual(
                location.chain.map((step) => step.file),
                ["main.tf", "functions.tf", "variables.tf"],
            );
            assert.deepEqual(location.chain[0], {
                file: "main.tf",
                ...seededLine("main.tf", /^\s*memory_size\s*=\s*each\.value\.memory_size\s*$/),
            });
            assert.deepEqual(location.chain[1], {
                file: "functions.tf",
                ...seededLine("functions.tf", /^\s*memory_size\s*=\s*var\.memory_size\s*$/),
            });
        });

        it("writes the change as the exact old and new line of variables.tf, keeping its alignment", () => {
            const [suggestion] = suggestMemoryChanges(seededFiles(), [tuned("digest", { configuredMemoryMB: 128 })]);
            const defaultLine = seededLine("variables.tf", /^\s*default\s*=\s*128\s*$/);
            assert.deepEqual(suggestion.change, {
                file: "variables.tf",
                line: defaultLine.line,
                oldLine: defaultLine.text,
                newLine: defaultLine.text.replace("128", "256"),
                via: [
                    `main.tf:${seededLine("main.tf", /memory_size\s*=\s*each\.value/).line}`,
                    `functions.tf:${seededLine("functions.tf", /memory_size\s*=\s*var\./).line}`,
                ],
            });
            assert.equal(suggestion.change.oldLine, "  default     = 128");
            assert.equal(suggestion.change.newLine, "  default     = 256");
        });

        it("projects the cost per 1M invocations at both sizes, request charge included, and the durations", () => {
            const [suggestion] = suggestMemoryChanges(seededFiles(), [tuned("digest", { configuredMemoryMB: 128 })]);
            // Fixture: 128 MB 1.7262e-6 USD / 821 ms, 256 MB 1.6926e-6 USD / 402 ms per invocation; + 2e-7 request charge.
            assert.ok(Math.abs(suggestion.costPerMillionUsd!.configured - 1.9262) < 1e-9);
            assert.ok(Math.abs(suggestion.costPerMillionUsd!.recommended - 1.8926) < 1e-9);
            assert.deepEqual(suggestion.durationMs, { configured: 821.2833333333333, recommended: 402 });
        });

        it("finds the function under its deployed name too (--lambda-arn), production's <prefix>-<key> and a copy's <prefix>-<id>-<commit>-<key>", () => {
            assert.deepEqual(locateMemorySize(seededFiles(), "power-tuned-digest"), locateMemorySize(seededFiles(), "digest"));
            assert.deepEqual(locateMemorySize(seededFiles(), "pr-power-tuned-7-3f2a9c1-digest"), locateMemorySize(seededFiles(), "digest"));
        });

        it("applied, the change is what the files then say", () => {
            const [suggestion] = suggestMemoryChanges(seededFiles(), [tuned("digest", { configuredMemoryMB: 128, power: 1024 })]);
            const change = suggestion.change!;
            const edited = seededFiles().map((tf) => {
                if (tf.path !== change.file) return tf;
                const lines = tf.text.split("\n");
                assert.equal(lines[change.line - 1], change.oldLine);
                lines[change.line - 1] = change.newLine;
                return { ...tf, text: lines.join("\n") };
            });
            const location = locateMemorySize(edited, "digest");
            assert.equal(location.kind === "literal" && location.valueMB, 1024);
        });
    });

    describe("where memory_size is written", () => {
        it("a literal in the resource itself", () => {
            const files = [
                file(
                    "lambda.tf",
                    `\nresource "aws_lambda_function" "api" {\n  function_name = "api"\n  memory_size   = 512 # tuned in March\n}\n`,
                ),
            ];
            const [suggestion] = suggestMemoryChanges(files, [tuned("api")]);
            assert.deepEqual(suggestion.change, {
                file: "lambda.tf",
                line: 3,
                oldLine: "  memory_size   = 512 # tuned in March",
                newLine: "  memory_size   = 256 # tuned in March",
                via: [],
            });
            assert.equal(suggestion.configuredMemoryMB, 512, "the file's value when Lambda's is not known");
        });

        it("per function in a local map the resource iterates, choosing the entry by key", () => {
            const files = [
                file(
                    "main.tf",
                    `\nresource "aws_lambda_function" "fn" {\n  for_each    = local.functions\n  memory_size = each.value["memory"]\n}\n`,
                ),
                file(
                    "functions.tf",
                    `\nlocals {\n  functions = {\n    digest = { memory = 128, timeout = 30 }\n    resize = {\n      memory = 1024\n    }\n  }\n}\n`,
                ),
            ];
            const location = locateMemorySize(files, "resize");
            assert.deepEqual(
                location.kind === "literal" && { at: location.at, via: location.chain.map((step) => `${step.file}:${step.line}`) },
                {
                    at: { file: "functions.tf", line: 5, text: "      memory = 1024" },
                    via: ["main.tf:3", "functions.tf:5"],
                },
            );
            const digest = locateMemorySize(files, "digest");
            assert.deepEqual(digest.kind === "literal" && digest.at, {
                file: "functions.tf",
                line: 3,
                text: "    digest = { memory = 128, timeout = 30 }",
            });
            const [suggestion] = suggestMemoryChanges(files, [tuned("digest")]);
            assert.equal(
                suggestion.change?.newLine,
                "    digest = { memory = 256, timeout = 30 }",
                "only the value changes in a one-line object",
            );
        });

        it("is not fooled by comments, strings with braces or heredocs that mention memory_size", () => {
            const files = [
                file(
                    "main.tf",
                    `
# memory_size = 4096 was too much
resource "aws_lambda_function" "api" {
  description = "braces } { and \${var.memory_size} in a string"
  /* memory_size = 2048 */
  environment {
    variables = { NOTE = <<EOT
memory_size = 1
}
EOT
    }
  }
  memory_size = var.api_memory // MB
}

variable "api_memory" {
  type    = number
  default = 640
}
`,
                ),
            ];
            const location = locateMemorySize(files, "api");
            assert.deepEqual(location.kind === "literal" && location.at, { file: "main.tf", line: 17, text: "  default = 640" });
        });

        it("not at all: the line to add to the resource, from Lambda's default of 128 MB", () => {
            const files = [file("lambda.tf", `\n  resource "aws_lambda_function" "api" {\n    function_name = "api"\n  }\n`)];
            const [suggestion] = suggestMemoryChanges(files, [tuned("api")]);
            assert.equal(suggestion.configuredMemoryMB, 128);
            assert.deepEqual(suggestion.change, { file: "lambda.tf", line: 1, newLine: "    memory_size = 256", via: [] });
        });
    });

    describe("when there is no exact line", () => {
        it("says so for a variable without a default", () => {
            const files = [
                file(
                    "main.tf",
                    `\nresource "aws_lambda_function" "api" {\n  memory_size = var.memory\n}\nvariable "memory" {\n  type = number\n}\n`,
                ),
            ];
            const [suggestion] = suggestMemoryChanges(files, [tuned("api", { configuredMemoryMB: 1024 })]);
            assert.equal(suggestion.change, undefined);
            assert.equal(
                suggestion.unresolved,
                "`main.tf` line 2 sets it to `var.memory`, and variable `memory` has no default: its value comes from -var, a .tfvars file or `TF_VAR_memory`",
            );
        });

        it("says so for an expression it does not evaluate, pointing at it", () => {
            const files = [
                file(
                    "main.tf",
                    `\nresource "aws_lambda_function" "api" {\n  memory_size = lookup(var.sizes, terraform.workspace, 512)\n}\n`,
                ),
            ];
            const location = locateMemorySize(files, "api");
            assert.deepEqual(location, {
                kind: "unresolved",
                reason: "`main.tf` line 2 sets it to `lookup(var.sizes, terraform.workspace, 512)`, an expression this reader does not evaluate: change it there",
                at: { file: "main.tf", line: 2, text: "  memory_size = lookup(var.sizes, terraform.workspace, 512)" },
            });
        });

        it("says so when no resource is clearly the tuned function", () => {
            const files = [
                file(
                    "main.tf",
                    `\nresource "aws_lambda_function" "a" {\n  memory_size = 128\n}\nresource "aws_lambda_function" "b" {\n  memory_size = 128\n}\n`,
                ),
            ];
            assert.deepEqual(locateMemorySize(files, "resize"), {
                kind: "unresolved",
                reason: "none of the aws_lambda_function resources (`a[a]`, `b[b]`) is clearly `resize`",
            });
        });

        it("says a -var overrides the files when they already hold the recommendation but Lambda runs another size", () => {
            const [suggestion] = suggestMemoryChanges(seededFiles(), [tuned("digest", { configuredMemoryMB: 512, power: 128 })]);
            assert.equal(suggestion.change, undefined);
            assert.match(
                suggestion.unresolved!,
                /^`variables\.tf` line \d+ already sets 128 MB, but the tuned copy runs with 512 MB: a -var, \.tfvars or TF_VAR_ value overrides it$/,
            );
        });
    });

    describe("which functions get a suggestion", () => {
        it("none for a function already at the recommended size, or one whose tuning failed", () => {
            assert.deepEqual(suggestMemoryChanges(seededFiles(), [tuned("digest", { configuredMemoryMB: 256 })]), []);
            assert.deepEqual(
                suggestMemoryChanges(seededFiles(), [tuned("digest", { status: "failed", power: undefined, configuredMemoryMB: 128 })]),
                [],
            );
        });

        it("notes a line that sets the memory of several functions", () => {
            const files = [
                file(
                    "main.tf",
                    `\nresource "aws_lambda_function" "fn" {\n  for_each    = local.functions\n  memory_size = each.value.memory_size\n}\n`,
                ),
                file(
                    "locals.tf",
                    `\nlocals {\n  functions = {\n    a = { memory_size = var.memory_size }\n    b = { memory_size = var.memory_size }\n  }\n}\nvariable "memory_size" {\n  default = 128\n}\n`,
                ),
            ];
            const suggestions = suggestMemoryChanges(files, [tuned("a"), tuned("b", { power: 512 })]);
            assert.deepEqual(
                suggestions.map((suggestion) => ({
                    fn: suggestion.function,
                    line: suggestion.change?.line,
                    sharedWith: suggestion.sharedWith,
                })),
                [
                    { fn: "a", line: 8, sharedWith: ["b"] },
                    { fn: "b", line: 8, sharedWith: ["a"] },
                ],
            );
        });

        it("has no projection when the configured size was not measured", () => {
            const [suggestion] = suggestMemoryChanges(seededFiles(), [tuned("digest", { configuredMemoryMB: 384 })]);
            assert.equal(suggestion.costPerMillionUsd, undefined);
            assert.equal(suggestion.fileValueMB, 128, "and says the files hold another value than Lambda runs");
        });
    });
});
