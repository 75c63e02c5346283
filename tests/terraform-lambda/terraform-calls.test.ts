// The real `terraform` with the real hashicorp/aws provider (from a local filesystem mirror) runs
// every phase the builds run, with the buildspecs' own commands (TERRAFORM_COMMANDS) and the
// projects' own environment from the mocked stack, against moto. moto's recorder hands back every
// request Terraform made; each is mapped to its IAM action, resource and condition keys and
// decided by the IAM simulator against the principal that makes it, with the bucket policy: the
// project's role for production's phases; for a pull request's plan, apply and destroy, the
// session of the copy role the workflow hands the build (its session policy narrowed to the copy),
// with the copy's boundary and tag as the request names them. A denied or unmapped call fails.
//
// What the spec supplies and the builds do not (none of it in the committed Terraform): moto's
// endpoint (AWS_ENDPOINT_URL), a path-style S3 backend (TF_CLI_ARGS_init), the provider mirror
// and a plugin cache of its own (a throw-away CLI config), zips of the functions instead of the
// archive provider (not installable offline), and, when the mirror holds an older major version
// than versions.tf allows, that version pinned in the copy.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Context } from "mocha";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { copyNamePrefix, COPY_ROLE_PATH, COPY_ROLE_TAG_KEY, RUNNER_ENVIRONMENT } from "../../buildscripts/contract";
import { BUILD_VARIABLES, TERRAFORM_COMMANDS } from "../../components/build/buildspecs";
import { STATE_LAYOUT } from "../../components/storage/artifactStorage";
import { authorizationOf, type AwsCall, type KnownRole } from "../support/iam-requests";
import { StackIam, type SimulatedRole } from "../support/iam-simulator";
import { mockedStack, named, ofType, type MockedStack } from "../support/mocked-stack";
import { startMoto, type Moto } from "../support/moto-server";
import { TEST_ACCOUNT_ID as ACCOUNT, TEST_REGION as REGION } from "../support/pulumi-mocks";
import { awsProviderMirror, offlineCheckout, terraformEmulationUnavailable, type AwsProviderMirror } from "../support/terraform-emulation";

const PULL_REQUEST_ID = "7";
const SOURCE_COMMIT = "3f2a9c1d0e5b7a8c9d0e1f2a3b4c5d6e7f8a9b0c";
const buildArn = (project: string, id: string) => `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${project}:${id}`;
const DEPLOY_BUILD = buildArn("pr-deploy", "6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29");
const DESTROY_BUILD = buildArn("pr-destroy", "0b0b0b0b-1111-4222-8333-944444444444");

/** One build: its project (whose role and environment it has), its commands and its checkout. */
interface Build {
    readonly project: string;
    /** Who makes its calls: the project's own role, or the copy's session the workflow hands it. */
    readonly principal?: "project role" | "copy session";
    readonly commands: readonly string[];
    readonly checkout: string;
    /** CodeBuild's and the pull-request workflow's variables. */
    readonly variables?: Readonly<Record<string, string>>;
}

interface Judged {
    readonly output: string;
    readonly calls: readonly AwsCall[];
    /** The IAM requests the calls needed, each decided. */
    readonly judged: number;
}

