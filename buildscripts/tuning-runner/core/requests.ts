// What each command is asked to do (functional core): the requests the command line is turned
// into, validated before any AWS call, that commands/ run.
import type { TuningCaps } from "./caps";
import type { PullRequestContext } from "./resultsFile";
import type { S3Location } from "./s3Location";
import type { SettingsPaths, TuneSettings } from "./settings";
import type { ScheduledSweep } from "./sweep";
import type { CopyOfFunctions } from "./targets";
import type { PowerTuningInput, Strategy } from "./tuningInput";
import type { TuningHistoryLocation } from "./tuningHistory";
import type { BuildContext, NamedText, TargetFunction } from "./types";

/** A validated `tune`: the functions, and its settings read from local files or still to be read from the pull request's commits. */
export interface TuneRequest {
    readonly stateMachineArn: string;
    /** The functions named on the command line and in the outputs; on a pull request's copy, only checked. */
    readonly functions: readonly TargetFunction[];
    /** A pull request's copy: the functions tuned are those listed under its prefix (commands/tune.ts functionsToTune). */
    readonly copy?: CopyOfFunctions;
    readonly settings:
        | { readonly from: "files"; readonly read: TuneSettings }
        | { readonly from: "repository"; readonly paths: SettingsPaths; readonly pullRequest: PullRequestContext };
    readonly pullRequest?: PullRequestContext;
    readonly resultsFile: string;
    /** `--chart`: where the SVG of every tuned function's measurements goes. */
    readonly chartFile?: string;
    readonly timeoutSeconds: number;
    /** Executions at once, or "auto": as many as fit the account's unreserved Lambda concurrency. */
    readonly concurrency: number | "auto";
    readonly build: BuildContext;
    /** `--history`: reuse stored results, store new ones, compare with production's. */
    readonly history?: TuningHistoryLocation;
    /** `--force`: tune even when the tuning history holds a result for the same fingerprint. */
    readonly force: boolean;
    /**
     * `--budget`: the stack-wide Lambda concurrency all running tunings share (at most a tenth of the
     * account's unreserved concurrency), and the S3 object that holds its leases.
     */
    readonly budget?: { readonly size: number; readonly leases: S3Location };
    /** `--max-functions`, `--max-function-timeout`: over either, nothing is invoked. */
    readonly caps?: TuningCaps;
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

/** A validated `decide-copy`: the pull request, what cannot change a function, where production's results are. */
export interface DecideCopyRequest {
    readonly pullRequest: PullRequestContext;
    /** Globs of the paths that cannot change a function; a pull request changing nothing else needs no copy. */
    readonly nonFunctionPaths: readonly string[];
    /** The policy's path at the destination commit: with one there, a pull request that needs no copy is approved. */
    readonly policyFile: string;
    /** Production's stored results are shown from here. */
    readonly history?: TuningHistoryLocation;
    readonly build: BuildContext;
}

/** What `report` renders: a results file, a raw state machine output, or a visualization link. */
export type ReportRequest = (
    | { readonly kind: "results" | "output"; readonly file: NamedText }
    | { readonly kind: "url"; readonly url: string; readonly strategy?: Strategy; readonly name?: string }
) & {
    /** `--invocations-per-month`: the monthly figures at this traffic, for every succeeded function. */
    readonly invocationsPerMonth?: number;
};

/** A validated `sweep`: what to remove (by name, by age), where to report it, and the pull request whose copy it is. */
export interface SweepRequest {
    /** Functions and roles `<namePrefix>-*`, log groups `/aws/lambda/<namePrefix>-*`. */
    readonly namePrefix: string;
    /** Checked disjoint from namePrefix: the names a sweep must never reach (production's). */
    readonly protectPrefix?: string;
    readonly olderThanHours: number;
    /**
     * The pull-request workflow whose RUNNING executions own copies in the namespace (namePrefix is
     * then the pull-request namespace): functions, roles and log groups are swept by ownership, an
     * owned copy kept while its execution is younger than olderThanHours, anything else removed.
     */
    readonly ownerWorkflowArn?: string;
    /** The state objects under `<prefix>/` are swept too. */
    readonly state?: S3Location;
    /** List and report only: no write call at all. */
    readonly dryRun: boolean;
    readonly reportFile: string;
    /** The scheduled sweep a pull request's comment names as the one that tries again. */
    readonly scheduledSweep: ScheduledSweep;
    /** The pull request whose copy this is: its comment's copy section says what became of it. */
    readonly pullRequest?: PullRequestContext;
    readonly build: BuildContext;
}
