import * as assert from "node:assert/strict";
import { commentRequestToken } from "../../../../buildscripts/tuning-runner/core/commentToken";
import { TEST_PULL_REQUEST as PULL_REQUEST } from "../../../support/runner-workspace";

const BUILD = { buildId: "power-tuned-pull-request:0b5c4f3e-2d1a-4c7b-9e8f-1a2b3c4d5e6f" };

describe("comment idempotency token", () => {
    it("is the same for the same build and content, so a retried post returns the first comment", () => {
        assert.equal(
            commentRequestToken(PULL_REQUEST, BUILD, "## Lambda power tuning"),
            commentRequestToken({ ...PULL_REQUEST }, { ...BUILD }, "## Lambda power tuning"),
        );
    });

    it("differs for different content, so the plan and the tuning comment are both posted", () => {
        assert.notEqual(
            commentRequestToken(PULL_REQUEST, BUILD, "## Terraform plan"),
            commentRequestToken(PULL_REQUEST, BUILD, "## Lambda power tuning"),
        );
    });

    it("differs per build, and outside CodeBuild per pull request and commit pair", () => {
        const content = "## Lambda power tuning";
        assert.notEqual(
            commentRequestToken(PULL_REQUEST, BUILD, content),
            commentRequestToken(PULL_REQUEST, { buildId: `${BUILD.buildId}x` }, content),
        );
        assert.notEqual(
            commentRequestToken(PULL_REQUEST, {}, content),
            commentRequestToken({ ...PULL_REQUEST, sourceCommit: "4".repeat(40) }, {}, content),
        );
        assert.notEqual(
            commentRequestToken(PULL_REQUEST, {}, content),
            commentRequestToken({ ...PULL_REQUEST, pullRequestId: "8" }, {}, content),
        );
    });

    it("is a 64-character hex digest whatever the content's length", () => {
        assert.match(commentRequestToken(PULL_REQUEST, BUILD, "x".repeat(10_240)), /^[0-9a-f]{64}$/);
    });
});
