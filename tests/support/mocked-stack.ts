// Runs the whole Pulumi program (index.ts) once under the mocks, as the Pulumi host runs it (its
// exports become the stack's outputs), with the dev stack's own config file, and hands tests
// what it registered and exported.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { RUNNER_BUNDLE_PATH, type RunnerBundle } from "../../buildscripts/bundle";
import { registeredResources, RegisteredResource, settled, trackConstruction } from "./pulumi-mocks";

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

let loading: Promise<MockedStack> | undefined;

/** The program, run once per test process (a module can be imported once). */
export function mockedStack(): Promise<MockedStack> {
    loading ??= load();
    return loading;
}

/** Resolves a Pulumi Output in a test. */
export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

async function load(): Promise<MockedStack> {
    const config: Record<string, unknown> = parse(readFileSync(DEV_STACK_FILE, "utf8")).config;
    // Pulumi hands structured config values to programs as JSON text, scalars as plain text.
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])),
    );
    const first = registeredResources.length;
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(trackConstruction);
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
        throw new Error(`expected one ${type} named ${name}, found ${matches.length} among ${ofType(stack, type).map((r) => r.name).join(", ")}`);
    }
    return matches[0];
}

/** The stack's CodeCommit repository, as its CloudFormation stack reports it. */
export function repositoryOf(stack: MockedStack): { readonly name: string; readonly arn: string; readonly cloneUrlHttp: string } {
    const { Name, Arn, CloneUrlHttp } = named(stack, "aws:cloudformation/stack:Stack", "functions-stack").state.outputs;
    return { name: Name, arn: Arn, cloneUrlHttp: CloneUrlHttp };
}
