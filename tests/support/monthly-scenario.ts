// Production's traffic as the monthly-cost specs play it, in process and on the wire: `record`
// after a deployment of main (production's `digest` and `resize` at 128 MB), CloudWatch figures
// for `digest` only, then a pull request tuning its copies of both and of a new `thumbnail`.
import * as assert from "node:assert/strict";
import { type Builds, PR_7, type Build } from "./history-scenario";
import { TEST_PULL_REQUEST } from "./runner-workspace";

/** CloudWatch's figures for production's `digest` over the last 30 days. */
export const DIGEST_METRICS = { invocations: 1_200_000, averageDurationMs: 800 };

/** Runs the scenario; `before` runs between `record` and the pull request's build (e.g. to inject a failure). */
export async function monthlyScenario(builds: Builds, before: () => void = () => undefined): Promise<Build> {
    const recorded = await builds.recordProduction({ digest: "v1", resize: "v1" });
    assert.equal(recorded.code, 0, recorded.stderr);
    builds.fake.setLambdaMetrics("power-tuned-digest", DIGEST_METRICS);
    before();
    const build = await builds.tunePullRequest(PR_7, { digest: "v2", resize: "v2", thumbnail: "v1" });
    assert.equal(build.run.code, 0, build.run.stderr);
    return build;
}

/** The comment's section of one function: from its heading to the next. */
export function sectionOf(comment: string, name: string): string {
    const start = comment.indexOf(`### ✅ \`${name}\``);
    assert.ok(start >= 0, `no section for ${name} in:\n${comment}`);
    const next = comment.indexOf("\n### ", start + 1);
    return comment.slice(start, next === -1 ? undefined : next);
}

/** After the scenario: a pull request's build of `functions` judged by a policy of `maxMonthlyCostIncreaseUsd`. */
export function gatedBuild(builds: Builds, functions: Record<string, string>, maxMonthlyCostIncreaseUsd: number): Promise<Build> {
    // An open pull request whose revision the gate approves or revokes.
    builds.fake.setPullRequest({ ...TEST_PULL_REQUEST, pullRequestId: PR_7.id, sourceCommit: PR_7.sourceCommit, revisionId: "revision-1" });
    const policy = JSON.stringify({ maxMonthlyCostIncreaseUsd });
    return builds.tunePullRequest(PR_7, functions, { args: ["--policy", "policy.json"], files: { "policy.json": policy } });
}
