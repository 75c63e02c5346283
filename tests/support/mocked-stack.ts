// Runs the whole Pulumi program (index.ts) once under the mocks, as the Pulumi host runs it (its
// exports become the stack's outputs), with the dev stack's own config file, and hands tests
// what it registered and exported.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { RUNNER_BUNDLE_PATH, type RunnerBundle } from "../../buildscripts/bundle";
import { registeredResources, type RegisteredResource, settled, TEST_COPY_ACCOUNT_ID, trackConstruction } from "./pulumi-mocks";

export const DEV_STACK_FILE = path.join(__dirname, "..", "..", "Pulumi.dev.yaml");

export interface MockedStack {
    /** Every resource the program registered, in order (the root stack resource first). */
    readonly resources: readonly RegisteredResource[];
    /** The stack outputs, resolved. */
    readonly outputs: Readonly<Record<string, unknown>>;
    /** Pulumi.dev.yaml's config section, as written. */
    readonly config: Readonly<Record<string, unknown>>;
    /** The runner bundle as the program left it: the file at RUNNER_BUNDLE_PATH and its SHA-256, hashed here. */
    readonly runnerBundle: RunnerBundle;
}

/** The role the two-account stack deploys the sandbox's side with. */
export const TEST_COPY_ACCOUNT_DEPLOY_ROLE_ARN = `arn:aws:iam::${TEST_COPY_ACCOUNT_ID}:role/lambda-power-tuned-deployer`;

/** The dev stack's config plus `copyAccount`: pull-request copies in the sandbox account. */
export const COPY_ACCOUNT_CONFIG = {
    "lambda-power-tuned:copyAccount": {
        accountId: TEST_COPY_ACCOUNT_ID,
        deployRole: { roleArn: TEST_COPY_ACCOUNT_DEPLOY_ROLE_ARN, externalId: "sandbox-deploy" },
    },
} as const;

const loading = new Map<string, Promise<MockedStack>>();
/** Runs of the program one after another: each takes the resources registered since it started. */
let lastLoad: Promise<unknown> = Promise.resolve();

/** The program with the dev stack's config, run once per test process. */
export function mockedStack(): Promise<MockedStack> {
    return cached("dev", {});
}

/** The program with the dev stack's config and COPY_ACCOUNT_CONFIG (two AWS accounts), run once per test process. */
export function mockedCopyAccountStack(): Promise<MockedStack> {
    return cached("copy-account", COPY_ACCOUNT_CONFIG);
}

function cached(key: string, overrides: Record<string, unknown>): Promise<MockedStack> {
    let stack = loading.get(key);
    if (stack === undefined) {
        stack = lastLoad.then(() => load(overrides));
        lastLoad = stack.catch(() => undefined);
        loading.set(key, stack);
    }
    return stack;
}

/** Resolves a Pulumi Output in a test. */
export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

async function load(overrides: Record<string, unknown>): Promise<MockedStack> {
    const config: Record<string, unknown> = { ...parse(readFileSync(DEV_STACK_FILE, "utf8")).config, ...overrides };
    // Pulumi hands structured config values to programs as JSON text, scalars as plain text.
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])),
    );
    const first = registeredResources.length;
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(trackConstruction);
        // The program runs when its module loads: a second configuration loads it afresh.
        delete require.cache[require.resolve("../../index")];
        return require("../../index");
    });
    await settled();
    return { resources: registeredResources.slice(first), outputs: outputs ?? {}, config, runnerBundle: bundleAt(RUNNER_BUNDLE_PATH) };
}

function bundleAt(file: string): RunnerBundle {
    return { path: file, sha256: createHash("sha256").update(readFileSync(file)).digest("hex") };
}

/** The registered resources of one type, e.g. `aws:s3/bucket:Bucket`. */
export function ofType(stack: MockedStack, type: string): RegisteredResource[] {
    return stack.resources.filter((resource) => resource.type === type);
}

/** The one resource of a type with this logical name. */
export function named(stack: MockedStack, type: string, name: string): RegisteredResource {
    const matches = ofType(stack, type).filter((resource) => resource.name === name);
    if (matches.length !== 1) {
        throw new Error(
            `expected one ${type} named ${name}, found ${matches.length} among ${ofType(stack, type)
                .map((r) => r.name)
                .join(", ")}`,
        );
    }
    return matches[0];
}

/** The stack's CodeCommit repository, as its CloudFormation stack reports it. */
export function repositoryOf(stack: MockedStack): { readonly name: string; readonly arn: string; readonly cloneUrlHttp: string } {
    const { Name, Arn, CloneUrlHttp } = named(stack, "aws:cloudformation/stack:Stack", "functions-stack").state.outputs;
    return { name: Name, arn: Arn, cloneUrlHttp: CloneUrlHttp };
}
