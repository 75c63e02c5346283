// The "search quality" benchmark: how close each way of choosing memory sizes comes to a Lambda
// performance model's true optimum, and how many invocations it spends. Random functions are
// tuned by the runner's own sequence (refine.ts tuneInPasses, the same code `tune` runs) against
// a simulated state machine that answers in the tool's output shape from the model's noisy
// durations; the runner classifies that output as it classifies a real one.
import { REQUEST_CHARGE_USD } from "../buildscripts/tuning-runner/core/cost";
import { classifyExecution } from "../buildscripts/tuning-runner/core/execution";
import { tuneInPasses } from "../buildscripts/tuning-runner/core/refine";
import type { RefineBlock } from "../buildscripts/tuning-runner/core/refineSettings";
import type { PowerTuningInput, Strategy } from "../buildscripts/tuning-runner/core/tuningInput";
import { simulatedOutput } from "../tests/support/simulated-power-tuning";
import type { Benchmark, BenchRow } from "./benchmark";
import { expectedCostUsd, expectedDurationMs, randomFunction, Random, sampleDurationsMs } from "./lambdaModel";
import { publishedCostUsd, publishedDurationMs, randomPublishedFunction, samplePublishedDurationsMs } from "./publishedModel";
import type { Architecture } from "../tests/support/simulated-power-tuning";

/** One function of a model family, as the benchmark tunes it and judges the recommendation. */
interface BenchFunction {
    readonly architecture: Architecture;
    durationMs(memoryMB: number): number;
    costUsd(memoryMB: number, options: { withRequestCharge: boolean }): number;
    sample(memoryMB: number, count: number, random: Random): number[];
}

/** A family of random functions: a model of how duration follows memory, and its noise. */
interface ModelFamily {
    /** The rows' name suffix ("" for the first family, whose rows keep their names). */
    readonly rowSuffix: string;
    readonly description: string;
    draw(random: Random): BenchFunction;
}

const FORMULA_FAMILY: ModelFamily = {
    rowSuffix: "",
    description:
        "bench/lambdaModel.ts (fixed I/O part + CPU part scaling with memory to one vCPU at 1,769 MB and beyond for multi-threaded code, garbage collection " +
        "below a working set, log-normal noise with outliers, billed duration ceiled to 1 ms, arm64/x86 prices and the request charge)",
    draw(random) {
        const fn = randomFunction(random);
        return {
            architecture: fn.architecture,
            durationMs: (memoryMB) => expectedDurationMs(fn, memoryMB),
            costUsd: (memoryMB, options) => expectedCostUsd(fn, memoryMB, options),
            sample: (memoryMB, count, noise) => sampleDurationsMs(fn, memoryMB, count, noise),
        };
    },
};

const PUBLISHED_FAMILY: ModelFamily = {
    rowSuffix: " (published curves)",
    description:
        "bench/publishedModel.ts (four published duration-by-memory curves: github.com/sobolk/aws-cdk testapps/testapp001/hotswap_s3_summary.md, the example in " +
        "github.com/alexcasalboni/aws-lambda-power-tuning's README, github.com/Sathyafish/lambda-power-tool, nitrix-reloaded.com/2022/09/05/aws-lambda-power-tuning-for-optimal-cost-performance; " +
        "scaled from a few ms to their published length, plus an I/O part; " +
        "log-normal σ 0.05–0.35, 10 % outliers of 1.5–4×, the first invocation at every size a cold start; regret against the warm mean)",
    draw(random) {
        const fn = randomPublishedFunction(random);
        return {
            architecture: fn.architecture,
            durationMs: (memoryMB) => publishedDurationMs(fn, memoryMB),
            costUsd: (memoryMB, options) => publishedCostUsd(fn, memoryMB, options),
            sample: (memoryMB, count, noise) => samplePublishedDurationsMs(fn, memoryMB, count, noise),
        };
    },
};

/** The tool's default power values. */
const DEFAULT_SIX = [128, 256, 512, 1024, 1536, 3008];
/** The tool's "ALL": every 64 MB from 128 to 3008. */
const EVERY_64_MB = Array.from({ length: (3008 - 128) / 64 + 1 }, (_, index) => 128 + 64 * index);
/** Every size Lambda accepts up to the largest the lists above measure: where the true optimum is sought. */
const EVERY_SIZE = Array.from({ length: 3008 - 128 + 1 }, (_, index) => 128 + index);

