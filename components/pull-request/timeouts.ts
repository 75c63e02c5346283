// How long each pull-request build, task and copy may last: pure figures the workflow definition,
// the sweeper and the stack configuration all judge by.

export type WorkflowStep = "deploy" | "feedback" | "destroy" | "sweep";

/**
 * The builds' own timeouts in minutes, unless the workflow is given others; `source` is the
 * hand-over's, which runs only when the copies have an account of their own, before any copy exists.
 */
export const PULL_REQUEST_BUILD_TIMEOUT_MINUTES: Readonly<Record<WorkflowStep | "source", number>> = {
    deploy: 30,
    feedback: 60,
    destroy: 30,
    sweep: 15,
    source: 10,
};

/**
 * The pull-request projects' queued timeout: CodeBuild ends a build still queued after this long
 * (its default is 480 minutes), so no build starts long after the workflow stopped waiting for it.
 */
export const PULL_REQUEST_QUEUED_TIMEOUT_MINUTES = 20;

/**
 * How long a copy's credentials last. The workflow's own role assumes the copy role, and STS caps
 * such a chained session at one hour (IAM user guide, "Role chaining"; STS AssumeRole,
 * DurationSeconds).
 */
export const COPY_SESSION_SECONDS = 3600;

/** A build working with a copy's credentials must end, queue included, before they expire. */
export function requireWithinCopySession(step: "deploy" | "destroy", buildTimeoutMinutes: number): void {
    const allowed = COPY_SESSION_SECONDS / 60 - PULL_REQUEST_QUEUED_TIMEOUT_MINUTES;
    if (buildTimeoutMinutes > allowed) {
        throw new Error(
            `buildTimeoutMinutes.${step} is ${buildTimeoutMinutes}; allowed: at most ${allowed} minutes, so that the build and its ${PULL_REQUEST_QUEUED_TIMEOUT_MINUTES} minutes of queue end within the copy's one-hour credentials`,
        );
    }
}

/**
 * How long a task waits beyond its build's queued and build timeouts: CodeBuild still finishes a
 * build it timed out (logs, cache), and the task should end with the build's own outcome.
 */
export const TASK_TIMEOUT_MARGIN_MINUTES = 10;

/** A task's TimeoutSeconds for a build of `buildTimeoutMinutes`: longer than CodeBuild can let it queue and run. */
export function taskTimeoutSeconds(buildTimeoutMinutes: number): number {
    return (PULL_REQUEST_QUEUED_TIMEOUT_MINUTES + buildTimeoutMinutes + TASK_TIMEOUT_MARGIN_MINUTES) * 60;
}

/**
 * The longest a copy is in use: from the deploy's start to the destroy's end, every task at its
 * timeout. The scheduled sweep must leave anything younger alone.
 */
export function copyLifetimeMinutes(buildTimeoutMinutes: Readonly<Record<WorkflowStep, number>>): number {
    return (["deploy", "feedback", "destroy"] as const).reduce((sum, step) => sum + taskTimeoutSeconds(buildTimeoutMinutes[step]) / 60, 0);
}
