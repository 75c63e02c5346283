import { strict as assert } from "node:assert";
import { copyNamePrefix, nearestName, SWEEP_NAME_PREFIX_RULE } from "../../buildscripts/contract";

describe("contract: copyNamePrefix", () => {
    const commit = "0123456789abcdef0123456789abcdef01234567";

    it("names one pull request's copy of one commit by the namespace, the id and the commit's first 7 characters", () => {
        assert.equal(copyNamePrefix("pr-power-tuned", { pullRequestId: "42", sourceCommit: commit }), "pr-power-tuned-42-0123456");
    });

    it("gives two commits of one pull request different prefixes, so one copy cannot be mistaken for the other", () => {
        const other = "fedcba9876543210fedcba9876543210fedcba98";
        assert.notEqual(
            copyNamePrefix("pr-x", { pullRequestId: "7", sourceCommit: commit }),
            copyNamePrefix("pr-x", { pullRequestId: "7", sourceCommit: other }),
        );
    });

    it("is a prefix the sweep accepts at the longest namespace and id", () => {
        const prefix = copyNamePrefix("p".repeat(32), { pullRequestId: "9".repeat(16), sourceCommit: commit });
        assert.match(prefix, SWEEP_NAME_PREFIX_RULE.pattern);
    });
});

describe("contract: nearestName, the 'did you mean' of a refused name", () => {
    const names = ["strategy", "num", "parallelInvocation", "powerValues", "payload"];

    it("finds the name a typo most likely means: letters swapped, dropped, added, or another case", () => {
        assert.equal(nearestName("stratgey", names), "strategy");
        assert.equal(nearestName("parallelInvocations", names), "parallelInvocation");
        assert.equal(nearestName("powervalues", names), "powerValues");
        assert.equal(nearestName("nums", names), "num");
    });

    it("suggests nothing for a word more than two edits from every name", () => {
        assert.equal(nearestName("colour", names), undefined);
        assert.equal(nearestName("memorySizes", names), undefined);
    });
});
