// @ts-check
// Preloaded with `node --require` into the runner for the long-run benchmark only: the process's
// clock (Date.now) runs BENCH_CLOCK_FACTOR times faster and every setTimeout is that much
// shorter, so the runner's own, unmodified polling loop lives through a 120 s execution in
// 120 / factor seconds of real time. FakeAws runs with the same timeScale, so both sides agree.

const factor = Number(process.env.BENCH_CLOCK_FACTOR);
if (!(factor > 0)) throw new Error(`BENCH_CLOCK_FACTOR must be a positive number, got ${process.env.BENCH_CLOCK_FACTOR}`);

const realNow = Date.now.bind(Date);
const origin = realNow();
Date.now = () => origin + (realNow() - origin) * factor;

const realSetTimeout = globalThis.setTimeout;
/** @type {any} */ (globalThis).setTimeout = (/** @type {any[]} */ ...args) => {
    const [callback, ms, ...rest] = args;
    return realSetTimeout(callback, (Number(ms) || 0) / factor, ...rest);
};
