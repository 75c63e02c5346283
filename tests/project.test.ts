// Checks on the project as a whole: its documents, its package and its spec list.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ROOT = join(__dirname, "..");

/** The text outside fenced code blocks, where a `](…)` is a link. */
function withoutCodeBlocks(markdown: string): string {
    return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchors(markdown: string): string[] {
    return [...withoutCodeBlocks(markdown).matchAll(/^(?:> )?#{1,6} (.+)$/gm)].map(([, heading]) =>
        heading
            .trim()
            .toLowerCase()
            .replace(/[^\p{L}\p{N}_\- ]/gu, "")
            .replace(/ /g, "-"),
    );
}

/** Each command line of a page's ```sh blocks, comments and leading prompts dropped. */
function shellLines(markdown: string): string[] {
    return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].flatMap(([, block]) =>
        block
            .split("\n")
            .map((line) => line.replace(/#.*$/, "").trim())
            .filter((line) => line !== ""),
    );
}

/** Every `*.test.ts` below tests/, found by walking the tree (not by the globs under test). */
function testFiles(directory: string): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) return testFiles(path);
        return entry.name.endsWith(".test.ts") ? [relative(ROOT, path)] : [];
    });
}

/**
 * The packages under `nodeModules` that npm would run an install script for: a preinstall,
 * install or postinstall script, or a binding.gyp (npm's implicit `node-gyp rebuild`).
 */
function installScriptPackages(nodeModules: string): string[] {
    const found = new Set<string>();
    const visit = (directory: string): void => {
        for (const entry of readdirSync(directory, { withFileTypes: true })) {
            if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
            const path = join(directory, entry.name);
            if (entry.name.startsWith("@")) {
                visit(path);
                continue;
            }
            const manifestPath = join(path, "package.json");
            if (existsSync(manifestPath)) {
                const { name, scripts = {} } = JSON.parse(readFileSync(manifestPath, "utf8")) as {
                    name: string;
                    scripts?: Record<string, string>;
                };
                if (["preinstall", "install", "postinstall"].some((script) => script in scripts) || existsSync(join(path, "binding.gyp")))
                    found.add(name);
            }
            if (existsSync(join(path, "node_modules"))) visit(join(path, "node_modules"));
        }
    };
    visit(nodeModules);
    return [...found];
}

