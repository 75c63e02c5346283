// The data the runner's functional core and its shell exchange that no file format describes
// (the formats' types are inferred from their schemas). Types only: no I/O, no SDK.
import type { TuningError } from "./resultsFile";
import type { TuningAnalysis } from "./stateMachineOutput";

/** One Lambda function to tune: a display name and its unqualified function ARN. */
export interface TargetFunction {
    readonly name: string;
    readonly arn: string;
    /** For a pull request's copy: the name of production's function it stands for (same key). */
    readonly production?: string;
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
