// The AWS the tuning runner and the stack's seeding code talk to, as a model without a protocol:
// one module per service (its state and handlers), a dispatcher that routes each request to its
// service by a table, and the log of every request with the access key that signed it.
// FakeAws (fake-aws.ts) serves it over the real wire protocols for the SDK; InMemoryAws
// (in-memory-aws.ts) lets the runner's commands call it directly, on a clock of its own.
import { CloudWatchModel } from "./cloudwatch";
import { CodeCommitModel, type FakePullRequest, type RecordedApproval, type RecordedCommit, type StoredComment } from "./codecommit";
import { IamModel, type ModelRole } from "./iam";
import { LambdaModel } from "./lambda";
import { LogsModel } from "./logs";
import { RequestRecorder, type InjectedError } from "./recorder";
import { S3Model } from "./s3";
import { AwsError, ModelClock, type ModelRequest, type RecordedRequest, type ServiceModel, type ServiceName } from "./shared";
import { StepFunctionsModel, type ExecutionScriptByInput, type ScriptedExecution } from "./step-functions";
import { StsModel, type AssumedRoleSession } from "./sts";

export type { FakePullRequest, RecordedApproval, RecordedCommit, StoredComment } from "./codecommit";
export type { ModelRole, QueryAnswer } from "./iam";
export type { InjectedError } from "./recorder";
export type { S3ListingAnswer, S3ObjectAnswer } from "./s3";
export {
    ACCOUNT_ID,
    AwsError,
    BUILD_ACCESS_KEY_ID,
    BUILD_CALLER_ARN,
    definedOnly,
    REGION,
    type ModelRequest,
    type RecordedRequest,
} from "./shared";
export { executionFromFixture, type ExecutionScriptByInput, type ScriptedExecution } from "./step-functions";
export type { AssumedRoleSession, AssumeRoleAnswer } from "./sts";

export class AwsModel {
    readonly requests: RecordedRequest[];
    readonly comments: StoredComment[];
    readonly approvals: RecordedApproval[];
    readonly commits: RecordedCommit[];
    /** "bucket/key" → body. */
    readonly objects: Map<string, Buffer>;
    /** IAM roles by name. */
    readonly roles: Map<string, ModelRole>;
    /** CloudWatch Logs log groups by name, with their creation time (epoch ms, model clock). */
    readonly logGroups: Map<string, { creationTime: number }>;
    /** Every AssumeRole that handed out credentials, in order. */
    readonly assumedRoles: AssumedRoleSession[];

    private readonly modelClock: ModelClock;
    private readonly recorder = new RequestRecorder();
    private readonly sfn: StepFunctionsModel;
    private readonly codecommit: CodeCommitModel;
    private readonly lambdaService: LambdaModel;
    private readonly s3: S3Model;
    private readonly sts = new StsModel();
    private readonly iam: IamModel;
    private readonly logs: LogsModel;
    private readonly cloudwatch: CloudWatchModel;
    /** The dispatcher's table: which service answers a request. */
    private readonly services: Readonly<Record<ServiceName, ServiceModel>>;

    /** `now`: the model's clock, epoch ms; scripted executions run on it. */
    constructor(now: () => number) {
        this.modelClock = new ModelClock(now);
        this.sfn = new StepFunctionsModel(this.modelClock);
        this.codecommit = new CodeCommitModel(this.modelClock, (accessKeyId) => this.sts.callerArn(accessKeyId));
        this.lambdaService = new LambdaModel(this.modelClock);
        this.s3 = new S3Model(this.modelClock);
        this.iam = new IamModel(this.modelClock);
        this.logs = new LogsModel(this.modelClock);
        this.cloudwatch = new CloudWatchModel();
        this.services = {
            sfn: this.sfn,
            codecommit: this.codecommit,
            lambda: this.lambdaService,
            s3: this.s3,
            sts: this.sts,
            iam: this.iam,
            logs: this.logs,
            cloudwatch: this.cloudwatch,
        };
        this.requests = this.recorder.requests;
        this.comments = this.codecommit.comments;
        this.approvals = this.codecommit.approvals;
        this.commits = this.codecommit.commits;
        this.objects = this.s3.objects;
        this.roles = this.iam.roles;
        this.logGroups = this.logs.logGroups;
        this.assumedRoles = this.sts.assumedRoles;
    }

    /**
     * The most items any sweepable list call (and ListObjectsV2) answers per page, below AWS's own
     * page sizes: a small value makes every such listing take several pages.
     */
    get listPageSize(): number | undefined {
        return this.modelClock.listPageSize;
    }

    set listPageSize(size: number | undefined) {
        this.modelClock.listPageSize = size;
    }

    /**
     * Answers one request: records it (with an injected failure, if one is queued for its
     * operation), checks a session's token, and hands it to its service. Step Functions,
     * CodeCommit, CloudWatch, CloudWatch Logs and Lambda answer their JSON body (dates as epoch
     * seconds, blobs as base64, as on the wire); S3, STS and IAM answer the *Answer types.
     * Failures are thrown as AwsError.
     */
    call(request: ModelRequest): unknown {
        const injected = this.recorder.record(request);
        const service = this.services[request.service];
        if (this.sts.signedWithWrongToken(request))
            throw new AwsError(service.invalidToken[0], "The security token included in the request is invalid.", service.invalidToken[1]);
        if (injected) throw new AwsError(injected.type, injected.message ?? `Injected ${injected.type}`, injected.status);
        if (!Object.hasOwn(service.operations, request.operation)) throw service.unimplemented(request.operation);
        return service.operations[request.operation](request.body, request);
    }