describe("the project", () => {
    it("runs on the Node.js that package.json's engines field requires (the CodeBuild runtime, 22)", () => {
        const { engines } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
        const required = Number(/^>=(\d+)$/.exec(engines.node)?.[1]);
        assert.ok(required >= 22, `engines.node is ${engines.node}`);
        assert.ok(
            Number(process.versions.node.split(".")[0]) >= required,
            `Node ${process.version} runs the suite; engines.node is ${engines.node}`,
        );
    });

    it("is licensed as package.json says: LICENSE holds the MIT No Attribution text (MIT-0)", () => {
        const { license } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { license: string };
        const text = readFileSync(join(ROOT, "LICENSE"), "utf8");
        assert.equal(license, "MIT-0");
        assert.equal(text.split("\n", 1)[0], "MIT No Attribution");
        assert.match(
            text.replace(/\s+/g, " "),
            /to deal in the Software without restriction, .* and to permit persons to whom the Software is furnished to do so\. THE SOFTWARE IS PROVIDED "AS IS"/,
        );
        // What MIT has and MIT-0 drops: the condition to keep the notice.
        assert.doesNotMatch(text, /shall be included in all copies/);
    });

    it("records every installed dependency's install script in allowScripts, so npm ci lists none to review", () => {
        const { allowScripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { allowScripts: Record<string, boolean> };
        assert.deepEqual(installScriptPackages(join(ROOT, "node_modules")).sort(), Object.keys(allowScripts).sort());
    });

    describe("the documentation a clone carries", () => {
        const pages = [
            "README.md",
            "CONTRIBUTING.md",
            ...readdirSync(join(ROOT, "docs"))
                .filter((name) => name.endsWith(".md"))
                .map((name) => `docs/${name}`),
        ];

        for (const page of pages) {
            it(`${page} links only to files in the repository, and to headings those pages have`, () => {
                const text = readFileSync(join(ROOT, page), "utf8");
                const targets = [...withoutCodeBlocks(text).matchAll(/\]\(([^)\s]+)\)/g)]
                    .map(([, target]) => target)
                    .filter((target) => !/^(https?:|mailto:)/.test(target));
                assert.ok(targets.length > 0, `${page} links to nothing in the repository`);
                for (const target of targets) {
                    const [file, anchor] = target.split("#");
                    const path = file === "" ? join(ROOT, page) : join(ROOT, dirname(page), decodeURIComponent(file));
                    assert.ok(!relative(ROOT, path).startsWith(".."), `${page}: ${target} leaves the repository`);
                    assert.ok(existsSync(path), `${page}: ${target} does not exist`);
                    if (anchor !== undefined) {
                        assert.ok(
                            headingAnchors(readFileSync(path, "utf8")).includes(anchor),
                            `${page}: ${target} names no heading of ${relative(ROOT, path)}`,
                        );
                    }
                }
            });
        }

        it("the README keeps to a landing page: at most 150 lines, the example comment rendered, figures linked to bench/RESULTS.md", () => {
            const readme = readFileSync(join(ROOT, "README.md"), "utf8");
            assert.ok(readme.split("\n").length <= 150, `README.md has ${readme.split("\n").length} lines`);
            assert.match(readme, /\]\(bench\/RESULTS\.md\)/);
            assert.doesNotMatch(readme, /```markdown/, "the example comment is shown rendered, not as source");
        });

        it("shows, in the README and CONTRIBUTING.md, only npm commands and files the project has", () => {
            const { scripts, bin } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
                scripts: Record<string, string>;
                bin: Record<string, string>;
            };
            for (const page of ["README.md", "CONTRIBUTING.md"]) {
                const commands = shellLines(readFileSync(join(ROOT, page), "utf8"));
                assert.ok(
                    commands.some((line) => /^npm test\b/.test(line)),
                    `${page} shows no npm test`,
                );
                for (const line of commands) {
                    const script = /^npm (?:run )?([\w:-]+)/.exec(line)?.[1];
                    if (script !== undefined && !["ci", "install", "pack"].includes(script))
                        assert.ok(script in scripts, `${page} shows "${line}", but package.json has no script ${script}`);
                    const npx = /^npx ([\w-]+)/.exec(line)?.[1];
                    if (npx !== undefined) assert.ok(npx in bin, `${page} shows "${line}", but package.json's bin has no ${npx}`);
                    const file = /^(\.\S+\/\S+)/.exec(line)?.[1];
                    if (file !== undefined) assert.ok(existsSync(join(ROOT, file)), `${page} shows "${line}", but ${file} does not exist`);
                }
            }
        });
    });

    it("packs the CLI and what `pulumi up` needs, and no tests, benchmarks or docs (package.json files)", function () {
        const npmCli = process.env.npm_execpath;
        if (npmCli === undefined || !npmCli.endsWith(".js")) this.skip(); // started without npm
        this.timeout(60_000);
        const listed = execFileSync(process.execPath, [npmCli!, "pack", "--dry-run", "--json", "--ignore-scripts"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        const files = (JSON.parse(listed) as Array<{ files: Array<{ path: string }> }>)[0].files.map(({ path }) => path);
        for (const needed of [
            "dist/tuning-runner.js",
            "index.ts",
            "Pulumi.yaml",
            "components/stack/config.ts",
            "buildscripts/contract.ts",
            "buildscripts/requireNode.js",
            "buildscripts/tuning-runner/main.ts",
            "terraform-lambda/main.tf",
        ]) {
            assert.ok(files.includes(needed), `${needed} is not in the package`);
        }
        assert.deepEqual(
            files.filter((file) => /^(tests|bench|docs|\.ci)\//.test(file) || file === "buildscripts/readmeChart.ts"),
            [],
        );
    });

    // .mocharc.json lists the slow files first so parallel workers start them early; mocha neither
    // de-duplicates overlapping globs nor warns about files no glob matches, so this does.
    it("runs every test file exactly once: the spec globs cover tests/ without overlap", () => {
        // mocha's own expansion, so the check means what mocha will do
        // (a plain file path comes back as a string, a glob as a list)
        const lookupFiles: (
            pattern: string,
            extensions: string[],
            recursive: boolean,
        ) => string | string[] = require("mocha/lib/cli/lookup-files");
        const { spec } = require(join(ROOT, ".mocharc.json")) as { spec: string[] };
        const matched = spec.flatMap((pattern) =>
            ([] as string[]).concat(lookupFiles(join(ROOT, pattern), ["ts"], false)).map((file) => relative(ROOT, file)),
        );
        const duplicated = matched.filter((file, index) => matched.indexOf(file) !== index);
        assert.deepEqual(duplicated, [], "matched by more than one spec glob");
        assert.deepEqual([...matched].sort(), testFiles(join(ROOT, "tests")).sort());
    });
});
