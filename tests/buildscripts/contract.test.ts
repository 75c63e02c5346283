import { strict as assert } from "node:assert";
import { copyNamePrefix, SWEEP_NAME_PREFIX_RULE } from "../../buildscripts/contract";

describe("contract: copyNamePrefix", () => {
    const commit = "0123456789abcdef0123456789abcdef01234567";

    it("names one pull request's copy of one commit by the namespace, the id and the commit's first 7 characters", () => {
        assert.equal(copyNamePrefix("pr-power-tuned", { pullRequestId: "42", sourceCommit: commit }), "pr-power-tuned-42-0123456");
    });

    it("gives two commits of one pull request different prefixes, so one copy cannot be mistaken for the other", () => {
        const other = "fedcba9876543210fedcba9876543210fedcba98";
        assert.notEqual(copyNamePrefix("pr-x", { pullRequestId: "7", sourceCommit: commit }), copyNamePrefix("pr-x", { pullRequestId: "7", sourceCommit: other }));
    });

    it("is a prefix the sweep accepts at the longest namespace and id", () => {
        const prefix = copyNamePrefix("p".repeat(32), { pullRequestId: "9".repeat(16), sourceCommit: commit });
        assert.match(prefix, SWEEP_NAME_PREFIX_RULE.pattern);
    });
});
