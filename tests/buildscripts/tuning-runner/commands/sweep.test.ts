// `sweep`, in process against InMemoryAws: what it removes (the namespace's old functions, roles, log
// groups and state objects) and what it never does (young copies, production, the stack's own roles),
// the order IAM accepts, a dry run without a single write, one failure among many, paging, the
// report, and the copy's line in the pull request's comment. The SDK's part is ../wire/sweep.test.ts.
import * as assert from "node:assert/strict";
import { COPY_ROLE_PATH } from "../../../../buildscripts/contract";
import { parseSweepReport } from "../../../../buildscripts/tuning-runner/core/sweepReport";
import { readFixtureText } from "../../../fixtures";
import type { InMemoryAws } from "../../../support/in-memory-aws";
import { freshInMemoryAwsForEachTest, RunnerWorkspace } from "../../../support/runner-workspace";
import {
    accountContents,
    ATTACHED_POLICY,
    FOLLOW_UP_ENV,
    FOLLOW_UP_SWEEP,
    INSTANCE_PROFILE,
    NAMESPACE,
    OLD_COPY,
    OLD_DEPLOY_BUILD,
    PRODUCTION_PREFIX,
    PRODUCTION_STATE_KEY,
    SCHEDULED_SWEEP,
    STACK_ROLE,
    STATE_BUCKET,
    STATE_KEY,
    withAbandonedCopies,
    WRITE_OPERATION,
    YOUNG_COPY,
    YOUNG_DEPLOY_BUILD,
} from "../../../support/sweep-scenario";

const PLAN = readFixtureText("terraform/plan-add-update-replace-delete.json");

/** What stays after the old copy is gone: production, the stack's role, the young copy. */
const AFTER_THE_OLD_COPY = {
    functions: [`${PRODUCTION_PREFIX}-digest`, `${YOUNG_COPY}-digest`],
    roles: [`${PRODUCTION_PREFIX}-digest-role`, `${YOUNG_COPY}-digest-role`, STACK_ROLE],
    logGroups: [`/aws/lambda/${PRODUCTION_PREFIX}-digest`, `/aws/lambda/${YOUNG_COPY}-digest`],
    stateObjects: [STATE_KEY(YOUNG_DEPLOY_BUILD), PRODUCTION_STATE_KEY],
};

