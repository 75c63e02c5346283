// The buildspecs that install Terraform and run a pull request's files (deploy and destroy the copy, and
// their shared cache). Besides reading their YAML, these tests RUN them (tests/support/build-run.ts),
// so "a failed apply still hands on the plan" is checked as behaviour.
import { strict as assert } from "node:assert";
import { parse as parseYaml } from "yaml";
import {
    BUILD_CACHE_DIRECTORY,
    installTerraform,
    pullRequestDeployBuildspec,
    pullRequestDestroyBuildspec,
    pullRequestFeedbackBuildspec,
    RUNNER_PATH,
    terraformApplyBuildspec,
    terraformDestroyBuildspec,
    terraformPlanBuildspec,
} from "../../../components/build/buildspecs";
import type { TerraformRelease } from "../../../components/build/terraformRelease";
import {
    ARTIFACT_BUCKET,
    backend,
    type BuildRun,
    BUILDSPECS,
    COPY_BOUNDARY_ARN,
    COPY_CREDENTIALS,
    COPY_STATE_KEY,
    DEPLOY_BUILD_ARN,
    DEPLOY_BUILD_ENV,
    DESTROY_BUILD_ENV,
    GENUINE_ZIP,
    phaseStatus,
    PR_SUFFIX,
    PRODUCTION_STATE_KEY,
    PROVIDERS,
    RELEASE,
    runBuild,
    STATE_BUCKET,
    workCalls,
} from "../../support/build-run";

/** The variables a copy's Terraform runs with: its names, its roles' path and the copies' boundary. */
const COPY_VARIABLES = `-var name_prefix=pr-power-tuned -var name_suffix=${PR_SUFFIX} -var role_path=/pull-request-copies/ -var permissions_boundary_arn=${COPY_BOUNDARY_ARN}`;

/** The calls that act with AWS (terraform, aws) and the access key each used. */
const actedWith = (run: BuildRun) =>
    run.credentials
        .filter(({ call }) => /^(terraform|aws) /.test(call) && call !== "terraform version")
        .map(({ call, key }) => [call.split(" ").slice(0, 2).join(" "), key]);

