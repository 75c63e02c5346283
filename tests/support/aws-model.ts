// The AWS the tuning runner and the stack's seeding code talk to, as a model without a protocol:
// state (executions, comments, approvals, commits, S3 objects, functions with their event source
// mappings, IAM roles, log groups, STS sessions), scripted executions, injected failures and the
// log of every request with the access key that signed it.
// FakeAws (fake-aws.ts) serves it over the real wire protocols for the SDK; InMemoryAws
// (in-memory-aws.ts) lets the runner's commands call it directly, on a clock of its own.
import { createHash, randomBytes, randomUUID } from "node:crypto";

/** How a scripted execution behaves. */
export interface ScriptedExecution {
    /** How long it stays RUNNING, in milliseconds of the model's clock. Default 0. */
    runningMs?: number;
    status: "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
    /** DescribeExecution fields once terminal. */
    output?: string;
    error?: string;
    cause?: string;
    /** GetExecutionHistory events in wire format, oldest first. Without it a minimal history is synthesised. */
    history?: unknown[];
    /**
     * What happens to the function while the execution measures it, run once as it starts: the
     * tool's own change of memory, or pull-request code using its copy's credentials.
     */
    whileRunning?: () => void;
}

/** A script made for one execution from its parsed input. */
export type ExecutionScriptByInput = (input: Record<string, any>) => ScriptedExecution;

export interface RecordedRequest {
    service: "sfn" | "codecommit" | "lambda" | "s3" | "sts" | "iam" | "logs" | "cloudwatch";
    operation: string;
    /** Parsed JSON body (sfn, codecommit, logs); the SDK's input member names for the REST services; the form parameters but Action and Version (sts, iam). */
    body: any;
    /** Who made the request: the access key id in the SigV4 Authorization header (undefined when unsigned). */
    accessKeyId?: string;
    /** The region the request was signed for (SigV4 credential scope), i.e. the region the client was configured with. */
    signingRegion?: string;
    /** Real time of arrival, epoch milliseconds. */
    at: number;
    /** Set when failNext answered this request with an injected error. */
    injectedError?: string;
}

export interface InjectedError {
    status: number;
    type: string;
    message?: string;
}

export interface StoredComment {
    commentId: string;
    repositoryName: string;
    pullRequestId: string;
    beforeCommitId: string;
    afterCommitId: string;
    content: string;
    clientRequestToken?: string;
    /** The caller who posted it (see FakeAws.callerArn); only that caller may update it. Unset: someone else, e.g. a reviewer. */
    authorArn?: string;
    /** Epoch seconds (simulated clock). */
    creationDate: number;
    lastModifiedDate: number;
}

export interface FakePullRequest {
    pullRequestId: string;
    repositoryName: string;
    sourceCommit: string;
    destinationCommit: string;
    revisionId: string;
    sourceReference?: string;
    destinationReference?: string;
    mergeBase?: string;
    title?: string;
    pullRequestStatus?: "OPEN" | "CLOSED";
}

export interface RecordedApproval {
    pullRequestId: string;
    revisionId: string;
    approvalState: "APPROVE" | "REVOKE";
}

/** Temporary credentials handed out by AssumeRole. */
export interface AssumedRoleSession {
    roleArn: string;
    roleSessionName: string;
    accessKeyId: string;
    /** The access key that called AssumeRole. */
    callerAccessKeyId?: string;
}

