// Runs the whole Pulumi program (index.ts) once under the mocks, with the dev stack's own
// config file, and hands tests what it registered and exported.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { RunnerBundle } from "../../buildscripts/bundle";
import { registeredResources, RegisteredResource } from "./pulumi-mocks";

export const DEV_STACK_FILE = path.join(__dirname, "..", "..", "Pulumi.dev.yaml");

export interface MockedStack {
    /** Every resource the program registered, in order. */
    readonly resources: readonly RegisteredResource[];
    /** The stack outputs, resolved. */
    readonly outputs: Readonly<Record<string, unknown>>;
    /** Pulumi.dev.yaml's config section, as written. */
    readonly config: Readonly<Record<string, unknown>>;
    /** What bundleTuningRunner() returned while the program ran. */
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

/**
 * Waits until every pending resource registration has reached the mocks: resources whose
 * inputs are Outputs of other resources register only once those resolve.
 */
export async function settled(): Promise<void> {
    // The SDK's own "wait for outstanding RPCs" (what it does before disconnecting); not part of its typed API.
    const settings: { waitForRPCs(): Promise<void> } = require("@pulumi/pulumi/runtime/settings");
    await settings.waitForRPCs();
}

async function load(): Promise<MockedStack> {
    const config: Record<string, unknown> = parse(readFileSync(DEV_STACK_FILE, "utf8")).config;
    // Pulumi hands structured config values to programs as JSON text, scalars as plain text.
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])),
    );
    // Record the bundle the program builds, so tests can check what it uploads against it.
    const bundler: { bundleTuningRunner(): RunnerBundle } = require("../../buildscripts/bundle");
    const bundleTuningRunner = bundler.bundleTuningRunner;
    let runnerBundle: RunnerBundle | undefined;
    bundler.bundleTuningRunner = () => (runnerBundle = bundleTuningRunner());
    const first = registeredResources.length;
    const program: Record<string, unknown> = await import("../../index");
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(program)) {
        outputs[name] = pulumi.Output.isInstance(value) ? await resolved(value) : value;
    }
    await settled();
    bundler.bundleTuningRunner = bundleTuningRunner;
    if (runnerBundle === undefined) throw new Error("the program did not bundle the tuning runner");
    return { resources: registeredResources.slice(first), outputs, config, runnerBundle };
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