describe("buildspecs: the Terraform install and the pull-request copy", () => {
    describe("Terraform install", () => {
        it("downloads the pinned linux_arm64 release from releases.hashicorp.com over HTTPS only, unless the build cache holds exactly that zip", () => {
            const download = installTerraform(RELEASE)
                .map((command) => command.run)
                .find((command) => command.includes("curl "))!;
            assert.match(
                download,
                new RegExp(
                    `^echo "${RELEASE.sha256Arm64}  ${BUILD_CACHE_DIRECTORY}/terraform_1\\.11\\.4_linux_arm64\\.zip" \\| sha256sum --check --strict --status - \\|\\| curl --fail `,
                ),
            );
            assert.match(download, /--proto =https /);
            assert.ok(download.endsWith(" https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_linux_arm64.zip"), download);
        });

        it("checks the SHA-256 before unzipping, installing to /usr/local/bin", () => {
            const commands = installTerraform(RELEASE).map((command) => command.run);
            const check = commands.findIndex((command) => command.startsWith("echo") && command.endsWith("sha256sum --check --strict -"));
            const unzip = commands.findIndex((command) => command.startsWith("unzip "));
            assert.ok(check >= 0 && unzip > check, `checksum at ${check}, unzip at ${unzip}`);
            assert.equal(
                commands[check],
                `echo "${RELEASE.sha256Arm64}  /tmp/terraform-cache/terraform_1.11.4_linux_arm64.zip" | sha256sum --check --strict -`,
            );
            assert.equal(commands[unzip], "unzip -o -d /usr/local/bin /tmp/terraform-cache/terraform_1.11.4_linux_arm64.zip terraform");
        });

        for (const [name, [buildspec, env]] of Object.entries(BUILDSPECS)) {
            it(`stops the ${name} build before unzip when the download does not match the checksum`, () => {
                const run = runBuild(buildspec(RELEASE), env, { download: "tampered" });
                assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }]);
                assert.deepEqual(
                    run.calls.map((call) => call.split(" ")[0]),
                    ["curl"],
                    "nothing after the download ran",
                );
            });
        }

        it("is one command block, the same in every buildspec that runs Terraform", () => {
            const install = installTerraform(RELEASE).map((command) => command.run);
            for (const [name, [buildspec]] of Object.entries(BUILDSPECS)) {
                const commands: string[] = parseYaml(buildspec(RELEASE)).phases.install.commands;
                const start = commands.indexOf(install[0]);
                assert.ok(start >= 0, `${name} installs Terraform`);
                assert.deepEqual(commands.slice(start, start + install.length), install, `${name} uses the shared install`);
                assert.equal(commands.filter((command) => command.includes("releases.hashicorp.com")).length, 1);
            }
        });

        it("rejects a TerraformRelease it cannot verify, naming the field, the value and what is allowed", () => {
            const rejected: Array<[TerraformRelease, RegExp]> = [
                [
                    { ...RELEASE, version: "1.11" },
                    /^TerraformRelease\.version must be a release version MAJOR\.MINOR\.PATCH such as 1\.11\.4; got "1\.11"$/,
                ],
                [{ ...RELEASE, version: "1.11.4; rm -rf /" }, /TerraformRelease\.version .* got "1\.11\.4; rm -rf \/"/],
                [
                    { ...RELEASE, version: "1.10.5" },
                    /^TerraformRelease\.version must be 1\.11\.0 or later \(terraform-lambda's S3 backend uses its lock file, use_lockfile\); got "1\.10\.5"$/,
                ],
                [
                    { ...RELEASE, sha256Arm64: "abc123" },
                    /^TerraformRelease\.sha256Arm64 must be the 64 hex characters of the SHA-256 of terraform_1\.11\.4_linux_arm64\.zip .*; got "abc123"$/,
                ],
                [{ ...RELEASE, sha256Arm64: "g".repeat(64) }, /TerraformRelease\.sha256Arm64 must be .*; got "g{64}"/],
            ];
            for (const [release, message] of rejected) {
                for (const [buildspec] of Object.values(BUILDSPECS)) {
                    assert.throws(() => buildspec(release), { message });
                }
            }
        });

        it("accepts newer and pre-release versions and an uppercase checksum (written lowercase)", () => {
            assert.doesNotThrow(() => installTerraform({ ...RELEASE, version: "1.12.0-rc1" }));
            assert.doesNotThrow(() => installTerraform({ ...RELEASE, version: "1.14.2" }));
            const check = installTerraform({ ...RELEASE, sha256Arm64: RELEASE.sha256Arm64.toUpperCase() }).find((command) =>
                command.run.includes("sha256sum"),
            )!.run;
            assert.ok(check.includes(RELEASE.sha256Arm64), check);
        });
    });

    describe("the copy's credentials (what the untrusted builds may do in the namespace)", () => {
        it("the deploy's Terraform and the plan's read of production's state act with the copy's credentials; handing files on under its own build, with the project's role", () => {
            const run = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV);
            assert.equal(run.succeeded, true);
            const copy = COPY_CREDENTIALS.COPY_AWS_ACCESS_KEY_ID;
            assert.deepEqual(actedWith(run), [
                ["terraform init", copy],
                ["terraform plan", copy],
                ["terraform show", copy],
                ["aws s3", "project role"],
                ["terraform init", copy],
                ["terraform apply", copy],
                ["terraform output", copy],
                ["aws s3", "project role"],
            ]);
        });

        it("the destroy acts with the copy's credentials throughout", () => {
            const run = runBuild(pullRequestDestroyBuildspec(RELEASE), DESTROY_BUILD_ENV);
            assert.equal(run.succeeded, true);
            assert.deepEqual(new Set(actedWith(run).map(([, key]) => key)), new Set([COPY_CREDENTIALS.COPY_AWS_ACCESS_KEY_ID]));
        });

        it("refuses to start without the copy's credentials, and never echoes them", () => {
            for (const [buildspec, env] of [
                [pullRequestDeployBuildspec, DEPLOY_BUILD_ENV],
                [pullRequestDestroyBuildspec, DESTROY_BUILD_ENV],
            ] as const) {
                for (const missing of Object.keys(COPY_CREDENTIALS)) {
                    const run = runBuild(buildspec(RELEASE), { ...env, [missing]: "" });
                    assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }], missing);
                    assert.deepEqual(run.calls, [], missing);
                }
                const yaml = buildspec(RELEASE);
                assert.ok(!/echo[^\n]*\$COPY_AWS/.test(yaml), "no credential is echoed");
            }
        });
    });

    describe("pull-request deploy (untrusted)", () => {
        const buildspec = () => pullRequestDeployBuildspec(RELEASE);

        it("plans against production's state without refreshing or locking it, hands the plan on, then deploys a copy under the copy's state (roles under the copies' path and boundary) and hands the outputs on", () => {
            const run = runBuild(buildspec(), DEPLOY_BUILD_ENV);
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", pre_build: "SUCCEEDED", build: "SUCCEEDED" });
            const output = `s3://${ARTIFACT_BUCKET}/pull-request-builds/${DEPLOY_BUILD_ARN}/`;
            assert.deepEqual(workCalls(run), [
                `terraform init ${backend(PRODUCTION_STATE_KEY)}`,
                "terraform plan -refresh=false -lock=false -var name_prefix=power-tuned -out=production.tfplan",
                "terraform show -json production.tfplan",
                `aws s3 cp plan.json ${output}plan.json`,
                `terraform init -reconfigure ${backend(COPY_STATE_KEY)}`,
                `terraform apply -auto-approve ${COPY_VARIABLES}`,
                "terraform output -json",
                `aws s3 cp outputs.json ${output}outputs.json`,
            ]);
        });

        it("never runs the runner, comments, or destroys: the workflow's other steps do", () => {
            const yaml = buildspec();
            assert.ok(!yaml.includes(RUNNER_PATH) && !yaml.includes("tuning-runner"), "no runner");
            assert.ok(!/terraform destroy/.test(yaml), "no destroy");
            assert.strictEqual(parseYaml(yaml).artifacts, undefined, "hands files on itself, under its own build ARN");
        });

        it("has the plan handed on even when the deploy then fails", () => {
            const run = runBuild(buildspec(), DEPLOY_BUILD_ENV, { fail: ["terraform apply"] });
            assert.equal(run.succeeded, false);
            assert.ok(run.calls.some((call) => call.startsWith("aws s3 cp plan.json ")));
            assert.ok(!run.calls.some((call) => call.startsWith("aws s3 cp outputs.json ")), "no outputs of a failed deploy");
        });

        it("creates nothing when the plan fails", () => {
            const run = runBuild(buildspec(), DEPLOY_BUILD_ENV, { fail: ["terraform plan"] });
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", pre_build: "FAILED" });
            assert.ok(!run.calls.some((call) => call.startsWith("terraform apply")));
        });
    });

    describe("pull-request deploy with the copies in their own account (untrusted)", () => {
        it("makes no plan against production (nothing of production is readable there): deploys the copy under its state and hands the outputs on", () => {
            const run = runBuild(pullRequestDeployBuildspec(RELEASE, "own account"), DEPLOY_BUILD_ENV);
            assert.deepEqual(phaseStatus(run), { install: "SUCCEEDED", build: "SUCCEEDED" });
            const output = `s3://${ARTIFACT_BUCKET}/pull-request-builds/${DEPLOY_BUILD_ARN}/`;
            assert.deepEqual(workCalls(run), [
                `terraform init -reconfigure ${backend(COPY_STATE_KEY)}`,
                `terraform apply -auto-approve ${COPY_VARIABLES}`,
                "terraform output -json",
                `aws s3 cp outputs.json ${output}outputs.json`,
            ]);
            assert.ok(
                !pullRequestDeployBuildspec(RELEASE, "own account").includes(PRODUCTION_STATE_KEY),
                "production's state is never named",
            );
        });
    });

    describe("pull-request destroy (untrusted)", () => {
        const buildspec = () => pullRequestDestroyBuildspec(RELEASE);

        it("destroys the copy from the copy's state, which its deploy wrote, then deletes that state object", () => {
            const run = runBuild(buildspec(), DESTROY_BUILD_ENV);
            assert.equal(run.succeeded, true);
            assert.deepEqual(workCalls(run), [
                `terraform init -reconfigure ${backend(COPY_STATE_KEY)}`,
                `terraform destroy -auto-approve ${COPY_VARIABLES}`,
                `aws s3 rm s3://${STATE_BUCKET}/${COPY_STATE_KEY}`,
            ]);
        });

        it("fails and keeps its state object when the destroy fails", () => {
            const run = runBuild(buildspec(), DESTROY_BUILD_ENV, { fail: ["terraform destroy"] });
            assert.equal(run.succeeded, false);
            assert.ok(!run.calls.some((call) => call.startsWith("aws s3 rm")));
        });

        it("never destroys unless it could read the copy's state first", () => {
            const run = runBuild(buildspec(), DESTROY_BUILD_ENV, { fail: ["terraform init"] });
            assert.equal(run.succeeded, false);
            assert.ok(!run.calls.some((call) => call.startsWith("terraform destroy")));
        });
    });

    describe("the untrusted builds' cache (Terraform and its providers)", () => {
        const downloads = (run: BuildRun) => run.calls.filter((call) => call.startsWith("registry download ") || call.startsWith("curl "));
        const ZIP = "terraform_1.11.4_linux_arm64.zip";
        const coldDeploy = () => runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV);

        it("a cold cache: each provider is downloaded once for both inits of the deploy build, Terraform once, and CodeBuild saves them", () => {
            const run = coldDeploy();
            assert.equal(run.succeeded, true);
            assert.deepEqual(downloads(run), [
                `curl --fail --silent --show-error --proto =https --tlsv1.2 --retry 3 -o /tmp/terraform-cache/${ZIP} https://releases.hashicorp.com/terraform/1.11.4/${ZIP}`,
                ...PROVIDERS.map((provider) => `registry download ${provider}`),
            ]);
            assert.equal(run.calls.filter((call) => call.startsWith("terraform init")).length, 2);
            assert.deepEqual(
                Object.keys(run.cacheAfter!).sort(),
                [ZIP, ...PROVIDERS.map((provider) => `providers/${provider}/terraform-provider`)].sort(),
            );
        });

        it("a warm cache (what an earlier build saved): no provider and no Terraform download, in the deploy and in the destroy build", () => {
            const saved = coldDeploy().cacheAfter!;
            for (const [buildspec, env] of [
                [pullRequestDeployBuildspec, DEPLOY_BUILD_ENV],
                [pullRequestDestroyBuildspec, DESTROY_BUILD_ENV],
            ] as const) {
                const run = runBuild(buildspec(RELEASE), env, { cache: saved });
                assert.equal(run.succeeded, true);
                assert.deepEqual(downloads(run), []);
            }
        });

        it("a poisoned cache entry costs a download and is replaced, never used: a zip of the wrong checksum, a provider that does not match the lock file", () => {
            const saved = coldDeploy().cacheAfter!;
            const poisoned = { ...saved, [ZIP]: "tampered", [`providers/${PROVIDERS[1]}/terraform-provider`]: "hostile provider" };
            const run = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV, { cache: poisoned });
            assert.equal(run.succeeded, true);
            assert.deepEqual(
                downloads(run).map((call) => call.split(" ")[0]),
                ["curl", "registry"],
            );
            assert.deepEqual(run.cacheAfter, saved, "the next build finds the genuine packages again");
        });

        it("a poisoned zip with a tampered download still stops before unzip", () => {
            const run = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV, {
                cache: { [ZIP]: "tampered" },
                download: "tampered too",
            });
            assert.deepEqual(run.phases, [{ name: "install", status: "FAILED" }]);
            assert.ok(!run.calls.some((call) => call.startsWith("unzip")));
        });

        it("removes a symbolic link planted in the cache before anything is written through it", () => {
            const run = runBuild(pullRequestDeployBuildspec(RELEASE), DEPLOY_BUILD_ENV, { cache: { [ZIP]: { link: "/tmp/elsewhere" } } });
            assert.equal(run.succeeded, true);
            assert.equal(run.cacheAfter![ZIP], GENUINE_ZIP, "downloaded into a file of its own");
        });

        it("deploy and destroy share one cache key: the Terraform release and the lock file's hash", () => {
            const [deploy, destroy] = [pullRequestDeployBuildspec, pullRequestDestroyBuildspec].map(
                (buildspec) => parseYaml(buildspec(RELEASE)).cache.key,
            );
            assert.equal(deploy, "terraform-1.11.4-$(codebuild-hash-files .terraform.lock.hcl)");
            assert.equal(destroy, deploy);
        });

        it("restored providers get their execute bit back (CodeBuild restores files without it; Terraform would then fail to start them)", () => {
            const saved = coldDeploy().cacheAfter!;
            const run = runBuild(pullRequestDestroyBuildspec(RELEASE), DESTROY_BUILD_ENV, { cache: saved });
            assert.equal(run.succeeded, true);
            assert.ok(run.calls.some((call) => call.startsWith("terraform destroy")));
            assert.deepEqual(downloads(run), []);
        });

        const hostileEntries = {
            "a directory at the zip's path": { [ZIP]: { directory: { terraform: "hostile" } } },
            "a file at the provider cache's path": { providers: "not a directory" },
            "a directory where a provider's executable belongs": {
                [`providers/${PROVIDERS[0]}/terraform-provider`]: { directory: { x: "hostile" } },
            },
            "a link at a provider's executable": { [`providers/${PROVIDERS[1]}/terraform-provider`]: { link: "/tmp/elsewhere" } },
        } as const;
        for (const [entry, cache] of Object.entries(hostileEntries)) {
            it(`a cache poisoned with ${entry} is discarded and downloaded again: deploy and destroy still succeed`, () => {
                for (const [buildspec, env] of [
                    [pullRequestDeployBuildspec, DEPLOY_BUILD_ENV],
                    [pullRequestDestroyBuildspec, DESTROY_BUILD_ENV],
                ] as const) {
                    const run = runBuild(buildspec(RELEASE), env, { cache });
                    assert.equal(run.succeeded, true, `${entry}: ${JSON.stringify(run.phases)}`);
                    assert.ok(downloads(run).length > 0, "what was discarded is downloaded again");
                }
            });
        }

        it("the trusted build and the pipeline's builds declare no cache and no plugin cache", () => {
            for (const yaml of [
                pullRequestFeedbackBuildspec(),
                terraformPlanBuildspec(RELEASE),
                terraformApplyBuildspec(RELEASE),
                terraformDestroyBuildspec(RELEASE),
            ]) {
                const spec = parseYaml(yaml);
                assert.equal(spec.cache, undefined);
                assert.equal(spec.env.variables.TF_PLUGIN_CACHE_DIR, undefined);
            }
        });
    });
});
