// Proves FakeAws speaks the wire protocols: every request here goes through a real SDK v3
// client configured only by the environment FakeAws.env() provides, exactly as the runner is.
import {
    CodeCommitClient,
    CreateCommitCommand,
    GetBranchCommand,
    GetCommentsForPullRequestCommand,
    GetFileCommand,
    GetFolderCommand,
    GetPullRequestCommand,
    paginateGetCommentsForPullRequest,
    PostCommentForPullRequestCommand,
    type PostCommentForPullRequestCommandInput,
    UpdateCommentCommand,
    UpdatePullRequestApprovalStateCommand,
} from "@aws-sdk/client-codecommit";
import { CloudWatchLogsClient, DeleteLogGroupCommand, paginateDescribeLogGroups } from "@aws-sdk/client-cloudwatch-logs";
import {
    DeleteRoleCommand,
    DeleteRolePolicyCommand,
    DetachRolePolicyCommand,
    IAMClient,
    ListRolePoliciesCommand,
    paginateListRoles,
    RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import {
    DeleteEventSourceMappingCommand,
    DeleteFunctionCommand,
    GetFunctionConfigurationCommand,
    LambdaClient,
    ListEventSourceMappingsCommand,
    paginateListFunctions,
} from "@aws-sdk/client-lambda";
import {
    DeleteObjectCommand,
    GetObjectCommand,
    HeadObjectCommand,
    ListObjectsV2Command,
    paginateListObjectsV2,
    PutObjectCommand,
    S3Client,
} from "@aws-sdk/client-s3";
import {
    DescribeExecutionCommand,
    paginateGetExecutionHistory,
    SFNClient,
    StartExecutionCommand,
    StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import * as assert from "node:assert/strict";
import { loadFixture, readFixtureText } from "../fixtures";
import { BUILD_ACCESS_KEY_ID, BUILD_CALLER_ARN, executionFromFixture, FakeAws } from "./fake-aws";

const fixture = (name: string) => loadFixture(`power-tuning/${name}`);

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-1a2b3c4d";
const FUNCTION_A = "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-a";
const FUNCTION_B = "arn:aws:lambda:us-east-1:123456789012:function:power-tuned-b";
const BOT_ROLE = "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-bot";
const COMMIT = "c".repeat(40);

/** Credentials from AssumeRole of `roleArn`, through the SDK's own provider and STS client. */
const assumed = (roleArn: string, roleSessionName: string) =>
    fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: roleSessionName } });

/** Asserts the SDK call fails with the given AWS error name (what callers branch on). */
async function rejectsWith(call: Promise<unknown>, name: string): Promise<void> {
    await assert.rejects(call, (error: Error) => {
        assert.equal(error.name, name, error.message);
        return true;
    });
}

