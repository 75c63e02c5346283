// The bundled `sweep` as a child process against FakeAws, where the SDK takes part: Lambda's REST
// routes, IAM's query protocol, CloudWatch Logs' JSON and S3's DELETE, each paged by the SDK's
// paginators; IAM refusing a role whose policies are still there; a dry run that sends no write
// request at all; one AccessDenied among many; the copy's line posted as the bot's session; every
// answer labelled text/html, as emulators do. Then the sweep after a destroy against moto itself.
import * as assert from "node:assert/strict";
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateRoleCommand, IAMClient, ListRolesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parseSweepReport } from "../../../../buildscripts/tuning-runner/core/sweepReport";
import type { FakeAws } from "../../../support/fake-aws";
import { type Moto, motoMissing, startMoto } from "../../../support/moto-server";
import { freshFakeAwsForEachTest, RunnerWorkspace } from "../../../support/runner-workspace";
import {
    accountContents,
    FOLLOW_UP_ENV,
    FOLLOW_UP_SWEEP,
    OLD_COPY,
    SCHEDULED_SWEEP,
    withAbandonedCopies,
    WRITE_OPERATION,
    YOUNG_COPY,
} from "../../../support/sweep-scenario";
import * as scenario from "../../../support/sweep-scenario";

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
        assert.deepEqual(
            after.functions,
            before.functions.filter((name) => !name.startsWith(OLD_COPY)),
        );
        assert.deepEqual(
            after.roles,
            before.roles.filter((name) => !name.startsWith(OLD_COPY)),
        );
        assert.deepEqual(
            after.logGroups,
            before.logGroups.filter((name) => !name.includes(OLD_COPY)),
        );
        assert.equal(after.stateObjects.length, before.stateObjects.length - 1);
        assert.ok(after.functions.includes(`${YOUNG_COPY}-digest`));
        const services = new Set(fake.requests.map((request) => request.service));
        assert.deepEqual([...services].sort(), ["iam", "lambda", "logs", "s3"]);
        for (const operation of ["ListFunctions", "ListRoles", "DescribeLogGroups", "ListObjectsV2"])
            assert.ok(fake.calls(operation).length > 1, `${operation} was paged`);
        assert.deepEqual(
            fake.requests
                .filter((request) => WRITE_OPERATION.test(request.operation) && !request.injectedError)
                .map((request) => request.operation),
            [
                "DeleteEventSourceMapping",
                "DeleteFunction",
                "DeleteRolePolicy",
                "DetachRolePolicy",
                "RemoveRoleFromInstanceProfile",
                "DeleteRole",
                "DeleteLogGroup",
                "DeleteObject",
            ],
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

    it("works the same against an endpoint labelling every answer text/html, as moto does: empty 204s, JSON, XML and errors are the API's", async () => {
        fake.labelAnswersAs = "text/html; charset=utf-8";
        fake.failNext("DeleteRole", 1, { status: 403, type: "AccessDenied", message: "User is not authorized to perform: iam:DeleteRole" });
        fake.failNext("DeleteLogGroup", 1, { status: 400, type: "InvalidParameterException", message: "Log group name is invalid" });
        const work = new RunnerWorkspace();
        const run = await work.run(SCHEDULED_SWEEP, {}, fake);
        assert.equal(run.code, 1, run.stderr);
        assert.doesNotMatch(run.stderr, /NotAnAwsResponse/);
        const report = parseSweepReport(work.read("sweep-report.json"), "sweep-report.json");
        assert.deepEqual(
            report.items
                .filter((item) => item.outcome !== "kept")
                .map((item) => [item.kind, item.outcome, item.error?.replace(/^\S+ \S+: /, "")]),
            [
                ["function", "deleted", undefined],
                ["role", "failed", "AccessDenied: User is not authorized to perform: iam:DeleteRole"],
                ["log-group", "failed", "InvalidParameterException: Log group name is invalid"],
                ["state-object", "deleted", undefined],
            ],
        );
        assert.ok(!accountContents(fake).functions.includes(`${OLD_COPY}-digest`), "DeleteFunction's empty 204 was taken as done");
    });

    it("sends no write request on a dry run, and reports what it would remove", async () => {
        const work = new RunnerWorkspace();
        const run = await work.run([...SCHEDULED_SWEEP, "--dry-run"], FOLLOW_UP_ENV, fake);
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(
            fake.requests.filter(
                (request) => WRITE_OPERATION.test(request.operation) || request.service === "sts" || request.service === "codecommit",
            ),
            [],
        );
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
        assert.match(
            report.items[2].error ?? "",
            /^DeleteRole pr-power-tuned-7-3f2a9c1-digest-role: AccessDenied: User is not authorized to perform: iam:DeleteRole$/,
        );
        assert.ok(accountContents(fake).roles.includes(`${OLD_COPY}-digest-role`));
        assert.ok(!accountContents(fake).logGroups.includes(`/aws/lambda/${OLD_COPY}-digest`), "the sweep went on");
    });

    it("posts the copy's line on the pull request as the bot's session, everything else signed by the build", async () => {
        const run = await new RunnerWorkspace().run(FOLLOW_UP_SWEEP, FOLLOW_UP_ENV, fake);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(fake.comments.length, 1);
        assert.match(fake.comments[0].content, /🧹 \*\*Throw-away copy `3f2a9c1`: removed by the sweep\.\*\*/);
        assert.equal(
            fake.comments[0].authorArn,
            "arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-bot/lambda-power-tuned-bot",
        );
        const [bot] = fake.assumedRoles;
        const signers = (service: string) =>
            new Set(fake.requests.filter((request) => request.service === service).map((request) => request.accessKeyId));
        assert.deepEqual([...signers("codecommit")], [bot.accessKeyId]);
        for (const service of ["lambda", "iam", "logs", "s3"]) assert.deepEqual([...signers(service)], ["test"], service);
    });
});