interface SearchMethod {
    readonly name: string;
    readonly input: (strategy: Strategy) => PowerTuningInput;
    /** Which noise stream its executions draw from: variants of one method draw the same noise. */
    readonly noiseStream: number;
}

const NUM = 20;
const BALANCED_WEIGHT = 0.5;
const tuningInput = (strategy: Strategy, extra: Partial<PowerTuningInput>): PowerTuningInput => ({
    num: NUM,
    strategy,
    ...(strategy === "balanced" ? { balancedWeight: BALANCED_WEIGHT } : {}),
    ...extra,
});

const DEFAULT_SIX_ONLY: SearchMethod = {
    name: "default six",
    noiseStream: 0,
    input: (strategy) => tuningInput(strategy, { powerValues: DEFAULT_SIX }),
};
const EVERY_64_MB_ONLY: SearchMethod = {
    name: "every 64 MB",
    noiseStream: 1,
    input: (strategy) => tuningInput(strategy, { powerValues: EVERY_64_MB }),
};
const coarseToFine = (refine: RefineBlock = {}): SearchMethod => ({
    name: "coarse-to-fine",
    noiseStream: 2,
    input: (strategy) => tuningInput(strategy, { powerValues: DEFAULT_SIX, refine }),
});

/** One function tuned one way: the regret of its recommendation and the invocations spent. */
interface SearchOutcome {
    /** The model's cost (or duration, or balanced score) at the recommendation over the best any size reaches, minus 1. */
    readonly regret: number;
    /** The same for cost without the request charge (cost strategy only). */
    readonly durationCostRegret?: number;
    readonly invocations: number;
    readonly refined: boolean;
}

/** A model function's noise-free figures at every size, computed once: what regret is measured against. */
class ModelTruth {
    private readonly durationMs: number[];
    private readonly durationCostUsd: number[];

    constructor(readonly fn: BenchFunction) {
        this.durationMs = EVERY_SIZE.map((memory) => fn.durationMs(memory));
        this.durationCostUsd = EVERY_SIZE.map((memory) => fn.costUsd(memory, { withRequestCharge: false }));
    }

    /**
     * The regret of recommending `memoryMB` for `strategy`: its figure over the best any size
     * from 128 to 3008 MB reaches, minus 1. Cost includes the request charge (what is paid);
     * balanced divides by the largest cost and duration over that range, as the tool divides by
     * the largest it measured.
     */
    regret(strategy: Strategy, memoryMB: number, options: { withRequestCharge: boolean } = { withRequestCharge: true }): number {
        const measure = this.measure(strategy, options.withRequestCharge);
        return measure[memoryMB - EVERY_SIZE[0]] / Math.min(...measure) - 1;
    }

    private measure(strategy: Strategy, withRequestCharge: boolean): number[] {
        switch (strategy) {
            case "cost":
                return withRequestCharge ? this.durationCostUsd.map((cost) => cost + REQUEST_CHARGE_USD) : this.durationCostUsd;
            case "speed":
                return this.durationMs;
            case "balanced": {
                const maxCost = Math.max(...this.durationCostUsd);
                const maxDuration = Math.max(...this.durationMs);
                return this.durationCostUsd.map(
                    (cost, index) => (BALANCED_WEIGHT * cost) / maxCost + ((1 - BALANCED_WEIGHT) * this.durationMs[index]) / maxDuration,
                );
            }
        }
    }
}

/** Tunes a model function with `method` for `strategy` against the simulated state machine; `random` draws the noise. */
async function searchOnce(truth: ModelTruth, method: SearchMethod, strategy: Strategy, random: Random): Promise<SearchOutcome> {
    const { fn } = truth;
    const input = method.input(strategy);
    const result = await tuneInPasses({ name: "model", arn: "" }, input, async (step) => {
        const powerValues = step?.memorySizesMB ?? (input.powerValues as readonly number[]);
        const output = simulatedOutput(
            { powerValues, num: input.num, strategy, balancedWeight: input.balancedWeight, architecture: fn.architecture },
            (memoryMB, count) => fn.sample(memoryMB, count, random),
        );
        return { outcome: classifyExecution({ status: "SUCCEEDED", output: JSON.stringify(output) }) };
    });
    if (result.power === undefined) throw new Error(`the simulated tuning did not succeed: ${JSON.stringify(result.error)}`);
    return {
        regret: truth.regret(strategy, result.power),
        durationCostRegret: strategy === "cost" ? truth.regret(strategy, result.power, { withRequestCharge: false }) : undefined,
        invocations: input.num * result.stats.length,
        refined: result.refinement?.status === "refined",
    };
}