export interface RecordedCommit {
    repositoryName: string;
    branchName: string;
    commitId: string;
    parentCommitId?: string;
    commitMessage?: string;
    /** The whole tree after this commit: path → content. */
    tree: ReadonlyMap<string, Buffer>;
}

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";
/** The access key env() gives the SDK: the build's own credentials. */
export const BUILD_ACCESS_KEY_ID = "test";
/** Who the build's own credentials are, as CodeCommit names a comment's author. */
export const BUILD_CALLER_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/pull-request-build/AWSCodeBuild-fake`;
const COMMENT_SIZE_LIMIT = 10_240;
// GetFile answers blobs up to 6 MB (CodeCommit quotas).
const GET_FILE_LIMIT_BYTES = 6 * 1024 * 1024;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:([A-Za-z0-9_-]{1,80})$/;
const TERMINAL_HISTORY_EVENTS = new Set(["ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"]);
/** An AWS error answer; each protocol renders it in its own format. */
export class AwsError extends Error {
    constructor(readonly type: string, message: string, readonly status = 400) {
        super(message);
    }
}

/** One request as the model takes it: what was asked, and who signed it. */
export interface ModelRequest {
    readonly service: RecordedRequest["service"];
    readonly operation: string;
    /** As RecordedRequest.body. */
    readonly body: any;
    /** The access key that signed it, and the session token sent with it (temporary credentials). */
    readonly accessKeyId?: string;
    readonly sessionToken?: string;
    readonly signingRegion?: string;
}

/** An S3 object's answer: its bytes (GetObject, HeadObject) or its ETag (PutObject). */
export interface S3ObjectAnswer {
    readonly content?: Buffer;
    readonly etag: string;
}

/** One page of ListObjectsV2. */
export interface S3ListingAnswer {
    readonly bucket: string;
    readonly prefix: string;
    /** `lastModified` in epoch ms of the model's clock. */
    readonly objects: ReadonlyArray<{ readonly key: string; readonly size: number; readonly etag: string; readonly lastModified: number }>;
    readonly nextToken?: string;
}

/** An IAM role and what DeleteRole wants gone first. */
export interface ModelRole {
    readonly path: string;
    /** Epoch ms of the model's clock. */
    readonly createdAt: number;
    readonly inlinePolicies: string[];
    /** Managed policy ARNs. */
    readonly attachedPolicies: string[];
    /** Names of the instance profiles the role is in. */
    readonly instanceProfiles: string[];
}

/** An IAM query-protocol answer: the `<Action>Result` element's members (arrays become `member` lists), or none. */
export interface QueryAnswer {
    readonly result?: Record<string, unknown>;
}

/** What AssumeRole hands out. */
export interface AssumeRoleAnswer {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
    /** ISO-8601, whole seconds. */
    readonly expiration: string;
    readonly assumedRoleArn: string;
    readonly assumedRoleId: string;
}

interface Execution {
    readonly executionArn: string;
    readonly stateMachineArn: string;
    readonly name: string;
    readonly input: string;
    readonly lambdaArn: string;
    readonly script: ScriptedExecution;
    /** Model clock, epoch ms. */
    readonly startedAt: number;
    stopped?: { at: number; error?: string; cause?: string };
}

/** A session's secret parts, checked on every request signed with its access key. */
interface IssuedSession extends AssumedRoleSession {
    readonly sessionToken: string;
}

export class AwsModel {
    readonly requests: RecordedRequest[] = [];
    readonly comments: StoredComment[] = [];
    readonly approvals: RecordedApproval[] = [];
    readonly commits: RecordedCommit[] = [];
    /** "bucket/key" → body. */
    readonly objects = new Map<string, Buffer>();
    /** IAM roles by name. */
    readonly roles = new Map<string, ModelRole>();
    /** CloudWatch Logs log groups by name, with their creation time (epoch ms, model clock). */
    readonly logGroups = new Map<string, { creationTime: number }>();
    /**
     * The most items any sweepable list call (and ListObjectsV2) answers per page, below AWS's own
     * page sizes: a small value makes every such listing take several pages.
     */
    listPageSize?: number;
    /** Every AssumeRole that handed out credentials, in order. */
    readonly assumedRoles: AssumedRoleSession[] = [];

    private readonly scripts: Array<{ match: string | RegExp; script: ScriptedExecution | ExecutionScriptByInput }> = [];
    private readonly executions = new Map<string, Execution>();
    private readonly failures = new Map<string, Array<InjectedError>>();
    private readonly pullRequests = new Map<string, FakePullRequest>();
    private readonly functions = new Map<string, Record<string, unknown>>();
    /** Event source mapping UUID → the ARN of the function it invokes. */
    private readonly eventSourceMappings = new Map<string, string>();
    /** "bucket/key" → when it was last written (model clock); objects set directly count as written when the model came up. */
    private readonly objectsModified = new Map<string, number>();
    /** CloudWatch's AWS/Lambda figures per function name over any window GetMetricData asks for. */
    private readonly lambdaMetrics = new Map<string, { invocations: number; averageDurationMs: number }>();
    /** GetAccountSettings' AccountLimit: a new account's quota of 10 unless set. */
    private accountLimit: { ConcurrentExecutions: number; UnreservedConcurrentExecutions: number } = { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 };
    /** "repository/branch" → commit id. */
    private readonly branches = new Map<string, string>();
    /** "repository/commit id" → the whole tree at that commit: path → content. */
    private readonly trees = new Map<string, ReadonlyMap<string, Buffer>>();
    /** Access key id → the session AssumeRole issued it for. */
    private readonly sessions = new Map<string, IssuedSession>();
    /** When the model came up, on its own clock: when pull requests were created. */
    private readonly createdAt: number;

    private readonly jsonOperations: Record<string, (input: any, caller: string) => object> = {
        StartExecution: (input) => this.startExecution(input),
        DescribeExecution: (input) => this.describeExecution(input),
        ListExecutions: (input) => this.listExecutions(input),
        StopExecution: (input) => this.stopExecution(input),
        GetExecutionHistory: (input) => this.getExecutionHistory(input),
        PostCommentForPullRequest: (input, caller) => this.postComment(input, caller),
        UpdateComment: (input, caller) => this.updateComment(input, caller),
        GetCommentsForPullRequest: (input) => this.getComments(input),
        GetPullRequest: (input) => ({ pullRequest: this.wirePullRequest(this.pullRequest(input.pullRequestId)) }),
        UpdatePullRequestApprovalState: (input) => this.updateApprovalState(input),
        GetBranch: (input) => this.getBranch(input),
        CreateCommit: (input) => this.createCommit(input),
        GetFile: (input) => this.getFile(input),
        GetFolder: (input) => this.getFolder(input),
        DescribeLogGroups: (input) => this.describeLogGroups(input),
        DeleteLogGroup: (input) => this.deleteLogGroup(input),
        GetDifferences: (input) => this.getDifferences(input),
        GetMetricData: (input) => this.getMetricData(input),
    };

    /** `now`: the model's clock, epoch ms; scripted executions run on it. */
    constructor(private readonly now: () => number) {
        this.createdAt = now();
    }

    scriptExecution(lambdaArn: string | RegExp, script: ScriptedExecution | ExecutionScriptByInput): void {
        this.scripts.unshift({ match: lambdaArn, script });
    }

    /** The next `count` requests of `operation` (e.g. "DescribeExecution", "GetObject") fail with `error`. */
    failNext(operation: string, count: number, error: InjectedError): void {
        const queue = this.failures.get(operation) ?? [];
        for (let i = 0; i < count; i++) queue.push(error);
        this.failures.set(operation, queue);
    }

    /** Parsed request bodies of one operation, including requests answered with an injected error. */
    calls(operation: string): any[] {
        return this.requests.filter((request) => request.operation === operation).map((request) => request.body);
    }

    /** The most executions RUNNING at the same moment, for one function (input.lambdaARN) or overall. */
    peakConcurrentExecutions(lambdaArn?: string): number {
        const edges: Array<[time: number, delta: number]> = [];
        for (const execution of this.executions.values()) {
            if (lambdaArn !== undefined && execution.lambdaArn !== lambdaArn) continue;
            const end = this.runningUntil(execution);
            if (end > execution.startedAt) edges.push([execution.startedAt, +1], [end, -1]);
        }
        // An execution ending at the instant another starts does not overlap it.
        edges.sort(([a, da], [b, db]) => a - b || da - db);
        let running = 0;
        let peak = 0;
        for (const [, delta] of edges) {
            running += delta;
            peak = Math.max(peak, running);
        }
        return peak;
    }

    /** Every execution started so far, with its start and (scripted or stopped) end on the model's clock, epoch ms. */
    executionTimeline(): Array<{ executionArn: string; lambdaArn: string; status: string; startedAt: number; endsAt: number }> {
        return [...this.executions.values()].map((execution) => ({
            executionArn: execution.executionArn,
            lambdaArn: execution.lambdaArn,
            status: this.statusOf(execution),
            startedAt: execution.startedAt,
            endsAt: this.runningUntil(execution),
        }));
    }

    /**
     * An execution of another state machine (the pull-request workflow) with `input`, RUNNING from
     * `startedAt` (model clock, default now) until ended with endExecution.
     */
    startWorkflowExecution(stateMachineArn: string, name: string, input: object, startedAt = this.now()): string {
        const executionArn = `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
        const script: ScriptedExecution = { runningMs: Number.MAX_SAFE_INTEGER, status: "SUCCEEDED" };
        this.executions.set(executionArn, { executionArn, stateMachineArn, name, input: JSON.stringify(input), lambdaArn: "", script, startedAt });
        return executionArn;
    }

    /** Ends a workflow execution started with startWorkflowExecution, now. */
    endExecution(executionArn: string): void {
        const execution = this.executions.get(executionArn)!;
        execution.script.runningMs = this.now() - execution.startedAt;
    }

    setPullRequest(pr: FakePullRequest): void {
        this.pullRequests.set(pr.pullRequestId, { ...pr });
    }

    setFunctionConfiguration(functionArn: string, configuration: Record<string, unknown>): void {
        this.functions.set(functionArn, configuration);
    }

    /** Changes part of a function's configuration, as UpdateFunctionCode or UpdateFunctionConfiguration would. */
    changeFunction(functionArn: string, changes: Record<string, unknown>): void {
        this.functions.set(functionArn, { ...this.functions.get(functionArn), ...changes });
    }

    /** The model's clock `hours` ago, epoch ms: when an item of a sweep's scenario was made. */
    hoursAgo(hours: number): number {
        return this.now() - hours * 3_600_000;
    }

    /** A function named `name` in the model's account and region, last modified at `lastModified` (model clock, epoch ms). */
    addFunction(name: string, lastModified = this.now()): string {
        const arn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;
        this.setFunctionConfiguration(arn, { LastModified: lambdaTime(lastModified), Runtime: "nodejs22.x" });
        return arn;
    }

    /** Names of the functions that exist. */
    functionNames(): string[] {
        return [...this.functions.keys()].map((arn) => arn.split(":function:")[1]).sort();
    }

    /** An event source mapping invoking the named function; returns its UUID. */
    addEventSourceMapping(functionName: string): string {
        const uuid = randomUUID();
        this.eventSourceMappings.set(uuid, `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`);
        return uuid;
    }

    /** UUIDs of the event source mappings that exist. */
    eventSourceMappingIds(): string[] {
        return [...this.eventSourceMappings.keys()];
    }

    addRole(name: string, role: Partial<ModelRole> = {}): void {
        this.roles.set(name, { path: "/", createdAt: this.now(), inlinePolicies: [], attachedPolicies: [], instanceProfiles: [], ...role });
    }

    addLogGroup(name: string, creationTime = this.now()): void {
        this.logGroups.set(name, { creationTime });
    }

    /** An object as if written at `lastModified` (model clock, epoch ms). */
    putObject(bucket: string, key: string, content: string, lastModified = this.now()): void {
        this.objects.set(`${bucket}/${key}`, Buffer.from(content));
        this.objectsModified.set(`${bucket}/${key}`, lastModified);
    }

    /** The account's Lambda concurrency quota and what functions have not reserved of it (GetAccountSettings). */
    setLambdaConcurrency(concurrentExecutions: number, unreservedConcurrentExecutions = concurrentExecutions): void {
        this.accountLimit = { ConcurrentExecutions: concurrentExecutions, UnreservedConcurrentExecutions: unreservedConcurrentExecutions };
    }

    /** The AWS/Lambda Invocations (sum) and Duration (average) CloudWatch reports for `functionName`; without it, no data. */
    setLambdaMetrics(functionName: string, figures: { invocations: number; averageDurationMs: number }): void {
        this.lambdaMetrics.set(functionName, figures);
    }

    /** A commit whose tree is exactly `files` (path → content), for GetFile, GetFolder and GetDifferences. */
    setCommit(repositoryName: string, commitId: string, files: Record<string, string | Buffer>): void {
        this.trees.set(`${repositoryName}/${commitId}`, new Map(Object.entries(files).map(([path, content]) => [path, Buffer.from(content)])));
    }

    /**
     * Who signed with `accessKeyId`, the way CodeCommit names a comment's author: an AssumeRole
     * session's assumed-role ARN, or for any other key the build's own role session.
     */
    callerArn(accessKeyId: string | undefined): string {
        const session = accessKeyId === undefined ? undefined : this.sessions.get(accessKeyId);
        if (session === undefined) return BUILD_CALLER_ARN;
        const roleName = IAM_ROLE_ARN.exec(session.roleArn)![1];
        return `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/${session.roleSessionName}`;
    }

    /** Points a branch at a commit, as if someone had pushed it (e.g. a user's own commit after seeding). */
    setBranch(repositoryName: string, branchName: string, commitId: string): void {
        this.branches.set(`${repositoryName}/${branchName}`, commitId);
    }

    /** The files at a branch's tip, as UTF-8 text; undefined when the branch does not exist. */
    files(repositoryName: string, branchName: string): Map<string, string> | undefined {
        const tip = this.branches.get(`${repositoryName}/${branchName}`);
        const commit = this.commits.find((c) => c.commitId === tip);
        if (tip === undefined) return undefined;
        return new Map([...(commit?.tree ?? [])].map(([path, content]) => [path, content.toString("utf8")]));
    }

    // ---------------------------------------------------------------- requests

    /**
     * Answers one request: records it (with an injected failure, if one is queued for its
     * operation), checks a session's token, and acts on it. Step Functions, CodeCommit and Lambda
     * answer their JSON body (dates as epoch seconds, blobs as base64, as on the wire); S3 and
     * STS answer the *Answer types. Failures are thrown as AwsError.
     */
    call(request: ModelRequest): unknown {
        const { service, operation, body, accessKeyId, signingRegion } = request;
        const injected = this.failures.get(operation)?.shift();
        this.requests.push({ service, operation, body, ...definedOnly({ accessKeyId, signingRegion }), at: Date.now(), ...(injected ? { injectedError: injected.type } : {}) });
        this.authenticate(request);
        if (injected) throw new AwsError(injected.type, injected.message ?? `Injected ${injected.type}`, injected.status);
        switch (service) {
            case "s3":
                return this.s3(operation, body);
            case "sts":
                return this.sts(operation, body, accessKeyId);
            case "iam":
                return this.iam(operation, body);
            case "lambda":
                return this.lambda(operation, body);
            default: {
                const handler = this.jsonOperations[operation];
                if (!handler) throw new AwsError("UnknownOperationException", `FakeAws does not implement ${operation}`);
                return handler(body, this.callerArn(accessKeyId));
            }
        }
    }

    /**
     * Temporary credentials are only valid with the session token they were issued with, as on
     * AWS: a request signed with a session's key but another token (or none) is refused.
     */
    private authenticate({ service, accessKeyId, sessionToken }: ModelRequest): void {
        const session = accessKeyId === undefined ? undefined : this.sessions.get(accessKeyId);
        if (session === undefined || sessionToken === session.sessionToken) return;
        const invalid: Record<RecordedRequest["service"], [string, number]> = {
            sts: ["InvalidClientTokenId", 403],
            s3: ["InvalidToken", 400],
            sfn: ["UnrecognizedClientException", 400],
            codecommit: ["UnrecognizedClientException", 400],
            lambda: ["UnrecognizedClientException", 403],
            iam: ["InvalidClientTokenId", 403],
            logs: ["UnrecognizedClientException", 400],
            cloudwatch: ["UnrecognizedClientException", 400],
        };
        const [type, status] = invalid[service];
        throw new AwsError(type, "The security token included in the request is invalid.", status);
    }

    // ---------------------------------------------------------------- Step Functions

    private runningUntil(execution: Execution): number {
        const natural = execution.startedAt + (execution.script.runningMs ?? 0);
        return execution.stopped ? Math.min(execution.stopped.at, natural) : natural;
    }

    private statusOf(execution: Execution): string {
        // Only a RUNNING execution can be stopped, so a stop always ends it early.
        if (execution.stopped) return "ABORTED";
        return this.now() < this.runningUntil(execution) ? "RUNNING" : execution.script.status;
    }

    private startExecution(input: any): object {
        const stateMachine = STATE_MACHINE_ARN.exec(requireString(input, "stateMachineArn"));
        if (!stateMachine) throw new AwsError("InvalidArn", `Invalid Arn: '${input.stateMachineArn}'`);
        const name: string = input.name ?? randomUUID();
        if (!EXECUTION_NAME.test(name)) {
            throw new AwsError("InvalidName", `Invalid Name: '${name}' (1-80 characters of A-Z, a-z, 0-9, - and _)`);
        }
        const executionInput: string = input.input ?? "{}";
        let lambdaArn: unknown;
        try {
            lambdaArn = JSON.parse(executionInput).lambdaARN;
        } catch {
            throw new AwsError("InvalidExecutionInput", `Invalid State Machine Execution Input: '${executionInput}'`);
        }
        const executionArn = `${input.stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
        const existing = this.executions.get(executionArn);
        if (existing) {
            // Step Functions treats a repeated start of a RUNNING execution with the same input as idempotent.
            if (existing.input === executionInput && this.statusOf(existing) === "RUNNING") {
                return { executionArn, startDate: existing.startedAt / 1000 };
            }
            throw new AwsError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
        }
        const registered = this.scripts.find(({ match }) =>
            typeof match === "string" ? match === lambdaArn : typeof lambdaArn === "string" && match.test(lambdaArn),
        )?.script;
        const script = typeof registered === "function" ? registered(JSON.parse(executionInput)) : registered;
        if (!script) {
            throw new AwsError(
                "FakeAwsNoScriptedExecution",
                `FakeAws has no scripted execution for input.lambdaARN ${JSON.stringify(lambdaArn)}; call scriptExecution() for it`,
            );
        }
        const startedAt = this.now();
        this.executions.set(executionArn, {
            executionArn,
            stateMachineArn: input.stateMachineArn,
            name,
            input: executionInput,
            lambdaArn: lambdaArn as string,
            script,
            startedAt,
        });
        script.whileRunning?.();
        return { executionArn, startDate: startedAt / 1000 };
    }

    private execution(input: any): Execution {
        const executionArn = requireString(input, "executionArn");
        const execution = this.executions.get(executionArn);
        if (!execution) throw new AwsError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
        return execution;
    }

    private listExecutions(input: any): object {
        const stateMachineArn = requireString(input, "stateMachineArn");
        if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new AwsError("InvalidArn", `Invalid Arn: '${stateMachineArn}'`);
        // Newest first, as Step Functions lists them.
        const matching = [...this.executions.values()]
            .filter((execution) => execution.stateMachineArn === stateMachineArn && (input.statusFilter === undefined || this.statusOf(execution) === input.statusFilter))
            .sort((a, b) => b.startedAt - a.startedAt);
        const page = this.page(matching, input.maxResults, input.nextToken, "ListExecutions", 100, "InvalidToken");
        return {
            executions: page.items.map((execution) => ({
                executionArn: execution.executionArn,
                stateMachineArn: execution.stateMachineArn,
                name: execution.name,
                status: this.statusOf(execution),
                startDate: execution.startedAt / 1000,
            })),
            ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
        };
    }

    private describeExecution(input: any): object {
        const execution = this.execution(input);
        const status = this.statusOf(execution);
        const base = {
            executionArn: execution.executionArn,
            stateMachineArn: execution.stateMachineArn,
            name: execution.name,
            status,
            startDate: execution.startedAt / 1000,
            input: execution.input,
        };
        if (status === "RUNNING") return base;
        const stopDate = this.runningUntil(execution) / 1000;
        if (status === "ABORTED" && execution.stopped) {
            return { ...base, stopDate, ...definedOnly({ error: execution.stopped.error, cause: execution.stopped.cause }) };
        }
        const { output, error, cause } = execution.script;
        return { ...base, stopDate, ...definedOnly({ output: status === "SUCCEEDED" ? output : undefined, error, cause }) };
    }

    private stopExecution(input: any): object {
        const execution = this.execution(input);
        if (this.statusOf(execution) === "RUNNING") {
            execution.stopped = { at: this.now(), error: input.error, cause: input.cause };
        }
        return { stopDate: this.runningUntil(execution) / 1000 };
    }

    private getExecutionHistory(input: any): object {
        const execution = this.execution(input);
        const status = this.statusOf(execution);
        let events = (execution.script.history ?? this.synthesisedHistory(execution, status)) as Array<{ type?: string }>;
        if (status === "RUNNING") events = events.filter((event) => !TERMINAL_HISTORY_EVENTS.has(event.type ?? ""));
        if (status === "ABORTED" && execution.script.history) {
            events = [...events.filter((event) => !TERMINAL_HISTORY_EVENTS.has(event.type ?? "")), this.abortedEvent(execution, events.length + 1)];
        }
        const ordered = input.reverseOrder ? [...events].reverse() : events;
        const page = paginate(ordered, input.maxResults, input.nextToken, "GetExecutionHistory", 100, "InvalidToken");
        return { events: page.items, ...definedOnly({ nextToken: page.nextToken }) };
    }

    private synthesisedHistory(execution: Execution, status: string): unknown[] {
        const started = {
            timestamp: execution.startedAt / 1000,
            type: "ExecutionStarted",
            id: 1,
            previousEventId: 0,
            executionStartedEventDetails: { input: execution.input, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/fake-state-machine-role` },
        };
        if (status === "RUNNING") return [started];
        if (status === "ABORTED") return [started, this.abortedEvent(execution, 2)];
        const { output, error, cause } = execution.script;
        const terminal: Record<string, [string, object]> = {
            SUCCEEDED: ["ExecutionSucceeded", { executionSucceededEventDetails: definedOnly({ output }) }],
            FAILED: ["ExecutionFailed", { executionFailedEventDetails: definedOnly({ error, cause }) }],
            TIMED_OUT: ["ExecutionTimedOut", { executionTimedOutEventDetails: definedOnly({ error, cause }) }],
            ABORTED: ["ExecutionAborted", { executionAbortedEventDetails: definedOnly({ error, cause }) }],
        };
        const [type, details] = terminal[status];
        return [started, { timestamp: this.runningUntil(execution) / 1000, type, id: 2, previousEventId: 1, ...details }];
    }

    private abortedEvent(execution: Execution, id: number): object {
        return {
            timestamp: this.runningUntil(execution) / 1000,
            type: "ExecutionAborted",
            id,
            previousEventId: id - 1,
            executionAbortedEventDetails: definedOnly({ error: execution.stopped?.error, cause: execution.stopped?.cause }),
        };
    }

    // ---------------------------------------------------------------- CodeCommit

    private checkCommentContent(content: unknown): string {
        if (typeof content !== "string" || content.length === 0) {
            throw new AwsError("CommentContentRequiredException", "The comment is empty. You must provide some content for a comment.");
        }
        if (content.length > COMMENT_SIZE_LIMIT) {
            throw new AwsError(
                "CommentContentSizeLimitExceededException",
                `The comment is too large (${content.length} characters). Comments are limited to ${COMMENT_SIZE_LIMIT} characters.`,
            );
        }
        return content;
    }

    private postComment(input: any, caller: string): object {
        const fields = {
            repositoryName: requireString(input, "repositoryName"),
            pullRequestId: requireString(input, "pullRequestId"),
            beforeCommitId: requireString(input, "beforeCommitId"),
            afterCommitId: requireString(input, "afterCommitId"),
            content: this.checkCommentContent(input.content),
        };
        const token: string | undefined = input.clientRequestToken;
        const earlier = token === undefined ? undefined : this.comments.find((c) => c.clientRequestToken === token);
        if (earlier) {
            const same = (Object.keys(fields) as Array<keyof typeof fields>).every((key) => earlier[key] === fields[key]);
            if (!same) {
                throw new AwsError(
                    "IdempotencyParameterMismatchException",
                    "The client request token is not valid. Either the token is not in a valid format, or the token has been used in a previous request and cannot be reused.",
                );
            }
            return this.wireCommentResponse(earlier);
        }
        const date = this.now() / 1000;
        const comment: StoredComment = {
            commentId: randomUUID(),
            ...fields,
            ...definedOnly({ clientRequestToken: token }),
            authorArn: caller,
            creationDate: date,
            lastModifiedDate: date,
        };
        this.comments.push(comment);
        return this.wireCommentResponse(comment);
    }

    private wireCommentResponse(comment: StoredComment): object {
        const { repositoryName, pullRequestId, beforeCommitId, afterCommitId } = comment;
        return { repositoryName, pullRequestId, beforeCommitId, afterCommitId, comment: wireComment(comment) };
    }

    private updateComment(input: any, caller: string): object {
        const commentId = requireString(input, "commentId");
        const comment = this.comments.find((c) => c.commentId === commentId);
        if (!comment) throw new AwsError("CommentDoesNotExistException", `No comment exists with the provided ID ${commentId}.`);
        if (comment.authorArn !== caller) {
            throw new AwsError("CommentNotCreatedByCallerException", "You cannot modify or delete this comment. Only comment authors can modify or delete their comments.");
        }
        comment.content = this.checkCommentContent(input.content);
        comment.lastModifiedDate = this.now() / 1000;
        return { comment: wireComment(comment) };
    }

    private getComments(input: any): object {
        const pullRequestId = requireString(input, "pullRequestId");
        // The API reference: with repositoryName, both commit IDs are required (and the reverse);
        // only pullRequestId alone lists the comments of every revision.
        const commits = [input.beforeCommitId, input.afterCommitId].filter((id) => id !== undefined).length;
        if (input.repositoryName !== undefined && commits < 2) throw new AwsError("CommitIdRequiredException", "A commit ID is required, but no commit ID was specified.");
        if (input.repositoryName === undefined && commits > 0) throw new AwsError("RepositoryNameRequiredException", "A repository name is required, but was not specified.");
        const matching = this.comments.filter(
            (c) =>
                c.pullRequestId === pullRequestId &&
                (input.repositoryName === undefined || c.repositoryName === input.repositoryName) &&
                (input.beforeCommitId === undefined || c.beforeCommitId === input.beforeCommitId) &&
                (input.afterCommitId === undefined || c.afterCommitId === input.afterCommitId),
        );
        const page = paginate(matching, input.maxResults, input.nextToken, "GetCommentsForPullRequest", 100, "InvalidContinuationTokenException");
        // CodeCommit groups comments by the commit pair they were made on.
        const groups: Array<{ key: string; comments: StoredComment[] }> = [];
        for (const comment of page.items) {
            const key = `${comment.repositoryName}\n${comment.beforeCommitId}\n${comment.afterCommitId}`;
            const last = groups[groups.length - 1];
            if (last?.key === key) last.comments.push(comment);
            else groups.push({ key, comments: [comment] });
        }
        const commentsForPullRequestData = groups.map(({ comments: [first, ...rest] }) => ({
            pullRequestId,
            repositoryName: first.repositoryName,
            beforeCommitId: first.beforeCommitId,
            afterCommitId: first.afterCommitId,
            comments: [first, ...rest].map(wireComment),
        }));
        return { commentsForPullRequestData, ...definedOnly({ nextToken: page.nextToken }) };
    }

    private pullRequest(pullRequestId: unknown): FakePullRequest {
        const pr = typeof pullRequestId === "string" ? this.pullRequests.get(pullRequestId) : undefined;
        if (!pr) throw new AwsError("PullRequestDoesNotExistException", `The pull request ID ${pullRequestId} could not be found.`);
        return pr;
    }

    private wirePullRequest(pr: FakePullRequest): object {
        return {
            pullRequestId: pr.pullRequestId,
            title: pr.title ?? `Pull request ${pr.pullRequestId}`,
            pullRequestStatus: pr.pullRequestStatus ?? "OPEN",
            creationDate: this.createdAt / 1000,
            lastActivityDate: this.now() / 1000,
            authorArn: `arn:aws:iam::${ACCOUNT_ID}:user/developer`,
            revisionId: pr.revisionId,
            approvalRules: [],
            pullRequestTargets: [
                {
                    repositoryName: pr.repositoryName,
                    sourceReference: pr.sourceReference ?? "refs/heads/feature",
                    destinationReference: pr.destinationReference ?? "refs/heads/main",
                    sourceCommit: pr.sourceCommit,
                    destinationCommit: pr.destinationCommit,
                    mergeBase: pr.mergeBase ?? pr.destinationCommit,
                    mergeMetadata: { isMerged: false },
                },
            ],
        };
    }

    private updateApprovalState(input: any): object {
        const pr = this.pullRequest(input.pullRequestId);
        const revisionId = requireString(input, "revisionId");
        if (revisionId !== pr.revisionId) {
            throw new AwsError("RevisionNotCurrentException", `The revision ID ${revisionId} is not the most recent revision of the pull request.`);
        }
        if (input.approvalState !== "APPROVE" && input.approvalState !== "REVOKE") {
            throw new AwsError("InvalidApprovalStateException", `approvalState must be APPROVE or REVOKE, got ${JSON.stringify(input.approvalState)}.`);
        }
        this.approvals.push({ pullRequestId: pr.pullRequestId, revisionId, approvalState: input.approvalState });
        return {};
    }

    private getBranch(input: any): object {
        const repositoryName = requireString(input, "repositoryName");
        const branchName = requireString(input, "branchName");
        const commitId = this.branches.get(`${repositoryName}/${branchName}`);
        if (commitId === undefined) throw new AwsError("BranchDoesNotExistException", `Branch ${branchName} does not exist in ${repositoryName}.`);
        return { branch: { branchName, commitId } };
    }

    private createCommit(input: any): object {
        const repositoryName = requireString(input, "repositoryName");
        const branchName = requireString(input, "branchName");
        const branchKey = `${repositoryName}/${branchName}`;
        const tip = this.branches.get(branchKey);
        const parentCommitId: string | undefined = input.parentCommitId;
        if (parentCommitId === undefined && tip !== undefined) {
            throw new AwsError("ParentCommitIdRequiredException", `Branch ${branchName} already exists: a parent commit ID is required.`);
        }
        if (parentCommitId !== undefined && parentCommitId !== tip) {
            throw tip === undefined
                ? new AwsError("ParentCommitDoesNotExistException", `The parent commit ID ${parentCommitId} does not exist.`)
                : new AwsError("ParentCommitIdOutdatedException", `The parent commit ID ${parentCommitId} is not the tip of ${branchName} (${tip}).`);
        }
        if ((input.setFileModes ?? []).length > 0 || (input.putFiles ?? []).some((file: any) => file.sourceFile)) {
            throw new AwsError("FakeAwsUnsupported", "FakeAws CreateCommit supports putFiles with fileContent and deleteFiles only.");
        }
        const putFiles: Array<{ filePath: string; fileContent?: string; fileMode?: string }> = input.putFiles ?? [];
        const deleteFiles: Array<{ filePath: string }> = input.deleteFiles ?? [];
        if (putFiles.length === 0 && deleteFiles.length === 0) {
            throw new AwsError("NoChangeException", "The commit cannot be created because no changes will be made to the repository.");
        }
        const tree = new Map(this.commits.find((c) => c.commitId === tip)?.tree ?? []);
        const filesAdded: object[] = [];
        const filesUpdated: object[] = [];
        for (const file of putFiles) {
            const content = Buffer.from(file.fileContent ?? "", "base64");
            const entry = { absolutePath: file.filePath, blobId: gitObjectId("blob", content), fileMode: file.fileMode ?? "NORMAL" };
            (tree.has(file.filePath) ? filesUpdated : filesAdded).push(entry);
            tree.set(file.filePath, content);
        }
        const filesDeleted = deleteFiles.map(({ filePath }) => {
            if (!tree.delete(filePath)) throw new AwsError("FileDoesNotExistException", `The file ${filePath} does not exist.`);
            return { absolutePath: filePath, blobId: "", fileMode: "NORMAL" };
        });
        const treeId = gitObjectId("tree", Buffer.from(JSON.stringify([...tree].map(([path, content]) => [path, content.toString("base64")]))));
        const commitId = gitObjectId("commit", Buffer.from(`${treeId}\n${tip ?? ""}\n${input.commitMessage ?? ""}\n${this.commits.length}`));
        this.commits.push({ repositoryName, branchName, commitId, ...definedOnly({ parentCommitId, commitMessage: input.commitMessage }), tree });
        this.trees.set(`${repositoryName}/${commitId}`, tree);
        this.branches.set(branchKey, commitId);
        return { commitId, treeId, filesAdded, filesUpdated, filesDeleted };
    }

    /** The tree a commit specifier (a commit id or a branch name) names. */
    private treeAt(repositoryName: string, commitSpecifier: unknown): { commitId: string; tree: ReadonlyMap<string, Buffer> } {
        // Without a specifier CodeCommit reads the default branch, which FakeAws takes to be main.
        const specifier = typeof commitSpecifier === "string" && commitSpecifier !== "" ? commitSpecifier : "main";
        const commitId = this.branches.get(`${repositoryName}/${specifier.replace(/^refs\/heads\//, "")}`) ?? specifier;
        const tree = this.trees.get(`${repositoryName}/${commitId}`);
        if (tree !== undefined) return { commitId, tree };
        const known = [...this.trees.keys(), ...this.branches.keys()].some((key) => key.startsWith(`${repositoryName}/`));
        if (!known) throw new AwsError("RepositoryDoesNotExistException", `${repositoryName} does not exist`);
        throw new AwsError("CommitDoesNotExistException", `The specified commit (${specifier}) does not exist or no commit was specified, and the specified repository has no default branch.`);
    }

    private getFile(input: any): object {
        const repositoryName = requireString(input, "repositoryName", "RepositoryNameRequiredException");
        const filePath = repositoryPath(requireString(input, "filePath", "PathRequiredException"));
        const { commitId, tree } = this.treeAt(repositoryName, input.commitSpecifier);
        const content = tree.get(filePath);
        if (content === undefined) {
            throw new AwsError("FileDoesNotExistException", `The specified file ${filePath} does not exist. Verify that you have used the correct file name, full path, and extension.`);
        }
        if (content.length > GET_FILE_LIMIT_BYTES) throw new AwsError("FileTooLargeException", `The specified file ${filePath} exceeds the file size limit for CodeCommit.`);
        return {
            commitId,
            blobId: gitObjectId("blob", content),
            filePath,
            fileMode: "NORMAL",
            fileSize: content.length,
            fileContent: content.toString("base64"),
        };
    }

    /** The files and subfolders directly in a folder ("" or "/" is the root), as GetFolder lists them. */
    private getFolder(input: any): object {
        const repositoryName = requireString(input, "repositoryName", "RepositoryNameRequiredException");
        if (typeof input.folderPath !== "string") throw new AwsError("PathRequiredException", "The folderPath for a location cannot be null.");
        const folderPath = input.folderPath.replace(/^\/+|\/+$/g, "") === "" ? "" : repositoryPath(input.folderPath.replace(/\/+$/, ""));
        const { commitId, tree } = this.treeAt(repositoryName, input.commitSpecifier);
        const prefix = folderPath === "" ? "" : `${folderPath}/`;
        const inside = [...tree].filter(([path]) => path.startsWith(prefix)).map(([path, content]) => ({ relativePath: path.slice(prefix.length), content }));
        if (inside.length === 0 && folderPath !== "") {
            throw new AwsError("FolderDoesNotExistException", `The specified folder ${folderPath} does not exist. Verify that you have used the correct folder name and full path.`);
        }
        const files = inside
            .filter(({ relativePath }) => !relativePath.includes("/"))
            .map(({ relativePath, content }) => ({ absolutePath: `${prefix}${relativePath}`, blobId: gitObjectId("blob", content), fileMode: "NORMAL", relativePath }));
        const subFolderNames = [...new Set(inside.filter(({ relativePath }) => relativePath.includes("/")).map(({ relativePath }) => relativePath.split("/")[0]))];
        const subFolders = subFolderNames.map((name) => ({
            absolutePath: `${prefix}${name}`,
            relativePath: name,
            treeId: gitObjectId("tree", Buffer.from(`${commitId}:${prefix}${name}`)),
        }));
        return {
            commitId,
            folderPath,
            treeId: gitObjectId("tree", Buffer.from(`${commitId}:${folderPath}`)),
            files,
            subFolders,
            symbolicLinks: [],
            subModules: [],
        };
    }

    /**
     * The differences between two trees, in path order, 100 to a page unless MaxResults says
     * otherwise. A file whose content moved to a new path and that is gone from the old one is one
     * difference with both paths (a rename); an added file has only afterBlob, a deleted one only
     * beforeBlob. How CodeCommit itself reports a rename only AWS shows; the runner counts every
     * path either way.
     */
    private getDifferences(input: any): object {
        const repositoryName = requireString(input, "repositoryName", "RepositoryNameRequiredException");
        const after = this.treeAt(repositoryName, requireString(input, "afterCommitSpecifier", "CommitRequiredException")).tree;
        const before = input.beforeCommitSpecifier === undefined ? new Map<string, Buffer>() : this.treeAt(repositoryName, input.beforeCommitSpecifier).tree;
        const blob = (path: string, content: Buffer) => ({ path, blobId: gitObjectId("blob", content), mode: "100644" });
        const added = [...after].filter(([path]) => !before.has(path));
        const deleted = [...before].filter(([path]) => !after.has(path));
        const renamedFrom = new Map<string, string>();
        for (const [path, content] of added) {
            const source = deleted.find(([oldPath, oldContent]) => oldContent.equals(content) && ![...renamedFrom.values()].includes(oldPath));
            if (source !== undefined) renamedFrom.set(path, source[0]);
        }
        const differences: Array<{ path: string; difference: object }> = [];
        for (const [path, content] of after) {
            const old = before.get(path);
            const from = renamedFrom.get(path);
            if (from !== undefined) differences.push({ path, difference: { beforeBlob: blob(from, before.get(from)!), afterBlob: blob(path, content), changeType: "M" } });
            else if (old === undefined) differences.push({ path, difference: { afterBlob: blob(path, content), changeType: "A" } });
            else if (!old.equals(content)) differences.push({ path, difference: { beforeBlob: blob(path, old), afterBlob: blob(path, content), changeType: "M" } });
        }
        for (const [path, content] of deleted) {
            if (![...renamedFrom.values()].includes(path)) differences.push({ path, difference: { beforeBlob: blob(path, content), changeType: "D" } });
        }
        differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        const page = paginate(differences.map((entry) => entry.difference), input.MaxResults, input.NextToken, "GetDifferences", 100, "InvalidContinuationTokenException");
        return { differences: page.items, ...definedOnly({ NextToken: page.nextToken }) };
    }

    // ---------------------------------------------------------------- STS

    private sts(operation: string, body: Record<string, string>, callerAccessKeyId: string | undefined): AssumeRoleAnswer {
        if (operation !== "AssumeRole") throw new AwsError("InvalidAction", `FakeAws does not implement STS ${operation}`);
        const { RoleArn, RoleSessionName, DurationSeconds } = body;
        const validation = (message: string) => new AwsError("ValidationError", message);
        if (typeof RoleArn !== "string" || !IAM_ROLE_ARN.test(RoleArn)) throw validation(`${JSON.stringify(RoleArn)} is invalid for RoleArn: an IAM role ARN is required`);
        if (typeof RoleSessionName !== "string" || !ROLE_SESSION_NAME.test(RoleSessionName)) {
            throw validation(`1 validation error detected: Value '${RoleSessionName}' at 'roleSessionName' failed to satisfy constraint: 2-64 characters of [\\w+=,.@-]`);
        }
        const seconds = DurationSeconds === undefined ? 3600 : Number(DurationSeconds);
        if (!(Number.isInteger(seconds) && seconds >= 900 && seconds <= 43_200)) throw validation(`DurationSeconds ${DurationSeconds} is outside 900-43200`);
        const session: IssuedSession = {
            roleArn: RoleArn,
            roleSessionName: RoleSessionName,
            // Every AssumeRole hands out new credentials, as AWS does.
            accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
            ...definedOnly({ callerAccessKeyId }),
            sessionToken: randomBytes(32).toString("base64"),
        };
        this.sessions.set(session.accessKeyId, session);
        this.assumedRoles.push({ roleArn: RoleArn, roleSessionName: RoleSessionName, accessKeyId: session.accessKeyId, ...definedOnly({ callerAccessKeyId }) });
        const roleName = IAM_ROLE_ARN.exec(RoleArn)![1];
        return {
            accessKeyId: session.accessKeyId,
            secretAccessKey: randomBytes(30).toString("base64"),
            sessionToken: session.sessionToken,
            // Expiry is the credentials' own, on the real clock the SDK compares it with.
            expiration: new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
            assumedRoleArn: this.callerArn(session.accessKeyId),
            assumedRoleId: `AROAFAKE${roleName.length}:${RoleSessionName}`,
        };
    }

    // ---------------------------------------------------------------- Lambda

    private lambda(operation: string, body: any): object {
        switch (operation) {
            case "GetFunctionConfiguration":
                return this.getFunctionConfiguration(body.FunctionName);
            case "GetAccountSettings":
                return this.accountSettings();
            case "ListFunctions": {
                const page = this.page([...this.functions.keys()].sort(), body.MaxItems, body.Marker, "ListFunctions", 50, "InvalidParameterValueException");
                return { Functions: page.items.map((arn) => this.getFunctionConfiguration(arn)), ...definedOnly({ NextMarker: page.nextToken }) };
            }
            case "DeleteFunction": {
                const { FunctionArn } = this.getFunctionConfiguration(body.FunctionName) as { FunctionArn: string };
                // Every version and alias goes with the function; its event source mappings stay, as on AWS.
                this.functions.delete(FunctionArn);
                return {};
            }
            case "ListEventSourceMappings": {
                const functionArn = body.FunctionName === undefined ? undefined : (this.getFunctionConfiguration(body.FunctionName) as { FunctionArn: string }).FunctionArn;
                const uuids = [...this.eventSourceMappings].filter(([, arn]) => functionArn === undefined || arn === functionArn).map(([uuid]) => uuid);
                const page = this.page(uuids, body.MaxItems, body.Marker, "ListEventSourceMappings", 100, "InvalidParameterValueException");
                return { EventSourceMappings: page.items.map((uuid) => this.wireEventSourceMapping(uuid, "Enabled")), ...definedOnly({ NextMarker: page.nextToken }) };
            }
            case "DeleteEventSourceMapping": {
                if (!this.eventSourceMappings.has(body.UUID)) throw new AwsError("ResourceNotFoundException", `The resource you requested does not exist. (Service: Lambda, UUID ${body.UUID})`, 404);
                const answer = this.wireEventSourceMapping(body.UUID, "Deleting");
                this.eventSourceMappings.delete(body.UUID);
                return answer;
            }
            default:
                throw new AwsError("UnknownOperationException", `FakeAws does not implement Lambda ${operation}`, 404);
        }
    }

    private wireEventSourceMapping(uuid: string, state: string): object {
        return { UUID: uuid, FunctionArn: this.eventSourceMappings.get(uuid), State: state, EventSourceArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:queue-${uuid.slice(0, 8)}` };
    }

    private accountSettings(): object {
        return { AccountLimit: { ...this.accountLimit, TotalCodeSize: 80_530_636_800, CodeSizeUnzipped: 262_144_000, CodeSizeZipped: 52_428_800 }, AccountUsage: { TotalCodeSize: 0, FunctionCount: this.functions.size } };
    }

    private getFunctionConfiguration(functionName: string): object {
        // FunctionName may be a name, a partial ARN or a full (possibly qualified) ARN.
        const nameOf = (value: string) => (value.includes(":function:") ? value.split(":function:")[1].split(":")[0] : value);
        const wanted = nameOf(functionName);
        const entry = [...this.functions].find(([arn]) => nameOf(arn) === wanted);
        if (!entry) {
            throw new AwsError("ResourceNotFoundException", `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${wanted}`, 404);
        }
        const [functionArn, configuration] = entry;
        return { FunctionName: wanted, FunctionArn: functionArn, ...configuration };
    }

    /** One page of a list call: at most the request's own size, the operation's default and listPageSize. */
    private page<T>(items: readonly T[], requested: unknown, token: string | undefined, operation: string, defaultSize: number, invalidTokenType: string) {
        const size = Math.min(requested === undefined ? defaultSize : Number(requested), this.listPageSize ?? Infinity);
        return paginate(items, size, token, operation, defaultSize, invalidTokenType);
    }

    // ---------------------------------------------------------------- CloudWatch (JSON 1.0, dates as epoch seconds)

    /**
     * GetMetricData for AWS/Lambda's Invocations and Duration by FunctionName: one value per query
     * for a window of one period, none for a function without figures. Refuses what CloudWatch
     * refuses: a period that is not a multiple of 60 s, a window that ends before it starts.
     */
    private getMetricData(input: { MetricDataQueries?: any[]; StartTime?: number; EndTime?: number }): object {
        const { MetricDataQueries: queries = [], StartTime: start, EndTime: end } = input;
        if (typeof start !== "number" || typeof end !== "number" || !(end > start)) {
            throw new AwsError("ValidationError", "The parameter StartTime must be less than the parameter EndTime.", 400);
        }
        const results = queries.map((query) => {
            const { Metric, Period, Stat } = query.MetricStat ?? {};
            if (!(Period > 0) || Period % 60 !== 0) throw new AwsError("ValidationError", `The parameter Period must be a multiple of 60, got ${Period}.`, 400);
            const name = (Metric?.Dimensions ?? []).find((dimension: any) => dimension.Name === "FunctionName")?.Value;
            const figures = Metric?.Namespace === "AWS/Lambda" ? this.lambdaMetrics.get(name) : undefined;
            const value =
                figures === undefined
                    ? undefined
                    : Metric.MetricName === "Invocations" && Stat === "Sum"
                      ? figures.invocations
                      : Metric.MetricName === "Duration" && Stat === "Average"
                        ? figures.averageDurationMs
                        : undefined;
            return { Id: query.Id, Label: Metric?.MetricName, Timestamps: value === undefined ? [] : [start], Values: value === undefined ? [] : [value], StatusCode: "Complete" };
        });
        return { MetricDataResults: results, Messages: [] };
    }

    // ---------------------------------------------------------------- IAM (query protocol: string parameters)

    private iam(operation: string, body: Record<string, string>): QueryAnswer {
        const noSuchEntity = (what: string) => new AwsError("NoSuchEntity", `The ${what} cannot be found.`, 404);
        const role = (): ModelRole => {
            const found = this.roles.get(body.RoleName);
            if (found === undefined) throw noSuchEntity(`role with name ${body.RoleName}`);
            return found;
        };
        const list = (items: readonly unknown[], key: string) => {
            const page = this.page(items, body.MaxItems, body.Marker, operation, 100, "InvalidInput");
            return { result: { [key]: page.items, IsTruncated: page.nextToken !== undefined, ...definedOnly({ Marker: page.nextToken }) } };
        };
        const removeFrom = (items: string[], item: string, what: string): QueryAnswer => {
            if (!items.includes(item)) throw noSuchEntity(what);
            items.splice(items.indexOf(item), 1);
            return {};
        };
        switch (operation) {
            case "ListRoles": {
                const roles = [...this.roles].sort(([a], [b]) => a.localeCompare(b)).map(([name, found]) => ({
                    Path: found.path,
                    RoleName: name,
                    RoleId: `AROA${createHash("sha1").update(name).digest("hex").slice(0, 16).toUpperCase()}`,
                    Arn: `arn:aws:iam::${ACCOUNT_ID}:role${found.path}${name}`,
                    CreateDate: new Date(found.createdAt).toISOString(),
                }));
                return list(roles, "Roles");
            }
            case "ListRolePolicies":
                return list(role().inlinePolicies, "PolicyNames");
            case "ListAttachedRolePolicies":
                return list(role().attachedPolicies.map((arn) => ({ PolicyName: arn.split("/").pop(), PolicyArn: arn })), "AttachedPolicies");
            case "ListInstanceProfilesForRole":
                return list(
                    role().instanceProfiles.map((name) => ({ InstanceProfileName: name, Path: "/", Arn: `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${name}`, CreateDate: new Date(this.createdAt).toISOString() })),
                    "InstanceProfiles",
                );
            case "DeleteRolePolicy":
                return removeFrom(role().inlinePolicies, body.PolicyName, `role policy with name ${body.PolicyName}`);
            case "DetachRolePolicy":
                return removeFrom(role().attachedPolicies, body.PolicyArn, `policy ${body.PolicyArn} attached to ${body.RoleName}`);
            case "RemoveRoleFromInstanceProfile":
                return removeFrom(role().instanceProfiles, body.InstanceProfileName, `instance profile ${body.InstanceProfileName} with role ${body.RoleName}`);
            case "DeleteRole": {
                // IAM refuses to delete a role that still has policies or instance-profile links.
                const { inlinePolicies, attachedPolicies, instanceProfiles } = role();
                const conflict =
                    inlinePolicies.length > 0 ? "must delete policies first" : attachedPolicies.length > 0 ? "must detach all policies first" : instanceProfiles.length > 0 ? "must remove roles from instance profile first" : undefined;
                if (conflict !== undefined) throw new AwsError("DeleteConflict", `Cannot delete entity, ${conflict}.`, 409);
                this.roles.delete(body.RoleName);
                return {};
            }
            default:
                throw new AwsError("InvalidAction", `FakeAws does not implement IAM ${operation}`);
        }
    }

    // ---------------------------------------------------------------- CloudWatch Logs

    private describeLogGroups(input: any): object {
        const prefix: string = input.logGroupNamePrefix ?? "";
        const names = [...this.logGroups.keys()].filter((name) => name.startsWith(prefix)).sort();
        const page = this.page(names, input.limit, input.nextToken, "DescribeLogGroups", 50, "InvalidParameterException");
        const groups = page.items.map((name) => ({
            logGroupName: name,
            creationTime: this.logGroups.get(name)!.creationTime,
            arn: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${name}:*`,
            storedBytes: 0,
        }));
        return { logGroups: groups, ...definedOnly({ nextToken: page.nextToken }) };
    }

    private deleteLogGroup(input: any): object {
        const name = requireString(input, "logGroupName", "InvalidParameterException");
        if (!this.logGroups.delete(name)) throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
        return {};
    }

    // ---------------------------------------------------------------- S3

    private s3(
        operation: string,
        body: { Bucket: string; Key: string; Body?: string; Prefix?: string; MaxKeys?: string; ContinuationToken?: string; IfMatch?: string; IfNoneMatch?: string },
    ): S3ObjectAnswer | S3ListingAnswer {
        const objectKey = `${body.Bucket}/${body.Key}`;
        switch (operation) {
            case "PutObject": {
                // Conditional writes (docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html):
                // If-None-Match: * only creates, If-Match: <ETag> only replaces that version; else 412,
                // and If-Match on a missing key 404.
                const existing = this.objects.get(objectKey);
                if (body.IfNoneMatch !== undefined && (body.IfNoneMatch !== "*" || existing !== undefined)) {
                    throw new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
                }
                if (body.IfMatch !== undefined && existing === undefined) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404);
                if (body.IfMatch !== undefined && body.IfMatch !== etagOf(existing!)) {
                    throw new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
                }
                const content = Buffer.from(body.Body ?? "", "utf8");
                this.objects.set(objectKey, content);
                this.objectsModified.set(objectKey, this.now());
                return { etag: etagOf(content) };
            }
            case "DeleteObject": {
                // S3 answers a delete of a missing key like any other.
                this.objects.delete(objectKey);
                this.objectsModified.delete(objectKey);
                return { etag: "" };
            }
            case "GetObject":
            case "HeadObject": {
                const content = this.objects.get(objectKey);
                if (!content) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404);
                return { content, etag: etagOf(content) };
            }
            case "ListObjectsV2": {
                const prefix = body.Prefix ?? "";
                const keys = [...this.objects.keys()]
                    .filter((key) => key.startsWith(`${body.Bucket}/${prefix}`))
                    .map((key) => key.slice(body.Bucket.length + 1))
                    .sort();
                const page = this.page(keys, body.MaxKeys, body.ContinuationToken, "ListObjectsV2", 1000, "InvalidArgument");
                const objects = page.items.map((key) => {
                    const content = this.objects.get(`${body.Bucket}/${key}`)!;
                    return { key, size: content.length, etag: etagOf(content), lastModified: this.objectsModified.get(`${body.Bucket}/${key}`) ?? this.createdAt };
                });
                return { bucket: body.Bucket, prefix, objects, ...definedOnly({ nextToken: page.nextToken }) };
            }
            default:
                throw new AwsError("NotImplemented", `FakeAws does not implement S3 ${operation}`, 501);
        }
    }
}

