// A clock for in-process runs that never waits: time stands still while anything can still run,
// and jumps to the next wake-up once every task is asleep. A run whose executions take minutes
// and poll every few seconds takes milliseconds, and its waits still happen in the right order.

interface Sleeper {
    readonly at: number;
    readonly wake: () => void;
}

/** A fixed start, so timestamps in comments and files read like real ones. */
const START = Date.parse("2026-11-26T17:00:00.000Z");

export class VirtualClock {
    private time = START;
    private sleepers: Sleeper[] = [];
    private advancing = false;

    readonly now = (): number => this.time;

    /** Resolves once the clock reaches now + `ms`, or as soon as `signal` aborts. */
    readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
        new Promise((resolve) => {
            if (signal?.aborted) return resolve();
            const sleeper: Sleeper = {
                at: this.time + Math.max(0, ms),
                wake: () => {
                    signal?.removeEventListener("abort", abort);
                    resolve();
                },
            };
            const abort = (): void => {
                this.sleepers = this.sleepers.filter((other) => other !== sleeper);
                sleeper.wake();
            };
            signal?.addEventListener("abort", abort, { once: true });
            this.sleepers.push(sleeper);
            this.advanceWhenIdle();
        });

    /** Calls `action` when the clock reaches now + `ms`. */
    after(ms: number, action: () => void): void {
        void this.sleep(ms).then(action);
    }

    /**
     * Promises settle in microtasks, before the next macrotask: by then every task that could run
     * has run and is asleep again, and the earliest sleepers may wake.
     */
    private advanceWhenIdle(): void {
        if (this.advancing) return;
        this.advancing = true;
        setImmediate(() => {
            this.advancing = false;
            if (this.sleepers.length === 0) return;
            this.time = Math.max(this.time, Math.min(...this.sleepers.map((sleeper) => sleeper.at)));
            const due = this.sleepers.filter((sleeper) => sleeper.at <= this.time);
            this.sleepers = this.sleepers.filter((sleeper) => sleeper.at > this.time);
            for (const sleeper of due) sleeper.wake();
            if (this.sleepers.length > 0) this.advanceWhenIdle();
        });
    }
}