const FUNCTION_COUNT = 300;
const FUNCTION_SEED = 15;
const STRATEGIES: readonly Strategy[] = ["cost", "speed", "balanced"];
const REGRET_TARGET = { median: 0.01, p90: 0.03 };
const INVOCATIONS_TARGET = 0.25;

/** The value below which `share` of `values` lie (nearest rank). */
function quantile(values: readonly number[], share: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const percent = (share: number) => `${(share * 100).toFixed(2)} %`;
const regretSummary = (regrets: readonly number[]) => `median ${percent(quantile(regrets, 0.5))}, p90 ${percent(quantile(regrets, 0.9))}`;

/** `method`'s outcome for every function, for one strategy; each tuning draws its own noise. */
async function outcomesOf(truths: readonly ModelTruth[], method: SearchMethod, strategy: Strategy): Promise<SearchOutcome[]> {
    const outcomes: SearchOutcome[] = [];
    for (const [functionIndex, truth] of truths.entries()) {
        const noiseSeed = 1 + functionIndex * 7919 + method.noiseStream * 104_729 + STRATEGIES.indexOf(strategy) * 1_299_709;
        outcomes.push(await searchOnce(truth, method, strategy, new Random(noiseSeed)));
    }
    return outcomes;
}

const regretsOf = (outcomes: readonly SearchOutcome[]) => outcomes.map((outcome) => outcome.regret);
const invocationsOf = (outcomes: readonly SearchOutcome[]) => mean(outcomes.map((outcome) => outcome.invocations));
const EVERY_64_MB_INVOCATIONS = EVERY_64_MB.length * NUM;

/** The row of one strategy: coarse-to-fine against its targets, the two fixed lists beside it. */
function strategyRow(
    family: ModelFamily,
    strategy: Strategy,
    functions: number,
    [six, exhaustive, refined]: ReadonlyArray<readonly SearchOutcome[]>,
): BenchRow {
    const share = invocationsOf(refined) / invocationsOf(exhaustive);
    const durationCost =
        strategy === "cost"
            ? `; duration cost alone (without the request charge): coarse-to-fine ${regretSummary(refined.map((outcome) => outcome.durationCostRegret!))}, ` +
              `every 64 MB ${regretSummary(exhaustive.map((outcome) => outcome.durationCostRegret!))}, default six ${regretSummary(six.map((outcome) => outcome.durationCostRegret!))}`
            : "";
    const met =
        quantile(regretsOf(refined), 0.5) <= REGRET_TARGET.median &&
        quantile(regretsOf(refined), 0.9) <= REGRET_TARGET.p90 &&
        share <= INVOCATIONS_TARGET;
    return {
        benchmark: `Search quality${family.rowSuffix}: ${strategy}`,
        target: `coarse-to-fine regret median ≤ ${percent(REGRET_TARGET.median)}, p90 ≤ ${percent(REGRET_TARGET.p90)}, invocations ≤ ${INVOCATIONS_TARGET * 100} % of every 64 MB`,
        measured:
            `coarse-to-fine ${regretSummary(regretsOf(refined))}, ${invocationsOf(refined).toFixed(0)} invocations = ${percent(share)} of every 64 MB's ` +
            `${invocationsOf(exhaustive).toFixed(0)} (refined ${refined.filter((outcome) => outcome.refined).length} of ${functions}); every 64 MB ${regretSummary(regretsOf(exhaustive))}; ` +
            `default six ${regretSummary(regretsOf(six))}, ${invocationsOf(six).toFixed(0)} invocations${durationCost}`,
        verdict: met ? "met" : "missed",
        method:
            `${functions} seeded random functions of ${family.description}, each tuned with num ${NUM}${strategy === "balanced" ? `, weight ${BALANCED_WEIGHT}` : ""} by the runner's own passes against a simulated ` +
            `state machine: the tool's default six sizes (128–3008 MB), every 64 MB (its "ALL", 46 sizes), and the six plus refine {} (defaults); regret = the ` +
            `model's noise-free ${strategy === "cost" ? "cost per invocation, request charge included," : strategy === "speed" ? "duration" : "balanced score"} at the ` +
            `recommendation over the best of every size from 128 to 3008 MB, minus 1`,
    };
}

const range = (values: readonly number[], format: (value: number) => string) =>
    `${format(Math.min(...values))}–${format(Math.max(...values))}`;
/** Other values of refine.maxSizes, and other draws of functions, for the strategies that refine. */
const MAX_SIZES_SWEEP = [3, 4, 5, 8];
const OTHER_FUNCTION_SEEDS = [1, 2, 3, 4, 5];
const REFINING_STRATEGIES: readonly Strategy[] = ["cost", "balanced"];

/** The tool's default six sizes measured twice as often: the extra invocations spent on samples instead of sizes. */
const DEFAULT_SIX_TWICE: SearchMethod = {
    name: "default six, num 40",
    noiseStream: 3,
    input: (strategy) => tuningInput(strategy, { powerValues: DEFAULT_SIX, num: 2 * NUM }),
};

export const searchQualityBenchmark: Benchmark = {
    id: "search-quality",
    async run() {
        const rows: BenchRow[] = [];
        const details: string[] = [];
        for (const family of [FORMULA_FAMILY, PUBLISHED_FAMILY]) {
            const label = (text: string) => `${text}${family.rowSuffix}`;
            const truths = modelFunctions(family, FUNCTION_COUNT, FUNCTION_SEED);
            for (const strategy of STRATEGIES) {
                const outcomes = [
                    await outcomesOf(truths, DEFAULT_SIX_ONLY, strategy),
                    await outcomesOf(truths, EVERY_64_MB_ONLY, strategy),
                    await outcomesOf(truths, coarseToFine(), strategy),
                ];
                rows.push(strategyRow(family, strategy, truths.length, outcomes));
                outcomes.forEach((methodOutcomes, index) => {
                    const values = regretsOf(methodOutcomes);
                    details.push(
                        `${label(strategy)}, ${[DEFAULT_SIX_ONLY.name, EVERY_64_MB_ONLY.name, "coarse-to-fine"][index]}: regret median ${percent(quantile(values, 0.5))}, ` +
                            `p90 ${percent(quantile(values, 0.9))}, mean ${percent(mean(values))}, max ${percent(Math.max(...values))}; invocations mean ${invocationsOf(methodOutcomes).toFixed(1)}`,
                    );
                });
            }
            for (const strategy of REFINING_STRATEGIES) {
                const outcomes = await outcomesOf(truths, DEFAULT_SIX_TWICE, strategy);
                details.push(
                    `${label(strategy)}, ${DEFAULT_SIX_TWICE.name}: regret ${regretSummary(regretsOf(outcomes))}; ` +
                        `invocations ${percent(invocationsOf(outcomes) / EVERY_64_MB_INVOCATIONS)} of every 64 MB`,
                );
            }
            if (family === FORMULA_FAMILY) {
                for (const strategy of REFINING_STRATEGIES) {
                    for (const maxSizes of MAX_SIZES_SWEEP) {
                        const outcomes = await outcomesOf(truths, coarseToFine({ maxSizes }), strategy);
                        details.push(
                            `${strategy}, coarse-to-fine with refine.maxSizes ${maxSizes}: regret ${regretSummary(regretsOf(outcomes))}; ` +
                                `invocations ${percent(invocationsOf(outcomes) / EVERY_64_MB_INVOCATIONS)} of every 64 MB`,
                        );
                    }
                }
            }
            const otherDraws = OTHER_FUNCTION_SEEDS.map((seed) => modelFunctions(family, FUNCTION_COUNT, seed));
            for (const strategy of REFINING_STRATEGIES) {
                for (const method of [EVERY_64_MB_ONLY, coarseToFine()]) {
                    const runs = await Promise.all(otherDraws.map((draw) => outcomesOf(draw, method, strategy)));
                    details.push(
                        `${label(strategy)}, ${method.name} on ${OTHER_FUNCTION_SEEDS.length} other draws of ${FUNCTION_COUNT} functions (seeds ${OTHER_FUNCTION_SEEDS.join(", ")}): ` +
                            `regret median ${range(
                                runs.map((run) => quantile(regretsOf(run), 0.5)),
                                percent,
                            )}, p90 ${range(
                                runs.map((run) => quantile(regretsOf(run), 0.9)),
                                percent,
                            )}; ` +
                            `invocations ${range(
                                runs.map((run) => invocationsOf(run) / EVERY_64_MB_INVOCATIONS),
                                percent,
                            )} of every 64 MB`,
                    );
                }
            }
        }
        return { rows, details };
    },
};

/** `count` random functions of `family`, the same for every run (seeded). */
function modelFunctions(family: ModelFamily, count: number, seed: number): ModelTruth[] {
    const random = new Random(seed);
    return Array.from({ length: count }, () => new ModelTruth(family.draw(random)));
}
