// The sweep's pure rules: which prefixes it runs with, what lies in its namespace (roles judged by
// path and name, as IAM judges them), when something is old enough, and the copy's line in the
// pull request's comment with its push-log note.
import * as assert from "node:assert/strict";
import { COPY_ROLE_PATH } from "../../../../buildscripts/contract";
import { InputError } from "../../../../buildscripts/tuning-runner/core/errors";
import {
    isSweptKey,
    isSweptRole,
    lambdaTimestamp,
    sweepCutoff,
    tooYoungToSweep,
    validateSweepPrefixes,
} from "../../../../buildscripts/tuning-runner/core/sweep";
import { countOutcomes, sweepExitCode, type SweptItem } from "../../../../buildscripts/tuning-runner/core/sweepReport";
import { renderCopySection } from "../../../../buildscripts/tuning-runner/markdown/copySection";
import { composeLivingComment, parseLivingComment } from "../../../../buildscripts/tuning-runner/markdown/livingComment";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-11-26T17:00:00.000Z");
const COPY = "pr-power-tuned-7-3f2a9c1";
const COMMIT = "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080";
const SCHEDULED = { schedule: "rate(6 hours)", olderThanHours: 6 };

const item = (kind: SweptItem["kind"], name: string, outcome: SweptItem["outcome"], fields: Partial<SweptItem> = {}): SweptItem => ({
    kind,
    name,
    outcome,
    createdAt: new Date(NOW - HOUR).toISOString(),
    ...fields,
});

describe("sweep rules", () => {
    describe("prefixes", () => {
        it("accepts a copy's prefix with production's protected: the two namespaces are disjoint", () => {
            assert.doesNotThrow(() => validateSweepPrefixes(COPY, "power-tuned"));
            assert.doesNotThrow(() => validateSweepPrefixes("pr-power-tuned", "power-tuned"));
            assert.doesNotThrow(() => validateSweepPrefixes("abc", undefined));
        });

        it("refuses a prefix either of whose globs matches a name of the other, naming both", () => {
            for (const [name, protect] of [
                ["power-tuned-x", "power-tuned"],
                ["power", "power-tuned"],
                ["power-tuned", "power-tuned"],
            ]) {
                assert.throws(
                    () => validateSweepPrefixes(name, protect),
                    (error: unknown) =>
                        error instanceof InputError && error.message.includes(`'${name}-*' and '${protect}-*' can match the same name`),
                    `${name} / ${protect}`,
                );
            }
        });

        it("refuses prefixes shorter than 3 characters, with characters no stack name has, or too long for a function name", () => {
            for (const prefix of ["pr", "p", "9lives", "pr_power", "pr-power-tuned-", "a".repeat(65)]) {
                assert.throws(
                    () => validateSweepPrefixes(prefix, undefined),
                    /--name-prefix is .*; allowed: 3-64 letters, digits or '-'/,
                    prefix,
                );
            }
            assert.doesNotThrow(() => validateSweepPrefixes("a".repeat(64), undefined));
        });
    });

    describe("the namespace", () => {
        it("holds a role by its path and name together, as IAM's role/pull-request-copies/<prefix>-* does: roles under any other path never", () => {
            assert.equal(isSweptRole(COPY_ROLE_PATH, `${COPY}-digest-role`, COPY), true);
            assert.equal(
                isSweptRole("/", `${COPY}-digest-role`, COPY),
                false,
                "outside the copies' path, where the copies create no role and the sweeper may delete none",
            );
            assert.equal(isSweptRole("/lambda-power-tuned/", "pr-power-tuned-sweeper-role-0a1b", "pr-power-tuned"), false);
            assert.equal(
                isSweptRole(`${COPY_ROLE_PATH}pr-power-tuned-team/`, "anything", "pr-power-tuned"),
                true,
                "a path in the namespace is in it, as for IAM",
            );
            assert.equal(isSweptRole(COPY_ROLE_PATH, "pr-power-tuned", "pr-power-tuned"), false, "the prefix itself is no <prefix>-… name");
        });

        it("holds state objects under <prefix>/ only, never a sibling prefix", () => {
            assert.equal(isSweptKey("pull-requests/arn:build/x/terraform.tfstate", "pull-requests"), true);
            assert.equal(isSweptKey("pull-requests-archive/terraform.tfstate", "pull-requests"), false);
        });
    });

    describe("age", () => {
        it("removes what is at least the given age old, keeps what is younger or undated", () => {
            const cutoff = sweepCutoff(NOW, 6);
            assert.equal(cutoff, NOW - 6 * HOUR);
            assert.equal(tooYoungToSweep(NOW - 6 * HOUR, cutoff, 6), undefined, "exactly 6 hours old");
            assert.equal(tooYoungToSweep(NOW - 6 * HOUR + 1, cutoff, 6), "younger than 6 hours");
            assert.equal(tooYoungToSweep(undefined, cutoff, 6), "its creation time is unknown");
            assert.equal(tooYoungToSweep(NOW, sweepCutoff(NOW, 0), 0), undefined, "with 0 hours, everything that exists");
            assert.equal(
                tooYoungToSweep(NOW + 5_000, sweepCutoff(NOW, 0), 0),
                undefined,
                "…even stamped by a clock a little ahead of this one",
            );
            assert.equal(tooYoungToSweep(undefined, sweepCutoff(NOW, 0), 0), undefined, "…or undated");
            assert.equal(tooYoungToSweep(NOW, sweepCutoff(NOW, 1), 1), "younger than 1 hour");
        });

        it("reads Lambda's LastModified format; an unreadable one keeps the function", () => {
            assert.equal(lambdaTimestamp("2026-11-26T17:15:15.326+0000"), Date.parse("2026-11-26T17:15:15.326Z"));
            assert.equal(lambdaTimestamp("yesterday"), undefined);
            assert.equal(lambdaTimestamp(undefined), undefined);
        });
    });

    describe("exit code", () => {
        it("is 1 when anything failed or could not be listed, else 0, whatever was kept", () => {
            assert.equal(sweepExitCode({ items: [item("function", "a", "deleted"), item("role", "b", "kept")], unlisted: [] }), 0);
            assert.equal(sweepExitCode({ items: [item("function", "a", "would-delete")], unlisted: [] }), 0);
            assert.equal(sweepExitCode({ items: [item("role", "b", "failed")], unlisted: [] }), 1);
            assert.equal(sweepExitCode({ items: [], unlisted: [{ kind: "role", error: "ListRoles: AccessDenied" }] }), 1);
            assert.deepEqual(countOutcomes([item("function", "a", "deleted"), item("role", "b", "deleted"), item("role", "c", "kept")]), {
                deleted: 2,
                "would-delete": 0,
                kept: 1,
                failed: 0,
            });
        });
    });
});

