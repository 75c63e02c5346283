// The data the runner's functional core and its shell exchange that no file format describes
// (the formats' types are inferred from their schemas). Types only: no I/O, no SDK.
import type { PullRequestContext, TuningError } from "./resultsFile";
import type { SettingsPaths, TuneSettings } from "./settings";
import type { TuningAnalysis } from "./stateMachineOutput";
import type { PowerTuningInput } from "./tuningInput";
import type { TuningHistoryLocation } from "./tuningHistory";

/** One Lambda function to tune: a display name and its unqualified function ARN. */
export interface TargetFunction {
    readonly name: string;
    readonly arn: string;
}

/** A text and the name errors about it give: a file name, or `<commit>:<path>` in the repository. */
export interface NamedText {
    readonly name: string;
    readonly text: string;
}

/** What CodeBuild tells about the build the runner runs in (both absent outside CodeBuild). */
export interface BuildContext {
    readonly buildId?: string;
    readonly buildUrl?: string;
}

/** A validated `tune`: the functions, and its settings read from local files or still to be read from the pull request's commits. */
export interface TuneRequest {
    readonly stateMachineArn: string;
    readonly functions: readonly TargetFunction[];
    readonly settings:
        | { readonly from: "files"; readonly read: TuneSettings }
        | { readonly from: "repository"; readonly paths: SettingsPaths; readonly pullRequest: PullRequestContext };
    readonly pullRequest?: PullRequestContext;
    readonly resultsFile: string;
    readonly timeoutSeconds: number;
    readonly concurrency: number;
    readonly build: BuildContext;
    /** `--history`: reuse stored results, store new ones, compare with production's. */
    readonly history?: TuningHistoryLocation;
    /** `--force`: tune even when the tuning history holds a result for the same fingerprint. */
    readonly force: boolean;
}

/** A validated `record`: production's functions, the input their fingerprints include, where to write. */
export interface RecordRequest {
    readonly functions: readonly TargetFunction[];
    readonly input: PowerTuningInput;
    readonly history: TuningHistoryLocation;
    /** The commit production was deployed from, when known. */
    readonly commit?: string;
}

/** A validated `plan-comment`: the plan (absent when the deploy failed before Terraform could plan) and where to say so. */
export interface PlanCommentRequest {
    readonly plan?: NamedText;
    /** `--deploy-failed`: where to read why the pull request's copy could not be deployed. */
    readonly deployFailedUrl?: string;
    readonly pullRequest?: PullRequestContext;
    readonly build: BuildContext;
}

/** What `report` renders: a results file, a raw state machine output, or a visualization link. */
export type ReportRequest = { readonly kind: "results" | "output"; readonly file: NamedText } | { readonly kind: "url"; readonly url: string };

/** The Step Functions execution statuses DescribeExecution reports. */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE";

/** What the shell read from DescribeExecution, reduced to what classification needs. */
export interface ExecutionDescription {
    readonly status: ExecutionStatus;
    /** The raw JSON output string (SUCCEEDED only). */
    readonly output?: string;
    readonly error?: string;
    readonly cause?: string;
}

/** One event of an execution's event history (GetExecutionHistory), reduced to the fields classification reads. */
export interface ExecutionEvent {
    readonly id: number;
    readonly type: string;
    readonly stateEnteredEventDetails?: { readonly name?: string; readonly input?: string };
}

/**
 * The verdict on an execution. `needs-events` means SUCCEEDED with `{}`: a failure whose reason
 * is only in the execution's event history, which the shell must read and classify again.
 */
export type ExecutionOutcome =
    | { readonly kind: "running" }
    | { readonly kind: "succeeded"; readonly analysis: TuningAnalysis }
    | { readonly kind: "dry-run" }
    | { readonly kind: "needs-events" }
    | { readonly kind: "failed" | "timed-out" | "aborted"; readonly error: TuningError };
