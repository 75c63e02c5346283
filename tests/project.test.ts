// Checks on the project as a whole. The type check runs as a test, not as a step before the
// suite, so that in mocha's parallel mode its compiler time overlaps the integration tests'
// waiting instead of adding to it.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(__dirname, "..");

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
                const { name, scripts = {} } = JSON.parse(readFileSync(manifestPath, "utf8")) as { name: string; scripts?: Record<string, string> };
                if (["preinstall", "install", "postinstall"].some((script) => script in scripts) || existsSync(join(path, "binding.gyp"))) found.add(name);
            }
            if (existsSync(join(path, "node_modules"))) visit(join(path, "node_modules"));
        }
    };
    visit(nodeModules);
    return [...found];
}

describe("the project", () => {
    it("type-checks under the strict tsconfig (tsc --noEmit)", async function () {
        this.timeout(180_000);
        const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
        const errors = await new Promise<string>((resolve) => {
            execFile(process.execPath, [tsc, "--noEmit", "-p", ROOT], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
                resolve(error ? `${stdout}${stderr}`.trim() || String(error) : ""),
            );
        });
        assert.equal(errors, "", `tsc reported:\n${errors}`);
    });

    it("runs on the Node.js that package.json's engines field requires (the CodeBuild runtime, 22)", () => {
        const { engines } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
        const required = Number(/^>=(\d+)$/.exec(engines.node)?.[1]);
        assert.ok(required >= 22, `engines.node is ${engines.node}`);
        assert.ok(Number(process.versions.node.split(".")[0]) >= required, `Node ${process.version} runs the suite; engines.node is ${engines.node}`);
    });

    it("is licensed as package.json says: LICENSE holds the MIT No Attribution text (MIT-0)", () => {
        const { license } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { license: string };
        const text = readFileSync(join(ROOT, "LICENSE"), "utf8");
        assert.equal(license, "MIT-0");
        assert.equal(text.split("\n", 1)[0], "MIT No Attribution");
        assert.match(text.replace(/\s+/g, " "), /to deal in the Software without restriction, .* and to permit persons to whom the Software is furnished to do so\. THE SOFTWARE IS PROVIDED "AS IS"/);
        // What MIT has and MIT-0 drops: the condition to keep the notice.
        assert.doesNotMatch(text, /shall be included in all copies/);
    });

    it("records every installed dependency's install script in allowScripts, so npm ci lists none to review", () => {
        const { allowScripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { allowScripts: Record<string, boolean> };
        assert.deepEqual(installScriptPackages(join(ROOT, "node_modules")).sort(), Object.keys(allowScripts).sort());
    });

    it("links, in the README, only to files that are in the repository, so every link works in a clone", () => {
        const readme = readFileSync(join(ROOT, "README.md"), "utf8");
        const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target).filter((target) => !/^(https?:|mailto:|#)/.test(target));
        assert.ok(targets.length > 5, `found ${targets.length} relative links`);
        for (const target of targets) {
            const path = join(ROOT, decodeURIComponent(target.split("#")[0]));
            assert.ok(!relative(ROOT, path).startsWith(".."), `${target} leaves the repository`);
            assert.ok(existsSync(path), `${target} does not exist`);
        }
    });

    // .mocharc.json lists the slow files first so parallel workers start them early; mocha neither
    // de-duplicates overlapping globs nor warns about files no glob matches, so this does.
    it("runs every test file exactly once: the spec globs cover tests/ without overlap", () => {
        // mocha's own expansion, so the check means what mocha will do
        // (a plain file path comes back as a string, a glob as a list)
        const lookupFiles: (pattern: string, extensions: string[], recursive: boolean) => string | string[] = require("mocha/lib/cli/lookup-files");
        const { spec } = require(join(ROOT, ".mocharc.json")) as { spec: string[] };
        const matched = spec.flatMap((pattern) => ([] as string[]).concat(lookupFiles(join(ROOT, pattern), ["ts"], false)).map((file) => relative(ROOT, file)));
        const duplicated = matched.filter((file, index) => matched.indexOf(file) !== index);
        assert.deepEqual(duplicated, [], "matched by more than one spec glob");
        assert.deepEqual([...matched].sort(), testFiles(join(ROOT, "tests")).sort());
    });
});