describe("the copy's line in the pull request's comment", () => {
    const render = (
        items: SweptItem[],
        fields: Partial<Parameters<typeof renderCopySection>[1]> = {},
        unlisted: Array<{ kind: SweptItem["kind"]; error: string }> = [],
    ) => renderCopySection({ namePrefix: COPY, items, unlisted }, { sourceCommit: COMMIT, scheduledSweep: SCHEDULED, now: NOW, ...fields });

    it("says the copy was destroyed when the sweep found nothing of it; its state object is not part of the copy", () => {
        const section = render([item("state-object", "s3://state/pull-requests/arn/terraform.tfstate", "deleted")]);
        assert.equal(
            section.markdown,
            "🧹 **Throw-away copy `3f2a9c1`: destroyed.** The sweep after the destroy found nothing left named `pr-power-tuned-7-3f2a9c1-…`.\n",
        );
        assert.equal(section.pushLogNote, "destroyed");
    });

    it("names what the destroy left and says the sweep removed it, with a link to the build's log", () => {
        const section = render([item("role", `${COPY}-digest-role`, "deleted")], { buildUrl: "https://console/build/1" });
        assert.equal(
            section.markdown,
            "🧹 **Throw-away copy `3f2a9c1`: removed by the sweep.** The destroy left 1 thing (role `pr-power-tuned-7-3f2a9c1-digest-role`); the sweep after it removed it. [Build log](https://console/build/1)\n",
        );
        assert.equal(section.pushLogNote, "1 thing left by the destroy, removed by the sweep");
    });

    it("names at most five things and counts the rest", () => {
        const items = Array.from({ length: 7 }, (_, index) => item("function", `${COPY}-f${index}`, "deleted"));
        assert.match(render(items).markdown, /function `pr-power-tuned-7-3f2a9c1-f4` and 2 more\); the sweep after it removed them all\./);
    });

    it("says when the scheduled sweep tries again: the time what is left is old enough, or its next run when it is already", () => {
        const young = [
            item("role", `${COPY}-digest-role`, "failed", {
                error: "DeleteRole: AccessDenied: denied",
                createdAt: new Date(NOW - HOUR).toISOString(),
            }),
        ];
        assert.match(
            render(young).markdown,
            /could not remove role `pr-power-tuned-7-3f2a9c1-digest-role` \(`DeleteRole: AccessDenied: denied`\)\.\n\nThe scheduled sweep \(`rate\(6 hours\)`\) tries again on its first run after 2026-11-26 22:00 UTC, when what is left is 6 hours old\.\n$/,
        );
        const old = [item("role", `${COPY}-digest-role`, "failed", { error: "x", createdAt: new Date(NOW - 7 * HOUR).toISOString() })];
        assert.match(render(old).markdown, /tries again on its next run\.\n$/);
        assert.equal(render(old).pushLogNote, "1 thing not removed, the scheduled sweep retries");
    });

    it("says what is unknown when a kind could not be listed, and gives no time it cannot know", () => {
        const section = render([], {}, [{ kind: "role", error: "ListRoles: AccessDenied: denied" }]);
        assert.match(
            section.markdown,
            /^⚠️ \*\*Throw-away copy `3f2a9c1`: not all removed\.\*\* The sweep after the destroy found nothing left of what it could list\.\n\nIt could not list the roles \(`ListRoles: AccessDenied: denied`\), so what is left of those is unknown\.\n\nThe scheduled sweep \(`rate\(6 hours\)`\) tries again on its first run once what is left is 6 hours old\.\n$/,
        );
        assert.equal(section.pushLogNote, "not all listed, the scheduled sweep retries");
    });

    it("names a state object it could not remove, which is no part of the copy itself", () => {
        const section = render([
            item("state-object", "s3://state/pull-requests/arn/terraform.tfstate", "failed", {
                error: "DeleteObject: AccessDenied: denied",
            }),
        ]);
        assert.match(
            section.markdown,
            /^⚠️ \*\*Throw-away copy `3f2a9c1`: not all removed\.\*\* The destroy left nothing of the copy itself; the sweep after it removed nothing and could not remove state object `s3:\/\/state\/pull-requests\/arn\/terraform\.tfstate` \(`DeleteObject: AccessDenied: denied`\)\./,
        );
    });

    it("without a scheduled sweep, says how to remove the rest by hand", () => {
        const section = render([item("function", `${COPY}-digest`, "failed", { error: "x" })], { scheduledSweep: {} });
        assert.match(
            section.markdown,
            /Nothing retries this on a schedule: run `tuning-runner sweep --name-prefix pr-power-tuned-7-3f2a9c1 --older-than 0` with permission to remove it\.\n$/,
        );
        assert.equal(section.pushLogNote, "1 thing not removed, no scheduled sweep retries");
    });

    it("is a section of the living comment of its own, below plan and tuning, read back unchanged", () => {
        const copy = render([]);
        const at = "2026-11-26T17:00:00.000Z";
        const content = [
            { section: "copy" as const, markdown: copy.markdown, note: copy.pushLogNote },
            { section: "plan" as const, markdown: "## Terraform plan\n\n**No changes.**", note: "no changes" },
        ].reduce<string | undefined>((text, update) => composeLivingComment(text, { ...update, commit: COMMIT, at }), undefined)!;
        const parsed = parseLivingComment(content);
        assert.deepEqual(
            parsed.sections.map((section) => [section.name, section.markdown]),
            [
                ["plan", "## Terraform plan\n\n**No changes.**"],
                ["copy", copy.markdown.trim()],
            ],
        );
        assert.deepEqual(parsed.pushLog, [
            { commit: "3f2a9c1", at: "2026-11-26 17:00 UTC", notes: { copy: "destroyed", plan: "no changes" } },
        ]);
    });
});
