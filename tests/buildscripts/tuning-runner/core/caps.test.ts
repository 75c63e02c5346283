// The caps on one tuning (functional core): functions per pull request, a function's timeout, and
// one execution's share of the stack's budget, each said as the comment says it.
import * as assert from "node:assert/strict";
import { budgetExceeded, capsExceeded } from "../../../../buildscripts/tuning-runner/core/caps";

describe("the caps on one tuning (core)", () => {
    const functions = (count: number, timeoutSeconds = 30) =>
        Array.from({ length: count }, (_, index) => ({ name: `fn${index}`, timeoutSeconds }));

    it("refuses more functions than the cap per pull request, and allows exactly the cap", () => {
        assert.deepEqual(capsExceeded(functions(10), { maxFunctions: 10 }), []);
        assert.deepEqual(capsExceeded(functions(11), { maxFunctions: 10 }), [
            "the pull request's copy has 11 functions to tune, and at most 10 are tuned per pull request",
        ]);
    });

    it("refuses each function whose timeout is longer than the cap, or could not be read", () => {
        assert.deepEqual(
            capsExceeded([{ name: "a", timeoutSeconds: 300 }, { name: "b", timeoutSeconds: 301 }, { name: "c" }], {
                maxFunctionTimeoutSeconds: 300,
            }),
            [
                "b has a timeout of 301 s, and a copy's functions may run at most 300 s",
                "c's timeout could not be read, and a copy's functions may run at most 300 s",
            ],
        );
    });

    it("applies no cap it was not given", () => {
        assert.deepEqual(capsExceeded([...functions(50, 900), { name: "x" }], {}), []);
    });

    it("says when one execution needs more than the budget in force, and why the budget is smaller than configured", () => {
        assert.equal(budgetExceeded(204, 204, 204, undefined), undefined);
        assert.equal(
            budgetExceeded(204, 100, 100, 5000),
            "one execution keeps up to 204 Lambda invocations in flight, and the stack's tuning budget is 100",
        );
        assert.equal(
            budgetExceeded(204, 90, 100, 900),
            "one execution keeps up to 204 Lambda invocations in flight, and the stack's tuning budget is 90 (a tenth of the account's unreserved concurrency, 900)",
        );
    });
});
