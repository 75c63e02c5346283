// The bundled `sweep` as a child process against FakeAws, where the SDK takes part: Lambda's REST
// routes, IAM's query protocol, CloudWatch Logs' JSON and S3's DELETE, each paged by the SDK's
// paginators; IAM refusing a role whose policies are still there; a dry run that sends no write
// request at all; one AccessDenied among many; the copy's line posted as the bot's session.
import * as assert from "node:assert/strict";
import { parseSweepReport } from "../../../buildscripts/tuning-runner/core/sweepReport";
import type { FakeAws } from "../../support/fake-aws";
import { freshFakeAwsForEachTest, RunnerWorkspace } from "../../support/runner-workspace";
import { accountContents, FOLLOW_UP_ENV, FOLLOW_UP_SWEEP, OLD_COPY, SCHEDULED_SWEEP, withAbandonedCopies, WRITE_OPERATION, YOUNG_COPY } from "../../support/sweep-scenario";

describe("the bundled sweep against AWS's protocols", function () {
    this.timeout(30_000);
    let fake: FakeAws;
    freshFakeAwsForEachTest((started) => (fake = withAbandonedCopies(started)));

    it("removes the old copy over Lambda REST, IAM query, CloudWatch Logs JSON and S3, one item per page, and keeps everything else", async () => {
        fake.listPageSize = 1;
        const before = accountContents(fake);
        const run = await new RunnerWorkspace().run(SCHEDULED_SWEEP, {}, fake);
        assert.equal(run.code, 0, run.stderr);
        const after = accountContents(fake);
        assert.deepEqual(after.functions, before.functions.filter((name) => !name.startsWith(OLD_COPY)));
        assert.deepEqual(after.roles, before.roles.filter((name) => !name.startsWith(OLD_COPY)));
        assert.deepEqual(after.logGroups, before.logGroups.filter((name) => !name.includes(OLD_COPY)));
        assert.equal(after.stateObjects.length, before.stateObjects.length - 1);
        assert.ok(after.functions.includes(`${YOUNG_COPY}-digest`));
        const services = new Set(fake.requests.map((request) => request.service));
        assert.deepEqual([...services].sort(), ["iam", "lambda", "logs", "s3"]);
        for (const operation of ["ListFunctions", "ListRoles", "DescribeLogGroups", "ListObjectsV2"]) assert.ok(fake.calls(operation).length > 1, `${operation} was paged`);
        assert.deepEqual(
            fake.requests.filter((request) => WRITE_OPERATION.test(request.operation) && !request.injectedError).map((request) => request.operation),
            ["DeleteEventSourceMapping", "DeleteFunction", "DeleteRolePolicy", "DetachRolePolicy", "RemoveRoleFromInstanceProfile", "DeleteRole", "DeleteLogGroup", "DeleteObject"],
        );
    });

    it("with --owner-workflow reads the running executions over Step Functions' JSON protocol, every page, and keeps only the copy one of them owns", async () => {
        const workflow = "arn:aws:states:us-east-1:123456789012:stateMachine:pr-power-tuned-workflow";
        const input = (pullRequestId: string, sourceCommit: string) => ({ pullRequestId, sourceCommit, destinationCommit: "9".repeat(40) });
        fake.startWorkflowExecution(workflow, "7-3f2a9c1", input("7", "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080"), fake.hoursAgo(1));
        fake.startWorkflowExecution(workflow, "9-aaaaaaa", input("9", "a".repeat(40)), fake.hoursAgo(2));
        fake.listPageSize = 1;
        const run = await new RunnerWorkspace().run([...SCHEDULED_SWEEP, "--owner-workflow", workflow], {}, fake);
        assert.equal(run.code, 0, run.stderr);
        const after = accountContents(fake);
        assert.ok(after.functions.includes(`${OLD_COPY}-digest`), "owned by a running execution, however old");
        assert.ok(!after.functions.includes(`${YOUNG_COPY}-digest`), "owned by none, however young");
        assert.ok(fake.calls("ListExecutions").length > 1, "ListExecutions was paged");
        assert.equal(fake.calls("DescribeExecution").length, 2);
    });

    it("sends no write request on a dry run, and reports what it would remove", async () => {
        const work = new RunnerWorkspace();
        const run = await work.run([...SCHEDULED_SWEEP, "--dry-run"], FOLLOW_UP_ENV, fake);
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(fake.requests.filter((request) => WRITE_OPERATION.test(request.operation) || request.service === "sts" || request.service === "codecommit"), []);
        const report = parseSweepReport(work.read("sweep-report.json"), "sweep-report.json");
        assert.equal(report.items.filter((item) => item.outcome === "would-delete").length, 4);
    });

    it("goes on after an AccessDenied on one role, exits 1 and lists everything in the report", async () => {
        fake.failNext("DeleteRole", 1, { status: 403, type: "AccessDenied", message: "User is not authorized to perform: iam:DeleteRole" });
        const work = new RunnerWorkspace();
        const run = await work.run(SCHEDULED_SWEEP, {}, fake);
        assert.equal(run.code, 1, run.stderr);
        const report = parseSweepReport(work.read("sweep-report.json"), "sweep-report.json");
        assert.deepEqual(
            report.items.map((item) => item.outcome),
            ["deleted", "kept", "failed", "kept", "deleted", "kept", "kept", "deleted"],
        );
        assert.match(report.items[2].error ?? "", /^DeleteRole pr-power-tuned-7-3f2a9c1-digest-role: AccessDenied: User is not authorized to perform: iam:DeleteRole$/);
        assert.ok(accountContents(fake).roles.includes(`${OLD_COPY}-digest-role`));
        assert.ok(!accountContents(fake).logGroups.includes(`/aws/lambda/${OLD_COPY}-digest`), "the sweep went on");
    });

    it("posts the copy's line on the pull request as the bot's session, everything else signed by the build", async () => {
        const run = await new RunnerWorkspace().run(FOLLOW_UP_SWEEP, FOLLOW_UP_ENV, fake);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(fake.comments.length, 1);
        assert.match(fake.comments[0].content, /🧹 \*\*Throw-away copy `3f2a9c1`: removed by the sweep\.\*\*/);
        assert.equal(fake.comments[0].authorArn, "arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-bot/lambda-power-tuned-bot");
        const [bot] = fake.assumedRoles;
        const signers = (service: string) => new Set(fake.requests.filter((request) => request.service === service).map((request) => request.accessKeyId));
        assert.deepEqual([...signers("codecommit")], [bot.accessKeyId]);
        for (const service of ["lambda", "iam", "logs", "s3"]) assert.deepEqual([...signers(service)], ["test"], service);
    });
});