describe("terraform-lambda's own AWS calls, made by the real Terraform against moto, each allowed for who makes it: the project's role, or the copy's session", function () {
    // Starting the provider dominates each build; on a crowded machine one build can take minutes.
    this.timeout(300_000);
    const unavailable = terraformEmulationUnavailable();
    let stack: MockedStack;
    let iam: StackIam;
    let moto: Moto;
    let mirror: AwsProviderMirror;
    let work: string;
    let stateBucket: string;
    /** Role name → the path and boundary its CreateRole named: its ARN and iam:PermissionsBoundary in later calls on it. */
    const createdRoles = new Map<string, KnownRole>();

    before(async function (this: Context) {
        if (unavailable !== undefined) {
            this.test!.parent!.title += ` (skipped: ${unavailable})`;
            this.skip();
        }
        this.timeout(180_000);
        stack = await mockedStack();
        iam = new StackIam(stack);
        mirror = awsProviderMirror()!;
        work = mkdtempSync(path.join(tmpdir(), "terraform-calls-"));
        writeFileSync(
            path.join(work, "cli.tfrc"),
            `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror.directory)}\n  }\n}\n`,
        );
        mkdirSync(path.join(work, "plugin-cache"));
        moto = await startMoto();
        stateBucket = environmentOf("deployment-plan")[BUILD_VARIABLES.stateBucket];
        const created = await fetch(`${moto.endpoint}/${stateBucket}`, { method: "PUT", headers: { authorization: signedAs("s3") } });
        assert.equal(created.status, 200, "the state bucket in moto");
    });

    after(async () => {
        await moto?.stop();
        if (work !== undefined) rmSync(work, { recursive: true, force: true });
    });

    /** A project's environment variables, as the stack sets them. */
    function environmentOf(project: string): Record<string, string> {
        const variables: Array<{ name: string; value: string }> = named(stack, "aws:codebuild/project:Project", project).inputs.environment
            .environmentVariables;
        return Object.fromEntries(variables.map(({ name, value }) => [name, value]));
    }

    /** The role a project runs as: the stack's role whose ARN is the project's service role. */
    function roleOf(project: string): SimulatedRole {
        const serviceRole = named(stack, "aws:codebuild/project:Project", project).inputs.serviceRole;
        const role = ofType(stack, "aws:iam/role:Role").find((candidate) => candidate.state.arn === serviceRole);
        assert.ok(role, `project ${project}'s service role ${serviceRole} is a role of the stack`);
        return iam.role(role.name);
    }

    /** A fresh checkout of the module for a build (optionally the commit that sets a memory size). */
    function checkout(name: string, options: { memorySize?: number } = {}): string {
        const directory = path.join(work, name);
        offlineCheckout(directory, mirror.version, options);
        return directory;
    }

    /** Runs a build's commands in one bash, as CodeBuild does, against moto; records and judges its calls. */
    async function run(build: Build): Promise<Judged> {
        const environment = {
            PATH: process.env.PATH!,
            HOME: process.env.HOME!,
            ...environmentOf(build.project),
            AWS_REGION: REGION,
            ...build.variables,
            TF_INPUT: "false",
            TF_IN_AUTOMATION: "true",
            CHECKPOINT_DISABLE: "1",
            TF_CLI_CONFIG_FILE: path.join(work, "cli.tfrc"),
            TF_PLUGIN_CACHE_DIR: path.join(work, "plugin-cache"),
            TF_CLI_ARGS_init: "-backend-config=use_path_style=true",
            AWS_ENDPOINT_URL: moto.endpoint,
            AWS_ACCESS_KEY_ID: build.project,
            AWS_SECRET_ACCESS_KEY: "moto",
            AWS_EC2_METADATA_DISABLED: "true",
        };
        await moto.startRecording();
        const result = spawnSync("bash", ["-c", ["set -euo pipefail", ...build.commands].join("\n")], {
            cwd: build.checkout,
            env: environment,
            encoding: "utf8",
        });
        const calls = await moto.stopRecording();
        const output = `${result.stdout}${result.stderr}`;
        assert.equal(result.status, 0, `${build.project}: ${build.commands.join(" && ")} failed:\n${output}`);
        return { output, calls, judged: await judge(build, calls) };
    }

    /**
     * Every call allowed for the build's principal; any denied or unmapped one fails the spec.
     * CodeBuild adds codebuild:buildArn to the requests of a project's own role only, never to
     * those of a session the build was handed.
     */
    async function judge(build: Build, calls: readonly AwsCall[]): Promise<number> {
        const copy = build.principal === "copy session";
        const role = copy ? iam.copySession(copyPrefix()) : roleOf(build.project);
        const codebuild: Record<string, string> = copy
            ? {}
            : {
                  "codebuild:buildArn":
                      build.variables?.CODEBUILD_BUILD_ARN ?? buildArn(build.project, "5e5e5e5e-1111-4222-8333-944444444444"),
              };
        const denied: string[] = [];
        let judged = 0;
        for (const call of calls) {
            if (call.service === "iam" && call.operation === "CreateRole")
                createdRoles.set(call.input.RoleName, { path: call.input.Path ?? "/", boundary: call.input.PermissionsBoundary });
            const authorization = await authorizationOf(call, {
                accountId: ACCOUNT,
                region: REGION,
                roleOf: (roleName) => createdRoles.get(roleName),
            });
            if ("noPermission" in authorization) continue;
            for (const request of authorization.requests) {
                judged += 1;
                const context = request.action.startsWith("s3:") ? { ...codebuild, ...request.context } : request.context;
                const decision = await iam.decide(role, { ...request, ...(context ? { context } : {}) });
                if (decision !== "Allowed")
                    denied.push(
                        `${call.service} ${call.operation} needs ${request.action} on ${request.resource} ${JSON.stringify(context ?? {})}: ${decision}`,
                    );
            }
        }
        assert.deepEqual(
            denied,
            [],
            `${build.project} (${role.arn}${copy ? `, session ${role.sessionName}` : ""}) made calls its principal may not make`,
        );
        return judged;
    }

    const operations = (calls: readonly AwsCall[]) => new Set(calls.map((call) => `${call.service}:${call.operation}`));

    let planCheckout: string;

    it("production plan (deployment-plan): reads production's empty state, takes and frees its lock", async () => {
        planCheckout = checkout("production-plan");
        const { calls } = await run({ project: "deployment-plan", commands: TERRAFORM_COMMANDS.productionPlan, checkout: planCheckout });
        assert.ok(existsSync(path.join(planCheckout, "tfplan")), "the plan the approver reviews");
        assert.ok(operations(calls).has("s3:PutObject"), "the plan build locks production's state (use_lockfile)");
    });

    /** The plan build's artifact for the apply build: everything but .terraform/ (the artifact's exclude-paths). */
    function planArtifact(name: string): string {
        const directory = path.join(work, name);
        cpSync(planCheckout, directory, {
            recursive: true,
            filter: (source) => !source.includes(`${path.sep}.terraform${path.sep}`) && !source.endsWith(`${path.sep}.terraform`),
        });
        return directory;
    }

    it("production apply (deployment-apply): creates the role with the boundary, its policy, the log group and the function", async () => {
        const { calls } = await run({
            project: "deployment-apply",
            commands: TERRAFORM_COMMANDS.productionApply,
            checkout: planArtifact("production-apply"),
        });
        for (const operation of ["iam:CreateRole", "iam:PutRolePolicy", "logs:CreateLogGroup", "lambda:CreateFunction"])
            assert.ok(operations(calls).has(operation), `${operation} was made and judged`);
        assert.ok(existsSync(path.join(work, "production-apply", ".terraform.lock.hcl")));
    });

    it("production re-plan (deployment-plan): refreshes everything and plans no change", async () => {
        planCheckout = checkout("production-replan");
        const { output, calls } = await run({
            project: "deployment-plan",
            commands: TERRAFORM_COMMANDS.productionPlan,
            checkout: planCheckout,
        });
        assert.match(output, /No changes\./);
        for (const operation of ["iam:GetRole", "iam:GetRolePolicy", "lambda:GetFunction", "logs:DescribeLogGroups"])
            assert.ok(operations(calls).has(operation), `${operation} was made and judged`);
    });

    it("a memory change (deployment-plan, then deployment-apply): updates the function's configuration in place", async () => {
        planCheckout = checkout("memory-plan", { memorySize: 256 });
        const plan = await run({ project: "deployment-plan", commands: TERRAFORM_COMMANDS.productionPlan, checkout: planCheckout });
        assert.match(plan.output, /0 to add, 1 to change, 0 to destroy/);
        const { calls } = await run({
            project: "deployment-apply",
            commands: TERRAFORM_COMMANDS.productionApply,
            checkout: planArtifact("memory-apply"),
        });
        assert.ok(operations(calls).has("lambda:UpdateFunctionConfiguration"));
    });

    const copyVariables = (build: string) => ({
        [RUNNER_ENVIRONMENT.pullRequestId]: PULL_REQUEST_ID,
        [RUNNER_ENVIRONMENT.sourceCommit]: SOURCE_COMMIT,
        CODEBUILD_BUILD_ARN: build,
    });
    /** The copy of PULL_REQUEST_ID at SOURCE_COMMIT, in the namespace the stack gives the pull-request builds. */
    const copyPrefix = () =>
        copyNamePrefix(environmentOf("pr-deploy")[RUNNER_ENVIRONMENT.pullRequestNamePrefix], {
            pullRequestId: PULL_REQUEST_ID,
            sourceCommit: SOURCE_COMMIT,
        });
    /** A pull-request build's Terraform, after its install phase has named the copy and its state. */
    const copyBuild = (project: string, build: string, commands: readonly string[], directory: string): Build => ({
        project,
        principal: "copy session",
        commands: [...TERRAFORM_COMMANDS.copyNames, ...commands],
        checkout: directory,
        variables: copyVariables(build),
    });

    let copyCheckout: string;

    it("a pull request's plan (pr-deploy, the copy's session): against production's state, without lock or refresh, reading nothing else", async () => {
        copyCheckout = checkout("copy-deploy", { memorySize: 512 });
        const { calls } = await run(copyBuild("pr-deploy", DEPLOY_BUILD, TERRAFORM_COMMANDS.copyPlan, copyCheckout));
        const plan = JSON.parse(readFileSync(path.join(copyCheckout, "plan.json"), "utf8"));
        assert.deepEqual(
            plan.resource_changes
                .filter((change: any) => change.change.actions.join() !== "no-op")
                .map((change: any) => `${change.address} ${change.change.actions}`),
            ['aws_lambda_function.function["digest"] update'],
            "the plan against production shows the memory change only",
        );
        assert.deepEqual(
            [...operations(calls)].filter((operation) => !operation.startsWith("s3:")).sort(),
            ["sts:GetCallerIdentity"],
            "no refresh: none of production's resources read",
        );
        assert.deepEqual(
            [
                ...new Set(
                    calls
                        .filter((call) => call.service === "s3" && call.operation !== "ListObjectsV2")
                        .map((call) => `${call.operation} ${call.input.Key}`),
                ),
            ].sort(),
            [`GetObject ${STATE_LAYOUT.productionStateKey}`, `HeadObject ${STATE_LAYOUT.productionStateKey}`],
            "production's state read, never written or locked",
        );
    });

    it("a pull request's apply (pr-deploy, the copy's session): its roles under the copies' path, with the copies' boundary and its tag, into its own state", async () => {
        const { calls } = await run(copyBuild("pr-deploy", DEPLOY_BUILD, TERRAFORM_COMMANDS.copyApply, copyCheckout));
        const outputs = JSON.parse(readFileSync(path.join(copyCheckout, "outputs.json"), "utf8"));
        assert.match(outputs.functions.value.digest, new RegExp(`:function:${copyPrefix()}-digest$`));
        const created = calls.filter((call) => call.service === "iam" && call.operation === "CreateRole").map((call) => call.input);
        assert.deepEqual(
            created.map(({ Path, PermissionsBoundary, Tags }) => ({
                Path,
                PermissionsBoundary,
                copyTag: Tags.find((tag: { Key: string }) => tag.Key === COPY_ROLE_TAG_KEY)?.Value,
            })),
            [{ Path: COPY_ROLE_PATH, PermissionsBoundary: iam.copyBoundaryArn, copyTag: copyPrefix() }],
            "judged with iam:PermissionsBoundary and aws:RequestTag as sent",
        );
        // The judgement can fail: the same CreateRole under production's boundary is refused to the copy's session.
        const [createRole] = calls.filter((call) => call.service === "iam" && call.operation === "CreateRole");
        const underProductionBoundary = await authorizationOf(
            { ...createRole, input: { ...createRole.input, PermissionsBoundary: iam.boundaryArn } },
            { accountId: ACCOUNT, region: REGION },
        );
        assert.ok("requests" in underProductionBoundary);
        assert.notEqual(await iam.decide(iam.copySession(copyPrefix()), underProductionBoundary.requests[0]), "Allowed");
        const stateWrites = calls
            .filter((call) => call.service === "s3" && /^(Put|Delete)Object$/.test(call.operation))
            .map((call) => String(call.input.Key));
        assert.ok(
            stateWrites.includes(`${STATE_LAYOUT.pullRequestStatePrefix}${copyPrefix()}/terraform.tfstate`),
            "the copy's state written",
        );
        assert.deepEqual(
            stateWrites.filter((key) => !key.startsWith(`${STATE_LAYOUT.pullRequestStatePrefix}${copyPrefix()}/`)),
            [],
            "nothing but the copy's own state (and its lock) written",
        );
    });

    it("a pull request's destroy (pr-destroy, the copy's session): the copy, from the state its deploy wrote", async () => {
        const { calls } = await run(copyBuild("pr-destroy", DESTROY_BUILD, TERRAFORM_COMMANDS.copyDestroy, checkout("copy-destroy")));
        for (const operation of ["lambda:DeleteFunction", "iam:DeleteRolePolicy", "iam:DeleteRole", "logs:DeleteLogGroup"])
            assert.ok(operations(calls).has(operation), `${operation} was made and judged`);
    });

    it("production destroy (deployment-destroy): removes everything production's state holds", async () => {
        const { calls } = await run({
            project: "deployment-destroy",
            commands: TERRAFORM_COMMANDS.productionDestroy,
            checkout: checkout("production-destroy", { memorySize: 256 }),
        });
        assert.ok(operations(calls).has("lambda:DeleteFunction"));
    });
});

/** A SigV4-shaped Authorization header: moto reads the service (and account) from it, never checks it. */
function signedAs(service: string): string {
    return `AWS4-HMAC-SHA256 Credential=spec/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}
