// The in-process specs' clock: their assertions on time (polls, timeouts, concurrency) are only
// as good as its ordering of waits.
import * as assert from "node:assert/strict";
import { VirtualClock } from "./virtual-clock";

describe("the virtual clock of in-process runs", () => {
    it("wakes concurrent sleepers in the order of their wake-up times (equal ones as they fell asleep), advancing to each", async () => {
        const clock = new VirtualClock();
        const start = clock.now();
        const woken: Array<[string, number]> = [];
        const sleeper = async (name: string, waits: number[]) => {
            for (const ms of waits) {
                await clock.sleep(ms);
                woken.push([name, clock.now() - start]);
            }
        };
        await Promise.all([sleeper("a", [3_000, 3_000]), sleeper("b", [1_000, 4_000]), sleeper("c", [5_000])]);
        assert.deepEqual(woken, [
            ["b", 1_000],
            ["a", 3_000],
            ["c", 5_000],
            ["b", 5_000],
            ["a", 6_000],
        ]);
    });

    it("does not advance while a task can still run: time stands still across promise chains", async () => {
        const clock = new VirtualClock();
        const start = clock.now();
        let chained = 0;
        const busy = (async () => {
            for (let step = 0; step < 100; step++) {
                await Promise.resolve();
                chained++;
            }
            return clock.now() - start;
        })();
        const sleeping = clock.sleep(60_000).then(() => chained);
        assert.deepEqual(await Promise.all([busy, sleeping]), [0, 100]);
    });

    it("ends a sleep at once when its signal aborts, without moving the clock", async () => {
        const clock = new VirtualClock();
        const start = clock.now();
        const stop = new AbortController();
        clock.after(2_000, () => stop.abort());
        await clock.sleep(600_000, stop.signal);
        assert.equal(clock.now() - start, 2_000);
        await clock.sleep(1_000, stop.signal);
        assert.equal(clock.now() - start, 2_000, "an aborted signal ends later sleeps at once too");
    });
});
