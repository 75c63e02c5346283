import * as assert from "node:assert/strict";
import {
    copyNameFor,
    decideCopy,
    decisionSummary,
    foldersToCheck,
    parseNonFunctionPathsVariable,
    validateNonFunctionPaths,
} from "../../../../buildscripts/tuning-runner/core/copyDecision";
import { concurrencyFittingAccount, parseTuningInput, peakPerExecution } from "../../../../buildscripts/tuning-runner/core/tuningInput";
import { DEFAULT_NON_FUNCTION_PATHS } from "../../../../components/stack/config";

const modified = (path: string) => ({ beforePath: path, afterPath: path });
const added = (path: string) => ({ afterPath: path });
const deleted = (path: string) => ({ beforePath: path });

describe("whether a pull request needs a copy", () => {
    const decide = (...changes: Array<{ beforePath?: string; afterPath?: string }>) => decideCopy(changes, DEFAULT_NON_FUNCTION_PATHS);

    it("needs none when every changed path is top-level documentation or housekeeping", () => {
        const decision = decide(modified("README.md"), added("docs/tuning.md"), modified("LICENSE"), modified(".gitignore"));
        assert.deepEqual(decision, {
            copyNeeded: false,
            changedPaths: ["README.md", "docs/tuning.md", "LICENSE", ".gitignore"],
            functionPaths: [],
        });
    });

    it("stops: loosening the gate unmeasured, since the policy and the tuning input are gate inputs whatever the globs say", () => {
        const gateInputs = { gateInputs: ["power-tuning-policy.json", "power-tuning-input.json"], filesAtSource: new Map() };
        const decision = decideCopy([modified("power-tuning-policy.json")], ["*.json", ...DEFAULT_NON_FUNCTION_PATHS], gateInputs);
        assert.deepEqual(decision.functionPaths, ["power-tuning-policy.json"]);
        assert.equal(decide(modified("power-tuning-policy.json")).copyNeeded, true, "not a default non-function path any more");
    });

    it("stops: changing a function's package through a Markdown file beside its code (archive_file packages the folder whole)", () => {
        const globs = ["**/*.md", "docs/**"];
        const filesAtSource = new Map([
            ["functions", []],
            ["functions/digest", ["functions/digest/NOTES.md", "functions/digest/index.js"]],
            ["docs", ["docs/tuning.md"]],
        ]);
        const decision = decideCopy([modified("functions/digest/NOTES.md"), modified("docs/tuning.md"), modified("README.md")], globs, {
            gateInputs: [],
            filesAtSource,
        });
        assert.deepEqual(decision.functionPaths, ["functions/digest/NOTES.md"]);
        assert.deepEqual(
            foldersToCheck(["functions/digest/NOTES.md", "docs/tuning.md", "README.md", "main.tf"], globs),
            ["docs", "functions", "functions/digest"],
            "the root is never listed",
        );
    });

    for (const path of [
        "main.tf",
        "modules/lambda/main.tf",
        "prod.tfvars",
        ".terraform.lock.hcl",
        "power-tuning-input.json",
        "functions/digest/index.js",
        "templates/policy.json.tpl",
        "docs.tf",
    ]) {
        it(`needs one when ${path} changed, even beside documentation`, () => {
            const decision = decide(modified("README.md"), modified(path));
            assert.equal(decision.copyNeeded, true);
            assert.deepEqual(decision.functionPaths, [path]);
        });
    }

    it("counts a deleted file: removing a function's code changes the function", () => {
        assert.deepEqual(decide(deleted("functions/digest/index.js"), modified("README.md")).functionPaths, ["functions/digest/index.js"]);
    });

    it("counts both paths of a rename: moving a function's file into docs/ still changes the function", () => {
        const decision = decide({ beforePath: "functions/digest/index.js", afterPath: "docs/old-digest.js" });
        assert.deepEqual([decision.copyNeeded, decision.functionPaths], [true, ["functions/digest/index.js"]]);
        assert.equal(decide({ beforePath: "docs/a.md", afterPath: "docs/b.md" }).copyNeeded, false);
    });

    it("needs a copy for any change when no glob is configured (safe by default)", () => {
        assert.equal(decideCopy([modified("README.md")], []).copyNeeded, true);
    });

    it("hands the workflow a summary of bounded size, whatever the pull request's", () => {
        const many = Array.from({ length: 40 }, (_, index) => modified(`src/file-${index}.tf`));
        assert.deepEqual(decisionSummary(decide(...many)), {
            copyNeeded: true,
            changedPaths: 40,
            functionPaths: many.slice(0, 10).map((change) => change.afterPath),
        });
    });

    it("names the copy for the workflow, which confines the copy's credentials to that prefix", () => {
        assert.equal(
            copyNameFor("pr-power-tuned", { pullRequestId: "42", sourceCommit: `0123abc${"d".repeat(33)}` }),
            "pr-power-tuned-42-0123abc",
        );
    });

    it("refuses to name a copy without a valid pull-request name prefix in its environment, naming the variable and the value", () => {
        const pullRequest = { pullRequestId: "42", sourceCommit: "0".repeat(40) };
        assert.throws(() => copyNameFor(undefined, pullRequest), {
            name: "UsageError",
            message: /^PULL_REQUEST_NAME_PREFIX is undefined; allowed: 1–32 letters/,
        });
        assert.throws(() => copyNameFor("pr-*", pullRequest), { message: /^PULL_REQUEST_NAME_PREFIX is "pr-\*"; allowed:/ });
    });
});

