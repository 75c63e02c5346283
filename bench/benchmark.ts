// What a benchmark is and what it reports: rows of the results table (target against measured,
// and how it was measured) and raw figures for RESULTS.md.

export type Verdict = "met" | "missed" | "n/a";

export interface BenchRow {
    readonly benchmark: string;
    readonly target: string;
    readonly measured: string;
    readonly verdict: Verdict;
    readonly method: string;
}

export interface BenchResult {
    readonly rows: readonly BenchRow[];
    /** Raw figures per run, for RESULTS.md. */
    readonly details: readonly string[];
}

export interface Benchmark {
    readonly id: string;
    run(): Promise<BenchResult>;
}
