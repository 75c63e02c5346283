// The real `terraform` with the real hashicorp/aws provider (from a local filesystem mirror) runs
// every phase the builds run, with the buildspecs' own commands (TERRAFORM_COMMANDS) and the
// projects' own environment from the mocked stack, against moto. moto's recorder hands back every
// request Terraform made; each is mapped to its IAM action, resource and condition keys and
// decided by the IAM simulator against the role of the project that runs the phase, with the
// function boundary and the bucket policy. A denied or unmapped call fails.
//
// What the spec supplies and the builds do not (none of it in the committed Terraform): moto's
// endpoint (AWS_ENDPOINT_URL), a path-style S3 backend (TF_CLI_ARGS_init), the provider mirror
// and a plugin cache of its own (a throw-away CLI config), zips of the functions instead of the
// archive provider (not installable offline), and, when the mirror holds an older major version
// than versions.tf allows, that version pinned in the copy. The pull-request destroy build's
// `aws s3 cp` of the deploy's state is done by the spec, unjudged: the attack-path rows judge it.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import type { Context } from "mocha";
import { tmpdir } from "os";
import * as path from "path";
import { RUNNER_ENVIRONMENT } from "../../buildscripts/contract";
import { BUILD_VARIABLES, TERRAFORM_COMMANDS } from "../../components/buildspecs";
import { STATE_LAYOUT } from "../../components/artifactStorage";
import { authorizationOf, type AwsCall } from "../support/iam-requests";
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
    readonly commands: readonly string[];
    readonly checkout: string;
    /** CodeBuild's and the pull-request workflow's variables. */
    readonly variables?: Readonly<Record<string, string>>;
}

interface Judged {
    readonly output: string;
    readonly calls: readonly AwsCall[];
}