    // ---------------------------------------------------------------- requests log and injected failures

    /** The next `count` requests of `operation` (e.g. "DescribeExecution", "GetObject") fail with `error`. */
    failNext(operation: string, count: number, error: InjectedError): void {
        this.recorder.failNext(operation, count, error);
    }

    /** Parsed request bodies of one operation, including requests answered with an injected error. */
    calls(operation: string): any[] {
        return this.recorder.calls(operation);
    }

    /** The model's clock `hours` ago, epoch ms: when an item of a sweep's scenario was made. */
    hoursAgo(hours: number): number {
        return this.modelClock.now() - hours * 3_600_000;
    }

    // ---------------------------------------------------------------- Step Functions

    scriptExecution(lambdaArn: string | RegExp, script: ScriptedExecution | ExecutionScriptByInput): void {
        this.sfn.scriptExecution(lambdaArn, script);
    }

    /** The most executions RUNNING at the same moment, for one function (input.lambdaARN) or overall. */
    peakConcurrentExecutions(lambdaArn?: string): number {
        return this.sfn.peakConcurrentExecutions(lambdaArn);
    }

    /** Every execution started so far, with its start and (scripted or stopped) end on the model's clock, epoch ms. */
    executionTimeline(): ReturnType<StepFunctionsModel["executionTimeline"]> {
        return this.sfn.executionTimeline();
    }

    /**
     * An execution of another state machine (the pull-request workflow) with `input`, RUNNING from
     * `startedAt` (model clock, default now) until ended with endExecution.
     */
    startWorkflowExecution(stateMachineArn: string, name: string, input: object, startedAt?: number): string {
        return this.sfn.startWorkflowExecution(stateMachineArn, name, input, startedAt);
    }

    /** Ends a workflow execution started with startWorkflowExecution, now. */
    endExecution(executionArn: string): void {
        this.sfn.endExecution(executionArn);
    }

    // ---------------------------------------------------------------- CodeCommit

    setPullRequest(pr: FakePullRequest): void {
        this.codecommit.setPullRequest(pr);
    }

    /** A commit whose tree is exactly `files` (path → content), for GetFile, GetFolder and GetDifferences. */
    setCommit(repositoryName: string, commitId: string, files: Record<string, string | Buffer>): void {
        this.codecommit.setCommit(repositoryName, commitId, files);
    }

    /** Points a branch at a commit, as if someone had pushed it (e.g. a user's own commit after seeding). */
    setBranch(repositoryName: string, branchName: string, commitId: string): void {
        this.codecommit.setBranch(repositoryName, branchName, commitId);
    }

    /** The files at a branch's tip, as UTF-8 text; undefined when the branch does not exist. */
    files(repositoryName: string, branchName: string): Map<string, string> | undefined {
        return this.codecommit.files(repositoryName, branchName);
    }

    // ---------------------------------------------------------------- STS

    /**
     * Who signed with `accessKeyId`, the way CodeCommit names a comment's author: an AssumeRole
     * session's assumed-role ARN, or for any other key the build's own role session.
     */
    callerArn(accessKeyId: string | undefined): string {
        return this.sts.callerArn(accessKeyId);
    }

    // ---------------------------------------------------------------- Lambda

    setFunctionConfiguration(functionArn: string, configuration: Record<string, unknown>): void {
        this.lambdaService.setFunctionConfiguration(functionArn, configuration);
    }

    /** Changes part of a function's configuration, as UpdateFunctionCode or UpdateFunctionConfiguration would. */
    changeFunction(functionArn: string, changes: Record<string, unknown>): void {
        this.lambdaService.changeFunction(functionArn, changes);
    }

    /** A function named `name` in the model's account and region, last modified at `lastModified` (model clock, epoch ms). */
    addFunction(name: string, lastModified?: number): string {
        return this.lambdaService.addFunction(name, lastModified);
    }

    /** Names of the functions that exist. */
    functionNames(): string[] {
        return this.lambdaService.functionNames();
    }

    /** An event source mapping invoking the named function; returns its UUID. */
    addEventSourceMapping(functionName: string): string {
        return this.lambdaService.addEventSourceMapping(functionName);
    }

    /** UUIDs of the event source mappings that exist. */
    eventSourceMappingIds(): string[] {
        return this.lambdaService.eventSourceMappingIds();
    }

    /** The account's Lambda concurrency quota and what functions have not reserved of it (GetAccountSettings). */
    setLambdaConcurrency(concurrentExecutions: number, unreservedConcurrentExecutions?: number): void {
        this.lambdaService.setLambdaConcurrency(concurrentExecutions, unreservedConcurrentExecutions);
    }

    // ---------------------------------------------------------------- CloudWatch, CloudWatch Logs, IAM, S3

    /** The AWS/Lambda Invocations (sum) and Duration (average) CloudWatch reports for `functionName`; without it, no data. */
    setLambdaMetrics(functionName: string, figures: { invocations: number; averageDurationMs: number }): void {
        this.cloudwatch.setLambdaMetrics(functionName, figures);
    }

    addLogGroup(name: string, creationTime?: number): void {
        this.logs.addLogGroup(name, creationTime);
    }

    addRole(name: string, role?: Partial<ModelRole>): void {
        this.iam.addRole(name, role);
    }

    /** An object as if written at `lastModified` (model clock, epoch ms). */
    putObject(bucket: string, key: string, content: string, lastModified?: number): void {
        this.s3.putObject(bucket, key, content, lastModified);
    }
}
