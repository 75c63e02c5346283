// What a command needs of the process besides AWS: a clock, waits, the build log, the stop signal
// and its two outputs. main.ts hands in the real ones; tests hand in a clock that never waits.

export interface Runtime {
    /** The clock, epoch milliseconds. */
    readonly now: () => number;
    /** Resolves after `ms`, or as soon as `signal` aborts. */
    readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    /** One line in the build log. */
    readonly log: (message: string) => void;
    /** Aborted when the build is stopped (SIGTERM/SIGINT): running executions are stopped, no new ones start. */
    readonly signal: AbortSignal;
    /** Standard output: Markdown for the reader when there is no pull request to post it to, or posting failed. */
    readonly print: (text: string) => void;
    /** Writes a file whole or not at all. */
    readonly writeFile: (path: string, content: string) => void;
}