describe("the bundled sweep against moto, an emulator of AWS's APIs", function () {
    this.timeout(120_000);
    let moto: Moto | undefined;
    before(async function () {
        const missing = motoMissing();
        if (missing !== undefined) {
            console.log(`      skipped: ${missing}`);
            return this.skip();
        }
        moto = await startMoto();
    });
    after(() => moto?.stop());

    /** An SDK client of `Client` reaching moto. */
    const clientOf = <Client>(Client: new (config: object) => Client): Client =>
        new Client({
            endpoint: moto!.endpoint,
            region: "us-east-1",
            credentials: { accessKeyId: "test", secretAccessKey: "test" },
            forcePathStyle: true,
        });
    // An empty zip archive (its end-of-central-directory record alone): moto stores the code, never runs it.
    const EMPTY_ZIP = Buffer.concat([Buffer.from("PK\x05\x06", "latin1"), Buffer.alloc(18)]);

    /** Production, the copy of pull request 7 (two functions) whose destroy just failed, pull request 8's copy, and the stack's own role. */
    async function seed(): Promise<void> {
        const [lambda, iam, logs, s3] = [clientOf(LambdaClient), clientOf(IAMClient), clientOf(CloudWatchLogsClient), clientOf(S3Client)];
        const trust = JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
        await iam.send(
            new CreateRoleCommand({ RoleName: scenario.STACK_ROLE, Path: "/lambda-power-tuned/", AssumeRolePolicyDocument: trust }),
        );
        for (const [prefix, functions] of [
            [scenario.PRODUCTION_PREFIX, ["digest"]],
            [OLD_COPY, ["digest", "resize"]],
            [YOUNG_COPY, ["digest"]],
        ] as const) {
            const role = await iam.send(
                new CreateRoleCommand({
                    RoleName: `${prefix}-digest-role`,
                    Path: scenario.rolePathOf(prefix),
                    AssumeRolePolicyDocument: trust,
                }),
            );
            await iam.send(
                new PutRolePolicyCommand({
                    RoleName: `${prefix}-digest-role`,
                    PolicyName: "write-own-logs",
                    PolicyDocument: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }],
                    }),
                }),
            );
            for (const name of functions) {
                await lambda.send(
                    new CreateFunctionCommand({
                        FunctionName: `${prefix}-${name}`,
                        Role: role.Role!.Arn!,
                        Runtime: "nodejs22.x",
                        Handler: "index.handler",
                        Code: { ZipFile: EMPTY_ZIP },
                    }),
                );
                await logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${prefix}-${name}` }));
            }
        }
        await s3.send(new CreateBucketCommand({ Bucket: scenario.STATE_BUCKET }));
        for (const key of [
            scenario.PRODUCTION_STATE_KEY,
            scenario.STATE_KEY(scenario.OLD_DEPLOY_BUILD),
            scenario.STATE_KEY(scenario.YOUNG_DEPLOY_BUILD),
        ])
            await s3.send(new PutObjectCommand({ Bucket: scenario.STATE_BUCKET, Key: key, Body: "{}" }));
    }

    async function contents() {
        const [lambda, iam, logs, s3] = [clientOf(LambdaClient), clientOf(IAMClient), clientOf(CloudWatchLogsClient), clientOf(S3Client)];
        return {
            functions: ((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!).sort(),
            roles: ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((role) => role.RoleName!).sort(),
            logGroups: ((await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((group) => group.logGroupName!).sort(),
            stateObjects: ((await s3.send(new ListObjectsV2Command({ Bucket: scenario.STATE_BUCKET }))).Contents ?? [])
                .map((object) => object.Key!)
                .sort(),
        };
    }

    it("removes exactly the copy's functions, role, log groups and state after its destroy, and reports each as deleted", async () => {
        await seed();
        const before = await contents();
        assert.equal(before.functions.length, 4, "seeded");
        const work = new RunnerWorkspace();
        const run = await work.runProgram(FOLLOW_UP_SWEEP, moto!.env());
        assert.equal(run.code, 0, run.stderr);
        assert.doesNotMatch(run.stderr, /NotAnAwsResponse/);
        const after = await contents();
        const ofTheCopy = (name: string) => name.includes(`${OLD_COPY}-`) || name.includes(scenario.OLD_DEPLOY_BUILD);
        assert.deepEqual(after, {
            functions: before.functions.filter((name) => !ofTheCopy(name)),
            roles: before.roles.filter((name) => !ofTheCopy(name)),
            logGroups: before.logGroups.filter((name) => !ofTheCopy(name)),
            stateObjects: before.stateObjects.filter((name) => !ofTheCopy(name)),
        });
        assert.deepEqual(after.functions, [`${scenario.PRODUCTION_PREFIX}-digest`, `${YOUNG_COPY}-digest`]);
        const report = parseSweepReport(work.read("sweep-report.json"), "sweep-report.json");
        assert.deepEqual(report.unlisted, []);
        assert.deepEqual(
            report.items
                .filter((item) => item.outcome === "deleted")
                .map((item) => `${item.kind} ${item.name}`)
                .sort(),
            [
                `function ${OLD_COPY}-digest`,
                `function ${OLD_COPY}-resize`,
                `log-group /aws/lambda/${OLD_COPY}-digest`,
                `log-group /aws/lambda/${OLD_COPY}-resize`,
                `role ${OLD_COPY}-digest-role`,
                `state-object s3://${scenario.STATE_BUCKET}/${scenario.STATE_KEY(scenario.OLD_DEPLOY_BUILD)}`,
            ].sort(),
        );
    });
});
