// What Terraform itself does with a provider plugin cache, shown by the real `terraform` (when one
// is on PATH) against a provider served from a local mirror, and what terraform-lambda's committed
// lock file holds so that the pull-request builds' shared cache is used at all.
import { parse } from "@cdktf/hcl2json";
import { strict as assert } from "node:assert";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Context } from "mocha";
import * as path from "node:path";
import { providerMirror, providerMirrorUnavailable, type ProviderMirror } from "../support/provider-mirror";
import { TERRAFORM_MODULE_DIR } from "../support/paths";

const LOCK_FILE = path.join(TERRAFORM_MODULE_DIR, ".terraform.lock.hcl");

describe("the provider plugin cache", () => {
    describe("with a real terraform (Terraform 1.4 and later, hashicorp/terraform#32129)", function () {
        this.timeout(60_000);
        let mirror: ProviderMirror;
        const unavailable = providerMirrorUnavailable();
        before(function (this: Context) {
            if (unavailable !== undefined) {
                this.test!.parent!.title += ` (skipped: ${unavailable})`;
                this.skip();
            }
            mirror = providerMirror();
        });
        after(() => mirror && rmSync(mirror.directory, { recursive: true, force: true }));

        it("installs a provider into the cache once, then links it from there without installing it again", () => {
            const cold = mirror.init();
            assert.equal(cold.status, 0, cold.output);
            assert.ok(
                cold.lines.some((line) => line.startsWith(`- Installed ${mirror.source} v${mirror.version}`)),
                cold.output,
            );
            const warm = mirror.init();
            assert.equal(warm.status, 0, warm.output);
            assert.ok(warm.lines.includes(`- Using ${mirror.source} v${mirror.version} from the shared cache directory`), warm.output);
            assert.ok(!warm.lines.some((line) => line.startsWith("- Installing")), warm.output);
        });

        it("never uses a cache entry that does not match the lock file: it installs the provider again and replaces the entry", () => {
            mirror.init();
            writeFileSync(mirror.cachedExecutable, "#!/bin/sh\necho hostile provider\n");
            const poisoned = mirror.init();
            assert.equal(poisoned.status, 0, poisoned.output);
            assert.ok(
                poisoned.lines.some((line) => line.startsWith(`- Installing ${mirror.source} v${mirror.version}`)),
                poisoned.output,
            );
            assert.match(readFileSync(mirror.cachedExecutable, "utf8"), /genuine provider/);
        });

        it("never uses the cache for a checkout whose lock file has no h1: hash for this platform (a zh: hash covers only the zip)", () => {
            mirror.init();
            for (const build of [1, 2]) {
                // Each build starts from the committed lock file.
                mirror.lockWith([mirror.zipHash]);
                const run = mirror.init();
                assert.ok(
                    run.lines.some((line) => line.startsWith(`- Installing ${mirror.source}`)),
                    `build ${build}: ${run.output}`,
                );
                assert.ok(!run.output.includes("from the shared cache directory"), run.output);
            }
        });
    });

    describe("terraform-lambda's committed lock file", () => {
        const locked = async () => {
            const hcl = await parse(".terraform.lock.hcl", readFileSync(LOCK_FILE, "utf8"));
            return Object.fromEntries(
                Object.entries(hcl.provider as Record<string, Array<{ version: string; constraints: string; hashes: string[] }>>).map(
                    ([address, [entry]]) => [address, entry],
                ),
            );
        };

        it("pins versions that satisfy versions.tf: aws 6.x and archive 2.7 or later in 2.x", async () => {
            const providers = await locked();
            assert.deepEqual(Object.keys(providers).sort(), [
                "registry.terraform.io/hashicorp/archive",
                "registry.terraform.io/hashicorp/aws",
            ]);
            assert.match(providers["registry.terraform.io/hashicorp/aws"].version, /^6\.\d+\.\d+$/);
            assert.match(providers["registry.terraform.io/hashicorp/archive"].version, /^2\.(7|8|9|\d\d)\.\d+$/);
            assert.equal(providers["registry.terraform.io/hashicorp/aws"].constraints, "~> 6.0");
            assert.equal(providers["registry.terraform.io/hashicorp/archive"].constraints, "~> 2.7");
        });

        it("holds aws's h1: hashes for all 14 platforms it is published for (linux_arm64 among them), so the builds' cache is used", async () => {
            const hashes = (await locked())["registry.terraform.io/hashicorp/aws"].hashes;
            assert.equal(hashes.filter((hash) => hash.startsWith("h1:")).length, 14);
            assert.equal(hashes.filter((hash) => hash.startsWith("zh:")).length, 15);
            for (const hash of hashes) assert.match(hash, /^(h1:[A-Za-z0-9+/]{43}=|zh:[0-9a-f]{64})$/);
        });
    });
});