describe("the globs of paths that cannot change a function", () => {
    it("accepts the stack's defaults", () => {
        assert.deepEqual(validateNonFunctionPaths(DEFAULT_NON_FUNCTION_PATHS, "--non-function-path"), DEFAULT_NON_FUNCTION_PATHS);
    });

    it("refuses a glob that would skip a file a function depends on, naming the glob and the file", () => {
        assert.throws(() => validateNonFunctionPaths(["docs/**", "**/*.json"], "--non-function-path"), {
            message:
                '--non-function-path[1] is "**/*.json" (it matches power-tuning-input.json, which can change a function); allowed: a glob that matches no file a function can depend on',
        });
        for (const [glob, file] of [
            ["**", "main.tf"],
            ["*.tf", "main.tf"],
            ["**/*.tfvars", "terraform.tfvars"],
            ["functions/**", "functions/digest/index.js"],
            [".terraform.*", ".terraform.lock.hcl"],
        ]) {
            assert.throws(() => validateNonFunctionPaths([glob], "x"), new RegExp(`it matches ${file.replace(/\./g, "\\.")}`), glob);
        }
    });

    it("refuses what is not a path inside the repository", () => {
        for (const glob of ["/etc/**", "../secrets/**", "docs/../main.tf", "", "docs/**;rm"]) {
            assert.throws(() => validateNonFunctionPaths([glob], "x"), /allowed: a glob relative to the repository's root/, glob);
        }
    });

    it("reads the environment's JSON list, naming the variable when it is not one", () => {
        assert.deepEqual(parseNonFunctionPathsVariable('["docs/**", "**/*.md"]'), ["docs/**", "**/*.md"]);
        assert.throws(
            () => parseNonFunctionPathsVariable("docs/**"),
            /^InputError: NON_FUNCTION_PATHS is "docs\/\*\*"; allowed: a JSON list of globs/,
        );
        assert.throws(() => parseNonFunctionPathsVariable('["**"]'), /NON_FUNCTION_PATHS\[0\] is "\*\*"/);
    });
});

describe("--concurrency auto", () => {
    const input = (fields: object) => parseTuningInput(JSON.stringify({ num: 20, ...fields }), "input.json");

    it("tunes one function at a time on a new account (quota 10) with the seeded input (5 sizes, one invocation at a time)", () => {
        const seeded = input({ powerValues: [128, 256, 512, 1024, 2048], parallelInvocation: false });
        assert.equal(peakPerExecution(seeded), 10);
        assert.equal(concurrencyFittingAccount(seeded, 10, 5), 1);
    });

    it("tunes every function at once on a normal account (1,000), and never more executions than functions", () => {
        const seeded = input({ powerValues: [128, 256, 512, 1024, 2048] });
        assert.equal(concurrencyFittingAccount(seeded, 1000, 5), 5);
        assert.equal(concurrencyFittingAccount(seeded, 1000, 200), 100);
    });

    it("counts parallel invocations, a refinement's sizes when they are more, and every size of ALL when the input names none", () => {
        assert.equal(peakPerExecution(input({ powerValues: [128, 256, 512, 1024, 2048, 3008], parallelInvocation: true })), 6 * 21);
        assert.equal(peakPerExecution(input({ powerValues: [128, 3008], refine: { maxSizes: 8 } })), 16);
        assert.equal(peakPerExecution(input({})), 46 * 2);
        assert.equal(peakPerExecution(input({ powerValues: "ALL" })), 46 * 2);
    });

    it("still tunes one at a time when not even one execution fits (the tool then throttles, but the run reports it)", () => {
        assert.equal(concurrencyFittingAccount(input({ powerValues: "ALL" }), 10, 3), 1);
    });
});