describe("terraform-lambda's own AWS calls, made by the real Terraform against moto, each allowed for the role that runs the build", function () {
    // Starting the provider dominates each build; on a crowded machine one build can take minutes.
    this.timeout(300_000);
    const unavailable = terraformEmulationUnavailable();
    let stack: MockedStack;
    let iam: StackIam;
    let moto: Moto;
    let mirror: AwsProviderMirror;
    let work: string;
    let stateBucket: string;
    /** Role name → the boundary its CreateRole named: iam:PermissionsBoundary of later calls on it. */
    const boundaries = new Map<string, string>();

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
        writeFileSync(path.join(work, "cli.tfrc"), `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror.directory)}\n  }\n}\n`);
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
        const variables: Array<{ name: string; value: string }> = named(stack, "aws:codebuild/project:Project", project).inputs.environment.environmentVariables;
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
        const result = spawnSync("bash", ["-c", ["set -euo pipefail", ...build.commands].join("\n")], { cwd: build.checkout, env: environment, encoding: "utf8" });
        const calls = await moto.stopRecording();
        const output = `${result.stdout}${result.stderr}`;
        assert.equal(result.status, 0, `${build.project}: ${build.commands.join(" && ")} failed:\n${output}`);
        await judge(build, calls);
        return { output, calls };
    }

    /** Every call allowed for the build's role; the first denied or unmapped one fails the spec. */
    async function judge(build: Build, calls: readonly AwsCall[]): Promise<void> {
        const role = roleOf(build.project);
        const codebuild = { "codebuild:buildArn": build.variables?.CODEBUILD_BUILD_ARN ?? buildArn(build.project, "5e5e5e5e-1111-4222-8333-944444444444") };
        const denied: string[] = [];
        for (const call of calls) {
            if (call.service === "iam" && call.operation === "CreateRole" && call.input.PermissionsBoundary !== undefined) boundaries.set(call.input.RoleName, call.input.PermissionsBoundary);
            const authorization = await authorizationOf(call, { accountId: ACCOUNT, region: REGION, boundaryOf: (roleName) => boundaries.get(roleName) });
            if ("noPermission" in authorization) continue;
            for (const request of authorization.requests) {
                const context = request.action.startsWith("s3:") ? { ...codebuild, ...request.context } : request.context;
                const decision = await iam.decide(role, { ...request, ...(context ? { context } : {}) });
                if (decision !== "Allowed") denied.push(`${call.service} ${call.operation} needs ${request.action} on ${request.resource} ${JSON.stringify(context ?? {})}: ${decision}`);
            }
        }
        assert.deepEqual(denied, [], `${build.project} (${role.arn}) made calls its role may not make`);
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
        cpSync(planCheckout, directory, { recursive: true, filter: (source) => !source.includes(`${path.sep}.terraform${path.sep}`) && !source.endsWith(`${path.sep}.terraform`) });
        return directory;
    }

    it("production apply (deployment-apply): creates the role with the boundary, its policy, the log group and the function", async () => {
        const { calls } = await run({ project: "deployment-apply", commands: TERRAFORM_COMMANDS.productionApply, checkout: planArtifact("production-apply") });
        for (const operation of ["iam:CreateRole", "iam:PutRolePolicy", "logs:CreateLogGroup", "lambda:CreateFunction"]) assert.ok(operations(calls).has(operation), `${operation} was made and judged`);
        assert.ok(existsSync(path.join(work, "production-apply", ".terraform.lock.hcl")));
    });

    it("production re-plan (deployment-plan): refreshes everything and plans no change", async () => {
        planCheckout = checkout("production-replan");
        const { output, calls } = await run({ project: "deployment-plan", commands: TERRAFORM_COMMANDS.productionPlan, checkout: planCheckout });
        assert.match(output, /No changes\./);
        for (const operation of ["iam:GetRole", "iam:GetRolePolicy", "lambda:GetFunction", "logs:DescribeLogGroups"]) assert.ok(operations(calls).has(operation), `${operation} was made and judged`);
    });

    it("a memory change (deployment-plan, then deployment-apply): updates the function's configuration in place", async () => {
        planCheckout = checkout("memory-plan", { memorySize: 256 });
        const plan = await run({ project: "deployment-plan", commands: TERRAFORM_COMMANDS.productionPlan, checkout: planCheckout });
        assert.match(plan.output, /0 to add, 1 to change, 0 to destroy/);
        const { calls } = await run({ project: "deployment-apply", commands: TERRAFORM_COMMANDS.productionApply, checkout: planArtifact("memory-apply") });
        assert.ok(operations(calls).has("lambda:UpdateFunctionConfiguration"));
    });

    const copyVariables = (build: string) => ({
        [RUNNER_ENVIRONMENT.pullRequestId]: PULL_REQUEST_ID,
        [RUNNER_ENVIRONMENT.sourceCommit]: SOURCE_COMMIT,
        CODEBUILD_BUILD_ARN: build,
    });

    it("a pull request's deploy (pr-deploy): plans against production's state without lock or refresh, then applies its copy into its own state", async () => {
        const directory = checkout("copy-deploy", { memorySize: 512 });
        const { calls } = await run({
            project: "pr-deploy",
            commands: [...TERRAFORM_COMMANDS.copyNames, ...TERRAFORM_COMMANDS.copyPlan, ...TERRAFORM_COMMANDS.copyApply],
            checkout: directory,
            variables: copyVariables(DEPLOY_BUILD),
        });
        const plan = JSON.parse(readFileSync(path.join(directory, "plan.json"), "utf8"));
        assert.deepEqual(
            plan.resource_changes.filter((change: any) => change.change.actions.join() !== "no-op").map((change: any) => `${change.address} ${change.change.actions}`),
            ['aws_lambda_function.function["digest"] update'],
            "the plan against production shows the memory change only",
        );
        const outputs = JSON.parse(readFileSync(path.join(directory, "outputs.json"), "utf8"));
        assert.match(outputs.functions.value.digest, new RegExp(`:function:pr-power-tuned-${PULL_REQUEST_ID}-${SOURCE_COMMIT.slice(0, 7)}-digest$`));
        const productionWrites = calls.filter((call) => call.service === "s3" && call.operation !== "GetObject" && call.operation !== "HeadObject" && String(call.input.Key ?? "").startsWith(STATE_LAYOUT.productionStateKey));
        assert.deepEqual(productionWrites, [], "nothing but reads of production's state");
    });

    it("a pull request's destroy (pr-destroy): destroys the copy from its own copy of the deploy's state", async () => {
        const stateOf = (build: string) => `${STATE_LAYOUT.pullRequestStatePrefix}${build}/terraform.tfstate`;
        const copied = await fetch(`${moto.endpoint}/${stateBucket}/${stateOf(DESTROY_BUILD)}`, {
            method: "PUT",
            headers: { authorization: signedAs("s3"), "x-amz-copy-source": `/${stateBucket}/${stateOf(DEPLOY_BUILD)}` },
        });
        assert.equal(copied.status, 200, "the deploy's state, copied as the build's `aws s3 cp` does");
        const { calls } = await run({ project: "pr-destroy", commands: [...TERRAFORM_COMMANDS.copyNames, ...TERRAFORM_COMMANDS.copyDestroy], checkout: checkout("copy-destroy"), variables: copyVariables(DESTROY_BUILD) });
        for (const operation of ["lambda:DeleteFunction", "iam:DeleteRolePolicy", "iam:DeleteRole", "logs:DeleteLogGroup"]) assert.ok(operations(calls).has(operation), `${operation} was made and judged`);
    });

    it("production destroy (deployment-destroy): removes everything production's state holds", async () => {
        const { calls } = await run({ project: "deployment-destroy", commands: TERRAFORM_COMMANDS.productionDestroy, checkout: checkout("production-destroy", { memorySize: 256 }) });
        assert.ok(operations(calls).has("lambda:DeleteFunction"));
    });
});

/** A SigV4-shaped Authorization header: moto reads the service (and account) from it, never checks it. */
function signedAs(service: string): string {
    return `AWS4-HMAC-SHA256 Credential=spec/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}