export function executionFromFixture(fixture: { DescribeExecution: any; GetExecutionHistory?: { events: unknown[] } }): ScriptedExecution {
    const { status, output, error, cause } = fixture.DescribeExecution;
    if (!["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"].includes(status)) {
        throw new Error(`executionFromFixture needs a terminal DescribeExecution status, got ${JSON.stringify(status)}`);
    }
    return { status, ...definedOnly({ output, error, cause, history: fixture.GetExecutionHistory?.events }) };
}


// ---------------------------------------------------------------- helpers

/** A repository path as CodeCommit stores it: no leading "/", no empty, "." or ".." segments. */
function repositoryPath(path: string): string {
    const relative = path.replace(/^\/+/, "");
    if (relative.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) {
        throw new AwsError("InvalidPathException", `The specified path ${path} is not valid.`);
    }
    return relative;
}


function paginate<T>(
    items: readonly T[],
    maxResults: number | undefined,
    nextToken: string | undefined,
    operation: string,
    defaultPageSize: number,
    invalidTokenType: string,
): { items: T[]; nextToken?: string } {
    let start = 0;
    if (nextToken !== undefined) {
        const [tokenOperation, offset] = Buffer.from(nextToken, "base64").toString("utf8").split(":");
        start = Number(offset);
        if (tokenOperation !== operation || !Number.isInteger(start) || start < 0 || start > items.length) {
            throw new AwsError(invalidTokenType, `Invalid pagination token: ${nextToken}`);
        }
    }
    const size = maxResults && maxResults > 0 ? maxResults : defaultPageSize;
    const end = start + size;
    return {
        items: items.slice(start, end),
        ...definedOnly({ nextToken: end < items.length ? Buffer.from(`${operation}:${end}`).toString("base64") : undefined }),
    };
}

