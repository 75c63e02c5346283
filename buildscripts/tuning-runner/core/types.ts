// The data the runner's functional core and its shell exchange. Types only: no I/O, no SDK.

export const STRATEGIES = ["cost", "speed", "balanced"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/**
 * The power-tuning execution input as the user writes it (power-tuning-input.json),
 * without `lambdaARN`: the runner adds that per function. Unknown keys are passed through
 * to the state machine untouched.
 */
export interface PowerTuningInput {
    readonly num: number;
    readonly powerValues?: readonly number[] | "ALL";
    readonly payload?: unknown;
    readonly payloadS3?: string;
    readonly parallelInvocation?: boolean;
    readonly strategy?: Strategy;
    readonly balancedWeight?: number;
    /** The runner's own setting, never sent to the state machine: a second, finer pass (refine.ts). */
    readonly refine?: RefineBlock;
    readonly [key: string]: unknown;
}

/** `refine` as written in the tuning input; every field optional (defaults in refine.ts). */
export interface RefineBlock {
    readonly stepMB?: number;
    readonly maxSizes?: number;
    readonly minSavingPercent?: number;
}

/** One Lambda function to tune: a display name and its unqualified function ARN. */
export interface TargetFunction {
    readonly name: string;
    readonly arn: string;
}

/** Where comments go. All four values are required to post. */
export interface PullRequestContext {
    readonly repositoryName: string;
    readonly pullRequestId: string;
    /** The PR's source branch tip: CodeCommit's `afterCommitId`. */
    readonly sourceCommit: string;
    /** The destination branch commit: CodeCommit's `beforeCommitId`. */
    readonly destinationCommit: string;
}

/** A validated `tune` invocation: everything checked before the first AWS call. */
export interface TuningRequest {
    readonly stateMachineArn: string;
    readonly input: PowerTuningInput;
    readonly functions: readonly TargetFunction[];
    readonly pullRequest?: PullRequestContext;
    readonly resultsFile: string;
    readonly timeoutSeconds: number;
    readonly concurrency: number;
    /** CODEBUILD_BUILD_URL, linked from the comment when set. */
    readonly buildUrl?: string;
    /** `--history`: reuse stored results, store new ones, compare with production's. */
    readonly history?: HistoryLocation;
    /** `--force`: tune even when the history holds a result for the same fingerprint. */
    readonly force?: boolean;
    /** `--comment-role-arn`: comments and approvals are made as this role's fixed session. */
    readonly commentRoleArn?: string;
}

/** A text and the name errors about it give: a file name, or `<commit>:<path>` in the repository. */
export interface NamedText {
    readonly name: string;
    readonly text: string;
}

/** Measured figures for one memory size, as the tool's `stats` report them. */
export interface PowerStat {
    readonly memoryMB: number;
    /** Average duration in milliseconds (the tool's trimmed mean). */
    readonly averageDurationMs: number;
    /** Average duration cost of one invocation in USD, without the request charge. */
    readonly averageCostUsd: number;
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

/** One GetExecutionHistory event, reduced to the fields classification reads. */
export interface HistoryEvent {
    readonly id: number;
    readonly type: string;
    readonly stateEnteredEventDetails?: { readonly name?: string; readonly input?: string };
}

/** Why a tuning did not produce a result. `cause` is human-readable (`errorType: errorMessage`). */
export interface TuningError {
    readonly error: string;
    readonly cause: string;
}

/** The state machine's analysis of a successful run. */
export interface TuningAnalysis {
    readonly power: number;
    readonly cost: number;
    readonly duration: number;
    readonly stats: readonly PowerStat[];
    /**
     * `"visualization"` when the output had no `stats` (`includeOutputResults` not set) and
     * they were decoded from the visualization link, at its float32 precision.
     */
    readonly statsSource?: "visualization";
    readonly visualization?: string;
    readonly stateMachineCostUsd?: number;
    readonly lambdaCostUsd?: number;
}

/**
 * The verdict on an execution. `needs-history` means SUCCEEDED with `{}`: a failure whose
 * reason is only in the execution history, which the shell must fetch and classify again.
 */
export type ExecutionOutcome =
    | { readonly kind: "running" }
    | { readonly kind: "succeeded"; readonly analysis: TuningAnalysis }
    | { readonly kind: "dry-run" }
    | { readonly kind: "needs-history" }
    | { readonly kind: "failed" | "timed-out" | "aborted"; readonly error: TuningError };

export type TuningStatus = "succeeded" | "failed" | "timed-out" | "aborted" | "dry-run";

/** One function's entry in the results file and in the comment. */
export interface TuningResult {
    readonly name: string;
    readonly arn: string;
    readonly executionArn?: string;
    readonly status: TuningStatus;
    readonly strategy: Strategy;
    /** Recommended memory (MB), cost (USD per invocation) and duration (ms); succeeded only. */
    readonly power?: number;
    readonly cost?: number;
    readonly duration?: number;
    readonly stats: readonly PowerStat[];
    /** As in TuningAnalysis: set when the stats were decoded from the visualization link. */
    readonly statsSource?: "visualization";
    readonly visualization?: string;
    readonly stateMachineCostUsd?: number;
    readonly lambdaCostUsd?: number;
    readonly error?: TuningError;
    /** ISO-8601 timestamps. */
    readonly startedAt?: string;
    readonly stoppedAt?: string;
    /** With a tuning history: what the result is stored under (fingerprint.ts). */
    readonly fingerprint?: string;
    /** Set when the result was taken from the history instead of running the tuning again. */
    readonly reused?: StoredResultOrigin;
    /** With a tuning history: production's result to compare with, or why there is none. */
    readonly baseline?: Baseline;
    /** This result against `baseline` (a found baseline and a succeeded result only). */
    readonly delta?: BaselineDelta;
    /** The memory size the tuned copy was deployed with (MB), read before tuning; the quality gate compares it with `power`. */
    readonly configuredMemoryMB?: number;
    /**
     * With `refine` in the input: the second pass around the first pass's pick. When it ran,
     * `stats` hold both passes, `power`/`cost`/`duration` are decided over them, and the run's
     * costs are the sum of both executions.
     */
    readonly refinement?: Refinement;
}

/** The first pass's own recommendation, kept when a refinement decided over more sizes. */
export interface Recommendation {
    readonly power: number;
    readonly cost: number;
    readonly duration: number;
}

/** What became of a function's refinement pass. */
export type Refinement =
    | (RefinementExecution & {
          readonly status: "refined";
          /** `num` invocations per new size. */
          readonly invocations: number;
          /** The second execution's own cost, as the state machine reported it. */
          readonly stateMachineCostUsd?: number;
          readonly lambdaCostUsd?: number;
          readonly firstPass: Recommendation;
      })
    | { readonly status: "skipped"; readonly reason: string }
    | (RefinementExecution & { readonly status: "failed"; readonly error: TuningError });

/** The second execution of a refinement that ran (or was started). */
interface RefinementExecution {
    /** The winner's measured neighbours the new sizes lie between (one of them may be the winner itself at an end of the list). */
    readonly betweenMB: readonly [number, number];
    /** The sizes the second execution measured, ascending. */
    readonly memorySizesMB: readonly number[];
    readonly executionArn?: string;
}

/** The build that produced a stored result. */
export interface StoredResultOrigin {
    /** The PR's source commit (or the commit tuned outside a PR, when known). */
    readonly commit?: string;
    readonly pullRequestId?: string;
    /** ISO-8601: when the result was stored. */
    readonly recordedAt: string;
    readonly executionArn?: string;
    /**
     * The function the result was measured on, when it is not the one using it: functions with the
     * same code, configuration and tuning input have one fingerprint, so they share one stored result.
     */
    readonly functionName?: string;
}

/**
 * A function's baseline: the stored result for the fingerprint production runs (recorded by
 * `record` after each deployment of main), or the reason there is none.
 */
export type Baseline =
    | {
          readonly status: "found";
          readonly fingerprint: string;
          /** The main commit production was deployed from, and when `record` saw it. */
          readonly productionCommit?: string;
          readonly productionRecordedAt: string;
          /** Who tuned production's code. */
          readonly tunedBy: StoredResultOrigin;
          readonly strategy: Strategy;
          readonly power: number;
          readonly cost: number;
          readonly duration: number;
          readonly stats: readonly PowerStat[];
      }
    | { readonly status: "none"; readonly reason: string };

/** One figure against the baseline. `percent` is undefined when the baseline is 0. */
export interface FigureDelta {
    readonly baseline: number;
    readonly current: number;
    readonly absolute: number;
    readonly percent?: number;
}

/** The recommended memory size, and cost and duration at it, against the baseline's. */
export interface BaselineDelta {
    readonly memoryMB: FigureDelta;
    /** Including the request charge (cost.ts). */
    readonly costPerMillionUsd: FigureDelta;
    readonly durationMs: FigureDelta;
    /** lambda-power-tuning.show link charting the baseline against this result. */
    readonly comparisonUrl: string;
}

/** `--history s3://bucket/prefix`: where stored results and production records live. */
export interface HistoryLocation {
    readonly bucket: string;
    /** Without leading or trailing "/"; may be empty. */
    readonly prefix: string;
}

/** How the history served a run (results file and comment). */
export interface HistoryStatus {
    readonly uri: string;
    /** Read or write failures: the run went on without the history where they occurred. */
    readonly problems: readonly string[];
}

/** The machine-readable results file written by `tune` (always, before any comment). */
export interface ResultsFile {
    readonly version: 1;
    readonly generatedAt: string;
    readonly stateMachineArn?: string;
    readonly pullRequest?: PullRequestContext;
    readonly buildUrl?: string;
    readonly functions: readonly TuningResult[];
    /** Present when `tune` ran with `--history`. */
    readonly history?: HistoryStatus;
}

/** One resource's planned change, from `terraform show -json`'s `resource_changes`. */
export type PlanAction = "create" | "update" | "replace" | "delete" | "read";

export interface PlannedChange {
    readonly address: string;
    readonly action: PlanAction;
}

export interface PlanSummary {
    readonly toAdd: number;
    readonly toChange: number;
    readonly toReplace: number;
    readonly toDestroy: number;
    /** No-ops are left out. */
    readonly changes: readonly PlannedChange[];
}