describe("FakeAws, driven by the real AWS SDK v3 clients", () => {
    let fake: FakeAws;
    let savedEnv: NodeJS.ProcessEnv;

    before(async () => {
        fake = await FakeAws.start();
        savedEnv = process.env;
        process.env = fake.env();
    });
    after(async () => {
        process.env = savedEnv;
        await fake.stop();
    });

    describe("Step Functions (JSON 1.0)", () => {
        const sfn = () => new SFNClient({});
        const start = (lambdaArn: string, name: string) =>
            sfn().send(
                new StartExecutionCommand({
                    stateMachineArn: STATE_MACHINE,
                    name,
                    input: JSON.stringify({ lambdaARN: lambdaArn, num: 5 }),
                }),
            );

        it("runs the execution scripted for the input's lambdaARN, with dates the SDK parses", async () => {
            const output = readFixtureText("power-tuning/output-cost-x86-4-powers.json");
            fake.scriptExecution(FUNCTION_A, { status: "SUCCEEDED", output });
            const { executionArn } = await start(FUNCTION_A, "pr-7-abc1234-a");
            assert.equal(executionArn, "arn:aws:states:us-east-1:123456789012:execution:powerTuningStateMachine-1a2b3c4d:pr-7-abc1234-a");

            const described = await sfn().send(new DescribeExecutionCommand({ executionArn }));
            assert.equal(described.status, "SUCCEEDED");
            assert.equal(described.output, output);
            assert.ok(described.startDate instanceof Date && described.stopDate instanceof Date);
            assert.equal(JSON.parse(fake.calls("StartExecution").at(-1).input).lambdaARN, FUNCTION_A);
        });

        it("keeps an execution RUNNING until stopped, then reports it ABORTED with the stop's cause", async () => {
            fake.scriptExecution(FUNCTION_B, { status: "SUCCEEDED", runningMs: 3_600_000, output: "{}" });
            const { executionArn } = await start(FUNCTION_B, "long-running-b");
            assert.equal((await sfn().send(new DescribeExecutionCommand({ executionArn }))).status, "RUNNING");

            await sfn().send(new StopExecutionCommand({ executionArn, error: "Timeout", cause: "runner --timeout 900" }));
            const stopped = await sfn().send(new DescribeExecutionCommand({ executionArn }));
            assert.equal(stopped.status, "ABORTED");
            assert.equal(stopped.cause, "runner --timeout 900");
            assert.deepEqual(fake.calls("StopExecution").at(-1), { executionArn, error: "Timeout", cause: "runner --timeout 900" });
        });

        it("counts executions that were RUNNING at the same time, per function and overall, and lists their timeline", async () => {
            const concurrency = await FakeAws.start();
            try {
                const client = new SFNClient({ endpoint: concurrency.endpoint });
                const startOn = (arn: string, name: string) =>
                    client.send(
                        new StartExecutionCommand({ stateMachineArn: STATE_MACHINE, name, input: JSON.stringify({ lambdaARN: arn }) }),
                    );
                concurrency.scriptExecution(/power-tuned/, { status: "SUCCEEDED", runningMs: 3_600_000, output: "{}" });
                await startOn(FUNCTION_A, "a-1");
                const { executionArn } = await startOn(FUNCTION_B, "b-1");
                await client.send(new StopExecutionCommand({ executionArn }));
                await startOn(FUNCTION_B, "b-2");
                assert.equal(concurrency.peakConcurrentExecutions(), 2);
                assert.equal(concurrency.peakConcurrentExecutions(FUNCTION_B), 1);
                const timeline = concurrency.executionTimeline();
                assert.deepEqual(
                    timeline.map((execution) => [execution.executionArn.split(":").pop(), execution.status]),
                    [
                        ["a-1", "RUNNING"],
                        ["b-1", "ABORTED"],
                        ["b-2", "RUNNING"],
                    ],
                );
                assert.ok(timeline[1].endsAt < timeline[1].startedAt + 3_600_000, "a stopped execution ends when it was stopped");
            } finally {
                await concurrency.stop();
            }
        });

        it("rejects a reused name, an invalid name and an input no script covers", async () => {
            fake.scriptExecution(FUNCTION_A, { status: "SUCCEEDED", output: "{}" });
            await start(FUNCTION_A, "once-only");
            await rejectsWith(start(FUNCTION_A, "once-only"), "ExecutionAlreadyExists");
            await rejectsWith(start(FUNCTION_A, "has spaces"), "InvalidName");
            await rejectsWith(start(FUNCTION_A, "x".repeat(81)), "InvalidName");
            await rejectsWith(start("arn:aws:lambda:us-east-1:123456789012:function:unscripted", "u"), "FakeAwsNoScriptedExecution");
        });

        it("pages a fixture's history forwards and in reverse", async () => {
            const replay = fixture("execution-succeeded-empty-output.json");
            fake.scriptExecution(/-history$/, executionFromFixture(replay));
            const { executionArn } = await start("arn:aws:lambda:us-east-1:123456789012:function:fn-history", "history");

            const read = async (reverseOrder: boolean) => {
                const ids: number[] = [];
                for await (const page of paginateGetExecutionHistory({ client: sfn() }, { executionArn, maxResults: 3, reverseOrder })) {
                    assert.ok(page.events!.length <= 3);
                    ids.push(...page.events!.map((event) => event.id!));
                }
                return ids;
            };
            const expected = replay.GetExecutionHistory.events.map((event: { id: number }) => event.id);
            assert.deepEqual(await read(false), expected);
            assert.deepEqual(await read(true), [...expected].reverse());
            assert.ok(fake.calls("GetExecutionHistory").some((body) => body.nextToken !== undefined));
        });

        it("injects throttling that the SDK retries, and fails once retries are exhausted", async () => {
            fake.scriptExecution(FUNCTION_A, { status: "FAILED", error: "States.TaskFailed", cause: "boom" });
            const { executionArn } = await start(FUNCTION_A, "throttled");
            const before = fake.calls("DescribeExecution").length;

            fake.failNext("DescribeExecution", 2, { status: 400, type: "ThrottlingException", message: "Rate exceeded" });
            assert.equal((await sfn().send(new DescribeExecutionCommand({ executionArn }))).error, "States.TaskFailed");
            assert.equal(fake.calls("DescribeExecution").length - before, 3);

            fake.failNext("DescribeExecution", 3, { status: 500, type: "InternalServerError" });
            await rejectsWith(sfn().send(new DescribeExecutionCommand({ executionArn })), "InternalServerError");
        });
    });

    describe("CodeCommit (JSON 1.1)", () => {
        const codecommit = () => new CodeCommitClient({});
        const comment = (extra: Partial<PostCommentForPullRequestCommandInput>): PostCommentForPullRequestCommandInput => ({
            repositoryName: "power-tuned",
            pullRequestId: "7",
            beforeCommitId: "d".repeat(40),
            afterCommitId: "5".repeat(40),
            content: "tuning results",
            ...extra,
        });

        it("posts a comment once per clientRequestToken and rejects the token with other content", async () => {
            const first = await codecommit().send(new PostCommentForPullRequestCommand(comment({ clientRequestToken: "build-1-abc" })));
            const retry = await codecommit().send(new PostCommentForPullRequestCommand(comment({ clientRequestToken: "build-1-abc" })));
            assert.equal(retry.comment!.commentId, first.comment!.commentId);
            assert.ok(first.comment!.creationDate instanceof Date);
            assert.equal(fake.comments.filter((c) => c.clientRequestToken === "build-1-abc").length, 1);
            await rejectsWith(
                codecommit().send(new PostCommentForPullRequestCommand(comment({ clientRequestToken: "build-1-abc", content: "other" }))),
                "IdempotencyParameterMismatchException",
            );
        });

        it("rejects a comment over 10,240 characters and accepts one at the limit", async () => {
            await rejectsWith(
                codecommit().send(new PostCommentForPullRequestCommand(comment({ content: "x".repeat(10_241) }))),
                "CommentContentSizeLimitExceededException",
            );
            await codecommit().send(new PostCommentForPullRequestCommand(comment({ content: "y".repeat(10_240) })));
            assert.equal(fake.comments.at(-1)!.content.length, 10_240);
        });

        it("updates a comment and lists the pull request's comments across pages", async () => {
            const posted = await codecommit().send(new PostCommentForPullRequestCommand(comment({ pullRequestId: "8", content: "v1" })));
            await codecommit().send(new PostCommentForPullRequestCommand(comment({ pullRequestId: "8", content: "other" })));
            await codecommit().send(new UpdateCommentCommand({ commentId: posted.comment!.commentId, content: "v2" }));

            const contents: string[] = [];
            for await (const page of paginateGetCommentsForPullRequest({ client: codecommit() }, { pullRequestId: "8", maxResults: 1 })) {
                for (const data of page.commentsForPullRequestData!) contents.push(...data.comments!.map((c) => c.content!));
            }
            assert.deepEqual(contents, ["v2", "other"]);
            await rejectsWith(
                codecommit().send(new UpdateCommentCommand({ commentId: "missing", content: "x" })),
                "CommentDoesNotExistException",
            );
        });

        it("lists comments by pull request alone, or by repository and both commits, as the API reference requires", async () => {
            await rejectsWith(
                codecommit().send(new GetCommentsForPullRequestCommand({ pullRequestId: "8", repositoryName: "power-tuned" })),
                "CommitIdRequiredException",
            );
            await rejectsWith(
                codecommit().send(new GetCommentsForPullRequestCommand({ pullRequestId: "8", afterCommitId: "a".repeat(40) })),
                "RepositoryNameRequiredException",
            );
        });

        it("returns the pull request's targets and approves only its current revision", async () => {
            fake.setPullRequest({
                pullRequestId: "9",
                repositoryName: "power-tuned",
                sourceCommit: "s1",
                destinationCommit: "d1",
                revisionId: "rev-2",
            });
            const { pullRequest } = await codecommit().send(new GetPullRequestCommand({ pullRequestId: "9" }));
            assert.equal(pullRequest!.revisionId, "rev-2");
            assert.deepEqual(
                pullRequest!.pullRequestTargets!.map((t) => [t.sourceCommit, t.destinationCommit, t.destinationReference]),
                [["s1", "d1", "refs/heads/main"]],
            );

            await codecommit().send(
                new UpdatePullRequestApprovalStateCommand({ pullRequestId: "9", revisionId: "rev-2", approvalState: "APPROVE" }),
            );
            await rejectsWith(
                codecommit().send(
                    new UpdatePullRequestApprovalStateCommand({ pullRequestId: "9", revisionId: "rev-1", approvalState: "REVOKE" }),
                ),
                "RevisionNotCurrentException",
            );
            assert.deepEqual(fake.approvals, [{ pullRequestId: "9", revisionId: "rev-2", approvalState: "APPROVE" }]);
            await rejectsWith(codecommit().send(new GetPullRequestCommand({ pullRequestId: "404" })), "PullRequestDoesNotExistException");
        });

        it("seeds a branch with a first commit and then requires the parent commit", async () => {
            const seed = { repositoryName: "seeded", branchName: "main", commitMessage: "Seed" };
            await rejectsWith(codecommit().send(new GetBranchCommand(seed)), "BranchDoesNotExistException");
            const first = await codecommit().send(
                new CreateCommitCommand({
                    ...seed,
                    putFiles: [{ filePath: "terraform-lambda/main.tf", fileContent: Buffer.from("memory_size = 128\n") }],
                }),
            );
            const { branch } = await codecommit().send(new GetBranchCommand(seed));
            assert.equal(branch!.commitId, first.commitId);
            assert.deepEqual(
                first.filesAdded!.map((f) => f.absolutePath),
                ["terraform-lambda/main.tf"],
            );

            const again = new CreateCommitCommand({ ...seed, putFiles: [{ filePath: "README.md", fileContent: Buffer.from("x") }] });
            await rejectsWith(codecommit().send(again), "ParentCommitIdRequiredException");
            await codecommit().send(
                new CreateCommitCommand({
                    ...seed,
                    parentCommitId: first.commitId,
                    putFiles: [{ filePath: "README.md", fileContent: Buffer.from("# hi") }],
                }),
            );
            assert.deepEqual(
                fake.files("seeded", "main"),
                new Map([
                    ["terraform-lambda/main.tf", "memory_size = 128\n"],
                    ["README.md", "# hi"],
                ]),
            );
        });
    });

    describe("CodeCommit files (GetFile, GetFolder)", () => {
        const codecommit = () => new CodeCommitClient({});
        before(() =>
            fake.setCommit("files", COMMIT, {
                "power-tuning-input.json": '{"num": 10}',
                "main.tf": "resource {}",
                "modules/lambda/main.tf": "module {}",
                "modules/README.md": "# modules",
            }),
        );

        it("returns a file's bytes at a commit, found by commit id or by branch", async () => {
            const file = await codecommit().send(
                new GetFileCommand({ repositoryName: "files", commitSpecifier: COMMIT, filePath: "power-tuning-input.json" }),
            );
            assert.equal(Buffer.from(file.fileContent!).toString("utf8"), '{"num": 10}');
            assert.deepEqual(
                [file.commitId, file.filePath, file.fileSize, file.fileMode],
                [COMMIT, "power-tuning-input.json", 11, "NORMAL"],
            );
            const nested = await codecommit().send(
                new GetFileCommand({ repositoryName: "files", commitSpecifier: COMMIT, filePath: "/modules/lambda/main.tf" }),
            );
            assert.equal(Buffer.from(nested.fileContent!).toString("utf8"), "module {}");
            fake.setBranch("files", "release", COMMIT);
            const byBranch = await codecommit().send(
                new GetFileCommand({ repositoryName: "files", commitSpecifier: "release", filePath: "main.tf" }),
            );
            assert.equal(byBranch.commitId, COMMIT);
        });

        it("answers the API reference's errors for a missing file, commit or repository and an invalid path", async () => {
            const get = (input: { repositoryName?: string; commitSpecifier?: string; filePath: string }) =>
                codecommit().send(new GetFileCommand({ repositoryName: "files", commitSpecifier: COMMIT, ...input }));
            await rejectsWith(get({ filePath: "power-tuning-policy.json" }), "FileDoesNotExistException");
            await rejectsWith(get({ filePath: "modules" }), "FileDoesNotExistException");
            await rejectsWith(get({ commitSpecifier: "d".repeat(40), filePath: "main.tf" }), "CommitDoesNotExistException");
            await rejectsWith(get({ repositoryName: "elsewhere", filePath: "main.tf" }), "RepositoryDoesNotExistException");
            await rejectsWith(get({ filePath: "../main.tf" }), "InvalidPathException");
        });

        it("lists a folder's own files and its subfolders, the root as / or an empty path", async () => {
            const list = (folderPath: string) =>
                codecommit().send(new GetFolderCommand({ repositoryName: "files", commitSpecifier: COMMIT, folderPath }));
            for (const root of ["/", ""]) {
                const folder = await list(root);
                assert.deepEqual(folder.files!.map((file) => [file.absolutePath, file.relativePath]).sort(), [
                    ["main.tf", "main.tf"],
                    ["power-tuning-input.json", "power-tuning-input.json"],
                ]);
                assert.deepEqual(
                    folder.subFolders!.map((sub) => sub.absolutePath),
                    ["modules"],
                );
                assert.equal(folder.folderPath, "");
            }
            const modules = await list("/modules");
            assert.deepEqual(
                modules.files!.map((file) => [file.absolutePath, file.relativePath]),
                [["modules/README.md", "README.md"]],
            );
            assert.deepEqual(
                modules.subFolders!.map((sub) => [sub.absolutePath, sub.relativePath]),
                [["modules/lambda", "lambda"]],
            );
            await rejectsWith(list("/infra"), "FolderDoesNotExistException");
        });
    });

    describe("STS (query protocol, XML) and who made each request", () => {
        const codecommit = (credentials?: ReturnType<typeof assumed>) =>
            new CodeCommitClient(credentials === undefined ? {} : { credentials });
        const post = (client: CodeCommitClient, content: string) =>
            client.send(
                new PostCommentForPullRequestCommand({
                    repositoryName: "who",
                    pullRequestId: "11",
                    beforeCommitId: "d".repeat(40),
                    afterCommitId: "5".repeat(40),
                    content,
                }),
            );

        it("hands out distinct temporary credentials for every AssumeRole and records role, session and caller", async () => {
            const first = await assumed(BOT_ROLE, "lambda-power-tuned-bot")();
            const second = await assumed(BOT_ROLE, "lambda-power-tuned-bot")();
            assert.match(first.accessKeyId, /^ASIA[0-9A-F]{16}$/);
            assert.notEqual(first.accessKeyId, second.accessKeyId);
            assert.notEqual(first.sessionToken, second.sessionToken);
            assert.ok(first.expiration instanceof Date && first.expiration.getTime() > Date.now());
            assert.deepEqual(fake.assumedRoles.slice(-2), [
                {
                    roleArn: BOT_ROLE,
                    roleSessionName: "lambda-power-tuned-bot",
                    accessKeyId: first.accessKeyId,
                    callerAccessKeyId: BUILD_ACCESS_KEY_ID,
                },
                {
                    roleArn: BOT_ROLE,
                    roleSessionName: "lambda-power-tuned-bot",
                    accessKeyId: second.accessKeyId,
                    callerAccessKeyId: BUILD_ACCESS_KEY_ID,
                },
            ]);
            assert.deepEqual(fake.calls("AssumeRole").at(-1), { RoleArn: BOT_ROLE, RoleSessionName: "lambda-power-tuned-bot" });
        });

        it("refuses a malformed role ARN or session name, and renders injected errors as STS's XML", async () => {
            await rejectsWith(assumed("arn:aws:iam::123456789012:user/someone", "valid-session")(), "ValidationError");
            await rejectsWith(assumed(BOT_ROLE, "has spaces")(), "ValidationError");
            fake.failNext("AssumeRole", 1, { status: 403, type: "AccessDenied", message: "not authorized to perform: sts:AssumeRole" });
            await assert.rejects(assumed(BOT_ROLE, "lambda-power-tuned-bot")(), (error: Error) => {
                assert.deepEqual([error.name, error.message], ["AccessDenied", "not authorized to perform: sts:AssumeRole"]);
                return true;
            });
        });

        it("records the access key that signed each request: the build's own or an assumed session's", async () => {
            const bot = codecommit(assumed(BOT_ROLE, "lambda-power-tuned-bot"));
            await post(bot, "as the bot");
            await post(codecommit(), "as the build");
            const session = fake.assumedRoles.at(-1)!;
            const posts = fake.requests.filter((request) => request.operation === "PostCommentForPullRequest").slice(-2);
            assert.deepEqual(
                posts.map((request) => request.accessKeyId),
                [session.accessKeyId, BUILD_ACCESS_KEY_ID],
            );
            assert.equal(
                fake.callerArn(session.accessKeyId),
                "arn:aws:sts::123456789012:assumed-role/power-tuned-pull-request-bot/lambda-power-tuned-bot",
            );
            assert.equal(fake.callerArn(BUILD_ACCESS_KEY_ID), BUILD_CALLER_ARN);
        });

        it("refuses a session's access key signed with another session token", async () => {
            const { accessKeyId, secretAccessKey } = await assumed(BOT_ROLE, "lambda-power-tuned-bot")();
            const forged = new CodeCommitClient({ credentials: { accessKeyId, secretAccessKey, sessionToken: "not-the-issued-token" } });
            await rejectsWith(post(forged, "forged"), "UnrecognizedClientException");
        });

        it("lets only a comment's author update it, and names the author when listing", async () => {
            const byBuild = await post(codecommit(), "posted by the build");
            const commentId = byBuild.comment!.commentId!;
            await rejectsWith(
                codecommit(assumed(BOT_ROLE, "lambda-power-tuned-bot")).send(
                    new UpdateCommentCommand({ commentId, content: "edited by the bot" }),
                ),
                "CommentNotCreatedByCallerException",
            );
            await codecommit().send(new UpdateCommentCommand({ commentId, content: "edited by the build" }));
            const { commentsForPullRequestData } = await codecommit().send(new GetCommentsForPullRequestCommand({ pullRequestId: "11" }));
            const listed = commentsForPullRequestData!
                .flatMap((data) => data.comments!)
                .find((comment) => comment.commentId === commentId)!;
            assert.deepEqual([listed.content, listed.authorArn], ["edited by the build", BUILD_CALLER_ARN]);
        });
    });

    describe("Lambda (REST-JSON)", () => {
        it("returns the configuration set for a function, by ARN or name, and 404s others", async () => {
            fake.setFunctionConfiguration(FUNCTION_A, {
                CodeSha256: "abc=",
                Runtime: "nodejs20.x",
                Architectures: ["arm64"],
                MemorySize: 256,
            });
            const lambda = new LambdaClient({});
            const byArn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION_A }));
            assert.deepEqual(
                [byArn.FunctionArn, byArn.CodeSha256, byArn.MemorySize, byArn.Architectures],
                [FUNCTION_A, "abc=", 256, ["arm64"]],
            );
            const byName = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "power-tuned-a" }));
            assert.equal(byName.CodeSha256, "abc=");
            await rejectsWith(
                lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "power-tuned-zzz" })),
                "ResourceNotFoundException",
            );
            assert.deepEqual(fake.calls("GetFunctionConfiguration").at(-1), { FunctionName: "power-tuned-zzz" });
        });

        it("lists functions across pages with Lambda's LastModified, and deletes a function but not its event source mappings", async () => {
            const lastModified = Date.parse("2026-11-20T08:30:00.000Z");
            for (const name of ["listed-a", "listed-b", "listed-c"]) fake.addFunction(name, lastModified);
            const uuid = fake.addEventSourceMapping("listed-b");
            const lambda = new LambdaClient({});
            const listed: Array<[string, string]> = [];
            for await (const page of paginateListFunctions({ client: lambda, pageSize: 2 }, {}))
                listed.push(...page.Functions!.map((fn): [string, string] => [fn.FunctionName!, fn.LastModified!]));
            assert.deepEqual(
                listed.filter(([name]) => name.startsWith("listed-")),
                [
                    ["listed-a", "2026-11-20T08:30:00.000+0000"],
                    ["listed-b", "2026-11-20T08:30:00.000+0000"],
                    ["listed-c", "2026-11-20T08:30:00.000+0000"],
                ],
            );
            assert.deepEqual(
                (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: "listed-b" }))).EventSourceMappings!.map(
                    (mapping) => mapping.UUID,
                ),
                [uuid],
            );
            await lambda.send(new DeleteFunctionCommand({ FunctionName: "listed-b" }));
            assert.ok(!fake.functionNames().includes("listed-b"));
            assert.ok(fake.eventSourceMappingIds().includes(uuid), "Lambda keeps a deleted function's mappings");
            assert.equal((await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }))).State, "Deleting");
            await rejectsWith(lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid })), "ResourceNotFoundException");
            await rejectsWith(lambda.send(new DeleteFunctionCommand({ FunctionName: "listed-b" })), "ResourceNotFoundException");
        });
    });

    describe("IAM (query protocol, XML)", () => {
        const iam = () => new IAMClient({});

        it("lists roles with path and creation date across pages (Marker, IsTruncated)", async () => {
            fake.addRole("paged-1", { createdAt: Date.parse("2026-11-01T00:00:00Z") });
            fake.addRole("paged-2", { path: "/lambda-power-tuned/" });
            const roles: Array<[string, string, string]> = [];
            for await (const page of paginateListRoles({ client: iam(), pageSize: 1 }, {}))
                roles.push(...page.Roles!.map((role): [string, string, string] => [role.RoleName!, role.Path!, role.Arn!]));
            assert.deepEqual(
                roles.filter(([name]) => name.startsWith("paged-")),
                [
                    ["paged-1", "/", "arn:aws:iam::123456789012:role/paged-1"],
                    ["paged-2", "/lambda-power-tuned/", "arn:aws:iam::123456789012:role/lambda-power-tuned/paged-2"],
                ],
            );
            assert.ok(fake.calls("ListRoles").filter((call) => call.Marker !== undefined).length > 0);
        });

        it("refuses to delete a role until its inline and attached policies and instance-profile links are gone (DeleteConflict)", async () => {
            fake.addRole("linked", {
                inlinePolicies: ["logs"],
                attachedPolicies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                instanceProfiles: ["linked-profile"],
            });
            await rejectsWith(iam().send(new DeleteRoleCommand({ RoleName: "linked" })), "DeleteConflictException");
            assert.deepEqual((await iam().send(new ListRolePoliciesCommand({ RoleName: "linked" }))).PolicyNames, ["logs"]);
            await iam().send(new DeleteRolePolicyCommand({ RoleName: "linked", PolicyName: "logs" }));
            await rejectsWith(iam().send(new DeleteRoleCommand({ RoleName: "linked" })), "DeleteConflictException");
            await iam().send(new DetachRolePolicyCommand({ RoleName: "linked", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }));
            await rejectsWith(iam().send(new DeleteRoleCommand({ RoleName: "linked" })), "DeleteConflictException");
            await iam().send(new RemoveRoleFromInstanceProfileCommand({ RoleName: "linked", InstanceProfileName: "linked-profile" }));
            await iam().send(new DeleteRoleCommand({ RoleName: "linked" }));
            assert.ok(!fake.roles.has("linked"));
            await rejectsWith(iam().send(new DeleteRoleCommand({ RoleName: "linked" })), "NoSuchEntityException");
        });
    });

    describe("CloudWatch Logs (JSON 1.1)", () => {
        it("lists log groups by name prefix across pages and deletes one; a missing one is ResourceNotFoundException", async () => {
            for (const name of ["/aws/lambda/logs-a", "/aws/lambda/logs-b", "/aws/codebuild/logs-c"])
                fake.addLogGroup(name, Date.parse("2026-11-01T00:00:00Z"));
            const logs = new CloudWatchLogsClient({});
            const groups: Array<[string, number]> = [];
            for await (const page of paginateDescribeLogGroups(
                { client: logs, pageSize: 1 },
                { logGroupNamePrefix: "/aws/lambda/logs-" },
            )) {
                groups.push(...page.logGroups!.map((group): [string, number] => [group.logGroupName!, group.creationTime!]));
            }
            assert.deepEqual(groups, [
                ["/aws/lambda/logs-a", Date.parse("2026-11-01T00:00:00Z")],
                ["/aws/lambda/logs-b", Date.parse("2026-11-01T00:00:00Z")],
            ]);
            await logs.send(new DeleteLogGroupCommand({ logGroupName: "/aws/lambda/logs-a" }));
            await rejectsWith(logs.send(new DeleteLogGroupCommand({ logGroupName: "/aws/lambda/logs-a" })), "ResourceNotFoundException");
        });
    });

    describe("S3 (REST-XML, path-style)", () => {
        const s3 = () => new S3Client({});

        it("round-trips an object and answers NoSuchKey for a missing one", async () => {
            const Body = JSON.stringify({ power: 256 });
            await s3().send(
                new PutObjectCommand({ Bucket: "artifacts", Key: "tuning-history/abc/def.json", Body, ContentType: "application/json" }),
            );
            assert.equal(fake.objects.get("artifacts/tuning-history/abc/def.json")?.toString(), Body);
            assert.equal(fake.calls("PutObject").at(-1).ContentType, "application/json");

            const got = await s3().send(new GetObjectCommand({ Bucket: "artifacts", Key: "tuning-history/abc/def.json" }));
            assert.equal(await got.Body!.transformToString(), Body);
            assert.equal(
                (await s3().send(new HeadObjectCommand({ Bucket: "artifacts", Key: "tuning-history/abc/def.json" }))).ContentLength,
                Body.length,
            );
            await rejectsWith(s3().send(new GetObjectCommand({ Bucket: "artifacts", Key: "nothing-here" })), "NoSuchKey");
        });

        it("lists keys under a prefix across pages", async () => {
            for (const key of ["p/1", "p/2", "p/3", "q/1"]) fake.objects.set(`listing/${key}`, Buffer.from(key));
            const keys: string[] = [];
            for await (const page of paginateListObjectsV2({ client: s3() }, { Bucket: "listing", Prefix: "p/", MaxKeys: 2 })) {
                keys.push(...(page.Contents ?? []).map((object) => object.Key!));
            }
            assert.deepEqual(keys, ["p/1", "p/2", "p/3"]);
        });

        it("lists each object's LastModified and deletes an object (a missing key too, as S3 does)", async () => {
            fake.putObject("dated", "pull-requests/a/terraform.tfstate", "{}", Date.parse("2026-11-01T10:00:00Z"));
            const { Contents } = await s3().send(new ListObjectsV2Command({ Bucket: "dated", Prefix: "pull-requests/" }));
            assert.deepEqual(
                Contents!.map((object) => [object.Key, object.LastModified?.toISOString()]),
                [["pull-requests/a/terraform.tfstate", "2026-11-01T10:00:00.000Z"]],
            );
            await s3().send(new DeleteObjectCommand({ Bucket: "dated", Key: "pull-requests/a/terraform.tfstate" }));
            await s3().send(new DeleteObjectCommand({ Bucket: "dated", Key: "pull-requests/a/terraform.tfstate" }));
            assert.equal(fake.objects.has("dated/pull-requests/a/terraform.tfstate"), false);
        });

        it("injects an AccessDenied as S3's XML error", async () => {
            fake.objects.set("locked/key", Buffer.from("secret"));
            fake.failNext("GetObject", 1, { status: 403, type: "AccessDenied", message: "Access Denied" });
            await rejectsWith(s3().send(new GetObjectCommand({ Bucket: "locked", Key: "key" })), "AccessDenied");
            assert.equal(
                await (await s3().send(new GetObjectCommand({ Bucket: "locked", Key: "key" }))).Body!.transformToString(),
                "secret",
            );
        });
    });
});