function wireComment(comment: StoredComment): object {
    return {
        commentId: comment.commentId,
        content: comment.content,
        authorArn: comment.authorArn ?? `arn:aws:iam::${ACCOUNT_ID}:user/reviewer`,
        creationDate: comment.creationDate,
        lastModifiedDate: comment.lastModifiedDate,
        deleted: false,
        callerReactions: [],
        reactionCounts: {},
        ...definedOnly({ clientRequestToken: comment.clientRequestToken }),
    };
}

function requireString(input: any, field: string, errorType = "ValidationException"): string {
    const value = input?.[field];
    if (typeof value !== "string" || value === "") throw new AwsError(errorType, `${field} is required (got ${JSON.stringify(value)})`);
    return value;
}

export function definedOnly<T extends Record<string, unknown>>(fields: T): Partial<T> {
    return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function gitObjectId(kind: string, content: Buffer): string {
    return createHash("sha1").update(`${kind} ${content.length}\0`).update(content).digest("hex");
}

/** Lambda's LastModified format: `2026-11-26T17:15:15.326+0000`. */
function lambdaTime(epochMs: number): string {
    return new Date(epochMs).toISOString().replace("Z", "+0000");
}

function etagOf(content: Buffer): string {
    return `"${createHash("md5").update(content).digest("hex")}"`;
}

