// The builds that meet in the tuning history, as its specs play them: pull requests tuning their
// copies of the functions (`<function>-pr-<id>`), and the main pipeline's `record` after a
// deployment, all against one AWS — FakeAws for the bundle, InMemoryAws in process.
import * as assert from "node:assert/strict";
import { functionFactsFrom, tuningFingerprint } from "../../buildscripts/tuning-runner/core/fingerprint";
import { loadFixture, readFixtureText } from "../fixtures";
import type { ScriptedExecution } from "./aws-model";
import { FakeAws } from "./fake-aws";
import { InMemoryAws } from "./in-memory-aws";
import { RunnerWorkspace, TEST_PULL_REQUEST } from "./runner-workspace";

export const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
export const functionArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
export const BUCKET = "power-tuned-artifacts-1a2b";
export const HISTORY_URI = `s3://${BUCKET}/tuning-history/`;
export const INPUT = {
    powerValues: [128, 256, 512, 1024],
    num: 50,
    payload: { documentKb: 512 },
    parallelInvocation: true,
    strategy: "cost",
};
export const MAIN_COMMIT = `abc1234${"b".repeat(33)}`;

/** A Lambda configuration as GetFunctionConfiguration reports it; `version` of `name`'s code stands for the package. */
export const configuration = (name: string, version: string) => ({
    CodeSha256: Buffer.from(`package of ${name} ${version}`).toString("base64"),
    Runtime: "nodejs22.x",
    Architectures: ["arm64"],
    Handler: "index.handler",
    PackageType: "Zip",
    MemorySize: 128,
});

/** A pull request (id, source commit) whose build deployed copies named `<function>-pr-<id>`. */
export interface PullRequest {
    readonly id: string;
    readonly sourceCommit: string;
}
export const PR_5: PullRequest = { id: "5", sourceCommit: `0123456${"c".repeat(33)}` };
export const PR_7: PullRequest = { id: "7", sourceCommit: TEST_PULL_REQUEST.sourceCommit };
export const PR_8: PullRequest = { id: "8", sourceCommit: `8888888${"d".repeat(33)}` };
export const copyArn = (name: string, pr: PullRequest) => functionArn(`power-tuned-${name}-pr-${pr.id}`);

const costOutput = readFixtureText("power-tuning/output-cost-x86-4-powers.json");
/** The same measurements, except that this code made 512 MB the cheapest. */
export const cheaperAt512Output = (() => {
    const output = loadFixture("power-tuning/output-cost-x86-4-powers.json");
    output.stats = output.stats.map((stat: any) => (stat.value === 512 ? stat : { ...stat, averagePrice: stat.averagePrice * 2 }));
    return JSON.stringify({ ...output, power: 512, cost: 0.0000017052000000000002, duration: 202.38333333333333 });
})();
export const succeeded = (output = costOutput): ScriptedExecution => ({ status: "SUCCEEDED", output });

/** One AWS shared by the builds of a scenario, and what those builds do. */
export class Builds {
    private constructor(readonly fake: FakeAws | InMemoryAws) {
        fake.scriptExecution(/function:power-tuned-/, succeeded());
    }

    /** Builds of the bundled runner against FakeAws. */
    static async onTheWire(): Promise<Builds> {
        return new Builds(await FakeAws.start());
    }

    /** Builds of the runner's commands in this process against InMemoryAws. */
    static inProcess(): Builds {
        return new Builds(new InMemoryAws());
    }

    async stop(): Promise<void> {
        if (this.fake instanceof FakeAws) await this.fake.stop();
    }

    /** A PR build's environment, as CodeBuild and the EventBridge target set it. */
    private pullRequestEnv(pr: PullRequest, extra: Record<string, string> = {}): Record<string, string> {
        return {
            STATE_MACHINE_ARN: STATE_MACHINE,
            REPOSITORY_NAME: TEST_PULL_REQUEST.repositoryName,
            PULL_REQUEST_ID: pr.id,
            SOURCE_COMMIT: pr.sourceCommit,
            DESTINATION_COMMIT: TEST_PULL_REQUEST.destinationCommit,
            TUNING_HISTORY_URI: HISTORY_URI,
            CODEBUILD_BUILD_ID: "",
            CODEBUILD_BUILD_URL: "",
            ...extra,
        };
    }

    /** A PR build tuning its copies of `functions` (name → code version). */
    async tunePullRequest(
        pr: PullRequest,
        functions: Record<string, string>,
        options: {
            args?: string[];
            env?: Record<string, string>;
            input?: object;
            functionEnvironment?: Record<string, string>;
            files?: Record<string, string>;
        } = {},
    ) {
        const args = ["tune", ...(options.args ?? [])];
        for (const [name, code] of Object.entries(functions)) {
            const environment =
                options.functionEnvironment === undefined ? {} : { Environment: { Variables: options.functionEnvironment } };
            this.fake.setFunctionConfiguration(copyArn(name, pr), { ...configuration(name, code), ...environment });
            args.push("--lambda-arn", `${name}=${copyArn(name, pr)}`);
        }
        const work = new RunnerWorkspace({ "power-tuning-input.json": JSON.stringify(options.input ?? INPUT), ...options.files });
        const startsBefore = this.fake.calls("StartExecution").length;
        const run = await work.run(args, this.pullRequestEnv(pr, options.env), this.fake);
        return {
            run,
            work,
            results: run.code === 2 ? undefined : work.readJson("power-tuning-results.json"),
            started: this.fake
                .calls("StartExecution")
                .slice(startsBefore)
                .map((call) => JSON.parse(call.input).lambdaARN as string),
            comment: this.fake.comments[this.fake.comments.length - 1]?.content ?? "",
        };
    }

    /** The main pipeline after `terraform apply`: production's functions (name → code version), then `record`. */
    recordProduction(functions: Record<string, string>, extraArgs: string[] = [], env: Record<string, string> = {}) {
        const outputs: Record<string, string> = {};
        for (const [name, code] of Object.entries(functions)) {
            this.fake.setFunctionConfiguration(functionArn(`power-tuned-${name}`), configuration(name, code));
            outputs[name] = functionArn(`power-tuned-${name}`);
        }
        const work = new RunnerWorkspace({
            "power-tuning-input.json": JSON.stringify(INPUT),
            "outputs.json": JSON.stringify({ functions: { sensitive: false, type: ["map", "string"], value: outputs } }),
        });
        return work.run(
            ["record", "--terraform-outputs", "outputs.json", "--history", HISTORY_URI, ...extraArgs],
            { CODEBUILD_RESOLVED_SOURCE_VERSION: MAIN_COMMIT, ...env },
            this.fake,
        );
    }

    stored(key: string): any {
        const object = this.fake.objects.get(`${BUCKET}/tuning-history/${key}`);
        assert.ok(object, `no object tuning-history/${key}`);
        return JSON.parse(object.toString("utf8"));
    }
}

export const fingerprintOf = (name: string, version: string, input: object = INPUT) =>
    tuningFingerprint(functionFactsFrom(configuration(name, version), "arn"), input as any);
export type Build = Awaited<ReturnType<Builds["tunePullRequest"]>>;