describe("sweep", () => {
    let fake: InMemoryAws;
    freshInMemoryAwsForEachTest((started) => (fake = withAbandonedCopies(started)));
    const writes = () => fake.requests.filter((request) => WRITE_OPERATION.test(request.operation));

    describe("the scheduled sweep of the namespace", () => {
        it("removes the old copy's function, role, log group and state, and keeps the young copy, production and the stack's own role", async () => {
            const work = new RunnerWorkspace();
            const run = await work.run(SCHEDULED_SWEEP, {}, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(accountContents(fake), AFTER_THE_OLD_COPY);
            assert.deepEqual(fake.eventSourceMappingIds(), []);
        });

        it("with the copies in their own account: lists and removes as a session of its access role there (with the external ID), reads the workflow's running executions as itself", async () => {
            const env = {
                COPY_ACCOUNT_ROLE_ARN: "arn:aws:iam::210987654321:role/lambda-power-tuned/power-tuned-pull-request-sweeper-access",
                COPY_ACCOUNT_EXTERNAL_ID: "arn:aws:states:us-east-1:123456789012:stateMachine:power-tuned-pull-request-workflow",
            };
            const workflow = "arn:aws:states:us-east-1:123456789012:stateMachine:power-tuned-pull-request-workflow";
            fake.startWorkflowExecution(
                workflow,
                "9-0b0b0b0",
                { pullRequestId: "9", sourceCommit: "0b0b0b0".padEnd(40, "0"), destinationCommit: "9".repeat(40) },
                fake.hoursAgo(1),
            );
            const run = await new RunnerWorkspace().run([...SCHEDULED_SWEEP, "--owner-workflow", workflow], env, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.ok(!accountContents(fake).functions.includes(`${OLD_COPY}-digest`), "the old copy is swept");
            const assumed = fake.calls("AssumeRole").filter((call) => call.RoleArn === env.COPY_ACCOUNT_ROLE_ARN);
            assert.deepEqual([...new Set(assumed.map((call) => call.ExternalId))], [env.COPY_ACCOUNT_EXTERNAL_ID]);
            // The model is one account: a session is told apart by its role and session name.
            const signer = (request: (typeof fake.requests)[number]) => fake.callerArn(request.accessKeyId).split(":").at(-1);
            const copySession = "assumed-role/power-tuned-pull-request-sweeper-access/lambda-power-tuned-trusted";
            const swept = fake.requests.filter((request) => ["lambda", "iam", "logs", "s3"].includes(request.service));
            assert.ok(swept.length > 0);
            for (const request of swept) assert.equal(signer(request), copySession, `${request.service} ${request.operation}`);
            const executions = fake.requests.filter((request) => request.service === "sfn");
            assert.ok(executions.length > 0);
            for (const request of executions)
                assert.notEqual(signer(request), copySession, `${request.operation}: the workflow's executions are production's`);
        });

        it("removes in an order AWS accepts: a function's event source mappings first; a role's inline, attached and instance-profile links before it; the state last", async () => {
            const run = await new RunnerWorkspace().run(SCHEDULED_SWEEP, {}, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(
                writes().map((request) => request.operation),
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
            assert.deepEqual(fake.calls("DetachRolePolicy"), [{ RoleName: `${OLD_COPY}-digest-role`, PolicyArn: ATTACHED_POLICY }]);
            assert.deepEqual(fake.calls("RemoveRoleFromInstanceProfile"), [
                { RoleName: `${OLD_COPY}-digest-role`, InstanceProfileName: INSTANCE_PROFILE },
            ]);
        });

        it("writes a report of everything it found in the namespace: what it removed with what, and what it kept and why", async () => {
            const work = new RunnerWorkspace();
            await work.run([...SCHEDULED_SWEEP, "--report", "swept.json"], {}, fake);
            const report = parseSweepReport(work.read("swept.json"), "swept.json");
            assert.deepEqual(
                report.items.map(({ kind, name, outcome, removedWithIt, reason }) => ({ kind, name, outcome, removedWithIt, reason })),
                [
                    {
                        kind: "function",
                        name: `${OLD_COPY}-digest`,
                        outcome: "deleted",
                        removedWithIt: [`event source mapping ${fake.calls("DeleteEventSourceMapping")[0].UUID}`],
                        reason: undefined,
                    },
                    {
                        kind: "function",
                        name: `${YOUNG_COPY}-digest`,
                        outcome: "kept",
                        removedWithIt: undefined,
                        reason: "younger than 6 hours",
                    },
                    {
                        kind: "role",
                        name: `${OLD_COPY}-digest-role`,
                        outcome: "deleted",
                        removedWithIt: [
                            "inline policy write-own-logs",
                            `attached policy ${ATTACHED_POLICY}`,
                            `instance profile ${INSTANCE_PROFILE}`,
                        ],
                        reason: undefined,
                    },
                    {
                        kind: "role",
                        name: `${YOUNG_COPY}-digest-role`,
                        outcome: "kept",
                        removedWithIt: undefined,
                        reason: "younger than 6 hours",
                    },
                    {
                        kind: "log-group",
                        name: `/aws/lambda/${OLD_COPY}-digest`,
                        outcome: "deleted",
                        removedWithIt: undefined,
                        reason: undefined,
                    },
                    {
                        kind: "log-group",
                        name: `/aws/lambda/${YOUNG_COPY}-digest`,
                        outcome: "kept",
                        removedWithIt: undefined,
                        reason: "younger than 6 hours",
                    },
                    {
                        kind: "state-object",
                        name: `s3://${STATE_BUCKET}/${STATE_KEY(YOUNG_DEPLOY_BUILD)}`,
                        outcome: "kept",
                        removedWithIt: undefined,
                        reason: "younger than 6 hours",
                    },
                    {
                        kind: "state-object",
                        name: `s3://${STATE_BUCKET}/${STATE_KEY(OLD_DEPLOY_BUILD)}`,
                        outcome: "deleted",
                        removedWithIt: undefined,
                        reason: undefined,
                    },
                ],
            );
            assert.deepEqual(
                [
                    report.namePrefix,
                    report.protectPrefix,
                    report.olderThanHours,
                    report.cutoff,
                    report.dryRun,
                    report.stateUri,
                    report.unlisted,
                ],
                [NAMESPACE, PRODUCTION_PREFIX, 6, "2026-11-26T11:00:00.000Z", false, `s3://${STATE_BUCKET}/pull-requests/`, []],
            );
            assert.equal(report.items[0].createdAt, new Date(fake.hoursAgo(30)).toISOString());
        });

        it("logs each item with a timestamp on stderr, and a summary", async () => {
            const run = await new RunnerWorkspace().run(SCHEDULED_SWEEP, {}, fake);
            assert.match(
                run.stderr,
                /^2026-11-26T17:00:00\.000Z sweeping pr-power-tuned-\* \(functions, roles, log groups \/aws\/lambda\/pr-power-tuned-\*\) and state objects under s3:\/\/storage-state-0a1b2c3d\/pull-requests\/, last changed before 2026-11-26T11:00:00\.000Z \(6 hours ago\); power-tuned-\* is protected\n/,
            );
            assert.match(
                run.stderr,
                /Z role pr-power-tuned-7-3f2a9c1-digest-role: removed \(with inline policy write-own-logs, attached policy .*, instance profile pr-power-tuned-7-3f2a9c1-digest-profile\)\n/,
            );
            assert.match(run.stderr, /Z function pr-power-tuned-8-0123abc-digest: kept, younger than 6 hours\n/);
            assert.match(
                run.stderr,
                /Z swept: 4 removed, 0 to remove on a real run, 4 kept, 0 not removed, 0 kind\(s\) not listed; report written to sweep-report\.json\n$/,
            );
            assert.equal(run.stdout, "", "nothing on stdout without a pull request");
        });

        it("with --older-than 0 removes the young copy too, and still never production or the stack's role", async () => {
            const run = await new RunnerWorkspace().run(
                ["sweep", "--name-prefix", NAMESPACE, "--protect-prefix", PRODUCTION_PREFIX, "--older-than", "0"],
                {},
                fake,
            );
            assert.equal(run.code, 0, run.stderr);
            const left = accountContents(fake);
            assert.deepEqual(
                [left.functions, left.roles, left.logGroups],
                [
                    [`${PRODUCTION_PREFIX}-digest`],
                    [`${PRODUCTION_PREFIX}-digest-role`, STACK_ROLE],
                    [`/aws/lambda/${PRODUCTION_PREFIX}-digest`],
                ],
            );
            assert.equal(fake.calls("ListObjectsV2").length, 0, "no --state-uri, no state objects");
        });

        it("pages through every list call", async () => {
            fake.listPageSize = 1;
            for (const copy of [`${NAMESPACE}-9-aaaaaaa`, `${NAMESPACE}-10-bbbbbbb`]) {
                fake.addFunction(`${copy}-digest`, fake.hoursAgo(30));
                fake.addRole(`${copy}-digest-role`, { path: COPY_ROLE_PATH, createdAt: fake.hoursAgo(30), inlinePolicies: ["a", "b"] });
                fake.addLogGroup(`/aws/lambda/${copy}-digest`, fake.hoursAgo(30));
                fake.putObject(STATE_BUCKET, `pull-requests/${copy}/terraform.tfstate`, "{}", fake.hoursAgo(30));
            }
            fake.addEventSourceMapping(`${OLD_COPY}-digest`);
            const run = await new RunnerWorkspace().run(SCHEDULED_SWEEP, {}, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(accountContents(fake), AFTER_THE_OLD_COPY);
            assert.deepEqual(fake.eventSourceMappingIds(), []);
            const tokens: Array<[string, string]> = [
                ["ListFunctions", "Marker"],
                ["ListEventSourceMappings", "Marker"],
                ["ListRoles", "Marker"],
                ["ListRolePolicies", "Marker"],
                ["DescribeLogGroups", "nextToken"],
                ["ListObjectsV2", "ContinuationToken"],
            ];
            for (const [operation, token] of tokens) {
                assert.ok(
                    fake.calls(operation).some((page) => page[token] !== undefined),
                    `${operation} never asked for a next page`,
                );
            }
        });
    });

    describe("by ownership (--owner-workflow): the pull-request workflow's running executions own their copies", () => {
        const WORKFLOW = "arn:aws:states:us-east-1:123456789012:stateMachine:pr-power-tuned-workflow";
        const OWNED_SWEEP = [...SCHEDULED_SWEEP, "--owner-workflow", WORKFLOW];
        const runWorkflowFor = (pullRequestId: string, sourceCommit: string, hoursAgo: number) =>
            fake.startWorkflowExecution(
                WORKFLOW,
                `${pullRequestId}-${sourceCommit.slice(0, 7)}`,
                { pullRequestId, sourceCommit, destinationCommit: "9".repeat(40) },
                fake.hoursAgo(hoursAgo),
            );
        const copyOf = (copy: string) => [`${copy}-digest`, `${copy}-digest-role`, `/aws/lambda/${copy}-digest`];
        const left = () => {
            const { functions, roles, logGroups } = accountContents(fake);
            return [...functions, ...roles, ...logGroups];
        };

        it("a copy whose functions keep being modified is removed once its execution ended (LastModified is no age)", async () => {
            const execution = runWorkflowFor("7", "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080", 1);
            fake.addFunction(`${OLD_COPY}-digest`);
            let run = await new RunnerWorkspace().run(OWNED_SWEEP, {}, fake);
            assert.equal(run.code, 0, run.stderr);
            for (const name of copyOf(OLD_COPY)) assert.ok(left().includes(name), `${name} kept while its execution runs`);
            fake.endExecution(execution);
            fake.addFunction(`${OLD_COPY}-digest`);
            run = await new RunnerWorkspace().run(OWNED_SWEEP, {}, fake);
            assert.equal(run.code, 0, run.stderr);
            for (const name of copyOf(OLD_COPY)) assert.ok(!left().includes(name), `${name} removed, modified a moment ago`);
        });

        it("a copy of a running execution is kept however old its functions look, and a young copy no execution owns is removed", async () => {
            const execution = runWorkflowFor("7", "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080", 1);
            const work = new RunnerWorkspace();
            const run = await work.run(OWNED_SWEEP, {}, fake);
            assert.equal(run.code, 0, run.stderr);
            for (const name of copyOf(OLD_COPY)) assert.ok(left().includes(name), `${name} kept`);
            for (const name of copyOf(YOUNG_COPY)) assert.ok(!left().includes(name), `${name} removed: no running execution owns it`);
            const report = parseSweepReport(work.read("sweep-report.json"), "sweep-report.json");
            const kept = report.items.find((item) => item.name === `${OLD_COPY}-digest`)!;
            assert.equal(kept.outcome, "kept");
            assert.match(kept.reason!, new RegExp(`running workflow execution ${execution}`));
            assert.deepEqual(
                fake.calls("ListExecutions").map((call) => [call.stateMachineArn, call.statusFilter]),
                [[WORKFLOW, "RUNNING"]],
            );
        });

        it("an execution that started more than --older-than ago no longer protects its copy", async () => {
            runWorkflowFor("7", "3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080", 7);
            const run = await new RunnerWorkspace().run(OWNED_SWEEP, {}, fake);
            assert.equal(run.code, 0, run.stderr);
            for (const name of copyOf(OLD_COPY)) assert.ok(!left().includes(name), name);
        });

        it("an execution of another commit of the same pull request does not own this commit's copy", async () => {
            runWorkflowFor("7", "a".repeat(40), 1);
            const run = await new RunnerWorkspace().run(OWNED_SWEEP, {}, fake);
            assert.equal(run.code, 0, run.stderr);
            for (const name of copyOf(OLD_COPY)) assert.ok(!left().includes(name), name);
        });

        it("removes no function, role or log group when the running executions cannot be listed, and exits 1", async () => {
            fake.failNext("ListExecutions", 10, { status: 400, type: "AccessDeniedException", message: "not allowed" });
            const before = left();
            const run = await new RunnerWorkspace().run(OWNED_SWEEP, {}, fake);
            assert.equal(run.code, 1);
            assert.deepEqual(left(), before);
            assert.match(run.stderr, /functions: could not be listed: ListExecutions .*not allowed/);
        });
    });

    describe("failures", () => {
        it("reports a role it may not delete, goes on with everything else, and exits 1", async () => {
            fake.addRole(`${NAMESPACE}-9-aaaaaaa-digest-role`, { path: COPY_ROLE_PATH, createdAt: fake.hoursAgo(30) });
            fake.failNext("DeleteRole", 1, {
                status: 403,
                type: "AccessDenied",
                message: "User is not authorized to perform: iam:DeleteRole",
            });
            const work = new RunnerWorkspace();
            const run = await work.run(SCHEDULED_SWEEP, {}, fake);
            assert.equal(run.code, 1);
            const left = accountContents(fake);
            assert.deepEqual(left.roles, [...AFTER_THE_OLD_COPY.roles, `${OLD_COPY}-digest-role`].sort(), "only the refused role is left");
            assert.deepEqual(
                [left.functions, left.logGroups, left.stateObjects],
                [AFTER_THE_OLD_COPY.functions, AFTER_THE_OLD_COPY.logGroups, AFTER_THE_OLD_COPY.stateObjects],
            );
            const failed = work.readJson("sweep-report.json").items.filter((item: { outcome: string }) => item.outcome === "failed");
            assert.deepEqual(failed, [
                {
                    kind: "role",
                    name: `${OLD_COPY}-digest-role`,
                    createdAt: new Date(fake.hoursAgo(30)).toISOString(),
                    outcome: "failed",
                    removedWithIt: [
                        "inline policy write-own-logs",
                        `attached policy ${ATTACHED_POLICY}`,
                        `instance profile ${INSTANCE_PROFILE}`,
                    ],
                    error: `DeleteRole ${OLD_COPY}-digest-role: AccessDenied: User is not authorized to perform: iam:DeleteRole`,
                },
            ]);
            assert.match(
                run.stderr,
                /role pr-power-tuned-7-3f2a9c1-digest-role: NOT removed: DeleteRole .*AccessDenied.* \(already removed: inline policy write-own-logs, /,
            );
        });

        it("reports a kind it could not list, sweeps the others, and exits 1", async () => {
            fake.failNext("ListRoles", 1, { status: 403, type: "AccessDenied", message: "not authorized to perform: iam:ListRoles" });
            const work = new RunnerWorkspace();
            const run = await work.run(SCHEDULED_SWEEP, {}, fake);
            assert.equal(run.code, 1);
            assert.deepEqual(work.readJson("sweep-report.json").unlisted, [
                { kind: "role", error: "ListRoles: AccessDenied: not authorized to perform: iam:ListRoles" },
            ]);
            const left = accountContents(fake);
            assert.deepEqual(
                [left.functions, left.logGroups, left.stateObjects],
                [AFTER_THE_OLD_COPY.functions, AFTER_THE_OLD_COPY.logGroups, AFTER_THE_OLD_COPY.stateObjects],
            );
            assert.ok(left.roles.includes(`${OLD_COPY}-digest-role`));
        });
    });

    describe("--dry-run", () => {
        it("makes no write call at all, and reports what it would remove with what", async () => {
            const before = accountContents(fake);
            const work = new RunnerWorkspace();
            const run = await work.run([...SCHEDULED_SWEEP, "--dry-run"], FOLLOW_UP_ENV, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(writes(), []);
            assert.deepEqual(accountContents(fake), before);
            assert.deepEqual(fake.assumedRoles, [], "not even the bot's session: nothing is posted");
            const report = parseSweepReport(work.read("sweep-report.json"), "sweep-report.json");
            assert.equal(report.dryRun, true);
            const wouldGo = report.items.filter((item) => item.outcome === "would-delete");
            assert.deepEqual(
                wouldGo.map((item) => [item.name, item.removedWithIt]),
                [
                    [`${OLD_COPY}-digest`, [`event source mapping ${fake.eventSourceMappingIds()[0]}`]],
                    [
                        `${OLD_COPY}-digest-role`,
                        ["inline policy write-own-logs", `attached policy ${ATTACHED_POLICY}`, `instance profile ${INSTANCE_PROFILE}`],
                    ],
                    [`/aws/lambda/${OLD_COPY}-digest`, undefined],
                    [`s3://${STATE_BUCKET}/${STATE_KEY(OLD_DEPLOY_BUILD)}`, undefined],
                ],
            );
            assert.match(run.stderr, /^\S+ dry run \(nothing is removed\): sweeping /);
            assert.match(run.stderr, /role pr-power-tuned-7-3f2a9c1-digest-role: would be removed \(with inline policy write-own-logs, /);
        });
    });

    describe("refuses before any AWS call (exit 2)", () => {
        const refused: Array<[string, string[], RegExp]> = [
            ["without --name-prefix", ["sweep", "--older-than", "0"], /required option '--name-prefix <PREFIX>' not specified/],
            [
                "a prefix shorter than 3 characters",
                ["sweep", "--name-prefix", "pr"],
                /--name-prefix is "pr"; allowed: 3-64 letters, digits or '-', starting with a letter and not ending with '-'/,
            ],
            ["a prefix ending in '-'", ["sweep", "--name-prefix", "pr-power-tuned-"], /--name-prefix is "pr-power-tuned-"/],
            ["an empty prefix", ["sweep", "--name-prefix", ""], /--name-prefix needs a value/],
            [
                "a prefix whose names the protected prefix's glob matches",
                ["sweep", "--name-prefix", "power-tuned-digest", "--protect-prefix", PRODUCTION_PREFIX],
                /--name-prefix is "power-tuned-digest" \('power-tuned-digest-\*' and 'power-tuned-\*' can match the same name, so the sweep could delete what --protect-prefix protects\)/,
            ],
            [
                "a prefix whose glob matches the protected prefix's names",
                ["sweep", "--name-prefix", "power", "--protect-prefix", PRODUCTION_PREFIX],
                /'power-\*' and 'power-tuned-\*' can match the same name/,
            ],
            ["an invalid protected prefix", ["sweep", "--name-prefix", NAMESPACE, "--protect-prefix", "x"], /--protect-prefix is "x"/],
            [
                "a negative age",
                ["sweep", "--name-prefix", NAMESPACE, "--older-than=-1"],
                /--older-than must be a whole number of hours from 0 to 8760; got "-1"/,
            ],
            [
                "an age in words",
                ["sweep", "--name-prefix", NAMESPACE, "--older-than", "six"],
                /--older-than must be a whole number of hours from 0 to 8760; got "six"/,
            ],
            [
                "a whole bucket",
                ["sweep", "--name-prefix", NAMESPACE, "--state-uri", `s3://${STATE_BUCKET}`],
                /--state-uri is "s3:\/\/storage-state-0a1b2c3d" \(a sweep never removes every object of a bucket\)/,
            ],
            [
                "a state URI that is no s3:// URI",
                ["sweep", "--name-prefix", NAMESPACE, "--state-uri", "pull-requests/"],
                /--state-uri is "pull-requests\/" \(not an s3:\/\/ URI\)/,
            ],
            [
                "a schedule EventBridge would refuse",
                ["sweep", "--name-prefix", NAMESPACE, "--retry-schedule", "rate(1 hours)"],
                /--retry-schedule \(env SWEEP_SCHEDULE\) is "rate\(1 hours\)"; allowed: an EventBridge schedule expression/,
            ],
            [
                "a retry age of 0",
                ["sweep", "--name-prefix", NAMESPACE, "--retry-older-than", "0"],
                /--retry-older-than \(env PULL_REQUEST_COPY_TTL_HOURS\) must be a whole number of hours from 1 to 8760; got "0"/,
            ],
            [
                "half a pull request",
                ["sweep", "--name-prefix", NAMESPACE, "--pull-request-id", "7"],
                /a pull request needs all four of --repository/,
            ],
            [
                "a report that is a directory",
                ["sweep", "--name-prefix", NAMESPACE, "--report", "."],
                /--report: "\." is a directory; name a file/,
            ],
        ];
        for (const [what, argv, message] of refused) {
            it(`refuses ${what}, naming the flag, the value and what is allowed`, async () => {
                const run = await new RunnerWorkspace().run(argv, {}, fake);
                assert.equal(run.code, 2, run.stderr);
                assert.match(run.stderr, message);
                assert.deepEqual(fake.requests, []);
            });
        }

        it("takes the names it deletes from its command line only, never from the environment", async () => {
            const run = await new RunnerWorkspace().run(
                ["sweep"],
                { PULL_REQUEST_NAME_PREFIX: NAMESPACE, PRODUCTION_NAME_PREFIX: PRODUCTION_PREFIX },
                fake,
            );
            assert.equal(run.code, 2);
            assert.match(run.stderr, /required option '--name-prefix <PREFIX>' not specified/);
            assert.deepEqual(fake.requests, []);
        });
    });

    describe("after a pull request's destroy: the copy's line in its comment", () => {
        const BOT_SESSION = /^arn:aws:sts::123456789012:assumed-role\/power-tuned-pull-request-bot\/lambda-power-tuned-bot$/;
        const copyLine = () => fake.comments[0].content.split("\n").find((line) => line.includes("**Throw-away copy"));

        it("says the copy was destroyed when the destroy left nothing, and removes the deploy's state object", async () => {
            for (const name of [...fake.functionNames()].filter((name) => name.startsWith(OLD_COPY)))
                fake.call({ service: "lambda", operation: "DeleteFunction", body: { FunctionName: name } });
            fake.roles.delete(`${OLD_COPY}-digest-role`);
            fake.logGroups.delete(`/aws/lambda/${OLD_COPY}-digest`);
            const run = await new RunnerWorkspace().run(FOLLOW_UP_SWEEP, FOLLOW_UP_ENV, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.equal(
                copyLine(),
                "🧹 **Throw-away copy `3f2a9c1`: destroyed.** The sweep after the destroy found nothing left named `pr-power-tuned-7-3f2a9c1-…`.",
            );
            assert.ok(!accountContents(fake).stateObjects.includes(STATE_KEY(OLD_DEPLOY_BUILD)));
            assert.match(fake.comments[0].content, /- `3f2a9c1` · 2026-11-26 17:00 UTC · copy: destroyed/);
            assert.match(fake.comments[0].authorArn ?? "", BOT_SESSION);
        });

        it("says what the destroy left and that the sweep removed it, whatever its age, and nothing of another copy", async () => {
            const run = await new RunnerWorkspace().run(FOLLOW_UP_SWEEP, FOLLOW_UP_ENV, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.equal(
                copyLine(),
                "🧹 **Throw-away copy `3f2a9c1`: removed by the sweep.** The destroy left 3 things (function `pr-power-tuned-7-3f2a9c1-digest`, role `pr-power-tuned-7-3f2a9c1-digest-role`, log group `/aws/lambda/pr-power-tuned-7-3f2a9c1-digest`); the sweep after it removed them all.",
            );
            const left = accountContents(fake);
            assert.deepEqual(left.functions, AFTER_THE_OLD_COPY.functions);
            assert.deepEqual(left.stateObjects, AFTER_THE_OLD_COPY.stateObjects);
        });

        it("says what it could not remove and when the scheduled sweep tries again, and exits 1", async () => {
            fake.failNext("DeleteRole", 1, { status: 403, type: "AccessDenied", message: "denied" });
            const run = await new RunnerWorkspace().run(FOLLOW_UP_SWEEP, FOLLOW_UP_ENV, fake);
            assert.equal(run.code, 1);
            const content = fake.comments[0].content;
            assert.match(
                content,
                /⚠️ \*\*Throw-away copy `3f2a9c1`: not all removed\.\*\* The destroy left 3 things \(.*\); the sweep after it removed 2 \(function `pr-power-tuned-7-3f2a9c1-digest`, log group `\/aws\/lambda\/pr-power-tuned-7-3f2a9c1-digest`\) and could not remove role `pr-power-tuned-7-3f2a9c1-digest-role` \(`DeleteRole pr-power-tuned-7-3f2a9c1-digest-role: AccessDenied: denied`\)\./,
            );
            // Made 30 hours ago: old enough for the scheduled sweep already.
            assert.match(content, /The scheduled sweep \(`rate\(6 hours\)`\) tries again on its next run\./);
            assert.match(content, /copy: 1 thing not removed, the scheduled sweep retries/);
        });

        it("adds the copy's line below the living comment's other sections, as the bot that wrote them", async () => {
            const work = new RunnerWorkspace({ "plan.json": PLAN });
            assert.equal((await work.run(["plan-comment", "--plan", "plan.json"], FOLLOW_UP_ENV, fake)).code, 0);
            const run = await work.run(FOLLOW_UP_SWEEP, FOLLOW_UP_ENV, fake);
            assert.equal(run.code, 0, run.stderr);
            assert.equal(fake.comments.length, 1, "one living comment, updated");
            const content = fake.comments[0].content;
            assert.ok(content.indexOf("## Terraform plan") < content.indexOf("**Throw-away copy"), "plan first, then the copy");
            assert.match(content, /lambda-power-tuned:begin copy 3f2a9c1b7e6d5c4b3a291807f6e5d4c3b2a19080 /);
            assert.match(
                content,
                /- `3f2a9c1` · .* · plan: 5 to add, 1 to change, 5 to destroy · copy: 3 things left by the destroy, removed by the sweep/,
            );
        });

        it("still writes the report, prints the line and exits 1 when the comment cannot be posted", async () => {
            fake.failNext("PostCommentForPullRequest", 8, { status: 500, type: "InternalFailure" });
            const work = new RunnerWorkspace();
            const run = await work.run(FOLLOW_UP_SWEEP, FOLLOW_UP_ENV, fake);
            assert.equal(run.code, 1);
            assert.equal(work.readJson("sweep-report.json").items.length, 4);
            assert.match(run.stdout, /removed by the sweep/);
            assert.match(run.stderr, /the copy's line was not posted: Error: PostCommentForPullRequest failed/);
        });
    });
});
